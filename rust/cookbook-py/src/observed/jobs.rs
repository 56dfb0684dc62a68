//! The contract's jobs on `cookbook::worker_pool`, bare (for the benchmark) or observed (for
//! the spec's cases): one event per job, taken inside the worker's slot, and the in-flight
//! count, which only code running in the pool can see.

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cookbook::work::work;
use cookbook::worker_pool;
use pyo3::prelude::*;

use super::clock::{Clock, Log};

/// One job, as the contract defines it: sleep `sleep_ms` without blocking the worker's
/// runtime, compute `work(id, cost)`, then fail if `fail` is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Job {
    pub(crate) id: u64,
    pub(crate) cost: u64,
    pub(crate) sleep_ms: u64,
    pub(crate) fail: bool,
}

/// A job's id and its value, or `None` for a job that failed.
pub(crate) type Outcome = (u64, Option<u64>);

async fn perform(job: Job) -> Outcome {
    if job.sleep_ms > 0 {
        tokio::time::sleep(Duration::from_millis(job.sleep_ms)).await;
    }
    let value = work(job.id, job.cost);
    (job.id, (!job.fail).then_some(value))
}

/// Runs `jobs` with at most `workers` in flight; the outcomes come in completion order.
pub(crate) async fn run(workers: NonZeroUsize, jobs: Vec<Job>) -> Vec<Outcome> {
    worker_pool::run(workers, jobs, perform).await
}

/// Runs `jobs` like [`run`], recording them.
pub(crate) async fn observe(
    workers: NonZeroUsize,
    jobs: Vec<Job>,
) -> (Vec<Outcome>, PoolObservation) {
    let recorder = Arc::new(Recorder::start());
    // The pool knows nothing of observation: the recorder wraps the job it is given, so the
    // event is taken after the worker took the job and ends before it takes the next one.
    let observed = {
        let recorder = Arc::clone(&recorder);
        move |job: Job| {
            let recorder = Arc::clone(&recorder);
            async move { recorder.observe(job.id, perform(job)).await }
        }
    };
    let outcomes = worker_pool::run(workers, jobs, observed).await;
    (outcomes, recorder.finish())
}

/// One job's run, in nanoseconds since the start of the measured region.
#[pyclass(module = "cookbook_rs.observed", frozen, get_all)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Event {
    /// The job's id.
    id: u64,
    /// Taken once the job holds its worker.
    start_ns: u64,
    /// Taken before the worker moves on.
    end_ns: u64,
}

/// What an observed run saw: the length of the measured region, the highest number of jobs in
/// flight, and one event per job in the order they ended.
#[pyclass(module = "cookbook_rs.observed", frozen, get_all)]
#[derive(Debug, Clone)]
pub(crate) struct PoolObservation {
    elapsed_ns: u64,
    max_in_flight: u64,
    events: Vec<Event>,
}

/// Records events and counts jobs in flight; shared by every worker of a run.
#[derive(Debug)]
struct Recorder {
    clock: Clock,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
    events: Log<Event>,
}

impl Recorder {
    /// Starts the measured region, just before the first job is handed out.
    fn start() -> Self {
        Self {
            clock: Clock::start(),
            in_flight: AtomicU64::new(0),
            max_in_flight: AtomicU64::new(0),
            events: Log::default(),
        }
    }

    /// Runs `job` as job `id`, counted in flight from its start to its end.
    ///
    /// Relaxed ordering is enough: each counter is only read-modify-written, and every such
    /// operation sees the latest value, so the count is exact; ordering one job's end before
    /// the next one's start is the pool's hand-off, not the recorder's.
    async fn observe<T>(&self, id: u64, job: impl Future<Output = T>) -> T {
        let now = self.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        self.max_in_flight.fetch_max(now, Ordering::Relaxed);
        let _running = Running {
            recorder: self,
            id,
            start_ns: self.clock.now_ns(),
        };
        job.await
    }

    /// Ends the measured region, just after the last result is in.
    fn finish(&self) -> PoolObservation {
        PoolObservation {
            elapsed_ns: self.clock.now_ns(),
            max_in_flight: self.max_in_flight.load(Ordering::Relaxed),
            events: self.events.take(),
        }
    }
}

/// A job in flight; dropped when it ends, or when it is cancelled: either way its event ends
/// and the count comes down.
struct Running<'a> {
    recorder: &'a Recorder,
    id: u64,
    start_ns: u64,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let recorder = self.recorder;
        let end_ns = recorder.clock.now_ns();
        recorder.in_flight.fetch_sub(1, Ordering::Relaxed);
        recorder.events.push(Event {
            id: self.id,
            start_ns: self.start_ns,
            end_ns,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jobs(count: u64, sleep_ms: u64) -> Vec<Job> {
        (0..count)
            .map(|id| Job {
                id,
                cost: id,
                sleep_ms,
                fail: id == 3,
            })
            .collect()
    }

    fn workers(n: usize) -> NonZeroUsize {
        NonZeroUsize::new(n).expect("not zero")
    }

    #[tokio::test(start_paused = true)]
    async fn a_job_sleeps_computes_and_fails_if_asked() {
        let mut outcomes = run(workers(2), jobs(5, 10)).await;
        outcomes.sort_unstable();
        let expected: Vec<Outcome> = (0..5)
            .map(|id| (id, (id != 3).then(|| work(id, id))))
            .collect();
        assert_eq!(outcomes, expected);
    }

    #[tokio::test(start_paused = true)]
    async fn the_observation_counts_every_job_once_within_the_bound() {
        let (outcomes, observed) = observe(workers(3), jobs(7, 20)).await;
        assert_eq!(outcomes.len(), 7);
        // Sleeping jobs fill every worker, and never more.
        assert_eq!(observed.max_in_flight, 3);
        let mut ids: Vec<u64> = observed.events.iter().map(|event| event.id).collect();
        ids.sort_unstable();
        assert_eq!(ids, (0..7).collect::<Vec<_>>());
        for event in &observed.events {
            assert!(event.start_ns <= event.end_ns && event.end_ns <= observed.elapsed_ns);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn no_jobs_is_an_empty_run() {
        let (outcomes, observed) = observe(workers(4), Vec::new()).await;
        assert!(outcomes.is_empty() && observed.events.is_empty());
        assert_eq!(observed.max_in_flight, 0);
    }
}
