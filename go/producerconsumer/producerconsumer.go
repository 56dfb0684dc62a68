// Package producerconsumer connects producers and consumers through one bounded queue: the
// queue's capacity is the backpressure, a full queue makes producers wait instead of piling work
// up in memory. Every item is consumed exactly once, and the consumers stop once every producer
// is done and the queue is empty, however many of each there are.
//
// In production, reach for a buffered channel: it is Go's own bounded FIFO queue, FIFO below is
// one with a context around it, and the shape of Run is what a program writes in place. A LIFO
// discipline has no channel; LIFO below is a small bounded stack with the same methods.
package producerconsumer

import (
	"context"
	"slices"
	"sync"
)

// --8<-- [start:producer-consumer]

// Queue is a bounded queue that many goroutines put to and take from at once.
type Queue[T any] interface {
	// Put adds v, waiting while the queue is full. It returns ctx's error if ctx is done first,
	// and then v is not in the queue.
	Put(ctx context.Context, v T) error
	// Get takes an item, waiting while the queue is empty. ok is false once the queue is closed
	// and every item in it has been taken, or once ctx is done.
	Get(ctx context.Context) (v T, ok bool)
	// Close says that no item will come after those already put. Call it once, after the last
	// Put has returned: a Put after Close panics, as a send on a closed channel does.
	Close()
}

// FIFO returns a queue of capacity items, at least 1, that hands out the oldest item first: a
// buffered channel.
func FIFO[T any](capacity int) Queue[T] {
	if capacity < 1 {
		panic("producerconsumer: capacity must be at least 1")
	}
	return make(fifo[T], capacity)
}

type fifo[T any] chan T

func (q fifo[T]) Put(ctx context.Context, v T) error {
	// select picks at random among ready cases, so a cancellation that has already happened is
	// checked first: once it is seen, nothing more goes in or comes out.
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case q <- v:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (q fifo[T]) Get(ctx context.Context) (T, bool) {
	var zero T
	if ctx.Err() != nil {
		return zero, false
	}
	select {
	// A closed channel still hands out what it holds, and reports !ok only once it is empty:
	// the consumers drain the queue before they stop.
	case v, ok := <-q:
		return v, ok
	case <-ctx.Done():
		return zero, false
	}
}

func (q fifo[T]) Close() { close(q) }

// Producer puts its items with put, in order. put waits while the queue is full, and returns an
// error only when ctx is done, at which point the producer should return.
type Producer[T any] func(ctx context.Context, put func(T) error)

// Result is what one item came to: the value consume returned for it, or its error.
type Result[T, R any] struct {
	Item  T
	Value R
	Err   error
}

// Run runs each producer on a goroutine of its own and consumers goroutines that take items from
// q and call consume on each, and returns every item's result once every producer has returned
// and every item put has been consumed. An item that fails has its error as its result: its
// consumer goes on with the next item. consumer is the index of the consumer goroutine, from 0
// to consumers-1. consumers must be at least 1: Run panics otherwise, because items put with no
// consumer would wait forever. Any number of producers, none included, is fine.
//
// When ctx is done, the producers' puts and the consumers' gets stop waiting, and Run returns
// the results it has with ctx's error; the items still in q have none. Either way, Run returns
// only after every goroutine it started has exited.
func Run[T, R any](ctx context.Context, q Queue[T], producers []Producer[T], consumers int, consume func(ctx context.Context, consumer int, item T) (R, error)) ([]Result[T, R], error) {
	if consumers < 1 {
		panic("producerconsumer: consumers must be at least 1")
	}
	put := func(v T) error { return q.Put(ctx, v) }
	var producing sync.WaitGroup
	for _, p := range producers {
		producing.Go(func() { p(ctx, put) })
	}

	// Each consumer keeps its results in a slot of its own, so none of them takes a lock per item;
	// Wait below happens after their last append.
	results := make([][]Result[T, R], consumers)
	var consuming sync.WaitGroup
	for c := range consumers {
		consuming.Go(func() {
			// There is no sentinel to count: Get says the queue is done, to every consumer
			// alike, once it is closed and empty, so no consumer stops early and none is left
			// waiting however many producers and consumers there are.
			for {
				item, ok := q.Get(ctx)
				if !ok {
					return
				}
				v, err := consume(ctx, c, item)
				results[c] = append(results[c], Result[T, R]{item, v, err})
			}
		})
	}

	// Only Run knows when the last producer is done, so Run closes the queue: a producer that
	// closed it would make the others' puts panic. With no producer, it closes at once.
	producing.Wait()
	q.Close()
	consuming.Wait()
	return slices.Concat(results...), ctx.Err()
}

// --8<-- [end:producer-consumer]

// LIFO returns a queue of capacity items, at least 1, that hands out the newest item first: a
// stack behind a mutex, with channels of tokens for the waits, so that both waits can give up
// when a context is done, which a sync.Cond cannot.
func LIFO[T any](capacity int) Queue[T] {
	if capacity < 1 {
		panic("producerconsumer: capacity must be at least 1")
	}
	return &lifo[T]{room: make(chan struct{}, capacity), ready: make(chan struct{}, capacity)}
}

type lifo[T any] struct {
	// room holds a token for each item in the stack or about to be: a Put sends one before it
	// pushes, a Get takes one back after it pops, so the stack never holds more than capacity.
	room chan struct{}
	// ready holds a token for each item pushed that no Get has claimed: a Get that has one is
	// sure to find an item to pop. Close closes it, and a Get then drains the tokens left before
	// it sees that it is closed.
	ready chan struct{}

	mu    sync.Mutex
	items []T
}

func (s *lifo[T]) Put(ctx context.Context, v T) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case s.room <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.mu.Lock()
	s.items = append(s.items, v)
	s.mu.Unlock()
	// Never blocks: ready has room for a token per room token.
	s.ready <- struct{}{}
	return nil
}

func (s *lifo[T]) Get(ctx context.Context) (T, bool) {
	var zero T
	if ctx.Err() != nil {
		return zero, false
	}
	select {
	case _, ok := <-s.ready:
		if !ok {
			return zero, false
		}
	case <-ctx.Done():
		return zero, false
	}
	// The newest item now, which is not always the one whose token this Get took: that is what
	// last in, first out means with many producers.
	s.mu.Lock()
	last := len(s.items) - 1
	v := s.items[last]
	s.items[last] = zero // the stack's array must not keep the item alive
	s.items = s.items[:last]
	s.mu.Unlock()
	<-s.room
	return v, true
}

func (s *lifo[T]) Close() { close(s.ready) }
