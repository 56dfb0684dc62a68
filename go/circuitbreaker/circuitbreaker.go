// Package circuitbreaker stops calling a dependency that keeps failing, and tries it again
// carefully once it has had time to recover. Closed, calls run and their failures are counted;
// enough failures within a window open the breaker, and calls are rejected at once, without
// running; after a while it is half-open, and a few probes run: one failure opens it again, and
// enough successes close it, its failures forgotten.
//
// Machine is the decision in exact integer ticks, with time as data, so that every language of
// the cookbook agrees with it to the tick; Breaker runs it on the real clock for callers on many
// goroutines.
//
// In production, reach for github.com/sony/gobreaker: Settings.ReadyToTrip decides when it
// opens, Timeout is how long it stays open, and MaxRequests is the number of half-open probes.
package circuitbreaker

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// State is a breaker's state.
type State string

// The states.
const (
	Closed   State = "closed"    // calls run, and failures are counted
	Open     State = "open"      // calls are rejected without running
	HalfOpen State = "half-open" // a few probes run, to see whether the dependency is back
)

// Change is a change of state, at tick At.
type Change struct {
	At int64
	To State
}

// Settings are a breaker's thresholds. Window and OpenFor are in the ticks of the clock it
// decides with: milliseconds for time as data, nanoseconds for a Breaker.
type Settings struct {
	FailureThreshold int   // failures within Window that open the breaker
	Window           int64 // how long a failure counts: one at f counts at t while t - f < Window
	OpenFor          int64 // how long the breaker stays open before it is half-open
	HalfOpenProbes   int   // successes that close it, and the most probes that run at once
}

// --8<-- [start:circuit-breaker]

// Machine is the breaker's state machine on integer ticks that never go back. It is not safe
// for concurrent use: a Breaker decides under its own lock.
type Machine struct {
	s        Settings
	onChange func(Change)
	state    State
	since    int64 // when the state began
	// generation counts the changes: a call let through before the last change is about a
	// state that is gone, and its result is not counted.
	generation uint64
	// failures holds the times of the last FailureThreshold failures, a ring from next: the
	// oldest of them decides whether they all fit in the window.
	failures          []int64
	next, failed      int
	probes, succeeded int // half-open: probes running, and probes that succeeded
}

// Ticket is what Allow hands a call it lets through, for Done.
type Ticket struct {
	generation uint64
}

// NewMachine returns a closed breaker. onChange, if not nil, is told each change as it is made.
// Every setting must be at least 1.
func NewMachine(s Settings, onChange func(Change)) *Machine {
	if s.FailureThreshold < 1 || s.Window < 1 || s.OpenFor < 1 || s.HalfOpenProbes < 1 {
		panic(fmt.Sprintf("circuitbreaker: every setting must be at least 1, got %+v", s))
	}
	return &Machine{s: s, onChange: onChange, state: Closed, failures: make([]int64, s.FailureThreshold)}
}

// Allow decides a call arriving at now: it may run, with a ticket for Done, or is rejected. A
// breaker open for OpenFor is half-open from that instant on, before the call is decided; half
// open, a call runs as a probe if fewer than HalfOpenProbes are running.
func (m *Machine) Allow(now int64) (Ticket, bool) {
	if m.state == Open && now >= m.since+m.s.OpenFor {
		m.change(m.since+m.s.OpenFor, HalfOpen)
	}
	switch m.state {
	case Open:
		return Ticket{}, false
	case HalfOpen:
		// Not every caller waiting at once: the dependency that is recovering would get
		// the whole load back in one go.
		if m.probes == m.s.HalfOpenProbes {
			return Ticket{}, false
		}
		m.probes++
	}
	return Ticket{m.generation}, true
}

// Done records the result of a call that Allow let through, ending at now: a failure is
// counted closed and reopens the breaker half-open; a probe that succeeds counts toward
// closing it. Successes change nothing closed.
func (m *Machine) Done(t Ticket, now int64, failed bool) {
	if t.generation != m.generation {
		return
	}
	switch {
	case m.state == Closed && failed:
		m.failures[m.next] = now
		m.next = (m.next + 1) % len(m.failures)
		m.failed = min(m.failed+1, len(m.failures))
		if m.failed == len(m.failures) && now-m.failures[m.next] < m.s.Window {
			m.change(now, Open)
		}
	case m.state == HalfOpen && failed:
		m.change(now, Open)
	case m.state == HalfOpen:
		m.probes--
		if m.succeeded++; m.succeeded == m.s.HalfOpenProbes {
			m.change(now, Closed)
		}
	}
}

func (m *Machine) change(at int64, to State) {
	m.state, m.since = to, at
	m.generation++
	m.probes, m.succeeded = 0, 0
	if to == Closed {
		// Failures from before the breaker opened must not count against the dependency
		// once it has recovered: closed again, it starts from none.
		m.failed = 0
	}
	if m.onChange != nil {
		m.onChange(Change{at, to})
	}
}

// ErrOpen is what a call rejected by the breaker returns.
var ErrOpen = errors.New("circuitbreaker: open: the call was not made")

// Breaker guards calls from many goroutines on the real clock.
type Breaker struct {
	origin time.Time
	// mu makes each decision whole: the state is checked and the probe slot taken at once, so
	// that no call slips through while another caller opens the breaker. The clock is read
	// under it, so that the machine sees times in order.
	mu sync.Mutex
	m  *Machine
}

// New returns a closed breaker, its Window and OpenFor in nanoseconds. onChange, if not nil, is
// told each change of state and when it was made, in order, under the breaker's lock: it must
// not call the breaker.
func New(s Settings, onChange func(to State, at time.Time)) *Breaker {
	b := &Breaker{origin: time.Now()}
	b.m = NewMachine(s, func(c Change) {
		if onChange != nil {
			onChange(c.To, b.origin.Add(time.Duration(c.At)))
		}
	})
	return b
}

// Do runs f if the breaker lets it, and returns f's error, or ErrOpen without running f, and
// when the breaker decided. An error from f counts as a failure, and so does a panic, which Do
// lets go on: a probe that never reported back would hold its slot forever.
func (b *Breaker) Do(f func() error) (decided time.Time, err error) {
	b.mu.Lock()
	decided = time.Now()
	ticket, ok := b.m.Allow(int64(decided.Sub(b.origin)))
	b.mu.Unlock()
	if !ok {
		return decided, ErrOpen
	}
	failed := true
	defer func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.m.Done(ticket, int64(time.Since(b.origin)), failed)
	}()
	// Outside the lock: the other callers are decided while f runs.
	err = f()
	failed = err != nil
	return decided, err
}

// --8<-- [end:circuit-breaker]
