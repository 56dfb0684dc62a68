package spectest

import (
	"fmt"
	"maps"
	"slices"

	"github.com/concurrency-cookbook/cookbook/go/work"
)

// Checks on the read-heavy cache: lock intervals, single flight, and a linearizable history.

type lock struct {
	Client     int64  `json:"client"`
	Mode       string `json:"mode"`
	RequestNs  int64  `json:"requestNs"`
	AcquiredNs int64  `json:"acquiredNs"`
	ReleasedNs int64  `json:"releasedNs"`
}

type compute struct {
	Key     int64 `json:"key"`
	StartNs int64 `json:"startNs"`
	EndNs   int64 `json:"endNs"`
}

type cacheOp struct {
	Client   int64   `json:"client"`
	Index    int64   `json:"index"`
	Op       string  `json:"op"`
	Key      int64   `json:"key"`
	Value    *string `json:"value"`
	InvokeNs int64   `json:"invokeNs"`
	ReturnNs int64   `json:"returnNs"`
}

func init() {
	register(map[string]invariant{
		"writer-exclusive":   writerExclusive,
		"readers-overlap":    readersOverlap,
		"computes-overlap":   computesOverlap,
		"single-flight":      singleFlight,
		"writer-not-starved": writerNotStarved,
		"ops-complete":       opsComplete,
		"linearizable":       linearizable,
	})
}

func (s seen) locks() []lock {
	s.t.Helper()
	var l []lock
	s.observe("locks", &l)
	return l
}

func (s seen) computes() []compute {
	s.t.Helper()
	var c []compute
	s.observe("computes", &c)
	return c
}

func (s seen) ops() []cacheOp {
	s.t.Helper()
	var o []cacheOp
	s.observe("ops", &o)
	return o
}

// writerExclusive: a write interval overlaps no other lock interval (half-open: a lock released
// at t and one taken at t did not overlap).
func writerExclusive(s seen) []string {
	every := s.locks()
	var problems []string
	for n, w := range every {
		if w.Mode != "write" {
			continue
		}
		for m, other := range every {
			if m != n && other.AcquiredNs < w.ReleasedNs && w.AcquiredNs < other.ReleasedNs {
				problems = append(problems, fmt.Sprintf("client %d's write lock %+v overlaps client %d's %s lock %+v", w.Client, w, other.Client, other.Mode, other))
			}
		}
	}
	return problems
}

func readersOverlap(s seen) []string {
	var reads []interval
	for _, l := range s.locks() {
		if l.Mode == "read" {
			reads = append(reads, interval{l.AcquiredNs, l.ReleasedNs})
		}
	}
	if peak := peakOverlap(reads); float64(peak) < s.param("target") {
		return []string{fmt.Sprintf("at most %d readers held the lock at once", peak)}
	}
	return nil
}

func computesOverlap(s seen) []string {
	var spans []interval
	for _, c := range s.computes() {
		spans = append(spans, interval{c.StartNs, c.EndNs})
	}
	if peak := peakOverlap(spans); float64(peak) < s.param("target") {
		return []string{fmt.Sprintf("at most %d computes ran at once", peak)}
	}
	return nil
}

// singleFlight: at most one compute per key, and output.computes says what was observed.
func singleFlight(s seen) []string {
	counts := map[int64]int64{}
	for _, c := range s.computes() {
		counts[c.Key]++
	}
	var problems []string
	for key, n := range counts {
		if n > 1 {
			problems = append(problems, fmt.Sprintf("key %d was computed %d times", key, n))
		}
	}
	reported := map[int64]int64{}
	list, _ := s.output["computes"].([]any)
	for _, r := range list {
		m, _ := r.(map[string]any)
		reported[asInt(s.t, m["key"])] = asInt(s.t, m["count"])
	}
	if !maps.Equal(reported, counts) {
		problems = append(problems, fmt.Sprintf("output.computes %v does not match the observed %v", reported, counts))
	}
	return problems
}

