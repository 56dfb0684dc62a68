package patterns_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"go.uber.org/goleak"

	cookbook "github.com/concurrency-cookbook/cookbook/go"
	"github.com/concurrency-cookbook/cookbook/go/internal/patterns"
	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
	"github.com/concurrency-cookbook/cookbook/go/internal/spectest"
	"github.com/concurrency-cookbook/cookbook/go/work"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// runner is the runner exactly as cookbook-runner builds it.
func runner(t *testing.T) *protocol.Runner {
	t.Helper()
	r, err := protocol.NewRunner("go", patterns.Table, cookbook.SkipsJSON)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestSpecCases runs every case of every pattern in the table through the runner's own request
// handling, and checks the answers as the harness does.
func TestSpecCases(t *testing.T) {
	r := runner(t)
	for name := range patterns.Table {
		t.Run(name, func(t *testing.T) {
			spec := spectest.Load(t, name)
			if spec.Pattern != name {
				t.Fatalf("spec %s.json names pattern %q", name, spec.Pattern)
			}
			spectest.RunCases(t, r, spec)
		})
	}
}

// TestWorkerPoolBench runs the bench command on the spec's smallest size and params, and checks
// its digest against one computed without the pool.
func TestWorkerPoolBench(t *testing.T) {
	spec := spectest.Load(t, "worker-pool")
	size := spec.Bench.Sizes[0]
	var params struct{ Cost uint64 }
	if err := json.Unmarshal(spec.Bench.Params, &params); err != nil {
		t.Fatal(err)
	}
	var digest uint64
	for id := range uint64(size) {
		digest ^= work.Work(id, params.Cost)
	}

	req := fmt.Sprintf(`{"pattern": "worker-pool", "size": %d, "params": %s, "repeat": 3}`, size, spec.Bench.Params)
	var stdout, stderr bytes.Buffer
	code := runner(t).Main(t.Context(), []string{"bench"}, strings.NewReader(req+"\n"), &stdout, &stderr)
	if code != protocol.ExitOK {
		t.Fatalf("exit code %d, stderr %q", code, stderr.String())
	}
	var ans struct {
		Status    string
		ElapsedNs []int64
		Check     protocol.Check
	}
	if err := json.Unmarshal(stdout.Bytes(), &ans); err != nil {
		t.Fatal(err)
	}
	if ans.Status != "ok" || len(ans.ElapsedNs) != 3 {
		t.Errorf("answer %s: want ok with 3 times", stdout.String())
	}
	if want := (protocol.Check{Count: size, Digest: work.Hex(digest)}); ans.Check != want {
		t.Errorf("check = %+v, want %+v", ans.Check, want)
	}
}
