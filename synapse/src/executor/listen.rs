//! Where a resident job (task mode's worker, a model server's replica) listens: an address given
//! outright, or its Ray node's own address, found where it runs.
//!
//! A resident job is placed by Ray on any node of the cluster; its client (the executor that
//! started it, on another machine perhaps) connects to the address it announces. Loopback is
//! right only when both are on one node, so by default a resident job listens on **its node's
//! address**: the local address its route to the cluster's GCS leaves from (Ray gives every job
//! that address in `RAY_ADDRESS`, `host:port`), which is the address the node has in the
//! cluster (Ray finds a node's address the same way). Off Ray (no `RAY_ADDRESS`), or on a
//! single-node cluster on loopback, that is `127.0.0.1`.

use super::RunError;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs, UdpSocket};
use std::str::FromStr;

/// The environment variable in which Ray gives a job its cluster's GCS address (`host:port`).
const RAY_ADDRESS_VAR: &str = "RAY_ADDRESS";

/// Where to listen: `node:PORT` (this Ray node's address; port 0 picks a free port) or a
/// socket address (`IP:PORT`).
///
/// ```
/// use synapse::executor::ListenAddress;
/// let node: ListenAddress = "node:0".parse()?;
/// assert_eq!(node, ListenAddress::Node { port: 0 });
/// assert_eq!(node.to_string(), "node:0");
/// let fixed: ListenAddress = "10.0.0.5:7000".parse()?;
/// assert_eq!(fixed.resolve_with(None)?.to_string(), "10.0.0.5:7000");
/// // Off Ray, a node's address is loopback.
/// assert_eq!(node.resolve_with(None)?.to_string(), "127.0.0.1:0");
/// assert!("node:x".parse::<ListenAddress>().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListenAddress {
    /// The address of the Ray node the job runs on, at `port`.
    Node {
        /// The port; 0 for any free one.
        port: u16,
    },
    /// This socket address.
    Socket(SocketAddr),
}

impl Default for ListenAddress {
    /// `node:0`: a free port on the node's address.
    fn default() -> Self {
        ListenAddress::Node { port: 0 }
    }
}

impl From<SocketAddr> for ListenAddress {
    fn from(address: SocketAddr) -> Self {
        ListenAddress::Socket(address)
    }
}

impl fmt::Display for ListenAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListenAddress::Node { port } => write!(f, "node:{port}"),
            ListenAddress::Socket(address) => write!(f, "{address}"),
        }
    }
}

/// Why a [`ListenAddress`] cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not an address to listen on: give IP:PORT (like 127.0.0.1:0) or node:PORT (this Ray node's address)")]
pub struct ListenAddressError(String);

impl FromStr for ListenAddress {
    type Err = ListenAddressError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || ListenAddressError(text.to_owned());
        match text.strip_prefix("node") {
            Some("") => Ok(ListenAddress::Node { port: 0 }),
            Some(port) => {
                let port = port.strip_prefix(':').ok_or_else(invalid)?;
                Ok(ListenAddress::Node { port: port.parse().map_err(|_| invalid())? })
            }
            None => text.parse().map(ListenAddress::Socket).map_err(|_| invalid()),
        }
    }
}

impl ListenAddress {
    /// The socket address to bind, the node's address read from `RAY_ADDRESS` (see the
    /// [module docs](self)).
    ///
    /// # Errors
    /// As [`resolve_with`](Self::resolve_with).
    pub fn resolve(&self) -> Result<SocketAddr, RunError> {
        self.resolve_with(std::env::var(RAY_ADDRESS_VAR).ok().as_deref())
    }

    /// The socket address to bind, given the cluster's GCS address `ray_address` (`host:port`;
    /// `None` off Ray): for [`Node`](Self::Node), the local address of this host's route to it.
    ///
    /// # Errors
    /// [`RunError::Infrastructure`] naming `ray_address` when it does not resolve or no route
    /// leads to it.
    pub fn resolve_with(&self, ray_address: Option<&str>) -> Result<SocketAddr, RunError> {
        let port = match self {
            ListenAddress::Socket(address) => return Ok(*address),
            ListenAddress::Node { port } => *port,
        };
        let gcs = match ray_address.map(str::trim).filter(|address| !address.is_empty() && *address != "auto") {
            None => return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)),
            // `host:port`, as Ray sets it for a job; the URL forms users set by hand
            // (`ray://host:10001`, the dashboard's `http://host:8265/`) lead to the same node.
            Some(address) => {
                let address = address.split_once("://").map_or(address, |(_, rest)| rest);
                address.split('/').next().unwrap_or(address)
            }
        };
        let cannot = |why: String| {
            RunError::Infrastructure(format!(
                "cannot find this Ray node's address from {RAY_ADDRESS_VAR}=`{gcs}`: {why}"
            ))
        };
        let target = gcs
            .to_socket_addrs()
            .map_err(|error| cannot(error.to_string()))?
            .next()
            .ok_or_else(|| cannot("it resolves to no address".into()))?;
        // Connecting a UDP socket sends nothing: it only picks the route, and with it the source.
        let unspecified =
            if target.is_ipv4() { IpAddr::V4(Ipv4Addr::UNSPECIFIED) } else { IpAddr::V6(Ipv6Addr::UNSPECIFIED) };
        let socket = UdpSocket::bind((unspecified, 0)).map_err(|error| cannot(error.to_string()))?;
        socket.connect(target).map_err(|error| cannot(format!("no route to it: {error}")))?;
        let local = socket.local_addr().map_err(|error| cannot(error.to_string()))?;
        Ok(SocketAddr::new(local.ip(), port))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_address_is_the_source_of_the_route_to_the_gcs() {
        let node = ListenAddress::Node { port: 7 };
        assert_eq!(node.resolve_with(Some("127.0.0.1:6379")).expect("loopback"), "127.0.0.1:7".parse().unwrap());
        assert_eq!(node.resolve_with(Some("auto")).expect("auto is off Ray"), "127.0.0.1:7".parse().unwrap());
        for url in ["http://127.0.0.1:8265", "http://127.0.0.1:8265/", "ray://127.0.0.1:10001"] {
            assert_eq!(node.resolve_with(Some(url)).expect(url), "127.0.0.1:7".parse().unwrap(), "{url}");
        }
        let error = node.resolve_with(Some("no-such-host.invalid:6379")).expect_err("unresolvable").to_string();
        assert!(error.contains("RAY_ADDRESS=`no-such-host.invalid:6379`"), "{error}");
    }

    #[test]
    fn forms_read_and_written_alike() {
        for text in ["node:0", "node:8000", "127.0.0.1:0", "[::1]:9"] {
            assert_eq!(text.parse::<ListenAddress>().expect(text).to_string(), text);
        }
        assert_eq!("node".parse::<ListenAddress>().expect("bare node"), ListenAddress::Node { port: 0 });
        for bad in ["node:", "nodes:1", "node:70000", "localhost:80", ""] {
            let error = bad.parse::<ListenAddress>().expect_err(bad).to_string();
            assert!(error.contains(&format!("`{bad}`")) && error.contains("node:PORT"), "{error}");
        }
    }
}
