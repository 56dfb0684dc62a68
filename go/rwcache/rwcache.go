// Package rwcache is a read-heavy cache: a map behind a reader-writer lock, so that readers
// share it and a writer has it alone, and a missing key computed once, outside the lock,
// however many goroutines miss it at the same moment.
//
// In production, reach for golang.org/x/sync/singleflight, as here, for the one compute per key,
// in front of the map that suits the reads: a map behind a sync.RWMutex like this one, a
// sync.Map when keys are written once and read many times (the case its documentation names),
// or a cache library with eviction and expiry, such as github.com/dgraph-io/ristretto or
// github.com/maypok86/otter, when the keys do not all fit.
package rwcache

import (
	"context"
	"fmt"
	"maps"
	"sync"

	"golang.org/x/sync/singleflight"
)

// Key is what a Cache is keyed by: an integer or a string, because singleflight names a flight
// by a string and fmt.Sprint tells apart any two keys of these kinds.
type Key interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr | ~string
}

// --8<-- [start:rwlock-cache]

// Cache maps keys to values for many goroutines at once. Its zero value is not usable: call New.
type Cache[K Key, V any] struct {
	// mu guards values: readers share it, a writer has it alone. sync.RWMutex also keeps a
	// writer from starving: once a Lock is waiting, new RLocks wait behind it, so a stream of
	// readers that always overlap cannot keep a writer out for ever.
	mu     sync.RWMutex
	values map[K]V
	// flights is the compute in progress per key, shared by every goroutine that misses it.
	// It has a lock of its own, and no compute runs under either.
	flights singleflight.Group
}

// New returns an empty cache.
func New[K Key, V any]() *Cache[K, V] {
	return &Cache[K, V]{values: make(map[K]V)}
}

// Get returns the value of key, and whether there is one.
func (c *Cache[K, V]) Get(ctx context.Context, key K) (V, bool) {
	t := traceOf(ctx)
	c.rlock(t)
	defer c.runlock(t)
	v, ok := c.values[key]
	return v, ok
}

// Set stores value under key.
func (c *Cache[K, V]) Set(ctx context.Context, key K, value V) {
	t := traceOf(ctx)
	c.lock(t)
	defer c.unlock(t)
	c.values[key] = value
}

// GetOrCompute returns the value of key, computing it with compute if there is none. Every
// goroutine that misses key while a compute of it runs waits for that one compute, and all of
// them return what the cache holds once it is stored. A failed compute stores nothing, and the
// next miss computes again.
//
// When ctx is done, this caller stops waiting and returns ctx's error, but the compute goes on
// for the others and still fills the cache: it gets a context that is never cancelled.
func (c *Cache[K, V]) GetOrCompute(ctx context.Context, key K, compute func(context.Context) (V, error)) (V, error) {
	if v, ok := c.Get(ctx, key); ok {
		return v, nil
	}
	flight := c.flights.DoChan(fmt.Sprint(key), func() (any, error) {
		// Look again: a compute that ended between the miss above and this flight stored its
		// value before it left the group, and the key must not be computed twice.
		if v, ok := c.Get(ctx, key); ok {
			return v, nil
		}
		// Outside any lock: gets, sets and the misses of other keys go on meanwhile.
		v, err := compute(context.WithoutCancel(ctx))
		if err != nil {
			return v, err
		}
		return c.storeIfAbsent(ctx, key, v), nil
	})
	select {
	case r := <-flight:
		return r.Val.(V), r.Err
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}

// storeIfAbsent stores v under key unless the key has a value, and returns the value it holds.
func (c *Cache[K, V]) storeIfAbsent(ctx context.Context, key K, v V) V {
	t := traceOf(ctx)
	c.lock(t)
	defer c.unlock(t)
	// A Set that landed while the compute ran came after the miss that started it, so it wins:
	// storing over it would let a Get see the set's value and then an older one, which no
	// serial order of the operations explains.
	if old, ok := c.values[key]; ok {
		return old
	}
	c.values[key] = v
	return v
}

// --8<-- [end:rwlock-cache]

// Snapshot returns a copy of every key and its value.
func (c *Cache[K, V]) Snapshot(ctx context.Context) map[K]V {
	t := traceOf(ctx)
	c.rlock(t)
	defer c.runlock(t)
	return maps.Clone(c.values)
}

// The lock, taken and released with the hooks of the caller's Trace around it.

func (c *Cache[K, V]) rlock(t *Trace) {
	t.lockWait(Read)
	c.mu.RLock()
	t.lockHeld(Read)
}

func (c *Cache[K, V]) runlock(t *Trace) {
	t.lockRelease(Read)
	c.mu.RUnlock()
}

func (c *Cache[K, V]) lock(t *Trace) {
	t.lockWait(Write)
	c.mu.Lock()
	t.lockHeld(Write)
}

func (c *Cache[K, V]) unlock(t *Trace) {
	t.lockRelease(Write)
	c.mu.Unlock()
}
