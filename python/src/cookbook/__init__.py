"""Concurrency patterns in idiomatic Python, on asyncio and, where that is the idiom, on threads.

The patterns, each as an asyncio module and, where threads are its idiom, a `_threads`
counterpart:

- worker pool: `worker_pool`, `worker_pool_threads`;
- fan-out / fan-in (merge and scatter-gather): `fan_in`, `fan_in_threads`;
- read-heavy cache behind a reader-writer lock: `rwlock_cache` (with `rwlock`),
  `rwlock_cache_threads` (with `rwlock_threads`);
- rate limiters: the integer decision cores `token_bucket` and `sliding_window`, shared by the
  live limiters `rate_limit` (asyncio) and `rate_limit_threads`;
- queues: `producer_consumer` and `producer_consumer_threads`, `priority_queue` and
  `priority_queue_threads`;
- streams, on asyncio alone (their idiom is the event loop's): `pipeline`, `batching` (with its
  integer decision core), `pub_sub`;
- time and failure, on asyncio alone (cancellation is their subject, and only a task can be
  cancelled where it waits): `timeout`, `first_completed` (race, any and hedge), `error_group`.

`cookbook.work` is the deterministic CPU cost that every language of the cookbook computes bit for
bit; `cookbook.runner` speaks the cookbook's protocol so that a language-neutral harness can check
them.
"""
