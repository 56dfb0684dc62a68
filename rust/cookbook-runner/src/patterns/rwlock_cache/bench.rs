//! The cache's benchmark: `params.clients` clients share `size` gets and sets on
//! `params.keys` keys, with no hold times, on a cache that nothing watches.

use std::sync::Arc;
use std::time::Instant;

use cookbook::rwlock_cache::Cache;
use cookbook::work::work;
use serde_json::json;
use tokio::task::JoinSet;

use super::MAX_CLIENTS;
use crate::patterns::{Benchmark, BoxFuture, Measured};
use crate::validate::{FieldError, Object, SAFE_INTEGER};

/// Validates `clients`, `readPercent`, `keys`, in that order.
pub(in crate::patterns) fn bench(
    size: u64,
    params: &Object<'_>,
) -> Result<Box<dyn Benchmark>, FieldError> {
    Ok(Box::new(Bench {
        size,
        clients: params
            .required_positive("clients", u64::from(MAX_CLIENTS))?
            .get(),
        read_percent: params.required_int("readPercent", 0..=100)?,
        keys: params.required_positive("keys", *SAFE_INTEGER.end())?.get(),
    }))
}

#[derive(Debug, Clone, Copy)]
struct Bench {
    size: u64,
    clients: u64,
    read_percent: u64,
    keys: u64,
}

/// What one client did: operations, and how many of them were gets.
#[derive(Debug, Default)]
struct Tally {
    ops: u64,
    reads: u64,
}

impl Bench {
    /// Client `c` runs operations `n = j * clients + c` for `j = 0, 1, ...` while `n < size`:
    /// with `x = work(n, 1)`, a get when `x % 100 < readPercent`, else a set of `"v"`, on key
    /// `(x >> 8) % keys`.
    async fn client(&self, cache: &Cache<u64, &'static str>, c: u64) -> Tally {
        let mut tally = Tally::default();
        for n in (c..self.size).step_by(usize::try_from(self.clients).unwrap_or(usize::MAX)) {
            let x = work(n, 1);
            let key = (x >> 8) % self.keys;
            if x % 100 < self.read_percent {
                cache.get(&key).await;
                tally.reads += 1;
            } else {
                cache.set(key, "v").await;
            }
            tally.ops += 1;
        }
        tally
    }
}

impl Benchmark for Bench {
    fn measure(&self) -> BoxFuture<'_, Result<Measured, String>> {
        Box::pin(async move {
            let bench = Arc::new(*self);
            let cache = Arc::new(Cache::new());
            let start = Instant::now();
            let mut tasks = JoinSet::new();
            for c in 0..self.clients {
                let (bench, cache) = (Arc::clone(&bench), Arc::clone(&cache));
                tasks.spawn(async move { bench.client(&cache, c).await });
            }
            let tallies = tasks.join_all().await;
            let elapsed = start.elapsed();
            let ops: u64 = tallies.iter().map(|t| t.ops).sum();
            let reads: u64 = tallies.iter().map(|t| t.reads).sum();
            if ops != self.size {
                return Err(format!("{ops} operations done of {}", self.size));
            }
            Ok(Measured {
                elapsed,
                launch: None,
                check: json!({ "count": ops, "reads": reads }),
            })
        })
    }
}
