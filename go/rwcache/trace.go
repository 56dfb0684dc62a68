package rwcache

import "context"

// Mode is the mode of a lock the cache takes.
type Mode int

// The two modes of a reader-writer lock.
const (
	Read  Mode = iota // shared with other readers
	Write             // held alone
)

func (m Mode) String() string {
	if m == Write {
		return "write"
	}
	return "read"
}

// Trace is a set of hooks that the cache calls as it takes and releases its lock, for whoever
// observes it. Like net/http/httptrace's ClientTrace, it travels in the context of a call, so
// that each call can be told apart; any hook may be nil.
type Trace struct {
	// LockWait is called just before the lock is requested.
	LockWait func(Mode)
	// LockHeld is called as soon as the lock is held. It runs inside the critical section:
	// whatever it does, it does holding the lock.
	LockHeld func(Mode)
	// LockRelease is called just before the lock is released.
	LockRelease func(Mode)
}

type traceKey struct{}

// WithTrace returns a context that carries t to the cache's methods.
func WithTrace(ctx context.Context, t *Trace) context.Context {
	return context.WithValue(ctx, traceKey{}, t)
}

// traceOf returns the trace ctx carries, or nil.
func traceOf(ctx context.Context) *Trace {
	t, _ := ctx.Value(traceKey{}).(*Trace)
	return t
}

func (t *Trace) lockWait(m Mode) {
	if t != nil && t.LockWait != nil {
		t.LockWait(m)
	}
}

func (t *Trace) lockHeld(m Mode) {
	if t != nil && t.LockHeld != nil {
		t.LockHeld(m)
	}
}

func (t *Trace) lockRelease(m Mode) {
	if t != nil && t.LockRelease != nil {
		t.LockRelease(m)
	}
}
