package fanin_test

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

	"github.com/concurrency-cookbook/cookbook/go/fanin"
)

// TestMain fails the package if any test leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type item struct{ source, index int }

// source yields item i of source s after sleeping delays[i], stopping early when ctx is done:
// it owns its channel, so it closes it.
func source(ctx context.Context, s int, delays ...time.Duration) <-chan item {
	ch := make(chan item)
	go func() {
		defer close(ch)
		for i, d := range delays {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return
			}
			select {
			case ch <- item{s, i}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}

func repeat(d time.Duration, n int) []time.Duration {
	return slices.Repeat([]time.Duration{d}, n)
}

// Under synctest the clock is virtual, so every item must arrive at exactly the moment its
// source yields it: a merge that drained one source after the other would deliver the fast
// source's items late.
func TestMergeHoldsNothingBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		start := time.Now()
		merged := fanin.Merge(ctx,
			source(ctx, 0, repeat(100*time.Millisecond, 4)...),
			source(ctx, 1, repeat(10*time.Millisecond, 5)...),
		)
		step := []time.Duration{100 * time.Millisecond, 10 * time.Millisecond}
		var got []item
		for it := range merged {
			got = append(got, it)
			want := time.Duration(it.index+1) * step[it.source]
			if at := time.Since(start); at != want {
				t.Errorf("source %d item %d arrived at %v, want %v", it.source, it.index, at, want)
			}
		}
		if len(got) != 9 {
			t.Errorf("received %v, want 9 items", got)
		}
	})
}

// Each source's items keep their order and every item arrives once, however the sources
// interleave; this one runs on the real scheduler, with every item ready at once.
func TestMergeKeepsEachSourcesOrder(t *testing.T) {
	const sources, perSource = 16, 200
	chans := make([]<-chan item, sources)
	for s := range chans {
		chans[s] = source(t.Context(), s, repeat(0, perSource)...)
	}
	next := make([]int, sources)
	for it := range fanin.Merge(t.Context(), chans...) {
		if it.index != next[it.source] {
			t.Fatalf("source %d: item %d arrived where item %d was due", it.source, it.index, next[it.source])
		}
		next[it.source]++
	}
	if !slices.Equal(next, slices.Repeat([]int{perSource}, sources)) {
		t.Errorf("items received per source: %v, want %d each", next, perSource)
	}
}

func TestMergeNoSources(t *testing.T) {
	for it := range fanin.Merge[int](t.Context()) {
		t.Errorf("received %v from no sources", it)
	}
}

// A cancelled merge closes its channel, and neither its goroutines nor the sources' outlive it
// (TestMain's goleak check).
func TestMergeCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 250*time.Millisecond)
		defer cancel()
		start := time.Now()
		merged := fanin.Merge(ctx,
			source(ctx, 0, repeat(100*time.Millisecond, 100)...),
			source(ctx, 1, repeat(time.Hour, 1)...),
		)
		n := 0
		for range merged {
			n++
		}
		if n != 2 || time.Since(start) != 250*time.Millisecond {
			t.Errorf("%d items, closed after %v; want 2 items and 250ms", n, time.Since(start))
		}
	})
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

type call struct {
	sleep time.Duration
	fail  bool
}

// caller returns a function that holds its slot for c.sleep (or until ctx is done), then fails
// if c.fail: its value is the sleep in milliseconds.
func caller(g *gauge) func(context.Context, call) (int, error) {
	return func(ctx context.Context, c call) (int, error) {
		g.enter()
		defer g.leave()
		select {
		case <-time.After(c.sleep):
		case <-ctx.Done():
			return 0, ctx.Err()
		}
		if c.fail {
			return 0, fmt.Errorf("call of %v failed", c.sleep)
		}
		return int(c.sleep / time.Millisecond), nil
	}
}

func TestGatherInInputOrderWithinTheLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g gauge
		calls := []call{{60 * time.Millisecond, false}, {50 * time.Millisecond, true}, {40 * time.Millisecond, false}, {30 * time.Millisecond, false}, {20 * time.Millisecond, false}}
		start := time.Now()
		results := fanin.Gather(t.Context(), 2, calls, caller(&g))
		// Slots: 60 | 50, then 40 at 50, 30 at 60, 20 at 90: done at 110.
		if got := time.Since(start); got != 110*time.Millisecond {
			t.Errorf("took %v, want 110ms", got)
		}
		if g.max.Load() != 2 || g.now.Load() != 0 {
			t.Errorf("max in flight %d, running after %d; want 2 and 0", g.max.Load(), g.now.Load())
		}
		for i, r := range results {
			wantErr := calls[i].fail
			if (r.Err != nil) != wantErr || (!wantErr && r.Value != int(calls[i].sleep/time.Millisecond)) {
				t.Errorf("result %d = %+v, want the value or error of call %d", i, r, i)
			}
		}
	})
}

