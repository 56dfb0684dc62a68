//! The error-group pattern (`docs/patterns/error-group.md`): a tree of groups whose leaves
//! sleep and fail or succeed, each group run by `cookbook::error_group`, every task stamped from
//! its first poll to its end.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Instant;

use cookbook::cancel::{self, Cancelled};
use cookbook::error_group::{self, Policy};
use cookbook::work::hex;
use serde::Serialize;
use serde_json::{Value, json};

use super::operations::{Failed, Noun, Operation, Outcome, Runs, Stopped};
use super::{Benchmark, BoxFuture, Measured, Ran, Run, xor_check};
use crate::observe::Log;
use crate::validate::{FieldError, Object, Path, SAFE_INTEGER, Unique};

const MAX_LIMIT: u64 = 1_000;

const POLICIES: &[(&str, Policy)] = &[
    ("fail-fast", Policy::FailFast),
    ("collect-all", Policy::CollectAll),
];

/// A group as the contract defines it.
#[derive(Debug)]
struct Group {
    policy: Policy,
    limit: Option<NonZeroUsize>,
    tasks: Vec<Task>,
}

#[derive(Debug)]
struct Task {
    id: u64,
    work: Work,
}

#[derive(Debug)]
enum Work {
    Leaf(Operation),
    Group(Group),
}

/// Where each task of the tree was read, in the order they were read: enough to name its path
/// when a later task repeats its id, with no path text built for valid input.
#[derive(Debug, Default)]
struct Places {
    /// The group task the task belongs to (`None` at the top), and its index there.
    places: Vec<(Option<usize>, usize)>,
}

impl Places {
    fn path(&self, place: usize) -> String {
        let (parent, index) = self.places[place];
        match parent {
            None => format!("tasks[{index}]"),
            Some(parent) => format!("{}.group.tasks[{index}]", self.path(parent)),
        }
    }
}

/// Reads a group in the documented order: `policy`, `limit`, `tasks`, then each task (itself,
/// `id`, an `id` already used anywhere in the tree, then its `group`, or else `sleepMs` and
/// `fail`). `parent` is the group task it belongs to, `None` at the top.
fn group(
    input: &Object<'_>,
    parent: Option<usize>,
    ids: &mut Unique<usize>,
    places: &mut Places,
) -> Result<Group, FieldError> {
    let policy = input.required_choice("policy", POLICIES)?;
    let limit = input
        .maybe_int("limit", 1..=MAX_LIMIT)?
        .and_then(|limit| usize::try_from(limit).ok())
        .and_then(NonZeroUsize::new);
    let path = input.path("tasks");
    let listed = input.required_array("tasks")?;
    let mut tasks = Vec::with_capacity(listed.len());
    for (index, element) in listed.iter().enumerate() {
        let element = Object::new(path.index(index), element)?;
        let id = element.required_int("id", SAFE_INTEGER)?;
        let place = places.places.len();
        ids.insert(element.path("id"), id, place, |first| places.path(first))?;
        places.places.push((parent, index));
        let work = match element.optional_object("group")? {
            Some(inner) => Work::Group(group(&inner, Some(place), ids, places)?),
            None => Work::Leaf(Operation::read(id, &element)?),
        };
        tasks.push(Task { id, work });
    }
    Ok(Group {
        policy,
        limit,
        tasks,
    })
}

fn validate(input: &Value) -> Result<Group, FieldError> {
    let input = Object::new(Path::Input, input)?;
    group(
        &input,
        None,
        &mut Unique::with_capacity(0),
        &mut Places::default(),
    )
}

/// Why a task did not succeed: its own failure, or that of the inner group it ran (the leaf
/// that failed first there), or its group's cancellation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Failed(Failed),
    Cancelled,
}

impl Stop {
    fn outcome<T>(result: &Result<T, Self>) -> Outcome {
        match result {
            Ok(_) => Outcome::Ok,
            Err(Self::Failed(_)) => Outcome::Failed,
            Err(Self::Cancelled) => Outcome::Cancelled,
        }
    }
}

/// The records of one run: every task's stamps, and the error of every task that failed.
#[derive(Debug)]
struct Probe {
    runs: Runs,
    failures: Log<(u64, Failed)>,
}

/// Runs `group` under `parent`, each task observed by `probe`: the group's first failure if it
/// is a fail-fast group that failed.
async fn run_group(group: Group, probe: &Arc<Probe>, parent: &Cancelled) -> Result<(), Stop> {
    let tasks = group.tasks.into_iter().map(|task| start(task, probe));
    error_group::run(group.policy, group.limit, parent, tasks)
        .await
        .map(drop)
}

