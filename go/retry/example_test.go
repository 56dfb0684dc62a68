package retry_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/concurrency-cookbook/cookbook/go/retry"
)

// The schedule, with time as data: when each attempt of a call that keeps failing starts.
func ExampleSchedule() {
	s := retry.New(retry.Policy{Base: 100 * time.Millisecond, Factor: 2, Cap: time.Second, MaxAttempts: 5, Jitter: retry.None})
	var start time.Duration
	for {
		next, err := s.Next(start)
		if err != nil {
			fmt.Println(err)
			break
		}
		start = next
		fmt.Println(start)
	}
	// Output:
	// 100ms
	// 300ms
	// 700ms
	// 1.5s
	// retry: attempts exhausted
}

// A flaky call retried on the real clock, with the fallback at the call site: a cached answer
// replaces the error, never a success.
func ExampleDo() {
	calls := 0
	fetch := func(context.Context) error {
		calls++
		if calls < 3 {
			return errors.New("503 busy")
		}
		return nil
	}
	policy := retry.Policy{Base: time.Millisecond, Factor: 2, Cap: 10 * time.Millisecond, MaxAttempts: 5, Jitter: retry.Full}
	attempts, err := retry.Do(context.Background(), policy, fetch)
	answer := "fresh"
	if err != nil {
		answer = "cached"
	}
	fmt.Println(attempts, answer)
	// Output: 3 fresh
}
