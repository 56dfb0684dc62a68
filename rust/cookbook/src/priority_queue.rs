//! Workers take the most urgent job waiting, not the oldest: lower priority numbers first, and
//! equal priorities in the order they were pushed. A running job is never preempted. A failed
//! attempt goes back into the queue one step less urgent, behind everything already waiting
//! there, until the job runs out of attempts and is reported failed.
//!
//! # In production
//!
//! Reach for these before this module:
//!
//! - A few fixed levels (high, normal, low): one `tokio::sync::mpsc` channel per level, and
//!   workers that `select!` with `biased;` so the most urgent ready channel always wins.
//! - Durable jobs that must survive a restart: a job queue backed by a database (a Postgres
//!   table read with `FOR UPDATE SKIP LOCKED`, ordered by priority) rather than memory.
//!
//! # The heap and its key
//!
//! `std::collections::BinaryHeap` is a max-heap, so the key is `Reverse((priority, sequence))`:
//! the smallest priority comes out first, and among equal priorities the smallest sequence,
//! which is the push order. Only the key is compared: the job itself needs no `Ord`, and two
//! jobs are never compared, so a tie can never fall through to whatever the job's fields say.
//!
//! # Waiting for work
//!
//! The heap sits behind a std `Mutex`, held only to push or pop, and idle workers wait on a
//! `tokio::sync::Notify`. A worker arms its notification before it looks at the heap, so a
//! push that lands between its look and its wait still wakes it. Workers stop once the
//! submitter is done and every job has ended: a retry can still come from a running attempt,
//! so an empty heap alone is not the end.
//!
//! # Cancellation
//!
//! Dropping the future of [`run`] drops the `JoinSet` that owns the workers and the submitter,
//! which aborts each of them at its next `.await`; the jobs still queued are dropped with it.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::num::{NonZeroU32, NonZeroUsize};
use std::panic::resume_unwind;
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;
use tokio::task::JoinSet;

// --8<-- [start:priority-queue]
/// The attempt a worker is running: its number, from 1, and the priority it was taken at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    /// 1 for the first attempt, 2 for the first retry, and so on.
    pub number: u32,
    /// The priority the job was waiting at: its own, plus one for each failed attempt.
    pub priority: u64,
}

/// How a job ended: its last attempt's result, and how many attempts it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome<J, R, E> {
    /// The job.
    pub job: J,
    /// The attempts it took, the last one included.
    pub attempts: u32,
    /// What the last attempt answered.
    pub result: Result<R, E>,
}

/// Runs the jobs that `submit` pushes, on `workers` workers, most urgent first. Each job gets
/// up to `max_attempts` attempts, each a call of `attempt` with a clone of the job; a failed
/// attempt is pushed back one priority step less urgent. Answers every job's outcome, once
/// `submit` has returned and every job has ended.
pub async fn run<J, R, E, S, SFut, A, AFut>(
    workers: NonZeroUsize,
    max_attempts: NonZeroU32,
    submit: S,
    attempt: A,
) -> Vec<Outcome<J, R, E>>
where
    J: Clone + Send + 'static,
    R: Send + 'static,
    E: Send + 'static,
    S: FnOnce(Submitter<J>) -> SFut,
    SFut: Future<Output = ()> + Send + 'static,
    A: Fn(J, Attempt) -> AFut + Send + Sync + 'static,
    AFut: Future<Output = Result<R, E>> + Send,
{
    let queue = Arc::new(Queue::new());
    let attempt = Arc::new(attempt);
    let mut tasks = JoinSet::new();
    let submitted = submit(Submitter(Arc::clone(&queue)));
    tasks.spawn(async move {
        submitted.await;
        Vec::new()
    });
    for _ in 0..workers.get() {
        let (queue, attempt) = (Arc::clone(&queue), Arc::clone(&attempt));
        tasks.spawn(async move {
            let mut ended = Vec::new();
            while let Some(Waiting { key, job, number }) = queue.pop().await {
                let Reverse((priority, _)) = key;
                let result = attempt(job.clone(), Attempt { number, priority }).await;
                match result {
                    // Behind everything already waiting at the new priority: a new sequence.
                    Err(_) if number < max_attempts.get() => {
                        queue.push(priority.saturating_add(1), job, number + 1);
                    }
                    result => {
                        ended.push(Outcome {
                            job,
                            attempts: number,
                            result,
                        });
                        queue.job_ended();
                    }
                }
            }
            ended
        });
    }
    // Nothing aborts these tasks while they are joined, so an error is a panic: raised again.
    let mut outcomes = Vec::new();
    while let Some(ended) = tasks.join_next().await {
        outcomes.extend(ended.unwrap_or_else(|error| resume_unwind(error.into_panic())));
    }
    outcomes
}

