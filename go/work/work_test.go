package work_test

import (
	"testing"

	"github.com/concurrency-cookbook/cookbook/go/internal/spectest"
	"github.com/concurrency-cookbook/cookbook/go/work"
)

func TestVectors(t *testing.T) {
	vectors := spectest.LoadWork(t)
	if len(vectors) == 0 {
		t.Fatal("work.json has no vectors")
	}
	for _, v := range vectors {
		if got := work.Hex(work.Work(v.Seed, v.N)); got != v.Value {
			t.Errorf("work(%d, %d) = %s, want %s", v.Seed, v.N, got, v.Value)
		}
	}
}

func TestHexPads(t *testing.T) {
	if got := work.Hex(0xab); got != "00000000000000ab" {
		t.Errorf("Hex(0xab) = %q", got)
	}
}
