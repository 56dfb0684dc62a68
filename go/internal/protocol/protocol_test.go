package protocol_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"runtime"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/internal/observe"
	"github.com/concurrency-cookbook/cookbook/go/internal/patterns"
	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// call runs one command line of a runner with stdin and returns what it wrote.
func call(t *testing.T, r *protocol.Runner, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = r.Main(t.Context(), args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func newRunner(t *testing.T, table map[string]protocol.Pattern, skips string) *protocol.Runner {
	t.Helper()
	r, err := protocol.NewRunner("go", table, nil, []byte(skips))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// poolRunner is the runner as cookbook-runner builds it, without skips.
func poolRunner(t *testing.T) *protocol.Runner {
	t.Helper()
	r, err := protocol.NewRunner("go", patterns.Table, patterns.Workloads, []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// oneLine fails unless s is exactly one newline-terminated line.
func oneLine(t *testing.T, what, s string) {
	t.Helper()
	if strings.Count(s, "\n") != 1 || !strings.HasSuffix(s, "\n") {
		t.Errorf("%s = %q, want exactly one line", what, s)
	}
}

func TestUnusableLines(t *testing.T) {
	good := `{"pattern": "worker-pool", "id": "a", "input": {"workers": 1, "jobs": []}}`
	for _, tc := range []struct{ name, line, want string }{
		{"garbage", "not json", "error: line 2: not JSON"},
		{"array", "[1, 2]", "error: line 2: not a JSON object"},
		{"trailing data", good + " {}", "error: line 2: not JSON"},
		{"no id", `{"pattern": "worker-pool", "input": {}}`, `error: line 2: the request has no string "id"`},
		{"numeric id", `{"pattern": "worker-pool", "id": 7, "input": {}}`, `error: line 2: the request has no string "id"`},
		{"no pattern", `{"id": "a", "input": {}}`, `error: line 2: the request has no string "pattern"`},
		{"unknown pattern", `{"pattern": "nope", "id": "a", "input": {}}`, `error: line 2: pattern "nope"`},
		{"no input", `{"pattern": "worker-pool", "id": "a"}`, `error: line 2: the request has no object "input"`},
		{"array input", `{"pattern": "worker-pool", "id": "a", "input": []}`, `error: line 2: the request has no object "input"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The good line comes first: it stays answered although the run stops at line 2.
			code, stdout, stderr := call(t, poolRunner(t), good+"\n"+tc.line+"\n"+good+"\n", "run")
			if code != protocol.ExitBadInput {
				t.Errorf("exit code %d, want %d", code, protocol.ExitBadInput)
			}
			oneLine(t, "stdout", stdout)
			oneLine(t, "stderr", stderr)
			if !strings.HasPrefix(stderr, tc.want) {
				t.Errorf("stderr = %q, want it to start with %q", stderr, tc.want)
			}
		})
	}
}

func TestCommandLine(t *testing.T) {
	for _, args := range [][]string{nil, {"serve"}, {"run", "--fast"}, {"--help"}} {
		code, stdout, stderr := call(t, poolRunner(t), "", args...)
		if code != protocol.ExitUsage || stdout != "" {
			t.Errorf("%q: exit code %d, stdout %q; want %d and nothing", args, code, stdout, protocol.ExitUsage)
		}
		oneLine(t, "stderr", stderr)
	}
}

func TestInvalidCasesAreAnswers(t *testing.T) {
	for _, tc := range []struct{ input, field, message string }{
		{`{"workers": 0, "jobs": []}`, "workers", "workers must be an integer from 1 to 10000, got 0"},
		{`{"workers": "four", "jobs": []}`, "workers", `workers must be an integer from 1 to 10000, got "four"`},
		{`{"workers": 2.5, "jobs": []}`, "workers", "workers must be an integer from 1 to 10000, got 2.5"},
		{`{"workers": 2, "jobs": [{"id": 0, "cost": null}]}`, "jobs[0].cost", "jobs[0].cost must be an integer from 0 to 100000000, got null"},
		{`{"workers": 2, "jobs": [{"id": 5}, {"id": 5}]}`, "jobs[1].id", "jobs[1].id must be unique, got 5, already at jobs[0].id"},
	} {
		line := `{"pattern": "worker-pool", "id": "c", "input": ` + tc.input + "}\n"
		code, stdout, stderr := call(t, poolRunner(t), line, "run")
		if code != protocol.ExitOK || stderr != "" {
			t.Errorf("%s: exit code %d, stderr %q", tc.input, code, stderr)
		}
		var ans protocol.Answer
		if err := json.Unmarshal([]byte(stdout), &ans); err != nil {
			t.Fatalf("%s: %v in %q", tc.input, err, stdout)
		}
		if ans.Status != "error" || ans.Error == nil || ans.Error.Field != tc.field || ans.Error.Message != tc.message {
			t.Errorf("%s: answer %s, want error at %s: %s", tc.input, stdout, tc.field, tc.message)
		}
	}
}

func TestSkippedCase(t *testing.T) {
	pool := map[string]protocol.Pattern{"worker-pool": patterns.Table["worker-pool"]}
	r := newRunner(t, pool, `{"worker-pool": {"slow": "too slow here"}}`)
	line := `{"pattern": "worker-pool", "id": "slow", "input": {"workers": 1, "jobs": []}}` + "\n"
	_, stdout, _ := call(t, r, line, "run")
	want := `{"id":"slow","status":"unsupported","reason":"too slow here"}` + "\n"
	if stdout != want {
		t.Errorf("stdout = %q, want %q", stdout, want)
	}
	_, listing, _ := call(t, r, "", "list")
	want = `{"protocol":1,"implementation":"go","patterns":{"worker-pool":{"skip":{"slow":"too slow here"}}},"benchmarks":[],"runtime":`
	if !strings.HasPrefix(listing, want) {
		t.Errorf("list = %q, want it to start with %q", listing, want)
	}
}

func TestSkipsNameKnownPatterns(t *testing.T) {
	if _, err := protocol.NewRunner("go", patterns.Table, nil, []byte(`{"fan-out": {}}`)); err == nil {
		t.Error("a skip for a pattern outside the table was accepted")
	}
}

func TestBenchInvalidParams(t *testing.T) {
	for _, tc := range []struct{ req, field string }{
		{`{"pattern": "worker-pool", "size": 0, "params": {"workers": 4}}`, "size"},
		{`{"pattern": "worker-pool", "size": 10}`, "params"},
		{`{"pattern": "worker-pool", "size": 10, "params": {"workers": 4}, "repeat": 1.5}`, "repeat"},
		{`{"pattern": "worker-pool", "size": 10, "params": {"workers": 0}}`, "params.workers"},
		{`{"pattern": "worker-pool", "size": 10, "params": {"workers": 4, "cost": -1}}`, "params.cost"},
		{`{"pattern": "fan-in", "size": 10, "params": {"sources": 4}}`, "params.op"},
		{`{"pattern": "fan-in", "size": 10, "params": {"op": "scatter-gather", "sources": 4}}`, "params.op"},
		{`{"pattern": "fan-in", "size": 10, "params": {"op": "merge", "sources": 0}}`, "params.sources"},
		{`{"pattern": "rwlock-cache", "size": 10, "params": {"clients": 4, "readPercent": 101, "keys": 8}}`, "params.readPercent"},
		{`{"pattern": "token-bucket", "size": 10, "params": {"burst": 4}}`, "params.refill"},
		{`{"pattern": "token-bucket", "size": 10, "params": {"refill": {"tokens": 1, "everyMs": 0}, "burst": 4}}`, "params.refill.everyMs"},
		{`{"pattern": "sliding-window", "size": 10, "params": {"limit": 1, "windowMs": "1s"}}`, "params.windowMs"},
		// The pool's mode comes after its other params.
		{`{"pattern": "worker-pool", "size": 10, "params": {"workers": 4, "sleepMs": -1, "mode": "threads"}}`, "params.sleepMs"},
		{`{"pattern": "worker-pool", "size": 10, "params": {"workers": 4, "mode": "threads"}}`, "params.mode"},
		{`{"pattern": "worker-pool", "size": 10, "params": {"workers": 4, "mode": null}}`, "params.mode"},
		// many-tasks validates sleepMs, then variant; join-all is tokio's alone.
		{`{"pattern": "many-tasks", "size": 10, "params": {"variant": "spawn"}}`, "params.sleepMs"},
		{`{"pattern": "many-tasks", "size": 10, "params": {"sleepMs": 600001, "variant": "threads"}}`, "params.sleepMs"},
		{`{"pattern": "many-tasks", "size": 10, "params": {"sleepMs": 1}}`, "params.variant"},
		{`{"pattern": "many-tasks", "size": 10, "params": {"sleepMs": 1, "variant": "join-all"}}`, "params.variant"},
		{`{"pattern": "many-tasks", "size": 0, "params": {"sleepMs": 1, "variant": "spawn"}}`, "size"},
		{`{"pattern": "many-tasks", "size": 10, "params": {"sleepMs": 1, "variant": "spawn"}, "repeat": 0}`, "repeat"},
	} {
		code, stdout, _ := call(t, poolRunner(t), tc.req+"\n", "bench")
		var ans struct {
			Status string
			Error  field.Error
		}
		if err := json.Unmarshal([]byte(stdout), &ans); err != nil || code != protocol.ExitOK {
			t.Fatalf("%s: exit code %d, stdout %q", tc.req, code, stdout)
		}
		if ans.Status != "error" || ans.Error.Field != tc.field {
			t.Errorf("%s: answer %s, want an error at %s", tc.req, stdout, tc.field)
		}
	}
}

func TestBenchUnusableLine(t *testing.T) {
	request := `{"pattern": "worker-pool", "size": 1, "params": {"workers": 1}}` + "\n"
	for _, stdin := range []string{"", "\n\n", "nope\n", `{"size": 3}` + "\n", request + "\n" + request} {
		code, _, stderr := call(t, poolRunner(t), stdin, "bench")
		if code != protocol.ExitBadInput {
			t.Errorf("%q: exit code %d, want %d", stdin, code, protocol.ExitBadInput)
		}
		oneLine(t, "stderr", stderr)
	}
}

// A pattern whose self-check fails must make bench exit 1 with one line on stderr and no answer.
func TestBenchSelfCheckFails(t *testing.T) {
	broken := protocol.Define(protocol.Definition[int, int, struct{}]{
		Validate:   func(field.Object) (int, error) { return 0, nil },
		Run:        func(_ context.Context, in int, _ *observe.Clock) (int, struct{}) { return in, struct{}{} },
		BenchInput: func(size int, _ field.Object) (int, error) { return size, nil },
		Check: func(in, out int) (protocol.Check, error) {
			return nil, errors.New("3 results for 4 jobs")
		},
	})
	r := newRunner(t, map[string]protocol.Pattern{"broken": broken}, `{}`)
	code, stdout, stderr := call(t, r, `{"pattern": "broken", "size": 4, "params": {}}`+"\n", "bench")
	if code != protocol.ExitFailed || stdout != "" {
		t.Errorf("exit code %d, stdout %q; want %d and nothing", code, stdout, protocol.ExitFailed)
	}
	oneLine(t, "stderr", stderr)
	if !strings.Contains(stderr, "3 results for 4 jobs") {
		t.Errorf("stderr %q does not say what did not match", stderr)
	}
}

// echo is a pattern that answers its input's n, with or without a benchmark.
func echo(bench bool) protocol.Pattern {
	d := protocol.Definition[int64, int64, struct{}]{
		Validate: func(o field.Object) (int64, error) { return o.Int("n", 0, 9) },
		Run:      func(_ context.Context, in int64, _ *observe.Clock) (int64, struct{}) { return in, struct{}{} },
	}
	if bench {
		d.BenchInput = func(size int, _ field.Object) (int64, error) { return int64(size), nil }
		d.Check = func(in, out int64) (protocol.Check, error) { return protocol.Check{"count": out}, nil }
	}
	return protocol.Define(d)
}

// A pattern of variants validates the field that names the variant first, then the variant's
// own fields, and benchmarks the variant it names.
func TestVariants(t *testing.T) {
	p := protocol.Variants("op", map[string]protocol.Pattern{"one": echo(true), "two": echo(false)}, "one")
	r := newRunner(t, map[string]protocol.Pattern{"v": p}, `{}`)
	for _, tc := range []struct{ input, want string }{
		{`{"n": 99}`, `"error":{"field":"op","message":"op is missing; it must be \"one\" or \"two\""}`},
		{`{"op": "three", "n": 99}`, `"error":{"field":"op","message":"op must be \"one\" or \"two\", got \"three\""}`},
		{`{"op": "two", "n": 99}`, `"error":{"field":"n"`},
		{`{"op": "two", "n": 7}`, `"output":7`},
	} {
		_, stdout, _ := call(t, r, `{"pattern": "v", "id": "c", "input": `+tc.input+"}\n", "run")
		if !strings.Contains(stdout, tc.want) {
			t.Errorf("%s: answer %s, want it to contain %s", tc.input, stdout, tc.want)
		}
	}
	_, stdout, _ := call(t, r, `{"pattern": "v", "size": 3, "params": {}}`+"\n", "bench")
	if !strings.Contains(stdout, `"check":{"count":3}`) {
		t.Errorf("bench answer %s, want the benchmark of variant one", stdout)
	}
}

func TestEveryPatternHasABenchmark(t *testing.T) {
	if _, err := protocol.NewRunner("go", map[string]protocol.Pattern{"e": echo(false)}, nil, []byte(`{}`)); err == nil {
		t.Error("a pattern without a benchmark was accepted")
	}
	defer func() {
		if recover() == nil {
			t.Error("Variants accepted a benchmark variant without a benchmark")
		}
	}()
	protocol.Variants("op", map[string]protocol.Pattern{"e": echo(false)}, "e")
}

// list names the benchmark-only workloads and the runtime's settings, read when it answers.
func TestListBenchmarksAndRuntime(t *testing.T) {
	// GOMAXPROCS is set for the duration of one list only, so that a hard-coded figure fails.
	previous := runtime.GOMAXPROCS(1)
	code, stdout, _ := call(t, poolRunner(t), "", "list")
	runtime.GOMAXPROCS(previous)
	var l struct {
		Benchmarks []string
		Runtime    map[string]any
	}
	if err := json.Unmarshal([]byte(stdout), &l); err != nil || code != protocol.ExitOK {
		t.Fatalf("exit code %d, stdout %q", code, stdout)
	}
	if !slices.Equal(l.Benchmarks, []string{"many-tasks"}) {
		t.Errorf("benchmarks = %q, want [many-tasks]", l.Benchmarks)
	}
	want := map[string]any{"GOMAXPROCS": 1.0, "NumCPU": float64(runtime.NumCPU()), "goVersion": runtime.Version()}
	if !maps.Equal(l.Runtime, want) {
		t.Errorf("runtime = %v, want %v", l.Runtime, want)
	}
}

// A workload answers bench with one launch time per run; a pattern has none to give.
func TestLaunchNsOnlyForWorkloads(t *testing.T) {
	for _, tc := range []struct {
		req      string
		launches int
	}{
		{`{"pattern": "many-tasks", "size": 3, "params": {"sleepMs": 1, "variant": "spawn"}, "repeat": 2}`, 2},
		{`{"pattern": "worker-pool", "size": 3, "params": {"workers": 2}, "repeat": 2}`, 0},
	} {
		code, stdout, stderr := call(t, poolRunner(t), tc.req+"\n", "bench")
		var ans struct {
			Status    string
			ElapsedNs []int64
			LaunchNs  []int64
		}
		if err := json.Unmarshal([]byte(stdout), &ans); err != nil || code != protocol.ExitOK {
			t.Fatalf("%s: exit code %d, stdout %q, stderr %q", tc.req, code, stdout, stderr)
		}
		if ans.Status != "ok" || len(ans.ElapsedNs) != 2 || len(ans.LaunchNs) != tc.launches {
			t.Errorf("%s: answer %s, want ok, 2 times and %d launch times", tc.req, stdout, tc.launches)
		}
		if tc.launches == 0 && strings.Contains(stdout, "launchNs") {
			t.Errorf("%s: answer %s names launchNs", tc.req, stdout)
		}
	}
}

// A workload is for bench only: run does not know it, and its name cannot be a pattern's too.
func TestWorkloadsAreBenchmarksOnly(t *testing.T) {
	code, stdout, stderr := call(t, poolRunner(t), `{"pattern": "many-tasks", "id": "a", "input": {}}`+"\n", "run")
	if code != protocol.ExitBadInput || stdout != "" || !strings.HasPrefix(stderr, `error: line 1: pattern "many-tasks"`) {
		t.Errorf("run many-tasks: exit code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	w := protocol.DefineWorkload(protocol.WorkloadDefinition[int]{
		BenchInput: func(size int, _ field.Object) (int, error) { return size, nil },
		Measure:    func(context.Context, int) (protocol.Measured, error) { return protocol.Measured{}, nil },
	})
	if _, err := protocol.NewRunner("go", patterns.Table, map[string]protocol.Workload{"worker-pool": w}, []byte(`{}`)); err == nil {
		t.Error("a workload named like a pattern was accepted")
	}
}

// A benchmark's runtime switch is made before each timed run and undone after it, before the
// check, so that neither is in the figure and the check runs on the usual runtime.
func TestBenchRuntimeWrapsEachTimedRun(t *testing.T) {
	var steps []string
	switched := protocol.Define(protocol.Definition[int, int, struct{}]{
		Validate: func(field.Object) (int, error) { return 0, nil },
		Run: func(_ context.Context, in int, _ *observe.Clock) (int, struct{}) {
			steps = append(steps, "run")
			return in, struct{}{}
		},
		BenchInput: func(size int, _ field.Object) (int, error) { return size, nil },
		Check: func(in, _ int) (protocol.Check, error) {
			steps = append(steps, "check")
			return protocol.Check{"count": in}, nil
		},
		BenchRuntime: func(int) func() {
			steps = append(steps, "switch")
			return func() { steps = append(steps, "restore") }
		},
	})
	r := newRunner(t, map[string]protocol.Pattern{"switched": switched}, `{}`)
	code, _, stderr := call(t, r, `{"pattern": "switched", "size": 4, "params": {}, "repeat": 2}`+"\n", "bench")
	if code != protocol.ExitOK {
		t.Fatalf("exit code %d, stderr %q", code, stderr)
	}
	want := []string{"switch", "run", "restore", "check", "switch", "run", "restore", "check"}
	if !slices.Equal(steps, want) {
		t.Errorf("steps %q, want %q", steps, want)
	}
}
