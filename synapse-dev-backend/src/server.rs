//! Starting and stopping the server.

use crate::auth::Tokens;
use crate::error::Error;
use crate::faults::Faults;
use crate::media::Media;
use crate::routes::data::storages::S3Storage;
use crate::routes::{self, App};
use crate::store::requests::FLUSH_EVERY;
use crate::store::{Location, Store, StoreError};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long [`RunningDevBackend::shutdown`] lets requests in flight finish before it drops them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The dev backend: [`DevBackend::builder`] configures and starts one.
#[derive(Debug)]
#[non_exhaustive]
pub struct DevBackend;

impl DevBackend {
    /// A backend in memory on `127.0.0.1:0`, still without its token.
    pub fn builder() -> DevBackendBuilder {
        DevBackendBuilder {
            token: None,
            user_token: None,
            location: Location::Memory,
            bind: "127.0.0.1:0".to_owned(),
            s3: None,
            fixtures: Vec::new(),
        }
    }
}

/// The configuration of a dev backend to start.
#[derive(Clone, Debug)]
#[must_use = "a builder does nothing until it is started"]
pub struct DevBackendBuilder {
    token: Option<String>,
    user_token: Option<String>,
    location: Location,
    bind: String,
    s3: Option<S3Storage>,
    fixtures: crate::fixture::Files,
}

impl DevBackendBuilder {
    /// Lists `bucket` as storage 2 (`amazon_s3`, its keys in the record's `configuration`), as
    /// [`S3Storage::from_env`] reads one for the S3 phase. Built with the `s3` feature, the
    /// presigned upload hands out URLs into this bucket when its endpoint answers (and checks the
    /// objects there at confirmation); otherwise the record is a record only, and presigned URLs
    /// point at this backend. Without it there is no storage 2.
    pub fn s3_storage(mut self, bucket: S3Storage) -> Self {
        self.s3 = Some(bucket);
        self
    }

    /// The access token (`SYNAPSE_ACCESS_TOKEN`'s counterpart), accepted in every header form.
    /// Required.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The plugin-run user token (`SYNAPSE_PLUGIN_RUN_USER_TOKEN`'s counterpart), accepted in
    /// `Authorization` beside the access token. Defaults to the access token.
    pub fn user_token(mut self, token: impl Into<String>) -> Self {
        self.user_token = Some(token.into());
        self
    }