func writerNotStarved(s seen) []string {
	bound := int64(s.param("boundMs") * 1e6)
	var problems []string
	for _, l := range s.locks() {
		if l.Mode == "write" && l.AcquiredNs-l.RequestNs > bound {
			problems = append(problems, fmt.Sprintf("client %d waited %d ns for the write lock", l.Client, l.AcquiredNs-l.RequestNs))
		}
	}
	return problems
}

// opsComplete: every operation of every script, sleeps aside, is in the history once, as the
// script's operation on the script's key.
func opsComplete(s seen) []string {
	type at struct{ client, index int64 }
	type what struct {
		op  string
		key int64
	}
	want := map[at]what{}
	clients, _ := s.input["clients"].([]any)
	for c, script := range clients {
		for i, op := range script.([]any) {
			m := op.(map[string]any)
			if m["op"] != "sleep" {
				want[at{int64(c), int64(i)}] = what{m["op"].(string), asInt(s.t, m["key"])}
			}
		}
	}
	got := map[at]int{}
	var problems []string
	for _, r := range s.ops() {
		where := at{r.Client, r.Index}
		got[where]++
		if w, ok := want[where]; !ok || w != (what{r.Op, r.Key}) {
			problems = append(problems, fmt.Sprintf("client %d op %d is not the script's operation", r.Client, r.Index))
		}
	}
	for where := range want {
		if got[where] != 1 {
			problems = append(problems, fmt.Sprintf("client %d op %d is in the history %d times", where.client, where.index, got[where]))
		}
	}
	return problems
}

func linearizable(s seen) []string {
	byKey := map[int64][]cacheOp{}
	for _, r := range s.ops() {
		byKey[r.Key] = append(byKey[r.Key], r)
	}
	cost := uint64(s.int("computeCost"))
	var problems []string
	for _, key := range slices.Sorted(maps.Keys(byKey)) {
		computed := work.Hex(work.Work(uint64(key), cost))
		if !serialOrderExists(byKey[key], computed) {
			problems = append(problems, fmt.Sprintf("key %d: no serial order of its %d operations explains the values read", key, len(byKey[key])))
		}
	}
	return problems
}

// serialOrderExists searches for a serial order of one key's history that respects real time
// and in which every operation sees the state the ones before it left (Wing and Gong's search,
// memoised on the operations done and the state). The state is the key's value, nil when
// absent: set writes; get must return the state; getOrCompute returns the state if there is
// one, else stores computed and returns it.
func serialOrderExists(history []cacheOp, computed string) bool {
	type node struct {
		done  []bool
		state *string
	}
	key := func(n node) string {
		b := make([]byte, len(n.done), len(n.done)+1)
		for i, d := range n.done {
			if d {
				b[i] = '1'
			} else {
				b[i] = '0'
			}
		}
		if n.state == nil {
			return string(b)
		}
		return string(append(b, '=')) + *n.state
	}
	visited := map[string]bool{}
	stack := []node{{done: make([]bool, len(history))}}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !slices.Contains(n.done, false) {
			return true
		}
		id := key(n)
		if visited[id] {
			continue
		}
		visited[id] = true
		// An operation can go next only if no pending one returned before it was invoked.
		horizon := int64(1<<63 - 1)
		for k, op := range history {
			if !n.done[k] {
				horizon = min(horizon, op.ReturnNs)
			}
		}
		for k, op := range history {
			if n.done[k] || op.InvokeNs > horizon {
				continue
			}
			after, ok := apply(op, n.state, computed)
			if ok {
				done := slices.Clone(n.done)
				done[k] = true
				stack = append(stack, node{done, after})
			}
		}
	}
	return false
}

// apply runs op on state; ok is false when op's value cannot be what it returned there.
func apply(op cacheOp, state *string, computed string) (after *string, ok bool) {
	same := func(a, b *string) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	switch op.Op {
	case "set":
		return op.Value, true
	case "get":
		return state, same(op.Value, state)
	case "getOrCompute":
		if state == nil {
			state = &computed
		}
		return state, same(op.Value, state)
	}
	return nil, false
}
