//! What an observed cache records: every lock a client takes (through the cache's probe, the
//! only code that runs while the lock is held), and every compute, on one clock; and the hold
//! times a case asks for, spent while the lock is held.

use std::time::Duration;

use cookbook::rwlock_cache::{Probe, Section};
use cookbook::work::{hex, work};
use pyo3::prelude::*;

use super::clock::{Clock, Log};

tokio::task_local! {
    /// The client whose call is running. The cache's API knows nothing of clients, so the
    /// probe reads it from the task, as a tracing span carries context to a log line.
    pub(crate) static CLIENT: usize;
}

/// One lock a client took, in nanoseconds since the start of the run.
#[pyclass(module = "cookbook_rs.observed", frozen, get_all)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Lock {
    client: usize,
    /// `"read"` or `"write"`.
    mode: &'static str,
    request_ns: u64,
    /// Read once the lock is held.
    acquired_ns: u64,
    /// Read just before the lock is released.
    released_ns: u64,
}

/// One compute of a missing key.
#[pyclass(module = "cookbook_rs.observed", frozen, get_all)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Compute {
    key: u64,
    start_ns: u64,
    end_ns: u64,
}

/// How long each kind of lock is held, and what a compute costs.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Costs {
    /// A `get` holds the read lock this long.
    pub(crate) read_hold: Duration,
    /// A `set` holds the write lock this long.
    pub(crate) write_hold: Duration,
    /// A compute sleeps this long, then computes `work(key, cost)`.
    pub(crate) compute_sleep: Duration,
    pub(crate) compute_cost: u64,
}

/// The probe of one run: its clock, its costs and what it has seen.
#[derive(Debug)]
pub(crate) struct Watch {
    pub(crate) clock: Clock,
    costs: Costs,
    locks: Log<Lock>,
    computes: Log<Compute>,
}

impl Watch {
    /// Starts the run's clock.
    pub(crate) fn start(costs: Costs) -> Self {
        Self {
            clock: Clock::start(),
            costs,
            locks: Log::default(),
            computes: Log::default(),
        }
    }

    /// Every lock and compute recorded so far.
    pub(crate) fn take(&self) -> (Vec<Lock>, Vec<Compute>) {
        (self.locks.take(), self.computes.take())
    }

    /// Computes `key`'s value as the case says, and records the compute.
    pub(crate) async fn compute(&self, key: u64) -> String {
        let start_ns = self.clock.now_ns();
        if !self.costs.compute_sleep.is_zero() {
            tokio::time::sleep(self.costs.compute_sleep).await;
        }
        let value = hex(work(key, self.costs.compute_cost));
        self.computes.push(Compute {
            key,
            start_ns,
            end_ns: self.clock.now_ns(),
        });
        value
    }
}

/// A lock being taken or held.
#[derive(Debug)]
pub(crate) struct Span {
    /// `None` outside any client's call: nothing to record.
    client: Option<usize>,
    section: Section,
    request_ns: u64,
    acquired_ns: u64,
}

impl Probe for Watch {
    type Span = Span;

    fn requested(&self, section: Section) -> Span {
        Span {
            client: CLIENT.try_with(|&client| client).ok(),
            section,
            request_ns: self.clock.now_ns(),
            acquired_ns: 0,
        }
    }

    /// A `get` holds the read lock `read_hold`, a `set` the write lock `write_hold`; the
    /// locks of `get_or_compute` are held no longer than their work takes.
    fn acquired(&self, span: &mut Span) -> impl Future<Output = ()> + Send {
        span.acquired_ns = self.clock.now_ns();
        let hold = match span.section {
            Section::Get => self.costs.read_hold,
            Section::Set => self.costs.write_hold,
            Section::Lookup | Section::Store => Duration::ZERO,
        };
        async move {
            if !hold.is_zero() {
                tokio::time::sleep(hold).await;
            }
        }
    }

    fn released(&self, span: Span) {
        if let Some(client) = span.client {
            self.locks.push(Lock {
                client,
                mode: if span.section.is_write() {
                    "write"
                } else {
                    "read"
                },
                request_ns: span.request_ns,
                acquired_ns: span.acquired_ns,
                released_ns: self.clock.now_ns(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use cookbook::rwlock_cache::Cache;

    use super::*;

    const HOLD: Duration = Duration::from_millis(5);

    fn cache() -> Cache<u64, String, Watch> {
        Cache::with_probe(Watch::start(Costs {
            read_hold: HOLD,
            write_hold: HOLD,
            compute_sleep: HOLD,
            compute_cost: 3,
        }))
    }

    #[tokio::test]
    async fn a_client_s_locks_are_recorded_held_as_long_as_the_case_says() {
        let cache = cache();
        CLIENT.scope(7, cache.set(1, "a".to_owned())).await;
        assert_eq!(CLIENT.scope(8, cache.get(&1)).await.as_deref(), Some("a"));
        let (locks, computes) = cache.probe().take();
        assert!(computes.is_empty());
        let seen: Vec<(usize, &str)> = locks.iter().map(|lock| (lock.client, lock.mode)).collect();
        assert_eq!(seen, [(7, "write"), (8, "read")]);
        for lock in &locks {
            assert!(lock.request_ns <= lock.acquired_ns);
            let held = Duration::from_nanos(lock.released_ns - lock.acquired_ns);
            assert!(held >= HOLD, "{lock:?}");
        }
    }

    #[tokio::test]
    async fn a_miss_records_its_lookup_its_compute_and_its_store() {
        let cache = cache();
        let value = CLIENT
            .scope(0, cache.get_or_compute(4, || cache.probe().compute(4)))
            .await;
        assert_eq!(value, hex(work(4, 3)));
        let (locks, computes) = cache.probe().take();
        let modes: Vec<&str> = locks.iter().map(|lock| lock.mode).collect();
        // The miss, the flight's second look, then the store.
        assert_eq!(modes, ["read", "read", "write"]);
        let [compute] = computes.as_slice() else {
            panic!("one compute, got {computes:?}");
        };
        assert_eq!(compute.key, 4);
        assert!(Duration::from_nanos(compute.end_ns - compute.start_ns) >= HOLD);
    }

    #[tokio::test]
    async fn locks_taken_outside_a_client_s_call_are_not_recorded() {
        let cache = cache();
        cache.set(1, "a".to_owned()).await;
        assert!(cache.probe().take().0.is_empty());
    }
}
