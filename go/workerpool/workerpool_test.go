package workerpool_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/concurrency-cookbook/cookbook/go/workerpool"
)

// TestMain fails the package if any test leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// gauge counts the calls in flight and remembers the most seen at once.
type gauge struct{ now, max atomic.Int64 }

func (g *gauge) enter() {
	n := g.now.Add(1)
	for {
		m := g.max.Load()
		if n <= m || g.max.CompareAndSwap(m, n) {
			return
		}
	}
}

func (g *gauge) leave() { g.now.Add(-1) }

// sleeper returns a job function that holds its slot for d of (virtual) time, or until ctx ends.
func sleeper(g *gauge, d time.Duration) func(context.Context, int) (int, error) {
	return func(ctx context.Context, id int) (int, error) {
		g.enter()
		defer g.leave()
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
		return id, nil
	}
}

// values is the results' values, sorted, failing the test on a result with an error.
func values(t *testing.T, results []workerpool.Result[int, int]) []int {
	t.Helper()
	out := make([]int, 0, len(results))
	for _, r := range results {
		if r.Err != nil {
			t.Errorf("job %d: %v", r.Job, r.Err)
		}
		out = append(out, r.Value)
	}
	slices.Sort(out)
	return out
}

func ids(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// Under synctest the clock is virtual, so the durations below are exact, not approximate.
func TestRunsWorkersAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g gauge
		start := time.Now()
		results, err := workerpool.Run(t.Context(), 4, ids(8), sleeper(&g, time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != 2*time.Second {
			t.Errorf("8 one-second jobs on 4 workers took %v, want 2s", got)
		}
		if got := g.max.Load(); got != 4 {
			t.Errorf("max in flight = %d, want 4", got)
		}
		if got := values(t, results); !slices.Equal(got, ids(8)) {
			t.Errorf("results = %v, want every id once", results)
		}
	})
}

func TestMoreWorkersThanJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g gauge
		start := time.Now()
		results, err := workerpool.Run(t.Context(), 8, ids(3), sleeper(&g, time.Second))
		if err != nil || len(results) != 3 {
			t.Fatalf("Run = %v, %v; want 3 results", results, err)
		}
		if got := time.Since(start); got != time.Second {
			t.Errorf("3 one-second jobs on 8 workers took %v, want 1s", got)
		}
		if got := g.max.Load(); got != 3 {
			t.Errorf("max in flight = %d, want 3", got)
		}
	})
}

func TestZeroJobs(t *testing.T) {
	results, err := workerpool.Run(t.Context(), 3, nil, func(context.Context, int) (int, error) {
		t.Error("fn called without a job")
		return 0, nil
	})
	if err != nil || results == nil || len(results) != 0 {
		t.Errorf("Run = %#v, %v; want an empty, non-nil slice and no error", results, err)
	}
}

func TestEveryJobOnce(t *testing.T) {
	results, err := workerpool.Run(t.Context(), 7, ids(1000), func(_ context.Context, id int) (int, error) { return id, nil })
	if err != nil {
		t.Fatal(err)
	}
	if got := values(t, results); !slices.Equal(got, ids(1000)) {
		t.Errorf("results are not every id exactly once")
	}
}

// A cancellation at 1.5s finds 2 jobs done and 2 in hand: those 2 are cut short, and the other
// 6 are never handed out.
func TestCancelStopsHandingOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 1500*time.Millisecond)
		defer cancel()
		var started atomic.Int64
		start := time.Now()
		results, err := workerpool.Run(ctx, 2, ids(10), func(ctx context.Context, id int) (int, error) {
			started.Add(1)
			select {
			case <-time.After(time.Second):
			case <-ctx.Done():
			}
			return id, nil
		})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want context.DeadlineExceeded", err)
		}
		if got := time.Since(start); got != 1500*time.Millisecond {
			t.Errorf("Run returned after %v, want 1.5s", got)
		}
		if got := started.Load(); got != 4 || len(results) != 4 {
			t.Errorf("%d jobs started, %d results; want 4 and 4", got, len(results))
		}
	})
}

func TestCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	results, err := workerpool.Run(ctx, 4, ids(100), func(context.Context, int) (int, error) {
		t.Error("a job ran after cancellation")
		return 0, nil
	})
	if !errors.Is(err, context.Canceled) || len(results) != 0 {
		t.Errorf("Run = %v, %v; want no results and context.Canceled", results, err)
	}
}

// Run must not return while a worker is still alive, even when cancelled with jobs blocked.
func TestCancelLeavesNoGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	// The deadline only keeps a pool that never runs 16 jobs at once from hanging the test.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	var started atomic.Int64
	_, err := workerpool.Run(ctx, 16, ids(1000), func(ctx context.Context, id int) (int, error) {
		if started.Add(1) == 16 {
			cancel()
		}
		<-ctx.Done()
		return id, nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if got := started.Load(); got != 16 {
		t.Errorf("%d jobs started, want 16", got)
	}
}

func TestZeroWorkersPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Run with 0 workers did not panic")
		}
	}()
	workerpool.Run(t.Context(), 0, ids(1), func(_ context.Context, id int) (int, error) { return id, nil })
}

// A job that panics has the panic as its error, and the jobs behind it still run: with a single
// worker, they run on the very goroutine that recovered.
func TestPanicIsTheJobsError(t *testing.T) {
	errBoom := errors.New("boom")
	results, err := workerpool.Run(t.Context(), 1, ids(5), func(_ context.Context, id int) (int, error) {
		switch id {
		case 1:
			panic(errBoom)
		case 3:
			panic("job 3 gave up")
		}
		return id, nil
	})
	if err != nil || len(results) != 5 {
		t.Fatalf("Run = %d results, %v; want 5 and no error", len(results), err)
	}
	for _, r := range results {
		var pe *workerpool.PanicError
		switch panicked := errors.As(r.Err, &pe); r.Job {
		case 1:
			// Unwrap hands the panic's own error to errors.Is.
			if !panicked || !errors.Is(r.Err, errBoom) {
				t.Errorf("job 1: err = %v, want a *PanicError wrapping %v", r.Err, errBoom)
			}
		case 3:
			if !panicked || pe.Value != "job 3 gave up" || errors.Unwrap(r.Err) != nil {
				t.Errorf("job 3: err = %#v, want a *PanicError of the string alone", r.Err)
			}
		default:
			if r.Err != nil || r.Value != r.Job {
				t.Errorf("job %d = %d, %v; want its id and no error", r.Job, r.Value, r.Err)
			}
		}
		// The stack is the panicking goroutine's, so a log of it points at the job.
		if pe != nil && !strings.Contains(string(pe.Stack), "TestPanicIsTheJobsError") {
			t.Errorf("job %d: the stack does not show the job function:\n%s", r.Job, pe.Stack)
		}
	}
}
