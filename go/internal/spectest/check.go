package spectest

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
)

// RunCases sends every case of s through r.Handle, as the very request line the harness sends,
// and checks each answer in a subtest. Cases the runner skips are reported as skipped.
func RunCases(t *testing.T, r *protocol.Runner, s Spec) {
	for id := range r.Skips(s.Pattern) {
		if !slices.ContainsFunc(s.Cases, func(c Case) bool { return c.ID == id }) {
			t.Errorf("skips.json skips %s/%s, which the spec does not have", s.Pattern, id)
		}
	}
	for _, c := range s.Cases {
		t.Run(c.ID, func(t *testing.T) {
			line, err := json.Marshal(map[string]any{"pattern": s.Pattern, "id": c.ID, "input": c.Input})
			if err != nil {
				t.Fatal(err)
			}
			ans, err := r.Handle(t.Context(), line)
			if err != nil {
				t.Fatalf("request unusable: %v", err)
			}
			if ans.Status == "unsupported" {
				t.Skip(ans.Reason)
			}
			Check(t, s, c, ans)
		})
	}
}

// Check checks one answer against its case: the error's field for an invalid input, otherwise
// the output under the case's comparison rules and every invariant of the spec and the case.
func Check(t *testing.T, s Spec, c Case, ans protocol.Answer) {
	t.Helper()
	if ans.ID != c.ID {
		t.Errorf("answer id = %q, want %q", ans.ID, c.ID)
	}
	if want := c.Expected.Error; want != nil {
		if ans.Status != "error" || ans.Error == nil {
			t.Fatalf("status = %q, want an error at %s", ans.Status, want.Field)
		}
		if ans.Error.Field != want.Field {
			t.Errorf("error field = %q (%s), want %q", ans.Error.Field, ans.Error.Message, want.Field)
		}
		if !strings.HasPrefix(ans.Error.Message, want.Field+" ") {
			t.Errorf("error message %q does not start with its field %s", ans.Error.Message, want.Field)
		}
		return
	}
	if ans.Status != "ok" || ans.Observed == nil {
		t.Fatalf("status = %q (error %+v), want ok with observations", ans.Status, ans.Error)
	}
	compareOutput(t, c.Expected.Output, ans.Output, c.Compare)
	view := seen{t: t}
	if err := decode(c.Input, &view.input); err != nil {
		t.Fatal(err)
	}
	roundTrip(t, ans.Output, &view.output)
	roundTrip(t, ans.Observed, &view.observed)
	for _, inv := range slices.Concat(s.Invariants, c.Invariants) {
		view.inv = inv
		checkInvariant(view)
	}
}

// roundTrip encodes v and decodes it into into, so that checks read the wire format.
func roundTrip(t *testing.T, v, into any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := decode(b, into); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
}

// compareOutput compares each top-level field of the output as exact, multiset or set, after a
// round trip through JSON, so that it is the wire format that is compared.
func compareOutput(t *testing.T, wantJSON json.RawMessage, got any, modes map[string]string) {
	t.Helper()
	gotJSON, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var want, have map[string]any
	if err := decode(wantJSON, &want); err != nil {
		t.Fatal(err)
	}
	if err := decode(gotJSON, &have); err != nil {
		t.Fatal(err)
	}
	for k := range have {
		if _, ok := want[k]; !ok {
			t.Errorf("output has field %q, which the spec does not expect", k)
		}
	}
	for k, w := range want {
		h, ok := have[k]
		if !ok {
			t.Errorf("output has no field %q", k)
			continue
		}
		mode := modes[k]
		if mode == "" {
			mode = "exact"
		}
		if a, b := canon(t, h, mode), canon(t, w, mode); !slices.Equal(a, b) {
			t.Errorf("output.%s (%s) differs:\n got  %v\n want %v", k, mode, a, b)
		}
	}
}

// canon renders v as the list of strings that equal values share: the whole value for exact,
// its sorted elements for multiset, sorted and deduplicated for set.
func canon(t *testing.T, v any, mode string) []string {
	t.Helper()
	if mode == "exact" {
		return []string{marshal(t, v)}
	}
	items, ok := v.([]any)
	if !ok {
		t.Fatalf("%s comparison of a non-array %s", mode, marshal(t, v))
	}
	out := make([]string, len(items))
	for i, item := range items {
		out[i] = marshal(t, item)
	}
	slices.Sort(out)
	if mode == "set" {
		out = slices.Compact(out)
	} else if mode != "multiset" {
		t.Fatalf("unknown comparison %q", mode)
	}
	return out
}

// marshal gives one text per value: encoding/json sorts object keys, and json.Number keeps a
// number's literal.
func marshal(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
