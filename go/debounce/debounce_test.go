package debounce_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/concurrency-cookbook/cookbook/go/debounce"
	"github.com/concurrency-cookbook/cookbook/go/gate"
)

// TestMain fails the package if any test leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// decide debounces calls arriving at the given ticks (call i at ats[i]) and describes each
// firing as "call@tick".
func decide(quiet, maxWait int64, ats ...int64) []string {
	b := debounce.NewBurst[int](quiet, maxWait)
	var out []string
	keep := func(call int, at int64, fired bool) {
		if fired {
			out = append(out, fmt.Sprintf("%d@%d", call, at))
		}
	}
	for i, at := range ats {
		keep(b.Expire(at))
		b.Call(at, i)
	}
	if due, pending := b.Due(); pending {
		keep(b.Expire(due))
	}
	return out
}

func TestDecisions(t *testing.T) {
	for _, tc := range []struct {
		name           string
		quiet, maxWait int64
		ats            []int64
		want           []string
	}{
		{"fires after the quiet", 50, 0, []int64{0, 10, 20}, []string{"2@70"}},
		// From the latest call of the burst: measured from the first, it would fire at 50
		// in the middle of the burst.
		{"each call restarts the quiet", 50, 0, []int64{0, 40, 80, 120}, []string{"3@170"}},
		{"separate bursts", 50, 0, []int64{0, 10, 200, 210}, []string{"1@60", "3@260"}},
		// A call every 20ms against a quiet of 50 would never fire without the cap.
		{"max wait caps the delay", 50, 100, []int64{0, 20, 40, 60, 80, 100, 120, 140, 160, 180, 200, 220, 240, 260, 280}, []string{"4@100", "9@200", "14@300"}},
		// A call that arrives as the pending one falls due opens the next burst.
		{"due at an arrival", 50, 0, []int64{0, 50, 100}, []string{"0@50", "1@100", "2@150"}},
		{"no calls", 50, 0, nil, nil},
		{"one call", 50, 0, []int64{7}, []string{"0@57"}},
		{"near 2^53", 50, 70, []int64{1<<53 - 201, 1<<53 - 161, 1<<53 - 121, 1<<53 - 72}, []string{"1@9007199254740861", "3@9007199254740941"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := decide(tc.quiet, tc.maxWait, tc.ats...); !slices.Equal(got, tc.want) {
				t.Errorf("fired %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCallWhenDuePanics(t *testing.T) {
	b := debounce.NewBurst[int](10, 0)
	b.Call(0, 0)
	defer func() {
		if recover() == nil {
			t.Error("Call at the due time without Expire did not panic")
		}
	}()
	b.Call(10, 1)
}

func TestMaxWaitBelowQuietPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewBurst with maxWait below quiet did not panic")
		}
	}()
	debounce.NewBurst[int](50, 49)
}

// run is a run as the debounced function saw it, since the start.
type run struct {
	call                int
	at, began, finished time.Duration
}

// recorder is a debounced function that takes took, fails for the calls in fail, and records
// every run.
type recorder struct {
	start time.Time
	took  time.Duration
	fail  map[int]bool
	mu    sync.Mutex
	runs  []run
}

func (r *recorder) run(f gate.Firing[int]) error {
	began := time.Since(r.start)
	time.Sleep(r.took)
	r.mu.Lock()
	r.runs = append(r.runs, run{f.Call, f.At.Sub(r.start), began, time.Since(r.start)})
	r.mu.Unlock()
	if r.fail[f.Call] {
		return fmt.Errorf("call %d failed", f.Call)
	}
	return nil
}

// callAt calls d with call i at ats[i] since r's start.
func (r *recorder) callAt(d *gate.Gate[int], ats ...time.Duration) {
	for i, at := range ats {
		time.Sleep(time.Until(r.start.Add(at)))
		d.Call(i)
	}
}

func (r *recorder) sorted() []run {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.SortedFunc(slices.Values(r.runs), func(a, b run) int { return int(a.at - b.at) })
}

const ms = time.Millisecond

// Runs of 200ms against calls 100ms apart: each run finishes, beside the next one. A debouncer
// that cancels "its task" on every call, the task being the wait and the run together, cuts
// the run of call 0 off at 100ms.
func TestRunningCallIsNotCutOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &recorder{start: time.Now(), took: 200 * ms}
		d := debounce.New(30*ms, 0, r.run)
		r.callAt(d, 0, 100*ms, 300*ms)
		if err := d.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		want := []run{{0, 30 * ms, 30 * ms, 230 * ms}, {1, 130 * ms, 130 * ms, 330 * ms}, {2, 330 * ms, 330 * ms, 530 * ms}}
		if got := r.sorted(); !slices.Equal(got, want) {
			t.Errorf("runs %+v, want %+v", got, want)
		}
	})
}

// A run's error is reported by Wait, not lost in a goroutine nobody waits for.
func TestErrorIsReported(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &recorder{start: time.Now(), took: 20 * ms, fail: map[int]bool{1: true}}
		d := debounce.New(30*ms, 0, r.run)
		r.callAt(d, 0, 10*ms, 150*ms)
		if err := d.Wait(t.Context()); err == nil || err.Error() != "call 1 failed" {
			t.Errorf("Wait = %v, want call 1's error", err)
		}
		if got := r.sorted(); len(got) != 2 || got[0].call != 1 || got[1].call != 2 {
			t.Errorf("runs %+v, want calls 1 and 2", got)
		}
	})
}

// On the virtual clock the live debouncer fires exactly where Burst does, maximum wait
// included, even when a call falls on a due time.
func TestLiveMatchesTheBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &recorder{start: time.Now()}
		d := debounce.New(60*ms, 120*ms, r.run)
		var ats []time.Duration
		var ticks []int64
		for i := range 14 {
			ats, ticks = append(ats, time.Duration(i)*30*ms), append(ticks, int64(i)*30)
		}
		r.callAt(d, ats...)
		if err := d.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range r.sorted() {
			got = append(got, fmt.Sprintf("%d@%d", f.call, f.at/ms))
		}
		if want := decide(60, 120, ticks...); !slices.Equal(got, want) {
			t.Errorf("fired %q, want the burst's %q", got, want)
		}
	})
}
