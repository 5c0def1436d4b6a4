//! [`ServeClient`]: a caller of replicas — each request sent to the replica that holds its model
//! (rendezvous hashing over the live ones), the next one when that is gone — and
//! [`InferError`].

use super::{MODEL_HEADER, replica_order};
use crate::params::Violations;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Why a request to a replica failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum InferError {
    /// The replica answered with an error ([`ServeError`](super::ServeError)'s body).
    #[error("the replica at {addr} answered {status} ({kind}): {message}")]
    Refused {
        /// The replica.
        addr: SocketAddr,
        /// The HTTP status.
        status: u16,
        /// The error's kind (`unknown_model`, `invalid_input`, `load_failed`, …).
        kind: String,
        /// Its message.
        message: String,
        /// For `invalid_input`, every violation with its field path.
        violations: Option<Violations>,
    },
    /// The replica could not be reached, or the connection broke before its answer (a replica
    /// killed mid-request).
    #[error("the replica at {addr} did not answer: {reason}")]
    Unreachable {
        /// The replica.
        addr: SocketAddr,
        /// What the connection said.
        reason: String,
    },
    /// No replica is left to ask.
    #[error("no replica is live (every one failed: {})", tried.join("; "))]
    NoReplica {
        /// What each replica tried said.
        tried: Vec<String>,
    },
}

impl InferError {
    /// The replica's error kind, when it answered with one.
    pub fn kind(&self) -> Option<&str> {
        match self {
            InferError::Refused { kind, .. } => Some(kind),
            _ => None,
        }
    }
}

/// Sends inference requests to a set of replicas.
///
/// A request for model `m` goes to the live replica ranked first for `m` by rendezvous hashing
/// ([`replica_order`]), so each model's requests meet the replica that holds it — unless that
/// replica already has [`saturation`](Self::with_saturation) requests of this client in flight
/// ([`DEFAULT_SATURATION`]): then the next live replica in the model's order takes it. A replica
/// that does not answer is marked down for [`DOWN_FOR`]: that request fails with
/// [`InferError::Unreachable`] (inference is not assumed idempotent), and the next request for
/// its models goes to the next replica in their order.
///
/// ```no_run
/// # async fn demo() -> Result<(), synapse::serve::InferError> {
/// use synapse::serve::ServeClient;
/// let client = ServeClient::new(vec!["127.0.0.1:9001".parse().unwrap(), "127.0.0.1:9002".parse().unwrap()]);
/// let output = client.infer("7", 7, &serde_json::json!({"values": [1.0, 2.0]})).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ServeClient {
    http: reqwest::Client,
    replicas: Mutex<Vec<Entry>>,
    route: String,
    saturation: usize,
}

/// A replica as the client sees it.
#[derive(Debug)]
struct Entry {
    addr: SocketAddr,
    /// Passed over until then.
    down: Option<std::time::Instant>,
    /// This client's requests to it under way.
    in_flight: Arc<AtomicUsize>,
}

impl Entry {
    fn new(addr: SocketAddr) -> Self {
        Entry { addr, down: None, in_flight: Arc::default() }
    }
}

/// Counts a request in flight while it lives.
struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// How long a replica that did not answer is passed over.
pub const DOWN_FOR: Duration = Duration::from_secs(5);

/// How many of a client's requests a replica has in flight before the next replica in a model's
/// order takes that model's requests.
pub const DEFAULT_SATURATION: usize = 64;

impl ServeClient {
    /// A client of `replicas`, posting to `/`.
    pub fn new(replicas: Vec<SocketAddr>) -> Self {
        ServeClient {
            http: reqwest::Client::builder().tcp_nodelay(true).build().unwrap_or_default(),
            replicas: Mutex::new(replicas.into_iter().map(Entry::new).collect()),
            route: "/".into(),
            saturation: DEFAULT_SATURATION,
        }
    }

    /// The same client, passing a model's requests to the next replica once its own has
    /// `requests` of them in flight (at least 1).
    #[must_use]
    pub fn with_saturation(mut self, requests: usize) -> Self {
        self.saturation = requests.max(1);
        self
    }

    /// The replicas, in the order given.
    pub fn replicas(&self) -> Vec<SocketAddr> {
        self.lock().iter().map(|entry| entry.addr).collect()
    }

