package circuitbreaker_test

import (
	"fmt"

	"github.com/concurrency-cookbook/cookbook/go/circuitbreaker"
)

// The state machine, on times given as data: ticks here are milliseconds.
func ExampleMachine() {
	m := circuitbreaker.NewMachine(circuitbreaker.Settings{FailureThreshold: 2, Window: 100, OpenFor: 50, HalfOpenProbes: 1},
		func(c circuitbreaker.Change) { fmt.Println("  ", c.To, "at", c.At) })
	for _, c := range []struct {
		at   int64
		fail bool
	}{{0, true}, {10, true}, {20, false}, {60, false}, {70, false}} {
		ticket, ok := m.Allow(c.at)
		fmt.Println("call at", c.at, "runs:", ok)
		if ok {
			m.Done(ticket, c.at, c.fail)
		}
	}
	// Output:
	// call at 0 runs: true
	// call at 10 runs: true
	//    open at 10
	// call at 20 runs: false
	//    half-open at 60
	// call at 60 runs: true
	//    closed at 60
	// call at 70 runs: true
}
