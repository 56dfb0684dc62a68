package producerconsumer_test

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

	"github.com/concurrency-cookbook/cookbook/go/producerconsumer"
)

// TestMain fails the package if any test leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// puts returns a producer that puts items in order, each after sleeping delay (of virtual time
// under synctest), and gives up when ctx is done, as a producer must.
func puts(delay time.Duration, items ...int) producerconsumer.Producer[int] {
	return func(ctx context.Context, put func(int) error) {
		for _, it := range items {
			if delay > 0 {
				select {
				case <-time.After(delay):
				case <-ctx.Done():
					return
				}
			}
			if put(it) != nil {
				return
			}
		}
	}
}

// holding returns a consume function that holds each item for d, or until ctx is done, and
// returns it as its value.
func holding(d time.Duration) func(context.Context, int, int) (int, error) {
	return func(ctx context.Context, _ int, it int) (int, error) {
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
		return it, nil
	}
}

// values is the results' values, sorted, failing the test on a result with an error.
func values(t *testing.T, results []producerconsumer.Result[int, int]) []int {
	t.Helper()
	out := make([]int, 0, len(results))
	for _, r := range results {
		if r.Err != nil {
			t.Errorf("item %d: %v", r.Item, r.Err)
		}
		out = append(out, r.Value)
	}
	slices.Sort(out)
	return out
}

func span(from, to int) []int {
	out := []int{}
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

// The seeds' multi-consumer shutdown puts one sentinel per consumer, and one snippet puts one
// fewer than there are consumers: the last consumer waits forever, and the program with it.
// Closing the queue once every producer is done ends every consumer, for any counts: here
// every combination of none to three producers and one to five consumers, fewer items than
// consumers included. Under synctest a consumer left waiting would fail the test as a deadlock
// instead of hanging it.
func TestEveryCountEndsWithEveryItemOnce(t *testing.T) {
	for producers := range 4 {
		for consumers := 1; consumers <= 5; consumers++ {
			for _, q := range []struct {
				name string
				new  func(int) producerconsumer.Queue[int]
			}{{"fifo", producerconsumer.FIFO[int]}, {"lifo", producerconsumer.LIFO[int]}} {
				t.Run(fmt.Sprintf("%s/%d-producers/%d-consumers", q.name, producers, consumers), func(t *testing.T) {
					synctest.Test(t, func(t *testing.T) {
						ps := make([]producerconsumer.Producer[int], producers)
						for p := range ps {
							// Producer p puts p+1 items: 0, 1, 2 or 3 in all, fewer than the consumers.
							ps[p] = puts(time.Millisecond, span(10*p, 10*p+p+1)...)
						}
						results, err := producerconsumer.Run(t.Context(), q.new(2), ps, consumers, holding(5*time.Millisecond))
						if err != nil {
							t.Fatal(err)
						}
						var want []int
						for p := range producers {
							want = append(want, span(10*p, 10*p+p+1)...)
						}
						if got := values(t, results); !slices.Equal(got, want) {
							t.Errorf("values %v, want %v", got, want)
						}
					})
				})
			}
		}
	}
}

// With a capacity of 2 and one consumer that takes a second per item, the first three puts
// return at once (one item taken, two queued) and each later put waits for the consumer to
// take one: the full queue holds the producer back, exactly to the consumer's pace.
func TestFullQueueMakesTheProducerWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var returned []time.Duration
		producer := func(ctx context.Context, put func(int) error) {
			for i := range 6 {
				if put(i) != nil {
					return
				}
				returned = append(returned, time.Since(start))
			}
		}
		results, err := producerconsumer.Run(t.Context(), producerconsumer.FIFO[int](2), []producerconsumer.Producer[int]{producer}, 1, holding(time.Second))
		if err != nil || len(results) != 6 {
			t.Fatalf("Run = %d results, %v; want 6 and no error", len(results), err)
		}
		want := []time.Duration{0, 0, 0, time.Second, 2 * time.Second, 3 * time.Second}
		if !slices.Equal(returned, want) {
			t.Errorf("puts returned at %v, want %v", returned, want)
		}
		if got := time.Since(start); got != 6*time.Second {
			t.Errorf("Run took %v, want 6s: one consumer, six one-second items", got)
		}
	})
}

// A failing item's error is its result, and its consumer goes on: with one consumer, every item
// after the failing one is consumed by the very goroutine that saw the failure.
func TestFailingItemKeepsItsConsumer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errOdd := errors.New("odd")
		results, err := producerconsumer.Run(t.Context(), producerconsumer.FIFO[int](1), []producerconsumer.Producer[int]{puts(0, span(0, 6)...)}, 1,
			func(_ context.Context, _ int, it int) (int, error) {
				if it%2 == 1 {
					return 0, fmt.Errorf("item %d: %w", it, errOdd)
				}
				return it, nil
			})
		if err != nil || len(results) != 6 {
			t.Fatalf("Run = %d results, %v; want 6 and no error", len(results), err)
		}
		for _, r := range results {
			if odd := r.Item%2 == 1; odd != errors.Is(r.Err, errOdd) || (!odd && r.Value != r.Item) {
				t.Errorf("item %d = %d, %v", r.Item, r.Value, r.Err)
			}
		}
	})
}

