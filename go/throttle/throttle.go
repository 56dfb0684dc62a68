// Package throttle lets at most one call through per interval: on the leading edge, the call
// that opens the interval runs at once; on the trailing edge, the latest call made during the
// interval runs when it ends, and opens the next one. The calls in between are dropped.
//
// Window is the decision in exact integer ticks, with time as data, so that every language of
// the cookbook agrees with it to the tick; New runs it on the real clock, in a gate (package
// gate) shared with the debounce, with one timer for the trailing edge.
//
// In production, reach for golang.org/x/time/rate for the leading edge alone: Limiter.Allow
// with a burst of 1 drops what does not fit. A trailing edge, which keeps the latest call for
// later, is a timer like the one here.
package throttle

import (
	"fmt"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/gate"
)

// Edge is which edges of an interval fire: Leading, Trailing, or both.
type Edge uint8

// The edges.
const (
	Leading  Edge = 1 << iota // the call that opens an interval fires at once
	Trailing                  // the latest call of an interval fires when it ends
)

// --8<-- [start:throttle]

// Window decides which calls fire, on integer ticks that never go back. A firing opens an
// interval, the window, and a call at the end of the window is already outside it. It is not
// safe for concurrent use: a live gate decides under its own lock.
type Window[T any] struct {
	interval int64
	edges    Edge
	open     bool
	end      int64 // when the open window ends
	pending  bool  // a trailing call is waiting for the end
	call     T
}

// NewWindow returns a throttle of one firing per interval ticks on the given edges. interval
// must be at least 1, and edges must name at least one edge.
func NewWindow[T any](interval int64, edges Edge) *Window[T] {
	if interval < 1 || edges&(Leading|Trailing) == 0 {
		panic(fmt.Sprintf("throttle: interval must be at least 1 and an edge must fire, got %d and %d", interval, edges))
	}
	return &Window[T]{interval: interval, edges: edges}
}

// Expire fires the pending call if its window has ended by now, at the window's end however
// late now is, and opens the next window from there. Call it first at every instant something
// happens: at one instant, a window that ends goes before a call that arrives.
func (w *Window[T]) Expire(now int64) (call T, at int64, fired bool) {
	if !w.open || now < w.end {
		return call, 0, false
	}
	if !w.pending {
		w.open = false
		return call, 0, false
	}
	call, at = w.call, w.end
	var none T
	w.pending, w.call = false, none
	// The trailing firing opens a window of its own: without it, the next leading call would
	// fire right after it, two firings in less than an interval.
	w.end += w.interval
	w.open = now < w.end
	return call, at, true
}

// Call decides a call arriving at now: it fires at once (true) when it opens a window on the
// leading edge; otherwise it becomes the pending call if the trailing edge fires, replacing an
// earlier one, or is dropped. Expire(now) must have been called: Call panics if the open window
// has ended by now.
func (w *Window[T]) Call(now int64, call T) (fired bool) {
	if w.open && now >= w.end {
		panic(fmt.Sprintf("throttle: Call at %d in a window that ended at %d; call Expire first", now, w.end))
	}
	if !w.open {
		w.open, w.end = true, now+w.interval
		if w.edges&Leading != 0 {
			return true
		}
	} else if w.edges&Trailing == 0 {
		return false
	}
	w.pending, w.call = true, call
	return false
}

// Due returns when the pending call fires, and whether there is one.
func (w *Window[T]) Due() (at int64, pending bool) {
	return w.end, w.pending
}

// New returns a live throttle of one firing per interval on the given edges, which runs run
// with each call that fires: a gate that decides with a Window on the nanoseconds since now.
func New[T any](interval time.Duration, edges Edge, run func(gate.Firing[T]) error) *gate.Gate[T] {
	return gate.New(NewWindow[T](int64(interval), edges), run)
}

// --8<-- [end:throttle]
