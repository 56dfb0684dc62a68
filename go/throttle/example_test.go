package throttle_test

import (
	"context"
	"fmt"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/gate"
	"github.com/concurrency-cookbook/cookbook/go/throttle"
)

// The decision, on times given as data: ticks here are milliseconds.
func ExampleWindow() {
	w := throttle.NewWindow[string](100, throttle.Leading|throttle.Trailing)
	show := func(call string, at int64, fired bool) {
		if fired {
			fmt.Println(call, at)
		}
	}
	for _, c := range []struct {
		at   int64
		call string
	}{{0, "a"}, {10, "b"}, {50, "c"}, {320, "d"}} {
		// At one instant, the window that ends goes before the call that arrives.
		show(w.Expire(c.at))
		show(c.call, c.at, w.Call(c.at, c.call))
	}
	if due, pending := w.Due(); pending {
		show(w.Expire(due))
	}
	// Output:
	// a 0
	// c 100
	// d 320
}

// The same rules on the real clock: a burst of saves, throttled to one write per second, writes
// the first at once and the latest when the second is up.
func ExampleNew() {
	th := throttle.New(time.Second, throttle.Leading|throttle.Trailing, func(f gate.Firing[string]) error {
		fmt.Println("write", f.Call)
		return nil
	})
	for _, draft := range []string{"v1", "v2", "v3"} {
		th.Call(draft)
	}
	if err := th.Wait(context.Background()); err != nil {
		fmt.Println(err)
	}
	// Output:
	// write v1
	// write v3
}
