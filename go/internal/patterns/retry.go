package patterns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/internal/observe"
	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
	"github.com/concurrency-cookbook/cookbook/go/retry"
	"github.com/concurrency-cookbook/cookbook/go/work"
)

// retryPattern is the retry schedule decided on time as data, or run on the real clock, told
// apart by mode. The benchmark decides.
var retryPattern = protocol.Variants("mode", map[string]protocol.Pattern{
	"decide": protocol.Define(protocol.Definition[retryCalls, retryDecisions, elapsedObserved]{
		Validate: func(o field.Object) (retryCalls, error) {
			c, err := readRetry(o)
			return retryCalls{[]retryCall{c}}, err
		},
		Run:        runRetryDecide,
		BenchInput: benchRetry,
		Check:      checkRetry,
	}),
	"live": protocol.Define(protocol.Definition[retryCall, retryOutcome, retryLiveObserved]{
		Validate: readRetry,
		Run:      runRetryLive,
	}),
}, "decide")

// Limits from the retry page.
const (
	maxBaseMs        = 60_000
	maxFactor        = 10
	maxCapMs         = 600_000
	maxRetryAttempts = 100
	maxDeadlineMs    = 600_000
	maxAttemptMs     = 60_000
	retryOK          = "ok"
	retryRetryable   = "retryable"
	retryFatal       = "fatal"
)

var jitters = []string{string(retry.None), string(retry.Full), string(retry.Equal), string(retry.Decorrelated)}

// retryCall is one call to retry: its policy, how long each attempt takes, and what each
// attempt comes to, attempts past the script succeeding.
type retryCall struct {
	policy   retry.Policy
	attempt  time.Duration
	outcomes []string
	fallback bool
}

// outcome is what attempt k (from 1) comes to.
func (c retryCall) outcome(k int) string {
	if k > len(c.outcomes) {
		return retryOK
	}
	return c.outcomes[k-1]
}

// retryCalls is the calls decided in one run: a case decides one, the benchmark size of them.
type retryCalls struct {
	calls []retryCall
}

// readRetry checks mode's fields in the page's order: the policy and its fields, attemptMs,
// outcomes and each outcome, then fallback.
func readRetry(o field.Object) (retryCall, error) {
	policy, err := readPolicy(o)
	if err != nil {
		return retryCall{}, err
	}
	attempt, err := optMs(o, "attemptMs", maxAttemptMs)
	if err != nil {
		return retryCall{}, err
	}
	list, err := o.Array("outcomes")
	if err != nil {
		return retryCall{}, err
	}
	outcomes := make([]string, list.Len())
	for i := range outcomes {
		if outcomes[i], err = list.OneOf(i, retryOK, retryRetryable, retryFatal); err != nil {
			return retryCall{}, err
		}
	}
	fallback, err := o.OptBool("fallback", false)
	return retryCall{policy: policy, attempt: attempt, outcomes: outcomes, fallback: fallback}, err
}

// readPolicy reads the policy object: baseMs, factor, capMs, maxAttempts, deadlineMs, jitter,
// seed.
func readPolicy(o field.Object) (retry.Policy, error) {
	p, err := o.Object("policy")
	if err != nil {
		return retry.Policy{}, err
	}
	base, err := p.Int("baseMs", 0, maxBaseMs)
	if err != nil {
		return retry.Policy{}, err
	}
	factor, err := p.Int("factor", 1, maxFactor)
	if err != nil {
		return retry.Policy{}, err
	}
	ceiling, err := p.Int("capMs", 0, maxCapMs)
	if err != nil {
		return retry.Policy{}, err
	}
	attempts, err := p.Int("maxAttempts", 1, maxRetryAttempts)
	if err != nil {
		return retry.Policy{}, err
	}
	deadline, err := p.OptInt("deadlineMs", -1, 0, maxDeadlineMs)
	if err != nil {
		return retry.Policy{}, err
	}
	jitter, err := p.OneOf("jitter", jitters...)
	if err != nil {
		return retry.Policy{}, err
	}
	seed, err := p.OptInt("seed", 0, 0, maxID)
	if err != nil {
		return retry.Policy{}, err
	}
	policy := retry.Policy{
		Base:        time.Duration(base) * time.Millisecond,
		Cap:         time.Duration(ceiling) * time.Millisecond,
		Factor:      factor,
		MaxAttempts: int(attempts),
		Jitter:      retry.Jitter(jitter),
		Seed:        uint64(seed),
	}
	switch {
	case deadline == 0:
		// A Deadline of 0 is none; a deadline of 0 ms lets nothing start after the first
		// instant, which the least Deadline, a nanosecond, says exactly on whole milliseconds.
		policy.Deadline = 1
	case deadline > 0:
		policy.Deadline = time.Duration(deadline) * time.Millisecond
	}
	return policy, nil
}

// retrySchedule is what one decided call came to, with the start of every attempt.
type retrySchedule struct {
	retryOutcome
	StartsMs []int64 `json:"startsMs"`
}

// retryOutcome is the answer without the schedule, as live mode gives it.
type retryOutcome struct {
	Outcome  string `json:"outcome"`
	Attempts int    `json:"attempts"`
	FellBack bool   `json:"fellBack"`
}

// finish fills in the answer of a call that stopped for stop (nil when it succeeded, an error
// wrapping retry.ErrExhausted or retry.ErrDeadline, or the fatal error) after attempts.
func (c retryCall) finish(attempts int, stop error) retryOutcome {
	outcome := retryFatal
	switch {
	case stop == nil:
		outcome = retryOK
	case errors.Is(stop, retry.ErrExhausted):
		outcome = "exhausted"
	case errors.Is(stop, retry.ErrDeadline):
		outcome = "deadline"
	}
	// The fallback's answer replaces the error, never a success.
	return retryOutcome{Outcome: outcome, Attempts: attempts, FellBack: c.fallback && stop != nil}
}

