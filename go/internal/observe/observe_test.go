package observe_test

import (
	"sync"
	"testing"

	"github.com/concurrency-cookbook/cookbook/go/internal/observe"
)

func TestTrackCountsOverlap(t *testing.T) {
	rec := observe.Start()
	// Both jobs wait for each other inside Track, so both are in flight at once.
	var both sync.WaitGroup
	both.Add(2)
	var wg sync.WaitGroup
	for id := range uint64(2) {
		wg.Go(func() {
			rec.Track(id, func() {
				both.Done()
				both.Wait()
			})
		})
	}
	wg.Wait()
	obs := rec.Stop()
	if obs.MaxInFlight != 2 || len(obs.Events) != 2 {
		t.Fatalf("observed %+v, want 2 overlapping events", obs)
	}
	for _, e := range obs.Events {
		if e.StartNs < 0 || e.StartNs > e.EndNs || e.EndNs > obs.ElapsedNs {
			t.Errorf("event %+v outside [0, %d]", e, obs.ElapsedNs)
		}
	}
}

func TestNilRecorderRunsTheJob(t *testing.T) {
	var rec *observe.Recorder
	ran := false
	rec.Track(1, func() { ran = true })
	if !ran {
		t.Error("a nil recorder did not run the job")
	}
}

func TestNoEventsIsAnEmptyList(t *testing.T) {
	if obs := observe.Start().Stop(); obs.Events == nil {
		t.Error("events is nil, which would encode as null")
	}
}
