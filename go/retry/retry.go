// Package retry calls an operation again when it fails, after delays that grow by a factor up
// to a cap, with jitter so that many clients that failed together do not retry together. It
// stops when the operation succeeds, when it fails with a permanent error, when the attempts run
// out, or when the next attempt would start after the deadline.
//
// Schedule is the decision, with time as data: when the next attempt starts, or why there is
// none. Do runs it on the real clock. The jitter is drawn from a deterministic generator, the
// cookbook's splitmix64 step, so that every language of the cookbook retries at the very same
// milliseconds for the same seed.
//
// In production, reach for github.com/cenkalti/backoff/v4: NewExponentialBackOff is this
// schedule with its own random jitter, backoff.Permanent is Permanent here, and WithContext ties
// the retries to a context. Whatever the library, retry only what is transient and idempotent.
package retry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/work"
)

// Jitter is how a delay is spread out.
type Jitter string

// The jitters, as AWS's "Exponential Backoff And Jitter" names them.
const (
	None         Jitter = "none"         // the delay itself
	Full         Jitter = "full"         // anywhere from 0 to the delay
	Equal        Jitter = "equal"        // half the delay, plus anywhere up to the other half
	Decorrelated Jitter = "decorrelated" // from Base to three times the last delay, up to Cap
)

// Granularity is what delays are made of: the jitter draws whole milliseconds, so that every
// language draws the same delays; a finer jitter buys nothing against a network's.
const Granularity = time.Millisecond

// Policy says how often and how long to retry.
type Policy struct {
	// Base is the delay after the first attempt; each delay after it is Factor times the one
	// before, up to Cap. Both are rounded down to whole milliseconds.
	Base, Cap   time.Duration
	Factor      int64
	MaxAttempts int // the first attempt included
	// Deadline, if not 0, is the latest an attempt may start, counted from the start of the
	// first: an attempt due after it is not started at all.
	Deadline time.Duration
	Jitter   Jitter
	Seed     uint64 // where the jitter's draws start
}

// ErrExhausted and ErrDeadline say why Next and Do stopped retrying an operation that was still
// failing: each is wrapped together with the operation's last error.
var (
	ErrExhausted = errors.New("retry: attempts exhausted")
	ErrDeadline  = errors.New("retry: the next attempt would start after the deadline")
)

// --8<-- [start:retry]

// golden is the splitmix64 increment: draw n of a call is the step of Seed + n*golden.
const golden = 0x9E3779B97F4A7C15

// Schedule decides when each attempt of one call starts, on durations since the first attempt
// began. It is not safe for concurrent use: each call has its own.
type Schedule struct {
	p             Policy
	base, ceiling int64  // Base and Cap in milliseconds
	attempts      int    // attempts made so far
	grown         int64  // min(ceiling, base * factor^(attempts-1)), the next delay before jitter
	last          int64  // the last decorrelated delay, base before the first
	draws         uint64 // draws made so far
}

// New returns the schedule of one call under p. Factor and MaxAttempts must be at least 1.
func New(p Policy) *Schedule {
	if p.Factor < 1 || p.MaxAttempts < 1 || p.Base < 0 || p.Cap < 0 {
		panic(fmt.Sprintf("retry: Factor and MaxAttempts must be at least 1 and the delays not negative, got %+v", p))
	}
	base, ceiling := int64(p.Base/Granularity), int64(p.Cap/Granularity)
	return &Schedule{p: p, base: base, ceiling: ceiling, attempts: 1, grown: min(ceiling, base), last: base}
}

// Next is called when the latest attempt failed with an error worth retrying and ended at end:
// it returns when the next attempt starts, or ErrExhausted or ErrDeadline when none will.
func (s *Schedule) Next(end time.Duration) (time.Duration, error) {
	if s.attempts == s.p.MaxAttempts {
		return 0, ErrExhausted
	}
	start := end + time.Duration(s.delay())*Granularity
	// Checked before the wait, not after it: a loop that sleeps first and asks afterwards has
	// already given up the time, and then starts one attempt too late.
	if s.p.Deadline != 0 && start > s.p.Deadline {
		return 0, ErrDeadline
	}
	s.attempts++
	return start, nil
}

// delay is the delay after the latest attempt, in milliseconds.
func (s *Schedule) delay() int64 {
	exp := s.grown
	// Saturating: base * factor^k overflows an int64 long before 100 attempts, and in floats it
	// goes to infinity. Once at the cap it stays there.
	if s.grown > s.ceiling/s.p.Factor {
		s.grown = s.ceiling
	} else {
		s.grown = min(s.ceiling, s.grown*s.p.Factor)
	}
	switch s.p.Jitter {
	case Full:
		return s.draw(0, exp)
	case Equal:
		half := exp / 2
		return half + s.draw(0, exp-half)
	case Decorrelated:
		// The jitter is the spread: the factor plays no part, only the last delay does.
		s.last = min(s.ceiling, s.draw(s.base, max(s.base, 3*s.last)))
		return s.last
	default:
		return exp
	}
}

// draw returns a number from lo to hi, both included, from the call's next draw: the same for
// the same seed in every language, unlike math/rand's, so that a test can hold the schedule.
func (s *Schedule) draw(lo, hi int64) int64 {
	u := work.Work(s.p.Seed+s.draws*golden, 1)
	s.draws++
	return lo + int64(u%uint64(hi-lo+1))
}

// Permanent marks err as not worth retrying: Do returns it at once, unwrapped.
func Permanent(err error) error {
	return permanent{err}
}

type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Do calls op until it returns nil or a Permanent error, or Schedule says to stop, and returns
// the number of attempts made and op's last error: unwrapped if permanent, wrapped with
// ErrExhausted or ErrDeadline otherwise. Each delay counts from the end of the attempt before,
// on the real clock. If ctx is done during a delay, Do returns ctx's error at once; op is
// passed ctx, so that an attempt stops too.
func Do(ctx context.Context, p Policy, op func(ctx context.Context) error) (attempts int, err error) {
	s := New(p)
	origin := time.Now()
	for attempts = 1; ; attempts++ {
		err := op(ctx)
		var perm permanent
		switch {
		case err == nil:
			return attempts, nil
		case errors.As(err, &perm):
			return attempts, perm.err
		}
		start, stop := s.Next(time.Since(origin))
		if stop != nil {
			return attempts, fmt.Errorf("%w (%d attempts): %w", stop, attempts, err)
		}
		// A Go timer never fires early, on the same monotonic clock as time.Since, so the
		// delay is never cut short; Stop frees it at once when ctx ends the wait.
		timer := time.NewTimer(time.Until(origin.Add(start)))
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return attempts, ctx.Err()
		}
	}
}

// --8<-- [end:retry]
