package errorgroup_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/sync/errgroup"

	"github.com/concurrency-cookbook/cookbook/go/errorgroup"
)

// TestMain fails the package if any test leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// tasks records what the tasks of one test did: how many started, and how many ran at once.
type tasks struct {
	started, running, peak atomic.Int32
}

// enter counts a task in, raising the peak if need be.
func (ts *tasks) enter() {
	n := ts.running.Add(1)
	for {
		p := ts.peak.Load()
		if n <= p || ts.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

// leaf returns a task that works for d, or until its context ends, then fails if fail is set,
// else returns id.
func (ts *tasks) leaf(id int, d time.Duration, fail bool) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		ts.started.Add(1)
		ts.enter()
		defer ts.running.Add(-1)
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return 0, ctx.Err()
		}
		if fail {
			return 0, fmt.Errorf("task %d failed", id)
		}
		return id, nil
	}
}

// group returns a task that runs a group of its own, and keeps its outcomes in *into.
func group(id int, policy errorgroup.Policy, inner []func(context.Context) (int, error), into *[]errorgroup.Outcome[int]) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		outcomes, err := errorgroup.Run(ctx, policy, 0, inner)
		*into = outcomes
		return id, err
	}
}

// statuses is each outcome's status, in order.
func statuses[T any](outcomes []errorgroup.Outcome[T]) []string {
	out := make([]string, len(outcomes))
	for i, o := range outcomes {
		out[i] = o.Status.String()
	}
	return out
}

// wantStatuses fails unless the outcomes' statuses are want, in order.
func wantStatuses(t *testing.T, outcomes []errorgroup.Outcome[int], want ...string) {
	t.Helper()
	if got := statuses(outcomes); !slices.Equal(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
}

// Under synctest the clock is virtual: each group returns at the very instant its last task
// stops.
func TestCollectAllReportsEverything(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ts tasks
		start := time.Now()
		outcomes, err := errorgroup.Run(t.Context(), errorgroup.CollectAll, 0, []func(context.Context) (int, error){
			ts.leaf(0, ms(10), false), ts.leaf(1, ms(20), true), ts.leaf(2, ms(30), false), ts.leaf(3, ms(5), true),
		})
		if err != nil || time.Since(start) != ms(30) {
			t.Errorf("err %v after %v, want none after 30ms", err, time.Since(start))
		}
		wantStatuses(t, outcomes, "ok", "failed", "ok", "failed")
		if outcomes[2].Value != 2 || outcomes[3].Err.Error() != "task 3 failed" {
			t.Errorf("outcomes %+v, want each task's own value or error", outcomes)
		}
	})
}

func TestFailFastCancelsSiblings(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ts tasks
		start := time.Now()
		outcomes, err := errorgroup.Run(t.Context(), errorgroup.FailFast, 0, []func(context.Context) (int, error){
			ts.leaf(0, ms(20), false), ts.leaf(1, ms(50), true), ts.leaf(2, ms(3000), false), ts.leaf(3, ms(3000), false),
		})
		if err == nil || err.Error() != "task 1 failed" || time.Since(start) != ms(50) {
			t.Errorf("err %v after %v, want task 1's failure after 50ms", err, time.Since(start))
		}
		// The cancelled tasks returned an error, but not one of their own: neither a success
		// nor a failure.
		wantStatuses(t, outcomes, "ok", "failed", "cancelled", "cancelled")
	})
}

// A limited fail-fast group starts nothing queued once a task has failed.
func TestFailFastStartsNothingMore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ts tasks
		outcomes, _ := errorgroup.Run(t.Context(), errorgroup.FailFast, 2, []func(context.Context) (int, error){
			ts.leaf(0, ms(30), true), ts.leaf(1, ms(3000), false), ts.leaf(2, ms(10), false), ts.leaf(3, ms(10), false),
		})
		wantStatuses(t, outcomes, "failed", "cancelled", "not-started", "not-started")
		if ts.started.Load() != 2 {
			t.Errorf("%d tasks started, want 2", ts.started.Load())
		}
	})
}

// Pitfall: errgroup's own loop. After the failure, Go still waits for a slot for each queued
// task and starts it as soon as one frees up: it never looks at the context. Each such task
// starts only to see its context cancelled, and a task that does not check it first does its
// work for nothing.
func TestPitfallErrgroupStartsQueuedTasks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ts tasks
		g, ctx := errgroup.WithContext(t.Context())
		g.SetLimit(2)
		for _, task := range []func(context.Context) (int, error){
			ts.leaf(0, ms(30), true), ts.leaf(1, ms(3000), false), ts.leaf(2, ms(10), false), ts.leaf(3, ms(10), false),
		} {
			g.Go(func() error {
				_, err := task(ctx)
				return err
			})
		}
		_ = g.Wait()
		if ts.started.Load() != 4 {
			t.Errorf("%d tasks started, want all 4: the pitfall is that the queued ones start", ts.started.Load())
		}
	})
}

// Pitfall: the tasks handed the parent's context instead of the group's. The failure cancels
// a context no task listens to, and the group waits out its slowest sibling.
func TestPitfallParentContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ts tasks
		parent := t.Context()
		g, _ := errgroup.WithContext(parent)
		start := time.Now()
		for _, task := range []func(context.Context) (int, error){ts.leaf(0, ms(30), true), ts.leaf(1, ms(3000), false)} {
			g.Go(func() error {
				_, err := task(parent)
				return err
			})
		}
		_ = g.Wait()
		if elapsed := time.Since(start); elapsed != ms(3000) {
			t.Errorf("returned after %v, want 3s: the sibling was never cancelled", elapsed)
		}
	})
}

