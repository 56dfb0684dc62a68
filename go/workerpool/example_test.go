package workerpool_test

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/concurrency-cookbook/cookbook/go/workerpool"
)

func ExampleRun() {
	square := func(_ context.Context, n int) (int, error) {
		if n == 0 {
			return 0, errors.New("nothing to square")
		}
		return n * n, nil
	}
	results, err := workerpool.Run(context.Background(), 3, []int{3, 0, 1, 2}, square)
	// Results come in the order the jobs completed.
	slices.SortFunc(results, func(a, b workerpool.Result[int, int]) int { return a.Job - b.Job })
	for _, r := range results {
		fmt.Println(r.Job, r.Value, r.Err)
	}
	fmt.Println(err)
	// Output:
	// 0 0 nothing to square
	// 1 1 <nil>
	// 2 4 <nil>
	// 3 9 <nil>
	// <nil>
}