/// The task as the group starts it, with the group's signal. A leaf sleeps until its end or
/// the signal; a group task runs its inner group under the signal, so that cancelling it
/// cancels the inner group's tasks, and it ends once they have stopped.
fn start(
    task: Task,
    probe: &Arc<Probe>,
) -> impl FnOnce(Cancelled) -> BoxFuture<'static, Result<u64, Stop>> + Send + 'static {
    let probe = Arc::clone(probe);
    move |cancelled| {
        Box::pin(async move {
            let running = probe.runs.begin(task.id);
            let result = match task.work {
                Work::Leaf(operation) => tokio::select! {
                    // A leaf that has ended as the signal comes keeps its result.
                    biased;
                    result = operation.perform(Noun::Task) => result.map_err(Stop::Failed),
                    () = cancelled.cancelled() => Err(Stop::Cancelled),
                },
                Work::Group(group) => {
                    let ended = run_group(group, &probe, &cancelled).await;
                    // Cancelled from outside, the inner group stopped early: whatever its tasks
                    // answered, this task did not run to its end.
                    if cancelled.is_cancelled() {
                        Err(Stop::Cancelled)
                    } else {
                        ended.map(|()| task.id)
                    }
                }
            };
            running.end(Stop::outcome(&result));
            if let Err(Stop::Failed(failed)) = result {
                probe.failures.push((task.id, failed));
            }
            result
        })
    }
}

/// Every task's id, depth first in input order: a group task, then its tasks.
fn depth_first(tasks: &[Task], ids: &mut Vec<u64>) {
    for task in tasks {
        ids.push(task.id);
        if let Work::Group(group) = &task.work {
            depth_first(&group.tasks, ids);
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Observed {
    elapsed_ns: u64,
    /// One per task that started, group tasks included.
    tasks: Vec<Stopped>,
}

/// Validates a case and returns its observed run.
pub(super) fn run(input: &Value) -> Result<Run, FieldError> {
    let root = validate(input)?;
    let mut order = Vec::new();
    depth_first(&root.tasks, &mut order);
    let fail_fast = root.policy == Policy::FailFast;
    Ok(Box::pin(async move {
        let probe = Arc::new(Probe {
            runs: Runs::start(),
            failures: Log::default(),
        });
        // The top group's parent signal: never cancelled while it runs.
        let (cancel, cancelled) = cancel::signal();
        let ended = run_group(root, &probe, &cancelled).await;
        let observed = Observed {
            elapsed_ns: probe.runs.clock.now_ns(),
            tasks: probe.runs.stopped.take(),
        };
        drop(cancel);
        let outcomes: HashMap<u64, Outcome> = observed
            .tasks
            .iter()
            .map(|task| (task.id, task.outcome))
            .collect();
        let failures: HashMap<u64, Failed> = probe.failures.take().into_iter().collect();
        let tasks: Vec<Value> = order
            .iter()
            .map(|&id| match outcomes.get(&id) {
                None => json!({ "id": id, "status": "not-started" }),
                Some(Outcome::Ok) => json!({ "id": id, "status": "ok", "value": hex(id) }),
                Some(Outcome::Failed) => {
                    let error = failures.get(&id).map(Failed::to_string);
                    json!({ "id": id, "status": "failed", "error": error })
                }
                Some(Outcome::Cancelled) => json!({ "id": id, "status": "cancelled" }),
            })
            .collect();
        let mut output = json!({ "tasks": tasks });
        if let (true, Err(Stop::Failed(failed))) = (fail_fast, ended) {
            output["error"] = json!(failed.to_string());
        }
        Ran::new(&output, &observed)
    }))
}

/// One collect-all group of `size` leaves with ids `0 .. size - 1`, no sleep and none
/// failing, at most `params.limit` at once.
pub(super) fn bench(size: u64, params: &Object<'_>) -> Result<Box<dyn Benchmark>, FieldError> {
    let limit = params.required_count("limit", 1_000)?;
    Ok(Box::new(Bench { size, limit }))
}

struct Bench {
    size: u64,
    limit: NonZeroUsize,
}

impl Benchmark for Bench {
    fn measure(&self) -> BoxFuture<'_, Result<Measured, String>> {
        Box::pin(async move {
            // The bare leaves, unobserved, and with nothing to cancel them.
            let tasks = (0..self.size).map(|id| {
                let leaf = Operation::instant(id);
                move |_: Cancelled| leaf.perform(Noun::Task)
            });
            let (_cancel, never) = cancel::signal();
            let start = Instant::now();
            let ended = error_group::run(Policy::CollectAll, Some(self.limit), &never, tasks).await;
            let elapsed = start.elapsed();
            let results = ended.map_err(|failed| failed.to_string())?;
            let done = (0..)
                .zip(results)
                .map(|(id, result)| match result {
                    Some(Ok(value)) => Ok((id, value)),
                    Some(Err(failed)) => Err(failed.to_string()),
                    None => Err(format!("task {id} never started")),
                })
                .collect::<Result<Vec<_>, String>>()?;
            Ok(Measured {
                elapsed,
                launch: None,
                check: xor_check(done, self.size)?,
            })
        })
    }
}
