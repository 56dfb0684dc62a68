package patterns

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/debounce"
	"github.com/concurrency-cookbook/cookbook/go/gate"
	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/internal/observe"
	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
)

// debouncePattern is the debounce decided on arrival times given as data, or run on the real
// clock, told apart by mode. The benchmark decides.
var debouncePattern = protocol.Variants("mode", map[string]protocol.Pattern{
	"decide": protocol.Define(protocol.Definition[debounceInput, decidedFirings, elapsedObserved]{
		Validate: func(o field.Object) (debounceInput, error) { return readDebounce(o, maxArrivalMs) },
		Run:      runDebounceDecide,
		BenchInput: func(size int, params field.Object) (debounceInput, error) {
			in, err := readQuiet(params, true)
			if err != nil {
				return debounceInput{}, err
			}
			in.arrivals, err = benchArrivals(size, params)
			return in, err
		},
		Check: func(in debounceInput, out decidedFirings) (protocol.Check, error) {
			return checkFirings(in.arrivals, out)
		},
	}),
	"live": protocol.Define(protocol.Definition[debounceInput, liveFirings, debounceLiveObserved]{
		Validate: readDebounceLive,
		Run:      runDebounceLive,
	}),
}, "decide")

// Limits from the debounce page.
const (
	maxQuietMs   = 60_000
	maxMaxWaitMs = 600_000
	maxRunMs     = 1000
)

type debounceInput struct {
	quiet, maxWait int64   // ms; maxWait 0: none
	arrivals       []int64 // ms, in time order
	// live: how long each run takes, and the calls whose run fails.
	run   time.Duration
	fails map[int]bool
}

// readQuiet reads quietMs, then maxWaitMs, from quietMs up, which the benchmark requires.
func readQuiet(o field.Object, maxWaitRequired bool) (debounceInput, error) {
	quiet, err := o.Int("quietMs", 1, maxQuietMs)
	if err != nil {
		return debounceInput{}, err
	}
	var maxWait int64
	if maxWaitRequired {
		maxWait, err = o.Int("maxWaitMs", quiet, maxMaxWaitMs)
	} else {
		maxWait, err = o.OptInt("maxWaitMs", 0, quiet, maxMaxWaitMs)
	}
	return debounceInput{quiet: quiet, maxWait: maxWait}, err
}

// readDebounce reads quietMs, maxWaitMs and arrivalsMs, from 0 to maxAt.
func readDebounce(o field.Object, maxAt int64) (debounceInput, error) {
	in, err := readQuiet(o, false)
	if err != nil {
		return debounceInput{}, err
	}
	in.arrivals, err = readArrivalsUpTo(o, maxAt)
	return in, err
}

// runDebounceDecide feeds every arrival to one Burst, on milliseconds; the last call pending
// fires when it is due.
func runDebounceDecide(_ context.Context, in debounceInput, clock *observe.Clock) (decidedFirings, elapsedObserved) {
	b := debounce.NewBurst[int](in.quiet, in.maxWait)
	fired := []firedCall{}
	keep := func(call int, at int64, ok bool) {
		if ok {
			fired = append(fired, firedCall{call, at})
		}
	}
	for i, t := range in.arrivals {
		keep(b.Expire(t))
		b.Call(t, i)
	}
	if due, pending := b.Due(); pending {
		keep(b.Expire(due))
	}
	return decidedFirings{fired}, elapsedObserved{ElapsedNs: clock.Now()}
}

// readDebounceLive reads the live fields in the page's order: quietMs, maxWaitMs, arrivalsMs
// up to maxLiveAtMs, runMs, then failCalls and each of its indices.
func readDebounceLive(o field.Object) (debounceInput, error) {
	in, err := readDebounce(o, maxLiveAtMs)
	if err != nil {
		return debounceInput{}, err
	}
	if in.run, err = optMs(o, "runMs", maxRunMs); err != nil {
		return debounceInput{}, err
	}
	in.fails = map[int]bool{}
	if !o.Has("failCalls") {
		return in, nil
	}
	list, err := o.Array("failCalls")
	if err != nil {
		return debounceInput{}, err
	}
	for i := range list.Len() {
		call, err := list.Int(i, 0, int64(len(in.arrivals))-1)
		if err != nil {
			return debounceInput{}, err
		}
		in.fails[int(call)] = true
	}
	return in, nil
}

// liveFirings is the calls that fired on the real clock, in firing order, each with the error
// its run failed with, if any.
type liveFirings struct {
	runs []runStamp
}

func (f liveFirings) MarshalJSON() ([]byte, error) {
	type firedJSON struct {
		Call  int    `json:"call"`
		Error string `json:"error,omitempty"`
	}
	fired := make([]firedJSON, len(f.runs))
	for i, r := range f.runs {
		fired[i] = firedJSON{r.Call, r.err}
	}
	return json.Marshal(struct {
		Fired []firedJSON `json:"fired"`
	}{fired})
}

type debounceLiveObserved struct {
	ElapsedNs int64       `json:"elapsedNs"`
	Arrivals  []callIndex `json:"arrivals"`
	Runs      []runStamp  `json:"runs"`
}

type callIndex struct {
	Call int   `json:"call"`
	Ns   int64 `json:"ns"`
}

// runStamp is one firing: when the debouncer decided it, on its own clock placed on the
// region's, the run around it, and how the run ended.
type runStamp struct {
	Call    int    `json:"call"`
	AtNs    int64  `json:"atNs"`
	StartNs int64  `json:"startNs"`
	EndNs   int64  `json:"endNs"`
	Outcome string `json:"outcome"`
	err     string
}

// runDebounceLive makes call i at arrivalsMs[i] after the start, each stamped just before it
// is made, and waits until the last burst has fired and every run has ended. A run sleeps
// runMs, then fails if its call is in failCalls.
func runDebounceLive(ctx context.Context, in debounceInput, clock *observe.Clock) (liveFirings, debounceLiveObserved) {
	runs := observe.NewLog[runStamp](clock)
	ms := int64(time.Millisecond)
	d := debounce.New(time.Duration(in.quiet*ms), time.Duration(in.maxWait*ms), func(f gate.Firing[int]) error {
		r := runStamp{Call: f.Call, AtNs: clock.Since(f.At), StartNs: clock.Now(), Outcome: "ok"}
		err := sleep(ctx, in.run)
		if err == nil && in.fails[f.Call] {
			err = fmt.Errorf("call %d failed", f.Call)
			r.Outcome, r.err = "failed", err.Error()
		} else if err != nil {
			r.Outcome = "cancelled"
		}
		r.EndNs = clock.Now()
		runs.Add(r)
		return err
	})
	arrivals := make([]callIndex, 0, len(in.arrivals))
	for i, at := range in.arrivals {
		// Each call keeps to its schedule from the start, however long the last one took.
		if sleep(ctx, time.Duration(at*ms-clock.Now())) != nil {
			break
		}
		arrivals = append(arrivals, callIndex{i, clock.Now()})
		d.Call(i)
	}
	// The runs' errors are in their records too: the answer reports each beside its call.
	_ = d.Wait(ctx)
	fired := slices.SortedFunc(slices.Values(runs.Items()), func(a, b runStamp) int { return int(a.AtNs - b.AtNs) })
	return liveFirings{fired}, debounceLiveObserved{ElapsedNs: clock.Now(), Arrivals: arrivals, Runs: fired}
}
