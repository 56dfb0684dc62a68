package spectest

import "fmt"

// Checks on a merged stream: every item once, each source's order kept, nothing held back.

type received struct {
	Source int64 `json:"source"`
	Index  int64 `json:"index"`
	AtNs   int64 `json:"atNs"`
}

type itemKey struct{ source, index int64 }

func init() {
	register(map[string]invariant{
		"merge-each-item-once": mergeEachItemOnce,
		"source-order-kept":    sourceOrderKept,
		"merge-not-held":       mergeNotHeld,
	})
}

func (s seen) received() []received {
	s.t.Helper()
	var r []received
	s.observe("received", &r)
	return r
}

// scheduled is when each item is ready, in ms from the start, if its source's sleeps took no
// longer than they say.
func (s seen) scheduled() map[itemKey]int64 {
	due := map[itemKey]int64{}
	sources, _ := s.input["sources"].([]any)
	for src, delays := range sources {
		var at int64
		for i, d := range delays.([]any) {
			at += asInt(s.t, d)
			due[itemKey{int64(src), int64(i)}] = at
		}
	}
	return due
}

func mergeEachItemOnce(s seen) []string {
	due := s.scheduled()
	got := map[itemKey]int{}
	for _, r := range s.received() {
		got[itemKey{r.Source, r.Index}]++
	}
	var problems []string
	for k, n := range got {
		if _, ok := due[k]; !ok {
			problems = append(problems, fmt.Sprintf("source %d yields no item %d", k.source, k.index))
		} else if n > 1 {
			problems = append(problems, fmt.Sprintf("source %d item %d received %d times", k.source, k.index, n))
		}
	}
	for k := range due {
		if got[k] == 0 {
			problems = append(problems, fmt.Sprintf("source %d item %d never received", k.source, k.index))
		}
	}
	return problems
}

// outOfOrder reports each item that arrived where another of its source was due.
func outOfOrder(where string, sequence []itemKey) []string {
	next := map[int64]int64{}
	var problems []string
	for _, k := range sequence {
		if k.index != next[k.source] {
			problems = append(problems, fmt.Sprintf("%s: source %d item %d arrived where item %d was due", where, k.source, k.index, next[k.source]))
		}
		next[k.source] = k.index + 1
	}
	return problems
}

// sourceOrderKept checks both the order the consumer observed and the output's order.
func sourceOrderKept(s seen) []string {
	var observed []itemKey
	for _, r := range s.received() {
		observed = append(observed, itemKey{r.Source, r.Index})
	}
	var output []itemKey
	items, _ := s.output["items"].([]any)
	for _, item := range items {
		m, _ := item.(map[string]any)
		output = append(output, itemKey{asInt(s.t, m["source"]), asInt(s.t, m["index"])})
	}
	return append(outOfOrder("received", observed), outOfOrder("output", output)...)
}

func mergeNotHeld(s seen) []string {
	due := s.scheduled()
	slack := int64(s.param("slackMs"))
	var problems []string
	for _, r := range s.received() {
		if ready, ok := due[itemKey{r.Source, r.Index}]; ok && r.AtNs > (ready+slack)*1e6 {
			problems = append(problems, fmt.Sprintf("source %d item %d was ready at %d ms but received at %.1f ms", r.Source, r.Index, ready, float64(r.AtNs)/1e6))
		}
	}
	return problems
}