func TestGatherEmpty(t *testing.T) {
	if results := fanin.Gather(t.Context(), 3, nil, caller(new(gauge))); len(results) != 0 {
		t.Errorf("results = %v, want none", results)
	}
}

// The failure at 30ms cancels the calls in flight, starts none of the others, and the gather
// returns then, with nothing left running.
func TestGatherFailFastCancelsTheRest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g gauge
		var started atomic.Int64
		fn := caller(&g)
		counted := func(ctx context.Context, c call) (int, error) {
			started.Add(1)
			return fn(ctx, c)
		}
		calls := []call{{time.Hour, false}, {30 * time.Millisecond, true}, {time.Hour, false}, {time.Hour, false}, {time.Hour, false}}
		start := time.Now()
		values, err := fanin.GatherFailFast(t.Context(), 3, calls, counted)
		if err == nil || err.Error() != "call of 30ms failed" || values != nil {
			t.Errorf("GatherFailFast = %v, %v; want the failure", values, err)
		}
		if got := time.Since(start); got != 30*time.Millisecond {
			t.Errorf("returned after %v, want 30ms", got)
		}
		if started.Load() != 3 || g.now.Load() != 0 {
			t.Errorf("%d calls started, %d running after; want 3 and 0", started.Load(), g.now.Load())
		}
	})
}

func TestGatherFailFastWithoutFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := []call{{30 * time.Millisecond, false}, {10 * time.Millisecond, false}, {20 * time.Millisecond, false}}
		values, err := fanin.GatherFailFast(t.Context(), 2, calls, caller(new(gauge)))
		if err != nil || !slices.Equal(values, []int{30, 10, 20}) {
			t.Errorf("GatherFailFast = %v, %v; want [30 10 20] in input order", values, err)
		}
	})
}

// A cancellation from outside stops the fail-fast gather too, with the context's error.
func TestGatherFailFastCancelledFromOutside(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		_, err := fanin.GatherFailFast(ctx, 2, []call{{time.Hour, false}, {time.Hour, false}, {time.Hour, false}}, caller(new(gauge)))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want context.DeadlineExceeded", err)
		}
	})
}

// panicsAfter returns fn, except that a call of sleep d panics once it has slept, out of its
// slot as a panicking job would be.
func panicsAfter(d time.Duration, fn func(context.Context, call) (int, error)) func(context.Context, call) (int, error) {
	return func(ctx context.Context, c call) (int, error) {
		v, err := fn(ctx, c)
		if c.sleep == d && err == nil {
			panic(fmt.Sprintf("call of %v panicked", d))
		}
		return v, err
	}
}

// A call that panics has a *PanicError as its result, and the gather keeps every other result.
func TestGatherKeepsAPanicAsItsResult(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := []call{{10 * time.Millisecond, false}, {20 * time.Millisecond, false}, {30 * time.Millisecond, false}}
		results := fanin.Gather(t.Context(), 2, calls, panicsAfter(20*time.Millisecond, caller(new(gauge))))
		var pe *fanin.PanicError
		if !errors.As(results[1].Err, &pe) || pe.Value != "call of 20ms panicked" || len(pe.Stack) == 0 {
			t.Errorf("result 1 = %+v, want a *PanicError with the panic's value and stack", results[1])
		}
		if results[0] != (fanin.Result[int]{Value: 10}) || results[2] != (fanin.Result[int]{Value: 30}) {
			t.Errorf("results 0 and 2 = %+v, %+v; want 10 and 30", results[0], results[2])
		}
	})
}

// With fail-fast a panic is the failure: it cancels the calls in flight and starts no other.
func TestGatherFailFastOnAPanic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g gauge
		var started atomic.Int64
		fn := panicsAfter(30*time.Millisecond, caller(&g))
		counted := func(ctx context.Context, c call) (int, error) {
			started.Add(1)
			return fn(ctx, c)
		}
		calls := []call{{time.Hour, false}, {30 * time.Millisecond, false}, {time.Hour, false}, {time.Hour, false}}
		start := time.Now()
		_, err := fanin.GatherFailFast(t.Context(), 3, calls, counted)
		if pe := (*fanin.PanicError)(nil); !errors.As(err, &pe) || pe.Value != "call of 30ms panicked" {
			t.Errorf("err = %v, want the call's panic", err)
		}
		if got := time.Since(start); got != 30*time.Millisecond {
			t.Errorf("returned after %v, want 30ms", got)
		}
		if started.Load() != 3 || g.now.Load() != 0 {
			t.Errorf("%d calls started, %d running after; want 3 and 0", started.Load(), g.now.Load())
		}
	})
}
