package field_test

import (
	"encoding/json"
	"testing"

	"github.com/concurrency-cookbook/cookbook/go/internal/field"
)

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
