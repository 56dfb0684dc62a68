// Package protocol is the runner side of the cookbook's contract: the list, run and bench
// commands, their JSON lines and their exit codes. A pattern takes part by adding one Definition
// to the runner's table; everything else is shared.
package protocol

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
)

// Exit codes, as the contract defines them.
const (
	ExitOK       = 0 // every request was answered, invalid cases included
	ExitFailed   = 1 // a bench self-check failed, or the runner could not do its own work
	ExitUsage    = 2 // the command line is wrong
	ExitBadInput = 3 // the input is unusable as a whole

	ExitInterrupted  = 128 + 2  // interrupted by SIGINT
	ExitStdoutClosed = 128 + 13 // standard output was closed, as a shell reports SIGPIPE
	ExitTerminated   = 128 + 15 // terminated by SIGTERM
)

const usage = "usage: cookbook-runner list|run|bench"

// Runner serves one implementation's patterns and benchmark-only workloads.
type Runner struct {
	implementation string
	patterns       map[string]Pattern
	workloads      map[string]Workload
	skips          map[string]map[string]string
}

// NewRunner builds a runner for the patterns in table, each of which must have a benchmark, and
// the benchmark-only workloads, whose names must differ from the patterns'. skipsJSON maps a
// pattern to {case id: reason}; it may only name patterns in table.
func NewRunner(implementation string, table map[string]Pattern, workloads map[string]Workload, skipsJSON []byte) (*Runner, error) {
	for name, p := range table {
		if p.bench == nil {
			return nil, fmt.Errorf("pattern %q has no benchmark", name)
		}
	}
	for name := range workloads {
		if _, ok := table[name]; ok {
			return nil, fmt.Errorf("%q is both a pattern and a benchmark-only workload", name)
		}
	}
	var skips map[string]map[string]string
	if err := json.Unmarshal(skipsJSON, &skips); err != nil {
		return nil, fmt.Errorf("skips.json: %v", err)
	}
	for name := range skips {
		if _, ok := table[name]; !ok {
			return nil, fmt.Errorf("skips.json: pattern %q is not in the runner's table", name)
		}
	}
	return &Runner{implementation: implementation, patterns: table, workloads: workloads, skips: skips}, nil
}

// Skips returns the case ids this runner skips for pattern, with the reasons.
func (r *Runner) Skips(pattern string) map[string]string {
	return r.skips[pattern]
}

// Main runs one command line and returns the process's exit code. It writes only protocol lines
// to stdout and one-line messages to stderr.
func (r *Runner) Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, usage)
		return ExitUsage
	}
	switch args[0] {
	case "list":
		return r.list(stdout, stderr)
	case "run":
		return r.run(ctx, stdin, stdout, stderr)
	case "bench":
		return r.bench(ctx, stdin, stdout, stderr)
	default:
		fmt.Fprintln(stderr, usage)
		return ExitUsage
	}
}

type listing struct {
	Protocol       int                 `json:"protocol"`
	Implementation string              `json:"implementation"`
	Patterns       map[string]skipList `json:"patterns"`
	Benchmarks     []string            `json:"benchmarks"`
	Runtime        runtimeSettings     `json:"runtime"`
}

type skipList struct {
	Skip map[string]string `json:"skip"`
}

// runtimeSettings are what shape this runner's benchmark figures: how many goroutines run Go
// code at once, how many CPUs the process may use, and the release of the runtime.
type runtimeSettings struct {
	GOMAXPROCS int    `json:"GOMAXPROCS"`
	NumCPU     int    `json:"NumCPU"`
	GoVersion  string `json:"goVersion"`
}

func (r *Runner) list(stdout, stderr io.Writer) int {
	// Sorted, and [] rather than null when there is none.
	benchmarks := slices.AppendSeq([]string{}, maps.Keys(r.workloads))
	slices.Sort(benchmarks)
	l := listing{
		Protocol:       1,
		Implementation: r.implementation,
		Patterns:       map[string]skipList{},
		Benchmarks:     benchmarks,
		// Asked of the live runtime, not predicted: GOMAXPROCS follows the environment
		// variable, the CPU affinity mask and the cgroup's CPU quota.
		Runtime: runtimeSettings{
			GOMAXPROCS: runtime.GOMAXPROCS(0),
			NumCPU:     runtime.NumCPU(),
			GoVersion:  runtime.Version(),
		},
	}
	for name := range r.patterns {
		// A pattern with no skips still says so with {}, never null.
		skip := r.skips[name]
		if skip == nil {
			skip = map[string]string{}
		}
		l.Patterns[name] = skipList{Skip: skip}
	}
	if err := writeLine(stdout, l); err != nil {
		return writeFailed(stderr, "the list", err)
	}
	return ExitOK
}
