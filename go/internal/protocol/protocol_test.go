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
	// A skipped case is still a request: without an object input the line is unusable.
	if code, stdout, _ := call(t, r, `{"pattern": "worker-pool", "id": "slow", "input": []}`+"\n", "run"); code != protocol.ExitBadInput || stdout != "" {
		t.Errorf("a skipped case without an object input: exit code %d, stdout %q; want %d and nothing", code, stdout, protocol.ExitBadInput)
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

// request is a run line of the worker pool whose input holds extra, unread fields.
func request(id, extra string) string {
	return `{"pattern": "worker-pool", "id": ` + id + `, "input": {"workers": 1, "jobs": []` + extra + `}}`
}

// nested is depth arrays, one inside the other.
func nested(depth int) string {
	return strings.Repeat("[", depth) + strings.Repeat("]", depth)
}

// maxLine is the longest line the contract allows, not counting its line end.
const maxLine = 16 << 20

// padded is line with spaces (JSON whitespace) appended until it is n bytes long.
func padded(line string, n int) string {
	return line + strings.Repeat(" ", n-len(line))
}

// Every line that is not one strict I-JSON object within the contract's limits is unusable as
// a whole, and the lines before it stay answered.
func TestWireFormatUnusableLines(t *testing.T) {
	good := request(`"a"`, "")
	for _, tc := range []struct{ name, line, want string }{
		{"stray byte", request("\"\xff\"", ""), "not valid UTF-8"},
		{"overlong form", request("\"\xc0\xaf\"", ""), "not valid UTF-8"},
		{"encoded surrogate", request("\"\xed\xa0\x80\"", ""), "not valid UTF-8"},
		{"above U+10FFFF", request("\"\xf4\x90\x80\x80\"", ""), "not valid UTF-8"},
		{"byte order mark", "\xef\xbb\xbf" + good, "byte order mark"},
		{"lone high surrogate", request(`"\ud800"`, ""), "lone surrogate"},
		{"lone low surrogate", request(`"\udc00"`, ""), "lone surrogate"},
		{"high surrogate then a letter", request(`"\ud800x"`, ""), "lone surrogate"},
		{"high surrogate then another escape", request(`"\ud800\u0041"`, ""), "lone surrogate"},
		{"two high surrogates", request(`"\ud800\ud800"`, ""), "lone surrogate"},
		{"lone surrogate in a name", request(`"a"`, `, "\udfff": 1`), "lone surrogate"},
		{"duplicate at the top", `{"pattern": "worker-pool", "id": "a", "id": "a", "input": {}}`, `duplicate name "id"`},
		{"duplicate in input", request(`"a"`, `, "workers": 2`), `duplicate name "workers"`},
		{"duplicate deep down", request(`"a"`, `, "x": [{"k": 1}, {"k": 1, "k": 2}]`), `duplicate name "k"`},
		{"duplicate once unescaped", request(`"a"`, `, "x": {"k": 1, "\u006b": 2}`), `duplicate name "k"`},
		{"depth 65", request(`"a"`, `, "deep": `+nested(63)), "deeper than 64"},
		{"NaN", request(`"a"`, `, "x": NaN`), "not JSON"},
		{"Infinity", request(`"a"`, `, "x": Infinity`), "not JSON"},
		{"-Infinity", request(`"a"`, `, "x": -Infinity`), "not JSON"},
		{"comment", request(`"a"`, ` /* note */`), "not JSON"},
		{"trailing comma", request(`"a"`, `, "x": [1, 2,]`), "not JSON"},
		{"trailing comma in an object", request(`"a"`, `, "x": {"k": 1,}`), "not JSON"},
		{"single quotes", request(`'a'`, ""), "not JSON"},
		{"leading zero", request(`"a"`, `, "x": 01`), "not JSON"},
		{"control character", request("\"a\x01\"", ""), "not JSON"},
		{"NUL", request("\"a\x00\"", ""), "not JSON"},
		{"second value", good + " " + good, "not JSON"},
		{"vertical tab alone", "\v", "not JSON"},
		{"form feed alone", "\f", "not JSON"},
		{"U+0085 alone", "\u0085", "not JSON"},
		{"U+2028 alone", "\u2028", "not JSON"},
		{"U+00A0 around the object", "\u00a0" + good, "not JSON"},
		{"too long", padded(good, maxLine+1), "longer than 16777216 bytes"},
		{"too long by a CR before the CRLF", padded(good, maxLine) + "\r\r", "longer than 16777216 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := call(t, poolRunner(t), good+"\n"+tc.line+"\n"+good+"\n", "run")
			if code != protocol.ExitBadInput {
				t.Errorf("exit code %d, want %d; stderr %q", code, protocol.ExitBadInput, stderr)
			}
			oneLine(t, "stdout", stdout)
			oneLine(t, "stderr", stderr)
			if want := "error: line 2: "; !strings.HasPrefix(stderr, want) || !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr = %q, want %q and then %q", stderr, want, tc.want)
			}
		})
	}
}

