// Package observe records what a run did, on Go's monotonic clock, so that the harness can prove
// concurrency instead of trusting it: when each job held its slot, and how many held one at once.
package observe

import (
	"sync"
	"time"
)

// Event is one job run, in nanoseconds since the start of the measured region.
type Event struct {
	ID      uint64 `json:"id"`
	StartNs int64  `json:"startNs"`
	EndNs   int64  `json:"endNs"`
}

// Observed is the observations of one run, as the contract names them.
type Observed struct {
	ElapsedNs   int64   `json:"elapsedNs"`
	MaxInFlight int     `json:"maxInFlight"`
	Events      []Event `json:"events"`
}

// Recorder collects events from many goroutines. A nil *Recorder records nothing, so a benchmark
// can run the very same code without paying for observation.
type Recorder struct {
	start time.Time

	mu       sync.Mutex
	inFlight int
	max      int
	events   []Event
}

// Start starts the clock of a measured region. time.Time carries a monotonic reading, so every
// time.Since below is immune to wall-clock changes.
func Start() *Recorder {
	return &Recorder{start: time.Now(), events: []Event{}}
}

// Track runs job as the job id. Call it from inside the slot (the worker goroutine): the counter
// is raised and startNs taken after the slot is held, and endNs taken and the counter lowered
// before the slot is given back, so the intervals of two jobs that shared a slot cannot overlap.
// Taking the times under the mutex keeps the counter and the intervals telling the same story.
func (r *Recorder) Track(id uint64, job func()) {
	if r == nil {
		job()
		return
	}
	r.mu.Lock()
	r.inFlight++
	r.max = max(r.max, r.inFlight)
	start := time.Since(r.start).Nanoseconds()
	r.mu.Unlock()

	job()

	r.mu.Lock()
	r.events = append(r.events, Event{ID: id, StartNs: start, EndNs: time.Since(r.start).Nanoseconds()})
	r.inFlight--
	r.mu.Unlock()
}

// Stop ends the measured region and returns what was recorded. Call it once every tracked job
// has returned: a job still running would be missing from the events.
func (r *Recorder) Stop() Observed {
	elapsed := time.Since(r.start).Nanoseconds()
	r.mu.Lock()
	defer r.mu.Unlock()
	return Observed{ElapsedNs: elapsed, MaxInFlight: r.max, Events: r.events}
}
