// Package limiter is the live rate limiter that the cookbook's two limiters share: a Policy
// decides, in integer ticks, when a request may go through, and Limiter.Wait makes the caller
// wait until then. The policies are packages tokenbucket and slidingwindow.
//
// In production, reach for golang.org/x/time/rate: its Limiter is a token bucket with Allow for
// a decision, Reserve for a reservation, and Wait, which does what Wait does here, with the
// cancellation and the giving back of unused reservations that a server needs. For a sliding
// window shared by several processes, the log usually lives in a shared store such as a Redis
// sorted set.
//
// Wait reserves rather than retries: the policy hands out the earliest admission it allows,
// first come first served, and the caller sleeps exactly until then, once.
package limiter

import (
	"context"
	"sync"
	"time"
)

// Policy is a limiter's decision core on integer ticks, which are nanoseconds here.
type Policy interface {
	// Reserve returns the earliest admission time, at or after now, for a request arriving at
	// now, and counts the request as admitted then. now never goes back from one call to the
	// next.
	Reserve(now int64) (at int64)
}

// Admission is when one Wait was called, when it was admitted, and when its caller woke, on
// the monotonic clock the limiter decides with.
type Admission struct {
	Requested, At, Woke time.Time
}

// --8<-- [start:live-limiter]

// Limiter makes callers wait for the admissions its policy reserves. It is safe for use by many
// goroutines at once.
type Limiter struct {
	// mu makes each reservation whole and orders them: without it two goroutines could both
	// read the last token as free and both take it. The clock is read under it too, so that
	// the policy sees times that never go back, even when callers race for the lock.
	mu     sync.Mutex
	policy Policy
	origin time.Time
}

// New returns a limiter whose ticks are the nanoseconds since now.
func New(p Policy) *Limiter {
	return &Limiter{policy: p, origin: time.Now()}
}

// Wait blocks until the policy admits the caller, and says when it asked, was admitted and
// woke. If ctx is done first, Wait returns ctx's error; the admission it reserved is spent all
// the same, unlike rate.Reservation's, which can be cancelled and given back.
func (l *Limiter) Wait(ctx context.Context) (Admission, error) {
	requested := time.Now()
	l.mu.Lock()
	at := l.origin.Add(time.Duration(l.policy.Reserve(int64(time.Since(l.origin)))))
	l.mu.Unlock()
	// Sleep outside the lock: the reservation is made, and the others need the lock only to
	// make theirs. A Go timer fires no earlier than its duration on the same monotonic clock
	// as time.Now, so the caller never wakes before its admission.
	if wait := time.Until(at); wait > 0 {
		timer := time.NewTimer(wait)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-ctx.Done():
			return Admission{}, ctx.Err()
		}
	}
	return Admission{Requested: requested, At: at, Woke: time.Now()}, nil
}

// --8<-- [end:live-limiter]