/// Pushes jobs into the queue of [`run`]; the submitter is done when this is dropped.
pub struct Submitter<J>(Arc<Queue<J>>);

impl<J> Submitter<J> {
    /// Pushes `job` at `priority`: lower is more urgent.
    pub fn push(&self, priority: u64, job: J) {
        self.0.state().unfinished += 1;
        self.0.push(priority, job, 1);
    }
}

impl<J> Drop for Submitter<J> {
    fn drop(&mut self) {
        let mut state = self.0.state();
        state.submitting = false;
        if state.unfinished == 0 {
            // No job will ever come: every idle worker stops.
            self.0.changed.notify_waiters();
        }
    }
}

/// A job waiting in the heap, for its next attempt.
struct Waiting<J> {
    key: Reverse<(u64, u64)>,
    job: J,
    number: u32,
}

// The heap orders entries by their key alone: the job is never compared.
impl<J> Ord for Waiting<J> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}

impl<J> PartialOrd for Waiting<J> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<J> PartialEq for Waiting<J> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl<J> Eq for Waiting<J> {}

struct Queue<J> {
    /// A std `Mutex`, not tokio's: it is held to push or pop, never across an `.await`.
    state: Mutex<State<J>>,
    /// Wakes idle workers: one per push, all of them at the end.
    changed: Notify,
}

struct State<J> {
    heap: BinaryHeap<Waiting<J>>,
    /// The next push's sequence number: the tie-break between equal priorities.
    pushes: u64,
    submitting: bool,
    /// Jobs pushed that have not ended: waiting, or in the middle of an attempt.
    unfinished: usize,
}

impl<J> Queue<J> {
    fn new() -> Self {
        Self {
            state: Mutex::new(State {
                heap: BinaryHeap::new(),
                pushes: 0,
                submitting: true,
                unfinished: 0,
            }),
            changed: Notify::new(),
        }
    }

    fn push(&self, priority: u64, job: J, number: u32) {
        let mut state = self.state();
        let key = Reverse((priority, state.pushes));
        state.pushes += 1;
        state.heap.push(Waiting { key, job, number });
        self.changed.notify_one();
    }

    /// The most urgent job waiting, waiting for one if need be; `None` once the submitter is
    /// done and every job has ended.
    async fn pop(&self) -> Option<Waiting<J>> {
        loop {
            // Armed before the heap is read: a push after the read wakes this worker.
            let mut changed = pin!(self.changed.notified());
            changed.as_mut().enable();
            {
                let mut state = self.state();
                if let Some(next) = state.heap.pop() {
                    return Some(next);
                }
                if !state.submitting && state.unfinished == 0 {
                    return None;
                }
            }
            changed.await;
        }
    }

    fn job_ended(&self) {
        let mut state = self.state();
        state.unfinished -= 1;
        if !state.submitting && state.unfinished == 0 {
            self.changed.notify_waiters();
        }
    }

    fn state(&self) -> MutexGuard<'_, State<J>> {
        // Poisoned only by a panic while the heap was pushed or popped: it is still a heap.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
// --8<-- [end:priority-queue]
