// Package pipeline runs items through stages, each stage with its own workers, connected by
// bounded queues: while one stage works on item 2, the one before it already works on item 3.
// Each queue's capacity bounds the memory between two stages and makes a fast stage wait for a
// slow one. End of input flows through every stage, and an error in any stage stops them all.
//
// In production, reach for channels between stages and golang.org/x/sync/errgroup for the
// goroutines, as here: this is the shape of the Go blog's "Pipelines and cancellation", with
// errgroup.WithContext in place of its hand-made done channel. A stage whose items are
// independent calls is often better served by one errgroup with SetLimit, as in package fanin.
package pipeline

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"
)

// --8<-- [start:pipeline]

// Stage is one step of a pipeline.
type Stage[T any] struct {
	// Workers is how many items the stage works on at once, at least 1.
	Workers int
	// Capacity is how many items the queue that feeds the stage holds, at least 1: the items
	// a stage can run ahead of the next one.
	Capacity int
	// Do transforms one item. An error stops the whole pipeline.
	Do func(ctx context.Context, v T) (T, error)
}

// numbered is an item with its place in the input, for the collector's reorder buffer.
type numbered[T any] struct {
	seq int
	v   T
}

// Run sends items through stages, in order, and returns what comes out of the last one: in
// input order when ordered, else in the order the items finish. On the first error, from a Do
// or from ctx, Run stops every stage and returns that error, with the stage's index when a Do
// failed. Either way, Run returns only after every goroutine it started has exited.
func Run[T any](ctx context.Context, items []T, ordered bool, stages ...Stage[T]) ([]T, error) {
	if len(stages) == 0 {
		panic("pipeline: no stage")
	}
	// ctx is cancelled by the first goroutine that returns an error, and every wait below
	// gives up on it: a worker blocked on a full queue would otherwise never see the failure.
	g, ctx := errgroup.WithContext(ctx)
	t := traceOf[T](ctx)

	// queues[s] feeds stage s, and the last one feeds the collector, which only appends: a
	// queue of 1 is enough to keep the last stage's workers from waiting on it.
	queues := make([]chan numbered[T], len(stages)+1)
	for s, stage := range stages {
		queues[s] = make(chan numbered[T], stage.Capacity)
	}
	queues[len(stages)] = make(chan numbered[T], 1)

	g.Go(func() error {
		// The source is the only sender on stage 0's queue, so it closes it, on every path.
		defer close(queues[0])
		for i, v := range items {
			if err := send(ctx, t, 0, queues[0], numbered[T]{i, v}); err != nil {
				return err
			}
		}
		return nil
	})

	for s, stage := range stages {
		in, out := queues[s], queues[s+1]
		var workers sync.WaitGroup
		for w := range stage.Workers {
			workers.Add(1)
			g.Go(func() error {
				defer workers.Done()
				for {
					it, ok := receive(ctx, t, s, w, in)
					if !ok {
						return nil
					}
					v, err := stage.Do(ctx, it.v)
					t.done(s, w, it.v)
					if err != nil {
						return fmt.Errorf("stage %d: %w", s, err)
					}
					if err := send(ctx, t, s+1, out, numbered[T]{it.seq, v}); err != nil {
						return err
					}
				}
			})
		}
		// The stage's workers all send on out, so none of them may close it. One more
		// goroutine does, once the last of them has returned: that is how the end of the
		// input, or a failure, reaches the next stage.
		g.Go(func() error {
			workers.Wait()
			close(out)
			return nil
		})
	}

	// The collector. On a failure every goroutine returns and the queues close one after the
	// other, so this range ends too, rather than wait for an item that will never come.
	results := make([]T, 0, len(items))
	// The reorder buffer: results that came out ahead of an earlier item wait here until every
	// item before them is out. Only the collector reorders: the stages run in any order.
	early := make(map[int]T)
	for it := range queues[len(stages)] {
		if !ordered {
			results = append(results, it.v)
			continue
		}
		early[it.seq] = it.v
		for v, ok := early[len(results)]; ok; v, ok = early[len(results)] {
			delete(early, len(results))
			results = append(results, v)
		}
	}
	// Wait returns the first error, once every goroutine has returned.
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return results, nil
}

// send puts it into queue, the queue of stage, or gives up when ctx is done. t's hooks see the
// put; here and below, a nil t has none.
func send[T any](ctx context.Context, t *Trace[T], stage int, queue chan<- numbered[T], it numbered[T]) error {
	// select picks at random among ready cases, so a cancellation that has already happened is
	// checked first: once it is seen, no item moves on.
	if err := ctx.Err(); err != nil {
		return err
	}
	t.put(stage, it.v)
	defer t.queued(stage, it.v)
	select {
	case queue <- it:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// receive takes an item from queue, the queue of stage, as its worker; ok is false once the
// queue is closed and drained, or ctx is done.
func receive[T any](ctx context.Context, t *Trace[T], stage, worker int, queue <-chan numbered[T]) (it numbered[T], ok bool) {
	if ctx.Err() != nil {
		return it, false
	}
	t.get(stage, worker)
	select {
	case it, ok = <-queue:
		if ok {
			t.got(stage, worker, it.v)
		}
		return it, ok
	case <-ctx.Done():
		return it, false
	}
}

// --8<-- [end:pipeline]
