// Package workerpool runs a list of jobs on a fixed number of goroutines: every job runs exactly
// once, and never more than the given number at a time.
//
// In production, reach for golang.org/x/sync/errgroup: a Group with SetLimit(n) blocks in Go
// while n goroutines are running, and adds cancellation of the siblings on the first error. The
// pattern here still stands for two reasons. A job's failure is one of its results, and every
// job still runs, where errgroup keeps only the first error. And a fixed set of long-lived
// workers draining a channel is the right shape when each worker owns something it reuses from
// one job to the next, such as a connection or a buffer.
package workerpool

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
)

// --8<-- [start:worker-pool]

// Result is what one job came to: the value fn returned for it, or its error.
type Result[J, R any] struct {
	Job   J
	Value R
	Err   error
}

// PanicError is the error of a job whose fn panicked: the value it panicked with, and the stack
// of its goroutine at the panic, for the log that a recovered panic still deserves.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Unwrap returns the panic's value when it is an error, so that errors.Is and errors.As see it.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// Run calls fn once for each job, from at most workers goroutines at a time, and returns the
// results in the order they completed. A job that panics does not take the pool down: its
// result has a *PanicError. workers must be at least 1: Run panics otherwise, because a pool
// without workers would wait forever. A nil or empty jobs starts no goroutine and returns an
// empty, non-nil slice.
//
// When ctx is cancelled, Run stops handing out jobs at once, lets the jobs already handed out
// finish (fn receives ctx so that it can cut them short), and returns their results with the
// context's error; the jobs never handed out have no result. Either way, Run returns only after
// every goroutine it started has exited.
func Run[J, R any](ctx context.Context, workers int, jobs []J, fn func(context.Context, J) (R, error)) ([]Result[J, R], error) {
	if workers < 1 {
		panic("workerpool: workers must be at least 1")
	}
	// Unbuffered: a job leaves Run only when a worker is ready to start it, so a cancellation
	// leaves no queue of handed-out jobs behind.
	queue := make(chan J)
	// One slot per job: a worker never waits to hand in a result while Run, the only reader,
	// is still busy handing out jobs.
	results := make(chan Result[J, R], len(jobs))

	var wg sync.WaitGroup
	// Workers beyond the number of jobs would have nothing to do.
	for range min(workers, len(jobs)) {
		wg.Go(func() {
			// The range ends when Run closes queue: that is how idle workers learn that no
			// more work will come.
			for job := range queue {
				results <- call(ctx, fn, job)
			}
		})
	}

	err := feed(ctx, queue, jobs)
	// Run is the only sender on queue, so Run closes it.
	close(queue)
	// Wait returns once every worker has exited, and so after its last send: with no sender
	// left, results can be closed, and the range below ends after the last buffered result.
	wg.Wait()
	close(results)

	out := make([]Result[J, R], 0, len(jobs))
	for r := range results {
		out = append(out, r)
	}
	return out, err
}

// call runs one job and turns a panic into the job's error. A panic that leaves a goroutine
// ends the whole program, not just the goroutine, and no other goroutine can recover it: the
// worker must. It recovers around each job, not around its loop, so that it lives on to take
// the next job; a worker that died would leave its share of the queue to the others, or,
// were every worker to die, Run blocked forever on a job nobody takes.
func call[J, R any](ctx context.Context, fn func(context.Context, J) (R, error), job J) (r Result[J, R]) {
	r.Job = job
	defer func() {
		// Since Go 1.21 even panic(nil) recovers a non-nil value.
		if v := recover(); v != nil {
			r.Err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	r.Value, r.Err = fn(ctx, job)
	return r
}

// feed hands out jobs one at a time until none is left or ctx is cancelled.
func feed[J any](ctx context.Context, queue chan<- J, jobs []J) error {
	for _, job := range jobs {
		// select picks at random among ready cases, so a cancellation that has already
		// happened is checked first: once it is seen, no further job goes out.
		if err := ctx.Err(); err != nil {
			return err
		}
		select {
		case queue <- job:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// --8<-- [end:worker-pool]
