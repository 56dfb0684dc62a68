//! The priority queue on tokio's paused clock (see `common`).

#![allow(clippy::expect_used, reason = "a test fails by panicking")]

mod common;

use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cookbook::priority_queue::{self, Attempt, Outcome, Submitter};
use tokio::time::{Instant, sleep, timeout};

use crate::common::{InFlight, TICK, nonzero};

/// A job with no `Ord`: the queue could not compare two of them if it tried.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Job {
    name: &'static str,
    ticks: u32,
    /// Its first `fails` attempts fail.
    fails: u32,
}

fn job(name: &'static str, ticks: u32) -> Job {
    Job {
        name,
        ticks,
        fails: 0,
    }
}

/// `(arrive after the previous, priority, job)`.
type Arrivals = Vec<(u32, u64, Job)>;

/// Runs `arrivals` on `workers` workers with `max_attempts`; answers the outcomes, sorted by
/// name, and the name of every attempt in the order they started, with its priority.
async fn run(
    workers: usize,
    max_attempts: u32,
    arrivals: Arrivals,
) -> (Vec<Outcome<Job, (), ()>>, Vec<(&'static str, u64)>) {
    let started = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&started);
    let submit = move |queue: Submitter<Job>| async move {
        for (after, priority, job) in arrivals {
            sleep(TICK * after).await;
            queue.push(priority, job);
        }
    };
    let attempt = move |job: Job, attempt: Attempt| {
        let log = Arc::clone(&log);
        async move {
            log.lock()
                .expect("not poisoned")
                .push((job.name, attempt.priority));
            sleep(TICK * job.ticks).await;
            if attempt.number <= job.fails {
                Err(())
            } else {
                Ok(())
            }
        }
    };
    let max_attempts = NonZeroU32::new(max_attempts).expect("not zero");
    let mut done = priority_queue::run(nonzero(workers), max_attempts, submit, attempt).await;
    done.sort_by_key(|outcome| outcome.job.name);
    let started = started.lock().expect("not poisoned").clone();
    (done, started)
}

fn names(started: &[(&'static str, u64)]) -> Vec<&'static str> {
    started.iter().map(|&(name, _)| name).collect()
}

#[tokio::test(start_paused = true)]
async fn an_urgent_job_jumps_the_line_of_jobs_waiting() {
    // `busy` holds the one worker while the others arrive; `urgent` arrives last.
    let arrivals = vec![
        (0, 5, job("busy", 10)),
        (1, 5, job("first", 1)),
        (1, 5, job("second", 1)),
        (1, 1, job("urgent", 1)),
    ];
    let (_, started) = run(1, 1, arrivals).await;
    assert_eq!(names(&started), ["busy", "urgent", "first", "second"]);
}

#[tokio::test(start_paused = true)]
async fn equal_priorities_start_in_the_order_they_were_pushed() {
    // Names in no alphabetical order: a tie broken by comparing jobs would sort them.
    let mut arrivals = vec![(0, 0, job("busy", 10))];
    for name in ["m", "c", "x", "a", "q"] {
        arrivals.push((1, 2, job(name, 1)));
    }
    let (_, started) = run(1, 1, arrivals).await;
    assert_eq!(names(&started), ["busy", "m", "c", "x", "a", "q"]);
}

#[tokio::test(start_paused = true)]
async fn a_running_job_is_never_preempted() {
    let in_flight = Arc::new(InFlight::default());
    let counter = Arc::clone(&in_flight);
    let start = Instant::now();
    let submit = |queue: Submitter<(u64, u32)>| async move {
        queue.push(9, (9, 8));
        sleep(2 * TICK).await;
        queue.push(0, (0, 1));
    };
    let done = priority_queue::run(
        nonzero(1),
        NonZeroU32::MIN,
        submit,
        move |(id, ticks), _| {
            let counter = Arc::clone(&counter);
            async move {
                counter.hold(TICK * ticks).await;
                Ok::<_, ()>(id)
            }
        },
    )
    .await;
    // The urgent job waits for the running one: 8 ticks, then its own.
    assert_eq!(start.elapsed(), 9 * TICK);
    assert_eq!(in_flight.max(), 1);
    assert_eq!(done.len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_failed_attempt_goes_behind_the_jobs_waiting_at_its_new_priority() {
    let failing = Job {
        fails: 1,
        ..job("failing", 6)
    };
    let arrivals = vec![
        (0, 1, failing),
        (1, 2, job("waiting-at-2", 1)),
        (1, 1, job("waiting-at-1", 1)),
    ];
    let (done, started) = run(1, 3, arrivals).await;
    // The retry is at priority 2, pushed after `waiting-at-2`: it comes last.
    assert_eq!(
        started,
        [
            ("failing", 1),
            ("waiting-at-1", 1),
            ("waiting-at-2", 2),
            ("failing", 2)
        ]
    );
    assert_eq!(done[0].attempts, 2, "{:?}", done[0]);
    assert_eq!(done[0].result, Ok(()));
}

#[tokio::test(start_paused = true)]
async fn a_job_that_keeps_failing_ends_after_its_last_attempt() {
    let hopeless = Job {
        fails: 100,
        ..job("hopeless", 1)
    };
    let (done, started) = run(1, 3, vec![(0, 0, hopeless.clone())]).await;
    assert_eq!(
        done,
        [Outcome {
            job: hopeless.clone(),
            attempts: 3,
            result: Err(())
        }]
    );
    assert_eq!(started, [("hopeless", 0), ("hopeless", 1), ("hopeless", 2)]);
    // One attempt means no retry at all.
    let (done, started) = run(1, 1, vec![(0, 0, hopeless)]).await;
    assert_eq!((done[0].attempts, started.len()), (1, 1));
}

#[tokio::test(start_paused = true)]
async fn a_retry_keeps_the_workers_going_after_the_queue_ran_dry() {
    // The only job fails after 5 ticks: the heap is empty all that time, and the submitter is
    // long done, but its retry is still to come.
    let flaky = Job {
        fails: 1,
        ..job("flaky", 5)
    };
    let (done, started) = run(3, 2, vec![(0, 0, flaky)]).await;
    assert_eq!(names(&started), ["flaky", "flaky"]);
    assert_eq!((done[0].attempts, done[0].result), (2, Ok(())));
}

#[tokio::test(start_paused = true)]
async fn idle_workers_wait_for_a_late_job_and_stop_when_there_is_none() {
    let (done, _) = run(2, 1, vec![(0, 0, job("early", 1)), (10, 0, job("late", 1))]).await;
    assert_eq!(done.len(), 2, "a worker stopped at the first empty queue");
    // No job at all: every worker stops once the submitter is done.
    let none = timeout(Duration::from_secs(1), run(4, 1, Vec::new())).await;
    assert_eq!(none.expect("the workers stopped").0, []);
}

#[tokio::test(start_paused = true)]
async fn no_more_attempts_run_at_once_than_there_are_workers() {
    let in_flight = Arc::new(InFlight::default());
    let counter = Arc::clone(&in_flight);
    let start = Instant::now();
    let submit = |queue: Submitter<u64>| async move {
        for id in 0..10 {
            queue.push(id % 3, id);
        }
    };
    let done = priority_queue::run(nonzero(3), NonZeroU32::MIN, submit, move |id, _| {
        let counter = Arc::clone(&counter);
        async move {
            counter.hold(TICK).await;
            Ok::<_, ()>(id)
        }
    })
    .await;
    assert_eq!(done.len(), 10);
    // Rounds of 3, 3, 3 and 1.
    assert_eq!((start.elapsed(), in_flight.max()), (4 * TICK, 3));
}
