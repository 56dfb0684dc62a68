package patterns

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/internal/observe"
	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
	"github.com/concurrency-cookbook/cookbook/go/timeout"
)

var timeoutPattern = protocol.Define(protocol.Definition[timeoutInput, timeoutOutput, timeoutObserved]{
	Validate:   validateTimeout,
	Run:        runTimeout,
	BenchInput: benchTimeout,
	Check:      checkTimeout,
})

// Limits from the timeout page.
const (
	maxTimeoutMs = 60_000
	maxGroup     = 1000
	maxCleanupMs = 1000
)

type timeoutInput struct {
	group bool
	// inner is 0 when there is no inner deadline.
	deadline, inner time.Duration
	ops             []timedOp
}

// timedOp is an operation with the cleanup it runs however it ends.
type timedOp struct {
	task
	cleanup time.Duration
}

// timeoutOutput is the results as the package returned them, in input order; they take the
// answer's shape only when the answer is encoded.
type timeoutOutput struct {
	in      *timeoutInput
	results []timeout.Result[uint64]
}

func (o timeoutOutput) MarshalJSON() ([]byte, error) {
	results := make([]timedResult, len(o.results))
	for i, r := range o.results {
		results[i] = timedResult{id: o.in.ops[i].seed, Result: r}
	}
	if o.in.group {
		return json.Marshal(struct {
			Results []timedResult `json:"results"`
		}{results})
	}
	return json.Marshal(struct {
		Result timedResult `json:"result"`
	}{results[0]})
}

// timedResult is one operation's result as the answer carries it: {"id", "value"},
// {"id", "error"} or {"id", "timedOut": the deadline's name}.
type timedResult struct {
	id uint64
	timeout.Result[uint64]
}

func (r timedResult) MarshalJSON() ([]byte, error) {
	if deadline := (*timeout.DeadlineError)(nil); errors.As(r.Err, &deadline) {
		return json.Marshal(struct {
			ID       uint64 `json:"id"`
			TimedOut string `json:"timedOut"`
		}{r.id, deadline.Name})
	}
	return json.Marshal(idOutcome{r.id, outcome{r.Value, r.Err}})
}

type timeoutObserved struct {
	ElapsedNs  int64         `json:"elapsedNs"`
	Operations []timedRecord `json:"operations"`
}

// timedRecord is an operation's run and, after it, its cleanup's.
type timedRecord struct {
	runRecord
	CleanupStartNs int64 `json:"cleanupStartNs"`
	CleanupEndNs   int64 `json:"cleanupEndNs"`
}

// validateTimeout checks fields in the page's order: kind, deadlineMs, innerDeadlineMs (single
// only), operations and how many the kind takes, then each operation: id, sleepMs, fail,
// cleanupMs.
func validateTimeout(in field.Object) (timeoutInput, error) {
	kind, err := in.OneOf("kind", "single", "group")
	if err != nil {
		return timeoutInput{}, err
	}
	deadline, err := in.Int("deadlineMs", 1, maxTimeoutMs)
	if err != nil {
		return timeoutInput{}, err
	}
	group := kind == "group"
	var inner int64
	if group {
		if in.Has("innerDeadlineMs") {
			return timeoutInput{}, field.Errorf("innerDeadlineMs", `must be absent when kind is "group": only a single operation has an inner deadline`)
		}
	} else if inner, err = in.OptInt("innerDeadlineMs", 0, 1, maxTimeoutMs); err != nil {
		return timeoutInput{}, err
	}
	list, err := in.Array("operations")
	if err != nil {
		return timeoutInput{}, err
	}
	switch n := list.Len(); {
	case group && n == 0:
		return timeoutInput{}, field.Errorf("operations", "must have at least 1 element, got 0")
	case group && n > maxGroup:
		return timeoutInput{}, list.AtMost(maxGroup)
	case !group && n != 1:
		return timeoutInput{}, field.Errorf("operations", `must have exactly 1 element when kind is "single", got %d`, n)
	}
	ops := make([]timedOp, list.Len())
	ids := idSet{}
	for i := range ops {
		o, err := list.Object(i)
		if err != nil {
			return timeoutInput{}, err
		}
		t, err := readOperation(o, ids)
		if err != nil {
			return timeoutInput{}, err
		}
		cleanup, err := optMs(o, "cleanupMs", maxCleanupMs)
		if err != nil {
			return timeoutInput{}, err
		}
		ops[i] = timedOp{task: t, cleanup: cleanup}
	}
	return timeoutInput{group: group, deadline: time.Duration(deadline) * time.Millisecond, inner: time.Duration(inner) * time.Millisecond, ops: ops}, nil
}

// runTimeout runs the operations under the deadlines, which count from just after the start of
// the measured region: an operation can be cut short no sooner than its deadline.
func runTimeout(ctx context.Context, in timeoutInput, clock *observe.Clock) (timeoutOutput, timeoutObserved) {
	records := observe.NewLog[timedRecord](clock)
	ops := make([]func(context.Context) (uint64, error), len(in.ops))
	for i, op := range in.ops {
		ops[i] = op.call(clock, records)
	}
	var results []timeout.Result[uint64]
	if in.group {
		results = timeout.Group(ctx, in.deadline, "outer", ops)
	} else {
		call := ops[0]
		if in.inner > 0 {
			// The inner deadline is the operation's own budget, nested inside the caller's.
			call = func(ctx context.Context) (uint64, error) {
				return timeout.Within(ctx, in.inner, "inner", ops[0])
			}
		}
		v, err := timeout.Within(ctx, in.deadline, "outer", call)
		results = []timeout.Result[uint64]{{Value: v, Err: err}}
	}
	return timeoutOutput{in: &in, results: results}, timeoutObserved{ElapsedNs: clock.Now(), Operations: records.Items()}
}

// call is the operation as the package runs it: its body, then its cleanup, whatever ended the
// body, and only then its record and its return, so that the call waiting for it waits for the
// cleanup too.
func (op timedOp) call(clock *observe.Clock, records *observe.Log[timedRecord]) func(context.Context) (uint64, error) {
	return func(ctx context.Context) (uint64, error) {
		run, v, err := op.runStamped(ctx, clock, "operation")
		cleanupStart := clock.Now()
		// On ctx, which has ended if the deadline cut the body short, the cleanup's sleep would
		// return at once: WithoutCancel keeps ctx's values and drops its end.
		_ = sleep(context.WithoutCancel(ctx), op.cleanup)
		records.Add(timedRecord{runRecord: run, CleanupStartNs: cleanupStart, CleanupEndNs: clock.Now()})
		return v, err
	}
}

// benchTimeout builds the page's benchmark input: a group of size operations, ids 0..size-1,
// no sleep and no cleanup, under params.deadlineMs.
func benchTimeout(size int, params field.Object) (timeoutInput, error) {
	deadline, err := params.Int("deadlineMs", 1, maxTimeoutMs)
	if err != nil {
		return timeoutInput{}, err
	}
	ops := make([]timedOp, size)
	for i := range ops {
		ops[i] = timedOp{task: task{seed: uint64(i)}}
	}
	return timeoutInput{group: true, deadline: time.Duration(deadline) * time.Millisecond, ops: ops}, nil
}

// checkTimeout checks that every operation finished in time, once, and digests the values,
// which are the ids, by XOR.
func checkTimeout(in timeoutInput, out timeoutOutput) (protocol.Check, error) {
	results := make([]idOutcome, len(out.results))
	for i, r := range out.results {
		results[i] = idOutcome{in.ops[i].seed, outcome{r.Value, r.Err}}
	}
	return xorCheck(len(in.ops), results)
}
