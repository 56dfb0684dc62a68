package throttle_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/concurrency-cookbook/cookbook/go/gate"
	"github.com/concurrency-cookbook/cookbook/go/throttle"
)

// TestMain fails the package if any test leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// decide throttles calls arriving at the given ticks (call i at ats[i]), lets time run on
// until nothing is pending, and describes each firing as "call@tick".
func decide(interval int64, edges throttle.Edge, ats ...int64) []string {
	w := throttle.NewWindow[int](interval, edges)
	var out []string
	keep := func(call int, at int64, fired bool) {
		if fired {
			out = append(out, fmt.Sprintf("%d@%d", call, at))
		}
	}
	for i, at := range ats {
		keep(w.Expire(at))
		keep(i, at, w.Call(at, i))
	}
	if due, pending := w.Due(); pending {
		keep(w.Expire(due))
	}
	return out
}

func TestDecisions(t *testing.T) {
	both := throttle.Leading | throttle.Trailing
	for _, tc := range []struct {
		name     string
		interval int64
		edges    throttle.Edge
		ats      []int64
		want     []string
	}{
		{"leading fires at once", 100, throttle.Leading, []int64{0, 10, 20, 150}, []string{"0@0", "3@150"}},
		{"leading only drops", 100, throttle.Leading, []int64{0, 30, 60, 90}, []string{"0@0"}},
		// The latest call of the window, not the first one dropped.
		{"trailing fires the last", 100, throttle.Trailing, []int64{0, 10, 20, 150}, []string{"2@100", "3@200"}},
		{"both edges", 100, both, []int64{0, 10, 50, 100, 150, 320}, []string{"0@0", "2@100", "4@200", "5@320"}},
		// The trailing firing at 100 opens a window of its own, so the call at 110 waits for
		// 200; a throttle that only remembers its last leading firing would fire it at once.
		{"trailing opens a window", 100, both, []int64{0, 90, 110, 190}, []string{"0@0", "1@100", "3@200"}},
		// At the end of a window a call is already outside it.
		{"call at the window end", 100, throttle.Leading, []int64{0, 100, 200, 299}, []string{"0@0", "1@100", "2@200"}},
		// Callers that arrive together: the first opens the window, the others are in it.
		{"simultaneous calls", 100, throttle.Leading, []int64{5, 5, 5, 5}, []string{"0@5"}},
		{"no calls", 100, both, nil, nil},
		{"near 2^53", 50, both, []int64{1<<53 - 101, 1<<53 - 91, 1<<53 - 52}, []string{"0@9007199254740891", "2@9007199254740941"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := decide(tc.interval, tc.edges, tc.ats...); !slices.Equal(got, tc.want) {
				t.Errorf("fired %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCallAfterTheEndPanics(t *testing.T) {
	w := throttle.NewWindow[int](10, throttle.Leading)
	w.Call(0, 0)
	defer func() {
		if recover() == nil {
			t.Error("Call at the window's end without Expire did not panic")
		}
	}()
	w.Call(10, 1)
}

func TestNeitherEdgePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewWindow with no edge did not panic")
		}
	}()
	throttle.NewWindow[int](10, 0)
}

// fired is a firing as the throttled function saw it: the call, when the throttle decided and
// when the run began, since the start.
type fired struct {
	call      int
	at, began time.Duration
}

// recorder is a throttled function that records every firing.
type recorder struct {
	start time.Time
	mu    sync.Mutex
	runs  []fired
}

func (r *recorder) run(f gate.Firing[int]) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.runs = append(r.runs, fired{f.Call, f.At.Sub(r.start), time.Since(r.start)})
	return nil
}

// sorted returns the firings in the order decided.
func (r *recorder) sorted() []fired {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.SortedFunc(slices.Values(r.runs), func(a, b fired) int { return int(a.at - b.at) })
}

// Eight callers that call at the same instant: the lock makes the decisions one at a time, so
// one opens the window and goes through, and on the trailing edge the latest of the others
// fires at its end. A throttle that read the last firing time, then slept the rest of the
// interval, then wrote the time, would let all eight see the same last time and go through.
func TestSimultaneousCallersGoThroughOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &recorder{start: time.Now()}
		th := throttle.New(40*time.Millisecond, throttle.Leading|throttle.Trailing, r.run)
		var callers sync.WaitGroup
		for c := range 8 {
			callers.Go(func() { th.Call(c) })
		}
		callers.Wait()
		if err := th.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		runs := r.sorted()
		if len(runs) != 2 || runs[0].at != 0 || runs[1].at != 40*time.Millisecond || runs[1].began != runs[1].at {
			t.Errorf("firings %+v; want one at 0 and the last caller's at 40ms", runs)
		}
	})
}

// On the virtual clock the live throttle fires exactly where the window does: callers every
// 7ms against an interval of 30ms, trailing only, fire at 30, 60, 90 with the latest call.
func TestLiveTrailingMatchesTheWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &recorder{start: time.Now()}
		th := throttle.New(30*time.Millisecond, throttle.Trailing, r.run)
		var ats []int64
		for i := range 10 {
			ats = append(ats, int64(i*7))
			th.Call(i)
			time.Sleep(7 * time.Millisecond)
		}
		if err := th.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range r.sorted() {
			got = append(got, fmt.Sprintf("%d@%d", f.call, f.at/time.Millisecond))
		}
		if want := decide(30, throttle.Trailing, ats...); !slices.Equal(got, want) {
			t.Errorf("fired %q, want the window's %q", got, want)
		}
	})
}
