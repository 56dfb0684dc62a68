package patterns_test

import (
	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
	"github.com/concurrency-cookbook/cookbook/go/work"
)

// The benchmark checks of the patterns that decide on time as data, each computed from its
// page's rules as they read, without the pattern's own code.

// retryCheck decides size calls, call i with seed i, base 10, factor 2 and cap 1000 ms, every
// attempt failing: each runs out of attempts, and the digest sums their last starts.
func retryCheck(size int64, p benchParams) protocol.Check {
	var attempts int64
	var digest uint64
	for i := range uint64(size) {
		delay := retryDelays(10, 2, 1000, p.Jitter, i)
		var start int64
		for k := int64(1); k < p.MaxAttempts; k++ {
			start += delay(k)
		}
		attempts += p.MaxAttempts
		digest += uint64(start)
	}
	return protocol.Check{"count": size, "attempts": attempts, "digest": work.Hex(digest)}
}

// retryDelays returns the delay after attempt k, called for k = 1, 2, ... in turn: each
// jittered delay takes the call's next draw.
func retryDelays(base, factor, ceiling int64, jitter string, seed uint64) func(k int64) int64 {
	var draws uint64
	rand := func(lo, hi int64) int64 {
		u := work.Work(seed+draws*0x9E3779B97F4A7C15, 1)
		draws++
		return lo + int64(u%uint64(hi-lo+1))
	}
	last := base
	return func(k int64) int64 {
		exp := base
		for range k - 1 {
			exp = min(ceiling, exp*factor)
		}
		exp = min(ceiling, exp)
		switch jitter {
		case "full":
			return rand(0, exp)
		case "equal":
			return exp/2 + rand(0, exp-exp/2)
		case "decorrelated":
			last = min(ceiling, rand(base, max(base, 3*last)))
			return last
		}
		return exp
	}
}

// throttleCheck throttles arrival i at i / perMs ms: a window is open for intervalMs from each
// firing; a call with none open opens one, firing if leading, else pending; a call inside one
// is pending if trailing; a window that ends with a call pending fires it and opens the next.
func throttleCheck(size int64, p benchParams) protocol.Check {
	var fired int64
	var digest uint64
	open, pending := false, false
	var end int64
	closeBy := func(t int64, last bool) {
		for open && (last || end <= t) {
			if !pending {
				open = false
				return
			}
			fired, digest, pending = fired+1, digest+uint64(end), false
			end += p.IntervalMs
		}
	}
	for i := range size {
		t := i / p.PerMs
		closeBy(t, false)
		switch {
		case !open:
			open, end = true, t+p.IntervalMs
			if p.Leading {
				fired, digest = fired+1, digest+uint64(t)
			} else {
				pending = true
			}
		case p.Trailing:
			pending = true
		}
	}
	closeBy(0, true)
	return protocol.Check{"count": size, "fired": fired, "digest": work.Hex(digest)}
}

// debounceCheck debounces arrival i at i / perMs ms: the first call after a firing opens a
// burst; each call is the pending one, due quietMs after it but no later than maxWaitMs after
// the burst's first; a call due by an arrival fires before it.
func debounceCheck(size int64, p benchParams) protocol.Check {
	var fired int64
	var digest uint64
	pending := false
	var first, due int64
	for i := range size {
		t := i / p.PerMs
		if pending && due <= t {
			fired, digest, pending = fired+1, digest+uint64(due), false
		}
		if !pending {
			first = t
		}
		pending, due = true, min(t+p.QuietMs, first+p.MaxWaitMs)
	}
	if pending {
		fired, digest = fired+1, digest+uint64(due)
	}
	return protocol.Check{"count": size, "fired": fired, "digest": work.Hex(digest)}
}

// breakerCheck decides call i at i ms, failing when i mod 10 < 3: closed, a failure opens the
// breaker when failureThreshold failures fall within windowMs; open, calls are rejected until
// openMs have passed, when it is half-open; half-open, a failure opens it again and
// halfOpenProbes successes close it, forgetting its failures.
func breakerCheck(size int64, p benchParams) protocol.Check {
	state := "closed"
	var failures []int64
	var opened, succeeded, ran, changes int64
	for t := range size {
		if state == "open" && t >= opened+p.OpenMs {
			state, succeeded, changes = "half-open", 0, changes+1
		}
		if state == "open" {
			continue
		}
		ran++
		failed := t%10 < 3
		switch {
		case state == "closed" && failed:
			failures = append(failures, t)
			inside := 0
			for _, f := range failures {
				if t-f < p.WindowMs {
					inside++
				}
			}
			if int64(inside) >= p.FailureThreshold {
				state, opened, changes = "open", t, changes+1
			}
		case state == "half-open" && failed:
			state, opened, changes = "open", t, changes+1
		case state == "half-open":
			if succeeded++; succeeded == p.HalfOpenProbes {
				state, failures, changes = "closed", nil, changes+1
			}
		}
	}
	return protocol.Check{"count": size, "ran": ran, "changes": changes}
}
