package patterns

import (
	"fmt"

	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
	"github.com/concurrency-cookbook/cookbook/go/work"
)

// What the throttle and the debounce share: arrivals that each fire or not, decided on time as
// data, and the benchmark over them.

// decidedFirings is the calls that fired, in the order they fired.
type decidedFirings struct {
	Fired []firedCall `json:"fired"`
}

// firedCall is one firing: the index of the call into arrivalsMs, and when it fired.
type firedCall struct {
	Call int   `json:"call"`
	AtMs int64 `json:"atMs"`
}

// benchArrivals reads the benchmark's perMs and builds its arrivals: arrival i at i / perMs ms.
func benchArrivals(size int, params field.Object) ([]int64, error) {
	perMs, err := params.Int("perMs", 1, maxPerMs)
	if err != nil {
		return nil, err
	}
	arrivals := make([]int64, size)
	for i := range arrivals {
		arrivals[i] = int64(i) / perMs
	}
	return arrivals, nil
}

// checkFirings checks that each firing is of a call that had arrived by then, in the order of
// the calls and the times, and digests them as the pages say: the firings, and the sum of their
// times modulo 2^64.
func checkFirings(arrivals []int64, out decidedFirings) (protocol.Check, error) {
	var digest uint64
	for n, f := range out.Fired {
		if f.Call < 0 || f.Call >= len(arrivals) || f.AtMs < arrivals[f.Call] {
			return nil, fmt.Errorf("firing %d: call %d at %d ms, which had not arrived", n, f.Call, f.AtMs)
		}
		if n > 0 {
			if prev := out.Fired[n-1]; f.Call <= prev.Call || f.AtMs < prev.AtMs {
				return nil, fmt.Errorf("firing %d: call %d at %d ms, after call %d at %d ms", n, f.Call, f.AtMs, prev.Call, prev.AtMs)
			}
		}
		digest += uint64(f.AtMs)
	}
	return protocol.Check{"count": len(arrivals), "fired": len(out.Fired), "digest": work.Hex(digest)}, nil
}
