package timeout_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/concurrency-cookbook/cookbook/go/timeout"
)

// TestMain fails the package if any test leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// operation is what the tests run: it works for d, or until its context ends, then fails if
// fail is set, and however it ended runs a cleanup of cleanup before it returns, counting the
// cleanups it finished in cleanups.
type operation struct {
	d, cleanup time.Duration
	fail       bool
	cleanups   atomic.Int32
}

var errOwn = errors.New("the operation's own error")

func (o *operation) run(ctx context.Context) (string, error) {
	defer func() {
		// The cleanup waits on a context that keeps ctx's values but not its end: on ctx
		// itself, which the deadline has ended, it would return at once.
		if wait(context.WithoutCancel(ctx), o.cleanup) == nil {
			o.cleanups.Add(1)
		}
	}()
	if err := wait(ctx, o.d); err != nil {
		return "", err
	}
	if o.fail {
		return "", errOwn
	}
	return "done", nil
}

// wait waits for d or until ctx ends, and then returns ctx's error.
func wait(ctx context.Context, d time.Duration) error {
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// deadline is the name of the deadline err says fired, or "" if it is no deadline's.
func deadline(err error) string {
	var d *timeout.DeadlineError
	if errors.As(err, &d) {
		return d.Name
	}
	return ""
}

// Under synctest the clock is virtual: each call returns at the very instant it should.
func TestWithinOnTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		op := &operation{d: 20 * time.Millisecond, cleanup: 5 * time.Millisecond}
		start := time.Now()
		v, err := timeout.Within(t.Context(), 200*time.Millisecond, "outer", op.run)
		if v != "done" || err != nil {
			t.Errorf("Within = %q, %v; want done", v, err)
		}
		// The cleanup runs when the operation ends by itself too, not only when it is cancelled.
		if elapsed := time.Since(start); elapsed != 25*time.Millisecond || op.cleanups.Load() != 1 {
			t.Errorf("returned after %v with %d cleanups; want 25ms and 1", elapsed, op.cleanups.Load())
		}
	})
}

// A late operation is cancelled at the deadline, and Within returns once its cleanup is done,
// neither sooner nor later.
func TestWithinCancelsAtTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		op := &operation{d: time.Hour, cleanup: 50 * time.Millisecond}
		start := time.Now()
		_, err := timeout.Within(t.Context(), 100*time.Millisecond, "outer", op.run)
		if deadline(err) != "outer" {
			t.Errorf("err = %v, want the outer deadline's", err)
		}
		if elapsed := time.Since(start); elapsed != 150*time.Millisecond || op.cleanups.Load() != 1 {
			t.Errorf("returned after %v with %d cleanups; want 150ms and 1", elapsed, op.cleanups.Load())
		}
		var timeoutErr interface{ Timeout() bool }
		if !errors.As(err, &timeoutErr) || !timeoutErr.Timeout() {
			t.Errorf("%v does not say it is a timeout", err)
		}
	})
}

// Pitfall: a cleanup that waits on the operation's own context. The deadline has ended that
// context, so every wait in the cleanup returns at once: the connection is never closed, the
// lock never released, and nothing says so.
func TestPitfallCleanupOnTheCancelledContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		closed := false
		op := func(ctx context.Context) (string, error) {
			defer func() { closed = wait(ctx, 50*time.Millisecond) == nil }()
			return "", wait(ctx, time.Hour)
		}
		start := time.Now()
		if _, err := timeout.Within(t.Context(), 100*time.Millisecond, "outer", op); deadline(err) != "outer" {
			t.Fatalf("err = %v, want the outer deadline's", err)
		}
		if closed || time.Since(start) != 100*time.Millisecond {
			t.Errorf("the cleanup on ctx finished: %v after %v; want it cut short at once", closed, time.Since(start))
		}
	})
}

// With nested deadlines the earlier one fires and is the one reported, whichever it is.
func TestNestedDeadlines(t *testing.T) {
	for _, tc := range []struct {
		outer, inner time.Duration
		want         string
	}{
		{400 * time.Millisecond, 100 * time.Millisecond, "inner"},
		{100 * time.Millisecond, 400 * time.Millisecond, "outer"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				op := &operation{d: time.Hour, cleanup: 10 * time.Millisecond}
				start := time.Now()
				_, err := timeout.Within(t.Context(), tc.outer, "outer", func(ctx context.Context) (string, error) {
					return timeout.Within(ctx, tc.inner, "inner", op.run)
				})
				if deadline(err) != tc.want {
					t.Errorf("err = %v, want the %s deadline's", err, tc.want)
				}
				if elapsed, want := time.Since(start), min(tc.outer, tc.inner)+op.cleanup; elapsed != want {
					t.Errorf("returned after %v, want %v", elapsed, want)
				}
			})
		})
	}
}

