package patterns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/internal/observe"
	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
	"github.com/concurrency-cookbook/cookbook/go/pipeline"
	"github.com/concurrency-cookbook/cookbook/go/work"
)

var pipelinePattern = protocol.Define(protocol.Definition[pipeInput, pipeOutput, pipeObserved]{
	Validate:   validatePipe,
	Run:        runPipe,
	BenchInput: benchPipe,
	Check:      checkPipe,
})

// Limits from the pipeline page.
const (
	maxStages       = 16
	maxStageWorkers = 1000
)

type pipeInput struct {
	stages  []pipeStage
	items   []pipeSource
	ordered bool
}

type pipeStage struct {
	workers, capacity int
	cost              uint64
	sleep             time.Duration
}

// pipeSource is an item as the input gives it.
type pipeSource struct {
	id     uint64
	sleep  time.Duration
	failAt int // -1: never
}

// pipeItem is an item on its way: its place in the input and its value so far.
type pipeItem struct {
	index     int
	id, value uint64
}

// stageFailure is the failure of an item in a stage.
type stageFailure struct {
	id    uint64
	stage int
}

func (f stageFailure) Error() string { return fmt.Sprintf("item %d failed in stage %d", f.id, f.stage) }

// pipeOutput is the results, or the error that stopped the pipeline.
type pipeOutput struct {
	results []pipeItem
	err     error
}

func (o pipeOutput) MarshalJSON() ([]byte, error) {
	var f stageFailure
	switch {
	case errors.As(o.err, &f):
		type failed struct {
			ID    uint64 `json:"id"`
			Stage int    `json:"stage"`
		}
		return json.Marshal(struct {
			Failed failed `json:"failed"`
		}{failed{f.id, f.stage}})
	case o.err != nil:
		// Only a cancelled run ends this way, and the runner has stopped by then.
		return json.Marshal(struct {
			Error string `json:"error"`
		}{o.err.Error()})
	}
	return resultsJSON(o.outcomes())
}

func (o pipeOutput) outcomes() []idOutcome {
	out := make([]idOutcome, len(o.results))
	for i, it := range o.results {
		out[i] = idOutcome{it.id, outcome{value: it.value}}
	}
	return out
}

type pipeObserved struct {
	ElapsedNs int64        `json:"elapsedNs"`
	Records   []pipeRecord `json:"records"`
}

type pipeRecord struct {
	ID     uint64 `json:"id"`
	Stage  int    `json:"stage"`
	Worker int    `json:"worker"`
	queueStamps
	taken bool
}

// validatePipe checks stages, each stage, items, each item, then ordered.
func validatePipe(in field.Object) (pipeInput, error) {
	list, err := in.Array("stages")
	if err != nil {
		return pipeInput{}, err
	}
	if list.Len() < 1 || list.Len() > maxStages {
		return pipeInput{}, field.Errorf(in.Path("stages"), "must have from 1 to %d elements, got %d", maxStages, list.Len())
	}
	p := pipeInput{stages: make([]pipeStage, list.Len())}
	for s := range list.Len() {
		o, err := list.Object(s)
		if err != nil {
			return pipeInput{}, err
		}
		if p.stages[s], err = readStage(o); err != nil {
			return pipeInput{}, err
		}
	}
	items, err := in.Array("items")
	if err != nil {
		return pipeInput{}, err
	}
	p.items = make([]pipeSource, items.Len())
	ids := idSet{}
	for i := range items.Len() {
		o, err := items.Object(i)
		if err != nil {
			return pipeInput{}, err
		}
		id, err := ids.read(o, "id")
		if err != nil {
			return pipeInput{}, err
		}
		sleep, err := optMs(o, "sleepMs", maxSleepMs)
		if err != nil {
			return pipeInput{}, err
		}
		failAt, err := o.OptInt("failAt", -1, 0, int64(len(p.stages)-1))
		if err != nil {
			return pipeInput{}, err
		}
		p.items[i] = pipeSource{id: id, sleep: sleep, failAt: int(failAt)}
	}
	p.ordered, err = in.OptBool("ordered", false)
	return p, err
}

// readStage reads a stage's workers, capacity, cost and sleepMs, in that order: the bench
// params name the same fields.
func readStage(o field.Object) (pipeStage, error) {
	workers, err := o.Int("workers", 1, maxStageWorkers)
	if err != nil {
		return pipeStage{}, err
	}
	capacity, err := o.Int("capacity", 1, maxQueueCapacity)
	if err != nil {
		return pipeStage{}, err
	}
	cost, sleep, err := costAndSleep(o)
	return pipeStage{workers: int(workers), capacity: int(capacity), cost: cost, sleep: sleep}, err
}

