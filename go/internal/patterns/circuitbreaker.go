package patterns

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/circuitbreaker"
	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/internal/observe"
	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
)

// circuitBreaker is the breaker decided on calls given as data, or run on the real clock for
// concurrent callers, told apart by mode. The benchmark decides.
var circuitBreaker = protocol.Variants("mode", map[string]protocol.Pattern{
	"decide": protocol.Define(protocol.Definition[breakerInput, breakerDecisions, elapsedObserved]{
		Validate: func(o field.Object) (breakerInput, error) {
			in, err := readBreaker(o)
			if err != nil {
				return breakerInput{}, err
			}
			in.calls, err = readBreakerCalls(o)
			return in, err
		},
		Run:        runBreakerDecide,
		BenchInput: benchBreaker,
		Check:      checkBreaker,
	}),
	"live": protocol.Define(protocol.Definition[breakerInput, breakerLiveOutput, breakerLiveObserved]{
		Validate: func(o field.Object) (breakerInput, error) {
			in, err := readBreaker(o)
			if err != nil {
				return breakerInput{}, err
			}
			in.callers, err = readBreakerCallers(o)
			return in, err
		},
		Run: runBreakerLive,
	}),
}, "decide")

// Limits from the circuit-breaker page.
const (
	maxFailureThreshold = 1000
	maxBreakerWindowMs  = 600_000
	maxOpenMs           = 600_000
	maxHalfOpenProbes   = 1000
	maxBreakerCallers   = 100
	maxBreakerRunMs     = 1000
	maxBreakerGapMs     = 1000
)

type breakerInput struct {
	settings circuitbreaker.Settings // in ms
	calls    []breakerCall           // decide
	callers  [][]breakerLiveCall     // live
}

type breakerCall struct {
	at   int64 // ms
	fail bool
}

type breakerLiveCall struct {
	fail     bool
	run, gap time.Duration
}

// readBreaker reads failureThreshold, windowMs, openMs and halfOpenProbes, in that order, as
// the input and the benchmark's params both have them.
func readBreaker(o field.Object) (breakerInput, error) {
	threshold, err := o.Int("failureThreshold", 1, maxFailureThreshold)
	if err != nil {
		return breakerInput{}, err
	}
	window, err := o.Int("windowMs", 1, maxBreakerWindowMs)
	if err != nil {
		return breakerInput{}, err
	}
	open, err := o.Int("openMs", 1, maxOpenMs)
	if err != nil {
		return breakerInput{}, err
	}
	probes, err := o.Int("halfOpenProbes", 1, maxHalfOpenProbes)
	return breakerInput{settings: circuitbreaker.Settings{
		FailureThreshold: int(threshold), Window: window, OpenFor: open, HalfOpenProbes: int(probes),
	}}, err
}

// readBreakerCalls reads calls, each {atMs, outcome}, the times in order.
func readBreakerCalls(o field.Object) ([]breakerCall, error) {
	list, err := o.Array("calls")
	if err != nil {
		return nil, err
	}
	calls := make([]breakerCall, list.Len())
	for i := range calls {
		c, err := list.Object(i)
		if err != nil {
			return nil, err
		}
		at, err := c.Int("atMs", 0, maxArrivalMs)
		if err != nil {
			return nil, err
		}
		if i > 0 && at < calls[i-1].at {
			return nil, field.Errorf(c.Path("atMs"), "must not be earlier than %s (%d): calls are in time order, got %d", list.Path(i-1)+".atMs", calls[i-1].at, at)
		}
		outcome, err := c.OneOf("outcome", "ok", "fail")
		if err != nil {
			return nil, err
		}
		calls[i] = breakerCall{at, outcome == "fail"}
	}
	return calls, nil
}

// readBreakerCallers reads callers, 1 to 100 lists of {outcome, runMs, gapMs}.
func readBreakerCallers(o field.Object) ([][]breakerLiveCall, error) {
	list, err := o.Array("callers")
	if err != nil {
		return nil, err
	}
	if n := list.Len(); n < 1 || n > maxBreakerCallers {
		return nil, field.Errorf(o.Path("callers"), "must have from 1 to %d elements, got %d", maxBreakerCallers, n)
	}
	callers := make([][]breakerLiveCall, list.Len())
	for i := range callers {
		calls, err := list.Array(i)
		if err != nil {
			return nil, err
		}
		callers[i] = make([]breakerLiveCall, calls.Len())
		for j := range callers[i] {
			c, err := calls.Object(j)
			if err != nil {
				return nil, err
			}
			outcome, err := c.OneOf("outcome", "ok", "fail")
			if err != nil {
				return nil, err
			}
			run, err := c.Int("runMs", 0, maxBreakerRunMs)
			if err != nil {
				return nil, err
			}
			gap, err := c.Int("gapMs", 0, maxBreakerGapMs)
			if err != nil {
				return nil, err
			}
			callers[i][j] = breakerLiveCall{outcome == "fail", time.Duration(run) * time.Millisecond, time.Duration(gap) * time.Millisecond}
		}
	}
	return callers, nil
}

// breakerDecisions is each call's decision, in order, and every change of state.
type breakerDecisions struct {
	Decisions []string        `json:"decisions"`
	Changes   []breakerChange `json:"changes"`
}

type breakerChange struct {
	AtMs int64                `json:"atMs"`
	To   circuitbreaker.State `json:"to"`
}

