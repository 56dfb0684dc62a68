package timeout_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/timeout"
)

func ExampleWithin() {
	// A slow call that honours its context, as a request or a query does.
	fetch := func(ctx context.Context) (string, error) {
		select {
		case <-time.After(time.Minute):
			return "page", nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	// The caller's budget, and inside it the call's own: the earlier one fires.
	_, err := timeout.Within(context.Background(), time.Minute, "request", func(ctx context.Context) (string, error) {
		return timeout.Within(ctx, 10*time.Millisecond, "fetch", fetch)
	})
	var expired *timeout.DeadlineError
	fmt.Println(errors.As(err, &expired), err)
	// Output: true the fetch deadline expired
}
