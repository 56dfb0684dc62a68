package patterns

import (
	"context"
	"fmt"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/fanin"
	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/internal/observe"
	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
	"github.com/concurrency-cookbook/cookbook/go/work"
)

// fanIn is two operations under one slug, told apart by op; the benchmark is a merge.
var fanIn = protocol.Variants("op", map[string]protocol.Pattern{
	"merge": protocol.Define(protocol.Definition[mergeInput, mergeOutput, mergeObserved]{
		Validate:   validateMerge,
		Run:        runMerge,
		BenchInput: benchMerge,
		Check:      checkMerge,
	}),
	"scatter-gather": protocol.Define(protocol.Definition[gatherInput, gatherOutput, observe.JobsObserved]{
		Validate: validateGather,
		Run:      runGather,
	}),
}, "merge")

// Limits from the fan-in page.
const (
	maxSources = 1000
	maxDelayMs = 60_000
	maxLimit   = 10_000
)

type mergeInput struct {
	// sources[s][i] is how long source s sleeps before it yields item i.
	sources [][]time.Duration
}

type item struct {
	Source int `json:"source"`
	Index  int `json:"index"`
}

type mergeOutput struct {
	Items []item `json:"items"`
}

type receivedItem struct {
	item
	AtNs int64 `json:"atNs"`
}

type mergeObserved struct {
	ElapsedNs int64          `json:"elapsedNs"`
	Received  []receivedItem `json:"received"`
}

// validateMerge checks sources, then each source in turn, each delay in order.
func validateMerge(in field.Object) (mergeInput, error) {
	list, err := in.Array("sources")
	if err != nil {
		return mergeInput{}, err
	}
	if err := list.AtMost(maxSources); err != nil {
		return mergeInput{}, err
	}
	sources := make([][]time.Duration, list.Len())
	for s := range list.Len() {
		delays, err := list.Array(s)
		if err != nil {
			return mergeInput{}, err
		}
		sources[s] = make([]time.Duration, delays.Len())
		for i := range delays.Len() {
			ms, err := delays.Int(i, 0, maxDelayMs)
			if err != nil {
				return mergeInput{}, err
			}
			sources[s][i] = time.Duration(ms) * time.Millisecond
		}
	}
	return mergeInput{sources: sources}, nil
}

// runMerge starts every source, merges them, and stamps each item as the consumer gets it.
func runMerge(ctx context.Context, in mergeInput, clock *observe.Clock) (mergeOutput, mergeObserved) {
	chans := make([]<-chan item, len(in.sources))
	total := 0
	for s, delays := range in.sources {
		chans[s] = produce(ctx, s, delays)
		total += len(delays)
	}
	items := make([]item, 0, total)
	received := observe.NewLog[receivedItem](clock)
	for it := range fanin.Merge(ctx, chans...) {
		received.Add(receivedItem{it, clock.Now()})
		items = append(items, it)
	}
	return mergeOutput{Items: items}, mergeObserved{ElapsedNs: clock.Now(), Received: received.Items()}
}

// produce is source s: a goroutine that sleeps each delay and then yields the next item, on a
// channel it owns and so closes. It stops early when ctx is done, as Merge asks of a source.
func produce(ctx context.Context, s int, delays []time.Duration) <-chan item {
	ch := make(chan item)
	go func() {
		defer close(ch)
		for i, d := range delays {
			if sleep(ctx, d) != nil {
				return
			}
			select {
			case ch <- item{Source: s, Index: i}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}

// benchMerge builds the page's benchmark input: size items over params.sources sources, item k
// going to source k % sources as its item k / sources, every delay 0.
func benchMerge(size int, params field.Object) (mergeInput, error) {
	if _, err := params.OneOf("op", "merge"); err != nil {
		return mergeInput{}, err
	}
	n, err := params.Int("sources", 1, maxSources)
	if err != nil {
		return mergeInput{}, err
	}
	sources := make([][]time.Duration, n)
	for s := range sources {
		count := size / len(sources)
		if s < size%len(sources) {
			count++
		}
		sources[s] = make([]time.Duration, count)
	}
	return mergeInput{sources: sources}, nil
}

// checkMerge checks that every item arrived once and in its source's order, and digests them
// by XOR as the page says.
func checkMerge(in mergeInput, out mergeOutput) (protocol.Check, error) {
	next := make([]int, len(in.sources))
	var digest uint64
	for _, it := range out.Items {
		if it.Source >= len(next) || it.Index != next[it.Source] {
			return nil, fmt.Errorf("source %d item %d arrived out of its source's order", it.Source, it.Index)
		}
		next[it.Source]++
		digest ^= work.Work(uint64(it.Source)<<32|uint64(it.Index), 1)
	}
	for s, n := range next {
		if n != len(in.sources[s]) {
			return nil, fmt.Errorf("source %d: %d items received of %d", s, n, len(in.sources[s]))
		}
	}
	return protocol.Check{"count": len(out.Items), "digest": work.Hex(digest)}, nil
}

type gatherInput struct {
	limit    int
	failFast bool
	// items[i] is a task whose seed is i.
	items []task
}

// gatherOutput is either the results or, with failFast, the failure. omitzero keeps an empty,
// non-nil Results (no items) as [], and leaves out the field that is not the answer.
type gatherOutput struct {
	Results []outcome `json:"results,omitzero"`
	Failure string    `json:"failure,omitzero"`
}

// validateGather checks limit, failFast, items, then each item in turn.
func validateGather(in field.Object) (gatherInput, error) {
	limit, err := in.Int("limit", 1, maxLimit)
	if err != nil {
		return gatherInput{}, err
	}
	failFast, err := in.OptBool("failFast", false)
	if err != nil {
		return gatherInput{}, err
	}
	list, err := in.Array("items")
	if err != nil {
		return gatherInput{}, err
	}
	items := make([]task, list.Len())
	for i := range items {
		o, err := list.Object(i)
		if err != nil {
			return gatherInput{}, err
		}
		if items[i], err = readTask(o, uint64(i)); err != nil {
			return gatherInput{}, err
		}
	}
	return gatherInput{limit: int(limit), failFast: failFast, items: items}, nil
}

// runGather scatters the items, each call recorded from inside its slot, and reads the
// in-flight counter once the gather has returned: a call still running then was leaked. The
// region ends there, before the answer is put in its shape.
func runGather(ctx context.Context, in gatherInput, clock *observe.Clock) (gatherOutput, observe.JobsObserved) {
	jobs := observe.NewJobs(clock)
	call := func(ctx context.Context, t task) (v uint64, err error) {
		jobs.Track(t.seed, func() { v, err = t.run(ctx, "item") })
		return v, err
	}
	if in.failFast {
		values, err := fanin.GatherFailFast(ctx, in.limit, in.items, call)
		observed := jobs.Stop()
		if err != nil {
			return gatherOutput{Failure: message(err)}, observed
		}
		results := make([]outcome, len(values))
		for i, v := range values {
			results[i] = outcome{value: v}
		}
		return gatherOutput{Results: results}, observed
	}
	gathered := fanin.Gather(ctx, in.limit, in.items, call)
	observed := jobs.Stop()
	results := make([]outcome, len(gathered))
	for i, r := range gathered {
		results[i] = outcome{value: r.Value, err: r.Err}
	}
	return gatherOutput{Results: results}, observed
}
