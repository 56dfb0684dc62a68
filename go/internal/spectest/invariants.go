package spectest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// seen is what one invariant looks at: the case's input, the answer's output and observations
// as the wire carries them (numbers as json.Number), and the invariant with its parameters.
type seen struct {
	t        *testing.T
	inv      Invariant
	input    map[string]any
	output   map[string]any
	observed map[string]json.RawMessage
}

// invariant checks one invariant and returns its violations, empty when it holds.
type invariant func(s seen) []string

// invariants maps each name a spec may use to its check; each family registers its own in its
// file's init. Safety checks are exact; liveness checks carry the spec's own tolerance (a target,
// a fraction, a slack), never an absolute time.
var invariants = map[string]invariant{}

func register(family map[string]invariant) {
	for name, check := range family {
		invariants[name] = check
	}
}

// checkInvariant runs the invariant s.inv names and reports each violation.
func checkInvariant(s seen) {
	s.t.Helper()
	name, _ := s.inv["check"].(string)
	check, ok := invariants[name]
	if !ok {
		s.t.Errorf("invariant %q is not known to spectest", name)
		return
	}
	for _, problem := range check(s) {
		s.t.Errorf("%s: %s", name, problem)
	}
}

// param reads a numeric parameter of the invariant, resolving "$input.<field>" from the input.
func (s seen) param(name string) float64 {
	s.t.Helper()
	v := s.inv[name]
	if ref, ok := v.(string); ok && strings.HasPrefix(ref, "$input.") {
		v = s.input[strings.TrimPrefix(ref, "$input.")]
	}
	n, ok := v.(json.Number)
	if !ok {
		s.t.Fatalf("invariant %v: parameter %s is not a number: %v", s.inv["check"], name, v)
	}
	f, err := n.Float64()
	if err != nil {
		s.t.Fatal(err)
	}
	return f
}

// int reads the integer at path in the input ("burst", "refill.tokens"); 0 when it is absent,
// as the pages' optional fields default to.
func (s seen) int(path string) int64 {
	s.t.Helper()
	var v any = s.input
	for _, name := range strings.Split(path, ".") {
		m, _ := v.(map[string]any)
		v = m[name]
	}
	return asInt(s.t, v)
}

// list reads the array field name of the input as objects.
func (s seen) list(name string) []map[string]any {
	s.t.Helper()
	raw, _ := s.input[name].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, item := range raw {
		m, ok := item.(map[string]any)
		if !ok {
			s.t.Fatalf("input %s holds %v, not an object", name, item)
		}
		out = append(out, m)
	}
	return out
}

// observe decodes the observation name into v, failing the test when it is missing or of the
// wrong shape: a check cannot hold on observations that are not there.
func (s seen) observe(name string, v any) {
	s.t.Helper()
	raw, ok := s.observed[name]
	if !ok {
		s.t.Fatalf("observed.%s is missing", name)
	}
	if err := decode(raw, v); err != nil {
		s.t.Fatalf("observed.%s: %v", name, err)
	}
}

// elapsed is observed.elapsedNs.
func (s seen) elapsed() int64 {
	s.t.Helper()
	var ns int64
	s.observe("elapsedNs", &ns)
	return ns
}

// asInt reads an integer the input holds; 0 for nil.
func asInt(t *testing.T, v any) int64 {
	t.Helper()
	if v == nil {
		return 0
	}
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("%v is not a number", v)
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// interval is a half-open [start, end) of nanoseconds.
type interval struct{ start, end int64 }

// peakOverlap rebuilds the most intervals open at one instant. At equal times an end counts
// before a start: a slot is given back after its end is read and taken again before the next
// start is read, so touching intervals did not overlap.
func peakOverlap(intervals []interval) int {
	type point struct {
		at    int64
		delta int
	}
	points := make([]point, 0, 2*len(intervals))
	for _, iv := range intervals {
		points = append(points, point{iv.start, +1}, point{iv.end, -1})
	}
	slices.SortFunc(points, func(a, b point) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.delta, b.delta))
	})
	now, most := 0, 0
	for _, p := range points {
		now += p.delta
		most = max(most, now)
	}
	return most
}

func decode(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	return d.Decode(v)
}
