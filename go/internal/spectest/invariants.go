package spectest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/concurrency-cookbook/cookbook/go/internal/observe"
)

// checkInvariant checks one invariant the way the contract defines it. Safety checks are exact;
// liveness checks carry the spec's own tolerance (a target, a fraction), never an absolute time.
func checkInvariant(t *testing.T, inv Invariant, input map[string]any, obs observe.Observed) {
	t.Helper()
	switch check := inv["check"]; check {
	case "each-job-once":
		var want, got []string
		for _, j := range jobs(t, input) {
			want = append(want, fmt.Sprint(j["id"]))
		}
		for _, e := range obs.Events {
			got = append(got, strconv.FormatUint(e.ID, 10))
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("each-job-once: event ids %v, want %v", got, want)
		}
	case "events-within-elapsed":
		for _, e := range obs.Events {
			if e.StartNs < 0 || e.StartNs > e.EndNs || e.EndNs > obs.ElapsedNs {
				t.Errorf("events-within-elapsed: event %+v outside [0, %d]", e, obs.ElapsedNs)
			}
		}
	case "max-in-flight-at-most":
		limit := param(t, inv, "limit", input)
		if float64(obs.MaxInFlight) > limit || float64(overlap(obs.Events)) > limit {
			t.Errorf("max-in-flight-at-most %v: counter %d, intervals %d", limit, obs.MaxInFlight, overlap(obs.Events))
		}
	case "max-in-flight-reached":
		target := param(t, inv, "target", input)
		if float64(overlap(obs.Events)) < target {
			t.Errorf("max-in-flight-reached %v: intervals show at most %d", target, overlap(obs.Events))
		}
	case "elapsed-below-serial":
		fraction := param(t, inv, "fraction", input)
		var serialMs float64
		for _, j := range jobs(t, input) {
			if ms, ok := j["sleepMs"].(json.Number); ok {
				f, _ := ms.Float64()
				serialMs += f
			}
		}
		if float64(obs.ElapsedNs) > fraction*serialMs*1e6 {
			t.Errorf("elapsed-below-serial %v: %d ns against a serial %v ms", fraction, obs.ElapsedNs, serialMs)
		}
	default:
		t.Errorf("invariant %v is not known to spectest", check)
	}
}

// overlap rebuilds the most jobs in flight at one instant from the event intervals. At equal
// times an end counts before a start: a slot is given back after its endNs and taken again
// before the next startNs, so touching intervals did not overlap.
func overlap(events []observe.Event) int {
	type point struct {
		at    int64
		delta int
	}
	points := make([]point, 0, 2*len(events))
	for _, e := range events {
		points = append(points, point{e.StartNs, +1}, point{e.EndNs, -1})
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

// param reads a numeric parameter, resolving "$input.<field>" from the case's input.
func param(t *testing.T, inv Invariant, name string, input map[string]any) float64 {
	t.Helper()
	v := inv[name]
	if ref, ok := v.(string); ok && strings.HasPrefix(ref, "$input.") {
		v = input[strings.TrimPrefix(ref, "$input.")]
	}
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("invariant %v: parameter %s is not a number: %v", inv["check"], name, v)
	}
	f, err := n.Float64()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// jobs returns the input's jobs, as the job-based invariants read them.
func jobs(t *testing.T, input map[string]any) []map[string]any {
	t.Helper()
	list, _ := input["jobs"].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, j := range list {
		m, ok := j.(map[string]any)
		if !ok {
			t.Fatalf("job %v is not an object", j)
		}
		out = append(out, m)
	}
	return out
}

func decode(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	return d.Decode(v)
}