// Pitfall: a cancelled task taken for a success. A task that returns nil when its context ends
// has thrown its work away and says it succeeded; one that returns the context's error is seen
// for what it is.
func TestCancelledIsNotSuccess(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ts tasks
		swallows := func(ctx context.Context) (int, error) {
			<-ctx.Done()
			return 0, nil
		}
		outcomes, err := errorgroup.Run(t.Context(), errorgroup.FailFast, 0, []func(context.Context) (int, error){
			ts.leaf(0, ms(40), true), ts.leaf(1, ms(200), false), swallows,
		})
		if err == nil || err.Error() != "task 0 failed" {
			t.Errorf("err = %v, want task 0's failure", err)
		}
		wantStatuses(t, outcomes, "failed", "cancelled", "ok")
	})
}

func TestCollectAllWithALimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ts tasks
		start := time.Now()
		outcomes, err := errorgroup.Run(t.Context(), errorgroup.CollectAll, 1, []func(context.Context) (int, error){
			ts.leaf(0, ms(10), true), ts.leaf(1, ms(10), false), ts.leaf(2, ms(10), false),
		})
		if err != nil || time.Since(start) != ms(30) || ts.peak.Load() != 1 {
			t.Errorf("err %v after %v, %d at once; want none after 30ms, one at a time", err, time.Since(start), ts.peak.Load())
		}
		wantStatuses(t, outcomes, "failed", "ok", "ok")
	})
}

func TestLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ts tasks
		fns := make([]func(context.Context) (int, error), 20)
		for i := range fns {
			fns[i] = ts.leaf(i, ms(10), false)
		}
		start := time.Now()
		if _, err := errorgroup.Run(t.Context(), errorgroup.FailFast, 4, fns); err != nil {
			t.Fatal(err)
		}
		if ts.peak.Load() != 4 || time.Since(start) != ms(50) {
			t.Errorf("%d at once, done after %v; want 4 and 50ms", ts.peak.Load(), time.Since(start))
		}
	})
}

func TestEmpty(t *testing.T) {
	outcomes, err := errorgroup.Run[int](t.Context(), errorgroup.FailFast, 0, nil)
	if len(outcomes) != 0 || err != nil {
		t.Errorf("Run = %v, %v; want nothing", outcomes, err)
	}
}

// An inner fail-fast group's failure fails its task in the outer group, which then cancels
// the outer task's siblings.
func TestInnerFailureFailsTheOuterGroup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ts tasks
		var inner []errorgroup.Outcome[int]
		start := time.Now()
		outcomes, err := errorgroup.Run(t.Context(), errorgroup.FailFast, 0, []func(context.Context) (int, error){
			group(0, errorgroup.FailFast, []func(context.Context) (int, error){ts.leaf(10, ms(30), true), ts.leaf(11, ms(3000), false)}, &inner),
			ts.leaf(1, ms(3000), false),
		})
		if err == nil || err.Error() != "task 10 failed" || time.Since(start) != ms(30) {
			t.Errorf("err %v after %v, want task 10's failure after 30ms", err, time.Since(start))
		}
		wantStatuses(t, outcomes, "failed", "cancelled")
		wantStatuses(t, inner, "failed", "cancelled")
	})
}

// An inner collect-all group never fails: its task succeeds, and the outer group goes on.
func TestInnerCollectAllKeepsTheOuterGoing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ts tasks
		var inner []errorgroup.Outcome[int]
		outcomes, err := errorgroup.Run(t.Context(), errorgroup.FailFast, 0, []func(context.Context) (int, error){
			group(0, errorgroup.CollectAll, []func(context.Context) (int, error){ts.leaf(10, ms(20), true), ts.leaf(11, ms(40), false)}, &inner),
			ts.leaf(1, ms(80), false),
		})
		if err != nil {
			t.Errorf("err = %v, want none", err)
		}
		wantStatuses(t, outcomes, "ok", "ok")
		wantStatuses(t, inner, "failed", "ok")
	})
}

// An outer failure cancels an inner group's tasks, and the group's own task is cancelled, not
// failed: its error is the context's.
func TestOuterFailureCancelsAnInnerGroup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ts tasks
		var inner []errorgroup.Outcome[int]
		start := time.Now()
		outcomes, err := errorgroup.Run(t.Context(), errorgroup.FailFast, 0, []func(context.Context) (int, error){
			ts.leaf(0, ms(40), true),
			group(1, errorgroup.CollectAll, []func(context.Context) (int, error){ts.leaf(10, ms(3000), false), ts.leaf(11, ms(10), false)}, &inner),
		})
		if err == nil || err.Error() != "task 0 failed" || time.Since(start) != ms(40) {
			t.Errorf("err %v after %v, want task 0's failure after 40ms", err, time.Since(start))
		}
		wantStatuses(t, outcomes, "failed", "cancelled")
		wantStatuses(t, inner, "cancelled", "ok")
		if !errors.Is(outcomes[1].Err, context.Canceled) {
			t.Errorf("the inner group's task failed with %v, want context.Canceled", outcomes[1].Err)
		}
	})
}
