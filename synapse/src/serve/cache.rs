//! The models a replica holds: an LRU of a bounded number of models keyed by model id, where
//! concurrent first requests for one model load it once and an evicted model is dropped.

use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// How many models a replica holds without a setting (Ray Serve's `max_num_models_per_replica`
/// default).
pub const DEFAULT_MAX_MODELS: usize = 3;

/// A load every request for the model awaits, whichever of them drives it.
type Load<M, E> = Shared<BoxFuture<'static, Result<Arc<M>, E>>>;

/// One model's slot: its load (done or under way) and the version of the artifact it loads.
struct Slot<M, E> {
    version: String,
    load: Load<M, E>,
    used: u64,
}
/// What a [`ModelCache`] did, for `/-/models` and metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Requests whose model was loaded already (or being loaded by another request).
    pub hits: u64,
    /// Loads started.
    pub loads: u64,
    /// Loads that failed (the next request tries again).
    pub failed_loads: u64,
    /// Models dropped to make room.
    pub evictions: u64,
    /// Models dropped because their artifact changed.
    pub reloads: u64,
}

/// A bounded LRU of loaded models of type `M` (loads failing with `E`), keyed by model id.
///
/// - At most `max_models` are held; loading one more drops the least recently used (its `Drop`
///   frees what it holds once the requests using it end: they hold an `Arc`).
/// - Concurrent requests for a model not loaded yet load it once: the first runs the loader,
///   the others wait for its answer (single flight). A failed load is not kept: the error goes to
///   every waiting request, and the next request loads again.
/// - Each model is loaded from a version of its artifact (the backend's file checksum or URL);
///   a request that names another version drops the held model and loads anew.
///
/// The Python SDK keys its cache by the whole model token (one copy per caller), holds models
/// without bound and loads concurrently for every cold request; this does neither.
///
/// ```
/// use synapse::serve::ModelCache;
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let cache: ModelCache<String, String> = ModelCache::new(2);
/// let model = cache.get_or_load(7, "sha1:aa", || async { Ok::<_, String>("model 7".to_owned()) }).await.unwrap();
/// assert_eq!(*model, "model 7");
/// let again = cache.get_or_load(7, "sha1:aa", || async { Err("not called".to_owned()) }).await.unwrap();
/// assert_eq!(*again, "model 7");
/// assert_eq!((cache.stats().loads, cache.stats().hits), (1, 1));
/// # });
/// ```
pub struct ModelCache<M, E> {
    max_models: usize,
    slots: Mutex<HashMap<u64, Slot<M, E>>>,
    clock: AtomicU64,
    stats: Mutex<CacheStats>,
}

impl<M, E> std::fmt::Debug for ModelCache<M, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelCache").field("max_models", &self.max_models).field("held", &self.held()).finish()
    }
}

impl<M, E> ModelCache<M, E> {
    /// A cache holding at most `max_models` models (at least 1).
    pub fn new(max_models: usize) -> Self {
        ModelCache {
            max_models: max_models.max(1),
            slots: Mutex::new(HashMap::new()),
            clock: AtomicU64::new(0),
            stats: Mutex::new(CacheStats::default()),
        }
    }

    /// How many models it holds at most.
    pub fn max_models(&self) -> usize {
        self.max_models
    }

    /// The ids of the models held (loaded or loading), most recently used first.
    pub fn held(&self) -> Vec<u64> {
        let slots = self.slots();
        let mut held: Vec<(u64, u64)> = slots.iter().map(|(id, slot)| (*id, slot.used)).collect();
        held.sort_by_key(|(_, used)| std::cmp::Reverse(*used));
        held.into_iter().map(|(id, _)| id).collect()
    }

    /// What it has done so far.
    pub fn stats(&self) -> CacheStats {
        *self.stats.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn slots(&self) -> MutexGuard<'_, HashMap<u64, Slot<M, E>>> {
        self.slots.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn count(&self, change: impl FnOnce(&mut CacheStats)) {
        change(&mut self.stats.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    }
}

impl<M, E> ModelCache<M, E>
where
    M: Send + Sync + 'static,
    E: Clone + Send + Sync + 'static,
{
    /// The model `id` at artifact `version`: the one held, else what `load` gives (once, however
    /// many requests ask at the same time; `load` is not called when another request's load of
    /// that version is held or under way).
    ///
    /// # Errors
    /// The load's error, given to every request that waited on that load; the failed load is not
    /// kept, so the next request loads again.
    pub async fn get_or_load<F, Fut>(&self, id: u64, version: &str, load: F) -> Result<Arc<M>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<M, E>> + Send + 'static,
    {
        let (shared, started) = self.slot(id, version, load);
        let outcome = shared.clone().await;
        match &outcome {
            Ok(_) if !started => self.count(|stats| stats.hits += 1),
            Err(_) => {
                // The first request to see the failure drops it (whichever request drove it).
                let mut slots = self.slots();
                if slots.get(&id).is_some_and(|slot| slot.load.ptr_eq(&shared)) {
                    slots.remove(&id);
                    drop(slots);
                    self.count(|stats| stats.failed_loads += 1);
                }
            }
            _ => {}
        }
        outcome
    }

    /// The ids of the models loaded and ready, most recently used first.
    pub fn loaded(&self) -> Vec<u64> {
        let ready: Vec<u64> = self
            .slots()
            .iter()
            .filter(|(_, slot)| matches!(slot.load.peek(), Some(Ok(_))))
            .map(|(id, _)| *id)
            .collect();
        self.held().into_iter().filter(|id| ready.contains(id)).collect()
    }

    /// The load of `id` at `version`, and whether this call started it: the one held, else a
    /// new one of `load` (evicting the least recently used beyond the bound, or the held one of
    /// another version).
    fn slot<F, Fut>(&self, id: u64, version: &str, load: F) -> (Load<M, E>, bool)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<M, E>> + Send + 'static,
    {
        let now = self.clock.fetch_add(1, Ordering::Relaxed);
        let mut slots = self.slots();
        if let Some(slot) = slots.get_mut(&id) {
            if slot.version == version {
                slot.used = now;
                return (slot.load.clone(), false);
            }
            slots.remove(&id);
            self.count(|stats| stats.reloads += 1);
        }
        while slots.len() >= self.max_models {
            let Some(oldest) = slots.iter().min_by_key(|(_, slot)| slot.used).map(|(id, _)| *id) else { break };
            slots.remove(&oldest);
            self.count(|stats| stats.evictions += 1);
        }
        let loading = load();
        let shared = async move { loading.await.map(Arc::new) }.boxed().shared();
        slots.insert(id, Slot { version: version.to_owned(), load: shared.clone(), used: now });
        self.count(|stats| stats.loads += 1);
        (shared, true)
    }
}
