//! [`LogFollower`]: a job's log as it is written, from Ray's log stream while the job runs,
//! then from the whole log file once it is over (or from the whole log each poll when the
//! stream is unusable). The client calls it reads through are in `mod.rs`, with how Ray serves
//! a job's log.

use crate::executor::ray::jobs_api::{JobDetails, JobStatus, NodeInfo, RayError, RayJobsClient};
use reqwest::Response;
use std::time::Duration;
use tokio::time::{Instant, sleep, sleep_until};

/// How often the follower checks the job's status by default.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(500);

/// The status-check interval once the job's end is expected ([`LogFollower::expect_end`]).
const END_POLL_INTERVAL: Duration = Duration::from_millis(20);

/// The incremental log of one job; made by [`RayJobsClient::follow_logs`].
///
/// Each [`next`](Self::next) returns the text written since the previous call (waiting until
/// there is some), and `None` once the job is over and all of its log was returned. Text comes
/// in the chunks Ray sends: not necessarily whole lines, but never a split character.
///
/// ```no_run
/// # async fn run(client: synapse::executor::ray::RayJobsClient) -> Result<(), synapse::executor::ray::RayError> {
/// let mut logs = client.follow_logs("quickstart.process.0ca5eac4")?;
/// while let Some(text) = logs.next().await? {
///     print!("{text}");
/// }
/// let details = logs.details().expect("known once the log ended");
/// println!("\nthe job ended {}", details.status);
/// # Ok(())
/// # }
/// ```
pub struct LogFollower {
    client: RayJobsClient,
    id: String,
    poll: Duration,
    /// Bytes of the log consumed so far (returned, or waiting in `carry`).
    consumed: usize,
    /// The start of a character whose remaining bytes have not arrived yet.
    carry: Vec<u8>,
    source: Source,
    node_id: Option<String>,
    /// The node the job ran on, when it failed because the cluster lost that node.
    lost: Option<NodeInfo>,
    details: Option<JobDetails>,
    next_check: Instant,
    done: bool,
}

enum Source {
    /// No stream open: the job has no node yet, its log file does not exist yet, or the
    /// stream broke and is to be reopened.
    Waiting,
    /// The chunked stream; its first `skip` bytes were delivered by an earlier stream.
    Streaming { response: Response, skip: usize },
    /// Diffing the whole log each poll.
    Polling,
}

impl std::fmt::Debug for LogFollower {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let source = match self.source {
            Source::Waiting => "waiting",
            Source::Streaming { .. } => "streaming",
            Source::Polling => "polling",
        };
        f.debug_struct("LogFollower")
            .field("id", &self.id)
            .field("offset", &self.consumed)
            .field("source", &source)
            .field("done", &self.done)
            .finish()
    }
}

impl LogFollower {
    pub(super) fn new(client: RayJobsClient, id: String) -> Self {
        LogFollower {
            client,
            id,
            poll: DEFAULT_POLL_INTERVAL,
            consumed: 0,
            carry: Vec::new(),
            source: Source::Waiting,
            node_id: None,
            lost: None,
            details: None,
            next_check: Instant::now(),
            done: false,
        }
    }

    /// Sets how often the job's status is checked (and how often Ray looks for new log text);
    /// default 500 ms.
    pub fn with_poll_interval(mut self, interval: Duration) -> Self {
        self.poll = interval.max(Duration::from_millis(50));
        self
    }

    /// Tells the follower the job is about to end (the caller saw its last line): from now
    /// on the status is checked every 20 ms, so the end is noticed as soon as Ray reports it.
    pub fn expect_end(&mut self) {
        if self.poll > END_POLL_INTERVAL {
            self.poll = END_POLL_INTERVAL;
            self.next_check = self.next_check.min(Instant::now() + END_POLL_INTERVAL);
        }
    }

    /// The submission id followed.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// How many bytes of the log were consumed so far.
    pub fn offset(&self) -> usize {
        self.consumed
    }

    /// The job's details as last seen: after [`next`](Self::next) returned `None`, its
    /// terminal status.
    pub fn details(&self) -> Option<&JobDetails> {
        self.details.as_ref()
    }

    /// The node the job ran on, once the job ended `FAILED` because the cluster lost that node
    /// (its state `DEAD`): say so, and name it, in what the job's failure tells.
    pub fn lost_node(&self) -> Option<&NodeInfo> {
        self.lost.as_ref()
    }

    /// Whether the whole log was returned.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Whether new text currently comes from Ray's log stream: `false` before the log file
    /// exists, after the end, and when following fell back to polling the whole log.
    pub fn is_streaming(&self) -> bool {
        matches!(self.source, Source::Streaming { .. })
    }

