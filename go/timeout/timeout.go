// Package timeout runs work under deadlines: one operation under a deadline, deadlines nested
// inside one another, or a group of operations under one deadline. On time, an operation keeps
// its result; late, it is cancelled, and the caller gets a *DeadlineError naming the deadline
// that fired, which cannot be mistaken for an error of the operation's own.
//
// In production, this is context.WithTimeout and context.WithDeadline: the deadline travels
// with the context into every call below, and each call that waits (a request, a query, a lock)
// gives up when it passes. What the context leaves to the caller, and this package shows:
//
//   - which deadline fired. ctx.Err() is context.DeadlineExceeded for every deadline alike;
//     context.WithTimeoutCause gives each deadline a cause of its own, and context.Cause reads
//     the one that ended the context, an enclosing deadline's included;
//   - the deadline told from the operation's errors. An operation may fail with a timeout of
//     its own (a client's, a lock's) that errors.Is(err, context.DeadlineExceeded) would take
//     for ours;
//   - the deadline as a bound on the work, not only on the waiting. A select on time.After
//     beside a goroutine's result channel returns on time, but the goroutine runs on unseen,
//     cleanup and all, after the caller has moved on. Here the operation is cancelled and waited
//     for: every function returns only once the operations it started have returned.
package timeout

import (
	"context"
	"errors"
	"sync"
	"time"
)

// --8<-- [start:timeout]

// DeadlineError is the error of work that the deadline named Name cut short. It is a type of
// its own, so that no error of an operation passes for it, nor it for one of theirs; its Timeout
// method says true, as context.DeadlineExceeded's and net.Error's do, for code that treats every
// timeout alike.
type DeadlineError struct {
	Name string
}

func (e *DeadlineError) Error() string { return "the " + e.Name + " deadline expired" }

// Timeout reports that the error is a timeout.
func (e *DeadlineError) Timeout() bool { return true }

// Within calls op with a context that ends d from now, and returns what op returned; but if op
// stopped because its context ended, it returns why: a *DeadlineError named name, or the cause
// of whatever ended the context first, such as an enclosing deadline.
//
// op must return its context's error when the context cuts it short, as every context-aware
// call does, and finish its cleanup before it returns. Within returns only once op has, so
// nothing op started is left running. Calls nest, each inside the op of the one around it,
// as a callee's own budget sits inside its caller's: whichever deadline is earlier fires and
// is the one reported, without either call knowing of the other.
func Within[T any](ctx context.Context, d time.Duration, name string, op func(context.Context) (T, error)) (T, error) {
	// The cause is what context.Cause reports once the deadline has passed, for this context
	// and every context derived from it: the inner call of a nest reads the outer's name.
	ctx, cancel := context.WithTimeoutCause(ctx, d, &DeadlineError{Name: name})
	// Stops the deadline's timer as soon as op returns, on time or not.
	defer cancel()
	v, err := op(ctx)
	if cut(ctx, err) {
		var zero T
		return zero, context.Cause(ctx)
	}
	return v, err
}

// Result is what one operation of a group came to: its value, or its error, which is a
// *DeadlineError if the group's deadline cut it short.
type Result[T any] struct {
	Value T
	Err   error
}

// Group starts every op at once, each in a goroutine of its own, under one deadline d from
// now named name, and returns their results in input order once every op has returned. The
// operations that finished in time keep their outcome, failures included; those still running
// at the deadline are cancelled, and their result is its *DeadlineError. The ops must behave
// as Within asks.
func Group[T any](ctx context.Context, d time.Duration, name string, ops []func(context.Context) (T, error)) []Result[T] {
	ctx, cancel := context.WithTimeoutCause(ctx, d, &DeadlineError{Name: name})
	defer cancel()
	results := make([]Result[T], len(ops))
	var wg sync.WaitGroup
	for i, op := range ops {
		wg.Go(func() {
			v, err := op(ctx)
			if cut(ctx, err) {
				err = context.Cause(ctx)
			}
			// Each goroutine writes its own slot, and Wait happens after every write: no lock.
			results[i] = Result[T]{v, err}
		})
	}
	// The deadline cancels; Wait is what makes sure the cancelled operations have stopped, and
	// their cleanups finished, before the caller sees a result.
	wg.Wait()
	return results
}

// cut reports whether err says that op stopped because ctx ended. A check of ctx.Err() alone
// would turn an operation's own failure into a timeout whenever the deadline passed before
// op reported it; only the context's own error, returned by op, says that ctx cut it short.
// A *DeadlineError from a nested Within is no such error: it is passed on as it is, so that a
// deadline passing while an inner one's cleanup runs does not take the blame.
func cut(ctx context.Context, err error) bool {
	return err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err())
}

// --8<-- [end:timeout]
