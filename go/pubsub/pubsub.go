// Package pubsub is an in-process publish-subscribe bus: publishers send messages to topics,
// and every subscriber of a topic gets its own copy, through a buffer of its own. A slow
// subscriber either makes the publisher wait for room (Block), or loses its oldest messages and
// is told how many it missed (Lag, as tokio's broadcast channel does).
//
// In production, reach for a channel per subscriber behind a topic map, as here: there is no
// standard package, and the libraries that exist (github.com/ThreeDotsLabs/watermill's GoChannel,
// for one) are this bus with more options. Across processes, a broker such as NATS does the same
// with the network in between.
package pubsub

import (
	"context"
	"errors"
	"iter"
	"slices"
	"sync"
)

// --8<-- [start:pub-sub]

// Policy is what a publish does with a subscriber whose buffer is full.
type Policy int

const (
	// Block makes the publisher wait until the subscriber has room.
	Block Policy = iota
	// Lag drops the subscriber's oldest message to make room; its next Receive says how many it
	// missed.
	Lag
)

// ErrClosed is what Publish and Subscribe return once the bus is closed, and what Receive
// returns once its subscription has ended and its buffer is drained.
var ErrClosed = errors.New("pubsub: closed")

// Bus sends each message published to a topic to every subscriber of that topic at the time.
type Bus[T any] struct {
	policy Policy
	size   int
	// mu guards topics and closed. Publishes share it, so that any number run at once; a
	// subscribe, an unsubscribe and the close take it alone, so that no publish ever sends
	// on a buffer being closed.
	mu     sync.RWMutex
	topics map[string][]*Subscription[T]
	closed bool
}

// New returns a bus whose subscribers each have a buffer of size messages, at least 1.
func New[T any](policy Policy, size int) *Bus[T] {
	if size < 1 {
		panic("pubsub: buffer size must be at least 1")
	}
	return &Bus[T]{policy: policy, size: size, topics: make(map[string][]*Subscription[T])}
}

// Subscription is one subscriber's stream of the messages of one topic.
type Subscription[T any] struct {
	bus   *Bus[T]
	topic string
	// buffer is the subscriber's: publishers send on it, the bus closes it once the
	// subscription has ended, and the subscriber drains it.
	buffer chan numbered[T]
	// gone is closed by Unsubscribe before it takes the bus's lock: a publish blocked on this
	// subscriber's full buffer holds the read lock, and lets go of it only if told to stop.
	gone     chan struct{}
	goneOnce sync.Once
	// sending orders the publishes to this subscriber, so that their numbers follow the order
	// of the buffer.
	sending sync.Mutex
	sent    uint64 // the number the next message gets, under sending
	next    uint64 // the number Receive expects next; the subscriber's own
}

// numbered is a message with its number among those published to one subscriber: a gap in the
// numbers is what a lagging subscriber missed.
type numbered[T any] struct {
	n   uint64
	msg T
}

// Subscribe returns a subscription to topic, which gets every message published to it from
// now on, until Unsubscribe or Close.
func (b *Bus[T]) Subscribe(topic string) (*Subscription[T], error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrClosed
	}
	s := &Subscription[T]{bus: b, topic: topic, buffer: make(chan numbered[T], b.size), gone: make(chan struct{})}
	b.topics[topic] = append(b.topics[topic], s)
	return s, nil
}

// Publish sends msg to every current subscriber of topic. Under Block it waits for room in each
// full buffer in turn, until ctx is done; under Lag it never waits.
func (b *Bus[T]) Publish(ctx context.Context, topic string, msg T) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return ErrClosed
	}
	for _, s := range b.topics[topic] {
		if err := s.deliver(ctx, b.policy, msg); err != nil {
			return err
		}
	}
	return nil
}

func (s *Subscription[T]) deliver(ctx context.Context, policy Policy, msg T) error {
	s.sending.Lock()
	defer s.sending.Unlock()
	m := numbered[T]{s.sent, msg}
	s.sent++
	if policy == Lag {
		for {
			select {
			case s.buffer <- m:
				return nil
			default:
			}
			// Full: drop the oldest. The subscriber may take it first, and then this takes
			// the next one, one more than needed; either way the gap in the numbers is
			// exactly what the subscriber missed.
			select {
			case <-s.buffer:
			default:
			}
		}
	}
	select {
	case s.buffer <- m:
		return nil
	case <-s.gone:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Receive returns the next message of the subscription, waiting for one, and how many messages
// were dropped for it since the message before, always 0 under Block. Once the subscription has
// ended, by Unsubscribe or Close, Receive still returns every message already buffered, then
// ErrClosed; it returns ctx's error if ctx is done first. One goroutine at a time may call it.
func (s *Subscription[T]) Receive(ctx context.Context) (msg T, missed int, err error) {
	select {
	case m, ok := <-s.buffer:
		if !ok {
			return msg, 0, ErrClosed
		}
		missed = int(m.n - s.next)
		s.next = m.n + 1
		return m.msg, missed, nil
	case <-ctx.Done():
		return msg, 0, ctx.Err()
	}
}

// All returns an iterator over the subscription's messages, each with the count Receive gives
// it, that ends when the stream does, or when ctx is done: the subscriber's loop is a range.
func (s *Subscription[T]) All(ctx context.Context) iter.Seq2[T, int] {
	return func(yield func(T, int) bool) {
		for {
			msg, missed, err := s.Receive(ctx)
			if err != nil || !yield(msg, missed) {
				return
			}
		}
	}
}

// Buffered is the number of messages waiting in the subscription's buffer.
func (s *Subscription[T]) Buffered() int { return len(s.buffer) }

// Unsubscribe ends the subscription: it gets no message published from now on, and its stream
// ends once what is buffered is received. It is safe to call more than once, from any goroutine,
// even the subscriber's own while a publish is blocked on its full buffer.
func (s *Subscription[T]) Unsubscribe() {
	s.goneOnce.Do(func() { close(s.gone) })
	b := s.bus
	b.mu.Lock()
	defer b.mu.Unlock()
	subs := b.topics[s.topic]
	if i := slices.Index(subs, s); i >= 0 {
		b.topics[s.topic] = slices.Delete(subs, i, i+1)
		close(s.buffer)
	}
}

// Close ends every subscription, as Unsubscribe does, once the publishes in progress are done:
// each stream ends after what is buffered. Later publishes and subscribes return ErrClosed.
func (b *Bus[T]) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for _, subs := range b.topics {
		for _, s := range subs {
			close(s.buffer)
		}
	}
	b.topics = nil
}

// --8<-- [end:pub-sub]
