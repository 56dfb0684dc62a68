package retry_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/concurrency-cookbook/cookbook/go/retry"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const ms = time.Millisecond

// starts decides a call whose attempts all fail and take attempt each: the start of every
// attempt, in milliseconds, and why the schedule stopped.
func starts(p retry.Policy, attempt time.Duration) ([]int64, error) {
	s := retry.New(p)
	out := []int64{0}
	var start time.Duration
	for {
		next, err := s.Next(start + attempt)
		if err != nil {
			return out, err
		}
		start = next
		out = append(out, int64(start/ms))
	}
}

func TestSchedule(t *testing.T) {
	exp := retry.Policy{Base: 100 * ms, Factor: 2, Cap: 10 * time.Second, MaxAttempts: 5, Jitter: retry.None}
	for _, tc := range []struct {
		name    string
		policy  func(p *retry.Policy)
		attempt time.Duration
		want    []int64
		stop    error
	}{
		{"exponential", func(*retry.Policy) {}, 0, []int64{0, 100, 300, 700, 1500}, retry.ErrExhausted},
		// MaxAttempts counts the first attempt: `for i := 0; i <= maxRetries; i++` with a
		// sleep after each failure makes one attempt, and one sleep, too many.
		{"one attempt", func(p *retry.Policy) { p.MaxAttempts = 1 }, 0, []int64{0}, retry.ErrExhausted},
		{"capped", func(p *retry.Policy) { p.Cap = 250 * ms; p.MaxAttempts = 6 }, 0, []int64{0, 100, 300, 550, 800, 1050}, retry.ErrExhausted},
		// Each delay counts from the end of the attempt before, not from its start.
		{"attempt time counts", func(p *retry.Policy) { p.MaxAttempts = 3 }, 30 * ms, []int64{0, 130, 360}, retry.ErrExhausted},
		// An attempt due exactly at the deadline starts; the next one, due after it, does not.
		{"deadline", func(p *retry.Policy) { p.Deadline = 300 * ms }, 0, []int64{0, 100, 300}, retry.ErrDeadline},
		{"factor one", func(p *retry.Policy) { p.Factor = 1; p.MaxAttempts = 4 }, 0, []int64{0, 100, 200, 300}, retry.ErrExhausted},
		// The jitters draw from the cookbook's generator: the spec's schedules, to the ms.
		{"full jitter", func(p *retry.Policy) { p.Jitter = retry.Full; p.Seed = 42; p.MaxAttempts = 6 }, 0, []int64{0, 23, 72, 183, 840, 1876}, retry.ErrExhausted},
		{"equal jitter", func(p *retry.Policy) { p.Jitter = retry.Equal; p.Seed = 7; p.MaxAttempts = 6 }, 0, []int64{0, 50, 209, 556, 982, 2482}, retry.ErrExhausted},
		{"decorrelated jitter", func(p *retry.Policy) {
			p.Jitter, p.Seed, p.MaxAttempts, p.Cap = retry.Decorrelated, 2024, 8, 3*time.Second
		}, 0, []int64{0, 182, 323, 450, 713, 1391, 1780, 2815}, retry.ErrExhausted},
		{"seed near 2^53", func(p *retry.Policy) { p.Jitter = retry.Full; p.Seed = 1<<53 - 1; p.MaxAttempts = 4 }, 0, []int64{0, 37, 204, 425}, retry.ErrExhausted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := exp
			tc.policy(&p)
			got, stop := starts(p, tc.attempt)
			if !slices.Equal(got, tc.want) || stop != tc.stop {
				t.Errorf("starts %v, stopped by %v; want %v, %v", got, stop, tc.want, tc.stop)
			}
		})
	}
}

