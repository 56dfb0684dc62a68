package patterns

import (
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
)

// manyTasks is the many-tasks benchmark of docs/benchmarks.md: size goroutines each sleep
// params.sleepMs and are all joined. The sleep does nothing, so the figures are the cost of a
// goroutine itself: the time to start them all (launchNs), the time until the last is joined
// (elapsedNs) and, seen from outside, the peak memory of a process that holds them all at once.
//
// What one task costs the Go runtime, by variant:
//
//   - spawn: a goroutine, started by WaitGroup.Go. Its descriptor (the runtime's g, a few hundred
//     bytes: registers saved at a switch, scheduling state, the stack's bounds) and its stack,
//     which starts at 2 KiB: the runtime starts a goroutine with the average stack the garbage
//     collector has seen in use, never below 2 KiB, and these goroutines need far less. The
//     stack grows by copying only if a call needs more, so a goroutine costs its 2 KiB whatever
//     it may need later. time.Sleep parks the goroutine on a timer the runtime allocates once per
//     g, in the heap of timers of the P that ran it; WaitGroup.Go adds the closures it runs, a
//     few dozen bytes. A goroutine that has exited keeps its g and its stack in the runtime's
//     free list, for the next goroutine to reuse. Starting a million also costs time the
//     figures show: their stacks are fresh pages the kernel must map, and every collection the
//     growing heap sets off scans the stack of every goroutine alive.
//   - work: as spawn, and the 64-byte buffer each goroutine holds across its sleep lives in its
//     stack frame, within the 2 KiB it already has; its index and the channel are in the closure
//     it runs. The channel adds one 8-byte slot per task.
//
// A run keeps nothing for the next one: the goroutines, the WaitGroup and the channel are made in
// the run, and the run returns only once every goroutine has done its work.
var manyTasks = protocol.DefineWorkload(protocol.WorkloadDefinition[manyTasksInput]{
	BenchInput: benchManyTasks,
	Measure:    measureManyTasks,
})

// maxTaskSleepMs is the longest sleep, ten minutes; the shortest is 1 ms, a timer's resolution.
const maxTaskSleepMs = 600_000

// taskVariants are the variants Go has: join-all, a future polled in place without a task of
// its own, is tokio's alone, since every concurrent thing in Go is a goroutine.
var taskVariants = map[string]func(size int, pause time.Duration, start time.Time) joined{
	"spawn": spawnTasks,
	"work":  sendingTasks,
}

type manyTasksInput struct {
	size    int
	sleep   time.Duration
	variant string
}

// joined is what one run saw: when the last goroutine was started, how many were joined and,
// for work, the sum of the indexes received.
type joined struct {
	launch     time.Duration
	count, sum int
}

// benchManyTasks validates sleepMs, then variant.
func benchManyTasks(size int, params field.Object) (manyTasksInput, error) {
	ms, err := params.Int("sleepMs", 1, maxTaskSleepMs)
	if err != nil {
		return manyTasksInput{}, err
	}
	variant, err := params.OneOf("variant", slices.Sorted(maps.Keys(taskVariants))...)
	if err != nil {
		return manyTasksInput{}, err
	}
	return manyTasksInput{size: size, sleep: time.Duration(ms) * time.Millisecond, variant: variant}, nil
}

// measureManyTasks times one run. The goroutines do not watch ctx: time.Sleep is the cheapest
// way to park one, and a benchmark is never cancelled but by killing the runner.
func measureManyTasks(_ context.Context, in manyTasksInput) (protocol.Measured, error) {
	start := time.Now()
	j := taskVariants[in.variant](in.size, in.sleep, start)
	elapsed := time.Since(start)
	check, err := checkManyTasks(in, j)
	return protocol.Measured{Elapsed: elapsed, Launch: j.launch, Check: check}, err
}

// spawnTasks starts one goroutine per task and waits for all of them. A goroutine is started
// once its go statement has returned: it is on a run queue, and may already be running.
func spawnTasks(size int, pause time.Duration, start time.Time) joined {
	var wg sync.WaitGroup
	// Each goroutine counts itself once it has slept, so that the count is of goroutines that
	// ran to their end, not of go statements.
	var woke atomic.Int64
	for range size {
		wg.Go(func() {
			time.Sleep(pause)
			woke.Add(1)
		})
	}
	launch := time.Since(start)
	wg.Wait()
	return joined{launch: launch, count: int(woke.Load())}
}

// sendingTasks is spawnTasks with a buffer held across each sleep and every index sent back to
// the caller, which drains the channel as the goroutines wake.
func sendingTasks(size int, pause time.Duration, start time.Time) joined {
	// One slot per task, so that a woken goroutine never waits for the caller to receive: a
	// smaller buffer would time the caller rather than the goroutines.
	indexes := make(chan int, size)
	var wg sync.WaitGroup
	for index := range size {
		wg.Go(func() { indexes <- holdThenRead(index, pause) })
	}
	launch := time.Since(start)
	// The last sender closes the channel, by way of this goroutine, which ends the range below.
	go func() {
		wg.Wait()
		close(indexes)
	}()
	j := joined{launch: launch}
	for index := range indexes {
		j.count++
		j.sum += index
	}
	return j
}

// holdThenRead fills a 64-byte buffer with copies of index before it sleeps and reads index
// back from it after, so that the buffer is part of what the goroutine holds while it sleeps
// and cannot be optimised away. The buffer does not escape: it lives in the goroutine's stack.
func holdThenRead(index int, pause time.Duration) int {
	var buffer [64]byte
	for at := 0; at < len(buffer); at += 8 {
		binary.LittleEndian.PutUint64(buffer[at:], uint64(index))
	}
	time.Sleep(pause)
	// The copies are equal, so OR-ing them gives the index back.
	var readBack uint64
	for at := 0; at < len(buffer); at += 8 {
		readBack |= binary.LittleEndian.Uint64(buffer[at:])
	}
	return int(readBack)
}

// checkManyTasks checks that every task was joined once and, for work, that the indexes sum to
// 0 + 1 + ... + size-1 (at most 5 * 10^13, well within an int).
func checkManyTasks(in manyTasksInput, j joined) (protocol.Check, error) {
	if j.count != in.size {
		return nil, fmt.Errorf("%d tasks joined of %d", j.count, in.size)
	}
	check := protocol.Check{"count": in.size}
	if in.variant == "work" {
		if want := in.size * (in.size - 1) / 2; j.sum != want {
			return nil, fmt.Errorf("indexes sum to %d for %d tasks", j.sum, in.size)
		}
		check["sum"] = j.sum
	}
	return check, nil
}
