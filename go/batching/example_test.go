package batching_test

import (
	"context"
	"fmt"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/batching"
)

// The decision core, on times given as data: ticks here are milliseconds.
func ExampleBatcher() {
	b := batching.New[string](3, 50)
	show := func(batch batching.Batch[string], flushed bool) {
		if flushed {
			fmt.Println(batch.Items, batch.At, batch.Reason)
		}
	}
	for _, arrival := range []struct {
		at   int64
		item string
	}{{0, "a"}, {10, "b"}, {70, "c"}, {71, "d"}, {72, "e"}, {80, "f"}} {
		// At one instant, the batch that is due goes before the item that arrives.
		show(b.Expire(arrival.at))
		show(b.Add(arrival.at, arrival.item))
	}
	show(b.End(90))
	// Output:
	// [a b] 50 due
	// [c d e] 72 full
	// [f] 90 end
}

// The same rules on the real clock: the stream below ends long before the hour is up, so the
// last batch goes out at the end.
func ExampleBatches() {
	in := make(chan int, 5)
	for i := range 5 {
		in <- i
	}
	close(in)
	for b := range batching.Batches(context.Background(), in, 2, time.Hour) {
		fmt.Println(b.Items, b.Reason)
	}
	// Output:
	// [0 1] full
	// [2 3] full
	// [4] end
}
