// Package fanin is the two halves of fan-out / fan-in. Merge reads several sources as one
// stream, each value as soon as its source yields it. Gather and GatherFailFast call a function
// on many inputs, never more than a given number at once, and return the results in input
// order, whatever order the calls finish in.
//
// In production, reach for golang.org/x/sync/errgroup, which Gather and GatherFailFast are
// built on: Group.SetLimit bounds the goroutines, and errgroup.WithContext cancels the rest on
// the first error and waits for them. For merging there is no library to reach for: the
// function below is the Go blog's "Pipelines and cancellation" merge, which Go programs write
// in place, usually with a concrete element type.
package fanin

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"

	"golang.org/x/sync/errgroup"
)

// --8<-- [start:fan-in]

// Merge forwards every value of every source to the channel it returns, each as soon as its
// source yields it, and in each source's own order. The returned channel is closed once every
// source is closed.
//
// When ctx is done, Merge stops forwarding and closes its channel once each of its goroutines
// has seen that; the consumer should read until the channel is closed, and whoever sends on
// the sources must stop on ctx too, or it blocks forever on a send nobody takes.
func Merge[T any](ctx context.Context, sources ...<-chan T) <-chan T {
	// Unbuffered: a value is handed straight to the consumer. Each source has its own forwarder
	// waiting to hand its value over, so a slow source never holds a fast one back, and
	// nothing queues up between the sources and the consumer.
	out := make(chan T)
	var wg sync.WaitGroup
	for _, source := range sources {
		wg.Go(func() {
			for v := range source {
				select {
				case out <- v:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	// Many goroutines send on out, so none of them may close it: a send on a closed channel
	// panics. One more goroutine closes it once Wait says that every sender has returned, and
	// the consumer's range then ends after the last value.
	go func() {
		wg.Wait()
		close(out)
	}()
	return out
}

// --8<-- [end:fan-in]

// Result is the outcome of one call: its value, or its error.
type Result[T any] struct {
	Value T
	Err   error
}

// --8<-- [start:scatter-gather]

// PanicError is the error of a call that panicked: the value it panicked with, and the stack of
// its goroutine at the panic, for the log that a recovered panic still deserves.
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

// call calls fn and turns a panic into the call's error. errgroup leaves a panic alone, and a
// panic that leaves a goroutine ends the whole program: no other goroutine, Wait included, can
// recover it. Recovered here, it is one more failure: a result for Gather, the first error that
// cancels the rest for GatherFailFast.
func call[In, Out any](ctx context.Context, fn func(context.Context, In) (Out, error), in In) (v Out, err error) {
	defer func() {
		// Since Go 1.21 even panic(nil) recovers a non-nil value.
		if p := recover(); p != nil {
			err = &PanicError{Value: p, Stack: debug.Stack()}
		}
	}()
	return fn(ctx, in)
}

// Gather calls fn on every input, never more than limit calls at once, and returns their
// results in input order. A call that fails does not stop the others: its error is its result,
// and a call that panics has a *PanicError. Gather returns once every call has returned. limit
// must be at least 1.
func Gather[In, Out any](ctx context.Context, limit int, inputs []In, fn func(context.Context, In) (Out, error)) []Result[Out] {
	results := make([]Result[Out], len(inputs))
	// A Group without a context: no call cancels another. SetLimit makes Go block while limit
	// calls are running, so the bound needs no semaphore of its own.
	var g errgroup.Group
	g.SetLimit(limit)
	for i, in := range inputs {
		g.Go(func() error {
			v, err := call(ctx, fn, in)
			// Each call writes only its own slot, and Wait happens after every write: no lock,
			// and the results are in input order however the calls interleave.
			results[i] = Result[Out]{v, err}
			return nil
		})
	}
	// The calls keep their errors as results and return nil, so Wait has none to report.
	_ = g.Wait()
	return results
}

// GatherFailFast calls fn on every input, never more than limit calls at once, and returns
// their values in input order, or the first error, a panic's *PanicError included. That error
// cancels the context every call was given and no further call starts; GatherFailFast returns
// only after every call it started has returned, so nothing outlives it. limit must be at
// least 1.
func GatherFailFast[In, Out any](ctx context.Context, limit int, inputs []In, fn func(context.Context, In) (Out, error)) ([]Out, error) {
	results := make([]Out, len(inputs))
	// WithContext's ctx is cancelled by the first call that returns an error.
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(limit)
	for i, in := range inputs {
		// After a failure, stop handing out inputs rather than wait for a slot for each.
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			// Go may have been waiting for a slot when the failure came, and the slot it got
			// was freed by a cancelled call: this input is not to be started.
			if err := ctx.Err(); err != nil {
				return err
			}
			v, err := call(ctx, fn, in)
			if err != nil {
				return err
			}
			results[i] = v
			return nil
		})
	}
	// Wait returns the first error, and only once every goroutine Go started has returned.
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return results, nil
}

// --8<-- [end:scatter-gather]