    /// The next new text, or `None` once the job is over and its whole log was returned.
    pub async fn next(&mut self) -> Result<Option<String>, RayError> {
        loop {
            if self.done {
                return Ok(None);
            }
            match &mut self.source {
                Source::Waiting => {
                    if let Some(text) = self.open().await? {
                        return Ok(Some(text));
                    }
                }
                Source::Streaming { response, skip } => {
                    tokio::select! {
                        chunk = response.chunk() => match chunk {
                            Ok(Some(bytes)) => {
                                let fresh = if *skip >= bytes.len() {
                                    *skip -= bytes.len();
                                    &[][..]
                                } else {
                                    let from = std::mem::take(skip);
                                    &bytes[from..]
                                };
                                if let Some(text) = self.take(fresh) {
                                    return Ok(Some(text));
                                }
                            }
                            // The server closed the stream or the connection broke: reopen it.
                            Ok(None) | Err(_) => {
                                self.source = Source::Waiting;
                                sleep(self.poll).await;
                            }
                        },
                        _ = sleep_until(self.next_check) => {
                            let details = self.check().await?;
                            if details.status.is_terminal() {
                                return self.finish().await;
                            }
                        }
                    }
                }
                Source::Polling => {
                    sleep_until(self.next_check).await;
                    if self.check().await?.status.is_terminal() {
                        return self.finish().await;
                    }
                    match self.client.logs(&self.id).await {
                        Ok(logs) => {
                            if let Some(text) = self.rest_of(logs.as_bytes()) {
                                return Ok(Some(text));
                            }
                        }
                        Err(
                            error @ (RayError::Unreachable { .. }
                            | RayError::Unauthorized { .. }
                            | RayError::Forbidden { .. }),
                        ) => return Err(error),
                        // The node serving the log may be gone (the dashboard answers 500): the
                        // job's status says what became of it at the next check.
                        Err(error) => tracing::debug!("the log of Ray job `{}` cannot be read now: {error}", self.id),
                    }
                }
            }
        }
    }

    /// Tries to open the stream; returns text only when the job turned out to be over.
    async fn open(&mut self) -> Result<Option<String>, RayError> {
        sleep_until(self.next_check).await;
        let details = self.check().await?;
        let terminal = details.status.is_terminal();
        self.node_id = details.driver_node_id.clone().or(self.node_id.take());
        let Some(node_id) = self.node_id.clone() else {
            // Not scheduled yet; a job that ended without a node still has its log.
            return if terminal { self.finish().await } else { Ok(None) };
        };
        if terminal {
            return self.finish().await;
        }
        match self.client.log_stream(&node_id, &self.filename(), self.poll.min(Duration::from_millis(500))).await {
            Ok(response) => {
                self.source = Source::Streaming { response, skip: self.consumed };
                Ok(None)
            }
            // "A file is not found at: …": not written yet, the entrypoint is still starting.
            Err(RayError::Api { message, .. }) if message.contains("is not found") => Ok(None),
            Err(
                error @ (RayError::Unreachable { .. } | RayError::Unauthorized { .. } | RayError::Forbidden { .. }),
            ) => Err(error),
            Err(error) => {
                tracing::debug!("following the log of Ray job `{}` by polling: {error}", self.id);
                self.source = Source::Polling;
                Ok(None)
            }
        }
    }

    /// Fetches the status and schedules the next check.
    async fn check(&mut self) -> Result<&JobDetails, RayError> {
        let details = self.client.status(&self.id).await?;
        self.next_check = Instant::now() + self.poll;
        if let Some(node_id) = &details.driver_node_id {
            self.node_id = Some(node_id.clone());
        }
        Ok(self.details.insert(details))
    }

    /// The job is over: return whatever of the whole log has not been returned yet. On an
    /// error the follower is not done: the next call tries again.
    async fn finish(&mut self) -> Result<Option<String>, RayError> {
        self.source = Source::Waiting;
        let whole = match &self.node_id {
            Some(node_id) => match self.client.log_file(node_id, &self.filename()).await {
                Ok(bytes) => Some(bytes),
                Err(error @ RayError::Unreachable { .. }) => return Err(error),
                Err(_) => None,
            },
            None => None,
        };
        let whole = match whole {
            Some(bytes) => bytes,
            None => match self.client.logs(&self.id).await {
                Ok(logs) => logs.into_bytes(),
                Err(RayError::JobNotFound { .. }) => Vec::new(),
                // The log was on a node the cluster lost: what was read of it is all there is.
                Err(error) if self.find_lost_node().await => {
                    tracing::debug!("the log of Ray job `{}` was on a lost node: {error}", self.id);
                    Vec::new()
                }
                Err(error) => return Err(error),
            },
        };
        if self.lost.is_none() && self.details.as_ref().is_some_and(|details| details.status == JobStatus::Failed) {
            self.find_lost_node().await;
        }
        self.done = true;
        let mut text = self.rest_of(&whole).unwrap_or_default();
        if !self.carry.is_empty() {
            text.push_str(&String::from_utf8_lossy(&std::mem::take(&mut self.carry)));
        }
        Ok(Some(text).filter(|t| !t.is_empty()))
    }

