package batching_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/concurrency-cookbook/cookbook/go/batching"
)

// TestMain fails the package if any test leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// decide runs the core on items arriving at the given ticks (item i at ats[i]) and the stream
// ending at end, and describes each batch as "ids@tick/reason".
func decide(maxSize int, maxWait int64, end int64, ats ...int64) []string {
	b := batching.New[int](maxSize, maxWait)
	var out []string
	keep := func(batch batching.Batch[int], ok bool) {
		if ok {
			out = append(out, fmt.Sprintf("%v@%d/%s", batch.Items, batch.At, batch.Reason))
		}
	}
	for i, at := range ats {
		keep(b.Expire(at))
		keep(b.Add(at, i))
	}
	keep(b.End(end))
	return out
}

func TestDecisions(t *testing.T) {
	for _, tc := range []struct {
		name         string
		maxSize      int
		maxWait, end int64
		ats          []int64
		want         []string
	}{
		{"full", 3, 100, 7, []int64{0, 1, 2, 3, 4, 5, 6, 7}, []string{"[0 1 2]@2/full", "[3 4 5]@5/full", "[6 7]@7/end"}},
		// Due at 50 however late the next event is: the flush is at the due time.
		{"due before full", 5, 50, 200, []int64{0, 10, 20, 200}, []string{"[0 1 2]@50/due", "[3]@200/end"}},
		{"stalled", 10, 50, 1000, []int64{0, 1, 2}, []string{"[0 1 2]@50/due"}},
		// The deadline is the first item's, not renewed by each arrival: a batch of a steady
		// trickle still goes out.
		{"deadline from the first item", 100, 50, 120, []int64{0, 30, 60, 90, 120}, []string{"[0 1]@50/due", "[2 3]@110/due", "[4]@120/end"}},
		// At one instant, the due batch goes first and the arrival opens the next.
		{"due at an arrival", 10, 50, 100, []int64{0, 50, 100}, []string{"[0]@50/due", "[1]@100/due", "[2]@100/end"}},
		{"full at one instant", 2, 10, 0, []int64{0, 0, 0, 0, 0}, []string{"[0 1]@0/full", "[2 3]@0/full", "[4]@0/end"}},
		{"end when due", 10, 50, 50, []int64{0}, []string{"[0]@50/due"}},
		{"size one", 1, 1000, 7, []int64{0, 0, 7}, []string{"[0]@0/full", "[1]@0/full", "[2]@7/full"}},
		{"nothing", 4, 50, 100, nil, nil},
		{"near 2^53", 3, 7, 1<<53 - 2, []int64{1<<53 - 21, 1<<53 - 15, 1<<53 - 14}, []string{"[0 1]@9007199254740978/due", "[2]@9007199254740985/due"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := decide(tc.maxSize, tc.maxWait, tc.end, tc.ats...); !slices.Equal(got, tc.want) {
				t.Errorf("batches %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAddToADueBatchPanics(t *testing.T) {
	b := batching.New[int](10, 50)
	b.Add(0, 1)
	defer func() {
		if recover() == nil {
			t.Error("Add at the due time without Expire did not panic")
		}
	}()
	b.Add(50, 2)
}

// flushed is a batch as Batches handed it out, and when, on the virtual clock.
type flushed struct {
	items  []int
	reason batching.Reason
	at     time.Duration
}

func (f flushed) String() string { return fmt.Sprintf("%v@%v/%s", f.items, f.at, f.reason) }

// live sends item i at ats[i] after the start, closes the stream at end, and returns every
// batch as received, with the time it was received.
func live(t *testing.T, maxSize int, maxWait, end time.Duration, ats ...time.Duration) []string {
	t.Helper()
	start := time.Now()
	in := make(chan int)
	var source sync.WaitGroup
	source.Go(func() {
		defer close(in)
		for i, at := range ats {
			time.Sleep(time.Until(start.Add(at)))
			in <- i
		}
		time.Sleep(time.Until(start.Add(end)))
	})
	var out []string
	for b := range batching.Batches(t.Context(), in, maxSize, maxWait) {
		at := time.Since(start)
		if b.At != int64(at) {
			t.Errorf("batch %v: At %v, received at %v", b.Items, time.Duration(b.At), at)
		}
		out = append(out, flushed{b.Items, b.Reason, at}.String())
	}
	source.Wait()
	return out
}

// The stalled source of the page: three items in 20ms, then nothing until 400ms. The timer armed
// by the first item flushes the batch at 100ms exactly; a batcher that decides only when an item
// arrives, as a loop over the input does, would hold it until the stream ends at 400ms.
func TestStalledSourceIsFlushedWhenDue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		got := live(t, 10, 100*time.Millisecond, 400*time.Millisecond, 0, 10*time.Millisecond, 20*time.Millisecond)
		if want := []string{"[0 1 2]@100ms/due"}; !slices.Equal(got, want) {
			t.Errorf("batches %q, want %q", got, want)
		}
	})
}

// A timeout around each receive, the usual first try, is renewed by every arrival: a source that
// sends every 30ms against a wait of 50ms would never let a batch go. The timer here is the
// first item's, so batches go out at 50ms and 110ms.
func TestTrickleIsFlushedByTheFirstItemsDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ms := time.Millisecond
		got := live(t, 100, 50*ms, 130*ms, 0, 30*ms, 60*ms, 90*ms, 120*ms)
		if want := []string{"[0 1]@50ms/due", "[2 3]@110ms/due", "[4]@130ms/end"}; !slices.Equal(got, want) {
			t.Errorf("batches %q, want %q", got, want)
		}
	})
}

// Full batches go at once, the due one at its time, the rest at the end; an item that arrives as
// a batch falls due goes into the next batch, whichever of the two the loop sees first.
func TestLiveFullDueAndEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ms := time.Millisecond
		got := live(t, 2, 100*ms, 320*ms, 0, 5*ms, 10*ms, 110*ms, 300*ms)
		want := []string{"[0 1]@5ms/full", "[2]@110ms/due", "[3]@210ms/due", "[4]@320ms/end"}
		if !slices.Equal(got, want) {
			t.Errorf("batches %q, want %q", got, want)
		}
	})
}

// Cancelled, Batches closes its channel at once, open batch or not, and its goroutine is gone
// (TestMain's goleak check).
func TestBatchesStopsWhenCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		in := make(chan int)
		batches := batching.Batches(ctx, in, 10, time.Hour)
		in <- 1
		cancel()
		if b, ok := <-batches; ok {
			t.Errorf("received %v after the cancellation, want a closed channel", b)
		}
	})
}
