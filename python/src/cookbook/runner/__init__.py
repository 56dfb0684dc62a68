"""The cookbook's runner for Python: `python -m cookbook.runner --variant asyncio|threads CMD`.

- `protocol`: requests, answers, skips, repeats and exit codes, for every pattern;
- `fields`: validation with field paths (`jobs[2].cost`);
- `observe`: the in-flight counter and the events that prove concurrency; `queue_stamps`: queues
  that stamp each put and get, for the patterns that hand items through queues;
- `registry`: one table of patterns per variant, with the skips from `cookbook/skips.json`;
- one module per pattern (`worker_pool`): its validator, run and bench functions;
  `operations`: the operations that sleep, then fail or return their id, which the timeout,
  first-completed and error-group cases run, stamped as they run;
- `many_tasks`: the benchmark-only workload, `parallel_pool`: the worker pool's `parallel` mode,
  and `runtime`: the settings `list` reports, for asyncio.
"""
