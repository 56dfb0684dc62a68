//! `PoolRecorder`: what the workers of one `WorkerPool.map` call did, as the contract observes
//! it: one event per job, taken inside the worker's slot, and the in-flight count, which only
//! code running in the pool can see.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

use super::clock::{Clock, Log};

/// Records one `map` call: pass it as `WorkerPool.map(..., observer=recorder)`, then read
/// `observation()`.
#[pyclass(module = "cookbook_rs.observed", frozen)]
#[derive(Debug, Default)]
pub(crate) struct PoolRecorder {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
enum State {
    #[default]
    Unused,
    Recording,
    Done(PoolObservation),
}

#[pymethods]
impl PoolRecorder {
    #[new]
    fn new() -> Self {
        Self::default()
    }

    /// What the call observed, once it has returned.
    fn observation(&self) -> PyResult<PoolObservation> {
        match &*self.state() {
            State::Done(observation) => Ok(observation.clone()),
            _ => Err(PyRuntimeError::new_err(
                "the PoolRecorder has recorded no map call: pass it to WorkerPool.map first",
            )),
        }
    }
}

impl PoolRecorder {
    /// Starts the measured region of a call, just before its first job is handed out.
    pub(crate) fn start(&self) -> PyResult<Arc<Recorder>> {
        let mut state = self.state();
        if !matches!(*state, State::Unused) {
            return Err(PyRuntimeError::new_err(
                "a PoolRecorder records one map call: make a new one for each",
            ));
        }
        *state = State::Recording;
        Ok(Arc::new(Recorder::start()))
    }

    /// Ends the measured region, just after the last result is in.
    pub(crate) fn finish(&self, recorder: &Recorder) {
        *self.state() = State::Done(recorder.finish());
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // Poisoned only by a panic while the state was set; it is whole either way.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One job's run, in nanoseconds since the start of the measured region.
#[pyclass(module = "cookbook_rs.observed", frozen, get_all)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Event {
    /// The job's position in the jobs given to `map`.
    index: usize,
    /// Taken once the job holds its worker.
    start_ns: u64,
    /// Taken before the worker moves on.
    end_ns: u64,
}

/// What a recorded call saw: the length of the measured region, the highest number of jobs in
/// flight, and one event per job in the order they ended.
#[pyclass(module = "cookbook_rs.observed", frozen, get_all)]
#[derive(Debug, Clone)]
pub(crate) struct PoolObservation {
    elapsed_ns: u64,
    max_in_flight: u64,
    events: Vec<Event>,
}

/// Records events and counts jobs in flight; shared by every worker of a call.
#[derive(Debug)]
pub(crate) struct Recorder {
    clock: Clock,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
    events: Log<Event>,
}

impl Recorder {
    fn start() -> Self {
        Self {
            clock: Clock::start(),
            in_flight: AtomicU64::new(0),
            max_in_flight: AtomicU64::new(0),
            events: Log::default(),
        }
    }

    /// Runs `job`, the job at `index`, counted in flight from its start to its end.
    ///
    /// Relaxed ordering is enough: each counter is only read-modify-written, and every such
    /// operation sees the latest value, so the count is exact; ordering one job's end before
    /// the next one's start is the pool's hand-off, not the recorder's.
    pub(crate) async fn observe<T>(&self, index: usize, job: impl Future<Output = T>) -> T {
        let now = self.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        self.max_in_flight.fetch_max(now, Ordering::Relaxed);
        let _running = Running {
            recorder: self,
            index,
            start_ns: self.clock.now_ns(),
        };
        job.await
    }

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
    index: usize,
    start_ns: u64,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let recorder = self.recorder;
        let end_ns = recorder.clock.now_ns();
        recorder.in_flight.fetch_sub(1, Ordering::Relaxed);
        recorder.events.push(Event {
            index: self.index,
            start_ns: self.start_ns,
            end_ns,
        });
    }
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroUsize;
    use std::time::Duration;

    use cookbook::worker_pool;

    use super::*;

    async fn observe(workers: usize, jobs: usize, sleep: Duration) -> PoolObservation {
        let recorder = Arc::new(Recorder::start());
        let observed = {
            let recorder = Arc::clone(&recorder);
            move |index: usize| {
                let recorder = Arc::clone(&recorder);
                async move { recorder.observe(index, tokio::time::sleep(sleep)).await }
            }
        };
        let workers = NonZeroUsize::new(workers).expect("not zero");
        worker_pool::run(workers, 0..jobs, observed).await;
        recorder.finish()
    }

    #[tokio::test(start_paused = true)]
    async fn the_observation_counts_every_job_once_within_the_bound() {
        let observed = observe(3, 7, Duration::from_millis(20)).await;
        // Sleeping jobs fill every worker, and never more.
        assert_eq!(observed.max_in_flight, 3);
        let mut indexes: Vec<usize> = observed.events.iter().map(|event| event.index).collect();
        indexes.sort_unstable();
        assert_eq!(indexes, (0..7).collect::<Vec<_>>());
        for event in &observed.events {
            assert!(event.start_ns <= event.end_ns && event.end_ns <= observed.elapsed_ns);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn no_jobs_is_an_empty_run() {
        let observed = observe(4, 0, Duration::ZERO).await;
        assert!(observed.events.is_empty());
        assert_eq!(observed.max_in_flight, 0);
    }

    #[test]
    fn a_recorder_records_one_call() {
        let recorder = PoolRecorder::new();
        let started = recorder.start().expect("unused");
        assert!(recorder.start().is_err());
        recorder.finish(&started);
        assert!(recorder.start().is_err());
    }
}
