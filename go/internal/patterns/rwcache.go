package patterns

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/internal/observe"
	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
	"github.com/concurrency-cookbook/cookbook/go/rwcache"
	"github.com/concurrency-cookbook/cookbook/go/work"
)

var rwlockCache = protocol.Define(protocol.Definition[cacheInput, cacheOutput, cacheObserved]{
	Validate:   validateCache,
	Run:        runCache,
	BenchInput: benchCache,
	Check:      checkCache,
})

// Limits from the rwlock-cache page.
const (
	maxHoldMs    = 10_000
	maxComputeMs = 60_000
	maxClients   = 1000
	maxKey       = 1<<53 - 1
	maxPauseMs   = 60_000
)

type cacheInput struct {
	readHold, writeHold, computeTime time.Duration
	computeCost                      uint64
	clients                          [][]cacheOp
}

// cacheOp is one operation of a client's script: its kind ("get", "set", "getOrCompute",
// "sleep") and the fields that kind needs.
type cacheOp struct {
	kind  string
	key   uint64
	value string
	pause time.Duration
}

// cacheOutput is the cache's final state and the computes per key, put in the answer's shape,
// sorted by key, only when it is encoded, after the measured region.
type cacheOutput struct {
	final    map[uint64]string
	computes map[uint64]int
	// What the clients did, for the benchmark's check.
	done, reads int
}

func (o cacheOutput) MarshalJSON() ([]byte, error) {
	out := struct {
		Final    []cacheEntry   `json:"final"`
		Computes []computeCount `json:"computes"`
	}{[]cacheEntry{}, []computeCount{}}
	for _, key := range slices.Sorted(maps.Keys(o.final)) {
		out.Final = append(out.Final, cacheEntry{key, o.final[key]})
	}
	for _, key := range slices.Sorted(maps.Keys(o.computes)) {
		out.Computes = append(out.Computes, computeCount{key, o.computes[key]})
	}
	return json.Marshal(out)
}

type cacheEntry struct {
	Key   uint64 `json:"key"`
	Value string `json:"value"`
}

type computeCount struct {
	Key   uint64 `json:"key"`
	Count int    `json:"count"`
}

type cacheObserved struct {
	ElapsedNs int64           `json:"elapsedNs"`
	Locks     []lockRecord    `json:"locks"`
	Computes  []computeRecord `json:"computes"`
	Ops       []opRecord      `json:"ops"`
}

type lockRecord struct {
	Client     int    `json:"client"`
	Mode       string `json:"mode"`
	RequestNs  int64  `json:"requestNs"`
	AcquiredNs int64  `json:"acquiredNs"`
	ReleasedNs int64  `json:"releasedNs"`
}

type computeRecord struct {
	Key     uint64 `json:"key"`
	StartNs int64  `json:"startNs"`
	EndNs   int64  `json:"endNs"`
}

type opRecord struct {
	Client   int     `json:"client"`
	Index    int     `json:"index"`
	Op       string  `json:"op"`
	Key      uint64  `json:"key"`
	Value    *string `json:"value"` // nil: a get of a missing key
	InvokeNs int64   `json:"invokeNs"`
	ReturnNs int64   `json:"returnNs"`
}

// validateCache checks the fields in the page's order, then each client's operations in order,
// each operation's op, key, value and ms as its kind needs them.
func validateCache(in field.Object) (cacheInput, error) {
	var c cacheInput
	var err error
	if c.readHold, err = optMs(in, "readHoldMs", maxHoldMs); err != nil {
		return cacheInput{}, err
	}
	if c.writeHold, err = optMs(in, "writeHoldMs", maxHoldMs); err != nil {
		return cacheInput{}, err
	}
	if c.computeTime, err = optMs(in, "computeMs", maxComputeMs); err != nil {
		return cacheInput{}, err
	}
	cost, err := in.OptInt("computeCost", 0, 0, maxCost)
	if err != nil {
		return cacheInput{}, err
	}
	c.computeCost = uint64(cost)
	list, err := in.Array("clients")
	if err != nil {
		return cacheInput{}, err
	}
	if err := list.AtMost(maxClients); err != nil {
		return cacheInput{}, err
	}
	c.clients = make([][]cacheOp, list.Len())
	for n := range list.Len() {
		script, err := list.Array(n)
		if err != nil {
			return cacheInput{}, err
		}
		c.clients[n] = make([]cacheOp, script.Len())
		for i := range script.Len() {
			o, err := script.Object(i)
			if err != nil {
				return cacheInput{}, err
			}
			if c.clients[n][i], err = readCacheOp(o); err != nil {
				return cacheInput{}, err
			}
		}
	}
	return c, nil
}