    /// Keeps the state in `<dir>/dev-backend.sqlite3` (the directory is created when missing):
    /// a backend started again on the same directory finds it. A relative `dir` is taken from
    /// the working directory now, so that storage 1's `location` is absolute: a plugin reading
    /// it from another directory finds the same files.
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        self.location = Location::Dir(std::path::absolute(&dir).unwrap_or(dir));
        self
    }

    /// Keeps the state in memory, gone when the backend stops (the default).
    pub fn in_memory(mut self) -> Self {
        self.location = Location::Memory;
        self
    }

    /// The address to listen on, `IP:port`: a loopback address, port 0 for a free one. Defaults
    /// to `127.0.0.1:0`.
    pub fn bind(mut self, addr: impl Into<String>) -> Self {
        self.bind = addr.into();
        self
    }

    /// Loads the fixture `file` at start (after any given before) into a new state (in memory, or
    /// a data directory's first start; a restart on kept state has them already): the plugin
    /// releases, ground-truth datasets, projects and data collections it declares, each entry as
    /// its `/_dev/seed/*` (or `/_dev/data_collections`) route takes it. Every file is read and
    /// checked at each start.
    /// [`start`](Self::start) fails with [`Error::Fixture`] (the file, the JSON path of the field,
    /// why) when the file does not fit.
    pub fn fixture(mut self, file: impl Into<PathBuf>) -> Self {
        self.fixtures.push(file.into());
        self
    }

    /// Opens the state, loads the fixtures, binds the address, and serves in a task of the current tokio runtime
    /// until [`RunningDevBackend::shutdown`] (or until the handle is dropped).
    pub async fn start(self) -> Result<RunningDevBackend, Error> {
        let access = self.token.filter(|token| !token.is_empty()).ok_or(Error::MissingToken)?;
        let user = self.user_token.filter(|token| !token.is_empty()).unwrap_or_else(|| access.clone());
        let addr: SocketAddr = self.bind.trim().parse().map_err(|_| Error::InvalidBind(self.bind.clone()))?;
        if !addr.ip().is_loopback() {
            return Err(Error::NotLoopback(addr));
        }
        let mut fixtures = Vec::with_capacity(self.fixtures.len());
        for file in self.fixtures {
            let read = tokio::task::spawn_blocking({
                let file = file.clone();
                move || crate::fixture::read(&file)
            })
            .await
            .map_err(|error| Error::Store(format!("reading the fixtures: {error}")))??;
            fixtures.push((file, read));
        }
        let location = self.location;
        let (store, media) = tokio::task::spawn_blocking(move || {
            Ok::<_, StoreError>((Store::open(&location)?, Media::open(&location)?))
        })
        .await
        .map_err(|error| Error::Store(format!("opening the state: {error}")))?
        .map_err(|error| Error::Store(error.to_string()))?;
        let listener = TcpListener::bind(addr).await.map_err(|source| Error::Bind { addr, source })?;
        let addr = listener.local_addr().map_err(|source| Error::Bind { addr, source })?;
        let app = Arc::new(App {
            store,
            media,
            faults: Faults::default(),
            tokens: Tokens { access, user },
            addr,
            bucket: crate::s3::Connector::new(self.s3.clone()),
            s3: self.s3,
            closing: AtomicBool::new(false),
        });
        // A kept state has them already: they load into a new one only.
        if app.store.created() {
            for (file, fixture) in fixtures {
                crate::fixture::load(&app, &file, fixture).await?;
            }
        }
        let store = app.store.clone();
        let closing = app.clone();
        let router = routes::router(app);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let flushing = tokio::spawn(flush_requests(store.clone()));
            // Responses go out as they are written (headers, then the body): without
            // TCP_NODELAY, Nagle's algorithm holds a body back until the client acknowledges the
            // headers, tens of milliseconds per request with delayed ACKs.
            let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
                let _ = tcp.set_nodelay(true);
            });
            let served = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    // A dropped sender stops the server too.
                    let _ = stopped.await;
                    closing.closing.store(true, Ordering::Relaxed);
                })
                .await;
            flushing.abort();
            // Its result says nothing: the last flush below writes what it did not.
            let _ = flushing.await;
            let flushed = store.flush_requests().await.map_err(|error| std::io::Error::other(error.to_string()));
            served.and(flushed)
        });
        Ok(RunningDevBackend { addr, url: format!("http://{addr}/"), stop: Some(stop), task: Some(task) })
    }
}

/// Writes the request counters to the state every [`FLUSH_EVERY`], until aborted.
async fn flush_requests(store: Store) {
    let mut ticks = tokio::time::interval(FLUSH_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        // A failed flush leaves what it would have written for the next one, and the last one
        // (at shutdown) reports its error.
        let _ = store.flush_requests().await;
    }
}

/// A dev backend serving; it stops on [`RunningDevBackend::shutdown`], or when dropped (then
/// without waiting).
#[derive(Debug)]
pub struct RunningDevBackend {
    addr: SocketAddr,
    url: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl RunningDevBackend {
    /// The root URL of the API, e.g. `http://127.0.0.1:40123/` (what `SYNAPSE_HOST` is set to).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections, lets the requests in flight finish (for up to 5 s), writes
    /// the request counters to the state, and closes it.
    pub async fn shutdown(mut self) -> Result<(), Error> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let Some(mut task) = self.task.take() else { return Ok(()) };
        match tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await {
            Ok(Ok(served)) => served.map_err(Error::Serve),
            Ok(Err(error)) => Err(Error::Serve(std::io::Error::other(error))),
            Err(_) => {
                task.abort();
                // The abort's own result says nothing more.
                let _ = task.await;
                Ok(())
            }
        }
    }
}

impl Drop for RunningDevBackend {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
