//! The priority-queue pattern (`docs/patterns/priority-queue.md`): a submitter that pushes each
//! job at its arrival time, and the attempt the contract defines, run by
//! `cookbook::priority_queue`, with every attempt stamped.

use std::num::{NonZeroU32, NonZeroUsize};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cookbook::priority_queue::{self, Attempt, Outcome, Submitter};
use cookbook::work::{hex, work};
use serde::Serialize;
use serde_json::{Value, json};

use super::{Benchmark, BoxFuture, Measured, Ran, Run};
use crate::observe::{Clock, Log};
use crate::validate::{COST, FieldError, Object, Path, SLEEP_MS, each_with_unique_id, not_before};

const MAX_WORKERS: u32 = 1_000;
const MAX_ATTEMPTS: u32 = 100;
const MAX_PRIORITY: u64 = 1_000_000;

/// One job, as the contract defines it.
#[derive(Debug, Clone, Copy)]
struct Job {
    id: u64,
    priority: u64,
    arrive_ms: u64,
    cost: u64,
    sleep_ms: u64,
    fail_attempts: u64,
}

/// An attempt that was asked to fail.
#[derive(Debug, Clone, Copy)]
struct Failed;

/// Sleeps, computes `work(id, cost)`, and fails while the attempt's number is at most
/// `failAttempts`.
async fn attempt(job: Job, attempt: Attempt) -> Result<u64, Failed> {
    if job.sleep_ms > 0 {
        tokio::time::sleep(Duration::from_millis(job.sleep_ms)).await;
    }
    let value = work(job.id, job.cost);
    if u64::from(attempt.number) <= job.fail_attempts {
        Err(Failed)
    } else {
        Ok(value)
    }
}

struct Input {
    workers: NonZeroUsize,
    max_attempts: NonZeroU32,
    jobs: Vec<Job>,
}

/// Validates in the documented order: `workers`, `maxAttempts`, `jobs`, each job (itself, `id`,
/// a duplicate `id`, `priority`, `arriveMs`, a decreasing `arriveMs`, `cost`, `sleepMs`,
/// `failAttempts`).
fn validate(input: &Value) -> Result<Input, FieldError> {
    let root = Path::Input;
    let input = Object::new(root, input)?;
    let workers = input.required_count("workers", MAX_WORKERS)?;
    let max_attempts = input.required_positive("maxAttempts", u64::from(MAX_ATTEMPTS))?;
    // At most 100: always a `u32`.
    let max_attempts = NonZeroU32::try_from(max_attempts).unwrap_or(NonZeroU32::MAX);
    let listed = input.required_array("jobs")?;
    let mut jobs: Vec<Job> = Vec::with_capacity(listed.len());
    each_with_unique_id(root.key("jobs"), listed, |_, job, id| {
        let priority = job.required_int("priority", 0..=MAX_PRIORITY)?;
        let previous = jobs.last().map_or(0, |last| last.arrive_ms);
        let arrive_ms = job.optional_int("arriveMs", SLEEP_MS, 0)?;
        let arrive_ms = not_before(job.path("arriveMs"), previous, arrive_ms)?;
        jobs.push(Job {
            id,
            priority,
            arrive_ms,
            cost: job.optional_int("cost", COST, 0)?,
            sleep_ms: job.optional_int("sleepMs", SLEEP_MS, 0)?,
            fail_attempts: job.optional_int("failAttempts", 0..=u64::from(MAX_ATTEMPTS), 0)?,
        });
        Ok(())
    })?;
    Ok(Input {
        workers,
        max_attempts,
        jobs,
    })
}

/// One attempt, as the contract observes it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    id: u64,
    attempt: u32,
    priority: u64,
    start_ns: u64,
    end_ns: u64,
}

/// A job's answer.
fn outcome(done: &Outcome<Job, u64, Failed>) -> Value {
    let (id, attempts) = (done.job.id, done.attempts);
    if let Ok(value) = done.result {
        json!({ "id": id, "value": hex(value), "attempts": attempts })
    } else {
        let plural = if attempts == 1 { "" } else { "s" };
        let error = format!("job {id} failed after {attempts} attempt{plural}");
        json!({ "id": id, "error": error, "attempts": attempts })
    }
}

