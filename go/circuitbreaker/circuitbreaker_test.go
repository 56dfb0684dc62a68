package circuitbreaker_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/concurrency-cookbook/cookbook/go/circuitbreaker"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// call is an instantaneous call at tick at that fails or not if it runs.
type call struct {
	at   int64
	fail bool
}

// decide runs calls in order through one machine and describes what it did: each decision, then
// each change as "state@tick".
func decide(s circuitbreaker.Settings, calls ...call) (decisions, changes []string) {
	m := circuitbreaker.NewMachine(s, func(c circuitbreaker.Change) {
		changes = append(changes, fmt.Sprintf("%s@%d", c.To, c.At))
	})
	for _, c := range calls {
		ticket, ok := m.Allow(c.at)
		if !ok {
			decisions = append(decisions, "rejected")
			continue
		}
		decisions = append(decisions, "ran")
		m.Done(ticket, c.at, c.fail)
	}
	return decisions, changes
}

func fails(ats ...int64) []call {
	out := make([]call, len(ats))
	for i, at := range ats {
		out[i] = call{at, true}
	}
	return out
}

func oks(ats ...int64) []call {
	out := fails(ats...)
	for i := range out {
		out[i].fail = false
	}
	return out
}

func TestDecisions(t *testing.T) {
	s := circuitbreaker.Settings{FailureThreshold: 3, Window: 100, OpenFor: 200, HalfOpenProbes: 2}
	one := s
	one.HalfOpenProbes = 1
	for _, tc := range []struct {
		name      string
		settings  circuitbreaker.Settings
		calls     []call
		decisions []string
		changes   []string
	}{
		{"under the threshold", s, append(fails(0, 10), oks(20, 30)...), []string{"ran", "ran", "ran", "ran"}, nil},
		{"opens at the threshold", s, append(fails(0, 10, 20), oks(30, 40)...), []string{"ran", "ran", "ran", "rejected", "rejected"}, []string{"open@20"}},
		// A count that never ages out would open at 100, on failures from long before.
		{"failures outside the window", s, fails(0, 50, 100, 150), []string{"ran", "ran", "ran", "ran"}, nil},
		{"half-open after openMs", s, append(fails(0, 1, 2), oks(201, 202, 203)...), []string{"ran", "ran", "ran", "rejected", "ran", "ran"}, []string{"open@2", "half-open@202", "closed@203"}},
		// A probe's failure opens the breaker again at once; left half-open, it would let the
		// next probe hit the failing dependency too.
		{"probe failure reopens", s, append(fails(0, 1, 2, 210), oks(300, 411)...), []string{"ran", "ran", "ran", "ran", "rejected", "ran"}, []string{"open@2", "half-open@202", "open@210", "half-open@410"}},
		// The failures at 0, 1 and 2 are forgotten when it closes at 205: with them, the two
		// at 206 and 207 would open it again.
		{"closing forgets failures", one, append(append(fails(0, 1, 2), oks(205)...), append(fails(206, 207), oks(208)...)...), []string{"ran", "ran", "ran", "ran", "ran", "ran", "ran"}, []string{"open@2", "half-open@202", "closed@205"}},
		// Half-open from the instant openMs is up, before the call that arrives then.
		{"change at the instant", one, append(fails(0, 0, 0), oks(200)...), []string{"ran", "ran", "ran", "ran"}, []string{"open@0", "half-open@200", "closed@200"}},
		{"no calls", s, nil, nil, nil},
		{"near 2^53", s, append(fails(1<<53-301, 1<<53-300, 1<<53-299), oks(1<<53-100, 1<<53-99, 1<<53-98)...), []string{"ran", "ran", "ran", "rejected", "ran", "ran"},
			[]string{"open@9007199254740693", "half-open@9007199254740893", "closed@9007199254740894"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			decisions, changes := decide(tc.settings, tc.calls...)
			if !slices.Equal(decisions, tc.decisions) || !slices.Equal(changes, tc.changes) {
				t.Errorf("decisions %q, changes %q; want %q, %q", decisions, changes, tc.decisions, tc.changes)
			}
		})
	}
}

