package patterns

import (
	"context"
	"fmt"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/internal/observe"
	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
	"github.com/concurrency-cookbook/cookbook/go/work"
	"github.com/concurrency-cookbook/cookbook/go/workerpool"
)

var workerPool = protocol.Define(protocol.Definition[poolInput, poolOutput]{
	Validate:   validatePool,
	Run:        runPool,
	BenchInput: benchPool,
	Check:      checkPool,
})

// Limits from the worker-pool page.
const (
	maxWorkers = 10_000
	maxID      = 1<<53 - 1
	maxCost    = 100_000_000
	maxSleepMs = 60_000
)

type poolInput struct {
	workers int
	jobs    []job
}

type job struct {
	id, cost uint64
	sleep    time.Duration
	fail     bool
}

type poolOutput struct {
	Results []result `json:"results"`
}

type result struct {
	ID    uint64 `json:"id"`
	Value string `json:"value,omitempty"`
	Error string `json:"error,omitempty"`
	raw   uint64 // Value before formatting, for the benchmark's digest
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
		cost, sleep, err := costAndSleep(o)
		if err != nil {
			return poolInput{}, err
		}
		fail, err := o.OptBool("fail", false)
		if err != nil {
			return poolInput{}, err
		}
		jobs = append(jobs, job{id: uint64(id), cost: cost, sleep: sleep, fail: fail})
	}
	return poolInput{workers: int(workers), jobs: jobs}, nil
}

// costAndSleep reads the optional cost and sleepMs, shared by a job and the bench params.
func costAndSleep(o field.Object) (uint64, time.Duration, error) {
	cost, err := o.OptInt("cost", 0, 0, maxCost)
	if err != nil {
		return 0, 0, err
	}
	sleepMs, err := o.OptInt("sleepMs", 0, 0, maxSleepMs)
	if err != nil {
		return 0, 0, err
	}
	return uint64(cost), time.Duration(sleepMs) * time.Millisecond, nil
}

// runPool hands the jobs to the pool, wrapped so that each one is recorded from inside its
// worker: the pool itself knows nothing of observation.
func runPool(ctx context.Context, in poolInput, rec *observe.Recorder) poolOutput {
	// Run reports an error only when ctx is cancelled; the results of the jobs that did run are
	// the answer either way, and a missing job shows up in the harness's each-job-once check.
	results, _ := workerpool.Run(ctx, in.workers, in.jobs, func(ctx context.Context, j job) result {
		var r result
		rec.Track(j.id, func() { r = j.do(ctx) })
		return r
	})
	return poolOutput{Results: results}
}

// do is the job the page defines: sleep, then work, then fail if asked to.
func (j job) do(ctx context.Context) result {
	if j.sleep > 0 {
		// The sleep models I/O: it parks this goroutine, not an OS thread, and yields to
		// cancellation.
		select {
		case <-time.After(j.sleep):
		case <-ctx.Done():
			return result{ID: j.id, Error: ctx.Err().Error()}
		}
	}
	v := work.Work(j.id, j.cost)
	if j.fail {
		return result{ID: j.id, Error: fmt.Sprintf("job %d failed", j.id)}
	}
	return result{ID: j.id, Value: work.Hex(v), raw: v}
}

// benchPool builds the page's benchmark input: ids 0..size-1, each with the params' cost and
// sleep, none failing.
func benchPool(size int, params field.Object) (poolInput, error) {
	workers, err := params.Int("workers", 1, maxWorkers)
	if err != nil {
		return poolInput{}, err
	}
	cost, sleep, err := costAndSleep(params)
	if err != nil {
		return poolInput{}, err
	}
	jobs := make([]job, size)
	for i := range jobs {
		jobs[i] = job{id: uint64(i), cost: cost, sleep: sleep}
	}
	return poolInput{workers: int(workers), jobs: jobs}, nil
}

// checkPool checks that every benchmark job answered exactly once, without error, and digests
// the values by XOR, which ignores the order the results came in.
func checkPool(in poolInput, out poolOutput) (protocol.Check, error) {
	if len(out.Results) != len(in.jobs) {
		return protocol.Check{}, fmt.Errorf("%d results for %d jobs", len(out.Results), len(in.jobs))
	}
	// Benchmark ids are 0..size-1, so an id indexes its own flag.
	seen := make([]bool, len(in.jobs))
	var digest uint64
	for _, r := range out.Results {
		if r.ID >= uint64(len(seen)) || seen[r.ID] {
			return protocol.Check{}, fmt.Errorf("job %d answered twice or not in the input", r.ID)
		}
		seen[r.ID] = true
		if r.Error != "" {
			return protocol.Check{}, fmt.Errorf("job %d failed: %s", r.ID, r.Error)
		}
		digest ^= r.raw
	}
	return protocol.Check{Count: len(out.Results), Digest: work.Hex(digest)}, nil
}
