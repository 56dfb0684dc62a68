// Package work is the cookbook's deterministic unit of CPU work: every language computes the same
// bits for the same job, so results can be compared across languages.
package work

import "fmt"

// Work applies n splitmix64 steps to seed. Go's uint64 arithmetic wraps around on overflow,
// which is exactly the behaviour the contract asks for, so no masking is needed.
func Work(seed, n uint64) uint64 {
	x := seed
	for range n {
		z := x + 0x9E3779B97F4A7C15
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
		z = (z ^ (z >> 27)) * 0x94D049BB133111EB
		x = z ^ (z >> 31)
	}
	return x
}

// Hex formats v as 16 lowercase hex digits: a JSON number cannot carry 64 bits in every
// language, so values cross the runner boundary as strings.
func Hex(v uint64) string {
	return fmt.Sprintf("%016x", v)
}
