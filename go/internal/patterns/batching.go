package patterns

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/batching"
	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/internal/observe"
	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
	"github.com/concurrency-cookbook/cookbook/go/work"
)

// batchingPattern is the batcher's two modes under one slug, told apart by mode, as the
// limiters' are: decide on times given as data, or live on the real clock. The benchmark
// decides.
var batchingPattern = protocol.Variants("mode", map[string]protocol.Pattern{
	"decide": protocol.Define(protocol.Definition[batchInput, decidedBatches, elapsedObserved]{
		Validate:   func(o field.Object) (batchInput, error) { return readBatching(o, maxArrivalMs) },
		Run:        runBatchDecide,
		BenchInput: benchBatching,
		Check:      checkBatching,
	}),
	"live": protocol.Define(protocol.Definition[batchInput, liveBatches, liveBatchObserved]{
		Validate: func(o field.Object) (batchInput, error) { return readBatching(o, maxLiveAtMs) },
		Run:      runBatchLive,
	}),
}, "decide")

// Limits from the batching page.
const (
	maxBatchSize = 10_000
	maxWaitMs    = 60_000
	maxLiveAtMs  = 60_000
	maxPerMs     = 1_000_000
)

type batchInput struct {
	maxSize int
	maxWait int64 // ms
	items   []batchArrival
	end     int64 // ms
}

type batchArrival struct {
	id uint64
	at int64 // ms
}

// readBatching checks maxSize, maxWaitMs, items, each item, then endMs; times run from 0 to
// maxAt.
func readBatching(o field.Object, maxAt int64) (batchInput, error) {
	maxSize, err := o.Int("maxSize", 1, maxBatchSize)
	if err != nil {
		return batchInput{}, err
	}
	maxWait, err := o.Int("maxWaitMs", 1, maxWaitMs)
	if err != nil {
		return batchInput{}, err
	}
	list, err := o.Array("items")
	if err != nil {
		return batchInput{}, err
	}
	in := batchInput{maxSize: int(maxSize), maxWait: maxWait, items: make([]batchArrival, list.Len())}
	ids := idSet{}
	last := int64(0)
	for i := range list.Len() {
		it, err := list.Object(i)
		if err != nil {
			return batchInput{}, err
		}
		id, err := ids.read(it, "id")
		if err != nil {
			return batchInput{}, err
		}
		at, err := it.Int("atMs", 0, maxAt)
		if err != nil {
			return batchInput{}, err
		}
		if i > 0 && at < last {
			return batchInput{}, field.Errorf(it.Path("atMs"), "must not be earlier than %s (%d): items arrive in time order, got %d", list.Path(i-1)+".atMs", last, at)
		}
		in.items[i], last = batchArrival{id, at}, at
	}
	if in.end, err = o.OptInt("endMs", last, 0, maxAt); err != nil {
		return batchInput{}, err
	}
	if in.end < last {
		return batchInput{}, field.Errorf(o.Path("endMs"), "must not be earlier than the last item's atMs (%d): the stream ends after its items, got %d", last, in.end)
	}
	return in, nil
}

// decidedBatches is the batches decided on times given as data, each with its flush time.
type decidedBatches struct {
	batches []batching.Batch[uint64]
}

func (o decidedBatches) MarshalJSON() ([]byte, error) {
	type batchJSON struct {
		IDs     []uint64        `json:"ids"`
		FlushMs int64           `json:"flushMs"`
		Reason  batching.Reason `json:"reason"`
	}
	out := make([]batchJSON, len(o.batches))
	for i, b := range o.batches {
		out[i] = batchJSON{b.Items, b.At, b.Reason}
	}
	return json.Marshal(struct {
		Batches []batchJSON `json:"batches"`
	}{out})
}

// runBatchDecide feeds every arrival to one Batcher, on milliseconds, in time order.
func runBatchDecide(_ context.Context, in batchInput, clock *observe.Clock) (decidedBatches, elapsedObserved) {
	b := batching.New[uint64](in.maxSize, in.maxWait)
	batches := make([]batching.Batch[uint64], 0, len(in.items)/in.maxSize+1)
	keep := func(batch batching.Batch[uint64], flushed bool) {
		if flushed {
			batches = append(batches, batch)
		}
	}
	for _, it := range in.items {
		keep(b.Expire(it.at))
		keep(b.Add(it.at, it.id))
	}
	keep(b.End(in.end))
	return decidedBatches{batches: batches}, elapsedObserved{ElapsedNs: clock.Now()}
}

// liveBatches is the batches flushed on the real clock: their times are in the observations.
type liveBatches struct {
	batches []batching.Batch[uint64]
}

