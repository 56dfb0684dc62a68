package field_test

import (
	"encoding/json"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/concurrency-cookbook/cookbook/go/internal/field"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestIntegerLiterals(t *testing.T) {
	for _, tc := range []struct {
		literal string
		ok      bool
	}{
		{"7", true},
		{"-0", true},
		{"7.0", false},
		{"7e0", false},
		{"7.5", false},
		{"99999999999999999999", false},
		{"11", false},
		// A number of any size is read as its literal; too large is out of range like any other.
		{"1e400", false},
		{"-1e400", false},
		{"0.1e-999", false},
		{strings.Repeat("9", 5000), false},
	} {
		o := field.Of(map[string]any{"n": json.Number(tc.literal)})
		_, err := o.Int("n", 0, 10)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok = %v", tc.literal, err, tc.ok)
		}
	}
}

func TestPaths(t *testing.T) {
	root := field.Of(map[string]any{"jobs": []any{map[string]any{"id": "x"}}})
	jobs, err := root.Array("jobs")
	if err != nil {
		t.Fatal(err)
	}
	job, err := jobs.Object(0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = job.Int("id", 0, 5)
	want := field.Error{Field: "jobs[0].id", Message: `jobs[0].id must be an integer from 0 to 5, got "x"`}
	if fe, ok := err.(*field.Error); !ok || *fe != want {
		t.Errorf("err = %#v, want %#v", err, want)
	}
}

func TestMissingAndNull(t *testing.T) {
	o := field.Of(map[string]any{"fail": nil})
	if _, err := o.Int("workers", 1, 2); err == nil || err.Error() != "workers is missing; it must be an integer from 1 to 2" {
		t.Errorf("missing: %v", err)
	}
	if _, err := o.OptBool("fail", false); err == nil || err.Error() != "fail must be a boolean, got null" {
		t.Errorf("null: %v", err)
	}
	if _, err := o.Bool("ordered"); err == nil || err.Error() != "ordered is missing; it must be a boolean" {
		t.Errorf("missing boolean: %v", err)
	}
	if _, err := o.Bool("fail"); err == nil || err.Error() != "fail must be a boolean, got null" {
		t.Errorf("null boolean: %v", err)
	}
	if v, err := o.OptInt("cost", 3, 0, 9); v != 3 || err != nil {
		t.Errorf("absent optional = %d, %v; want the default 3", v, err)
	}
}

func TestShowCutsLongValues(t *testing.T) {
	long := make([]any, 100)
	if got := field.Show(long); len(got) > 64 {
		t.Errorf("Show gave %d characters", len(got))
	}
}

func TestOneOfAndString(t *testing.T) {
	o := field.Of(map[string]any{"op": "zip", "n": json.Number("5"), "s": "text"})
	for _, tc := range []struct {
		err  error
		want string
	}{
		{second(o.OneOf("op", "merge", "scatter-gather")), `op must be "merge" or "scatter-gather", got "zip"`},
		{second(o.OneOf("mode", "decide")), `mode is missing; it must be "decide"`},
		{second(o.OneOf("n", "decide")), `n must be "decide", got 5`},
		{second(o.OptOneOf("op", "event-loop", "parallel")), `op must be "event-loop" or "parallel", got "zip"`},
		{second(o.String("n")), "n must be a string, got 5"},
		{second(o.String("value")), "value is missing; it must be a string"},
	} {
		if tc.err == nil || tc.err.Error() != tc.want {
			t.Errorf("error %v, want %q", tc.err, tc.want)
		}
	}
	if op, err := o.OneOf("op", "zip"); op != "zip" || err != nil {
		t.Errorf("OneOf = %q, %v", op, err)
	}
	if mode, err := o.OptOneOf("mode", "event-loop"); mode != "" || err != nil {
		t.Errorf("OptOneOf of an absent field = %q, %v; want \"\" and no error", mode, err)
	}
	if op, err := o.OptOneOf("op", "zip"); op != "zip" || err != nil {
		t.Errorf("OptOneOf = %q, %v", op, err)
	}
	if s, err := o.String("s"); s != "text" || err != nil {
		t.Errorf("String = %q, %v", s, err)
	}
}

func second[T any](_ T, err error) error { return err }

func TestNestedArrays(t *testing.T) {
	root := field.Of(map[string]any{"sources": []any{[]any{json.Number("1")}, []any{json.Number("-3")}, json.Number("5")}})
	sources, err := root.Array("sources")
	if err != nil {
		t.Fatal(err)
	}
	if err := sources.AtMost(2); err == nil || err.Error() != "sources must have at most 2 elements, got 3" {
		t.Errorf("AtMost: %v", err)
	}
	inner, err := sources.Array(1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inner.Int(0, 0, 10); err == nil || err.Error() != "sources[1][0] must be an integer from 0 to 10, got -3" {
		t.Errorf("Int: %v", err)
	}
	if _, err := sources.Array(2); err == nil || err.Error() != "sources[2] must be an array, got 5" {
		t.Errorf("Array: %v", err)
	}
}

func TestArrayOneOf(t *testing.T) {
	outcomes, err := field.Of(map[string]any{"outcomes": []any{"ok", "maybe", nil}}).Array("outcomes")
	if err != nil {
		t.Fatal(err)
	}
	if s, err := outcomes.OneOf(0, "ok", "fatal"); s != "ok" || err != nil {
		t.Errorf("OneOf = %q, %v", s, err)
	}
	if _, err := outcomes.OneOf(1, "ok", "fatal"); err == nil || err.Error() != `outcomes[1] must be "ok" or "fatal", got "maybe"` {
		t.Errorf("OneOf of another string: %v", err)
	}
	if _, err := outcomes.OneOf(2, "ok"); err == nil || err.Error() != `outcomes[2] must be "ok", got null` {
		t.Errorf("OneOf of null: %v", err)
	}
}