// readCacheOp reads one operation: op, then key, value or ms as its kind needs them.
func readCacheOp(o field.Object) (cacheOp, error) {
	kind, err := o.OneOf("op", "get", "set", "getOrCompute", "sleep")
	if err != nil {
		return cacheOp{}, err
	}
	op := cacheOp{kind: kind}
	if kind == "sleep" {
		ms, err := o.Int("ms", 0, maxPauseMs)
		op.pause = time.Duration(ms) * time.Millisecond
		return op, err
	}
	key, err := o.Int("key", 0, maxKey)
	if err != nil {
		return cacheOp{}, err
	}
	op.key = uint64(key)
	if kind == "set" {
		op.value, err = o.String("value")
	}
	return op, err
}

// cacheRun is one run of the clients' scripts against one cache.
type cacheRun struct {
	in       cacheInput
	clock    *observe.Clock
	cache    *rwcache.Cache[uint64, string]
	locks    *observe.Log[lockRecord]
	computes *observe.Log[computeRecord]
	ops      *observe.Log[opRecord]

	mu     sync.Mutex
	counts map[uint64]int // computes per key, for the output
}

// runCache starts every client at once, each running its script in order.
func runCache(ctx context.Context, in cacheInput, clock *observe.Clock) (cacheOutput, cacheObserved) {
	r := &cacheRun{
		in:       in,
		clock:    clock,
		cache:    rwcache.New[uint64, string](),
		locks:    observe.NewLog[lockRecord](clock),
		computes: observe.NewLog[computeRecord](clock),
		ops:      observe.NewLog[opRecord](clock),
		counts:   map[uint64]int{},
	}
	// Each client counts what it did in its own slot: no counter is shared between them.
	done, reads := make([]int, len(in.clients)), make([]int, len(in.clients))
	var wg sync.WaitGroup
	for c, script := range in.clients {
		wg.Go(func() { done[c], reads[c] = r.client(ctx, c, script) })
	}
	wg.Wait()
	elapsed := clock.Now()

	out := cacheOutput{final: r.cache.Snapshot(ctx)}
	r.mu.Lock()
	out.computes = maps.Clone(r.counts)
	r.mu.Unlock()
	for c := range done {
		out.done += done[c]
		out.reads += reads[c]
	}
	return out, cacheObserved{ElapsedNs: elapsed, Locks: r.locks.Items(), Computes: r.computes.Items(), Ops: r.ops.Items()}
}

// client runs one script and returns how many operations it did and how many were gets.
func (r *cacheRun) client(ctx context.Context, c int, script []cacheOp) (done, reads int) {
	for i, op := range script {
		if op.kind == "sleep" {
			// The client pauses holding no lock.
			if sleep(ctx, op.pause) != nil {
				return done, reads
			}
			continue
		}
		invoke := r.clock.Now()
		value, ok := r.do(ctx, c, op)
		if r.ops != nil {
			rec := opRecord{Client: c, Index: i, Op: op.kind, Key: op.key, InvokeNs: invoke, ReturnNs: r.clock.Now()}
			if ok {
				rec.Value = ptr(value)
			}
			r.ops.Add(rec)
		}
		done++
		if op.kind == "get" {
			reads++
		}
	}
	return done, reads
}

// ptr returns a pointer to a copy of s, so that only the records that need one allocate it.
func ptr(s string) *string { return &s }