// errFailed is an attempt's failure, fatal or worth retrying.
var errFailed = errors.New("the attempt failed")

// decide runs the call's schedule on time as data: attempt k ends attemptMs after it starts,
// and its outcome is the script's.
func (c retryCall) decide() retrySchedule {
	s := retry.New(c.policy)
	// Room for every attempt the policy allows: a schedule never grows its array.
	starts := make([]int64, 1, c.policy.MaxAttempts)
	var start time.Duration
	for k := 1; ; k++ {
		var stop error
		switch c.outcome(k) {
		case retryOK:
		case retryFatal:
			stop = errFailed
		default:
			next, err := s.Next(start + c.attempt)
			if err == nil {
				start = next
				starts = append(starts, int64(start/time.Millisecond))
				continue
			}
			stop = err
		}
		return retrySchedule{c.finish(k, stop), starts}
	}
}

// retryDecisions is the schedules decided in one run, in the order of the calls.
type retryDecisions struct {
	schedules []retrySchedule
}

// MarshalJSON answers a case, which decides one call.
func (d retryDecisions) MarshalJSON() ([]byte, error) {
	return json.Marshal(d.schedules[0])
}

func runRetryDecide(_ context.Context, in retryCalls, clock *observe.Clock) (retryDecisions, elapsedObserved) {
	schedules := make([]retrySchedule, len(in.calls))
	for i, c := range in.calls {
		schedules[i] = c.decide()
	}
	return retryDecisions{schedules}, elapsedObserved{ElapsedNs: clock.Now()}
}

type retryLiveObserved struct {
	ElapsedNs int64          `json:"elapsedNs"`
	Attempts  []attemptStamp `json:"attempts"`
}

type attemptStamp struct {
	Attempt int   `json:"attempt"`
	StartNs int64 `json:"startNs"`
	EndNs   int64 `json:"endNs"`
}

// runRetryLive retries on the real clock: each attempt sleeps attemptMs and comes to the
// script's outcome. An attempt cut short by ctx stops the retries.
func runRetryLive(ctx context.Context, c retryCall, clock *observe.Clock) (retryOutcome, retryLiveObserved) {
	stamps := []attemptStamp{}
	attempts, err := retry.Do(ctx, c.policy, func(ctx context.Context) error {
		stamp := attemptStamp{Attempt: len(stamps) + 1, StartNs: clock.Now()}
		slept := sleep(ctx, c.attempt)
		stamp.EndNs = clock.Now()
		stamps = append(stamps, stamp)
		switch {
		case slept != nil:
			return retry.Permanent(slept)
		case c.outcome(stamp.Attempt) == retryOK:
			return nil
		case c.outcome(stamp.Attempt) == retryFatal:
			return retry.Permanent(errFailed)
		default:
			return errFailed
		}
	})
	return c.finish(attempts, err), retryLiveObserved{ElapsedNs: clock.Now(), Attempts: stamps}
}

// benchRetry builds the page's benchmark input: size calls, call i under baseMs 10, factor 2,
// capMs 1000, the given maxAttempts and jitter and seed i, every attempt failing and worth
// retrying. It validates maxAttempts, then jitter.
func benchRetry(size int, params field.Object) (retryCalls, error) {
	attempts, err := params.Int("maxAttempts", 1, maxRetryAttempts)
	if err != nil {
		return retryCalls{}, err
	}
	jitter, err := params.OneOf("jitter", jitters...)
	if err != nil {
		return retryCalls{}, err
	}
	// One script for every call: no attempt reads past it.
	failing := make([]string, attempts)
	for i := range failing {
		failing[i] = retryRetryable
	}
	calls := make([]retryCall, size)
	for i := range calls {
		calls[i] = retryCall{policy: retry.Policy{
			Base:        10 * time.Millisecond,
			Cap:         time.Second,
			Factor:      2,
			MaxAttempts: int(attempts),
			Jitter:      retry.Jitter(jitter),
			Seed:        uint64(i),
		}, outcomes: failing}
	}
	return retryCalls{calls}, nil
}

// checkRetry checks that every call ran out of attempts and none started an attempt before the
// one before it, and digests the schedules as the page says: the attempts, and the sum of the
// last starts modulo 2^64.
func checkRetry(in retryCalls, out retryDecisions) (protocol.Check, error) {
	if len(out.schedules) != len(in.calls) {
		return nil, fmt.Errorf("%d schedules for %d calls", len(out.schedules), len(in.calls))
	}
	attempts := 0
	var digest uint64
	for i, s := range out.schedules {
		if s.Outcome != "exhausted" || s.Attempts != in.calls[i].policy.MaxAttempts || len(s.StartsMs) != s.Attempts {
			return nil, fmt.Errorf("call %d came to %q after %d attempts, %d started", i, s.Outcome, s.Attempts, len(s.StartsMs))
		}
		for k := 1; k < len(s.StartsMs); k++ {
			if s.StartsMs[k] < s.StartsMs[k-1] {
				return nil, fmt.Errorf("call %d: attempt %d starts at %d ms, before attempt %d at %d", i, k+1, s.StartsMs[k], k, s.StartsMs[k-1])
			}
		}
		attempts += s.Attempts
		digest += uint64(s.StartsMs[len(s.StartsMs)-1])
	}
	return protocol.Check{"count": len(out.schedules), "attempts": attempts, "digest": work.Hex(digest)}, nil
}
