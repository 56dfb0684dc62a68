//! What an observed cache records: every lock a client takes (through the cache's probe, the
//! only code that runs while the lock is held), and every compute, on one clock; and the hold
//! times a case asks for, spent while a client holds the lock.

use std::cell::Cell;
use std::sync::Arc;
use std::time::Duration;

use cookbook::rwlock_cache::{Probe, Section};
use cookbook::work::{hex, work};
use pyo3::prelude::*;

use super::clock::{Clock, Log};

thread_local! {
    /// The client whose calls this thread makes, if any. The cache's API knows nothing of
    /// clients, so the probe reads it from the thread the call waits on, which polls the
    /// call's future and so runs the probe: as a tracing span carries context to a log line.
    static CLIENT: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Makes this thread's cache calls `client`'s, until [`leave`].
pub(crate) fn enter(client: usize) {
    CLIENT.set(Some(client));
}

/// Makes this thread's cache calls no client's.
pub(crate) fn leave() {
    CLIENT.set(None);
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

/// How long a client holds each kind of lock, and how long a compute waits before computing.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Costs {
    /// A client's `get` holds the read lock this long.
    pub(crate) read_hold: Duration,
    /// A client's `set` holds the write lock this long.
    pub(crate) write_hold: Duration,
    /// A compute sleeps this long, then computes `work(key, cost)`.
    pub(crate) compute_sleep: Duration,
}

/// The probe of one run: its clock, its costs and what it has seen, shared by the cache it
/// watches and the recorder that reads it.
#[derive(Debug, Clone)]
pub(crate) struct Watch(Arc<Seen>);

#[derive(Debug)]
struct Seen {
    clock: Clock,
    costs: Costs,
    locks: Log<Lock>,
    computes: Log<Compute>,
}

impl Watch {
    /// Starts the run's clock.
    pub(crate) fn start(costs: Costs) -> Self {
        Self(Arc::new(Seen {
            clock: Clock::start(),
            costs,
            locks: Log::default(),
            computes: Log::default(),
        }))
    }

    /// Nanoseconds since the run started.
    pub(crate) fn now_ns(&self) -> u64 {
        self.0.clock.now_ns()
    }

    /// Every lock and compute recorded so far.
    pub(crate) fn take(&self) -> (Vec<Lock>, Vec<Compute>) {
        (self.0.locks.take(), self.0.computes.take())
    }

    /// Computes `key`'s value at `cost`, after the case's wait, and records the compute.
    pub(crate) async fn compute(&self, key: u64, cost: u64) -> String {
        let seen = &self.0;
        let start_ns = seen.clock.now_ns();
        if !seen.costs.compute_sleep.is_zero() {
            tokio::time::sleep(seen.costs.compute_sleep).await;
        }
        let value = hex(work(key, cost));
        seen.computes.push(Compute {
            key,
            start_ns,
            end_ns: seen.clock.now_ns(),
        });
        value
    }
}

/// A lock being taken or held.
#[derive(Debug)]
pub(crate) struct Span {
    /// `None` outside any client's call: nothing to record, and nothing to hold the lock for.
    client: Option<usize>,
    section: Section,
    request_ns: u64,
    acquired_ns: u64,
}

impl Probe for Watch {
    type Span = Span;

    fn requested(&self, section: Section) -> Span {
        Span {
            client: CLIENT.get(),
            section,
            request_ns: self.now_ns(),
            acquired_ns: 0,
        }
    }

    /// A client's `get` holds the read lock `read_hold`, its `set` the write lock
    /// `write_hold`; the locks of `get_or_compute` are held no longer than their work takes.
    fn acquired(&self, span: &mut Span) -> impl Future<Output = ()> + Send {
        span.acquired_ns = self.now_ns();
        let costs = self.0.costs;
        let hold = match (span.client, span.section) {
            (None, _) | (_, Section::Lookup | Section::Store) => Duration::ZERO,
            (Some(_), Section::Get) => costs.read_hold,
            (Some(_), Section::Set) => costs.write_hold,
        };
        async move {
            if !hold.is_zero() {
                tokio::time::sleep(hold).await;
            }
        }
    }

    fn released(&self, span: Span) {
        if let Some(client) = span.client {
            self.0.locks.push(Lock {
                client,
                mode: if span.section.is_write() {
                    "write"
                } else {
                    "read"
                },
                request_ns: span.request_ns,
                acquired_ns: span.acquired_ns,
                released_ns: self.now_ns(),
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
        }))
    }

    /// Awaits `call` as `client`'s, on this thread.
    async fn as_client<T>(client: usize, call: impl Future<Output = T>) -> T {
        enter(client);
        let output = call.await;
        leave();
        output
    }

    #[tokio::test]
    async fn a_client_s_locks_are_recorded_held_as_long_as_the_case_says() {
        let cache = cache();
        as_client(7, cache.set(1, "a".to_owned())).await;
        assert_eq!(as_client(8, cache.get(&1)).await.as_deref(), Some("a"));
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
        let value = as_client(0, cache.get_or_compute(4, || cache.probe().compute(4, 3))).await;
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
    async fn locks_taken_outside_a_client_s_call_are_neither_recorded_nor_held() {
        let cache = cache();
        let start = std::time::Instant::now();
        cache.set(1, "a".to_owned()).await;
        assert_eq!(cache.get(&1).await.as_deref(), Some("a"));
        assert!(start.elapsed() < HOLD);
        assert!(cache.probe().take().0.is_empty());
    }
}
