package firstcompleted_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/firstcompleted"
)

func ExampleAny() {
	mirror := func(name string, d time.Duration, err error) func(context.Context) (string, error) {
		return func(ctx context.Context) (string, error) {
			select {
			case <-time.After(d):
				return name, err
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}
	}
	r, err := firstcompleted.Any(context.Background(),
		mirror("down", 0, errors.New("mirror down is down")),
		mirror("near", 10*time.Millisecond, nil),
		mirror("far", time.Minute, nil),
	)
	// The far mirror was cancelled, and had stopped, before Any returned.
	fmt.Println(r.Index, r.Value, err)
	// Output: 1 near <nil>
}
