package priorityqueue_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/concurrency-cookbook/cookbook/go/priorityqueue"
)

// TestMain fails the package if any test leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestPopsByPriorityThenPushOrder(t *testing.T) {
	q := priorityqueue.NewQueue[string]()
	for _, p := range []struct {
		item     string
		priority int
	}{{"a", 5}, {"b", 1}, {"c", 5}, {"d", 1}, {"e", 3}} {
		q.Push(p.item, p.priority)
	}
	q.Close()
	var got []string
	for item, _, ok := q.Pop(t.Context()); ok; item, _, ok = q.Pop(t.Context()) {
		got = append(got, item)
	}
	if want := []string{"b", "d", "e", "a", "c"}; !slices.Equal(got, want) {
		t.Errorf("popped %v, want %v", got, want)
	}
}

// The seeds queue (priority, payload) pairs: equal priorities then compare the payloads, which
// in Python raises for payloads that do not order and otherwise serves ties by payload, not by
// arrival. A heap keyed on priority alone is no better: it is not stable, and equal
// priorities come out in an order of its own. The push sequence is what keeps them in arrival
// order: here 100 items of one priority, pushed between items of others, come out as pushed.
func TestEqualPrioritiesInPushOrder(t *testing.T) {
	q := priorityqueue.NewQueue[int]()
	for i := range 100 {
		q.Push(i, 7)
		q.Push(1000+i, 9-i%3*2) // priorities 9, 7 and 5 in turn
	}
	q.Close()
	var sevens []int
	for item, priority, ok := q.Pop(t.Context()); ok; item, priority, ok = q.Pop(t.Context()) {
		if priority == 7 {
			sevens = append(sevens, item)
		}
	}
	want := []int{}
	for i := range 100 {
		want = append(want, i)
		if (9 - i%3*2) == 7 {
			want = append(want, 1000+i)
		}
	}
	if !slices.Equal(sevens, want) {
		t.Errorf("priority 7 popped as %v, want push order %v", sevens, want)
	}
}

// Pop waits for a push, and gives up when its context is done or the queue is closed and empty;
// a sync.Cond alone would wait through the cancellation.
func TestPopWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := priorityqueue.NewQueue[int]()
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start := time.Now()
		if _, _, ok := q.Pop(ctx); ok || time.Since(start) != time.Second {
			t.Errorf("Pop on an empty queue returned %v after %v; want false after 1s", ok, time.Since(start))
		}
		var wg sync.WaitGroup
		wg.Go(func() {
			time.Sleep(time.Second)
			q.Push(42, 0)
			time.Sleep(time.Second)
			q.Close()
		})
		if item, _, ok := q.Pop(t.Context()); !ok || item != 42 {
			t.Errorf("Pop = %d, %v; want the item pushed", item, ok)
		}
		if _, _, ok := q.Pop(t.Context()); ok || time.Since(start) != 3*time.Second {
			t.Errorf("Pop on a closed queue returned %v at %v; want false at 3s", ok, time.Since(start))
		}
		wg.Wait()
	})
}

// job is a job of the tests: it takes d and fails its first fails attempts.
type job struct {
	id, fails int
	d         time.Duration
}

// arrival is a job pushed at a time after the start.
type arrival struct {
	at       time.Duration
	priority int
	job
}

// run runs the arrivals on workers, and returns the results by job id and the job id of each
// attempt in the order they started.
func run(ctx context.Context, workers, maxAttempts int, arrivals ...arrival) (map[int]priorityqueue.Result[job, int], []int) {
	var mu sync.Mutex
	var started []int
	start := time.Now()
	results := priorityqueue.Run(ctx, workers, maxAttempts, func(push func(job, int)) {
		for _, a := range arrivals {
			select {
			case <-time.After(time.Until(start.Add(a.at))):
			case <-ctx.Done():
				return
			}
			push(a.job, a.priority)
		}
	}, func(ctx context.Context, a priorityqueue.Attempt[job]) (int, error) {
		mu.Lock()
		started = append(started, a.Job.id)
		mu.Unlock()
		select {
		case <-time.After(a.Job.d):
		case <-ctx.Done():
			return 0, ctx.Err()
		}
		if a.Number <= a.Job.fails {
			return 0, fmt.Errorf("job %d: attempt %d failed", a.Job.id, a.Number)
		}
		return a.Job.id, nil
	})
	byID := map[int]priorityqueue.Result[job, int]{}
	for _, r := range results {
		byID[r.Job.id] = r
	}
	return byID, started
}

const ms = time.Millisecond

