//! A read-heavy cache: a map behind a reader-writer lock, so readers share it and a writer has
//! it alone, and per-key single flight, so a missing key is computed once, outside the lock,
//! however many callers miss it at the same moment.
//!
//! # In production
//!
//! Reach for `moka` (`moka::future::Cache`) before this module. Its `get_with` computes a
//! missing key once for all concurrent callers, as [`Cache::get_or_compute`] does, and it adds
//! what a real cache needs: a size bound with a near-optimal eviction policy, expiry, and a
//! sharded map that readers do not contend on. `dashmap` is the usual choice for a concurrent
//! map without eviction.
//!
//! # Which lock, and why
//!
//! `tokio::sync::RwLock`. It is fair: waiters are served in the order they asked, so a writer
//! waiting for the readers inside keeps every later reader out, and a stream of readers can
//! never starve it. A reader-preferring lock would let readers overlap forever and the writer
//! in never. It is also an async lock, so a holder can `.await` (a slow read, here); a
//! `std::sync::RwLock` guard cannot be held across an `.await` in a spawned task, and the
//! standard library leaves its writer preference to the platform.
//!
//! # Single flight
//!
//! A miss joins the key's flight: a `tokio::sync::OnceCell` shared by every caller that misses
//! the key while it is being computed. The first to arrive runs the compute and the store;
//! the others wait on the cell and return what it holds. The compute runs outside the map's
//! lock, so misses of other keys, and readers, are not held up by it. If the caller running
//! it is cancelled, the cell lets a waiting caller run it instead.

use std::collections::HashMap;
use std::hash::Hash;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::{OnceCell, RwLock};

/// Why a lock is taken, so that a [`Probe`] can tell the operations apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// [`Cache::get`], under the read lock.
    Get,
    /// [`Cache::set`], under the write lock.
    Set,
    /// [`Cache::get_or_compute`] looking the key up, under the read lock.
    Lookup,
    /// [`Cache::get_or_compute`] storing what it computed, under the write lock.
    Store,
}

impl Section {
    /// Whether this section holds the write lock (alone) rather than the read lock (shared).
    pub fn is_write(self) -> bool {
        matches!(self, Self::Set | Self::Store)
    }
}

/// Watches the cache's lock from outside: when each lock is requested, acquired and
/// released. The cache works the same with or without one; `()` watches nothing.
pub trait Probe: Send + Sync {
    /// What the probe remembers about one lock while it is held.
    type Span: Send;
    /// The lock for `section` is about to be requested.
    fn requested(&self, section: Section) -> Self::Span;
    /// The lock is held. The cache awaits the returned future before it goes on, so a probe
    /// can also stand for work done under the lock.
    fn acquired(&self, span: &mut Self::Span) -> impl Future<Output = ()> + Send;
    /// The lock is about to be released.
    fn released(&self, span: Self::Span);
}

impl Probe for () {
    type Span = ();
    fn requested(&self, _: Section) {}
    fn acquired(&self, (): &mut ()) -> impl Future<Output = ()> + Send {
        std::future::ready(())
    }
    fn released(&self, (): ()) {}
}

// --8<-- [start:rwlock-cache]
/// A map that many tasks read and few write, with single-flight computes of missing keys.
#[derive(Debug)]
pub struct Cache<K, V, P = ()> {
    /// The invariant this lock protects: a reader never sees the map in the middle of a
    /// write, and a write is never lost to another write of the same map.
    entries: RwLock<HashMap<K, V>>,
    /// The keys being computed. A std `Mutex`, not tokio's: it is held only to find or remove
    /// a flight, never across an `.await`.
    flights: Mutex<HashMap<K, Arc<OnceCell<V>>>>,
    probe: P,
}

