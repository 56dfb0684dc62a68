package rwcache_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/concurrency-cookbook/cookbook/go/rwcache"
)

func ExampleCache_GetOrCompute() {
	ctx := context.Background()
	c := rwcache.New[string, string]()
	shout := func(word string) func(context.Context) (string, error) {
		return func(context.Context) (string, error) { return strings.ToUpper(word), nil }
	}
	v, _ := c.GetOrCompute(ctx, "go", shout("go"))
	fmt.Println(v)
	// The key is there now: the compute is not called again.
	v, _ = c.GetOrCompute(ctx, "go", shout("never"))
	fmt.Println(v)
	// Output:
	// GO
	// GO
}