// One worker busy with job 0 while jobs 1, 2 and 3 arrive: 3 is the most urgent, so it goes
// next, though it came last; a running job is never preempted.
func TestUrgentJobJumpsTheLine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, started := run(t.Context(), 1, 1,
			arrival{0, 5, job{0, 0, 100 * ms}}, arrival{10 * ms, 5, job{1, 0, 5 * ms}},
			arrival{20 * ms, 5, job{2, 0, 5 * ms}}, arrival{30 * ms, 1, job{3, 0, 5 * ms}})
		if want := []int{0, 3, 1, 2}; !slices.Equal(started, want) {
			t.Errorf("started %v, want %v", started, want)
		}
	})
}

// Job 0 fails at 60ms and goes back at priority 2, behind job 1, which has waited at 2 since
// 10ms; job 2, at priority 1, goes before both.
func TestRetryGoesBehind(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		results, started := run(t.Context(), 1, 3,
			arrival{0, 1, job{0, 1, 60 * ms}}, arrival{10 * ms, 2, job{1, 0, 5 * ms}}, arrival{20 * ms, 1, job{2, 0, 5 * ms}})
		if want := []int{0, 2, 1, 0}; !slices.Equal(started, want) {
			t.Errorf("started %v, want %v", started, want)
		}
		if r := results[0]; r.Err != nil || r.Attempts != 2 || r.Value != 0 {
			t.Errorf("job 0 = %+v, want its value after 2 attempts", r)
		}
	})
}

func TestAttemptsRunOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		results, started := run(t.Context(), 2, 3, arrival{0, 0, job{7, 100, ms}})
		if r := results[7]; r.Err == nil || r.Err.Error() != "job 7: attempt 3 failed" || r.Attempts != 3 {
			t.Errorf("job 7 = %+v, want the third attempt's error", r)
		}
		if !slices.Equal(started, []int{7, 7, 7}) {
			t.Errorf("started %v, want 3 attempts", started)
		}
	})
}

// The queue is empty while a job's attempt runs, and the submitter is done: workers that stopped
// on an empty queue, as a Queue.join-style shutdown does, would be gone when the attempt fails
// and comes back, and a closed channel would panic on its push. The run ends only once every
// job has ended, here after three attempts 100ms apart, with the other worker idle throughout.
func TestRetryAfterTheQueueRanDry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		results, _ := run(t.Context(), 2, 3, arrival{0, 0, job{1, 2, 100 * ms}})
		if r := results[1]; r.Err != nil || r.Attempts != 3 || time.Since(start) != 300*ms {
			t.Errorf("job 1 = %+v after %v; want success on attempt 3 after 300ms", r, time.Since(start))
		}
	})
}

func TestNoJobs(t *testing.T) {
	results, started := run(t.Context(), 3, 2)
	if len(results) != 0 || len(started) != 0 {
		t.Errorf("results %v, started %v; want none", results, started)
	}
}

// Many workers on the real scheduler, under the race detector with just test-go: every job ends
// once, with its attempts, and a job that fails retries.
func TestManyWorkers(t *testing.T) {
	var arrivals []arrival
	for i := range 300 {
		arrivals = append(arrivals, arrival{0, i % 7, job{i, i % 3, 0}})
	}
	results, started := run(t.Context(), 8, 2, arrivals...)
	if len(results) != 300 || len(started) != 300+200 {
		t.Fatalf("%d results, %d attempts; want 300 and 500", len(results), len(started))
	}
	for id, r := range results {
		if wantErr := id%3 == 2; (r.Err != nil) != wantErr || r.Attempts != min(id%3+1, 2) {
			t.Errorf("job %d = %+v", id, r)
		}
	}
}

// Cancelled, Run stops the submitter, the workers waiting and the attempts running, and returns
// with nothing left behind (TestMain's goleak check).
func TestCancelStopsEverything(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 250*ms)
		defer cancel()
		start := time.Now()
		results, started := run(ctx, 2, 5,
			arrival{0, 0, job{0, 0, time.Hour}}, arrival{100 * ms, 0, job{1, 0, 100 * ms}}, arrival{time.Hour, 0, job{2, 0, 0}})
		if time.Since(start) != 250*ms {
			t.Errorf("returned after %v, want 250ms", time.Since(start))
		}
		// Job 1 ended at 200ms; job 0 was cut short, and its error, ctx's, is not retried.
		if !slices.Equal(started, []int{0, 1}) || len(results) != 2 || !errors.Is(results[0].Err, context.DeadlineExceeded) {
			t.Errorf("started %v, results %v", started, results)
		}
	})
}

func TestZeroWorkersPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Run with 0 workers did not panic")
		}
	}()
	run(t.Context(), 0, 1)
}