func (o liveBatches) MarshalJSON() ([]byte, error) {
	type batchJSON struct {
		IDs    []uint64        `json:"ids"`
		Reason batching.Reason `json:"reason"`
	}
	out := make([]batchJSON, len(o.batches))
	for i, b := range o.batches {
		out[i] = batchJSON{b.Items, b.Reason}
	}
	return json.Marshal(struct {
		Batches []batchJSON `json:"batches"`
	}{out})
}

type liveBatchObserved struct {
	ElapsedNs int64          `json:"elapsedNs"`
	Arrivals  []arrivalStamp `json:"arrivals"`
	EndNs     int64          `json:"endNs"`
	Flushes   []flushStamp   `json:"flushes"`
}

type arrivalStamp struct {
	ID uint64 `json:"id"`
	Ns int64  `json:"ns"`
}

type flushStamp struct {
	Batch int   `json:"batch"`
	Ns    int64 `json:"ns"`
}

// runBatchLive has a source hand each item to the batcher at its atMs after the start, and end
// the stream at endMs; the batches are stamped as they are handed out.
func runBatchLive(ctx context.Context, in batchInput, clock *observe.Clock) (liveBatches, liveBatchObserved) {
	// until sleeps until ms after the start of the region: the source keeps to its schedule
	// however long each handover took.
	until := func(ms int64) error {
		return sleep(ctx, time.Duration(ms)*time.Millisecond-time.Duration(clock.Now()))
	}
	stream := make(chan uint64)
	obs := liveBatchObserved{Arrivals: make([]arrivalStamp, 0, len(in.items)), Flushes: []flushStamp{}}
	var source sync.WaitGroup
	source.Go(func() {
		// The source owns the stream, so it closes it: that is the end of the stream.
		defer close(stream)
		for _, it := range in.items {
			if until(it.at) != nil {
				return
			}
			obs.Arrivals = append(obs.Arrivals, arrivalStamp{it.id, clock.Now()})
			select {
			case stream <- it.id:
			case <-ctx.Done():
				return
			}
		}
		if until(in.end) == nil {
			obs.EndNs = clock.Now()
		}
	})
	var batches []batching.Batch[uint64]
	for b := range batching.Batches(ctx, stream, in.maxSize, time.Duration(in.maxWait)*time.Millisecond) {
		obs.Flushes = append(obs.Flushes, flushStamp{len(batches), clock.Now()})
		batches = append(batches, b)
	}
	// The source has closed the stream by now, but may not have returned yet.
	source.Wait()
	obs.ElapsedNs = clock.Now()
	return liveBatches{batches: batches}, obs
}

// benchBatching builds the page's benchmark input: ids 0..size-1, item i at i / perMs ms, the
// stream ending at the last item's time. It validates maxSize, maxWaitMs and perMs, in that
// order.
func benchBatching(size int, params field.Object) (batchInput, error) {
	maxSize, err := params.Int("maxSize", 1, maxBatchSize)
	if err != nil {
		return batchInput{}, err
	}
	maxWait, err := params.Int("maxWaitMs", 1, maxWaitMs)
	if err != nil {
		return batchInput{}, err
	}
	perMs, err := params.Int("perMs", 1, maxPerMs)
	if err != nil {
		return batchInput{}, err
	}
	in := batchInput{maxSize: int(maxSize), maxWait: maxWait, items: make([]batchArrival, size)}
	for i := range in.items {
		in.items[i] = batchArrival{uint64(i), int64(i) / perMs}
	}
	in.end = in.items[size-1].at
	return in, nil
}

// checkBatching checks that the batches hold every item once, in arrival order, none more than
// maxSize, and digests them as the page says: the items, the batches, and the sum of
// flushMs * 65536 + size, modulo 2^64.
func checkBatching(in batchInput, out decidedBatches) (protocol.Check, error) {
	next := 0
	var digest uint64
	for n, b := range out.batches {
		if len(b.Items) == 0 || len(b.Items) > in.maxSize {
			return nil, fmt.Errorf("batch %d holds %d items, with at most %d to a batch", n, len(b.Items), in.maxSize)
		}
		for _, id := range b.Items {
			if next >= len(in.items) || id != in.items[next].id {
				return nil, fmt.Errorf("batch %d holds item %d out of arrival order", n, id)
			}
			next++
		}
		digest += uint64(b.At)*65536 + uint64(len(b.Items))
	}
	if next != len(in.items) {
		return nil, fmt.Errorf("%d items batched of %d", next, len(in.items))
	}
	return protocol.Check{"count": next, "batches": len(out.batches), "digest": work.Hex(digest)}, nil
}