// What the contract allows is read, however unusual.
func TestWireFormatUsableLines(t *testing.T) {
	for _, tc := range []struct{ name, stdin, id string }{
		{"U+2028 and U+2029 in the id", request("\"a\u2028b\u2029c\"", "") + "\n", "a\u2028b\u2029c"},
		{"U+0085 in the id", request("\"\u0085\"", "") + "\n", "\u0085"},
		{"escaped NUL", request(`"a\u0000b"`, "") + "\n", "a\x00b"},
		{"surrogate pair", request(`"\ud83d\ude00"`, "") + "\n", "\U0001F600"},
		{"escaped backslash before u", request(`"\\ud800"`, "") + "\n", `\ud800`},
		{"HTML characters", request(`"<&>"`, "") + "\n", "<&>"},
		{"CRLF", request(`"a"`, "") + "\r\n", "a"},
		{"lone CR inside the line", `{"pattern": "worker-pool",` + "\r" + `"id": "a", "input": {"workers": 1, "jobs": []}}`, "a"},
		{"no final newline", request(`"a"`, ""), "a"},
		{"blank lines", " \t\r\n\n\r\n" + request(`"a"`, "") + "\n \n", "a"},
		{"depth 64", request(`"a"`, `, "deep": `+nested(62)) + "\n", "a"},
		{"huge numbers unread", request(`"a"`, `, "x": [1e400, -1e400, 0.1e-999, `+strings.Repeat("9", 5000)+`]`) + "\n", "a"},
		{"16 MiB", padded(request(`"a"`, ""), maxLine) + "\n", "a"},
		{"16 MiB and CRLF", padded(request(`"a"`, ""), maxLine) + "\r\n", "a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := call(t, poolRunner(t), tc.stdin, "run")
			if code != protocol.ExitOK || stderr != "" {
				t.Fatalf("exit code %d, stderr %q; want 0 and nothing", code, stderr)
			}
			oneLine(t, "stdout", stdout)
			var ans protocol.Answer
			if err := json.Unmarshal([]byte(stdout), &ans); err != nil {
				t.Fatalf("%v in %q", err, stdout)
			}
			if ans.ID != tc.id || ans.Status != "ok" {
				t.Errorf("answer %q: want status ok and id %q", stdout, tc.id)
			}
		})
	}
}

// A number of any size is read; where a field wants an integer, a number it cannot be is that
// field's error, not an unusable line.
func TestHugeNumbersAreFieldErrors(t *testing.T) {
	for _, n := range []string{"1e400", "-1e400", "0.1e-999", strings.Repeat("7", 5000), "-" + strings.Repeat("7", 5000)} {
		line := `{"pattern": "worker-pool", "id": "c", "input": {"workers": ` + n + `, "jobs": []}}` + "\n"
		code, stdout, stderr := call(t, poolRunner(t), line, "run")
		var ans protocol.Answer
		if err := json.Unmarshal([]byte(stdout), &ans); err != nil || code != protocol.ExitOK {
			t.Fatalf("workers %.20s: exit code %d, stdout %q, stderr %q", n, code, stdout, stderr)
		}
		if ans.Status != "error" || ans.Error.Field != "workers" || !strings.HasPrefix(ans.Error.Message, "workers must be an integer") {
			t.Errorf("workers %.20s: answer %.200s, want an error at workers", n, stdout)
		}
	}
}

