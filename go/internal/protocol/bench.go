package protocol

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"

	"github.com/concurrency-cookbook/cookbook/go/internal/field"
)

// Bounds of a bench request. The size bound keeps a mistyped size from exhausting memory.
const (
	maxBenchSize   = 10_000_000
	maxBenchRepeat = 1000
)

type benchAnswer struct {
	Status    string       `json:"status"`
	Pattern   string       `json:"pattern,omitempty"`
	Size      int          `json:"size,omitempty"`
	ElapsedNs []int64      `json:"elapsedNs,omitempty"`
	LaunchNs  []int64      `json:"launchNs,omitempty"`
	Check     Check        `json:"check,omitempty"`
	Error     *field.Error `json:"error,omitempty"`
}

// bench answers the one request on stdin. It reads to the end of input before running anything,
// so that a second request is reported as unusable instead of being silently ignored.
func (r *Runner) bench(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) int {
	in := newLines(stdin)
	line, err := in.next()
	if err == io.EOF {
		err = errors.New("expected one bench request, got none")
	}
	if err != nil {
		return unusable(stderr, in.n, err)
	}
	n := in.n
	// Decoded before the next read, which reuses the line's bytes.
	req, err := decodeRequest(line)
	if err != nil {
		return unusable(stderr, n, err)
	}
	if _, err := in.next(); err != io.EOF {
		if err == nil {
			err = errors.New("expected one bench request, got another; run one bench per process")
		}
		return unusable(stderr, in.n, err)
	}
	b, err := r.lookupBench(req)
	if err != nil {
		return unusable(stderr, n, err)
	}

	ans, err := measure(ctx, b, req)
	if err != nil {
		fmt.Fprintf(stderr, "error: bench self-check: %v\n", err)
		return ExitFailed
	}
	if err := writeLine(stdout, ans); err != nil {
		return writeFailed(stderr, "the bench answer", err)
	}
	return ExitOK
}

// benchmark is what a bench request names: a pattern's benchmark or a benchmark-only workload.
type benchmark struct {
	name  string
	bench benchFunc
	// launches is whether its runs time their launch: only a workload's do.
	launches bool
}

// lookupBench finds the pattern or the benchmark-only workload a bench request names.
func (r *Runner) lookupBench(req map[string]any) (benchmark, error) {
	if name, ok := req["pattern"].(string); ok {
		if w, ok := r.workloads[name]; ok {
			return benchmark{name: name, bench: w.bench, launches: true}, nil
		}
	}
	name, p, err := r.lookup(req)
	return benchmark{name: name, bench: p.bench}, err
}

// measure validates a bench request and runs it. Invalid fields come back as an error answer; a
// failed self-check comes back as an error.
func measure(ctx context.Context, b benchmark, req map[string]any) (benchAnswer, error) {
	invalid := func(err error) (benchAnswer, error) {
		return benchAnswer{Status: "error", Error: asField(err)}, nil
	}
	o := field.Of(req)
	size, err := o.Int("size", 1, maxBenchSize)
	if err != nil {
		return invalid(err)
	}
	params, err := o.Object("params")
	if err != nil {
		return invalid(err)
	}
	// Building the benchmark validates its params, which come before repeat.
	once, err := b.bench(int(size), params)
	if err != nil {
		return invalid(err)
	}
	repeat, err := o.OptInt("repeat", 1, 1, maxBenchRepeat)
	if err != nil {
		return invalid(err)
	}

	ans := benchAnswer{Status: "ok", Pattern: b.name, Size: int(size), ElapsedNs: make([]int64, 0, repeat)}
	for i := range repeat {
		run, err := once(ctx)
		if err != nil {
			return benchAnswer{}, fmt.Errorf("run %d of %d: %v", i+1, repeat, err)
		}
		// Every run computes the same answer, so a digest that changes between runs is a bug
		// even if each run looks complete.
		if ans.Check != nil && !maps.Equal(run.Check, ans.Check) {
			return benchAnswer{}, fmt.Errorf("run %d of %d: check %+v differs from run 1's %+v", i+1, repeat, run.Check, ans.Check)
		}
		ans.Check = run.Check
		ans.ElapsedNs = append(ans.ElapsedNs, run.Elapsed.Nanoseconds())
		if b.launches {
			ans.LaunchNs = append(ans.LaunchNs, run.Launch.Nanoseconds())
		}
	}
	return ans, nil
}
