package protocol

import (
	"context"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/internal/observe"
)

// Definition is what a pattern brings to the runner, in its own types: In is its validated
// input, Out the output it answers with.
type Definition[In, Out any] struct {
	// Validate reads a case's input, reporting the first invalid field, in the order the
	// pattern's page documents, as a *field.Error.
	Validate func(input field.Object) (In, error)
	// Run runs the pattern once, reporting every job to rec. rec is nil in benchmarks, where a
	// nil *observe.Recorder records nothing.
	Run func(ctx context.Context, in In, rec *observe.Recorder) Out
	// BenchInput builds the benchmark input from size and params, reporting bad params as a
	// *field.Error.
	BenchInput func(size int, params field.Object) (In, error)
	// Check verifies a benchmark run's output against its input and summarizes it.
	Check func(in In, out Out) (Check, error)
}

// Check is the summary of a benchmark run that the harness verifies against its reference.
type Check struct {
	Count  int    `json:"count"`
	Digest string `json:"digest"`
}

// Pattern is a Definition with its types erased, so that patterns of different types fit in one
// table.
type Pattern struct {
	answer func(ctx context.Context, input field.Object) (any, observe.Observed, error)
	bench  func(size int, params field.Object) (func(context.Context) (time.Duration, Check, error), error)
}

// Define wraps d for the runner's table.
func Define[In, Out any](d Definition[In, Out]) Pattern {
	return Pattern{
		answer: func(ctx context.Context, input field.Object) (any, observe.Observed, error) {
			in, err := d.Validate(input)
			if err != nil {
				return nil, observe.Observed{}, err
			}
			// The clock starts after validation, just before the first job can be handed out.
			rec := observe.Start()
			out := d.Run(ctx, in, rec)
			return out, rec.Stop(), nil
		},
		bench: func(size int, params field.Object) (func(context.Context) (time.Duration, Check, error), error) {
			in, err := d.BenchInput(size, params)
			if err != nil {
				return nil, err
			}
			return func(ctx context.Context) (time.Duration, Check, error) {
				start := time.Now()
				out := d.Run(ctx, in, nil)
				elapsed := time.Since(start)
				check, err := d.Check(in, out)
				return elapsed, check, err
			}, nil
		},
	}
}