// An inner deadline that fires is still the one reported when the outer one passes while the
// operation's cleanup runs: the outer deadline cut nothing short.
func TestOuterPassingDuringTheInnerCleanup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		op := &operation{d: time.Hour, cleanup: 300 * time.Millisecond}
		_, err := timeout.Within(t.Context(), 200*time.Millisecond, "outer", func(ctx context.Context) (string, error) {
			return timeout.Within(ctx, 100*time.Millisecond, "inner", op.run)
		})
		if deadline(err) != "inner" {
			t.Errorf("err = %v, want the inner deadline's", err)
		}
	})
}

// Pitfall: a deadline told by its error's kind. ctx.Err() is context.DeadlineExceeded for every
// deadline, so errors.Is cannot say which fired, and an operation that fails with a timeout of
// its own (here its client's, on time for our deadline) passes for ours. Within reports its own
// deadline's error, and the operation's error as it is.
func TestOwnTimeoutIsNotTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clientTimeout := fmt.Errorf("dial: %w", context.DeadlineExceeded)
		op := func(ctx context.Context) (string, error) {
			time.Sleep(10 * time.Millisecond)
			return "", clientTimeout
		}
		_, err := timeout.Within(t.Context(), 500*time.Millisecond, "outer", op)
		if err != clientTimeout || deadline(err) != "" {
			t.Errorf("err = %v, want the operation's own error", err)
		}
		// The pitfall: the check most code writes takes it for the deadline.
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Error("the client's timeout no longer looks like context.DeadlineExceeded")
		}
	})
}

// An operation that fails by itself after the deadline has passed, having ignored its context,
// keeps its own error: only the context's own error says the deadline cut it short.
func TestLateFailureIsNotATimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		op := func(ctx context.Context) (string, error) {
			time.Sleep(200 * time.Millisecond)
			return "", errOwn
		}
		if _, err := timeout.Within(t.Context(), 100*time.Millisecond, "outer", op); err != errOwn {
			t.Errorf("err = %v, want the operation's own error", err)
		}
	})
}

// A caller that gives up is no deadline: its cancellation comes back as it is.
func TestParentCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(30*time.Millisecond, cancel)
		op := &operation{d: time.Hour}
		_, err := timeout.Within(ctx, time.Second, "outer", op.run)
		if !errors.Is(err, context.Canceled) || deadline(err) != "" {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

// A group keeps what finished by the deadline, failures included, and cancels the rest, each
// once, returning when the last cleanup is done.
func TestGroupKeepsWhatFinished(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ops := []*operation{
			{d: 10 * time.Millisecond},
			{d: 2 * time.Second, cleanup: 20 * time.Millisecond},
			{d: 30 * time.Millisecond, fail: true},
			{d: 3 * time.Second},
		}
		fns := make([]func(context.Context) (string, error), len(ops))
		for i, op := range ops {
			fns[i] = op.run
		}
		start := time.Now()
		results := timeout.Group(t.Context(), 150*time.Millisecond, "outer", fns)
		if elapsed := time.Since(start); elapsed != 170*time.Millisecond {
			t.Errorf("returned after %v, want 170ms", elapsed)
		}
		if results[0].Value != "done" || results[0].Err != nil || results[2].Err != errOwn {
			t.Errorf("results 0 and 2 = %+v, %+v; want done and the operation's own error", results[0], results[2])
		}
		for _, i := range []int{1, 3} {
			if deadline(results[i].Err) != "outer" {
				t.Errorf("result %d = %+v, want the deadline's error", i, results[i])
			}
		}
		for i, op := range ops {
			if op.cleanups.Load() != 1 {
				t.Errorf("operation %d ran %d cleanups, want 1", i, op.cleanups.Load())
			}
		}
	})
}

// A group whose operations all finish in time returns when the last one does, without waiting
// for the deadline.
func TestGroupAllInTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fns := make([]func(context.Context) (string, error), 5)
		for i := range fns {
			op := &operation{d: time.Duration(i) * 10 * time.Millisecond}
			fns[i] = op.run
		}
		start := time.Now()
		for i, r := range timeout.Group(t.Context(), 400*time.Millisecond, "outer", fns) {
			if r.Err != nil {
				t.Errorf("operation %d: %v", i, r.Err)
			}
		}
		if elapsed := time.Since(start); elapsed != 40*time.Millisecond {
			t.Errorf("returned after %v, want 40ms", elapsed)
		}
	})
}

// Pitfall: a deadline that only stops the waiting. The select returns on time, but the
// operation goes on in its goroutine after the caller has moved on, and a result channel
// without room would keep that goroutine blocked forever on its send.
func TestPitfallSelectOnTimeAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var running atomic.Bool
		op := func() string {
			running.Store(true)
			defer running.Store(false)
			time.Sleep(time.Second)
			return "done"
		}
		// Room for the one result, or the goroutine would leak: this is the pitfall at its best.
		results := make(chan string, 1)
		go func() { results <- op() }()
		select {
		case <-results:
			t.Fatal("the operation finished first")
		case <-time.After(100 * time.Millisecond):
		}
		synctest.Wait()
		if !running.Load() {
			t.Error("the operation had stopped when the caller moved on")
		}
		// The bubble ends only once the operation has finished, behind the caller's back.
		<-results
	})
}
