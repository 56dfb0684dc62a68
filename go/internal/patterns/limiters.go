package patterns

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/internal/observe"
	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
	"github.com/concurrency-cookbook/cookbook/go/limiter"
)

// What the two rate limiters share: the decide and live modes, their validation, runs and
// benchmark. A limiter brings only its parameters and its decision core.

// Limits from the limiter pages.
const (
	maxPeriodMs          = 86_400_000
	maxArrivalMs         = 1<<53 - 1
	maxCallers           = 1000
	maxRequestsPerCaller = 10_000
)

// core is a limiter's decision core, as tokenbucket.Bucket and slidingwindow.Window are.
type core interface {
	Decide(now int64) (admitted bool, wait int64)
	limiter.Policy
}

// coreOf builds a fresh core from validated parameters, on ticks of 1/ticksPerMs milliseconds:
// 1 to decide on arrival times in milliseconds, 1e6 on the live clock's nanoseconds.
type coreOf func(ticksPerMs int64) core

// limiterPattern is a limiter's pattern: mode first, then the limiter's own parameters, read
// by params, then the mode's fields. The benchmark decides.
func limiterPattern(params func(field.Object) (coreOf, error)) protocol.Pattern {
	return protocol.Variants("mode", map[string]protocol.Pattern{
		"decide": protocol.Define(protocol.Definition[decideInput, decideOutput, elapsedObserved]{
			Validate: func(o field.Object) (decideInput, error) {
				newCore, err := params(o)
				if err != nil {
					return decideInput{}, err
				}
				arrivals, err := readArrivals(o)
				return decideInput{newCore, arrivals}, err
			},
			Run: runDecide,
			BenchInput: func(size int, o field.Object) (decideInput, error) {
				newCore, err := params(o)
				if err != nil {
					return decideInput{}, err
				}
				arrivals := make([]int64, size)
				for i := range arrivals {
					arrivals[i] = int64(i)
				}
				return decideInput{newCore, arrivals}, nil
			},
			Check: checkDecide,
		}),
		"live": protocol.Define(protocol.Definition[liveInput, liveOutput, liveObserved]{
			Validate: func(o field.Object) (liveInput, error) {
				newCore, err := params(o)
				if err != nil {
					return liveInput{}, err
				}
				return readLive(o, newCore)
			},
			Run: runLive,
		}),
	}, "decide")
}

type decideInput struct {
	newCore  coreOf
	arrivals []int64 // in milliseconds, never going back
}

type decideOutput struct {
	Decisions []decision `json:"decisions"`
}

// decision is one answer. A refusal's wait is never 0 (it would have been admitted), so
// omitempty leaves waitMs out of exactly the admissions.
type decision struct {
	Admit  bool  `json:"admit"`
	WaitMs int64 `json:"waitMs,omitempty"`
}

type elapsedObserved struct {
	ElapsedNs int64 `json:"elapsedNs"`
}

// readArrivals reads arrivalsMs: times in time order, from 0 to maxArrivalMs.
func readArrivals(o field.Object) ([]int64, error) {
	return readArrivalsUpTo(o, maxArrivalMs)
}

// readArrivalsUpTo reads arrivalsMs: times in time order, from 0 to most.
func readArrivalsUpTo(o field.Object, most int64) ([]int64, error) {
	list, err := o.Array("arrivalsMs")
	if err != nil {
		return nil, err
	}
	arrivals := make([]int64, list.Len())
	for i := range arrivals {
		t, err := list.Int(i, 0, most)
		if err != nil {
			return nil, err
		}
		if i > 0 && t < arrivals[i-1] {
			return nil, field.Errorf(list.Path(i), "must not be earlier than %s (%d): arrivals are in time order, got %d", list.Path(i-1), arrivals[i-1], t)
		}
		arrivals[i] = t
	}
	return arrivals, nil
}

// runDecide answers each arrival in turn: deciding is sequential, on time given as data.
func runDecide(_ context.Context, in decideInput, clock *observe.Clock) (decideOutput, elapsedObserved) {
	c := in.newCore(1)
	decisions := make([]decision, len(in.arrivals))
	for i, t := range in.arrivals {
		admitted, wait := c.Decide(t)
		decisions[i] = decision{Admit: admitted, WaitMs: wait}
	}
	return decideOutput{Decisions: decisions}, elapsedObserved{ElapsedNs: clock.Now()}
}

// checkDecide checks that every arrival was answered, each refusal with a wait, and counts the
// admissions.
func checkDecide(in decideInput, out decideOutput) (protocol.Check, error) {
	if len(out.Decisions) != len(in.arrivals) {
		return nil, fmt.Errorf("%d decisions for %d arrivals", len(out.Decisions), len(in.arrivals))
	}
	admitted := 0
	for i, d := range out.Decisions {
		if d.Admit {
			admitted++
		} else if d.WaitMs < 1 {
			return nil, fmt.Errorf("arrival %d refused with a wait of %d", i, d.WaitMs)
		}
	}
	return protocol.Check{"count": len(out.Decisions), "admitted": admitted}, nil
}

type liveInput struct {
	newCore           coreOf
	callers, requests int // requests per caller
}

type liveOutput struct {
	Admitted int64 `json:"admitted"`
}

type liveObserved struct {
	ElapsedNs  int64             `json:"elapsedNs"`
	Admissions []admissionRecord `json:"admissions"`
}

type admissionRecord struct {
	Caller    int   `json:"caller"`
	RequestNs int64 `json:"requestNs"`
	AtNs      int64 `json:"atNs"`
	WokeNs    int64 `json:"wokeNs"`
}

func readLive(o field.Object, newCore coreOf) (liveInput, error) {
	callers, err := o.Int("callers", 1, maxCallers)
	if err != nil {
		return liveInput{}, err
	}
	requests, err := o.Int("requestsPerCaller", 0, maxRequestsPerCaller)
	return liveInput{newCore: newCore, callers: int(callers), requests: int(requests)}, err
}

// runLive has every caller acquire back to back through one shared limiter on the real clock.
// The limiter reports its times on the monotonic clock it decides with, and the region's clock
// places them, so the observations are the very times the limiter decided.
func runLive(ctx context.Context, in liveInput, clock *observe.Clock) (liveOutput, liveObserved) {
	l := limiter.New(in.newCore(int64(time.Millisecond)))
	admissions := observe.NewLog[admissionRecord](clock)
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for c := range in.callers {
		wg.Go(func() {
			for range in.requests {
				a, err := l.Wait(ctx)
				if err != nil {
					return
				}
				admitted.Add(1)
				admissions.Add(admissionRecord{Caller: c, RequestNs: clock.Since(a.Requested), AtNs: clock.Since(a.At), WokeNs: clock.Since(a.Woke)})
			}
		})
	}
	wg.Wait()
	return liveOutput{Admitted: admitted.Load()}, liveObserved{ElapsedNs: clock.Now(), Admissions: admissions.Items()}
}
