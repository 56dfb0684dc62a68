package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/concurrency-cookbook/cookbook/go/pipeline"
)

// TestMain fails the package if any test leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// wait sleeps d of (virtual) time, or until ctx is done, and returns ctx's error then.
func wait(ctx context.Context, d time.Duration) error {
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stage returns a stage of workers that each take d per item and add add to it.
func stage(workers, capacity int, d time.Duration, add int) pipeline.Stage[int] {
	return pipeline.Stage[int]{Workers: workers, Capacity: capacity, Do: func(ctx context.Context, v int) (int, error) {
		if err := wait(ctx, d); err != nil {
			return 0, err
		}
		return v + add, nil
	}}
}

func span(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// Five items through three one-second stages of one worker each take 7 seconds, not 15: once
// the pipeline is full, every stage works at once, and an item comes out every second.
func TestStagesWorkAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		got, err := pipeline.Run(t.Context(), span(5), false,
			stage(1, 1, time.Second, 10), stage(1, 1, time.Second, 100), stage(1, 1, time.Second, 1000))
		if err != nil {
			t.Fatal(err)
		}
		if elapsed := time.Since(start); elapsed != 7*time.Second {
			t.Errorf("took %v, want 7s", elapsed)
		}
		// One worker per stage keeps the input's order without a reorder buffer.
		if want := []int{1110, 1111, 1112, 1113, 1114}; !slices.Equal(got, want) {
			t.Errorf("results %v, want %v", got, want)
		}
	})
}

// The seeds' file pipeline ends each stage with one sentinel, which stops one worker: with
// several workers per stage the others wait forever. Here the last worker of a stage to return
// closes its output, so a stage of any number of workers ends, more workers than items and no
// items at all included; under synctest a worker left waiting fails the test as a deadlock.
func TestEveryWorkerEnds(t *testing.T) {
	for _, n := range []int{0, 1, 3, 40} {
		t.Run(fmt.Sprintf("%d-items", n), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				got, err := pipeline.Run(t.Context(), span(n), false,
					stage(8, 2, time.Millisecond, 1), stage(3, 1, 2*time.Millisecond, 1), stage(5, 4, 0, 1))
				if err != nil {
					t.Fatal(err)
				}
				slices.Sort(got)
				want := make([]int, n)
				for i := range want {
					want[i] = i + 3
				}
				if !slices.Equal(got, want) {
					t.Errorf("results %v, want %v", got, want)
				}
			})
		})
	}
}

// Item 0 takes longest, so it comes out of the stages last; ordered results still start with
// it: the collector holds the early ones back.
func TestOrderedKeepsInputOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slowFirst := pipeline.Stage[int]{Workers: 4, Capacity: 4, Do: func(ctx context.Context, v int) (int, error) {
			d := time.Millisecond
			if v%4 == 0 {
				d = time.Second
			}
			return v * 10, wait(ctx, d)
		}}
		for _, ordered := range []bool{true, false} {
			got, err := pipeline.Run(t.Context(), span(8), ordered, slowFirst, stage(2, 2, time.Millisecond, 1))
			if err != nil {
				t.Fatal(err)
			}
			inOrder := slices.IsSorted(got)
			if inOrder != ordered {
				t.Errorf("ordered %v: results %v", ordered, got)
			}
			slices.Sort(got)
			if !slices.Equal(got, []int{1, 11, 21, 31, 41, 51, 61, 71}) {
				t.Errorf("ordered %v: results %v, want every item once", ordered, got)
			}
		}
	})
}

// A slow stage holds the fast one back: with a queue of 2 before a stage that never finishes,
// stage 0 transforms 4 items and no more: one in the slow worker's hands, two in its queue, and
// one that stage 0's worker holds, waiting for room.
func TestBoundedQueueHoldsAFastStageBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		var transformed atomic.Int64
		fast := pipeline.Stage[int]{Workers: 1, Capacity: 1, Do: func(_ context.Context, v int) (int, error) {
			transformed.Add(1)
			return v, nil
		}}
		var wg sync.WaitGroup
		var err error
		wg.Go(func() { _, err = pipeline.Run(ctx, span(100), false, fast, stage(1, 2, time.Hour, 0)) })
		synctest.Wait()
		if got := transformed.Load(); got != 4 {
			t.Errorf("stage 0 transformed %d items while stage 1 held its first, want 4", got)
		}
		cancel()
		wg.Wait()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

