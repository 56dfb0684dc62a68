package errorgroup_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/errorgroup"
)

func ExampleRun() {
	fetch := func(name string, d time.Duration, err error) func(context.Context) (string, error) {
		return func(ctx context.Context) (string, error) {
			select {
			case <-time.After(d):
				if err != nil {
					return "", err
				}
				return name, nil
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}
	}
	outcomes, err := errorgroup.Run(context.Background(), errorgroup.FailFast, 2, []func(context.Context) (string, error){
		fetch("profile", 0, nil),
		fetch("orders", 10*time.Millisecond, errors.New("orders: 503")),
		fetch("history", time.Minute, nil),
		fetch("avatar", 0, nil),
	})
	for _, o := range outcomes {
		fmt.Println(o.Status, o.Value, o.Err)
	}
	fmt.Println(err)
	// Output:
	// ok profile <nil>
	// failed  orders: 503
	// cancelled  context canceled
	// not-started  <nil>
	// orders: 503
}
