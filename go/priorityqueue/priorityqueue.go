// Package priorityqueue runs jobs on a fixed number of workers, each taking the most urgent job
// waiting rather than the oldest: the lowest priority number first, and among equal priorities
// the one pushed first. A running job is never preempted, and a job that fails goes back into the
// queue, less urgent than before, until it has used its attempts.
//
// In production, reach for container/heap behind a lock, as here; when there are only a few
// priority levels, a channel per level and a select that tries the most urgent first is
// simpler, at the price of strict ordering between levels.
package priorityqueue

import (
	"container/heap"
	"context"
	"slices"
	"sync"
	"sync/atomic"
)

// --8<-- [start:priority-queue]

// Queue is a priority queue for many goroutines at once: Pop takes the item with the lowest
// priority number and, among equals, the one pushed first.
type Queue[T any] struct {
	mu sync.Mutex
	// nonEmpty is signalled when an item is pushed, or broadcast when the queue is closed or a
	// Pop's context is done, always holding mu: a signal sent without it could fall between a
	// Pop's check and its Wait, and be lost.
	nonEmpty *sync.Cond
	heap     entries[T]
	pushed   uint64 // the sequence number of the next push
	closed   bool
}

// NewQueue returns an empty queue.
func NewQueue[T any]() *Queue[T] {
	q := &Queue[T]{}
	q.nonEmpty = sync.NewCond(&q.mu)
	return q
}

// entry is an item with what orders it. The sequence number breaks ties, so that two items of
// one priority never need comparing, and come out in the order they were pushed: a heap alone
// is not stable.
type entry[T any] struct {
	priority int
	seq      uint64
	item     T
}

// entries implements heap.Interface, ordered by priority, then sequence.
type entries[T any] []entry[T]

func (h entries[T]) Len() int { return len(h) }
func (h entries[T]) Less(i, j int) bool {
	if h[i].priority != h[j].priority {
		return h[i].priority < h[j].priority
	}
	return h[i].seq < h[j].seq
}
func (h entries[T]) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *entries[T]) Push(x any)   { *h = append(*h, x.(entry[T])) }
func (h *entries[T]) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = entry[T]{} // the array must not keep the item alive
	*h = old[:len(old)-1]
	return e
}

// Push adds item at priority, behind every item already waiting at that priority.
func (q *Queue[T]) Push(item T, priority int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	heap.Push(&q.heap, entry[T]{priority, q.pushed, item})
	q.pushed++
	q.nonEmpty.Signal()
}

// Pop takes the most urgent item, waiting while the queue is empty. ok is false once the queue
// is closed and empty, or once ctx is done.
func (q *Queue[T]) Pop(ctx context.Context) (item T, priority int, ok bool) {
	// A sync.Cond knows nothing of contexts: AfterFunc wakes every waiter when ctx is done,
	// and each one that finds its own ctx done gives up.
	stop := context.AfterFunc(ctx, func() {
		q.mu.Lock()
		defer q.mu.Unlock()
		q.nonEmpty.Broadcast()
	})
	defer stop()
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.heap) == 0 && !q.closed && ctx.Err() == nil {
		q.nonEmpty.Wait()
	}
	if len(q.heap) == 0 || ctx.Err() != nil {
		return item, 0, false
	}
	e := heap.Pop(&q.heap).(entry[T])
	return e.item, e.priority, true
}

// Close wakes every Pop waiting: once the queue is empty, Pop reports that it is closed. Items
// may still be pushed, as a retry is, and are still popped.
func (q *Queue[T]) Close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	q.nonEmpty.Broadcast()
}

// Attempt is one attempt at a job: its number, from 1, and the priority it was taken at.
type Attempt[J any] struct {
	Job      J
	Number   int
	Priority int
}

// Result is what a job came to: the value of its last attempt, or that attempt's error, and
// how many attempts it took.
type Result[J, R any] struct {
	Job      J
	Value    R
	Err      error
	Attempts int
}

// Run calls do on the jobs that submit pushes, from workers goroutines, each taking the most
// urgent job waiting. An attempt that fails is pushed back at its priority plus one, behind the
// jobs already waiting there, while it has made fewer than maxAttempts; after that, its error is
// the job's result. submit is called on Run's own goroutine and may wait between pushes: the
// workers start before it does. Run returns every job's result once submit has returned and
// every job pushed has ended; workers and maxAttempts must be at least 1.
//
// When ctx is done, the workers stop taking jobs, and Run returns the results of the jobs that
// ended, once every goroutine it started has exited and submit has returned.
func Run[J, R any](ctx context.Context, workers, maxAttempts int, submit func(push func(job J, priority int)), do func(context.Context, Attempt[J]) (R, error)) []Result[J, R] {
	if workers < 1 || maxAttempts < 1 {
		panic("priorityqueue: workers and maxAttempts must be at least 1")
	}
	q := NewQueue[Attempt[J]]()
	// open counts the jobs pushed and not yet ended, plus one for submit until it returns.
	// Whoever brings it to zero closes the queue: only then can nothing more be pushed, since
	// a retry is pushed by the job's own worker, before the job ends. Waiting for the queue to
	// be empty instead would stop the workers while a failing job is about to come back.
	var open atomic.Int64
	open.Add(1)
	end := func() {
		if open.Add(-1) == 0 {
			q.Close()
		}
	}

	results := make([][]Result[J, R], workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for {
				a, _, ok := q.Pop(ctx)
				if !ok {
					return
				}
				v, err := do(ctx, a)
				if err != nil && a.Number < maxAttempts && ctx.Err() == nil {
					q.Push(Attempt[J]{a.Job, a.Number + 1, a.Priority + 1}, a.Priority+1)
					continue
				}
				results[w] = append(results[w], Result[J, R]{a.Job, v, err, a.Number})
				end()
			}
		})
	}
	submit(func(job J, priority int) {
		open.Add(1)
		q.Push(Attempt[J]{job, 1, priority}, priority)
	})
	end()
	wg.Wait()
	return slices.Concat(results...)
}

// --8<-- [end:priority-queue]
