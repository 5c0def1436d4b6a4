//! Claims: refused while their holder lives, taken over when it is gone or its heartbeat stale.

use super::*;
use std::time::Duration;

#[test]
fn a_claim_is_refused_while_its_holder_lives_and_taken_over_when_it_is_gone_or_stale() {
    let store = RunStore::in_memory().unwrap();
    store.create_run(&new_run("r", "p", &["a"])).unwrap();
    let minute = Duration::from_secs(60);
    let alive = |_: &str| false;
    assert_eq!(store.run("r").unwrap().unwrap().claim, None);

    store.claim_run("r", "a:1", minute, alive).unwrap();
    store.claim_run("r", "a:1", minute, alive).expect("the holder claims again");
    let claim = store.run("r").unwrap().unwrap().claim.unwrap();
    assert_eq!(claim.owner, "a:1");
    assert!(claim.heartbeat_at.elapsed().unwrap_or_default() < minute);

    let refused = store.claim_run("r", "b:2", minute, alive).unwrap_err();
    let message = refused.to_string();
    assert!(
        message.starts_with("run `r` is being run by `a:1` (last heartbeat 0s ago) in the in-memory run store"),
        "{message}"
    );
    let mut asked = Vec::new();
    store
        .claim_run("r", "b:2", minute, |holder| {
            asked.push(holder.to_owned());
            true
        })
        .expect("a gone holder is taken over");
    assert_eq!(asked, ["a:1"]);

    // The old holder finds out at its next renewal, and cannot release what it lost.
    let lost = store.renew_claim("r", "a:1").unwrap_err();
    assert!(matches!(&lost, StoreError::RunClaimed { owner, .. } if owner == "b:2"), "{lost}");
    assert!(!store.release_run("r", "a:1").unwrap());
    store.renew_claim("r", "b:2").unwrap();

    // A claim older than the caller allows lapses, whoever holds it.
    store.claim_run("r", "c:3", Duration::ZERO, alive).expect("stale");
    assert!(store.release_run("r", "c:3").unwrap());
    assert_eq!(store.run("r").unwrap().unwrap().claim, None);
    assert!(
        matches!(store.renew_claim("r", "c:3").unwrap_err(), StoreError::RunClaimed { owner, .. } if owner == "nobody")
    );
    assert!(matches!(store.claim_run("nope", "a:1", minute, alive).unwrap_err(), StoreError::UnknownRun { .. }));
}