// runBreakerDecide decides each call in turn on one Machine, on milliseconds: a call is
// instantaneous, so one that runs is done at the time it was let through.
func runBreakerDecide(_ context.Context, in breakerInput, clock *observe.Clock) (breakerDecisions, elapsedObserved) {
	out := breakerDecisions{Decisions: make([]string, len(in.calls)), Changes: []breakerChange{}}
	m := circuitbreaker.NewMachine(in.settings, func(c circuitbreaker.Change) {
		out.Changes = append(out.Changes, breakerChange{c.At, c.To})
	})
	for i, c := range in.calls {
		ticket, ok := m.Allow(c.at)
		if !ok {
			out.Decisions[i] = "rejected"
			continue
		}
		out.Decisions[i] = "ran"
		m.Done(ticket, c.at, c.fail)
	}
	return out, elapsedObserved{ElapsedNs: clock.Now()}
}

// benchBreaker builds the page's benchmark input: size calls, call i at i ms, failing when
// i mod 10 < 3. Its params are the breaker's settings, in the input's order.
func benchBreaker(size int, params field.Object) (breakerInput, error) {
	in, err := readBreaker(params)
	if err != nil {
		return breakerInput{}, err
	}
	in.calls = make([]breakerCall, size)
	for i := range in.calls {
		in.calls[i] = breakerCall{int64(i), i%10 < 3}
	}
	return in, nil
}

// checkBreaker checks that every call was decided, and the changes follow the states' order
// in time, and counts the calls that ran and the changes.
func checkBreaker(in breakerInput, out breakerDecisions) (protocol.Check, error) {
	if len(out.Decisions) != len(in.calls) {
		return nil, fmt.Errorf("%d decisions for %d calls", len(out.Decisions), len(in.calls))
	}
	ran := 0
	for _, d := range out.Decisions {
		if d == "ran" {
			ran++
		}
	}
	next := map[circuitbreaker.State]circuitbreaker.State{circuitbreaker.Closed: circuitbreaker.Open, circuitbreaker.Open: circuitbreaker.HalfOpen}
	state, since := circuitbreaker.Closed, int64(0)
	for n, c := range out.Changes {
		if want, ok := next[state]; (ok && c.To != want) || (!ok && c.To == state) || c.AtMs < since {
			return nil, fmt.Errorf("change %d: from %s at %d ms to %s at %d ms", n, state, since, c.To, c.AtMs)
		}
		state, since = c.To, c.AtMs
	}
	return protocol.Check{"count": len(out.Decisions), "ran": ran, "changes": len(out.Changes)}, nil
}

type breakerLiveOutput struct {
	Calls int64 `json:"calls"`
}

type breakerLiveObserved struct {
	ElapsedNs int64             `json:"elapsedNs"`
	Calls     []breakerCallSeen `json:"calls"`
	Changes   []breakerChangeNs `json:"changes"`
}

// breakerCallSeen is one call: when the breaker decided it, on its own clock placed on the
// region's, and, if it ran, the run around it.
type breakerCallSeen struct {
	Caller    int    `json:"caller"`
	Index     int    `json:"index"`
	DecidedNs int64  `json:"decidedNs"`
	Decision  string `json:"decision"`
	StartNs   *int64 `json:"startNs,omitempty"`
	EndNs     *int64 `json:"endNs,omitempty"`
}

type breakerChangeNs struct {
	AtNs int64                `json:"atNs"`
	To   circuitbreaker.State `json:"to"`
}

var errCallFailed = errors.New("the call failed")

// runBreakerLive has every caller make its calls through one shared breaker: wait gapMs, then
// call; a call let through runs runMs and fails if its outcome says so.
func runBreakerLive(ctx context.Context, in breakerInput, clock *observe.Clock) (breakerLiveOutput, breakerLiveObserved) {
	changes := observe.NewLog[breakerChangeNs](clock)
	ms := int64(time.Millisecond)
	s := in.settings
	s.Window, s.OpenFor = s.Window*ms, s.OpenFor*ms
	// Told under the breaker's lock: the log holds the changes in the order they were made.
	b := circuitbreaker.New(s, func(to circuitbreaker.State, at time.Time) {
		changes.Add(breakerChangeNs{clock.Since(at), to})
	})
	calls := observe.NewLog[breakerCallSeen](clock)
	var made atomic.Int64
	var callers sync.WaitGroup
	for i, list := range in.callers {
		callers.Go(func() {
			for j, c := range list {
				if sleep(ctx, c.gap) != nil {
					return
				}
				seen := breakerCallSeen{Caller: i, Index: j, Decision: "ran"}
				decided, err := b.Do(func() error {
					start := clock.Now()
					slept := sleep(ctx, c.run)
					end := clock.Now()
					seen.StartNs, seen.EndNs = &start, &end
					switch {
					case slept != nil:
						return slept
					case c.fail:
						return errCallFailed
					}
					return nil
				})
				if errors.Is(err, circuitbreaker.ErrOpen) {
					seen.Decision = "rejected"
				}
				seen.DecidedNs = clock.Since(decided)
				calls.Add(seen)
				made.Add(1)
			}
		})
	}
	callers.Wait()
	return breakerLiveOutput{Calls: made.Load()}, breakerLiveObserved{ElapsedNs: clock.Now(), Calls: calls.Items(), Changes: changes.Items()}
}