    /// Whether the node the job ran on is one the cluster lost (remembered in `lost`).
    async fn find_lost_node(&mut self) -> bool {
        let Some(node_id) = &self.node_id else { return false };
        match self.client.node(node_id).await {
            Ok(Some(node)) if !node.is_alive() => {
                self.lost = Some(node);
                true
            }
            Ok(_) => false,
            Err(error) => {
                tracing::debug!("the node of Ray job `{}` cannot be looked up: {error}", self.id);
                false
            }
        }
    }

    fn filename(&self) -> String {
        format!("job-driver-{}.log", self.id)
    }

    /// The part of the whole log not consumed yet, as text.
    fn rest_of(&mut self, whole: &[u8]) -> Option<String> {
        let fresh = whole.get(self.consumed..).unwrap_or_default();
        self.take(fresh)
    }

    /// Consumes bytes of the log: returns the complete characters, keeps a split one.
    fn take(&mut self, fresh: &[u8]) -> Option<String> {
        if fresh.is_empty() {
            return None;
        }
        self.consumed += fresh.len();
        self.carry.extend_from_slice(fresh);
        let keep = incomplete_tail(&self.carry);
        let complete: Vec<u8> = self.carry.drain(..self.carry.len() - keep).collect();
        let text =
            String::from_utf8(complete).unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned());
        Some(text).filter(|t| !t.is_empty())
    }
}

/// How many bytes at the end of `bytes` start a UTF-8 character that is not complete yet.
fn incomplete_tail(bytes: &[u8]) -> usize {
    for back in 1..=bytes.len().min(3) {
        let byte = bytes[bytes.len() - back];
        if byte & 0xC0 == 0x80 {
            continue; // a continuation byte: look further back for the lead byte
        }
        let needed = match byte {
            0xF0.. => 4,
            0xE0.. => 3,
            0xC0.. => 2,
            _ => 1,
        };
        return if needed > back { back } else { 0 };
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_characters_wait_for_their_rest() {
        assert_eq!(incomplete_tail(b"abc"), 0);
        let euro = "€".as_bytes(); // 3 bytes
        assert_eq!(incomplete_tail(&euro[..1]), 1);
        assert_eq!(incomplete_tail(&euro[..2]), 2);
        assert_eq!(incomplete_tail(euro), 0);
        assert_eq!(incomplete_tail(&[b'a', 0xF0, 0x9F, 0x98]), 3);
    }

    #[test]
    fn bytes_that_are_not_utf8_never_stop_the_log() {
        let client = RayJobsClient::new("http://127.0.0.1:9").unwrap();
        let mut follower = client.follow_logs("j").unwrap();
        let mut out = String::new();
        for chunk in [&b"a\xff\xfe"[..], b"\xf0", b"\n\xc3", b"(b\n", b"tail"] {
            if let Some(piece) = follower.take(chunk) {
                out.push_str(&piece);
            }
        }
        assert_eq!(out, "a\u{fffd}\u{fffd}\u{fffd}\n\u{fffd}(b\ntail");
    }

    #[test]
    fn text_is_returned_in_whole_characters() {
        let client = RayJobsClient::new("http://127.0.0.1:9").unwrap();
        let mut follower = client.follow_logs("j").unwrap();
        let text = "tick-1 € ✓\n".as_bytes();
        let mut out = String::new();
        for chunk in text.chunks(2) {
            if let Some(piece) = follower.take(chunk) {
                out.push_str(&piece);
            }
        }
        assert_eq!(out, "tick-1 € ✓\n");
        assert_eq!(follower.offset(), text.len());
        // A whole-log read after the stream returns only what is new.
        let whole = "tick-1 € ✓\ntick-2\n";
        assert_eq!(follower.rest_of(whole.as_bytes()).as_deref(), Some("tick-2\n"));
        assert_eq!(follower.rest_of(whole.as_bytes()), None);
    }
}
