package patterns

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/gate"
	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/internal/observe"
	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
	"github.com/concurrency-cookbook/cookbook/go/throttle"
)

// throttlePattern is the throttle decided on arrival times given as data, or run on the real
// clock for concurrent callers, told apart by mode. The benchmark decides.
var throttlePattern = protocol.Variants("mode", map[string]protocol.Pattern{
	"decide": protocol.Define(protocol.Definition[throttleInput, decidedFirings, elapsedObserved]{
		Validate: func(o field.Object) (throttleInput, error) {
			in, err := readThrottle(o)
			if err != nil {
				return throttleInput{}, err
			}
			in.arrivals, err = readArrivals(o)
			return in, err
		},
		Run:        runThrottleDecide,
		BenchInput: benchThrottle,
		Check: func(in throttleInput, out decidedFirings) (protocol.Check, error) {
			return checkFirings(in.arrivals, out)
		},
	}),
	"live": protocol.Define(protocol.Definition[throttleInput, throttleLiveOutput, throttleLiveObserved]{
		Validate: readThrottleLive,
		Run:      runThrottleLive,
	}),
}, "decide")

// Limits from the throttle page.
const (
	maxIntervalMs      = 60_000
	maxThrottleCalls   = 1000
	maxGapMs           = 1000
	maxThrottleCallers = 100
)

type throttleInput struct {
	interval int64 // ms
	edges    throttle.Edge
	arrivals []int64 // decide: in ms, in time order
	// live: callers each make calls calls, gap apart.
	callers, calls int
	gap            time.Duration
}

// readThrottle reads intervalMs, then leading (true when absent) and trailing (false).
func readThrottle(o field.Object) (throttleInput, error) {
	interval, err := o.Int("intervalMs", 1, maxIntervalMs)
	if err != nil {
		return throttleInput{}, err
	}
	leading, err := o.OptBool("leading", true)
	if err != nil {
		return throttleInput{}, err
	}
	trailing, err := o.OptBool("trailing", false)
	if err != nil {
		return throttleInput{}, err
	}
	edges, err := throttleEdges(o, leading, trailing)
	return throttleInput{interval: interval, edges: edges}, err
}

// throttleEdges combines the edges read: neither is an error of trailing, the last read.
func throttleEdges(o field.Object, leading, trailing bool) (throttle.Edge, error) {
	var edges throttle.Edge
	if leading {
		edges |= throttle.Leading
	}
	if trailing {
		edges |= throttle.Trailing
	}
	if edges == 0 {
		return 0, field.Errorf(o.Path("trailing"), "must be true when leading is false: a throttle with neither edge never fires, got false")
	}
	return edges, nil
}

// runThrottleDecide feeds every arrival to one Window, on milliseconds, then lets time run on
// until the pending call, if any, has fired.
func runThrottleDecide(_ context.Context, in throttleInput, clock *observe.Clock) (decidedFirings, elapsedObserved) {
	w := throttle.NewWindow[int](in.interval, in.edges)
	fired := []firedCall{}
	keep := func(call int, at int64, ok bool) {
		if ok {
			fired = append(fired, firedCall{call, at})
		}
	}
	for i, t := range in.arrivals {
		keep(w.Expire(t))
		keep(i, t, w.Call(t, i))
	}
	if due, pending := w.Due(); pending {
		keep(w.Expire(due))
	}
	return decidedFirings{fired}, elapsedObserved{ElapsedNs: clock.Now()}
}

// benchThrottle builds the page's benchmark input. It validates intervalMs, perMs, leading
// and trailing, in that order, all required.
func benchThrottle(size int, params field.Object) (throttleInput, error) {
	interval, err := params.Int("intervalMs", 1, maxIntervalMs)
	if err != nil {
		return throttleInput{}, err
	}
	arrivals, err := benchArrivals(size, params)
	if err != nil {
		return throttleInput{}, err
	}
	leading, err := params.Bool("leading")
	if err != nil {
		return throttleInput{}, err
	}
	trailing, err := params.Bool("trailing")
	if err != nil {
		return throttleInput{}, err
	}
	edges, err := throttleEdges(params, leading, trailing)
	return throttleInput{interval: interval, edges: edges, arrivals: arrivals}, err
}

// readThrottleLive reads the throttle's fields, then callers, callsPerCaller and gapMs.
func readThrottleLive(o field.Object) (throttleInput, error) {
	in, err := readThrottle(o)
	if err != nil {
		return throttleInput{}, err
	}
	callers, err := o.Int("callers", 1, maxThrottleCallers)
	if err != nil {
		return throttleInput{}, err
	}
	calls, err := o.Int("callsPerCaller", 0, maxThrottleCalls)
	if err != nil {
		return throttleInput{}, err
	}
	gap, err := o.Int("gapMs", 0, maxGapMs)
	in.callers, in.calls, in.gap = int(callers), int(calls), time.Duration(gap)*time.Millisecond
	return in, err
}

type throttleLiveOutput struct {
	Calls int64 `json:"calls"`
}

type throttleLiveObserved struct {
	ElapsedNs int64        `json:"elapsedNs"`
	Calls     []callStamp  `json:"calls"`
	Fires     []firedStamp `json:"fires"`
}

type callStamp struct {
	Caller int   `json:"caller"`
	Ns     int64 `json:"ns"`
}

// firedStamp is one firing: when the throttle decided it, on its own clock placed on the
// region's, and when the throttled function began.
type firedStamp struct {
	AtNs    int64 `json:"atNs"`
	StartNs int64 `json:"startNs"`
}

// runThrottleLive has every caller call one shared throttler, gap apart, and waits until the
// last trailing call, if any, has fired. A call is stamped before it is made.
func runThrottleLive(ctx context.Context, in throttleInput, clock *observe.Clock) (throttleLiveOutput, throttleLiveObserved) {
	fires := observe.NewLog[firedStamp](clock)
	th := throttle.New(time.Duration(in.interval)*time.Millisecond, in.edges, func(f gate.Firing[int]) error {
		fires.Add(firedStamp{AtNs: clock.Since(f.At), StartNs: clock.Now()})
		return nil
	})
	calls := observe.NewLog[callStamp](clock)
	var made atomic.Int64
	var callers sync.WaitGroup
	for c := range in.callers {
		callers.Go(func() {
			for n := range in.calls {
				if n > 0 && sleep(ctx, in.gap) != nil {
					return
				}
				calls.Add(callStamp{c, clock.Now()})
				th.Call(c)
				made.Add(1)
			}
		})
	}
	callers.Wait()
	// Every Call has returned: Wait may begin.
	_ = th.Wait(ctx)
	return throttleLiveOutput{Calls: made.Load()}, throttleLiveObserved{ElapsedNs: clock.Now(), Calls: calls.Items(), Fires: fires.Items()}
}
