package patterns_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
)

// Every variant joins every task, in every run: the second run shows that nothing is left over
// from the first.
func TestManyTasks(t *testing.T) {
	const sleep = 5 * time.Millisecond
	for _, size := range []int{1, 40, 1000} {
		for variant, want := range map[string]protocol.Check{
			"spawn": {"count": size},
			"work":  {"count": size, "sum": size * (size - 1) / 2},
		} {
			req := fmt.Sprintf(`{"pattern": "many-tasks", "size": %d, "params": {"sleepMs": %d, "variant": %q}, "repeat": 2}`, size, sleep.Milliseconds(), variant)
			ans := bench(t, req)
			if ans.Status != "ok" || len(ans.ElapsedNs) != 2 || len(ans.LaunchNs) != 2 {
				t.Fatalf("%s: answer %+v, want ok with 2 times and 2 launch times", req, ans)
			}
			ans.checkIs(t, want)
			for run, elapsed := range ans.ElapsedNs {
				// Only the bounds that load cannot break: a task sleeps at least its sleep, and
				// the last one starts before the last one is joined.
				if launch := ans.LaunchNs[run]; launch <= 0 || launch > elapsed {
					t.Errorf("%s: run %d launched in %d ns of %d", req, run+1, launch, elapsed)
				}
				if elapsed < sleep.Nanoseconds() {
					t.Errorf("%s: run %d took %d ns, less than one sleep", req, run+1, elapsed)
				}
			}
		}
	}
}

func TestManyTasksInvalidParams(t *testing.T) {
	for _, tc := range []struct{ params, field, message string }{
		{`{"variant": "spawn"}`, "params.sleepMs", "params.sleepMs is missing; it must be an integer from 1 to 600000"},
		{`{"sleepMs": 0, "variant": "spawn"}`, "params.sleepMs", "params.sleepMs must be an integer from 1 to 600000, got 0"},
		{`{"sleepMs": 600001, "variant": "spawn"}`, "params.sleepMs", "params.sleepMs must be an integer from 1 to 600000, got 600001"},
		// sleepMs is validated first.
		{`{"sleepMs": "1", "variant": "threads"}`, "params.sleepMs", `params.sleepMs must be an integer from 1 to 600000, got "1"`},
		{`{"sleepMs": 1}`, "params.variant", `params.variant is missing; it must be "spawn" or "work"`},
		{`{"sleepMs": 1, "variant": "join-all"}`, "params.variant", `params.variant must be "spawn" or "work", got "join-all"`},
		{`{"sleepMs": 1, "variant": 3}`, "params.variant", `params.variant must be "spawn" or "work", got 3`},
	} {
		ans := bench(t, `{"pattern": "many-tasks", "size": 10, "params": `+tc.params+`}`)
		if ans.Status != "error" || ans.Error.Field != tc.field || ans.Error.Message != tc.message {
			t.Errorf("%s: answer %+v, want an error at %s: %s", tc.params, ans, tc.field, tc.message)
		}
	}
}