// Half-open, a probe takes a slot when it is let through and gives it back when it is done:
// with 2 slots, a third call is rejected while two run, and let through once one is done.
func TestProbesTakeSlots(t *testing.T) {
	m := circuitbreaker.NewMachine(circuitbreaker.Settings{FailureThreshold: 1, Window: 10, OpenFor: 10, HalfOpenProbes: 2}, nil)
	ticket, _ := m.Allow(0)
	m.Done(ticket, 0, true)
	first, ok1 := m.Allow(10)
	_, ok2 := m.Allow(10)
	if _, ok3 := m.Allow(11); !ok1 || !ok2 || ok3 {
		t.Fatalf("let through %v, %v, %v; want the first two only", ok1, ok2, ok3)
	}
	m.Done(first, 12, false)
	if _, ok := m.Allow(13); !ok {
		t.Error("a probe was rejected with a slot free")
	}
}

// A call let through while closed that fails after the breaker opened is about a state that is
// gone: counted, it would hold the breaker open longer on one old failure.
func TestStaleResultsAreIgnored(t *testing.T) {
	var changes []circuitbreaker.Change
	m := circuitbreaker.NewMachine(circuitbreaker.Settings{FailureThreshold: 1, Window: 10, OpenFor: 10, HalfOpenProbes: 1},
		func(c circuitbreaker.Change) { changes = append(changes, c) })
	slow, _ := m.Allow(0)
	quick, _ := m.Allow(0)
	m.Done(quick, 1, true)
	m.Done(slow, 9, true)
	if want := []circuitbreaker.Change{{At: 1, To: circuitbreaker.Open}}; !slices.Equal(changes, want) {
		t.Errorf("changes %v, want %v", changes, want)
	}
}

var errDown = errors.New("503 down")

// Six callers at once against a breaker that has just become half-open: two probes run, the
// four others are rejected while they run, and the two successes close it. The check of the
// state and the taking of a slot are one step under the lock; made apart, every caller could
// see a free slot before any took one.
func TestLiveProbesLimited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var changes []string
		start := time.Now()
		b := circuitbreaker.New(circuitbreaker.Settings{FailureThreshold: 1, Window: int64(time.Second), OpenFor: int64(80 * time.Millisecond), HalfOpenProbes: 2},
			func(to circuitbreaker.State, at time.Time) {
				mu.Lock()
				defer mu.Unlock()
				changes = append(changes, fmt.Sprintf("%s@%v", to, at.Sub(start)))
			})
		if _, err := b.Do(func() error { return errDown }); !errors.Is(err, errDown) {
			t.Fatal(err)
		}
		time.Sleep(80 * time.Millisecond)
		var ran, rejected, running, most atomic.Int32
		var callers sync.WaitGroup
		for range 6 {
			callers.Go(func() {
				_, err := b.Do(func() error {
					n := running.Add(1)
					most.Store(max(most.Load(), n))
					time.Sleep(40 * time.Millisecond)
					running.Add(-1)
					ran.Add(1)
					return nil
				})
				if errors.Is(err, circuitbreaker.ErrOpen) {
					rejected.Add(1)
				}
			})
		}
		callers.Wait()
		if ran.Load() != 2 || rejected.Load() != 4 || most.Load() != 2 {
			t.Errorf("%d ran, %d rejected, %d at once; want 2, 4 and 2", ran.Load(), rejected.Load(), most.Load())
		}
		if want := []string{"open@0s", "half-open@80ms", "closed@120ms"}; !slices.Equal(changes, want) {
			t.Errorf("changes %q, want %q", changes, want)
		}
	})
}

// A probe that panics counts as a failure and gives its slot back: otherwise the breaker would
// stay half-open, its only slot held, and reject every call for good.
func TestPanicCountsAsFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := circuitbreaker.New(circuitbreaker.Settings{FailureThreshold: 1, Window: int64(time.Second), OpenFor: int64(time.Second), HalfOpenProbes: 1}, nil)
		b.Do(func() error { return errDown })
		time.Sleep(time.Second)
		func() {
			defer func() { _ = recover() }()
			b.Do(func() error { panic("probe panicked") })
		}()
		if _, err := b.Do(func() error { return nil }); !errors.Is(err, circuitbreaker.ErrOpen) {
			t.Errorf("right after the panic: %v, want ErrOpen: the panic reopened the breaker", err)
		}
		time.Sleep(time.Second)
		if _, err := b.Do(func() error { return nil }); err != nil {
			t.Errorf("a second later: %v, want the probe to run", err)
		}
	})
}
