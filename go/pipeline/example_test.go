package pipeline_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/concurrency-cookbook/cookbook/go/pipeline"
)

func ExampleRun() {
	// Every stage maps a string to a string: parse, double, format.
	parse := pipeline.Stage[string]{Workers: 2, Capacity: 4, Do: func(_ context.Context, s string) (string, error) {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		return strconv.Itoa(n), err
	}}
	double := pipeline.Stage[string]{Workers: 3, Capacity: 4, Do: func(_ context.Context, s string) (string, error) {
		n, _ := strconv.Atoi(s)
		return strconv.Itoa(2 * n), nil
	}}
	// ordered: the results come in input order, however the workers interleave.
	out, err := pipeline.Run(context.Background(), []string{" 1", "2 ", " 3 "}, true, parse, double)
	fmt.Println(out, err)
	// The first error stops every stage, and says which stage failed.
	_, err = pipeline.Run(context.Background(), []string{"1", "two", "3"}, true, parse, double)
	fmt.Println(err)
	// Output:
	// [2 4 6] <nil>
	// stage 0: strconv.Atoi: parsing "two": invalid syntax
}
