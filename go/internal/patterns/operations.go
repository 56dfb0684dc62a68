package patterns

import (
	"context"
	"errors"

	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/internal/observe"
)

// What the patterns of work under deadlines and failures share (timeout, first-completed,
// error-group): an operation read from the input, a task that sleeps, then fails or returns its
// id, and the record of its run. The patterns' packages know nothing of either: they take any
// context-aware function, and the adapters hand them these.

// readOperation reads an operation's id, unique among ids, then its optional sleepMs and fail,
// in that order. Its value is its id: a task of seed id and no cost.
func readOperation(o field.Object, ids idSet) (task, error) {
	id, err := ids.read(o, "id")
	if err != nil {
		return task{}, err
	}
	sleep, err := optMs(o, "sleepMs", maxSleepMs)
	if err != nil {
		return task{}, err
	}
	fail, err := o.OptBool("fail", false)
	return task{seed: id, sleep: sleep, fail: fail}, err
}

// runRecord is one run of an operation or a task, in nanoseconds since the start of the measured
// region: startNs when it began, endNs when it stopped, and how it ended.
type runRecord struct {
	ID      uint64 `json:"id"`
	StartNs int64  `json:"startNs"`
	EndNs   int64  `json:"endNs"`
	Outcome string `json:"outcome"`
}

// runStamped runs t, its failure worded for noun ("operation 3 failed"), and returns the record
// of its run on clock with its value and error.
func (t task) runStamped(ctx context.Context, clock *observe.Clock, noun string) (runRecord, uint64, error) {
	start := clock.Now()
	v, err := t.run(ctx, noun)
	return runRecord{ID: t.seed, StartNs: start, EndNs: clock.Now(), Outcome: ended(ctx, err)}, v, err
}

// ended is how a run under ctx that returned err ended: "cancelled" when err is ctx's own error,
// which the run returns when ctx cuts it short, else "failed" or "ok". It is the rule the
// patterns' packages tell a cancellation from a failure by.
func ended(ctx context.Context, err error) string {
	switch {
	case err == nil:
		return "ok"
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return "cancelled"
	default:
		return "failed"
	}
}
