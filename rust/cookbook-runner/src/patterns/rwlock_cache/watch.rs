//! What a cache run observes: every lock the cache takes (through its probe), every compute,
//! on one clock; and the hold times a case asks for, spent while the lock is held.

use std::time::Duration;

use cookbook::rwlock_cache::{Probe, Section};
use serde::Serialize;

use crate::observe::{Clock, Log};

tokio::task_local! {
    /// The client whose task is running: the cache's API knows nothing of clients, so the
    /// probe reads it from the task, as a tracing span would carry it to a log line.
    pub(super) static CLIENT: usize;
}

/// One lock taken, in nanoseconds since the start of the run.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Lock {
    client: usize,
    mode: &'static str,
    request_ns: u64,
    acquired_ns: u64,
    released_ns: u64,
}

/// One compute of a missing key.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Compute {
    pub(super) key: u64,
    pub(super) start_ns: u64,
    pub(super) end_ns: u64,
}

/// The probe of one run: its clock, its hold times and what it has seen.
#[derive(Debug)]
pub(super) struct Watch {
    pub(super) clock: Clock,
    read_hold: Duration,
    write_hold: Duration,
    pub(super) locks: Log<Lock>,
    pub(super) computes: Log<Compute>,
}

impl Watch {
    /// Starts the run's clock.
    pub(super) fn start(read_hold: Duration, write_hold: Duration) -> Self {
        Self {
            clock: Clock::start(),
            read_hold,
            write_hold,
            locks: Log::default(),
            computes: Log::default(),
        }
    }
}

/// A lock being taken or held.
#[derive(Debug)]
pub(super) struct Span {
    client: usize,
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
            request_ns: self.clock.now_ns(),
            acquired_ns: 0,
        }
    }

    /// A `get` holds the read lock `readHoldMs`, a `set` the write lock `writeHoldMs`; the
    /// locks of `getOrCompute` are not held any longer than their work takes.
    fn acquired(&self, span: &mut Span) -> impl Future<Output = ()> + Send {
        span.acquired_ns = self.clock.now_ns();
        let hold = match span.section {
            Section::Get => self.read_hold,
            Section::Set => self.write_hold,
            Section::Lookup | Section::Store => Duration::ZERO,
        };
        async move {
            if !hold.is_zero() {
                tokio::time::sleep(hold).await;
            }
        }
    }

    fn released(&self, span: Span) {
        self.locks.push(Lock {
            client: span.client,
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
