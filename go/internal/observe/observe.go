// Package observe records what a run did, on Go's monotonic clock, so that the harness can prove
// concurrency instead of trusting it: when each job held its slot and how many held one at once,
// or whatever records a pattern keeps (items received, locks held, admissions).
//
// Everything here is nil-safe: a benchmark runs the very same code with a nil *Clock, and then
// nothing is read from the clock and nothing is recorded.
package observe

import (
	"sync"
	"time"
)

// Clock is the clock of one measured region. time.Time carries a monotonic reading, so every
// difference below is immune to wall-clock changes.
type Clock struct {
	start time.Time
}

// Start starts the clock of a measured region.
func Start() *Clock {
	return &Clock{start: time.Now()}
}

// Now is the time since the start of the region, in nanoseconds; 0 on a nil clock.
func (c *Clock) Now() int64 {
	if c == nil {
		return 0
	}
	return time.Since(c.start).Nanoseconds()
}

// Since places t, a time read from the same monotonic clock (time.Now, or a time derived from
// it), on this region's clock, in nanoseconds; 0 on a nil clock.
func (c *Clock) Since(t time.Time) int64 {
	if c == nil {
		return 0
	}
	return t.Sub(c.start).Nanoseconds()
}

// Log is a list of records appended from many goroutines.
type Log[T any] struct {
	mu    sync.Mutex
	items []T
}

// NewLog returns a log for the region of c, or nil, which records nothing, when c is nil.
func NewLog[T any](c *Clock) *Log[T] {
	if c == nil {
		return nil
	}
	return &Log[T]{items: []T{}}
}

// Add appends a record.
func (l *Log[T]) Add(item T) {
	if l == nil {
		return
	}
	l.mu.Lock()
	l.items = append(l.items, item)
	l.mu.Unlock()
}

// Items returns the records in the order they were added, never nil, so that an empty log
// encodes as [] rather than null.
func (l *Log[T]) Items() []T {
	if l == nil {
		return []T{}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.items
}