/// Validates a case and returns its observed run.
pub(super) fn run(input: &Value) -> Result<Run, FieldError> {
    let Input {
        workers,
        max_attempts,
        jobs,
    } = validate(input)?;
    Ok(Box::pin(async move {
        let clock = Clock::start();
        let start = tokio::time::Instant::now();
        let attempts = Arc::new(Log::default());
        // One submitter pushes each job at its arrival time, in input order.
        let submit = move |queue: Submitter<Job>| async move {
            for job in jobs {
                tokio::time::sleep_until(start + Duration::from_millis(job.arrive_ms)).await;
                queue.push(job.priority, job);
            }
        };
        let log = Arc::clone(&attempts);
        let observed_attempt = move |job: Job, taken: Attempt| {
            let log = Arc::clone(&log);
            async move {
                let start_ns = clock.now_ns();
                let result = attempt(job, taken).await;
                log.push(Record {
                    id: job.id,
                    attempt: taken.number,
                    priority: taken.priority,
                    start_ns,
                    end_ns: clock.now_ns(),
                });
                result
            }
        };
        let done = priority_queue::run(workers, max_attempts, submit, observed_attempt).await;
        let elapsed_ns = clock.now_ns();
        let mut attempts = attempts.take();
        // A stable sort: the log's order breaks ties, which one worker never makes.
        attempts.sort_by_key(|record| record.start_ns);
        let started: Vec<u64> = attempts.iter().map(|record| record.id).collect();
        let results: Vec<Value> = done.iter().map(outcome).collect();
        Ran::new(
            &json!({ "results": results, "started": started }),
            &json!({ "elapsedNs": elapsed_ns, "attempts": attempts }),
        )
    }))
}

/// `size` jobs with ids `0 .. size - 1` at priority `(id * 7919) mod 100`, all pushed at once,
/// each of `params.cost` with no sleeps or failures, one attempt each, on `params.workers`
/// workers. Validates `workers`, `cost`.
pub(super) fn bench(size: u64, params: &Object<'_>) -> Result<Box<dyn Benchmark>, FieldError> {
    let workers = params.required_count("workers", MAX_WORKERS)?;
    let cost = params.required_int("cost", COST)?;
    Ok(Box::new(Bench {
        size,
        workers,
        cost,
    }))
}

struct Bench {
    size: u64,
    workers: NonZeroUsize,
    cost: u64,
}

impl Benchmark for Bench {
    fn measure(&self) -> BoxFuture<'_, Result<Measured, String>> {
        Box::pin(async move {
            let (size, cost) = (self.size, self.cost);
            let submit = move |queue: Submitter<u64>| async move {
                for id in 0..size {
                    queue.push(id.wrapping_mul(7919) % 100, id);
                }
            };
            let start = Instant::now();
            // The bare attempt, unobserved: the benchmark times the queue, not a log.
            let compute = move |id, _| async move { Ok::<_, ()>(work(id, cost)) };
            let done = priority_queue::run(self.workers, NonZeroU32::MIN, submit, compute).await;
            let elapsed = start.elapsed();
            let values = done.into_iter().map(|done| match done.result {
                Ok(value) => (done.job, value),
                // No job fails: an id past the range makes the check say so.
                Err(()) => (u64::MAX, 0),
            });
            let check = super::xor_check(values, size)?;
            Ok(Measured {
                elapsed,
                launch: None,
                check,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::bench_check;

    #[test]
    fn the_bench_answers_the_count_and_the_xor_of_the_values() {
        let params = json!({ "workers": 3, "cost": 10 });
        let check = bench_check(bench, 50, &params);
        let digest = (0..50).fold(0, |digest, id| digest ^ work(id, 10));
        assert_eq!(check, json!({ "count": 50, "digest": hex(digest) }));
    }
}
