//! Serving's building blocks (`synapse::serve`): model tokens made by the Python SDK's
//! `create_serve_multiplexed_model_id` and by PyJWT read here (and ours byte for byte theirs),
//! tampered, unsigned, foreign-algorithm and expired tokens refused; the model cache's bound,
//! single-flight loads, eviction that drops the model, failed loads not kept, reloads on a new
//! artifact; and replica affinity that stays put across processes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use synapse::serve::{ModelCache, ModelClaims, ModelSelection, TokenError, TokenPolicy, replica_order};

/// `create_serve_multiplexed_model_id(123, "user_access_token", "https://api.example.com",
/// tenant="my-tenant")`, synapse-sdk 2026.2.17 with PyJWT 2.15.1.
const SDK_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJtb2RlbCI6IjEyMyIsInRva2VuIjoidXNlcl9hY2Nlc3NfdG9rZW4iLCJ0ZW5hbnQiOiJteS10ZW5hbnQifQ.hTiR5kSyNxLXpv6v7V5BUgn_9rszJv93e_YPXdvwNig";
/// `jwt.encode({"model": "7", "token": "T", "exp": 4102444800}, "a-real-secret", algorithm="HS256")`.
const EXPIRING_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJtb2RlbCI6IjciLCJ0b2tlbiI6IlQiLCJleHAiOjQxMDI0NDQ4MDB9.j_VsWHYc_I8Ocw7n7lB2T8hzkhm-ohIQ2vkfFMO_4Ek";
/// `jwt.encode({"model": "7", "token": "T"}, "http://127.0.0.1:8000", algorithm="HS512")`.
const HS512_TOKEN: &str = "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJtb2RlbCI6IjciLCJ0b2tlbiI6IlQifQ.dcT95iPFBXU85IB6fMdY1HrkCkgOAqJrdt_sQwJlXPP9Xz1tLz5Deem8u9jDA9hkH3meg3ZZKj9rXGwWhPmEFg";

const NOW: u64 = 1_796_000_000;

#[test]
fn the_sdks_token_is_read_and_ours_is_the_same_bytes() {
    let policy = TokenPolicy::sdk("https://api.example.com");
    let selection = policy.verify(SDK_TOKEN, NOW).expect("the SDK's token");
    let ModelSelection::Token { model, claims } = &selection else { panic!("{selection:?}") };
    assert_eq!(*model, 123);
    assert_eq!(
        (claims.token.as_str(), claims.tenant.as_deref(), claims.exp),
        ("user_access_token", Some("my-tenant"), None)
    );
    assert_eq!(policy.sign(claims), SDK_TOKEN, "PyJWT reads ours as it reads its own");
    assert!(!format!("{claims:?}").contains("user_access_token"), "the access token never shows");
}

#[test]
fn altered_unsigned_foreign_and_malformed_tokens_are_refused() {
    let policy = TokenPolicy::sdk("https://api.example.com");
    // Another model, the SDK's signature kept.
    let parts: Vec<&str> = SDK_TOKEN.split('.').collect();
    let forged_claims = ModelClaims {
        model: "124".into(),
        token: "user_access_token".into(),
        tenant: Some("my-tenant".into()),
        exp: None,
    };
    let resigned = TokenPolicy::sdk("https://elsewhere.example.com").sign(&forged_claims);
    let forged_payload = resigned.split('.').nth(1).expect("a payload");
    let altered = format!("{}.{forged_payload}.{}", parts[0], parts[2]);
    assert_eq!(policy.verify(&altered, NOW), Err(TokenError::Signature));
    assert_eq!(policy.verify(&resigned, NOW), Err(TokenError::Signature), "signed for another backend");
    // `alg: none`, unsigned.
    let unsigned = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{forged_payload}.");
    assert_eq!(policy.verify(&unsigned, NOW), Err(TokenError::Algorithm("none".into())));
    assert_eq!(
        TokenPolicy::sdk("http://127.0.0.1:8000").verify(HS512_TOKEN, NOW),
        Err(TokenError::Algorithm("HS512".into()))
    );
    for bad in ["abc", "a.b", "a.b.c.d", "!!.x.y"] {
        assert!(matches!(policy.verify(bad, NOW), Err(TokenError::Malformed(_))), "{bad}");
    }
    assert_eq!(policy.verify("  ", NOW), Err(TokenError::Empty));
    let not_an_id = ModelClaims { model: "yolo".into(), token: "T".into(), tenant: None, exp: None };
    let error = policy.verify(&policy.sign(&not_an_id), NOW).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the model token's claims are not {model, token, tenant?}: `model` is \"yolo\", not a model id"
    );
}

#[test]
fn a_deployments_own_secret_requires_an_unexpired_token() {
    let policy = TokenPolicy::secret("a-real-secret");
    assert_eq!(policy.verify(EXPIRING_TOKEN, NOW).map(|s| s.model()), Ok(7));
    assert_eq!(
        policy.verify(EXPIRING_TOKEN, 4_102_444_800),
        Err(TokenError::Expired { exp: 4_102_444_800, now: 4_102_444_800 })
    );
    let lasting = ModelClaims { model: "7".into(), token: "T".into(), tenant: None, exp: None };
    assert_eq!(policy.verify(&policy.sign(&lasting), NOW), Err(TokenError::NoExpiry));
    // The SDK's policy takes an `exp` when there is one, and checks it.
    assert!(TokenPolicy::sdk("a-real-secret").verify(EXPIRING_TOKEN, 4_102_444_801).is_err());
    assert_eq!(policy.verify("9", NOW), Err(TokenError::PlainId(9)));
    assert_eq!(policy.allow_plain_ids(true).verify(" 9 ", NOW), Ok(ModelSelection::Id(9)));
}

