//! The read-heavy cache on tokio's paused clock (see `common`).

#![allow(clippy::expect_used, reason = "a test fails by panicking")]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cookbook::rwlock_cache::{Cache, Probe, Section};
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep};

use crate::common::TICK;

/// Holds a `get`'s read lock and a `set`'s write lock for one tick each: the work a slow
/// reader or writer does under the lock.
struct Holds;

impl Probe for Holds {
    type Span = Section;
    fn requested(&self, section: Section) -> Section {
        section
    }
    fn acquired(&self, section: &mut Section) -> impl Future<Output = ()> + Send {
        let hold = match section {
            Section::Get | Section::Set => TICK,
            Section::Lookup | Section::Store => Duration::ZERO,
        };
        sleep(hold)
    }
    fn released(&self, _: Section) {}
}

type Shared = Arc<Cache<u32, String, Holds>>;

fn cache() -> Shared {
    Arc::new(Cache::with_probe(Holds))
}

/// A compute of one tick that counts itself.
async fn compute(count: &AtomicUsize, value: &str) -> String {
    count.fetch_add(1, Ordering::SeqCst);
    sleep(TICK).await;
    value.to_owned()
}

#[tokio::test(start_paused = true)]
async fn concurrent_misses_compute_once() {
    let cache: Arc<Cache<u32, String>> = Arc::new(Cache::new());
    let computes = Arc::new(AtomicUsize::new(0));
    let mut clients = JoinSet::new();
    for _ in 0..8 {
        let (cache, computes) = (Arc::clone(&cache), Arc::clone(&computes));
        clients.spawn(async move {
            cache
                .get_or_compute(7, || compute(&computes, "seven"))
                .await
        });
    }
    let values = clients.join_all().await;
    assert_eq!(values, vec!["seven"; 8]);
    assert_eq!(computes.load(Ordering::SeqCst), 1);
    // A later miss finds the value: no flight is left behind to compute it again.
    let again = cache.get_or_compute(7, || compute(&computes, "x")).await;
    assert_eq!(
        (again.as_str(), computes.load(Ordering::SeqCst)),
        ("seven", 1)
    );
}

#[tokio::test(start_paused = true)]
async fn misses_of_different_keys_compute_side_by_side() {
    let cache: Arc<Cache<u32, String>> = Arc::new(Cache::new());
    let computes = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut clients = JoinSet::new();
    for key in 0..4 {
        let (cache, computes) = (Arc::clone(&cache), Arc::clone(&computes));
        clients.spawn(async move { cache.get_or_compute(key, || compute(&computes, "v")).await });
    }
    clients.join_all().await;
    assert_eq!(computes.load(Ordering::SeqCst), 4);
    assert_eq!(start.elapsed(), TICK, "no compute waited for another");
}

#[tokio::test(start_paused = true)]
async fn a_set_during_a_compute_wins() {
    let cache: Arc<Cache<u32, String>> = Arc::new(Cache::new());
    let computes = Arc::new(AtomicUsize::new(0));
    let computing = {
        let (cache, computes) = (Arc::clone(&cache), Arc::clone(&computes));
        tokio::spawn(async move {
            cache
                .get_or_compute(5, || async {
                    computes.fetch_add(1, Ordering::SeqCst);
                    sleep(3 * TICK).await;
                    "computed".to_owned()
                })
                .await
        })
    };
    sleep(TICK).await;
    cache.set(5, "set".to_owned()).await;
    // The set landed after the miss: the computed value is older and must not replace it.
    assert_eq!(computing.await.expect("no panic"), "set");
    assert_eq!(cache.get(&5).await.as_deref(), Some("set"));
}

#[tokio::test(start_paused = true)]
async fn readers_share_the_lock() {
    let cache = cache();
    let start = Instant::now();
    let mut readers = JoinSet::new();
    for _ in 0..4 {
        let cache = Arc::clone(&cache);
        readers.spawn(async move { cache.get(&1).await });
    }
    assert_eq!(readers.join_all().await, [None, None, None, None]);
    assert_eq!(
        start.elapsed(),
        TICK,
        "four reads of one tick, side by side"
    );
}

#[tokio::test(start_paused = true)]
async fn a_writer_holds_the_lock_alone() {
    let cache = cache();
    let start = Instant::now();
    let mut clients = JoinSet::new();
    // In the order they ask: a write, two reads, a write. The reads share a tick; each write
    // has one to itself.
    for write in [true, false, false, true] {
        let cache = Arc::clone(&cache);
        clients.spawn(async move {
            if write {
                cache.set(1, "w".to_owned()).await;
            } else {
                cache.get(&1).await;
            }
        });
    }
    clients.join_all().await;
    assert_eq!(start.elapsed(), 3 * TICK);
}

#[tokio::test(start_paused = true)]
async fn readers_arriving_back_to_back_do_not_starve_a_writer() {
    let cache = cache();
    let mut readers = JoinSet::new();
    // Four readers, half a tick apart, each reading for ten ticks in a row: the lock always
    // has a reader in it.
    for n in 0..4_u32 {
        let cache = Arc::clone(&cache);
        readers.spawn(async move {
            sleep(TICK * n / 2).await;
            for _ in 0..10 {
                cache.get(&1).await;
            }
        });
    }
    sleep(3 * TICK).await;
    let asked = Instant::now();
    cache.set(1, "writer".to_owned()).await;
    // The writer waits for the readers inside, not for those who come after it: a tick to
    // drain them, a tick for its own hold.
    assert!(asked.elapsed() <= 2 * TICK, "waited {:?}", asked.elapsed());
    readers.join_all().await;
    assert_eq!(cache.get(&1).await.as_deref(), Some("writer"));
}