// runPipe runs the items through the stages. In a case, a trace stamps one record per item and
// stage: the put and queued stamps by whoever puts the item into the stage's queue, the others
// by the stage's worker that takes it. Each of those writes only its own fields of the record.
func runPipe(ctx context.Context, in pipeInput, clock *observe.Clock) (pipeOutput, pipeObserved) {
	items := make([]pipeItem, len(in.items))
	for i, src := range in.items {
		items[i] = pipeItem{index: i, id: src.id, value: src.id}
	}
	stages := make([]pipeline.Stage[pipeItem], len(in.stages))
	for s, st := range in.stages {
		stages[s] = pipeline.Stage[pipeItem]{Workers: st.workers, Capacity: st.capacity, Do: func(ctx context.Context, it pipeItem) (pipeItem, error) {
			src := in.items[it.index]
			if err := sleep(ctx, st.sleep+src.sleep); err != nil {
				return it, err
			}
			if src.failAt == s {
				return it, stageFailure{src.id, s}
			}
			it.value = work.Work(it.value^uint64(s+1), st.cost)
			return it, nil
		}}
	}

	var records []pipeRecord
	if clock != nil {
		records = make([]pipeRecord, len(items)*len(stages))
		for i, it := range items {
			for s := range stages {
				records[i*len(stages)+s] = pipeRecord{ID: it.id, Stage: s}
			}
		}
		ctx = pipeline.WithTrace(ctx, pipeTrace(clock, in, records))
	}
	results, err := pipeline.Run(ctx, items, in.ordered, stages...)
	observed := pipeObserved{ElapsedNs: clock.Now(), Records: []pipeRecord{}}
	for _, r := range records {
		if r.taken {
			observed.Records = append(observed.Records, r)
		}
	}
	return pipeOutput{results: results, err: err}, observed
}

// pipeTrace stamps records, one per item and stage, item i's record of stage s at
// i*stages + s. The collector's queue, stage len(stages), has no record.
func pipeTrace(clock *observe.Clock, in pipeInput, records []pipeRecord) *pipeline.Trace[pipeItem] {
	n := len(in.stages)
	record := func(stage int, it pipeItem) *pipeRecord {
		if stage == n {
			return nil
		}
		return &records[it.index*n+stage]
	}
	// getNs waits in its worker's slot until the get returns an item: each slot is written and
	// read by its worker's goroutine alone.
	getAt := make([][]int64, n)
	for s, st := range in.stages {
		getAt[s] = make([]int64, st.workers)
	}
	return &pipeline.Trace[pipeItem]{
		Put: func(stage int, it pipeItem) {
			if r := record(stage, it); r != nil {
				r.PutNs = clock.Now()
			}
		},
		Queued: func(stage int, it pipeItem) {
			if r := record(stage, it); r != nil {
				r.QueuedNs = clock.Now()
			}
		},
		Get: func(stage, worker int) { getAt[stage][worker] = clock.Now() },
		Got: func(stage, worker int, it pipeItem) {
			r := record(stage, it)
			r.GotNs = clock.Now()
			r.GetNs, r.Worker, r.taken = getAt[stage][worker], worker, true
		},
		Done: func(stage, _ int, it pipeItem) { record(stage, it).EndNs = clock.Now() },
	}
}

// benchPipe builds the page's benchmark input: ids 0..size-1 through params.stages identical
// stages. It validates stages, workers, capacity, cost and ordered, in that order.
func benchPipe(size int, params field.Object) (pipeInput, error) {
	n, err := params.Int("stages", 1, maxStages)
	if err != nil {
		return pipeInput{}, err
	}
	workers, err := params.Int("workers", 1, maxStageWorkers)
	if err != nil {
		return pipeInput{}, err
	}
	capacity, err := params.Int("capacity", 1, maxQueueCapacity)
	if err != nil {
		return pipeInput{}, err
	}
	cost, err := params.Int("cost", 0, maxCost)
	if err != nil {
		return pipeInput{}, err
	}
	ordered, err := params.Bool("ordered")
	if err != nil {
		return pipeInput{}, err
	}
	p := pipeInput{stages: make([]pipeStage, n), items: make([]pipeSource, size), ordered: ordered}
	for s := range p.stages {
		p.stages[s] = pipeStage{workers: int(workers), capacity: int(capacity), cost: uint64(cost)}
	}
	for i := range p.items {
		p.items[i] = pipeSource{id: uint64(i), failAt: -1}
	}
	return p, nil
}

// checkPipe checks that every item came out once, in input order when ordered, and digests the
// values by XOR.
func checkPipe(in pipeInput, out pipeOutput) (protocol.Check, error) {
	if out.err != nil {
		return nil, out.err
	}
	if in.ordered {
		for i, it := range out.results {
			if it.index != i {
				return nil, fmt.Errorf("result %d is item %d's: ordered results out of order", i, it.index)
			}
		}
	}
	return xorCheck(len(in.items), out.outcomes())
}
