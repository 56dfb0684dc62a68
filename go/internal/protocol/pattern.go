package protocol

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/internal/observe"
)

// Definition is what a pattern brings to the runner, in its own types: In is its validated
// input, Out the output it answers with and Obs what it observed, each encoded as JSON.
type Definition[In, Out, Obs any] struct {
	// Validate reads a case's input, reporting the first invalid field, in the order the
	// pattern's page documents, as a *field.Error.
	Validate func(input field.Object) (In, error)
	// Run runs the pattern once, reading the times it observes from clock, which starts just
	// before Run is called. In benchmarks clock is nil: nothing is observed, and the Obs
	// returned is dropped.
	Run func(ctx context.Context, in In, clock *observe.Clock) (Out, Obs)
	// BenchInput builds the benchmark input from size and params, reporting bad params as a
	// *field.Error. It is nil for a variant whose pattern benchmarks another variant.
	BenchInput func(size int, params field.Object) (In, error)
	// Check verifies a benchmark run's output against its input and summarizes it.
	Check func(in In, out Out) (Check, error)
	// BenchRuntime, when set, switches the runtime to what a benchmark input asks for (the
	// worker pool's mode) before each timed run, and returns what switches it back once the
	// clock has stopped, so that neither switch is in the figure.
	BenchRuntime func(in In) (restore func())
}

// Check is the summary of a benchmark run that the harness verifies against its reference:
// "count" and the pattern's own figures ("digest", "reads", "admitted"). Its values are ints
// and strings, so that two checks compare with maps.Equal.
type Check map[string]any

// Pattern is a Definition with its types erased, so that patterns of different types fit in one
// table.
type Pattern struct {
	answer func(ctx context.Context, input field.Object) (output, observed any, err error)
	bench  benchFunc
}

// benchFunc builds a benchmark from a request's size and params, or reports the first invalid
// param; the benchmark it returns times and checks one run each time it is called.
type benchFunc func(size int, params field.Object) (func(context.Context) (Measured, error), error)

// Define wraps d for the runner's table.
func Define[In, Out, Obs any](d Definition[In, Out, Obs]) Pattern {
	p := Pattern{
		answer: func(ctx context.Context, input field.Object) (any, any, error) {
			in, err := d.Validate(input)
			if err != nil {
				return nil, nil, err
			}
			// The clock starts after validation, just before the first job can be handed out.
			out, obs := d.Run(ctx, in, observe.Start())
			return out, obs, nil
		},
	}
	if d.BenchInput == nil {
		return p
	}
	p.bench = func(size int, params field.Object) (func(context.Context) (Measured, error), error) {
		in, err := d.BenchInput(size, params)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context) (Measured, error) {
			restore := func() {}
			if d.BenchRuntime != nil {
				restore = d.BenchRuntime(in)
			}
			start := time.Now()
			out, _ := d.Run(ctx, in, nil)
			elapsed := time.Since(start)
			restore()
			check, err := d.Check(in, out)
			return Measured{Elapsed: elapsed, Check: check}, err
		}, nil
	}
	return p
}

// Variants is one pattern whose input comes in several shapes, told apart by the string field
// name (fan-in's "op", a limiter's "mode"). That field is validated first and each variant
// validates the rest of the input; the pattern's benchmark is the variant named bench.
func Variants(name string, variants map[string]Pattern, bench string) Pattern {
	if variants[bench].bench == nil {
		panic(fmt.Sprintf("protocol: variant %q has no benchmark", bench))
	}
	names := slices.Sorted(maps.Keys(variants))
	return Pattern{
		answer: func(ctx context.Context, input field.Object) (any, any, error) {
			which, err := input.OneOf(name, names...)
			if err != nil {
				return nil, nil, err
			}
			return variants[which].answer(ctx, input)
		},
		bench: variants[bench].bench,
	}
}
