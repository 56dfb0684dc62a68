package firstcompleted_test

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

	"github.com/concurrency-cookbook/cookbook/go/firstcompleted"
)

// TestMain fails the package if any test leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// calls records what the calls of one test did: which started, and which were cancelled.
type calls struct {
	started, cancelled atomic.Int32
}

// call returns a call that works for d, or until its context ends, then fails if fail is set,
// else returns id.
func (c *calls) call(id int, d time.Duration, fail bool) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		c.started.Add(1)
		select {
		case <-time.After(d):
		case <-ctx.Done():
			c.cancelled.Add(1)
			return 0, ctx.Err()
		}
		if fail {
			return 0, fmt.Errorf("call %d failed", id)
		}
		return id, nil
	}
}

// Under synctest the clock is virtual: each function returns at the very instant its answer
// comes in, which is also when every loser has stopped.
func TestRaceFirstToFinish(t *testing.T) {
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprint("fail=", fail), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var c calls
				start := time.Now()
				r := firstcompleted.Race(t.Context(), c.call(0, ms(300), false), c.call(1, ms(20), fail), c.call(2, ms(200), false))
				// A race is settled by the first to finish, failed or not.
				if r.Index != 1 || (r.Err != nil) != fail {
					t.Errorf("Race = %+v, want call 1's result", r)
				}
				if elapsed := time.Since(start); elapsed != ms(20) || c.cancelled.Load() != 2 {
					t.Errorf("returned after %v with %d calls cancelled; want 20ms and 2", elapsed, c.cancelled.Load())
				}
			})
		})
	}
}

// Any skips failures: the first success is the answer, however many failed before it.
func TestAnySkipsFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var c calls
		start := time.Now()
		r, err := firstcompleted.Any(t.Context(), c.call(0, ms(20), true), c.call(1, ms(80), false), c.call(2, ms(300), false))
		if err != nil || r.Index != 1 || r.Value != 1 {
			t.Errorf("Any = %+v, %v; want call 1's value", r, err)
		}
		if elapsed := time.Since(start); elapsed != ms(80) || c.cancelled.Load() != 1 {
			t.Errorf("returned after %v with %d calls cancelled; want 80ms and 1", elapsed, c.cancelled.Load())
		}
	})
}

// When every call fails, every error comes back, in input order, not in the order they came.
func TestAnyAllFail(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var c calls
		_, err := firstcompleted.Any(t.Context(), c.call(0, ms(80), true), c.call(1, ms(20), true), c.call(2, ms(50), true))
		if got := messages(err); !slices.Equal(got, []string{"call 0 failed", "call 1 failed", "call 2 failed"}) {
			t.Errorf("errors %q, want every call's in input order", got)
		}
	})
}

// messages is the messages of the errors err joins.
func messages(err error) []string {
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return nil
	}
	var out []string
	for _, e := range joined.Unwrap() {
		out = append(out, e.Error())
	}
	return out
}

// Pitfall: Any written as Race. The first call to finish failed, and a race takes it.
func TestPitfallRaceIsNotAny(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var c calls
		if r := firstcompleted.Race(t.Context(), c.call(0, ms(20), true), c.call(1, ms(80), false)); r.Err == nil {
			t.Errorf("Race = %+v, want the early failure", r)
		}
	})
}

func TestHedge(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		after                   time.Duration
		primary, backup         time.Duration
		primaryFails            bool
		wantIndex               int
		wantHedged              bool
		wantElapsed             time.Duration
		wantStarted, wantCancel int32
	}{
		// The primary answers before the delay: the backup never starts, and costs nothing.
		{"not needed", ms(150), ms(20), ms(10), false, 0, false, ms(20), 1, 0},
		// The primary is late: the backup starts at the delay, wins, and the primary is cancelled.
		{"backup wins", ms(60), ms(3000), ms(30), false, 1, true, ms(90), 2, 1},
		// The backup has started, but the primary still answers first.
		{"primary still wins", ms(50), ms(100), ms(3000), false, 0, true, ms(100), 2, 1},
		// A primary that fails before the delay starts the backup at once, not at the delay.
		{"after a fast failure", ms(400), ms(20), ms(30), true, 1, true, ms(50), 2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var c calls
				start := time.Now()
				r, hedged, err := firstcompleted.Hedge(t.Context(), tc.after, c.call(0, tc.primary, tc.primaryFails), c.call(1, tc.backup, false))
				if err != nil || r.Index != tc.wantIndex || hedged != tc.wantHedged {
					t.Errorf("Hedge = %+v, %v, %v; want call %d, hedged %v", r, hedged, err, tc.wantIndex, tc.wantHedged)
				}
				if elapsed := time.Since(start); elapsed != tc.wantElapsed {
					t.Errorf("returned after %v, want %v", elapsed, tc.wantElapsed)
				}
				if c.started.Load() != tc.wantStarted || c.cancelled.Load() != tc.wantCancel {
					t.Errorf("%d calls started and %d cancelled, want %d and %d", c.started.Load(), c.cancelled.Load(), tc.wantStarted, tc.wantCancel)
				}
			})
		})
	}
}

// Both calls of a hedge fail: both errors come back, the primary's first, although the backup's
// came first.
func TestHedgeBothFail(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var c calls
		_, hedged, err := firstcompleted.Hedge(t.Context(), ms(30), c.call(0, ms(80), true), c.call(1, ms(20), true))
		if got := messages(err); !hedged || !slices.Equal(got, []string{"call 0 failed", "call 1 failed"}) {
			t.Errorf("hedged %v, errors %q; want hedged and both errors, the primary's first", hedged, got)
		}
	})
}

// A caller that gives up cancels every call, and the functions return once all have stopped.
func TestCallerCancels(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(ms(10), cancel)
		var c calls
		_, err := firstcompleted.Any(ctx, c.call(0, time.Hour, false), c.call(1, time.Hour, false))
		if !errors.Is(err, context.Canceled) || c.cancelled.Load() != 2 {
			t.Errorf("err %v with %d calls cancelled; want context.Canceled for both", err, c.cancelled.Load())
		}
	})
}

// Pitfall: a race on a result channel without room. The first result is taken, and each loser
// then blocks forever on its send: a goroutine leaked per call. (Race gives the channel room for
// every result; goleak, in TestMain, would catch the leak.)
func TestPitfallResultsWithoutRoom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		results := make(chan int)
		var returned atomic.Int32
		for i := range 3 {
			go func() {
				defer returned.Add(1)
				time.Sleep(ms(10 * (i + 1)))
				results <- i
			}()
		}
		if first := <-results; first != 0 {
			t.Fatalf("first = %d, want 0", first)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if returned.Load() != 1 {
			t.Errorf("%d of 3 goroutines returned, want only the winner: the losers are stuck on their send", returned.Load())
		}
		// Released here, or the bubble would never end.
		<-results
		<-results
	})
}
