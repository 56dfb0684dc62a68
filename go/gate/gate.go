// Package gate is the live gate that the throttle and the debounce share: a Policy decides, in
// integer ticks, which calls fire and when, and Gate feeds it the real clock for callers on
// many goroutines, keeps one timer on the instant the policy is next due, and runs each call
// that fires on a goroutine of its own. The policies are package throttle's Window and package
// debounce's Burst.
//
// A policy never reads a clock: it is told the time, so that every rule can be tested to the
// tick on data. The gate reads the clock, tells the policy, and arms the timer for the instant
// the policy answers.
package gate

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Policy is a gate's decision core on integer ticks, which are nanoseconds here. Ticks never go
// back from one call to the next.
type Policy[T any] interface {
	// Expire fires the pending call if it is due by now, at the tick it was due.
	Expire(now int64) (call T, at int64, fired bool)
	// Call decides a call arriving at now, after Expire(now): it fires at once (true), or is
	// kept pending, or is dropped.
	Call(now int64, call T) (fired bool)
	// Due returns when the pending call fires, and whether there is one.
	Due() (at int64, pending bool)
}

// Firing is one call that fired, and when the gate decided it, on the monotonic clock: its run
// may begin a little after.
type Firing[T any] struct {
	Call T
	At   time.Time
}

// --8<-- [start:live-gate]

// Gate runs a policy on the real clock. Calls never wait: not for the policy's timer, and not
// for the function that runs, since each firing runs on a goroutine of its own, so that a run
// that has begun is never cut off by a newer call. It is safe for use by many goroutines.
type Gate[T any] struct {
	run    func(Firing[T]) error
	origin time.Time

	// mu makes each decision whole: two callers that arrive together must not both see the
	// gate open. The clock is read under it, so that the policy sees times in order.
	mu      sync.Mutex
	policy  Policy[T]
	timer   *time.Timer // fires the pending call; nil until a call is first pending
	stopped bool
	errs    []error // the runs' errors, for Wait to report rather than lose

	// busy counts what may still fire or run: the timer's scheduled expiry, the expiries
	// running and the runs, so that Wait returns only once nothing is left behind.
	busy sync.WaitGroup
}

// New returns a gate that decides with p, on ticks that are the nanoseconds since now, and runs
// run with each call that fires.
func New[T any](p Policy[T], run func(Firing[T]) error) *Gate[T] {
	return &Gate[T]{run: run, origin: time.Now(), policy: p}
}

// Call offers call to the gate and returns at once.
func (g *Gate[T]) Call(call T) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped {
		return
	}
	now := int64(time.Since(g.origin))
	// The timer may not have run yet for a call that is due by now: at one instant, what is
	// due goes before what arrives.
	g.fire(g.policy.Expire(now))
	if g.policy.Call(now, call) {
		g.fire(call, now, true)
	}
	g.arm(now)
}

// expire is the timer's.
func (g *Gate[T]) expire() {
	defer g.busy.Done()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped {
		return
	}
	now := int64(time.Since(g.origin))
	g.fire(g.policy.Expire(now))
	g.arm(now)
}

// fire starts the run of a call that fired at tick at, keeping its error.
func (g *Gate[T]) fire(call T, at int64, fired bool) {
	if !fired {
		return
	}
	f := Firing[T]{call, g.origin.Add(time.Duration(at))}
	g.busy.Go(func() {
		if err := g.run(f); err != nil {
			g.mu.Lock()
			g.errs = append(g.errs, err)
			g.mu.Unlock()
		}
	})
}

// arm points the timer at the pending call's due time, which a call may move, or stops it when
// none is pending. A Go timer never fires before its duration, so the call is always due by the
// time expire reads the clock.
func (g *Gate[T]) arm(now int64) {
	due, pending := g.policy.Due()
	if !pending {
		g.disarm()
		return
	}
	wait := time.Duration(due - now)
	// Reset reports whether an expiry was scheduled: if not, it schedules a new one, which
	// busy counts. Under mu, that expiry cannot count itself down before it is counted up.
	switch {
	case g.timer == nil:
		g.busy.Add(1)
		g.timer = time.AfterFunc(wait, g.expire)
	case !g.timer.Reset(wait):
		g.busy.Add(1)
	}
}

// disarm cancels the scheduled expiry, if any; one already running counts itself down.
func (g *Gate[T]) disarm() {
	if g.timer != nil && g.timer.Stop() {
		g.busy.Done()
	}
}

// Wait blocks until the pending call, if any, has fired and every run has returned, and returns
// the errors of the runs that failed, joined. If ctx is done first, Wait drops the pending
// call, waits for the runs under way and adds ctx's error; calls after that are ignored. Call
// must not race with Wait: make the last call first, then wait.
func (g *Gate[T]) Wait(ctx context.Context) error {
	idle := make(chan struct{})
	go func() {
		g.busy.Wait()
		close(idle)
	}()
	var cancelled error
	select {
	case <-idle:
	case <-ctx.Done():
		g.mu.Lock()
		g.stopped = true
		g.disarm()
		g.mu.Unlock()
		<-idle
		cancelled = ctx.Err()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return errors.Join(append(g.errs, cancelled)...)
}

// --8<-- [end:live-gate]
