package patterns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/work"
)

// Limits from the pages of the patterns that run tasks.
const (
	maxCost    = 100_000_000
	maxSleepMs = 60_000
)

// task is what a worker pool's job and a scatter-gather item do: sleep, then work, then panic
// or fail if asked to.
type task struct {
	seed, cost  uint64
	sleep       time.Duration
	fail, panic bool
}

// panicked is what a task panics with. The pattern recovers it into its own PanicError, whose
// message begins "panic: " and which unwraps to it: the answer carries the task's own words.
type panicked struct {
	noun string
	seed uint64
}

func (p panicked) Error() string { return fmt.Sprintf("%s %d panicked", p.noun, p.seed) }

// message is an error as the answer words it.
func message(err error) string {
	var p panicked
	if errors.As(err, &p) {
		return p.Error()
	}
	return err.Error()
}

// outcome is what a task came to: its value, or the error it failed with. It is kept as it is
// and becomes the answer's fields only when the answer is encoded, after the measured region:
// formatting a value is not the pattern's work.
type outcome struct {
	value uint64
	err   error
}

// outcomeJSON is an outcome as the answer carries it: {"value": hex} or {"error": message}.
type outcomeJSON struct {
	Value string `json:"value,omitempty"`
	Error string `json:"error,omitempty"`
}

func (o outcome) wire() outcomeJSON {
	if o.err != nil {
		return outcomeJSON{Error: message(o.err)}
	}
	return outcomeJSON{Value: work.Hex(o.value)}
}

func (o outcome) MarshalJSON() ([]byte, error) {
	return json.Marshal(o.wire())
}

// run does the task. A failure or a panic names the task as noun and seed ("job 3 failed",
// "item 2 panicked"); a panic wins over a failure; a sleep cut short by ctx returns ctx's error.
func (t task) run(ctx context.Context, noun string) (uint64, error) {
	if err := sleep(ctx, t.sleep); err != nil {
		return 0, err
	}
	v := work.Work(t.seed, t.cost)
	if t.panic {
		panic(panicked{noun, t.seed})
	}
	if t.fail {
		return 0, fmt.Errorf("%s %d failed", noun, t.seed)
	}
	return v, nil
}

// readTask reads a task's optional cost, sleepMs, fail and panic, in that order.
func readTask(o field.Object, seed uint64) (task, error) {
	t, err := readFailingTask(o, seed)
	if err != nil {
		return task{}, err
	}
	t.panic, err = o.OptBool("panic", false)
	return t, err
}

// readFailingTask reads the optional cost, sleepMs and fail of a task that can fail but not
// panic, for the patterns whose page has no panic field.
func readFailingTask(o field.Object, seed uint64) (task, error) {
	cost, sleep, err := costAndSleep(o)
	if err != nil {
		return task{}, err
	}
	fail, err := o.OptBool("fail", false)
	return task{seed: seed, cost: cost, sleep: sleep, fail: fail}, err
}

// costAndSleep reads the optional cost and sleepMs, shared by a task and the bench params.
func costAndSleep(o field.Object) (uint64, time.Duration, error) {
	cost, err := o.OptInt("cost", 0, 0, maxCost)
	if err != nil {
		return 0, 0, err
	}
	sleep, err := optMs(o, "sleepMs", maxSleepMs)
	return uint64(cost), sleep, err
}

// optMs reads an optional number of milliseconds from 0 to most, 0 when absent.
func optMs(o field.Object, name string, most int64) (time.Duration, error) {
	ms, err := o.OptInt(name, 0, 0, most)
	return time.Duration(ms) * time.Millisecond, err
}

// sleep models I/O: it parks the calling goroutine, not an OS thread, for d or until ctx is done,
// whichever comes first, and then returns ctx's error. A d of zero or less returns nil at once,
// without a timer.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
