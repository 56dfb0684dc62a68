package debounce_test

import (
	"context"
	"fmt"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/debounce"
	"github.com/concurrency-cookbook/cookbook/go/gate"
)

// The decision, on times given as data: ticks here are milliseconds.
func ExampleBurst() {
	b := debounce.NewBurst[string](50, 0)
	show := func(call string, at int64, fired bool) {
		if fired {
			fmt.Println(call, at)
		}
	}
	for _, c := range []struct {
		at   int64
		call string
	}{{0, "g"}, {10, "go"}, {20, "gop"}, {200, "gopher"}} {
		// At one instant, the call that is due fires before the call that arrives.
		show(b.Expire(c.at))
		b.Call(c.at, c.call)
	}
	if due, pending := b.Due(); pending {
		show(b.Expire(due))
	}
	// Output:
	// gop 70
	// gopher 250
}

// A search box that queries once the typing stops.
func ExampleNew() {
	search := debounce.New(50*time.Millisecond, 0, func(f gate.Firing[string]) error {
		fmt.Println("search", f.Call)
		return nil
	})
	for _, text := range []string{"g", "go", "gop"} {
		search.Call(text)
	}
	if err := search.Wait(context.Background()); err != nil {
		fmt.Println(err)
	}
	// Output: search gop
}
