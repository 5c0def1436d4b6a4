//! The runner's claim on the run it drives: who this process is (`host:pid`), whether another
//! holder is gone, and the heartbeat that keeps the claim alive while the run goes on.

use super::store::{RunStore, StoreError};
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often a driving process renews its claim.
const HEARTBEAT: Duration = Duration::from_secs(5);

/// How long a claim lasts without a heartbeat before another process may take the run over
/// (when it cannot tell whether the holder died: it runs on another host).
pub(super) const STALE_AFTER: Duration = Duration::from_secs(30);

/// A claim this process holds on a run: renewed every [`HEARTBEAT`] by a thread of its own
/// (so that an action blocking the async runtime cannot let it lapse), released on drop.
pub(super) struct HeldClaim {
    store: Arc<RunStore>,
    run_id: String,
    owner: String,
    stop: Option<mpsc::Sender<()>>,
    heartbeat: Option<JoinHandle<()>>,
}

impl HeldClaim {
    /// Claims `run_id` for this process. A live claim of another process is refused, unless
    /// `take_over` (the caller knows its holder is dead).
    pub(super) fn take(store: &Arc<RunStore>, run_id: &str, take_over: bool) -> Result<Self, StoreError> {
        let owner = this_process();
        let stale_after = if take_over { Duration::ZERO } else { STALE_AFTER };
        store.claim_run(run_id, &owner, stale_after, holder_is_gone)?;
        let (stop, stopped) = mpsc::channel::<()>();
        let heartbeat = {
            let (store, run_id, owner) = (store.clone(), run_id.to_owned(), owner.clone());
            std::thread::Builder::new()
                .name("synapse-claim".into())
                .spawn(move || {
                    while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(HEARTBEAT) {
                        if let Err(error) = store.renew_claim(&run_id, &owner) {
                            tracing::warn!("pipeline run `{run_id}`: {error}");
                            if matches!(error, StoreError::RunClaimed { .. } | StoreError::UnknownRun { .. }) {
                                return;
                            }
                        }
                    }
                })
                .ok()
        };
        if heartbeat.is_none() {
            tracing::warn!("pipeline run `{run_id}`: no heartbeat thread; the claim is renewed per action only");
        }
        Ok(HeldClaim { store: store.clone(), run_id: run_id.to_owned(), owner, stop: Some(stop), heartbeat })
    }

    /// Renews the claim, failing if another process took the run over: checked before each
    /// action, so that a process that lost its claim (it stalled past [`STALE_AFTER`]) stops
    /// before running anything the new holder runs.
    pub(super) fn renew(&self) -> Result<(), StoreError> {
        self.store.renew_claim(&self.run_id, &self.owner)
    }
}

impl Drop for HeldClaim {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(heartbeat) = self.heartbeat.take() {
            let _ = heartbeat.join();
        }
        if let Err(error) = self.store.release_run(&self.run_id, &self.owner) {
            tracing::warn!("pipeline run `{}`: the claim could not be released: {error}", self.run_id);
        }
    }
}

/// This process as a claim's owner: `host:pid`.
pub(super) fn this_process() -> String {
    format!("{}:{}", host(), std::process::id())
}

fn host() -> String {
    rustix::system::uname().nodename().to_string_lossy().into_owned()
}

/// Whether the holder of a claim is known to be gone: a process of this host that no longer
/// exists (or is a zombie, killed and not yet reaped). A holder on another host is never known
/// to be gone; its claim lapses after [`STALE_AFTER`] without a heartbeat.
fn holder_is_gone(holder: &str) -> bool {
    let Some((holder_host, pid)) = holder.rsplit_once(':') else { return false };
    if holder_host != host() {
        return false;
    }
    let Some(pid) = pid.parse::<i32>().ok().and_then(rustix::process::Pid::from_raw) else { return false };
    match rustix::process::test_kill_process(pid) {
        Err(rustix::io::Errno::SRCH) => true,
        Err(_) => false,
        Ok(()) => is_zombie(pid.as_raw_nonzero().get()),
    }
}

/// Whether `/proc` shows the process as a zombie (state `Z`); `false` where there is no `/proc`.
fn is_zombie(pid: i32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
    // `pid (comm) state …`: the command may contain anything, so read after its last `)`.
    stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_dead_process_of_this_host_is_gone() {
        assert!(!holder_is_gone(&this_process()));
        let mut child = std::process::Command::new("true").spawn().expect("spawn true");
        let pid = child.id();
        child.wait().expect("reaped");
        assert!(holder_is_gone(&format!("{}:{pid}", host())), "pid {pid} ended");
        assert!(!holder_is_gone(&format!("another-host-{}:{pid}", host())), "another host's cannot be told");
        assert!(!holder_is_gone("no pid here"));
    }

    #[test]
    fn a_killed_process_not_yet_reaped_is_gone() {
        let mut child = std::process::Command::new("sleep").arg("30").spawn().expect("spawn sleep");
        let holder = format!("{}:{}", host(), child.id());
        assert!(!holder_is_gone(&holder));
        child.kill().expect("SIGKILL");
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !holder_is_gone(&holder) {
            assert!(std::time::Instant::now() < deadline, "the zombie is never seen as gone");
            std::thread::sleep(Duration::from_millis(5));
        }
        child.wait().expect("reaped");
    }
}
