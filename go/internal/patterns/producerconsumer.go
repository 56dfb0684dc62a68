package patterns

import (
	"context"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/internal/observe"
	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
	"github.com/concurrency-cookbook/cookbook/go/producerconsumer"
)

var producerConsumer = protocol.Define(protocol.Definition[pcInput, pcOutput, pcObserved]{
	Validate:   validatePC,
	Run:        runPC,
	BenchInput: benchPC,
	Check:      checkPC,
})

// Limits from the producer-consumer page.
const (
	maxQueueCapacity = 10_000
	maxConsumers     = 1000
	maxProducers     = 1000
)

type pcInput struct {
	capacity  int
	lifo      bool
	consumers int
	// producers[p] is what producer p puts, in order.
	producers [][]pcItem
	count     int
}

// pcItem is one item: its task, whose seed is its id, the delay before its put, and where its
// record is.
type pcItem struct {
	index, producer int
	delay           time.Duration
	task
}

type pcOutput struct {
	results []producerconsumer.Result[pcItem, uint64]
}

func (o pcOutput) MarshalJSON() ([]byte, error) {
	return resultsJSON(o.outcomes())
}

func (o pcOutput) outcomes() []idOutcome {
	out := make([]idOutcome, len(o.results))
	for i, r := range o.results {
		out[i] = idOutcome{r.Item.seed, outcome{r.Value, r.Err}}
	}
	return out
}

type pcObserved struct {
	ElapsedNs int64      `json:"elapsedNs"`
	Items     []pcRecord `json:"items"`
}

type pcRecord struct {
	ID       uint64 `json:"id"`
	Producer int    `json:"producer"`
	Consumer int    `json:"consumer"`
	queueStamps
	consumed bool
}

// validatePC checks capacity, discipline, consumers, producers, then each producer and each of
// its items in turn.
func validatePC(in field.Object) (pcInput, error) {
	capacity, err := in.Int("capacity", 1, maxQueueCapacity)
	if err != nil {
		return pcInput{}, err
	}
	// Absent, it is "": first in, first out.
	discipline, err := in.OptOneOf("discipline", "fifo", "lifo")
	if err != nil {
		return pcInput{}, err
	}
	consumers, err := in.Int("consumers", 1, maxConsumers)
	if err != nil {
		return pcInput{}, err
	}
	list, err := in.Array("producers")
	if err != nil {
		return pcInput{}, err
	}
	if err := list.AtMost(maxProducers); err != nil {
		return pcInput{}, err
	}
	pc := pcInput{capacity: int(capacity), lifo: discipline == "lifo", consumers: int(consumers), producers: make([][]pcItem, list.Len())}
	ids := idSet{}
	for p := range list.Len() {
		o, err := list.Object(p)
		if err != nil {
			return pcInput{}, err
		}
		items, err := o.Array("items")
		if err != nil {
			return pcInput{}, err
		}
		for i := range items.Len() {
			it, err := items.Object(i)
			if err != nil {
				return pcInput{}, err
			}
			id, err := ids.read(it, "id")
			if err != nil {
				return pcInput{}, err
			}
			delay, err := optMs(it, "delayMs", maxDelayMs)
			if err != nil {
				return pcInput{}, err
			}
			t, err := readFailingTask(it, id)
			if err != nil {
				return pcInput{}, err
			}
			pc.producers[p] = append(pc.producers[p], pcItem{index: pc.count, producer: p, delay: delay, task: t})
			pc.count++
		}
	}
	return pc, nil
}

// runPC runs the producers and consumers around the queue the input asks for. In a case, the
// queue is wrapped so that every put and get stamps the record of the item it moves; the
// consumer stamps the end of each item. A benchmark runs the bare queue.
func runPC(ctx context.Context, in pcInput, clock *observe.Clock) (pcOutput, pcObserved) {
	q := producerconsumer.FIFO[pcItem](in.capacity)
	if in.lifo {
		q = producerconsumer.LIFO[pcItem](in.capacity)
	}
	var records []pcRecord
	if clock != nil {
		records = make([]pcRecord, in.count)
		for _, items := range in.producers {
			for _, it := range items {
				records[it.index] = pcRecord{ID: it.seed, Producer: it.producer}
			}
		}
		q = stampedQueue{q, clock, records}
	}

	producers := make([]producerconsumer.Producer[pcItem], len(in.producers))
	for p, items := range in.producers {
		producers[p] = func(ctx context.Context, put func(pcItem) error) {
			for _, it := range items {
				if sleep(ctx, it.delay) != nil || put(it) != nil {
					return
				}
			}
		}
	}
	// Run reports an error only when ctx is cancelled; the results of the items consumed are
	// the answer either way.
	results, _ := producerconsumer.Run(ctx, q, producers, in.consumers, func(ctx context.Context, c int, it pcItem) (uint64, error) {
		v, err := it.run(ctx, "item")
		if records != nil {
			r := &records[it.index]
			r.Consumer, r.EndNs, r.consumed = c, clock.Now(), true
		}
		return v, err
	})
	observed := pcObserved{ElapsedNs: clock.Now(), Items: []pcRecord{}}
	for _, r := range records {
		if r.consumed {
			observed.Items = append(observed.Items, r)
		}
	}
	return pcOutput{results: results}, observed
}

// stampedQueue stamps the record of every item it moves: putNs just before the put, queuedNs
// just after it returned, getNs just before the get and gotNs just after it returned the item.
type stampedQueue struct {
	producerconsumer.Queue[pcItem]
	clock   *observe.Clock
	records []pcRecord
}

func (q stampedQueue) Put(ctx context.Context, it pcItem) error {
	put := q.clock.Now()
	err := q.Queue.Put(ctx, it)
	queued := q.clock.Now()
	r := &q.records[it.index]
	r.PutNs, r.QueuedNs = put, queued
	return err
}

func (q stampedQueue) Get(ctx context.Context) (pcItem, bool) {
	get := q.clock.Now()
	it, ok := q.Queue.Get(ctx)
	if ok {
		got := q.clock.Now()
		r := &q.records[it.index]
		r.GetNs, r.GotNs = get, got
	}
	return it, ok
}

// benchPC builds the page's benchmark input: ids 0..size-1, item i going to producer
// i mod producers, each with the params' cost and no sleeps, through a FIFO queue. It validates
// producers, consumers, capacity and cost, in that order.
func benchPC(size int, params field.Object) (pcInput, error) {
	producers, err := params.Int("producers", 1, maxProducers)
	if err != nil {
		return pcInput{}, err
	}
	consumers, err := params.Int("consumers", 1, maxConsumers)
	if err != nil {
		return pcInput{}, err
	}
	capacity, err := params.Int("capacity", 1, maxQueueCapacity)
	if err != nil {
		return pcInput{}, err
	}
	cost, err := params.Int("cost", 0, maxCost)
	if err != nil {
		return pcInput{}, err
	}
	in := pcInput{capacity: int(capacity), consumers: int(consumers), producers: make([][]pcItem, producers), count: size}
	for i := range size {
		p := i % int(producers)
		in.producers[p] = append(in.producers[p], pcItem{index: i, producer: p, task: task{seed: uint64(i), cost: uint64(cost)}})
	}
	return in, nil
}

// checkPC checks that every item was consumed once without error, and digests the values.
func checkPC(in pcInput, out pcOutput) (protocol.Check, error) {
	return xorCheck(in.count, out.outcomes())
}