// base * factor^(k-1) in an int64 of nanoseconds overflows at the 10th attempt of this policy,
// and goes negative; saturated, every delay after the cap is the cap.
func TestDelaysSaturateAtTheCap(t *testing.T) {
	for _, jitter := range []retry.Jitter{retry.None, retry.Full, retry.Equal, retry.Decorrelated} {
		got, _ := starts(retry.Policy{Base: time.Minute, Factor: 10, Cap: 10 * time.Minute, MaxAttempts: 100, Jitter: jitter, Seed: 5}, 0)
		for k := 1; k < len(got); k++ {
			if d := got[k] - got[k-1]; d < 0 || d > int64(10*time.Minute/ms) {
				t.Fatalf("%s: delay %d is %d ms, outside 0 to the cap", jitter, k, d)
			}
			if jitter == retry.None && k > 1 && got[k]-got[k-1] != int64(10*time.Minute/ms) {
				t.Fatalf("delay %d is %d ms, not the cap", k, got[k]-got[k-1])
			}
		}
	}
}

// script is an operation whose attempt k fails with errs[k-1], succeeding past the end, and
// records when each attempt began, since the start.
type script struct {
	errs   []error
	start  time.Time
	starts []time.Duration
}

func (s *script) op(context.Context) error {
	s.starts = append(s.starts, time.Since(s.start))
	if k := len(s.starts); k <= len(s.errs) {
		return s.errs[k-1]
	}
	return nil
}

var errBusy = errors.New("503 busy")

func TestDo(t *testing.T) {
	p := retry.Policy{Base: 100 * ms, Factor: 2, Cap: time.Second, MaxAttempts: 4, Jitter: retry.None}
	fatal := errors.New("401 unauthorized")
	for _, tc := range []struct {
		name     string
		errs     []error
		deadline time.Duration
		want     []time.Duration
		is       error
	}{
		{"succeeds", []error{errBusy, errBusy}, 0, []time.Duration{0, 100 * ms, 300 * ms}, nil},
		{"exhausted", []error{errBusy, errBusy, errBusy, errBusy, errBusy}, 0, []time.Duration{0, 100 * ms, 300 * ms, 700 * ms}, retry.ErrExhausted},
		// Retrying every error, the fatal ones included, sends a request that cannot succeed
		// three more times.
		{"permanent", []error{errBusy, retry.Permanent(fatal), errBusy}, 0, []time.Duration{0, 100 * ms}, fatal},
		{"deadline", []error{errBusy, errBusy, errBusy, errBusy}, 350 * ms, []time.Duration{0, 100 * ms, 300 * ms}, retry.ErrDeadline},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &script{errs: tc.errs, start: time.Now()}
				p := p
				p.Deadline = tc.deadline
				attempts, err := retry.Do(t.Context(), p, s.op)
				if !slices.Equal(s.starts, tc.want) || attempts != len(tc.want) {
					t.Errorf("%d attempts at %v, want %v", attempts, s.starts, tc.want)
				}
				if !errors.Is(err, tc.is) || (tc.is != nil && tc.is != fatal && !errors.Is(err, errBusy)) {
					t.Errorf("error %v, want %v wrapping the last failure", err, tc.is)
				}
				// Stopped at once, not after sleeping a delay it would not use: the deadline is
				// checked before the wait.
				if since := time.Since(s.start); since != s.starts[len(s.starts)-1] {
					t.Errorf("Do returned at %v, %v after the last attempt", since, since-s.starts[len(s.starts)-1])
				}
			})
		})
	}
}

// Cancelled during a delay, Do stops waiting at once and says why.
func TestDoCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 50*ms)
		defer cancel()
		start := time.Now()
		attempts, err := retry.Do(ctx, retry.Policy{Base: time.Hour, Factor: 2, Cap: time.Hour, MaxAttempts: 3, Jitter: retry.None},
			func(context.Context) error { return errBusy })
		if attempts != 1 || !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 50*ms {
			t.Errorf("%d attempts, %v after %v; want 1, the deadline after 50ms", attempts, err, time.Since(start))
		}
	})
}

func TestNewRefusesZeroAttempts(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New with MaxAttempts 0 did not panic")
		}
	}()
	retry.New(retry.Policy{Factor: 2})
}
