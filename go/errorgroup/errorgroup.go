// Package errorgroup runs tasks in a group that owns them: no task outlives the call. FailFast
// cancels every running sibling of the first failure, starts no further task, and returns that
// failure; CollectAll runs every task to its end. Either way each task comes back with how it
// ended: ok, failed, cancelled, or never started, and a cancelled task never passes for a
// success. Groups nest: a task may run a group of its own under the context it is given, and
// cancelling the task cancels that group's tasks.
//
// In production, reach for golang.org/x/sync/errgroup, which Run is built on: WithContext
// cancels the group's context at the first error, SetLimit bounds the goroutines, and Wait
// returns the first error once every goroutine has returned. What it leaves to you, and Run
// shows:
//
//   - after a failure, a limited Group goes on starting the tasks still queued, each as soon
//     as a slot frees up: Go never looks at the context. Run does, before starting each task;
//   - Wait keeps the first error alone. Each task's outcome, and which tasks were cancelled
//     rather than failed, are the caller's to keep;
//   - the context WithContext returns is the one to hand the tasks. Passed the parent's by
//     mistake, they are never cancelled: hence the habit of shadowing ctx with it.
package errorgroup

import (
	"context"
	"errors"

	"golang.org/x/sync/errgroup"
)

// --8<-- [start:error-group]

// Policy is what a group does when a task fails.
type Policy int

const (
	// FailFast cancels the running siblings of the first failure, starts no further task,
	// and fails the group with that failure.
	FailFast Policy = iota
	// CollectAll runs every task to its end, whatever the others came to: a failure is one
	// task's outcome, not the group's.
	CollectAll
)

// Status is how a task ended.
type Status int

const (
	// NotStarted is a task the group never started: a failure, or the end of the group's
	// context, came first.
	NotStarted Status = iota
	// OK is a task that returned a nil error.
	OK
	// Failed is a task that returned an error of its own.
	Failed
	// Cancelled is a task that stopped because its context ended: it returned the context's
	// error, whether or not it meant to succeed.
	Cancelled
)

func (s Status) String() string {
	return [...]string{"not-started", "ok", "failed", "cancelled"}[s]
}

// Outcome is what one task came to.
type Outcome[T any] struct {
	Status Status
	Value  T
	Err    error
}

// Run runs the tasks in input order, at most limit at once (limit < 1: no limit), each with a
// context that the group cancels as its policy says, and returns their outcomes in input
// order once every task it started has returned.
//
// Its error is the first failure under FailFast. Under either policy, a group that ctx cut
// short (a task cancelled or never started for it) returns ctx's error, so that a task
// running a nested group is itself seen to be cancelled, not failed; otherwise nil.
func Run[T any](ctx context.Context, policy Policy, limit int, tasks []func(context.Context) (T, error)) ([]Outcome[T], error) {
	outcomes := make([]Outcome[T], len(tasks))
	parent := ctx
	// A plain Group for CollectAll: no task's error cancels another.
	g := new(errgroup.Group)
	if policy == FailFast {
		// From here on ctx is the group's context, which the first failure cancels: the one
		// to hand the tasks. The parent's, which no failure cancels, must not reach them.
		g, ctx = errgroup.WithContext(ctx)
	}
	if limit < 1 {
		limit = -1 // errgroup's "no limit"; its 0 would block every Go forever
	}
	g.SetLimit(limit)
	for i, task := range tasks {
		// After a failure, hand out nothing more, rather than wait for a slot for each task
		// only to have it see a cancelled context.
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			// Go may have waited for a slot while the failure came, and got the slot the
			// failing task gave back: this task is not to be started.
			if ctx.Err() != nil {
				return nil
			}
			v, err := task(ctx)
			// Each task writes its own slot, and Wait happens after every write: no lock.
			outcomes[i] = Outcome[T]{Status: status(ctx, err), Value: v, Err: err}
			if outcomes[i].Status == Failed && policy == FailFast {
				// The first error returned to a WithContext group cancels its context.
				return err
			}
			// A cancelled task's error is no failure of the group, and under CollectAll no
			// error is.
			return nil
		})
	}
	// Wait returns only once every goroutine Go started has returned: no task outlives Run.
	err := g.Wait()
	if err == nil && parent.Err() != nil && cutShort(outcomes) {
		err = parent.Err()
	}
	return outcomes, err
}

// status is how a task under ctx that returned err ended. Only ctx's own error, returned once
// ctx has ended, makes a cancellation: checked by ctx.Err() alone, a failure of the task's
// own that came as the group was being cancelled would pass for one.
func status(ctx context.Context, err error) Status {
	switch {
	case err == nil:
		return OK
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return Cancelled
	default:
		return Failed
	}
}

// cutShort reports whether a task was cancelled or never started.
func cutShort[T any](outcomes []Outcome[T]) bool {
	for _, o := range outcomes {
		if o.Status == Cancelled || o.Status == NotStarted {
			return true
		}
	}
	return false
}

// --8<-- [end:error-group]
