package producerconsumer_test

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/concurrency-cookbook/cookbook/go/producerconsumer"
)

func ExampleRun() {
	lines := func(ls ...string) producerconsumer.Producer[string] {
		return func(_ context.Context, put func(string) error) {
			for _, l := range ls {
				// put fails only when the context is done: the producer stops there.
				if put(l) != nil {
					return
				}
			}
		}
	}
	// Room for 2 lines: a third put waits until a consumer takes one.
	queue := producerconsumer.FIFO[string](2)
	shout := func(_ context.Context, _ int, l string) (string, error) { return strings.ToUpper(l), nil }
	results, err := producerconsumer.Run(context.Background(), queue,
		[]producerconsumer.Producer[string]{lines("a", "b", "c"), lines("d", "e")}, 3, shout)
	// Results come in the order the consumers finished them.
	var out []string
	for _, r := range results {
		out = append(out, r.Value)
	}
	slices.Sort(out)
	fmt.Println(out, err)
	// Output: [A B C D E] <nil>
}
