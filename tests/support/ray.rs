//! The Ray head the Ray tests run against.
//!
//! A Ray test is a test in a `tests/ray_*.rs` file (or one whose name starts with `ray_`):
//! `scripts/test.sh` runs those in its Ray phase, against a real head that `scripts/ray.sh run`
//! starts in fresh network and PID namespaces, and leaves them out of its ordinary test step.
//! Each of them begins with [`require_ray!`](crate::require_ray), which yields the head's
//! dashboard address:
//!
//! ```ignore
//! #[test]
//! fn lists_jobs() {
//!     let address = synapse_tests::require_ray!();
//!     assert!(synapse_tests::ray::get_json(&address, "/api/jobs/").is_array());
//! }
//! ```
//!
//! Without a head (`SYNAPSE_RAY_ADDRESS` unset), such a test fails in CI (`CI=true` or `CI=1`)
//! and elsewhere prints [`RUN_HINT`] on one line and passes without checking anything.

use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// The variable holding the Ray dashboard's address, e.g. `http://127.0.0.1:8265`;
/// `scripts/ray.sh run` sets it for the command it runs.
pub const ADDRESS_VAR: &str = "SYNAPSE_RAY_ADDRESS";

/// How to run the Ray tests against a local head.
pub const RUN_HINT: &str =
    "./scripts/ray.sh run -- cargo nextest run -p synapse-tests --offline -E 'binary(/^ray_/) | test(/^ray_/)'";

/// The script that installs and starts the head; its `RAY_VERSION=` line is the one pin.
const RAY_SCRIPT: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/ray.sh"));

/// The dashboard address from [`ADDRESS_VAR`], when set and not blank.
pub fn ray_address() -> Option<String> {
    std::env::var(ADDRESS_VAR)
        .ok()
        .map(|address| address.trim().trim_end_matches('/').to_owned())
        .filter(|a| !a.is_empty())
}

/// Whether this is a CI run: `CI` is `true` or `1` (any case).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|ci| ci.eq_ignore_ascii_case("true") || ci == "1")
}

/// The dashboard address for a Ray test, or `None` when the test should return at once.
///
/// With [`ADDRESS_VAR`] set, returns it. Without it, panics in CI (a Ray test that skips there
/// would hide a broken setup) and elsewhere prints one line naming the test and how to run the
/// Ray tests ([`RUN_HINT`]), then returns `None`. [`require_ray!`](crate::require_ray) wraps this.
pub fn ray_or_skip() -> Option<String> {
    if let Some(address) = ray_address() {
        return Some(address);
    }
    let test = std::thread::current().name().unwrap_or("this Ray test").to_owned();
    if in_ci() {
        panic!("{test} needs a Ray head, but {ADDRESS_VAR} is unset in CI; run the Ray tests with: {RUN_HINT}");
    }
    eprintln!("skipped {test}: no Ray head ({ADDRESS_VAR} is unset); run the Ray tests with: {RUN_HINT}");
    None
}

/// The Ray dashboard address for the test it begins, or an early `return` from that test.
///
/// Expands to [`ray::ray_or_skip`](crate::ray::ray_or_skip) and returns from the enclosing
/// function (which must return `()`) when it gives `None`; so outside CI a Ray test without a
/// head passes after printing how to run it, and in CI it fails.
#[macro_export]
macro_rules! require_ray {
    () => {
        match $crate::ray::ray_or_skip() {
            Some(address) => address,
            None => return,
        }
    };
}

/// The Ray version `scripts/ray.sh` installs (its `RAY_VERSION="…"` line).
pub fn pinned_ray_version() -> &'static str {
    RAY_SCRIPT
        .lines()
        .find_map(|line| line.strip_prefix("RAY_VERSION=\"")?.split('"').next())
        .expect("scripts/ray.sh has a RAY_VERSION=\"…\" line")
}

/// An HTTP response: its status code and body.
#[derive(Debug)]
pub struct Response {
    /// The status code, e.g. 200.
    pub status: u16,
    /// The body, decoded (chunked transfer encoding undone) and read as UTF-8.
    pub body: String,
}

/// `GET address + path` over plain HTTP/1.1 (std only), e.g.
/// `http_get("http://127.0.0.1:8265", "/api/version")`. Panics when the request cannot be made.
pub fn http_get(address: &str, path: &str) -> Response {
    let authority = address.strip_prefix("http://").unwrap_or_else(|| {
        panic!("{ADDRESS_VAR} must be a plain http:// address like http://127.0.0.1:8265, got {address}")
    });
    let authority = authority.trim_end_matches('/');
    let target = authority
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .unwrap_or_else(|| panic!("cannot resolve {authority} (from {address})"));
    let mut stream = TcpStream::connect_timeout(&target, Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("cannot connect to the Ray dashboard at {address}: {e}"));
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("set a read timeout");
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nAccept: application/json\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap_or_else(|e| panic!("GET {address}{path}: {e}"));
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap_or_else(|e| panic!("GET {address}{path}: reading the answer: {e}"));
    parse_response(&raw).unwrap_or_else(|| panic!("GET {address}{path}: not an HTTP response: {raw:?}"))
}

/// `GET address + path`, which must answer 200 with JSON.
pub fn get_json(address: &str, path: &str) -> Value {
    let response = http_get(address, path);
    assert_eq!(response.status, 200, "GET {address}{path} answered {}: {}", response.status, response.body);
    serde_json::from_str(&response.body)
        .unwrap_or_else(|e| panic!("GET {address}{path} did not answer JSON ({e}): {}", response.body))
}

fn parse_response(raw: &[u8]) -> Option<Response> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let mut body = &raw[split + 4..];
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let chunked = lines.filter_map(|line| line.split_once(':')).any(|(name, value)| {
        name.trim().eq_ignore_ascii_case("transfer-encoding") && value.trim().eq_ignore_ascii_case("chunked")
    });
    let body = if chunked {
        let mut decoded = Vec::new();
        loop {
            let end = body.windows(2).position(|w| w == b"\r\n")?;
            let size = std::str::from_utf8(&body[..end]).ok()?.split(';').next()?.trim();
            let size = usize::from_str_radix(size, 16).ok()?;
            body = &body[end + 2..];
            if size == 0 {
                break decoded;
            }
            decoded.extend_from_slice(body.get(..size)?);
            body = body.get(size + 2..)?;
        }
    } else {
        body.to_vec()
    };
    Some(Response { status, body: String::from_utf8_lossy(&body).into_owned() })
}