    /// Sets the replicas (those already known keep their state).
    pub fn set_replicas(&self, replicas: Vec<SocketAddr>) {
        let mut known = self.lock();
        let mut next = Vec::with_capacity(replicas.len());
        for addr in replicas {
            match known.iter().position(|entry| entry.addr == addr) {
                Some(at) => next.push(known.swap_remove(at)),
                None => next.push(Entry::new(addr)),
            }
        }
        *known = next;
    }

    /// Replaces replica `old` with `new` (a replica started again elsewhere).
    pub fn replace(&self, old: SocketAddr, new: SocketAddr) {
        for entry in self.lock().iter_mut() {
            if entry.addr == old {
                *entry = Entry::new(new);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        self.replicas.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The replica a request for `model` goes to now: the first live one in its rendezvous order
    /// that is not saturated, else the first live one.
    ///
    /// # Errors
    /// [`InferError::NoReplica`] when every replica is marked down.
    pub fn replica_for(&self, model: u64) -> Result<SocketAddr, InferError> {
        self.pick(model).map(|(addr, _)| addr)
    }

    fn pick(&self, model: u64) -> Result<(SocketAddr, Arc<AtomicUsize>), InferError> {
        let now = std::time::Instant::now();
        let replicas = self.lock();
        let names: Vec<String> = replicas.iter().map(|entry| entry.addr.to_string()).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let live: Vec<&Entry> = replica_order(model, &names)
            .into_iter()
            .filter_map(|name| replicas.iter().find(|entry| entry.addr.to_string() == *name))
            .filter(|entry| entry.down.is_none_or(|until| until <= now))
            .collect();
        let chosen =
            live.iter().find(|entry| entry.in_flight.load(Ordering::Relaxed) < self.saturation).or(live.first());
        if let Some(entry) = chosen {
            return Ok((entry.addr, entry.in_flight.clone()));
        }
        if names.is_empty() {
            return Err(InferError::NoReplica { tried: vec!["there is none".to_owned()] });
        }
        Err(InferError::NoReplica { tried: names.iter().map(|name| format!("{name} is down")).collect() })
    }

    /// Infers over `input` with the model `header` names (a plain id or a model token) — model
    /// `model`, which picks the replica.
    ///
    /// # Errors
    /// [`InferError::Refused`] with the replica's error; [`InferError::Unreachable`] when it did
    /// not answer (it is then passed over for [`DOWN_FOR`]); [`InferError::NoReplica`].
    pub async fn infer(&self, header: &str, model: u64, input: &Value) -> Result<Value, InferError> {
        let (addr, in_flight) = self.pick(model)?;
        in_flight.fetch_add(1, Ordering::Relaxed);
        let _counted = InFlight(in_flight);
        let url = format!("http://{addr}{}", self.route);
        let sent = self.http.post(&url).header(MODEL_HEADER, header).json(input).send().await;
        let response = match sent {
            Ok(response) => response,
            Err(error) => return Err(self.down(addr, error)),
        };
        let status = response.status().as_u16();
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(error) => return Err(self.down(addr, error)),
        };
        let value: Value = serde_json::from_slice(&body).map_err(|error| InferError::Refused {
            addr,
            status,
            kind: "not_json".into(),
            message: format!(
                "the answer is not JSON ({error}): {}",
                String::from_utf8_lossy(&body[..body.len().min(200)])
            ),
            violations: None,
        })?;
        if (200..300).contains(&status) {
            return Ok(value);
        }
        let error = &value["error"];
        Err(InferError::Refused {
            addr,
            status,
            kind: error["kind"].as_str().unwrap_or("unknown").to_owned(),
            message: error["message"].as_str().unwrap_or_default().to_owned(),
            violations: serde_json::from_value(error["violations"].clone()).ok(),
        })
    }

    fn down(&self, addr: SocketAddr, error: reqwest::Error) -> InferError {
        let until = std::time::Instant::now() + DOWN_FOR;
        for entry in self.lock().iter_mut() {
            if entry.addr == addr {
                entry.down = Some(until);
            }
        }
        let mut reason = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            reason = format!("{reason}: {cause}");
            source = cause.source();
        }
        InferError::Unreachable { addr, reason }
    }
}
