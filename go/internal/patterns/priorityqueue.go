package patterns

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/internal/observe"
	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
	"github.com/concurrency-cookbook/cookbook/go/priorityqueue"
)

var priorityQueue = protocol.Define(protocol.Definition[pqInput, pqOutput, pqObserved]{
	Validate:   validatePQ,
	Run:        runPQ,
	BenchInput: benchPQ,
	Check:      checkPQ,
})

// Limits from the priority-queue page.
const (
	maxPQWorkers    = 1000
	maxAttempts     = 100
	maxPriority     = 1_000_000
	maxArriveMs     = 60_000
	maxFailAttempts = 100
)

type pqInput struct {
	workers, maxAttempts int
	jobs                 []pqJob
}

// pqJob is a job: its task, whose seed is its id and which fails its first failAttempts
// attempts, and when and how urgently it arrives.
type pqJob struct {
	task
	priority, failAttempts int
	arrive                 time.Duration
}

type pqOutput struct {
	results []priorityqueue.Result[pqJob, uint64]
	// started is every attempt's job id, in the order the attempts started.
	started []uint64
}

func (o pqOutput) MarshalJSON() ([]byte, error) {
	type resultJSON struct {
		ID       uint64 `json:"id"`
		Value    string `json:"value,omitempty"`
		Error    string `json:"error,omitempty"`
		Attempts int    `json:"attempts"`
	}
	results := make([]resultJSON, len(o.results))
	for i, r := range o.results {
		results[i] = resultJSON{ID: r.Job.seed, Attempts: r.Attempts}
		if r.Err != nil {
			plural := "s"
			if r.Attempts == 1 {
				plural = ""
			}
			results[i].Error = fmt.Sprintf("job %d failed after %d attempt%s", r.Job.seed, r.Attempts, plural)
		} else {
			results[i].Value = outcome{value: r.Value}.wire().Value
		}
	}
	started := o.started
	if started == nil {
		started = []uint64{}
	}
	return json.Marshal(struct {
		Results []resultJSON `json:"results"`
		Started []uint64     `json:"started"`
	}{results, started})
}

type pqObserved struct {
	ElapsedNs int64           `json:"elapsedNs"`
	Attempts  []attemptRecord `json:"attempts"`
}

type attemptRecord struct {
	ID       uint64 `json:"id"`
	Attempt  int    `json:"attempt"`
	Priority int    `json:"priority"`
	StartNs  int64  `json:"startNs"`
	EndNs    int64  `json:"endNs"`
}

// validatePQ checks workers, maxAttempts, jobs, then each job in turn: id, priority, arriveMs
// (never earlier than the job before's), cost, sleepMs, failAttempts.
func validatePQ(in field.Object) (pqInput, error) {
	workers, err := in.Int("workers", 1, maxPQWorkers)
	if err != nil {
		return pqInput{}, err
	}
	attempts, err := in.Int("maxAttempts", 1, maxAttempts)
	if err != nil {
		return pqInput{}, err
	}
	list, err := in.Array("jobs")
	if err != nil {
		return pqInput{}, err
	}
	p := pqInput{workers: int(workers), maxAttempts: int(attempts), jobs: make([]pqJob, list.Len())}
	ids := idSet{}
	for i := range list.Len() {
		o, err := list.Object(i)
		if err != nil {
			return pqInput{}, err
		}
		id, err := ids.read(o, "id")
		if err != nil {
			return pqInput{}, err
		}
		priority, err := o.Int("priority", 0, maxPriority)
		if err != nil {
			return pqInput{}, err
		}
		arrive, err := optMs(o, "arriveMs", maxArriveMs)
		if err != nil {
			return pqInput{}, err
		}
		if i > 0 && arrive < p.jobs[i-1].arrive {
			return pqInput{}, field.Errorf(o.Path("arriveMs"), "must not be earlier than %s.arriveMs (%d): jobs arrive in order, got %d",
				list.Path(i-1), p.jobs[i-1].arrive.Milliseconds(), arrive.Milliseconds())
		}
		cost, sleep, err := costAndSleep(o)
		if err != nil {
			return pqInput{}, err
		}
		fails, err := o.OptInt("failAttempts", 0, 0, maxFailAttempts)
		if err != nil {
			return pqInput{}, err
		}
		p.jobs[i] = pqJob{task: task{seed: id, cost: cost, sleep: sleep}, priority: int(priority), failAttempts: int(fails), arrive: arrive}
	}
	return p, nil
}

// runPQ has one submitter push each job at its arriveMs after the start, and the workers take
// them by priority. Each attempt is stamped from inside its worker: startNs, with its place in
// started, once the worker holds the job, endNs when the attempt is over, before the worker
// pushes it back or takes another. A benchmark keeps no record: its answer is only checked.
func runPQ(ctx context.Context, in pqInput, clock *observe.Clock) (pqOutput, pqObserved) {
	origin := time.Now()
	var mu sync.Mutex
	var started []uint64
	attempts := observe.NewLog[attemptRecord](clock)
	results := priorityqueue.Run(ctx, in.workers, in.maxAttempts, func(push func(pqJob, int)) {
		for _, j := range in.jobs {
			if sleep(ctx, time.Until(origin.Add(j.arrive))) != nil {
				return
			}
			push(j, j.priority)
		}
	}, func(ctx context.Context, a priorityqueue.Attempt[pqJob]) (uint64, error) {
		var start int64
		if clock != nil {
			// Stamped and listed under one lock, so that started is in the order of startNs.
			mu.Lock()
			start = clock.Now()
			started = append(started, a.Job.seed)
			mu.Unlock()
		}
		t := a.Job.task
		t.fail = a.Number <= a.Job.failAttempts
		v, err := t.run(ctx, "job")
		attempts.Add(attemptRecord{ID: t.seed, Attempt: a.Number, Priority: a.Priority, StartNs: start, EndNs: clock.Now()})
		return v, err
	})
	return pqOutput{results: results, started: started}, pqObserved{ElapsedNs: clock.Now(), Attempts: attempts.Items()}
}

// benchPQ builds the page's benchmark input: ids 0..size-1 at priority id * 7919 mod 100, all
// arriving at once, one attempt each. It validates workers, then cost.
func benchPQ(size int, params field.Object) (pqInput, error) {
	workers, err := params.Int("workers", 1, maxPQWorkers)
	if err != nil {
		return pqInput{}, err
	}
	cost, err := params.Int("cost", 0, maxCost)
	if err != nil {
		return pqInput{}, err
	}
	p := pqInput{workers: int(workers), maxAttempts: 1, jobs: make([]pqJob, size)}
	for i := range p.jobs {
		p.jobs[i] = pqJob{task: task{seed: uint64(i), cost: uint64(cost)}, priority: i * 7919 % 100}
	}
	return p, nil
}

// checkPQ checks that every job ended once, after one attempt, without error, and digests the
// values by XOR.
func checkPQ(in pqInput, out pqOutput) (protocol.Check, error) {
	outcomes := make([]idOutcome, len(out.results))
	for i, r := range out.results {
		if r.Attempts != 1 {
			return nil, fmt.Errorf("job %d took %d attempts, with one allowed", r.Job.seed, r.Attempts)
		}
		outcomes[i] = idOutcome{r.Job.seed, outcome{r.Value, r.Err}}
	}
	return xorCheck(len(in.jobs), outcomes)
}
