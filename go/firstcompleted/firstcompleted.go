// Package firstcompleted starts several calls and takes the first answer: the first call to
// finish (Race), the first to succeed (Any), or the first to succeed of a primary and a backup
// started only when the primary is late (Hedge). No call outlives the function that started it:
// once the answer is in, the others are cancelled and waited for.
//
// In production there is no library to reach for, and none is needed: a channel with room for
// every call's result, a context cancelled once the answer is in, and a WaitGroup, as below.
// errgroup would do the waiting, but its rule is the opposite one: its first error cancels
// everything, where a race is settled by its first result and Any by its first success.
package firstcompleted

import (
	"context"
	"errors"
	"sync"
	"time"
)

// --8<-- [start:first-completed]

// Result is what one call came to: Index is its place among the calls, Value what it returned,
// Err its error.
type Result[T any] struct {
	Index int
	Value T
	Err   error
}

// flight is the calls of one first-completed in the air: they share a context, which land
// cancels, and each reports once on results.
type flight[T any] struct {
	ctx    context.Context
	cancel context.CancelFunc
	// Room for every call's result: a loser's send never blocks, so it can return once no one
	// is listening any more. Without the room, each loser would block on its send forever, a
	// goroutine leaked per call.
	results chan Result[T]
	wg      sync.WaitGroup
}

func newFlight[T any](ctx context.Context, calls int) *flight[T] {
	ctx, cancel := context.WithCancel(ctx)
	return &flight[T]{ctx: ctx, cancel: cancel, results: make(chan Result[T], calls)}
}

// start runs call i in a goroutine of its own, which sends its result when it returns.
func (f *flight[T]) start(i int, call func(context.Context) (T, error)) {
	f.wg.Go(func() {
		v, err := call(f.ctx)
		f.results <- Result[T]{Index: i, Value: v, Err: err}
	})
}

// land cancels every call still running and waits until each has returned. Cancelling alone
// only asks: a loser still has its cleanup to run, and without the wait it would run it, or
// go on working for an answer no one will read, after the caller has moved on.
func (f *flight[T]) land() {
	f.cancel()
	f.wg.Wait()
}

// launch starts every call at once, for the function named by caller, which panics with no
// call: there would be nothing to wait for.
func launch[T any](ctx context.Context, caller string, calls []func(context.Context) (T, error)) *flight[T] {
	if len(calls) == 0 {
		panic("firstcompleted: " + caller + " needs at least one call")
	}
	f := newFlight[T](ctx, len(calls))
	for i, call := range calls {
		f.start(i, call)
	}
	return f
}

// Race starts every call at once and returns the result of the first to finish, success or
// failure, once the others have been cancelled and have returned. It panics with no call.
func Race[T any](ctx context.Context, calls ...func(context.Context) (T, error)) Result[T] {
	f := launch(ctx, "Race", calls)
	defer f.land()
	return <-f.results
}

// Any starts every call at once and returns the result of the first to succeed, once the
// others have been cancelled and have returned. If every call fails, it returns their errors,
// joined in input order (errors.Join: Unwrap() []error gives them back), as JavaScript's
// Promise.any rejects with an AggregateError. It panics with no call.
func Any[T any](ctx context.Context, calls ...func(context.Context) (T, error)) (Result[T], error) {
	f := launch(ctx, "Any", calls)
	defer f.land()
	return f.firstSuccess(make([]error, len(calls)), len(calls))
}

// Hedge calls primary, and backup too if primary has not succeeded after the delay: at once if
// primary fails sooner, as a retry would. It returns the result of the first of them to succeed,
// once the other has been cancelled and has returned, and whether backup was started. If both
// fail, it returns their errors joined, primary's first. A slow primary costs at most the delay;
// the usual case costs one call, where sending both at once would double every call's load.
func Hedge[T any](ctx context.Context, after time.Duration, primary, backup func(context.Context) (T, error)) (r Result[T], hedged bool, err error) {
	f := newFlight[T](ctx, 2)
	defer f.land()
	f.start(0, primary)
	errs := make([]error, 2)
	// A Timer rather than time.After, so that the deferred Stop ends it as soon as the answer
	// is in. The backup starts once, on whichever comes first: the delay or a failure.
	timer := time.NewTimer(after)
	defer timer.Stop()
	pending := 2
	select {
	case <-timer.C:
	case r = <-f.results:
		if r.Err == nil {
			return r, false, nil
		}
		errs[0], pending = r.Err, 1
	}
	f.start(1, backup)
	r, err = f.firstSuccess(errs, pending)
	return r, true, err
}

// firstSuccess receives results until one is a success, and returns it; if the pending calls
// all fail, every error, the ones already in errs included, joined in input order.
func (f *flight[T]) firstSuccess(errs []error, pending int) (Result[T], error) {
	for range pending {
		r := <-f.results
		if r.Err == nil {
			return r, nil
		}
		// By index, not in the order they came: the errors read in input order.
		errs[r.Index] = r.Err
	}
	return Result[T]{}, errors.Join(errs...)
}

// --8<-- [end:first-completed]
