package spectest

import (
	"fmt"
	"slices"
)

// Checks on jobs run under a bound: the worker pool's jobs and scatter-gather's items.

type event struct {
	ID      int64 `json:"id"`
	StartNs int64 `json:"startNs"`
	EndNs   int64 `json:"endNs"`
}

func init() {
	register(map[string]invariant{
		"each-job-once":         eachJobOnce,
		"events-within-elapsed": eventsWithinElapsed,
		"max-in-flight-at-most": maxInFlightAtMost,
		"max-in-flight-reached": maxInFlightReached,
		"elapsed-below-serial":  elapsedBelowSerial,
		"nothing-running-after": nothingRunningAfter,
		"cancelled-promptly":    cancelledPromptly,
	})
}

func (s seen) events() []event {
	s.t.Helper()
	var evs []event
	s.observe("events", &evs)
	return evs
}

func spans(evs []event) []interval {
	out := make([]interval, len(evs))
	for i, e := range evs {
		out[i] = interval{e.StartNs, e.EndNs}
	}
	return out
}

// jobs are the worker pool's jobs or scatter-gather's items.
func (s seen) jobs() []map[string]any {
	if _, ok := s.input["jobs"]; ok {
		return s.list("jobs")
	}
	return s.list("items")
}

// jobIDs are the worker pool's job ids; scatter-gather's items are known by their index.
func (s seen) jobIDs() []int64 {
	ids := []int64{}
	for i, j := range s.jobs() {
		if id, ok := j["id"]; ok {
			ids = append(ids, asInt(s.t, id))
		} else {
			ids = append(ids, int64(i))
		}
	}
	return ids
}

func eachJobOnce(s seen) []string {
	want := s.jobIDs()
	got := []int64{}
	for _, e := range s.events() {
		got = append(got, e.ID)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		return []string{fmt.Sprintf("event ids %v, want %v", got, want)}
	}
	return nil
}

func eventsWithinElapsed(s seen) []string {
	elapsed := s.elapsed()
	var problems []string
	for _, e := range s.events() {
		if e.StartNs < 0 || e.StartNs > e.EndNs || e.EndNs > elapsed {
			problems = append(problems, fmt.Sprintf("event %+v outside [0, %d]", e, elapsed))
		}
	}
	return problems
}

func maxInFlightAtMost(s seen) []string {
	limit := s.param("limit")
	var reported int64
	s.observe("maxInFlight", &reported)
	peak := peakOverlap(spans(s.events()))
	if float64(reported) > limit || float64(peak) > limit {
		return []string{fmt.Sprintf("counter %d, intervals %d, above %v", reported, peak, limit)}
	}
	return nil
}

func maxInFlightReached(s seen) []string {
	target := s.param("target")
	if peak := peakOverlap(spans(s.events())); float64(peak) < target {
		return []string{fmt.Sprintf("intervals show at most %d in flight, want %v", peak, target)}
	}
	return nil
}

func elapsedBelowSerial(s seen) []string {
	fraction := s.param("fraction")
	var serialMs int64
	for _, j := range s.jobs() {
		serialMs += asInt(s.t, j["sleepMs"])
	}
	if elapsed := s.elapsed(); float64(elapsed) > fraction*float64(serialMs)*1e6 {
		return []string{fmt.Sprintf("%d ns against a serial %d ms", elapsed, serialMs)}
	}
	return nil
}

func nothingRunningAfter(s seen) []string {
	var running int64
	s.observe("runningAfter", &running)
	if running != 0 {
		return []string{fmt.Sprintf("%d calls still running after the gather returned", running)}
	}
	return nil
}

// cancelledPromptly: after the first failing item ended, every call ends, none starts, and the
// gather returns, all within slackMs.
func cancelledPromptly(s seen) []string {
	failing := slices.IndexFunc(s.jobs(), func(j map[string]any) bool { return j["fail"] == true })
	evs := s.events()
	at := slices.IndexFunc(evs, func(e event) bool { return e.ID == int64(failing) })
	if failing < 0 || at < 0 {
		return []string{"no event for the failing item"}
	}
	deadline := evs[at].EndNs + int64(s.param("slackMs")*1e6)
	var problems []string
	for _, e := range evs {
		if e.StartNs > deadline || e.EndNs > deadline {
			problems = append(problems, fmt.Sprintf("item %d ran over [%d, %d], past %d", e.ID, e.StartNs, e.EndNs, deadline))
		}
	}
	if elapsed := s.elapsed(); elapsed > deadline {
		problems = append(problems, fmt.Sprintf("the gather returned at %d, past %d", elapsed, deadline))
	}
	return problems
}
