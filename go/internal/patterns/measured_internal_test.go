package patterns

import (
	"encoding/json"
	"testing"

	"github.com/concurrency-cookbook/cookbook/go/internal/field"
)

// A benchmark's measured region holds the pattern alone: putting each result in the answer's
// shape (a value's 16 hex digits, a sorted list) waits until the answer is encoded. So what a
// benchmark run allocates does not grow with its size, beyond the pattern's own needs.
func TestBenchRunsAllocateNothingPerItem(t *testing.T) {
	for _, tc := range []struct {
		name   string
		params map[string]any
		run    func(size int, params field.Object) func()
	}{
		{"worker-pool", map[string]any{"workers": json.Number("2"), "cost": json.Number("1")}, func(size int, params field.Object) func() {
			in, err := benchPool(size, params)
			if err != nil {
				t.Fatal(err)
			}
			return func() { runPool(t.Context(), in, nil) }
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			allocs := func(size int) float64 { return testing.AllocsPerRun(20, tc.run(size, field.Of(tc.params))) }
			small, large := allocs(1000), allocs(5000)
			if perItem := (large - small) / 4000; perItem > 0.1 {
				t.Errorf("%.0f allocations for 1000 items, %.0f for 5000: %.2f per item", small, large, perItem)
			}
		})
	}
}
