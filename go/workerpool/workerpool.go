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
	"sync"
)

// --8<-- [start:worker-pool]

// Run calls fn once for each job, from at most workers goroutines at a time, and returns the
// results in the order they completed. workers must be at least 1: Run panics otherwise, because
// a pool without workers would wait forever. A nil or empty jobs starts no goroutine and returns
// an empty, non-nil slice.
//
// When ctx is cancelled, Run stops handing out jobs at once, lets the jobs already handed out
// finish (fn receives ctx so that it can cut them short), and returns their results with the
// context's error; the jobs never handed out have no result. Either way, Run returns only after
// every goroutine it started has exited.
func Run[J, R any](ctx context.Context, workers int, jobs []J, fn func(context.Context, J) R) ([]R, error) {
	if workers < 1 {
		panic("workerpool: workers must be at least 1")
	}
	// Unbuffered: a job leaves Run only when a worker is ready to start it, so a cancellation
	// leaves no queue of handed-out jobs behind.
	queue := make(chan J)
	// One slot per job: a worker never waits to hand in a result while Run, the only reader,
	// is still busy handing out jobs.
	results := make(chan R, len(jobs))

	var wg sync.WaitGroup
	// Workers beyond the number of jobs would have nothing to do.
	for range min(workers, len(jobs)) {
		wg.Go(func() {
			// The range ends when Run closes queue: that is how idle workers learn that no
			// more work will come.
			for job := range queue {
				results <- fn(ctx, job)
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

	out := make([]R, 0, len(jobs))
	for r := range results {
		out = append(out, r)
	}
	return out, err
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
