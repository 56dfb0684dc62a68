// Package batching groups items arriving one by one into batches: a batch is flushed when it is
// full or when its first item has waited long enough, whichever comes first, and the batch
// still open is flushed when the stream ends.
//
// Batcher is the decision in exact integer ticks, with time as data, so that every language of
// the cookbook agrees with it to the tick; Batches runs it on the real clock, with a timer armed
// by each batch's first item, so that a source that stalls does not leave a batch waiting for
// an arrival that may never come.
//
// In production there is no standard package for this: the select over the input and a
// time.Timer in Batches is what Go programs write in place, usually inside the client that
// sends the batches.
package batching

import (
	"context"
	"fmt"
	"time"
)

// Reason is why a batch was flushed.
type Reason string

// The reasons a batch is flushed.
const (
	Full Reason = "full" // it reached the most items a batch holds
	Due  Reason = "due"  // its first item had waited the longest an item may wait
	End  Reason = "end"  // the stream ended
)

// Batch is a group of items flushed together: at tick At, for Reason.
type Batch[T any] struct {
	Items  []T
	At     int64
	Reason Reason
}

// --8<-- [start:batching]

// Batcher decides when batches are flushed, on integer ticks that never go back. It is not safe
// for concurrent use: Batches runs one on a single goroutine.
type Batcher[T any] struct {
	maxSize int
	maxWait int64
	items   []T   // the open batch; none is open while it is empty
	due     int64 // when the open batch is due: its first item's arrival plus maxWait
}

// New returns a Batcher of batches of at most maxSize items, each flushed at the latest maxWait
// ticks after its first item arrived. Both must be at least 1.
func New[T any](maxSize int, maxWait int64) *Batcher[T] {
	if maxSize < 1 || maxWait < 1 {
		panic(fmt.Sprintf("batching: maxSize and maxWait must be at least 1, got %d and %d", maxSize, maxWait))
	}
	return &Batcher[T]{maxSize: maxSize, maxWait: maxWait}
}

// Due returns when the open batch is due, and whether a batch is open.
func (b *Batcher[T]) Due() (at int64, open bool) {
	return b.due, len(b.items) > 0
}

// Expire flushes the open batch if it is due at now, at its due time, however late now is.
// Call it first at every instant something happens: at one instant, a batch that is due goes
// out before an item arriving then is added.
func (b *Batcher[T]) Expire(now int64) (Batch[T], bool) {
	if len(b.items) == 0 || now < b.due {
		return Batch[T]{}, false
	}
	return b.flush(b.due, Due), true
}

// Add adds v, arriving at now, and flushes the batch if that makes it full. The first item of
// a batch opens it and sets its due time. Expire(now) must have been called: Add panics if the
// open batch is due at now, since adding to it would make it late.
func (b *Batcher[T]) Add(now int64, v T) (Batch[T], bool) {
	if len(b.items) == 0 {
		b.due = now + b.maxWait
	} else if now >= b.due {
		panic(fmt.Sprintf("batching: Add at %d to a batch due at %d; call Expire first", now, b.due))
	}
	b.items = append(b.items, v)
	if len(b.items) < b.maxSize {
		return Batch[T]{}, false
	}
	return b.flush(now, Full), true
}

// End flushes the batch still open when the stream ends at now: as due, at its due time, if it
// was due by then.
func (b *Batcher[T]) End(now int64) (Batch[T], bool) {
	if batch, ok := b.Expire(now); ok {
		return batch, true
	}
	if len(b.items) == 0 {
		return Batch[T]{}, false
	}
	return b.flush(now, End), true
}

func (b *Batcher[T]) flush(at int64, why Reason) Batch[T] {
	batch := Batch[T]{Items: b.items, At: at, Reason: why}
	// A new array for the next batch: the one flushed belongs to whoever receives it.
	b.items = nil
	return batch
}

// Batches reads items from in and sends them on the channel it returns, in batches of at most
// maxSize, each sent when it is full, when maxWait has passed since its first item arrived, or
// once in is closed. A batch's At is when it was flushed, in nanoseconds since Batches was
// called. The channel is closed after the last batch, or as soon as ctx is done: read it to the
// end, or cancel ctx, or the goroutine behind it waits forever to hand over a batch.
func Batches[T any](ctx context.Context, in <-chan T, maxSize int, maxWait time.Duration) <-chan Batch[T] {
	b := New[T](maxSize, int64(maxWait))
	// Unbuffered: a batch is handed over when it is flushed, not queued up behind others.
	out := make(chan Batch[T])
	go func() {
		defer close(out)
		origin := time.Now()
		now := func() int64 { return int64(time.Since(origin)) }
		// One timer, pointed at the open batch's due time: it is what flushes a batch whose
		// source has stalled, without waiting for the next item. Since Go 1.23, Stop and
		// Reset leave no stale tick in the channel, so no drain is needed.
		timer := time.NewTimer(maxWait)
		timer.Stop()
		defer timer.Stop()
		armed := false
		// step hands out the batch a decision flushed, if any, and then points the timer at
		// the batch now open, or stops it; false when ctx is done.
		step := func(batch Batch[T], flushed bool) bool {
			if flushed {
				select {
				case out <- batch:
				case <-ctx.Done():
					return false
				}
			}
			due, open := b.Due()
			switch {
			case open && !armed:
				// Rounded up by the timer itself: it never fires before its duration.
				timer.Reset(time.Duration(due - now()))
			case !open && armed:
				timer.Stop()
			}
			armed = open
			return true
		}
		for {
			select {
			case v, ok := <-in:
				t := now()
				if !ok {
					step(b.End(t))
					return
				}
				// The timer may not have fired yet for a batch that is due by now.
				if !step(b.Expire(t)) || !step(b.Add(t, v)) {
					return
				}
			case <-timer.C:
				armed = false
				if !step(b.Expire(now())) {
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// --8<-- [end:batching]
