package patterns

import (
	"encoding/json"
	"fmt"

	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
	"github.com/concurrency-cookbook/cookbook/go/work"
)

// What the patterns that move items through queues share: ids that must be unique, the stamps
// around a queue's put and get, and results keyed by id.

// idSet is the ids read so far, each with the path it was first read at.
type idSet map[uint64]string

// read reads the required id field name of o, from 0 to maxID, which must not be in s yet, and
// adds it: a duplicate is an error of its second occurrence, naming the first.
func (s idSet) read(o field.Object, name string) (uint64, error) {
	id, err := o.Int(name, 0, maxID)
	if err != nil {
		return 0, err
	}
	if first, dup := s[uint64(id)]; dup {
		return 0, field.Errorf(o.Path(name), "must be unique, got %d, already at %s", id, first)
	}
	s[uint64(id)] = o.Path(name)
	return uint64(id), nil
}

// queueStamps are the times of one item's trip through a bounded queue, in nanoseconds since the
// start of the measured region: the put around the put call, the get around the get call that
// returned it, and the end of its processing. The putter writes the first two and the getter
// the rest: different fields, so the two goroutines never write the same word.
type queueStamps struct {
	PutNs    int64 `json:"putNs"`
	QueuedNs int64 `json:"queuedNs"`
	GetNs    int64 `json:"getNs"`
	GotNs    int64 `json:"gotNs"`
	EndNs    int64 `json:"endNs"`
}

// idOutcome is an item's result as the answer carries it: {"id", "value"} or {"id", "error"}.
type idOutcome struct {
	id uint64
	outcome
}

func (r idOutcome) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID uint64 `json:"id"`
		outcomeJSON
	}{r.id, r.wire()})
}

// resultsJSON is the answer {"results": [...]}, never null.
func resultsJSON(results []idOutcome) ([]byte, error) {
	if results == nil {
		results = []idOutcome{}
	}
	return json.Marshal(struct {
		Results []idOutcome `json:"results"`
	}{results})
}

// xorCheck checks that results answer the ids 0 to n-1 of a benchmark once each, without error,
// and digests their values by XOR, which ignores the order the results came in.
func xorCheck(n int, results []idOutcome) (protocol.Check, error) {
	if len(results) != n {
		return nil, fmt.Errorf("%d results for %d items", len(results), n)
	}
	seen := make([]bool, n)
	var digest uint64
	for _, r := range results {
		if r.id >= uint64(n) || seen[r.id] {
			return nil, fmt.Errorf("item %d answered twice or not in the input", r.id)
		}
		seen[r.id] = true
		if r.err != nil {
			return nil, fmt.Errorf("item %d failed: %v", r.id, r.err)
		}
		digest ^= r.value
	}
	return protocol.Check{"count": n, "digest": work.Hex(digest)}, nil
}