// With nothing on stdin, run answers nothing and bench has no request.
func TestEmptyInput(t *testing.T) {
	for _, stdin := range []string{"", " \n\t\r\n"} {
		if code, stdout, stderr := call(t, poolRunner(t), stdin, "run"); code != protocol.ExitOK || stdout != "" || stderr != "" {
			t.Errorf("run %q: exit code %d, stdout %q, stderr %q; want 0 and nothing", stdin, code, stdout, stderr)
		}
		code, stdout, stderr := call(t, poolRunner(t), stdin, "bench")
		if code != protocol.ExitBadInput || stdout != "" || !strings.Contains(stderr, "expected one bench request, got none") {
			t.Errorf("bench %q: exit code %d, stdout %q, stderr %q", stdin, code, stdout, stderr)
		}
	}
}

// bench reads its one request the way run reads each of its lines.
func TestBenchWireFormat(t *testing.T) {
	good := `{"pattern": "worker-pool", "size": 1, "params": {"workers": 1}}`
	for _, tc := range []struct {
		name, stdin string
		code        int
	}{
		{"CRLF", good + "\r\n", protocol.ExitOK},
		{"16 MiB", padded(good, maxLine) + "\n", protocol.ExitOK},
		{"too long", padded(good, maxLine+1) + "\n", protocol.ExitBadInput},
		{"too long by a final CR", padded(good, maxLine) + "\r", protocol.ExitBadInput},
		{"duplicate", `{"pattern": "worker-pool", "size": 1, "size": 1, "params": {"workers": 1}}`, protocol.ExitBadInput},
		{"lone surrogate", `{"pattern": "worker-pool", "size": 1, "params": {"workers": 1, "\udc00": 0}}`, protocol.ExitBadInput},
		{"invalid UTF-8", `{"pattern": "worker-pool", "size": 1, "params": {"workers": 1, "` + "\xff" + `": 0}}`, protocol.ExitBadInput},
		{"second request after a blank line", good + "\n\n" + good, protocol.ExitBadInput},
	} {
		code, stdout, stderr := call(t, poolRunner(t), tc.stdin, "bench")
		if code != tc.code {
			t.Errorf("%s: exit code %d, want %d; stderr %q", tc.name, code, tc.code, stderr)
		}
		if code == protocol.ExitOK {
			oneLine(t, tc.name+": stdout", stdout)
		} else {
			oneLine(t, tc.name+": stderr", stderr)
		}
	}
}

// bench validates size, then params, then repeat: bad params and a bad repeat name params.
func TestBenchValidatesParamsBeforeRepeat(t *testing.T) {
	for _, tc := range []struct{ req, field string }{
		{`{"pattern": "worker-pool", "size": 10, "params": {"workers": 0}, "repeat": 0}`, "params.workers"},
		{`{"pattern": "token-bucket", "size": 10, "params": {"burst": 4}, "repeat": 1001}`, "params.refill"},
		{`{"pattern": "many-tasks", "size": 10, "params": {"sleepMs": 0}, "repeat": "twice"}`, "params.sleepMs"},
		{`{"pattern": "worker-pool", "size": 0, "params": {"workers": 0}, "repeat": 0}`, "size"},
	} {
		_, stdout, _ := call(t, poolRunner(t), tc.req+"\n", "bench")
		var ans struct{ Error field.Error }
		if err := json.Unmarshal([]byte(stdout), &ans); err != nil || ans.Error.Field != tc.field {
			t.Errorf("%s: answer %q, want an error at %s", tc.req, stdout, tc.field)
		}
	}
}