/// A model that counts the copies alive.
struct Model {
    id: u64,
    alive: Arc<AtomicUsize>,
}

impl Drop for Model {
    fn drop(&mut self) {
        self.alive.fetch_sub(1, Ordering::SeqCst);
    }
}

fn loader(
    id: u64,
    alive: &Arc<AtomicUsize>,
    loads: &Arc<AtomicUsize>,
) -> impl Future<Output = Result<Model, String>> + use<> {
    let (alive, loads) = (alive.clone(), loads.clone());
    async move {
        loads.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(30)).await;
        alive.fetch_add(1, Ordering::SeqCst);
        Ok(Model { id, alive })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_cold_requests_load_the_model_once() {
    let cache = Arc::new(ModelCache::<Model, String>::new(3));
    let (alive, loads) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let requests: Vec<_> = (0..1000)
        .map(|_| {
            let (cache, alive, loads) = (cache.clone(), alive.clone(), loads.clone());
            tokio::spawn(async move { cache.get_or_load(5, "v1", || loader(5, &alive, &loads)).await })
        })
        .collect();
    let mut models = Vec::new();
    for request in requests {
        models.push(request.await.expect("a request").expect("the model"));
    }
    assert_eq!(loads.load(Ordering::SeqCst), 1);
    assert!(models.iter().all(|model| Arc::ptr_eq(model, &models[0]) && model.id == 5));
    let stats = cache.stats();
    assert_eq!((stats.loads, stats.hits), (1, 999));
}

#[tokio::test]
async fn beyond_its_bound_the_least_recently_used_model_is_dropped() {
    let cache = ModelCache::<Model, String>::new(2);
    let (alive, loads) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    for id in [1, 2, 1, 3] {
        let _ = cache.get_or_load(id, "v1", || loader(id, &alive, &loads)).await.expect("a model");
    }
    // 2 was the least recently used when 3 came.
    assert_eq!(cache.loaded(), vec![3, 1]);
    assert_eq!(alive.load(Ordering::SeqCst), 2, "model 2 was dropped");
    let held = cache.get_or_load(1, "v1", || loader(1, &alive, &loads)).await.expect("a model");
    let _ = cache.get_or_load(2, "v1", || loader(2, &alive, &loads)).await.expect("a model");
    // 3 is evicted; 1, held by a request, is not.
    assert_eq!(cache.loaded(), vec![2, 1]);
    assert_eq!((loads.load(Ordering::SeqCst), cache.stats().evictions), (4, 2));
    // A new artifact version of a model loads it again; the old copy goes once unused.
    let _ = cache.get_or_load(1, "v2", || loader(1, &alive, &loads)).await.expect("a model");
    assert_eq!(alive.load(Ordering::SeqCst), 3, "the old model 1 lives while a request holds it");
    drop(held);
    assert_eq!(alive.load(Ordering::SeqCst), 2);
    assert_eq!(cache.stats().reloads, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_load_reaches_every_waiting_request_and_is_not_kept() {
    let cache = Arc::new(ModelCache::<Model, String>::new(2));
    let attempts = Arc::new(AtomicUsize::new(0));
    let failing = |attempts: Arc<AtomicUsize>| async move {
        attempts.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(30)).await;
        Err::<Model, String>("model 8: its file is not a zip archive".to_owned())
    };
    let waiting: Vec<_> = (0..10)
        .map(|_| {
            let (cache, attempts) = (cache.clone(), attempts.clone());
            tokio::spawn(async move { cache.get_or_load(8, "v1", || failing(attempts)).await.map(|_| ()) })
        })
        .collect();
    for request in waiting {
        assert_eq!(request.await.expect("a request"), Err("model 8: its file is not a zip archive".to_owned()));
    }
    assert_eq!(attempts.load(Ordering::SeqCst), 1, "one load for the ten requests");
    assert!(cache.held().is_empty());
    let (alive, loads) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let model = cache.get_or_load(8, "v1", || loader(8, &alive, &loads)).await.expect("loaded on the next request");
    assert_eq!(model.id, 8);
    assert_eq!((cache.stats().loads, cache.stats().failed_loads), (2, 1));
}

#[test]
fn a_models_replica_is_the_same_in_every_process() {
    let replicas = ["127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"];
    let firsts: Vec<&str> = (0..6).map(|model| replica_order(model, &replicas)[0]).collect();
    // Pinned: a change of the hash would move every model of a running deployment.
    assert_eq!(firsts, PINNED);
}
const PINNED: [&str; 6] =
    ["127.0.0.1:7002", "127.0.0.1:7001", "127.0.0.1:7001", "127.0.0.1:7003", "127.0.0.1:7002", "127.0.0.1:7001"];
