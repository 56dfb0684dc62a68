// Package slidingwindow is a sliding-window log: at most limit admissions in any window of
// window ticks. The log keeps the times of the admissions still in the window and is pruned as
// the window slides, so that, unlike a fixed-window counter, it never lets twice the limit
// through across a window's boundary.
//
// In production, reach for golang.org/x/time/rate when the goal is a rate with bursts: its
// token bucket needs one number where this log needs up to limit of them. When the promise "at
// most N in any window" is itself the requirement and the limit is shared by several
// processes, the log usually lives in a Redis sorted set: ZREMRANGEBYSCORE to prune, ZCARD to
// count, ZADD to admit.
//
// An admission at a is in the window at t while t - a < window: it leaves the window exactly
// window ticks later, and not one tick before.
package slidingwindow

import "fmt"

// --8<-- [start:sliding-window]

// Window is a sliding-window log on integer ticks. It is not safe for concurrent use: a live
// limiter decides under its own lock.
type Window struct {
	limit, window int64
	// log holds admission times, oldest first; at most limit of them, because only the limit
	// most recent can decide anything. Live reservations can lie in the future.
	log []int64
}

// New returns an empty log that admits at most limit requests in any window ticks. Both must be
// at least 1.
func New(limit, window int64) *Window {
	if limit < 1 || window < 1 {
		panic(fmt.Sprintf("slidingwindow: limit and window must be at least 1, got %d and %d", limit, window))
	}
	return &Window{limit: limit, window: window}
}

// prune drops the admissions that have left the window at now.
func (w *Window) prune(now int64) {
	gone := 0
	for gone < len(w.log) && now-w.log[gone] >= w.window {
		gone++
	}
	w.log = w.log[gone:]
}

// Decide admits a request arriving at now, or refuses it and returns the smallest number of
// ticks after which it would be admitted. now must never go back.
func (w *Window) Decide(now int64) (admitted bool, wait int64) {
	w.prune(now)
	if int64(len(w.log)) < w.limit {
		// Only admissions are logged: a refused caller that keeps retrying must not lock
		// itself out for longer.
		w.log = append(w.log, now)
		return true, 0
	}
	return false, w.log[0] + w.window - now
}

// Reserve logs an admission for a request arriving at now and returns its time: no earlier
// than the last one (first come, first served), and with a full log, no earlier than the
// moment the oldest of the last limit admissions leaves the window.
func (w *Window) Reserve(now int64) int64 {
	w.prune(now)
	at := now
	if n := len(w.log); n > 0 {
		at = max(at, w.log[n-1])
		if int64(n) == w.limit {
			at = max(at, w.log[0]+w.window)
			w.log = w.log[1:]
		}
	}
	w.log = append(w.log, at)
	return at
}

// --8<-- [end:sliding-window]
