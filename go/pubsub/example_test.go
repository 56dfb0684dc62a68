package pubsub_test

import (
	"context"
	"fmt"

	"github.com/concurrency-cookbook/cookbook/go/pubsub"
)

func ExampleBus() {
	ctx := context.Background()
	// Under Lag a publish never waits: a full buffer loses its oldest message.
	bus := pubsub.New[string](pubsub.Lag, 2)
	orders, _ := bus.Subscribe("orders")
	for _, m := range []string{"o1", "o2", "o3"} {
		_ = bus.Publish(ctx, "orders", m)
	}
	_ = bus.Publish(ctx, "invoices", "i1") // nobody subscribes to invoices
	bus.Close()
	// The buffered messages are still delivered after the close; then the stream ends.
	for m, missed := range orders.All(ctx) {
		fmt.Println(m, "after missing", missed)
	}
	// Output:
	// o2 after missing 1
	// o3 after missing 0
}
