package limiter_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/concurrency-cookbook/cookbook/go/limiter"
	"github.com/concurrency-cookbook/cookbook/go/slidingwindow"
	"github.com/concurrency-cookbook/cookbook/go/tokenbucket"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// admitAll has callers goroutines call Wait perCaller times each, back to back, and returns
// every admission, relative to start, in time order.
func admitAll(t *testing.T, l *limiter.Limiter, callers, perCaller int) []time.Duration {
	start := time.Now()
	var mu sync.Mutex
	var at []time.Duration
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			for range perCaller {
				a, err := l.Wait(t.Context())
				if err != nil {
					t.Error(err)
					return
				}
				if a.Requested.After(a.At) || a.Woke.Before(a.At) {
					t.Errorf("asked at %v, admitted at %v, woke at %v", a.Requested, a.At, a.Woke)
				}
				mu.Lock()
				at = append(at, a.At.Sub(start))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(at)
	return at
}

func ms(values ...int) []time.Duration {
	out := make([]time.Duration, len(values))
	for i, v := range values {
		out[i] = time.Duration(v) * time.Millisecond
	}
	return out
}

// Under synctest the clock is virtual, so the admissions are exactly the policy's: the burst of
// 3 at once, then one every 20ms.
func TestTokenBucketLive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := limiter.New(tokenbucket.New(1, int64(20*time.Millisecond), 3))
		got := admitAll(t, l, 4, 3)
		if want := ms(0, 0, 0, 20, 40, 60, 80, 100, 120, 140, 160, 180); !slices.Equal(got, want) {
			t.Errorf("admissions at %v, want %v", got, want)
		}
	})
}

func TestSlidingWindowLive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := limiter.New(slidingwindow.New(3, int64(60*time.Millisecond)))
		got := admitAll(t, l, 4, 3)
		if want := ms(0, 0, 0, 60, 60, 60, 120, 120, 120, 180, 180, 180); !slices.Equal(got, want) {
			t.Errorf("admissions at %v, want %v", got, want)
		}
	})
}

// A caller whose context ends before its admission stops waiting at once.
func TestWaitCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := limiter.New(tokenbucket.New(1, int64(time.Hour), 1))
		if _, err := l.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start := time.Now()
		if _, err := l.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != time.Second {
			t.Errorf("Wait = %v after %v; want context.DeadlineExceeded after 1s", err, time.Since(start))
		}
	})
}
