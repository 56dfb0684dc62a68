package observe_test

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/concurrency-cookbook/cookbook/go/internal/observe"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestTrackCountsOverlap(t *testing.T) {
	jobs := observe.NewJobs(observe.Start())
	// Both jobs wait for each other inside Track, so both are in flight at once.
	var both sync.WaitGroup
	both.Add(2)
	var wg sync.WaitGroup
	for id := range uint64(2) {
		wg.Go(func() {
			jobs.Track(id, func() {
				both.Done()
				both.Wait()
			})
		})
	}
	wg.Wait()
	obs := jobs.Stop()
	if obs.MaxInFlight != 2 || len(obs.Events) != 2 || obs.RunningAfter != 0 {
		t.Fatalf("observed %+v, want 2 overlapping events and none running after", obs)
	}
	for _, e := range obs.Events {
		if e.StartNs < 0 || e.StartNs > e.EndNs || e.EndNs > obs.ElapsedNs {
			t.Errorf("event %+v outside [0, %d]", e, obs.ElapsedNs)
		}
	}
}

// A job still inside Track when the region ends is counted as running after it.
func TestRunningAfter(t *testing.T) {
	jobs := observe.NewJobs(observe.Start())
	inside, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		jobs.Track(7, func() {
			close(inside)
			<-release
		})
	})
	<-inside
	if got := jobs.Stop().RunningAfter; got != 1 {
		t.Errorf("running after = %d, want 1", got)
	}
	close(release)
	wg.Wait()
}

// A job that panics still ends its event and leaves the count, as its panic passes through.
func TestTrackEndsAPanickingJob(t *testing.T) {
	jobs := observe.NewJobs(observe.Start())
	func() {
		defer func() { _ = recover() }()
		jobs.Track(3, func() { panic("job 3 panicked") })
	}()
	obs := jobs.Stop()
	if len(obs.Events) != 1 || obs.Events[0].ID != 3 || obs.RunningAfter != 0 {
		t.Errorf("observed %+v, want job 3's event and none running after", obs)
	}
}

func TestNilRecordsNothing(t *testing.T) {
	var clock *observe.Clock
	jobs := observe.NewJobs(clock)
	ran := false
	jobs.Track(1, func() { ran = true })
	if !ran {
		t.Error("a nil recorder did not run the job")
	}
	log := observe.NewLog[int](clock)
	log.Add(1)
	if clock.Now() != 0 || clock.Since(time.Now()) != 0 || len(log.Items()) != 0 || log.Items() == nil {
		t.Error("a nil clock read time or a nil log kept a record")
	}
}

func TestEmptyIsAnEmptyList(t *testing.T) {
	clock := observe.Start()
	if observe.NewJobs(clock).Stop().Events == nil || observe.NewLog[int](clock).Items() == nil {
		t.Error("an empty list is nil, which would encode as null")
	}
}

// Since places a time read elsewhere on the region's clock, exactly.
func TestSince(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := observe.Start()
		later := time.Now().Add(1500 * time.Millisecond)
		time.Sleep(time.Second)
		if got := clock.Since(later); got != 1500*int64(time.Millisecond) {
			t.Errorf("Since = %d, want 1.5e9", got)
		}
		if got := clock.Now(); got != int64(time.Second) {
			t.Errorf("Now = %d, want 1e9", got)
		}
	})
}
