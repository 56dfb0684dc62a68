package slidingwindow_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"go.uber.org/goleak"

	"github.com/concurrency-cookbook/cookbook/go/slidingwindow"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// inWindow counts the admissions of log in the window at t: those at a with t - a < window,
// a <= t. It never prunes, so it shares no mistake with the log's own bookkeeping.
func inWindow(log []int64, t, window int64) (n int64, oldest int64) {
	oldest = -1
	for _, a := range log {
		if a <= t && t-a < window {
			if oldest < 0 {
				oldest = a
			}
			n++
		}
	}
	return n, oldest
}

func TestDecideMatchesACountOfTheWindow(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		limit, window := 1+rng.Int64N(5), 1+rng.Int64N(100)
		w := slidingwindow.New(limit, window)
		var admitted []int64
		var now int64
		for n := range 60 {
			now += rng.Int64N(window/2 + 1)
			got, wait := w.Decide(now)
			count, oldest := inWindow(admitted, now, window)
			want, wantWait := count < limit, int64(0)
			if want {
				admitted = append(admitted, now)
			} else {
				wantWait = oldest + window - now
			}
			if got != want || wait != wantWait {
				t.Fatalf("limit %d, window %d: arrival %d at %d: Decide = %v, %d; want %v, %d", limit, window, n, now, got, wait, want, wantWait)
			}
		}
	}
}

// Every reservation is the earliest time, no earlier than the one before it, at which the
// window still has room.
func TestReserveIsTheEarliestRoom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 2000 {
		limit, window := 1+rng.Int64N(5), 1+rng.Int64N(100)
		w := slidingwindow.New(limit, window)
		var log []int64
		var now int64
		for n := range 60 {
			now += rng.Int64N(window/limit + 1)
			at := w.Reserve(now)
			last := now
			if len(log) > 0 {
				last = max(now, log[len(log)-1])
			}
			want := last
			for {
				// The window ending at want may hold limit - 1 earlier admissions at most.
				if count, _ := inWindow(log, want, window); count < limit {
					break
				}
				want++
			}
			if at != want {
				t.Fatalf("limit %d, window %d: request %d at %d: Reserve = %d, want %d (log %v)", limit, window, n, now, at, want, log)
			}
			log = append(log, at)
		}
	}
}

func TestReserveSpacesWindows(t *testing.T) {
	w := slidingwindow.New(3, 60)
	var got []int64
	for range 8 {
		got = append(got, w.Reserve(0))
	}
	if want := []int64{0, 0, 0, 60, 60, 60, 120, 120}; !slices.Equal(got, want) {
		t.Errorf("admissions %v, want %v", got, want)
	}
}

func TestNewRefusesZero(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New with an empty window did not panic")
		}
	}()
	slidingwindow.New(1, 0)
}
