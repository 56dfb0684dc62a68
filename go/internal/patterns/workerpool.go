package patterns

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"

	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/internal/observe"
	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
	"github.com/concurrency-cookbook/cookbook/go/work"
	"github.com/concurrency-cookbook/cookbook/go/workerpool"
)

var workerPool = protocol.Define(protocol.Definition[poolInput, poolOutput, observe.JobsObserved]{
	Validate:     validatePool,
	Run:          runPool,
	BenchInput:   benchPool,
	Check:        checkPool,
	BenchRuntime: func(in poolInput) func() { return withProcs(in.procs) },
})

// Limits from the worker-pool page.
const (
	maxWorkers = 10_000
	maxID      = 1<<53 - 1
)

type poolInput struct {
	workers int
	jobs    []job
	// procs is the GOMAXPROCS a benchmark's mode asks for; 0 keeps the runtime's own.
	procs int
}

// job is a task known by its id, which is also the seed of its work.
type job struct {
	id uint64
	task
}

// poolOutput is the results as the pool returned them: they take the answer's shape only when
// the answer is encoded, after the measured region.
type poolOutput struct {
	results []workerpool.Result[job, uint64]
}

func (o poolOutput) MarshalJSON() ([]byte, error) {
	type resultJSON struct {
		ID uint64 `json:"id"`
		outcomeJSON
	}
	results := make([]resultJSON, len(o.results))
	for i, r := range o.results {
		results[i] = resultJSON{r.Job.id, outcome{r.Value, r.Err}.wire()}
	}
	return json.Marshal(struct {
		Results []resultJSON `json:"results"`
	}{results})
}

// validatePool checks fields in the page's order: workers, jobs, then each job in turn.
func validatePool(in field.Object) (poolInput, error) {
	workers, err := in.Int("workers", 1, maxWorkers)
	if err != nil {
		return poolInput{}, err
	}
	list, err := in.Array("jobs")
	if err != nil {
		return poolInput{}, err
	}
	jobs := make([]job, 0, list.Len())
	firstAt := make(map[uint64]string, list.Len())
	for i := range list.Len() {
		o, err := list.Object(i)
		if err != nil {
			return poolInput{}, err
		}
		id, err := o.Int("id", 0, maxID)
		if err != nil {
			return poolInput{}, err
		}
		if first, dup := firstAt[uint64(id)]; dup {
			return poolInput{}, field.Errorf(o.Path("id"), "must be unique, got %d, already at %s", id, first)
		}
		firstAt[uint64(id)] = o.Path("id")
		t, err := readTask(o, uint64(id))
		if err != nil {
			return poolInput{}, err
		}
		jobs = append(jobs, job{id: uint64(id), task: t})
	}
	return poolInput{workers: int(workers), jobs: jobs}, nil
}

// runPool hands the jobs to the pool, wrapped so that each one is recorded from inside its
// worker: the pool itself knows nothing of observation. A job that panics does so inside Track,
// which records its end as the panic passes, and the pool recovers it into the job's result.
func runPool(ctx context.Context, in poolInput, clock *observe.Clock) (poolOutput, observe.JobsObserved) {
	jobs := observe.NewJobs(clock)
	// Run reports an error only when ctx is cancelled; the results of the jobs that did run are
	// the answer either way, and a missing job shows up in the harness's each-job-once check.
	results, _ := workerpool.Run(ctx, in.workers, in.jobs, func(ctx context.Context, j job) (v uint64, err error) {
		jobs.Track(j.id, func() { v, err = j.run(ctx, "job") })
		return v, err
	})
	return poolOutput{results: results}, jobs.Stop()
}

// benchPool builds the page's benchmark input: ids 0..size-1, each with the params' cost and
// sleep, none failing, run in the optional mode of docs/benchmarks.md. It validates workers,
// cost, sleepMs, mode, in that order.
func benchPool(size int, params field.Object) (poolInput, error) {
	workers, err := params.Int("workers", 1, maxWorkers)
	if err != nil {
		return poolInput{}, err
	}
	cost, sleep, err := costAndSleep(params)
	if err != nil {
		return poolInput{}, err
	}
	mode, err := params.OptOneOf("mode", "event-loop", "parallel")
	if err != nil {
		return poolInput{}, err
	}
	jobs := make([]job, size)
	for i := range jobs {
		jobs[i] = job{id: uint64(i), task: task{seed: uint64(i), cost: cost, sleep: sleep}}
	}
	return poolInput{workers: int(workers), jobs: jobs, procs: modeProcs(mode)}, nil
}

// modeProcs is the GOMAXPROCS a mode runs at: 0, the runtime's own, without a mode.
//
// "event-loop" is GOMAXPROCS 1, the closest Go has to an event loop: the scheduler has one P,
// so at most one goroutine runs Go code at any instant and the others wait their turn at the
// points where it blocks. It is not quite one: the scheduler also preempts a goroutine that
// runs for over 10ms, where an event loop runs each callback to its end, and Go gives the
// program no way to keep every goroutine on one OS thread of its choosing.
//
// "parallel" is GOMAXPROCS at the number of CPUs the process may use, one P each, which is
// already the runtime's default unless GOMAXPROCS is set or a cgroup quota lowers it.
func modeProcs(mode string) int {
	switch mode {
	case "event-loop":
		return 1
	case "parallel":
		return runtime.NumCPU()
	default:
		return 0
	}
}

// withProcs sets GOMAXPROCS to procs, unless procs is 0, and returns what sets it back. Each
// change stops the world for a moment, which is why the benchmark makes it outside the clock.
// Setting GOMAXPROCS also turns off the runtime's own updates of it for the rest of the
// process, which a runner that answers one bench request and exits never misses.
func withProcs(procs int) (restore func()) {
	if procs == 0 {
		return func() {}
	}
	previous := runtime.GOMAXPROCS(procs)
	return func() { runtime.GOMAXPROCS(previous) }
}

// checkPool checks that every benchmark job answered exactly once, without error, and digests
// the values by XOR, which ignores the order the results came in.
func checkPool(in poolInput, out poolOutput) (protocol.Check, error) {
	if len(out.results) != len(in.jobs) {
		return nil, fmt.Errorf("%d results for %d jobs", len(out.results), len(in.jobs))
	}
	// Benchmark ids are 0..size-1, so an id indexes its own flag.
	seen := make([]bool, len(in.jobs))
	var digest uint64
	for _, r := range out.results {
		id := r.Job.id
		if id >= uint64(len(seen)) || seen[id] {
			return nil, fmt.Errorf("job %d answered twice or not in the input", id)
		}
		seen[id] = true
		if r.Err != nil {
			return nil, fmt.Errorf("job %d failed: %v", id, r.Err)
		}
		digest ^= r.Value
	}
	return protocol.Check{"count": len(out.results), "digest": work.Hex(digest)}, nil
}
