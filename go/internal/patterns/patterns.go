// Package patterns is the runner's table: each pattern's validation, run and benchmark,
// adapted from its public package to the protocol, and the benchmark-only workloads. A new
// pattern is one more file here and one more line in Table; a new workload, one more line in
// Workloads.
package patterns

import "github.com/concurrency-cookbook/cookbook/go/internal/protocol"

// Table maps each pattern's slug to its definition.
var Table = map[string]protocol.Pattern{
	"worker-pool":    workerPool,
	"fan-in":         fanIn,
	"rwlock-cache":   rwlockCache,
	"token-bucket":   tokenBucket,
	"sliding-window": slidingWindow,

	"producer-consumer": producerConsumer,
	"pipeline":          pipelinePattern,
	"batching":          batchingPattern,
	"priority-queue":    priorityQueue,
	"pub-sub":           pubSub,

	"retry":           retryPattern,
	"throttle":        throttlePattern,
	"debounce":        debouncePattern,
	"circuit-breaker": circuitBreaker,

	"timeout":         timeoutPattern,
	"first-completed": firstCompleted,
	"error-group":     errorGroup,
}

// Workloads maps each benchmark-only workload's slug (docs/benchmarks.md) to its definition.
var Workloads = map[string]protocol.Workload{
	"many-tasks": manyTasks,
}
