package patterns_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"go.uber.org/goleak"

	cookbook "github.com/concurrency-cookbook/cookbook/go"
	"github.com/concurrency-cookbook/cookbook/go/internal/patterns"
	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
	"github.com/concurrency-cookbook/cookbook/go/internal/spectest"
	"github.com/concurrency-cookbook/cookbook/go/work"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// runner is the runner exactly as cookbook-runner builds it.
func runner(t *testing.T) *protocol.Runner {
	t.Helper()
	r, err := protocol.NewRunner("go", patterns.Table, patterns.Workloads, cookbook.SkipsJSON)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestSpecCases runs every case of every pattern in the table through the runner's own request
// handling, under the race detector with just test-go, and compares the outputs with the spec's.
func TestSpecCases(t *testing.T) {
	r := runner(t)
	for name := range patterns.Table {
		t.Run(name, func(t *testing.T) {
			spec := spectest.Load(t, name)
			if spec.Pattern != name {
				t.Fatalf("spec %s.json names pattern %q", name, spec.Pattern)
			}
			spectest.RunCases(t, r, spec)
		})
	}
}

// benchParams is a spec's bench params, numbers as int64.
type benchParams struct {
	Cost, Sources, Clients, ReadPercent, Keys, Burst, Limit, WindowMs int64
	Refill                                                            struct{ Tokens, EveryMs int64 }
	Producers, Consumers, Capacity, Stages, Workers                   int64
	Ordered                                                           bool
	MaxSize, MaxWaitMs, PerMs, Subscribers, BufferSize                int64
	MaxAttempts, IntervalMs, QuietMs                                  int64
	FailureThreshold, OpenMs, HalfOpenProbes                          int64
	Jitter                                                            string
	Leading, Trailing                                                 bool
	DeadlineMs, Operations                                            int64
}

// wantCheck computes what each pattern's bench must report, without the pattern's own code.
var wantCheck = map[string]func(size int64, p benchParams) protocol.Check{
	"worker-pool": xorOfWork,
	"fan-in": func(size int64, p benchParams) protocol.Check {
		var digest uint64
		for k := range size {
			digest ^= work.Work(uint64(k%p.Sources)<<32|uint64(k/p.Sources), 1)
		}
		return protocol.Check{"count": size, "digest": work.Hex(digest)}
	},
	"rwlock-cache": func(size int64, p benchParams) protocol.Check {
		reads := 0
		for n := range uint64(size) {
			if work.Work(n, 1)%100 < uint64(p.ReadPercent) {
				reads++
			}
		}
		return protocol.Check{"count": size, "reads": reads}
	},
	// The page's formula as it reads, on arrivals 0, 1, 2, ... ms; the spec's params are small
	// enough for int64.
	"token-bucket": func(size int64, p benchParams) protocol.Check {
		capacity := p.Burst * p.Refill.EveryMs
		credits, admitted := capacity, 0
		for t := range size {
			if t > 0 {
				credits = min(capacity, credits+p.Refill.Tokens)
			}
			if credits >= p.Refill.EveryMs {
				credits -= p.Refill.EveryMs
				admitted++
			}
		}
		return protocol.Check{"count": size, "admitted": admitted}
	},
	// One arrival per ms: the window at t holds the admissions of the last windowMs ms.
	"sliding-window": func(size int64, p benchParams) protocol.Check {
		var admittedAt []int64
		for t := range size {
			inside := 0
			for _, a := range admittedAt {
				if t-a < p.WindowMs {
					inside++
				}
			}
			if int64(inside) < p.Limit {
				admittedAt = append(admittedAt, t)
			}
		}
		return protocol.Check{"count": size, "admitted": len(admittedAt)}
	},
	// However the items are dealt to producers and taken by consumers, each is work(id, cost).
	"producer-consumer": xorOfWork,
	// Whatever the priorities, each job is work(id, cost), once.
	"priority-queue": xorOfWork,
	// Each item's value is its id through every stage's transform, whichever the order.
	"pipeline": func(size int64, p benchParams) protocol.Check {
		var digest uint64
		for id := range uint64(size) {
			v := id
			for s := range uint64(p.Stages) {
				v = work.Work(v^(s+1), uint64(p.Cost))
			}
			digest ^= v
		}
		return protocol.Check{"count": size, "digest": work.Hex(digest)}
	},
	// Every subscriber receives every message once.
	"pub-sub": func(size int64, p benchParams) protocol.Check {
		return protocol.Check{"count": size, "delivered": size * p.Subscribers, "digest": work.Hex(uint64(size*(size-1)/2) * uint64(p.Subscribers))}
	},
	// The page's rules, item by item: perMs items a millisecond, the stream ending with the last.
	"batching": func(size int64, p benchParams) protocol.Check {
		var batches, digest uint64
		var opened, held int64
		flush := func(at int64) {
			batches++
			digest += uint64(at)*65536 + uint64(held)
			held = 0
		}
		for i := range size {
			at := i / p.PerMs
			if held > 0 && at >= opened+p.MaxWaitMs {
				flush(opened + p.MaxWaitMs)
			}
			if held == 0 {
				opened = at
			}
			if held++; held == p.MaxSize {
				flush(at)
			}
		}
		if end := (size - 1) / p.PerMs; held > 0 {
			flush(min(end, opened+p.MaxWaitMs))
		}
		return protocol.Check{"count": size, "batches": batches, "digest": work.Hex(digest)}
	},
	"retry":           retryCheck,
	"throttle":        throttleCheck,
	"debounce":        debounceCheck,
	"circuit-breaker": breakerCheck,

	// Every operation, with no sleep, finishes well within the deadline: its value is its id,
	// work(id, 0).
	"timeout": xorOfWork,
	// Only the last operation succeeds, so it wins every call; an even number of wins XOR to 0.
	"first-completed": func(size int64, p benchParams) protocol.Check {
		var digest uint64
		if size%2 == 1 {
			digest = uint64(p.Operations - 1)
		}
		return protocol.Check{"count": size, "digest": work.Hex(digest)}
	},
	// Every leaf succeeds, its value its id.
	"error-group": xorOfWork,
}

// xorOfWork is the check of size results work(id, cost) for the ids 0 to size-1.
func xorOfWork(size int64, p benchParams) protocol.Check {
	var digest uint64
	for id := range uint64(size) {
		digest ^= work.Work(id, uint64(p.Cost))
	}
	return protocol.Check{"count": size, "digest": work.Hex(digest)}
}

// TestBench runs the bench command of every pattern on its spec's smallest size and params,
// and checks the answer against one computed without the pattern.
func TestBench(t *testing.T) {
	for name := range patterns.Table {
		t.Run(name, func(t *testing.T) {
			spec := spectest.Load(t, name)
			size := spec.Bench.Sizes[0]
			var params benchParams
			if err := json.Unmarshal(spec.Bench.Params, &params); err != nil {
				t.Fatal(err)
			}
			// One request, one line: the spec's params may span several.
			var line bytes.Buffer
			if err := json.Compact(&line, spec.Bench.Params); err != nil {
				t.Fatal(err)
			}
			ans := bench(t, fmt.Sprintf(`{"pattern": %q, "size": %d, "params": %s, "repeat": 3}`, name, size, line.String()))
			if ans.Status != "ok" || len(ans.ElapsedNs) != 3 {
				t.Errorf("answer %+v: want ok with 3 times", ans)
			}
			ans.checkIs(t, wantCheck[name](int64(size), params))
		})
	}
}

// Every mode of the worker pool's bench computes the same answer; only the time may differ.
func TestWorkerPoolModes(t *testing.T) {
	want := wantCheck["worker-pool"](40, benchParams{Cost: 100})
	before := runtime.GOMAXPROCS(0)
	for _, mode := range []string{"", `, "mode": "event-loop"`, `, "mode": "parallel"`} {
		ans := bench(t, `{"pattern": "worker-pool", "size": 40, "params": {"workers": 3, "cost": 100, "sleepMs": 1`+mode+`}, "repeat": 2}`)
		if ans.Status != "ok" || len(ans.ElapsedNs) != 2 {
			t.Errorf("mode %q: answer %+v, want ok with 2 times", mode, ans)
		}
		ans.checkIs(t, want)
		if after := runtime.GOMAXPROCS(0); after != before {
			t.Errorf("mode %q: GOMAXPROCS is %d after the bench, was %d before", mode, after, before)
		}
	}
}

// benchAnswer is the answer line of the bench command.
type benchAnswer struct {
	Status              string
	ElapsedNs, LaunchNs []int64
	Check               json.RawMessage
	Error               struct{ Field, Message string }
}

// bench answers one bench request with the runner exactly as cookbook-runner builds it.
func bench(t *testing.T, req string) benchAnswer {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runner(t).Main(t.Context(), []string{"bench"}, strings.NewReader(req+"\n"), &stdout, &stderr)
	if code != protocol.ExitOK {
		t.Fatalf("%s: exit code %d, stderr %q", req, code, stderr.String())
	}
	var ans benchAnswer
	if err := json.Unmarshal(stdout.Bytes(), &ans); err != nil {
		t.Fatalf("%s: %v in %q", req, err, stdout.String())
	}
	return ans
}

// checkIs fails unless the answer's check is want, as JSON.
func (a benchAnswer) checkIs(t *testing.T, want protocol.Check) {
	t.Helper()
	b, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if string(a.Check) != string(b) {
		t.Errorf("check = %s, want %s", a.Check, b)
	}
}
