package patterns

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/firstcompleted"
	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/internal/observe"
	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
	"github.com/concurrency-cookbook/cookbook/go/work"
)

var firstCompleted = protocol.Define(protocol.Definition[firstInput, firstOutput, firstObserved]{
	Validate:   validateFirst,
	Run:        runFirst,
	BenchInput: benchFirst,
	Check:      checkFirst,
})

// Limits from the first-completed page.
const (
	maxRacers       = 1000
	maxHedgeAfterMs = 60_000
	// hedgeCalls is the primary, then the backup.
	hedgeCalls = 2
)

type firstInput struct {
	mode       string
	ops        []task
	hedgeAfter time.Duration
	// calls is how many times the operations are started and answered: once for a case, size
	// times for the benchmark.
	calls int
}

// firstOutput is the answers as the package returned them, one per call; they take the
// answer's shape only when the answer is encoded, and a case makes one call.
type firstOutput struct {
	in      *firstInput
	answers []firstAnswer
}

// firstAnswer is one call's answer: the first result, or with err every failure, joined.
type firstAnswer struct {
	first  firstcompleted.Result[uint64]
	err    error
	hedged bool
}

func (o firstOutput) MarshalJSON() ([]byte, error) {
	a := o.answers[0]
	var out struct {
		First  *idOutcome `json:"first,omitempty"`
		Errors []string   `json:"errors,omitempty"`
		Hedged *bool      `json:"hedged,omitempty"`
	}
	if a.err != nil {
		out.Errors = errorMessages(a.err)
	} else {
		out.First = &idOutcome{o.in.ops[a.first.Index].seed, outcome{a.first.Value, a.first.Err}}
	}
	if o.in.mode == "hedge" {
		out.Hedged = &a.hedged
	}
	return json.Marshal(out)
}

// errorMessages words the errors that err joins, in their order.
func errorMessages(err error) []string {
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []string{message(err)}
	}
	out := make([]string, 0, len(joined.Unwrap()))
	for _, e := range joined.Unwrap() {
		out = append(out, message(e))
	}
	return out
}

type firstObserved struct {
	ElapsedNs  int64       `json:"elapsedNs"`
	Operations []runRecord `json:"operations"`
}

// validateFirst checks fields in the page's order: mode, operations and how many the mode takes,
// each operation (id, sleepMs, fail), then hedgeAfterMs for a hedge.
func validateFirst(in field.Object) (firstInput, error) {
	mode, err := in.OneOf("mode", "race", "any", "hedge")
	if err != nil {
		return firstInput{}, err
	}
	list, err := in.Array("operations")
	if err != nil {
		return firstInput{}, err
	}
	switch n := list.Len(); {
	case mode == "hedge" && n != hedgeCalls:
		return firstInput{}, field.Errorf("operations", "must have exactly %d elements to hedge, the primary then the backup, got %d", hedgeCalls, n)
	case n == 0:
		return firstInput{}, field.Errorf("operations", "must have at least 1 element, got 0")
	case n > maxRacers:
		return firstInput{}, list.AtMost(maxRacers)
	}
	ops := make([]task, list.Len())
	ids := idSet{}
	for i := range ops {
		o, err := list.Object(i)
		if err != nil {
			return firstInput{}, err
		}
		if ops[i], err = readOperation(o, ids); err != nil {
			return firstInput{}, err
		}
	}
	first := firstInput{mode: mode, ops: ops, calls: 1}
	if mode == "hedge" {
		after, err := in.Int("hedgeAfterMs", 1, maxHedgeAfterMs)
		if err != nil {
			return firstInput{}, err
		}
		first.hedgeAfter = time.Duration(after) * time.Millisecond
	}
	return first, nil
}

// runFirst answers the calls one after the other, each operation recording its own run from
// inside its goroutine: a backup never started has no record.
func runFirst(ctx context.Context, in firstInput, clock *observe.Clock) (firstOutput, firstObserved) {
	records := observe.NewLog[runRecord](clock)
	calls := make([]func(context.Context) (uint64, error), len(in.ops))
	for i, op := range in.ops {
		calls[i] = func(ctx context.Context) (uint64, error) {
			run, v, err := op.runStamped(ctx, clock, "operation")
			records.Add(run)
			return v, err
		}
	}
	answers := make([]firstAnswer, in.calls)
	for i := range answers {
		answers[i] = in.answer(ctx, calls)
	}
	return firstOutput{in: &in, answers: answers}, firstObserved{ElapsedNs: clock.Now(), Operations: records.Items()}
}

// answer makes one call of the input's mode.
func (in *firstInput) answer(ctx context.Context, calls []func(context.Context) (uint64, error)) firstAnswer {
	switch in.mode {
	case "race":
		return firstAnswer{first: firstcompleted.Race(ctx, calls...)}
	case "any":
		first, err := firstcompleted.Any(ctx, calls...)
		return firstAnswer{first: first, err: err}
	default:
		first, hedged, err := firstcompleted.Hedge(ctx, in.hedgeAfter, calls[0], calls[1])
		return firstAnswer{first: first, err: err, hedged: hedged}
	}
}

// benchFirst builds the page's benchmark input: size calls of any over params.operations
// operations, ids 0..operations-1, with no sleep, every one failing but the last.
func benchFirst(size int, params field.Object) (firstInput, error) {
	n, err := params.Int("operations", 1, maxRacers)
	if err != nil {
		return firstInput{}, err
	}
	ops := make([]task, n)
	for i := range ops {
		ops[i] = task{seed: uint64(i), fail: i < len(ops)-1}
	}
	return firstInput{mode: "any", ops: ops, calls: size}, nil
}

// checkFirst checks that the last operation, the only one that succeeds, won every call, and
// digests the winners' ids by XOR.
func checkFirst(in firstInput, out firstOutput) (protocol.Check, error) {
	if len(out.answers) != in.calls {
		return nil, fmt.Errorf("%d answers for %d calls", len(out.answers), in.calls)
	}
	last := in.ops[len(in.ops)-1].seed
	var digest uint64
	for i, a := range out.answers {
		id := in.ops[a.first.Index].seed
		if a.err != nil || a.first.Err != nil || id != last || a.first.Value != last {
			return nil, fmt.Errorf("call %d answered %+v, %v; want operation %d's value", i, a.first, a.err, last)
		}
		digest ^= id
	}
	return protocol.Check{"count": len(out.answers), "digest": work.Hex(digest)}, nil
}
