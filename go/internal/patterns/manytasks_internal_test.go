package patterns

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

func TestManyTasksCheck(t *testing.T) {
	spawn := manyTasksInput{size: 4, sleep: time.Millisecond, variant: "spawn"}
	work := manyTasksInput{size: 4, sleep: time.Millisecond, variant: "work"}
	for _, tc := range []struct {
		in   manyTasksInput
		j    joined
		want string
	}{
		{spawn, joined{count: 4}, `{"count":4}`},
		{work, joined{count: 4, sum: 6}, `{"count":4,"sum":6}`},
		{spawn, joined{count: 3}, "3 tasks joined of 4"},
		{work, joined{count: 5, sum: 6}, "5 tasks joined of 4"},
		{work, joined{count: 4, sum: 7}, "indexes sum to 7 for 4 tasks"},
	} {
		check, err := checkManyTasks(tc.in, tc.j)
		got := fmt.Sprint(err)
		if err == nil {
			b, _ := json.Marshal(check)
			got = string(b)
		}
		if got != tc.want {
			t.Errorf("%s with %+v: got %s, want %s", tc.in.variant, tc.j, got, tc.want)
		}
	}
}

// The buffer a work task holds across its sleep stays in the goroutine's stack: reading and
// writing it allocates nothing on the heap, and the index comes back whole.
func TestHoldThenReadKeepsTheBufferOnTheStack(t *testing.T) {
	const index = 1<<40 + 7
	if got := holdThenRead(index, time.Microsecond); got != index {
		t.Fatalf("holdThenRead = %d, want %d", got, index)
	}
	if allocs := testing.AllocsPerRun(10, func() { holdThenRead(index, time.Microsecond) }); allocs != 0 {
		t.Errorf("holdThenRead allocates %v times a run", allocs)
	}
}
