package protocol_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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
	r, err := protocol.NewRunner("go", table, []byte(skips))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func poolRunner(t *testing.T) *protocol.Runner {
	return newRunner(t, patterns.Table, `{"worker-pool": {}}`)
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
	r := newRunner(t, patterns.Table, `{"worker-pool": {"slow": "too slow here"}}`)
	line := `{"pattern": "worker-pool", "id": "slow", "input": {"workers": 1, "jobs": []}}` + "\n"
	_, stdout, _ := call(t, r, line, "run")
	want := `{"id":"slow","status":"unsupported","reason":"too slow here"}` + "\n"
	if stdout != want {
		t.Errorf("stdout = %q, want %q", stdout, want)
	}
	_, listing, _ := call(t, r, "", "list")
	want = `{"protocol":1,"implementation":"go","patterns":{"worker-pool":{"skip":{"slow":"too slow here"}}}}` + "\n"
	if listing != want {
		t.Errorf("list = %q, want %q", listing, want)
	}
}

func TestSkipsNameKnownPatterns(t *testing.T) {
	if _, err := protocol.NewRunner("go", patterns.Table, []byte(`{"fan-out": {}}`)); err == nil {
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
	broken := protocol.Define(protocol.Definition[int, int]{
		Validate:   func(field.Object) (int, error) { return 0, nil },
		Run:        func(_ context.Context, in int, _ *observe.Recorder) int { return in },
		BenchInput: func(size int, _ field.Object) (int, error) { return size, nil },
		Check: func(in, out int) (protocol.Check, error) {
			return protocol.Check{}, errors.New("3 results for 4 jobs")
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
