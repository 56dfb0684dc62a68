// Package spectest runs the cookbook's language-neutral specs from Go tests: it loads
// harness/spec/*.json, runs every case through the runner's own request handling and compares
// the outputs as the harness does. The invariants on what a run observed are checked by the
// harness alone.
package spectest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Spec is one pattern's spec file; numbers inside it stay json.Number.
type Spec struct {
	Pattern string `json:"pattern"`
	Bench   struct {
		Sizes  []int           `json:"sizes"`
		Params json.RawMessage `json:"params"`
	} `json:"bench"`
	Cases []Case `json:"cases"`
}

// Case is one case of a spec.
type Case struct {
	ID       string          `json:"id"`
	Input    json.RawMessage `json:"input"`
	Expected struct {
		Output json.RawMessage `json:"output"`
		Error  *struct {
			Field string `json:"field"`
		} `json:"error"`
	} `json:"expected"`
	Compare map[string]string `json:"compare"`
}

// Vector is one test vector of work.json.
type Vector struct {
	Seed  uint64 `json:"seed"`
	N     uint64 `json:"n"`
	Value string `json:"value"`
}

// Load reads harness/spec/<pattern>.json.
func Load(t testing.TB, pattern string) Spec {
	t.Helper()
	var s Spec
	load(t, pattern+".json", &s)
	return s
}

// LoadWork reads the vectors of harness/spec/work.json.
func LoadWork(t testing.TB) []Vector {
	t.Helper()
	var w struct {
		Vectors []Vector `json:"vectors"`
	}
	load(t, "work.json", &w)
	return w.Vectors
}

func load(t testing.TB, name string, v any) {
	t.Helper()
	f, err := os.Open(filepath.Join(specDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := json.NewDecoder(f)
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// specDir finds harness/spec beside the module root. go test runs in the package's directory,
// so the module root is the nearest directory above it that holds go.mod.
func specDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "harness", "spec")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}
