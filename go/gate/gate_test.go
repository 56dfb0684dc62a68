package gate_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/concurrency-cookbook/cookbook/go/debounce"
	"github.com/concurrency-cookbook/cookbook/go/gate"
	"github.com/concurrency-cookbook/cookbook/go/throttle"
)

// TestMain fails the package if any test leaves a goroutine behind: no timer, expiry or run
// outlives a Wait.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// A call never waits for the function the gate runs: each run has a goroutine of its own, and
// Wait waits for them all.
func TestCallDoesNotWaitForTheRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		g := gate.New(throttle.NewWindow[int](int64(time.Millisecond), throttle.Leading), func(gate.Firing[int]) error {
			<-release
			return nil
		})
		g.Call(0)
		time.Sleep(time.Millisecond)
		g.Call(1)
		done := make(chan error)
		go func() { done <- g.Wait(t.Context()) }()
		synctest.Wait()
		select {
		case <-done:
			t.Fatal("Wait returned while two runs were still running")
		default:
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

// The timer follows the due time as calls move it, and never fires before it: on the virtual
// clock the run begins at the very instant decided.
func TestFiresAtTheDueTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var at, began time.Duration
		g := gate.New(debounce.NewBurst[int](int64(50*time.Millisecond), 0), func(f gate.Firing[int]) error {
			at, began = f.At.Sub(start), time.Since(start)
			return nil
		})
		for range 3 {
			g.Call(0)
			time.Sleep(30 * time.Millisecond)
		}
		if err := g.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		if want := 110 * time.Millisecond; at != want || began != want {
			t.Errorf("decided at %v, began at %v; want both at %v", at, began, want)
		}
	})
}

// Wait reports every run's error, joined.
func TestWaitJoinsTheErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errA, errB := errors.New("a failed"), errors.New("b failed")
		g := gate.New(throttle.NewWindow[error](int64(time.Millisecond), throttle.Leading), func(f gate.Firing[error]) error { return f.Call })
		g.Call(errA)
		time.Sleep(time.Millisecond)
		g.Call(errB)
		if err := g.Wait(t.Context()); !errors.Is(err, errA) || !errors.Is(err, errB) {
			t.Errorf("Wait = %v, want both errors", err)
		}
	})
}

// Cancelled, Wait drops the pending call instead of waiting an hour for it, waits for the run
// under way, and says why it stopped.
func TestWaitCancelledDropsThePendingCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var runs atomic.Int32
		g := gate.New(throttle.NewWindow[int](int64(time.Hour), throttle.Leading|throttle.Trailing), func(gate.Firing[int]) error {
			runs.Add(1)
			return nil
		})
		start := time.Now()
		g.Call(0)
		g.Call(1)
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if err := g.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != time.Second {
			t.Errorf("Wait = %v after %v; want the deadline after 1s", err, time.Since(start))
		}
		g.Call(2)
		if n := runs.Load(); n != 1 {
			t.Errorf("%d runs, want the leading call's alone", n)
		}
	})
}
