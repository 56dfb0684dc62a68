package protocol

import (
	"context"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/internal/field"
)

// WorkloadDefinition is what a benchmark-only workload (docs/benchmarks.md) brings to the
// runner: bench measures it as it measures a pattern and list names it under "benchmarks", but
// it has no spec and no case to run. In is its validated parameters.
type WorkloadDefinition[In any] struct {
	// BenchInput builds the workload from size and params, reporting the first invalid param
	// as a *field.Error, in the order the workload's section of docs/benchmarks.md documents.
	BenchInput func(size int, params field.Object) (In, error)
	// Measure runs the workload once and checks its own answer. It reads the clock itself,
	// because it times more than the whole run: when its last task was started.
	Measure func(ctx context.Context, in In) (Measured, error)
}

// Measured is one timed run of a benchmark.
type Measured struct {
	// Elapsed is the whole measured region.
	Elapsed time.Duration
	// Launch is the time from the start of the region until the last task was started; only
	// a workload reports it.
	Launch time.Duration
	// Check summarizes the run's answer for the harness.
	Check Check
}

// Workload is a WorkloadDefinition with its types erased, so that workloads of different types
// fit in one table.
type Workload struct {
	bench benchFunc
}

// DefineWorkload wraps d for the runner's table of workloads.
func DefineWorkload[In any](d WorkloadDefinition[In]) Workload {
	return Workload{bench: func(size int, params field.Object) (func(context.Context) (Measured, error), error) {
		in, err := d.BenchInput(size, params)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context) (Measured, error) { return d.Measure(ctx, in) }, nil
	}}
}
