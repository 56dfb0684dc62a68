package pipeline

import "context"

// Trace is a set of hooks that Run calls as items move, for whoever observes a pipeline. Like
// net/http/httptrace's ClientTrace, it travels in the context of the call; any hook may be nil.
// stage is the index of the stage whose queue or worker it is, and len(stages) is the
// collector's queue; worker is the worker's index within its stage. Hooks of different workers
// run at the same time.
type Trace[T any] struct {
	// Put is called just before v is put into stage's queue, by the source or by a worker of
	// the stage before.
	Put func(stage int, v T)
	// Queued is called just after the put returned, or gave up.
	Queued func(stage int, v T)
	// Get is called just before a worker asks its stage's queue for an item.
	Get func(stage, worker int)
	// Got is called just after the worker got v.
	Got func(stage, worker int, v T)
	// Done is called once the worker is done with v, transformed, failed or cancelled, before
	// it passes the result on or asks for another item.
	Done func(stage, worker int, v T)
}

type traceKey[T any] struct{}

// WithTrace returns a context that carries t to Run.
func WithTrace[T any](ctx context.Context, t *Trace[T]) context.Context {
	return context.WithValue(ctx, traceKey[T]{}, t)
}

// traceOf returns the trace ctx carries, or nil.
func traceOf[T any](ctx context.Context) *Trace[T] {
	t, _ := ctx.Value(traceKey[T]{}).(*Trace[T])
	return t
}

func (t *Trace[T]) put(stage int, v T) {
	if t != nil && t.Put != nil {
		t.Put(stage, v)
	}
}

func (t *Trace[T]) queued(stage int, v T) {
	if t != nil && t.Queued != nil {
		t.Queued(stage, v)
	}
}

func (t *Trace[T]) get(stage, worker int) {
	if t != nil && t.Get != nil {
		t.Get(stage, worker)
	}
}

func (t *Trace[T]) got(stage, worker int, v T) {
	if t != nil && t.Got != nil {
		t.Got(stage, worker, v)
	}
}

func (t *Trace[T]) done(stage, worker int, v T) {
	if t != nil && t.Done != nil {
		t.Done(stage, worker, v)
	}
}
