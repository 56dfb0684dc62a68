// Package debounce runs a function once a burst of calls has gone quiet: each call restarts
// the quiet period, and the latest call of the burst fires when the period passes without
// another, or, with a maximum wait, at the latest that long after the burst's first call, so
// that a steady stream of calls still fires now and then.
//
// Burst is the decision in exact integer ticks, with time as data, so that every language of
// the cookbook agrees with it to the tick; New runs it on the real clock, in a gate (package
// gate) shared with the throttle, with one timer that each call moves.
//
// In production there is no standard package for this: time.AfterFunc with Timer.Reset, as
// here, is what Go programs write in place.
package debounce

import (
	"fmt"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/gate"
)

// --8<-- [start:debounce]

// Burst decides when the latest call of a burst fires, on integer ticks that never go back. It
// is not safe for concurrent use: a live gate decides under its own lock.
type Burst[T any] struct {
	quiet, maxWait int64 // maxWait 0: no maximum
	pending        bool  // a burst is open, its latest call waiting to fire
	call           T
	first, due     int64 // when the burst began, and when its latest call fires
}

// NewBurst returns a debounce of quiet ticks, with no maximum wait if maxWait is 0. quiet must
// be at least 1, and maxWait, if not 0, at least quiet.
func NewBurst[T any](quiet, maxWait int64) *Burst[T] {
	if quiet < 1 || (maxWait != 0 && maxWait < quiet) {
		panic(fmt.Sprintf("debounce: quiet must be at least 1 and maxWait 0 or at least quiet, got %d and %d", quiet, maxWait))
	}
	return &Burst[T]{quiet: quiet, maxWait: maxWait}
}

// Expire fires the pending call if it is due by now, at its due time however late now is, and
// closes the burst. Call it first at every instant something happens: at one instant, a call
// that is due fires before a call that arrives then, which opens the next burst.
func (b *Burst[T]) Expire(now int64) (call T, at int64, fired bool) {
	if !b.pending || now < b.due {
		return call, 0, false
	}
	call, at = b.call, b.due
	var none T
	b.pending, b.call = false, none
	return call, at, true
}

// Call makes call, arriving at now, the pending call, and moves the due time to a quiet period
// from now: from the latest call of the burst, not from its first. It never fires at once.
// Expire(now) must have been called: Call panics if the pending call is due by now.
func (b *Burst[T]) Call(now int64, call T) (fired bool) {
	if b.pending && now >= b.due {
		panic(fmt.Sprintf("debounce: Call at %d with a call due at %d; call Expire first", now, b.due))
	}
	if !b.pending {
		b.first = now
	}
	b.pending, b.call, b.due = true, call, now+b.quiet
	// Without a maximum wait, calls closer together than the quiet period never fire.
	if b.maxWait != 0 {
		b.due = min(b.due, b.first+b.maxWait)
	}
	return false
}

// Due returns when the pending call fires, and whether there is one.
func (b *Burst[T]) Due() (at int64, pending bool) {
	return b.due, b.pending
}

// New returns a live debounce of quiet, with no maximum wait if maxWait is 0, which runs run
// with each call that fires: a gate that decides with a Burst on the nanoseconds since now.
// Each firing runs on a goroutine of its own, so that a run that has begun is never cut off by
// a newer call, and the gate's Wait reports the runs' errors.
func New[T any](quiet, maxWait time.Duration, run func(gate.Firing[T]) error) *gate.Gate[T] {
	return gate.New[T](NewBurst[T](int64(quiet), int64(maxWait)), run)
}

// --8<-- [end:debounce]
