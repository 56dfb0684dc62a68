"""Concurrency patterns in idiomatic Python, each on asyncio and on threads.

The patterns, each as an asyncio module and its `_threads` counterpart:

- worker pool: `worker_pool`, `worker_pool_threads`;
- fan-out / fan-in (merge and scatter-gather): `fan_in`, `fan_in_threads`;
- read-heavy cache behind a reader-writer lock: `rwlock_cache` (with `rwlock`),
  `rwlock_cache_threads` (with `rwlock_threads`);
- rate limiters: the integer decision cores `token_bucket` and `sliding_window`, shared by the
  live limiters `rate_limit` (asyncio) and `rate_limit_threads`.

`cookbook.work` is the deterministic CPU cost that every language of the cookbook computes bit for
bit; `cookbook.runner` speaks the cookbook's protocol so that a language-neutral harness can check
them.
"""
