"""Concurrency patterns in idiomatic Python, each on asyncio and on threads.

`cookbook.worker_pool` and `cookbook.worker_pool_threads` are the patterns; `cookbook.work` is the
deterministic CPU cost that every language of the cookbook computes bit for bit; `cookbook.runner`
speaks the cookbook's protocol so that a language-neutral harness can check them.
"""