// order returns the order in which one slow consumer takes item 0, put alone, and then items 1
// to 4, put together while it is busy with item 0.
func order(t *testing.T, q producerconsumer.Queue[int]) []int {
	var taken []int
	producer := func(ctx context.Context, put func(int) error) {
		if put(0) != nil {
			return
		}
		puts(10*time.Millisecond, 1)(ctx, put)
		puts(0, 2, 3, 4)(ctx, put)
	}
	_, err := producerconsumer.Run(t.Context(), q, []producerconsumer.Producer[int]{producer}, 1, func(ctx context.Context, c int, it int) (int, error) {
		taken = append(taken, it)
		return holding(time.Second)(ctx, c, it)
	})
	if err != nil {
		t.Fatal(err)
	}
	return taken
}

func TestFIFOTakesTheOldest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		if got := order(t, producerconsumer.FIFO[int](8)); !slices.Equal(got, []int{0, 1, 2, 3, 4}) {
			t.Errorf("taken in order %v, want 0 1 2 3 4", got)
		}
	})
}

func TestLIFOTakesTheNewest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		if got := order(t, producerconsumer.LIFO[int](8)); !slices.Equal(got, []int{0, 4, 3, 2, 1}) {
			t.Errorf("taken in order %v, want 0 4 3 2 1", got)
		}
	})
}

// The stack's capacity holds too: with room for 2, the third put waits for a get.
func TestLIFOPutWaitsForRoom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := producerconsumer.LIFO[int](2)
		ctx := t.Context()
		_ = q.Put(ctx, 1)
		_ = q.Put(ctx, 2)
		var third atomic.Bool
		var wg sync.WaitGroup
		wg.Go(func() {
			_ = q.Put(ctx, 3)
			third.Store(true)
		})
		synctest.Wait()
		if third.Load() {
			t.Fatal("a third put into a stack of 2 did not wait")
		}
		if v, ok := q.Get(ctx); !ok || v != 2 {
			t.Errorf("Get = %d, %v; want the newest, 2", v, ok)
		}
		wg.Wait()
		q.Close()
		var rest []int
		for v, ok := q.Get(ctx); ok; v, ok = q.Get(ctx) {
			rest = append(rest, v)
		}
		if !slices.Equal(rest, []int{3, 1}) {
			t.Errorf("after the close, Get drained %v, want 3 1", rest)
		}
	})
}

// Many producers and consumers on the real scheduler, under the race detector with just
// test-go: every item is consumed once, and the consumers never hold more than the queue let
// through at once.
func TestManyAtOnce(t *testing.T) {
	for _, q := range []producerconsumer.Queue[int]{producerconsumer.FIFO[int](3), producerconsumer.LIFO[int](3)} {
		ps := make([]producerconsumer.Producer[int], 8)
		for p := range ps {
			ps[p] = puts(0, span(p*250, (p+1)*250)...)
		}
		results, err := producerconsumer.Run(t.Context(), q, ps, 5, func(_ context.Context, _ int, it int) (int, error) { return it, nil })
		if err != nil {
			t.Fatal(err)
		}
		if got := values(t, results); !slices.Equal(got, span(0, 2000)) {
			t.Errorf("%d results, want every item of 0..1999 once", len(got))
		}
	}
}

// A cancellation stops the producers waiting on a full queue and the consumers waiting on an
// empty one alike, and Run returns with no goroutine left (TestMain's goleak check).
func TestCancelStopsEveryWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 1500*time.Millisecond)
		defer cancel()
		start := time.Now()
		ps := []producerconsumer.Producer[int]{puts(0, span(0, 100)...), puts(0, span(100, 200)...)}
		results, err := producerconsumer.Run(ctx, producerconsumer.FIFO[int](2), ps, 1, holding(time.Second))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want context.DeadlineExceeded", err)
		}
		if got := time.Since(start); got != 1500*time.Millisecond {
			t.Errorf("Run returned after %v, want 1.5s", got)
		}
		// The item in hand at 1s is cut short at 1.5s; nothing is taken after that.
		if len(results) != 2 {
			t.Errorf("%d results, want 2", len(results))
		}
	})
}

func TestZeroConsumersPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Run with 0 consumers did not panic")
		}
	}()
	producerconsumer.Run(t.Context(), producerconsumer.FIFO[int](1), nil, 0, holding(0))
}

func TestZeroCapacityPanics(t *testing.T) {
	for name, new := range map[string]func(int) producerconsumer.Queue[int]{"fifo": producerconsumer.FIFO[int], "lifo": producerconsumer.LIFO[int]} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s of capacity 0 did not panic", name)
				}
			}()
			new(0)
		}()
	}
}
