package pubsub_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/concurrency-cookbook/cookbook/go/pubsub"
)

// TestMain fails the package if any test leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// seen is what a stream yielded: its messages, and the missed counts told before them.
type seen struct {
	msgs   []int
	missed []int
}

// drain receives from s until its stream ends, holding each message for hold.
func drain(t *testing.T, s *pubsub.Subscription[int], hold time.Duration) seen {
	var got seen
	for {
		m, missed, err := s.Receive(context.Background())
		if errors.Is(err, pubsub.ErrClosed) {
			return got
		}
		if err != nil {
			t.Error(err)
			return got
		}
		if missed > 0 {
			got.missed = append(got.missed, missed)
		}
		got.msgs = append(got.msgs, m)
		time.Sleep(hold)
	}
}

func subscribe(t *testing.T, b *pubsub.Bus[int], topic string) *pubsub.Subscription[int] {
	t.Helper()
	s, err := b.Subscribe(topic)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func publish(t *testing.T, b *pubsub.Bus[int], topic string, msgs ...int) {
	t.Helper()
	for _, m := range msgs {
		if err := b.Publish(t.Context(), topic, m); err != nil {
			t.Fatal(err)
		}
	}
}

// Every subscriber of a topic gets every message published to it after it subscribed, in
// order; topics are apart, even topics whose names share a prefix.
func TestEachSubscriberGetsItsTopic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := pubsub.New[int](pubsub.Block, 2)
		a1, a2, ab := subscribe(t, b, "a"), subscribe(t, b, "a"), subscribe(t, b, "ab")
		var got [4]seen
		var wg sync.WaitGroup
		for i, s := range []*pubsub.Subscription[int]{a1, a2, ab} {
			wg.Go(func() { got[i] = drain(t, s, time.Millisecond) })
		}
		publish(t, b, "a", 1, 2)
		late := subscribe(t, b, "a")
		wg.Go(func() { got[3] = drain(t, late, 0) })
		publish(t, b, "ab", 3)
		publish(t, b, "a", 4, 5, 6)
		b.Close()
		wg.Wait()
		for i, want := range [][]int{{1, 2, 4, 5, 6}, {1, 2, 4, 5, 6}, {3}, {4, 5, 6}} {
			if !slices.Equal(got[i].msgs, want) || got[i].missed != nil {
				t.Errorf("subscriber %d received %+v, want %v", i, got[i], want)
			}
		}
	})
}

// Under Block, a subscriber that takes a second per message holds the publisher back to its
// pace once its buffer of one is full.
func TestBlockMakesThePublisherWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := pubsub.New[int](pubsub.Block, 1)
		slow := subscribe(t, b, "t")
		var wg sync.WaitGroup
		var got seen
		wg.Go(func() { got = drain(t, slow, time.Second) })
		start := time.Now()
		var returned []time.Duration
		for m := range 4 {
			publish(t, b, "t", m)
			returned = append(returned, time.Since(start))
		}
		b.Close()
		wg.Wait()
		// 0 is taken at once and 1 fills the buffer; 2 waits for 1 to be taken at 1s, 3 for 2.
		if want := []time.Duration{0, 0, time.Second, 2 * time.Second}; !slices.Equal(returned, want) {
			t.Errorf("publishes returned at %v, want %v", returned, want)
		}
		if !slices.Equal(got.msgs, []int{0, 1, 2, 3}) {
			t.Errorf("received %v, want every message", got.msgs)
		}
	})
}

// Under Lag a subscriber that reads nothing keeps the newest messages its buffer holds; its
// first receive tells it how many it missed, then the rest follow, and the stream ends.
func TestLagDropsTheOldestAndSaysHowMany(t *testing.T) {
	b := pubsub.New[int](pubsub.Lag, 3)
	s := subscribe(t, b, "t")
	publish(t, b, "t", 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)
	if n := s.Buffered(); n != 3 {
		t.Errorf("%d messages buffered, want 3", n)
	}
	b.Close()
	if got := drain(t, s, 0); !slices.Equal(got.msgs, []int{7, 8, 9}) || !slices.Equal(got.missed, []int{7}) {
		t.Errorf("received %+v, want 7 missed, then 7 8 9", got)
	}
}

// A lagging subscriber that reads while the publisher drops is told exactly what it lost: the
// messages it got and the counts it was told add up to every message published, each notice
// standing for the gap just before its message. On the real scheduler, under the race detector
// with just test-go.
func TestLagCountsAreExactUnderLoad(t *testing.T) {
	b := pubsub.New[int](pubsub.Lag, 4)
	s := subscribe(t, b, "t")
	const n = 20_000
	var wg sync.WaitGroup
	wg.Go(func() {
		publish(t, b, "t", slices.Collect(func(yield func(int) bool) {
			for i := range n {
				yield(i)
			}
		})...)
		b.Close()
	})
	next, received, missed := 0, 0, 0
	for {
		m, lost, err := s.Receive(t.Context())
		if err != nil {
			break
		}
		if m != next+lost {
			t.Fatalf("message %d after %d missed, where %d was due", m, lost, next+lost)
		}
		next, received, missed = m+1, received+1, missed+lost
	}
	wg.Wait()
	if received+missed != next || next != n {
		t.Errorf("%d received and %d missed up to %d, want %d in all", received, missed, next, n)
	}
}

