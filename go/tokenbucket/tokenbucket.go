// Package tokenbucket is a token bucket: it holds up to burst tokens and starts full, tokens
// flow back in continuously at the refill rate, and a request takes one token or is refused.
// Bursts up to the bucket's size go through at once, then requests are admitted at the rate.
//
// In production, reach for golang.org/x/time/rate, whose Limiter is this bucket: its Allow is
// Decide here, and its Reserve and Wait are Reserve with package limiter's Limiter around it.
// It counts tokens in float64; this one counts in exact integers, so that every language of the
// cookbook agrees with it to the last tick.
//
// One token costs every credits and each tick adds tokens credits, so the rate, tokens per
// every ticks, needs neither a division nor a float, and a full bucket holds burst * every
// credits. On the live clock a tick is a nanosecond, and a million tokens of a day each are
// 8.64e19 credits, past an int64: the bucket keeps its credits as whole tokens and the credits
// toward the next one, each of which fits.
package tokenbucket

import (
	"fmt"
	"math/bits"
)

// --8<-- [start:token-bucket]

// Bucket is a token bucket on integer ticks. It is not safe for concurrent use: a live limiter
// decides under its own lock.
type Bucket struct {
	tokens, every, burst int64
	// The credits are whole*every + part, with part in [0, every). whole goes below zero when
	// Reserve admits ahead of the refill: the debt is paid back as the credits come in.
	whole, part int64
	last        int64 // the tick of the last refill
	started     bool  // the bucket starts full at the first request
}

// New returns a full bucket of burst tokens that gains tokens tokens every every ticks. Each
// must be at least 1.
func New(tokens, every, burst int64) *Bucket {
	if tokens < 1 || every < 1 || burst < 1 {
		panic(fmt.Sprintf("tokenbucket: tokens, every and burst must be at least 1, got %d, %d, %d", tokens, every, burst))
	}
	return &Bucket{tokens: tokens, every: every, burst: burst}
}

// refill adds the credits earned since the last refill, up to a full bucket: an idle bucket
// fills up and stops there, it never saves more than a burst.
func (b *Bucket) refill(now int64) {
	if !b.started {
		b.started, b.last, b.whole = true, now, b.burst
		return
	}
	// part + (now - last) * tokens credits, divided into whole tokens and a remainder, in 128
	// bits: a long idle time at a high rate does not fit in 64.
	hi, lo := bits.Mul64(uint64(now-b.last), uint64(b.tokens))
	lo, carry := bits.Add64(lo, uint64(b.part), 0)
	hi += carry
	b.last = now
	// Room is the whole tokens until full. A quotient that needs more than 64 bits (hi >=
	// every) is far more than that.
	room := uint64(b.burst - b.whole)
	if hi >= uint64(b.every) {
		b.whole, b.part = b.burst, 0
		return
	}
	if earned, part := bits.Div64(hi, lo, uint64(b.every)); earned >= room {
		b.whole, b.part = b.burst, 0
	} else {
		b.whole, b.part = b.whole+int64(earned), int64(part)
	}
}

// Decide admits a request arriving at now, taking a token, or refuses it and returns the
// smallest number of ticks after which it would be admitted. A refused request changes
// nothing. now must never go back.
func (b *Bucket) Decide(now int64) (admitted bool, wait int64) {
	b.refill(now)
	if b.whole >= 1 {
		b.whole--
		return true, 0
	}
	return false, b.until(1)
}

// Reserve takes a token for a request arriving at now, even one that is not there yet, and
// returns when the request is admitted: now, or once the refill has paid the debt back.
func (b *Bucket) Reserve(now int64) int64 {
	b.refill(now)
	b.whole--
	if b.whole >= 0 {
		return now
	}
	return now + b.until(0)
}

// until is the number of ticks until the bucket holds n whole tokens, rounded up: a wait
// rounded down would send a caller back too early. (n - whole) * every is at most the tokens
// owed, one per caller waiting, times every: it fits an int64 for any realistic number of
// callers.
func (b *Bucket) until(n int64) int64 {
	short := (n-b.whole)*b.every - b.part
	return (short + b.tokens - 1) / b.tokens
}

// --8<-- [end:token-bucket]
