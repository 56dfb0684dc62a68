package patterns

import (
	"context"
	"encoding/json"
	"runtime"
	"testing"

	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/workerpool"
)

// Each mode asks for its GOMAXPROCS; without a mode the runtime is left as it is.
func TestPoolModes(t *testing.T) {
	for mode, want := range map[string]int{"": 0, "event-loop": 1, "parallel": runtime.NumCPU()} {
		params := map[string]any{"workers": json.Number("4")}
		if mode != "" {
			params["mode"] = mode
		}
		in, err := benchPool(1, field.Of(params))
		if err != nil || in.procs != want {
			t.Errorf("mode %q: procs %d, error %v; want %d", mode, in.procs, err, want)
		}
	}
}

// In event-loop mode every job of the pool runs while the scheduler has one P, so that at most
// one of them runs Go code at any instant; the runtime's setting comes back afterwards. Go
// offers no stronger check: goroutines are not tied to OS threads, and a goroutine may move to
// another thread even with one P, for example after a system call.
func TestEventLoopRunsEveryJobOnOneP(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	in, err := benchPool(16, field.Of(map[string]any{"workers": json.Number("4"), "mode": "event-loop"}))
	if err != nil {
		t.Fatal(err)
	}
	restore := withProcs(in.procs)
	procs, _ := workerpool.Run(t.Context(), in.workers, in.jobs, func(_ context.Context, _ job) (int, error) {
		// Yielding lets the other workers interleave, as they would at their sleeps.
		runtime.Gosched()
		return runtime.GOMAXPROCS(0), nil
	})
	restore()
	if len(procs) != len(in.jobs) {
		t.Fatalf("%d results for %d jobs", len(procs), len(in.jobs))
	}
	for _, p := range procs {
		if p.Value != 1 {
			t.Errorf("job %d ran with GOMAXPROCS %d", p.Job.id, p.Value)
		}
	}
	if after := runtime.GOMAXPROCS(0); after != before {
		t.Errorf("GOMAXPROCS is %d after the run, was %d before", after, before)
	}
}