// An unsubscribed subscriber gets nothing new, but still gets what was buffered, then its
// stream ends; the others go on.
func TestUnsubscribeKeepsWhatWasBuffered(t *testing.T) {
	b := pubsub.New[int](pubsub.Block, 4)
	gone, stays := subscribe(t, b, "t"), subscribe(t, b, "t")
	publish(t, b, "t", 0, 1, 2)
	gone.Unsubscribe()
	gone.Unsubscribe() // twice is fine
	publish(t, b, "t", 3)
	if got := drain(t, gone, 0); !slices.Equal(got.msgs, []int{0, 1, 2}) {
		t.Errorf("unsubscribed received %v, want 0 1 2", got.msgs)
	}
	b.Close()
	if got := drain(t, stays, 0); !slices.Equal(got.msgs, []int{0, 1, 2, 3}) {
		t.Errorf("subscribed received %v, want 0 1 2 3", got.msgs)
	}
}

// A subscriber that unsubscribes while the publisher is blocked on its full buffer would wait
// for the bus's lock, which the blocked publish holds, while the publish waits for it to read:
// a deadlock. Unsubscribe first tells the publish to give up on it. synctest cannot see a
// goroutine blocked on a mutex as stuck, so this test bounds the wait on the real clock.
func TestUnsubscribeWhilePublisherIsBlockedOnIt(t *testing.T) {
	b := pubsub.New[int](pubsub.Block, 1)
	s := subscribe(t, b, "t")
	publish(t, b, "t", 0) // fills the buffer
	var wg sync.WaitGroup
	wg.Go(func() { publish(t, b, "t", 1, 2) }) // 1 blocks
	// Time for the publish of 1 to block; if it has not yet, the test only proves less.
	time.Sleep(50 * time.Millisecond)
	unsubscribed := make(chan struct{})
	go func() {
		s.Unsubscribe()
		close(unsubscribed)
	}()
	select {
	case <-unsubscribed:
	case <-time.After(5 * time.Second):
		t.Fatal("Unsubscribe and the publish blocked on its buffer wait for each other")
	}
	wg.Wait()
	// 1 was given up, and 2 published to nobody.
	if got := drain(t, s, 0); !slices.Equal(got.msgs, []int{0}) {
		t.Errorf("received %v, want 0 alone", got.msgs)
	}
	b.Close()
}

// A publish blocked on a subscriber that stopped reading gives up when its context is done.
func TestBlockedPublishIsCancellable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := pubsub.New[int](pubsub.Block, 1)
		subscribe(t, b, "t")
		publish(t, b, "t", 0)
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if err := b.Publish(ctx, "t", 1); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Publish = %v, want context.DeadlineExceeded", err)
		}
		b.Close()
	})
}

func TestClosedBus(t *testing.T) {
	b := pubsub.New[int](pubsub.Block, 1)
	s := subscribe(t, b, "t")
	b.Close()
	if _, err := b.Subscribe("t"); !errors.Is(err, pubsub.ErrClosed) {
		t.Errorf("Subscribe after Close = %v, want ErrClosed", err)
	}
	if err := b.Publish(t.Context(), "t", 1); !errors.Is(err, pubsub.ErrClosed) {
		t.Errorf("Publish after Close = %v, want ErrClosed", err)
	}
	if _, _, err := s.Receive(t.Context()); !errors.Is(err, pubsub.ErrClosed) {
		t.Errorf("Receive after Close = %v, want ErrClosed", err)
	}
	s.Unsubscribe() // after the close, nothing to do
}

// Many publishers and subscribers at once, under the race detector with just test-go: under
// Block every subscriber gets every message, and each publisher's in its order.
func TestManyAtOnce(t *testing.T) {
	b := pubsub.New[int](pubsub.Block, 2)
	const publishers, subscribers, each = 4, 6, 300
	var readers sync.WaitGroup
	got := make([]seen, subscribers)
	for i := range subscribers {
		s := subscribe(t, b, "t")
		readers.Go(func() { got[i] = drain(t, s, 0) })
	}
	var writers sync.WaitGroup
	for p := range publishers {
		writers.Go(func() {
			for i := range each {
				if err := b.Publish(t.Context(), "t", p*each+i); err != nil {
					t.Error(err)
				}
			}
		})
	}
	writers.Wait()
	b.Close()
	readers.Wait()
	for i, g := range got {
		if len(g.msgs) != publishers*each {
			t.Errorf("subscriber %d received %d messages, want %d", i, len(g.msgs), publishers*each)
		}
		last := []int{-1, -1, -1, -1}
		for _, m := range g.msgs {
			if p := m / each; m <= last[p] {
				t.Errorf("subscriber %d: publisher %d's %d after %d", i, p, m, last[p])
			} else {
				last[p] = m
			}
		}
	}
}
