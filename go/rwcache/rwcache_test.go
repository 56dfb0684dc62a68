package rwcache_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/concurrency-cookbook/cookbook/go/rwcache"
)

// TestMain fails the package if any test leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// holders counts who holds the cache's lock, and fails the test the moment a writer shares it.
type holders struct {
	t                           *testing.T
	mu                          sync.Mutex
	readers, writers, mostReads int
}

// trace returns hooks that count the holders and keep the lock for hold once they have it.
func (h *holders) trace(ctx context.Context, hold time.Duration) context.Context {
	count := func(m rwcache.Mode, delta int) {
		h.mu.Lock()
		defer h.mu.Unlock()
		if m == rwcache.Write {
			h.writers += delta
		} else {
			h.readers += delta
		}
		h.mostReads = max(h.mostReads, h.readers)
		if h.writers > 1 || h.writers == 1 && h.readers > 0 {
			h.t.Errorf("a writer shares the lock: %d writers, %d readers", h.writers, h.readers)
		}
	}
	return rwcache.WithTrace(ctx, &rwcache.Trace{
		LockHeld: func(m rwcache.Mode) {
			count(m, +1)
			time.Sleep(hold)
		},
		LockRelease: func(m rwcache.Mode) { count(m, -1) },
	})
}

// Under synctest the clock is virtual: four readers that each hold the lock for a second are
// done in exactly one second only if they shared it.
func TestReadersShareTheLock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := rwcache.New[int, string]()
		h := &holders{t: t}
		ctx := h.trace(t.Context(), time.Second)
		start := time.Now()
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() { c.Get(ctx, 1) })
		}
		wg.Wait()
		if got := time.Since(start); got != time.Second || h.mostReads != 4 {
			t.Errorf("4 one-second reads took %v with at most %d at once; want 1s and 4", got, h.mostReads)
		}
	})
}

// A waiter on a sync.RWMutex is not durably blocked in a synctest bubble, so virtual time
// cannot pass while one waits on a holder that sleeps: the two tests below run on the real
// clock, with exact safety and a liveness that does not depend on the machine's speed.

// Writers and readers that hold the lock for a while each never find a writer sharing it.
func TestWriterExcludesEveryone(t *testing.T) {
	c := rwcache.New[int, string]()
	h := &holders{t: t}
	ctx := h.trace(t.Context(), time.Millisecond)
	var wg sync.WaitGroup
	for k := range 4 {
		wg.Go(func() {
			for range 10 {
				c.Set(ctx, k, "v")
			}
		})
		wg.Go(func() {
			for range 10 {
				c.Get(ctx, k)
			}
		})
	}
	wg.Wait()
}

// Readers that overlap one another never leave the lock free; the writer must still get in
// while they go on reading, not once they are done.
func TestWriterNotStarved(t *testing.T) {
	c := rwcache.New[int, string]()
	h := &holders{t: t}
	ctx := h.trace(t.Context(), 20*time.Millisecond)
	var written atomic.Bool
	var readsAfter atomic.Int64
	var wg sync.WaitGroup
	for r := range 4 {
		wg.Go(func() {
			time.Sleep(time.Duration(r) * 5 * time.Millisecond)
			for range 12 {
				c.Get(ctx, 1)
				if written.Load() {
					readsAfter.Add(1)
				}
			}
		})
	}
	time.Sleep(30 * time.Millisecond)
	c.Set(t.Context(), 1, "writer-got-in")
	written.Store(true)
	wg.Wait()
	if readsAfter.Load() == 0 {
		t.Error("the writer got the lock only once every reader was done")
	}
}

// computer counts its computes, each of which takes d.
type computer struct{ calls atomic.Int64 }

func (c *computer) fn(d time.Duration, value string) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		c.calls.Add(1)
		time.Sleep(d)
		return value, nil
	}
}

func TestConcurrentMissesComputeOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := rwcache.New[int, string]()
		var comp computer
		start := time.Now()
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() {
				v, err := c.GetOrCompute(t.Context(), 7, comp.fn(50*time.Millisecond, "seven"))
				if v != "seven" || err != nil {
					t.Errorf("GetOrCompute = %q, %v", v, err)
				}
			})
		}
		wg.Wait()
		if comp.calls.Load() != 1 || time.Since(start) != 50*time.Millisecond {
			t.Errorf("%d computes in %v; want 1 in 50ms", comp.calls.Load(), time.Since(start))
		}
		// A hit computes nothing.
		if v, _ := c.GetOrCompute(t.Context(), 7, comp.fn(0, "again")); v != "seven" || comp.calls.Load() != 1 {
			t.Errorf("a hit returned %q after %d computes", v, comp.calls.Load())
		}
	})
}

func TestMissesOfDifferentKeysOverlap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := rwcache.New[int, string]()
		var comp computer
		start := time.Now()
		var wg sync.WaitGroup
		for k := range 4 {
			wg.Go(func() { c.GetOrCompute(t.Context(), k, comp.fn(60*time.Millisecond, "v")) })
		}
		wg.Wait()
		if got := time.Since(start); got != 60*time.Millisecond {
			t.Errorf("4 computes of 60ms on different keys took %v, want 60ms", got)
		}
	})
}

// A set that lands while the key is being computed wins: the compute's value is not stored over
// it, and the compute's callers return it.
func TestSetDuringComputeWins(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := rwcache.New[int, string]()
		var comp computer
		go func() {
			time.Sleep(20 * time.Millisecond)
			c.Set(t.Context(), 5, "set-first")
		}()
		v, err := c.GetOrCompute(t.Context(), 5, comp.fn(80*time.Millisecond, "computed"))
		if got, _ := c.Get(t.Context(), 5); v != "set-first" || err != nil || got != "set-first" {
			t.Errorf("GetOrCompute = %q, %v, then Get = %q; want set-first throughout", v, err, got)
		}
	})
}

func TestFailedComputeIsNotCached(t *testing.T) {
	c := rwcache.New[string, int]()
	boom := errors.New("boom")
	_, err := c.GetOrCompute(t.Context(), "k", func(context.Context) (int, error) { return 0, boom })
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want boom", err)
	}
	v, err := c.GetOrCompute(t.Context(), "k", func(context.Context) (int, error) { return 42, nil })
	if v != 42 || err != nil {
		t.Errorf("after a failure, GetOrCompute = %d, %v; want a new compute's 42", v, err)
	}
}

// A caller that gives up waiting does not cancel the compute: it still fills the cache.
func TestCancelledWaiterLeavesTheComputeRunning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := rwcache.New[int, string]()
		var comp computer
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
		defer cancel()
		if _, err := c.GetOrCompute(ctx, 1, comp.fn(time.Second, "late")); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want context.DeadlineExceeded", err)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if v, ok := c.Get(t.Context(), 1); v != "late" || !ok {
			t.Errorf("Get = %q, %v; want the compute's value", v, ok)
		}
	})
}

func TestSnapshot(t *testing.T) {
	c := rwcache.New[int, string]()
	c.Set(t.Context(), 1, "a")
	snap := c.Snapshot(t.Context())
	c.Set(t.Context(), 2, "b")
	if len(snap) != 1 || snap[1] != "a" {
		t.Errorf("snapshot = %v, want only 1: a", snap)
	}
}