// do runs one operation as client c and returns the value it wrote or read, if any.
func (r *cacheRun) do(ctx context.Context, c int, op cacheOp) (string, bool) {
	switch op.kind {
	case "get":
		return r.cache.Get(r.traced(ctx, c, r.in.readHold), op.key)
	case "set":
		r.cache.Set(r.traced(ctx, c, r.in.writeHold), op.key, op.value)
		return op.value, true
	default: // getOrCompute looks up and stores without holding the lock
		v, err := r.cache.GetOrCompute(r.traced(ctx, c, 0), op.key, r.compute(op.key))
		return v, err == nil
	}
}

// traced returns ctx with a trace that records each lock the operation takes as client c's,
// and keeps each one hold long once held, which stands for a slow critical section (a read
// from a slow store, a write-through). A benchmark, with nothing to record or hold, gets ctx.
func (r *cacheRun) traced(ctx context.Context, c int, hold time.Duration) context.Context {
	if r.clock == nil && hold == 0 {
		return ctx
	}
	// One lock at a time: an operation releases a lock before it requests the next.
	var rec lockRecord
	return rwcache.WithTrace(ctx, &rwcache.Trace{
		LockWait: func(m rwcache.Mode) {
			rec = lockRecord{Client: c, Mode: m.String(), RequestNs: r.clock.Now()}
		},
		LockHeld: func(rwcache.Mode) {
			rec.AcquiredNs = r.clock.Now()
			// A cancelled run cuts the hold short; the operation then ends as usual.
			_ = sleep(ctx, hold)
		},
		LockRelease: func(rwcache.Mode) {
			rec.ReleasedNs = r.clock.Now()
			r.locks.Add(rec)
		},
	})
}

// compute returns the page's compute of key: sleep computeMs, then work(key, computeCost).
func (r *cacheRun) compute(key uint64) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		start := r.clock.Now()
		if err := sleep(ctx, r.in.computeTime); err != nil {
			return "", err
		}
		v := work.Hex(work.Work(key, r.in.computeCost))
		r.computes.Add(computeRecord{Key: key, StartNs: start, EndNs: r.clock.Now()})
		r.mu.Lock()
		r.counts[key]++
		r.mu.Unlock()
		return v, nil
	}
}

// benchCache builds the page's benchmark input: params.clients clients share size operations
// on params.keys keys, operation n = j * clients + c being client c's j-th, a get or a set of
// "v" as work(n, 1) says.
func benchCache(size int, params field.Object) (cacheInput, error) {
	clients, err := params.Int("clients", 1, maxClients)
	if err != nil {
		return cacheInput{}, err
	}
	readPercent, err := params.Int("readPercent", 0, 100)
	if err != nil {
		return cacheInput{}, err
	}
	keys, err := params.Int("keys", 1, maxKey)
	if err != nil {
		return cacheInput{}, err
	}
	in := cacheInput{clients: make([][]cacheOp, clients)}
	for n := range uint64(size) {
		x := work.Work(n, 1)
		op := cacheOp{kind: "set", key: (x >> 8) % uint64(keys), value: "v"}
		if x%100 < uint64(readPercent) {
			op.kind = "get"
		}
		c := n % uint64(clients)
		in.clients[c] = append(in.clients[c], op)
	}
	return in, nil
}

// checkCache checks that every operation was done, and that every value stored is the one the
// sets write; it counts the operations and the gets.
func checkCache(in cacheInput, out cacheOutput) (protocol.Check, error) {
	ops, gets := 0, 0
	for _, script := range in.clients {
		for _, op := range script {
			ops++
			if op.kind == "get" {
				gets++
			}
		}
	}
	if out.done != ops || out.reads != gets {
		return nil, fmt.Errorf("%d operations done, %d of them gets; the clients had %d and %d", out.done, out.reads, ops, gets)
	}
	for key, value := range out.final {
		if value != "v" {
			return nil, fmt.Errorf("key %d holds %q, which no set wrote", key, value)
		}
	}
	return protocol.Check{"count": out.done, "reads": out.reads}, nil
}