impl<K, V, P> Cache<K, V, P>
where
    K: Eq + Hash + Clone + Send + Sync,
    V: Clone + Send + Sync,
    P: Probe,
{
    /// The value of `key`, if the cache holds one.
    pub async fn get(&self, key: &K) -> Option<V> {
        let entries = self.lock(Section::Get, self.entries.read()).await;
        entries.get(key).cloned()
    }

    /// Stores `value` under `key`, replacing what was there.
    pub async fn set(&self, key: K, value: V) {
        let mut entries = self.lock(Section::Set, self.entries.write()).await;
        entries.insert(key, value);
    }

    /// The value of `key`; on a miss, `compute` runs once for every caller missing `key` at
    /// the same time, and each of them returns what the cache holds once it is stored.
    pub async fn get_or_compute<F, Fut>(&self, key: K, compute: F) -> V
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = V>,
    {
        if let Some(value) = self.lookup(&key).await {
            return value;
        }
        let flight = Arc::clone(self.flights().entry(key.clone()).or_default());
        flight.get_or_init(|| self.fly(key, compute)).await.clone()
    }

    /// Computes `key` outside any lock and stores it only if it is still absent: a `set` that
    /// landed while the compute ran is newer than the computed value and must win, or a
    /// reader could see the value it wrote replaced by an older one.
    async fn fly<F, Fut>(&self, key: K, compute: F) -> V
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = V>,
    {
        // Between this caller's miss and its flight, another flight may have stored the key
        // and left; without a second look the key would be computed twice.
        let value = if let Some(value) = self.lookup(&key).await {
            value
        } else {
            let computed = compute().await;
            let mut entries = self.lock(Section::Store, self.entries.write()).await;
            entries.entry(key.clone()).or_insert(computed).clone()
        };
        // Stored: later misses find the value, so the flight can go. Callers already waiting
        // on it hold their own reference to the cell.
        self.flights().remove(&key);
        value
    }

    async fn lookup(&self, key: &K) -> Option<V> {
        let entries = self.lock(Section::Lookup, self.entries.read()).await;
        entries.get(key).cloned()
    }

    fn flights(&self) -> MutexGuard<'_, HashMap<K, Arc<OnceCell<V>>>> {
        // Poisoned only by a panic while a flight was added or removed: the map is still whole.
        self.flights.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
// --8<-- [end:rwlock-cache]

impl<K, V> Cache<K, V> {
    /// An empty cache that nothing watches.
    pub fn new() -> Self {
        Self::with_probe(())
    }
}

impl<K, V> Default for Cache<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, V, P> Cache<K, V, P> {
    /// An empty cache whose lock `probe` watches.
    pub fn with_probe(probe: P) -> Self {
        Self {
            entries: RwLock::new(HashMap::new()),
            flights: Mutex::new(HashMap::new()),
            probe,
        }
    }

    /// The probe watching the lock.
    pub fn probe(&self) -> &P {
        &self.probe
    }

    /// Every entry, once no one else can use the cache: owning it means no lock is needed.
    pub fn into_entries(self) -> HashMap<K, V> {
        self.entries.into_inner()
    }
}

impl<K, V, P: Probe> Cache<K, V, P> {
    /// Takes a lock through `acquire` and tells the probe: every lock of the cache is taken
    /// here, so the probe sees them all.
    async fn lock<G>(&self, section: Section, acquire: impl Future<Output = G>) -> Held<'_, G, P> {
        let mut span = self.probe.requested(section);
        let guard = acquire.await;
        self.probe.acquired(&mut span).await;
        Held {
            guard,
            probe: &self.probe,
            span: Some(span),
        }
    }
}

/// A lock guard that tells the probe before the lock is released.
struct Held<'a, G, P: Probe> {
    guard: G,
    probe: &'a P,
    span: Option<P::Span>,
}

impl<G, P: Probe> Deref for Held<'_, G, P> {
    type Target = G;
    fn deref(&self) -> &G {
        &self.guard
    }
}

impl<G, P: Probe> DerefMut for Held<'_, G, P> {
    fn deref_mut(&mut self) -> &mut G {
        &mut self.guard
    }
}

impl<G, P: Probe> Drop for Held<'_, G, P> {
    /// Runs before the fields are dropped, so the probe hears of the release while the
    /// guard still holds the lock.
    fn drop(&mut self) {
        if let Some(span) = self.span.take() {
            self.probe.released(span);
        }
    }
}
