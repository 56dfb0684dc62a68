package fanin_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/concurrency-cookbook/cookbook/go/fanin"
)

func ExampleMerge() {
	words := func(ws ...string) <-chan string {
		ch := make(chan string)
		go func() {
			// The producer owns its channel, so it closes it.
			defer close(ch)
			for _, w := range ws {
				ch <- w
			}
		}()
		return ch
	}
	n := 0
	for range fanin.Merge(context.Background(), words("a", "b"), words("c"), words()) {
		n++
	}
	fmt.Println(n, "words")
	// Output: 3 words
}

func ExampleGather() {
	upper := func(_ context.Context, s string) (string, error) {
		if s == "" {
			return "", errors.New("empty")
		}
		return strings.ToUpper(s), nil
	}
	for _, r := range fanin.Gather(context.Background(), 2, []string{"go", "", "fan"}, upper) {
		fmt.Println(r.Value, r.Err)
	}
	// Output:
	// GO <nil>
	//  empty
	// FAN <nil>
}