// A failure in a middle stage stops every stage at that instant, the hour-long steps of the
// other items included, and Run returns the failure with its stage, leaving nothing running.
func TestFailureStopsEveryStage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errBad := errors.New("item 5 is bad")
		var running atomic.Int64
		slow := func(ctx context.Context, v int) (int, error) {
			running.Add(1)
			defer running.Add(-1)
			return v, wait(ctx, time.Hour)
		}
		middle := pipeline.Stage[int]{Workers: 2, Capacity: 2, Do: func(ctx context.Context, v int) (int, error) {
			if v == 5 {
				return 0, errBad
			}
			return slow(ctx, v)
		}}
		// Item 5 reaches stage 1 at once, the others only in an hour.
		first := pipeline.Stage[int]{Workers: 2, Capacity: 2, Do: func(ctx context.Context, v int) (int, error) {
			if v == 5 {
				return v, nil
			}
			return slow(ctx, v)
		}}
		start := time.Now()
		got, err := pipeline.Run(t.Context(), []int{1, 5, 2, 3, 4, 6, 7}, true,
			first, middle, pipeline.Stage[int]{Workers: 1, Capacity: 1, Do: slow})
		if !errors.Is(err, errBad) || err.Error() != "stage 1: item 5 is bad" || got != nil {
			t.Errorf("Run = %v, %v; want the failure of stage 1", got, err)
		}
		if elapsed := time.Since(start); elapsed != 0 {
			t.Errorf("returned after %v, want at the failure", elapsed)
		}
		if n := running.Load(); n != 0 {
			t.Errorf("%d steps still running after Run returned", n)
		}
	})
}

// The collector waits for no item after a failure, not even for the one its reorder buffer
// needs next: here the failing item is that one, and it fails after every other is out.
func TestOrderedFailureDoesNotWaitForTheFailedItem(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errLate := errors.New("late failure")
		failsLate := pipeline.Stage[int]{Workers: 3, Capacity: 3, Do: func(ctx context.Context, v int) (int, error) {
			if v == 0 {
				_ = wait(ctx, time.Second)
				return 0, errLate
			}
			return v, nil
		}}
		start := time.Now()
		_, err := pipeline.Run(t.Context(), span(10), true, failsLate)
		if !errors.Is(err, errLate) || time.Since(start) != time.Second {
			t.Errorf("Run = %v after %v; want the failure after 1s", err, time.Since(start))
		}
	})
}

func TestCancelledFromOutside(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 1500*time.Millisecond)
		defer cancel()
		_, err := pipeline.Run(ctx, span(10), false, stage(1, 1, time.Second, 0), stage(1, 1, time.Second, 0))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want context.DeadlineExceeded", err)
		}
	})
}

// Every item is put into each stage's queue and the collector's, taken and done by each stage
// once, and a stage takes it only after the stage before is done with it; on the real scheduler,
// under the race detector with just test-go.
func TestTraceSeesEveryMove(t *testing.T) {
	type key struct{ item, stage int }
	var mu sync.Mutex
	var seq int
	step := map[key]map[string]int{}
	mark := func(item, stage int, what string) {
		mu.Lock()
		defer mu.Unlock()
		k := key{item, stage}
		if step[k] == nil {
			step[k] = map[string]int{}
		}
		if _, twice := step[k][what]; twice {
			t.Errorf("item %d, stage %d: %s twice", item, stage, what)
		}
		seq++
		step[k][what] = seq
	}
	ctx := pipeline.WithTrace(t.Context(), &pipeline.Trace[int]{
		Put:    func(s, v int) { mark(v%1000, s, "put") },
		Queued: func(s, v int) { mark(v%1000, s, "queued") },
		Got:    func(s, _, v int) { mark(v%1000, s, "got") },
		Done:   func(s, _, v int) { mark(v%1000, s, "done") },
	})
	const items, stages = 200, 3
	got, err := pipeline.Run(ctx, span(items), false, stage(4, 2, 0, 1000), stage(1, 1, 0, 1000), stage(3, 5, 0, 1000))
	if err != nil || len(got) != items {
		t.Fatalf("Run = %d results, %v", len(got), err)
	}
	for i := range items {
		for s := range stages + 1 {
			m := step[key{i, s}]
			if m["put"] == 0 || m["put"] > m["queued"] {
				t.Errorf("item %d, stage %d: put and queued %v", i, s, m)
			}
			if s == stages {
				continue
			}
			if m["got"] == 0 || m["got"] > m["done"] || (s > 0 && step[key{i, s - 1}]["done"] > m["got"]) {
				t.Errorf("item %d, stage %d: got and done %v, after the stage before's %v", i, s, m, step[key{i, s - 1}])
			}
		}
	}
}

func TestNoStagePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Run with no stage did not panic")
		}
	}()
	pipeline.Run(t.Context(), span(1), false)
}
