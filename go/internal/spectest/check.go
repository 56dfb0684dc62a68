package spectest

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
)

// RunCases sends every case of s through r.Handle, as the very request line the harness sends,
// and checks each answer, as it would be written, in a subtest: a skipped case must be
// answered unsupported with its reason from skips.json, any other must match its expectation.
// Invariants on the observations are the harness's to check, not these tests'.
func RunCases(t *testing.T, r *protocol.Runner, s Spec) {
	skips := r.Skips(s.Pattern)
	for id := range skips {
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
			var got answer
			roundTrip(t, ans, &got)
			if got.ID != c.ID {
				t.Errorf("answer id = %q, want %q", got.ID, c.ID)
			}
			if reason, skipped := skips[c.ID]; skipped {
				if got.Status != "unsupported" || got.Reason != reason {
					t.Errorf("status %q, reason %q; want unsupported for the reason skips.json gives", got.Status, got.Reason)
				}
				t.Skip(reason)
			}
			check(t, c, got)
		})
	}
}

// answer is an answer line as the harness reads it.
type answer struct {
	ID     string
	Status string
	Output map[string]any
	Error  *struct{ Field, Message string }
	Reason string
}

// check checks one answer against its case: the error's field, and a message that names it,
// for an invalid input; otherwise each top-level field of the output under the case's
// comparison.
func check(t *testing.T, c Case, got answer) {
	t.Helper()
	if want := c.Expected.Error; want != nil {
		if got.Status != "error" || got.Error == nil {
			t.Fatalf("status %q, want an error at %s", got.Status, want.Field)
		}
		if got.Error.Field != want.Field {
			t.Errorf("error field %q (%s), want %q", got.Error.Field, got.Error.Message, want.Field)
		}
		if !strings.Contains(got.Error.Message, want.Field) {
			t.Errorf("error message %q does not name its field %s", got.Error.Message, want.Field)
		}
		return
	}
	if got.Status != "ok" {
		t.Fatalf("status %q (error %+v), want ok", got.Status, got.Error)
	}
	var want map[string]any
	if err := decode(c.Expected.Output, &want); err != nil {
		t.Fatal(err)
	}
	for k := range got.Output {
		if _, ok := want[k]; !ok {
			t.Errorf("output has field %q, which the spec does not expect", k)
		}
	}
	for k, w := range want {
		g, ok := got.Output[k]
		if !ok {
			t.Errorf("output has no field %q", k)
			continue
		}
		mode := c.Compare[k]
		if mode == "" {
			mode = "exact"
		}
		if a, b := canon(t, g, mode), canon(t, w, mode); !slices.Equal(a, b) {
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
	switch mode {
	case "set":
		out = slices.Compact(out)
	case "multiset":
	default:
		t.Fatalf("unknown comparison %q", mode)
	}
	return out
}

// roundTrip encodes v as the runner writes it and decodes it into into, so that what is
// checked is the wire format.
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

// decode keeps numbers as json.Number, so that 1 and 1.0 stay apart as they do on the wire.
func decode(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	return d.Decode(v)
}

// marshal gives one text per value: encoding/json sorts object keys, and json.Number keeps a
// number's literal.
func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
