package observe

import "sync"

// Event is one job run, in nanoseconds since the start of the measured region.
type Event struct {
	ID      uint64 `json:"id"`
	StartNs int64  `json:"startNs"`
	EndNs   int64  `json:"endNs"`
}

// JobsObserved is what a run of jobs under a bound observed, as the contract names it.
type JobsObserved struct {
	ElapsedNs   int64   `json:"elapsedNs"`
	MaxInFlight int     `json:"maxInFlight"`
	Events      []Event `json:"events"`
	// RunningAfter is the in-flight counter when the region ended: a job still running then
	// outlived the call that ran it.
	RunningAfter int `json:"runningAfter"`
}

// Jobs counts the jobs in flight and records one event per job, from many goroutines. A nil
// *Jobs records nothing.
type Jobs struct {
	clock *Clock

	mu       sync.Mutex
	inFlight int
	max      int
	events   []Event
}

// NewJobs returns a recorder of jobs on the clock c, or nil when c is nil.
func NewJobs(c *Clock) *Jobs {
	if c == nil {
		return nil
	}
	return &Jobs{clock: c, events: []Event{}}
}

// Track runs job as the job id. Call it from inside the slot (the worker goroutine): the counter
// is raised and startNs taken after the slot is held, and endNs taken and the counter lowered
// before the slot is given back, so the intervals of two jobs that shared a slot cannot overlap.
// Taking the times under the mutex keeps the counter and the intervals telling the same story.
// A job cut short by cancellation ends when job returns, like any other, and a job that panics
// ends as its panic leaves Track, on its way to the pool that recovers it inside the slot.
func (j *Jobs) Track(id uint64, job func()) {
	if j == nil {
		job()
		return
	}
	j.mu.Lock()
	j.inFlight++
	j.max = max(j.max, j.inFlight)
	start := j.clock.Now()
	j.mu.Unlock()

	defer func() {
		j.mu.Lock()
		j.events = append(j.events, Event{ID: id, StartNs: start, EndNs: j.clock.Now()})
		j.inFlight--
		j.mu.Unlock()
	}()
	job()
}

// Stop ends the measured region, just after the last result is in, and returns what was
// recorded; RunningAfter counts the jobs still inside Track.
func (j *Jobs) Stop() JobsObserved {
	if j == nil {
		return JobsObserved{}
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return JobsObserved{
		ElapsedNs:    j.clock.Now(),
		MaxInFlight:  j.max,
		Events:       j.events,
		RunningAfter: j.inFlight,
	}
}
