//! Which replica serves a model: rendezvous (highest random weight) hashing of the model id over
//! the live replicas, so that one model's requests go to one replica and its cache, and a
//! replica's loss moves only its own models.

/// The replicas in the order requests for `model` should try them: the first is the model's own
/// (the one whose `(replica, model)` hash is highest), the next is where its requests go when
/// that one is saturated or gone, and so on. Each replica is named by a stable key (its address).
///
/// Removing a replica changes the first choice only for the models that replica was first for;
/// adding one takes about `1/n` of the models.
///
/// ```
/// use synapse::serve::replica_order;
/// let replicas = ["127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"];
/// let order = replica_order(42, &replicas);
/// assert_eq!(order.len(), 3);
/// // Without its first choice, model 42 goes to its second.
/// let rest: Vec<&str> = replicas.iter().copied().filter(|r| *r != order[0]).collect();
/// assert_eq!(replica_order(42, &rest)[0], order[1]);
/// ```
pub fn replica_order<'r, R: AsRef<str> + ?Sized>(model: u64, replicas: &'r [&'r R]) -> Vec<&'r R> {
    let mut ranked: Vec<(u64, &'r R)> =
        replicas.iter().map(|replica| (weight(replica.as_ref(), model), *replica)).collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.as_ref().cmp(b.1.as_ref())));
    ranked.into_iter().map(|(_, replica)| replica).collect()
}

/// The weight of `replica` for `model`: FNV-1a over the replica's key and the model id, then
/// SplitMix64's finalizer to spread it (stable across processes and builds, unlike `std`'s
/// randomly keyed hasher).
fn weight(replica: &str, model: u64) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in replica.as_bytes().iter().chain(&model.to_le_bytes()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash ^= hash >> 30;
    hash = hash.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash ^= hash >> 27;
    hash = hash.wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^ (hash >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_spread_over_replicas_and_a_lost_replica_moves_only_its_own() {
        let replicas = ["a:1", "b:2", "c:3", "d:4"];
        let first = |model: u64, set: &[&str]| replica_order(model, set)[0].to_owned();
        let mut counts = std::collections::BTreeMap::new();
        for model in 0..4000 {
            *counts.entry(first(model, &replicas)).or_insert(0) += 1;
        }
        // Each replica is first for about a quarter of the models.
        assert!(counts.values().all(|count| (800..1200).contains(count)), "{counts:?}");
        let without_b = ["a:1", "c:3", "d:4"];
        for model in 0..4000 {
            let before = first(model, &replicas);
            let after = first(model, &without_b);
            if before != "b:2" {
                assert_eq!(before, after, "model {model} moved though its replica stayed");
            }
        }
    }

    #[test]
    fn the_order_does_not_depend_on_the_order_replicas_are_listed_in() {
        for model in 0..100 {
            assert_eq!(replica_order(model, &["x", "y", "z"]), replica_order(model, &["z", "x", "y"]));
        }
    }
}
