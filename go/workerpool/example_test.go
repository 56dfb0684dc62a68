package workerpool_test

import (
	"context"
	"fmt"
	"slices"

	"github.com/concurrency-cookbook/cookbook/go/workerpool"
)

func ExampleRun() {
	square := func(_ context.Context, n int) int { return n * n }
	results, err := workerpool.Run(context.Background(), 3, []int{1, 2, 3, 4, 5}, square)
	// Results come in the order the jobs completed.
	slices.Sort(results)
	fmt.Println(results, err)
	// Output: [1 4 9 16 25] <nil>
}
