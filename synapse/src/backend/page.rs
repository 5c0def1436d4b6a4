//! Paged listings (DRF page-number pagination, API v1): [`Page`] and
//! [`BackendClient::list`], a stream of a listing's items that follows each page's `next` link.

use super::{BackendClient, BackendError};
use futures_util::Stream;
use reqwest::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::collections::{HashSet, VecDeque};

/// The page size a listing asks for, as the Python SDK does.
pub const PAGE_SIZE: usize = 100;

/// One page of a v1 listing: `{"count", "next", "previous", "results"}`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Page<T> {
    /// Items in the whole listing.
    #[serde(default)]
    pub count: u64,
    /// The next page's absolute URL, `null` on the last.
    #[serde(default)]
    pub next: Option<String>,
    /// The previous page's absolute URL.
    #[serde(default)]
    pub previous: Option<String>,
    /// This page's items.
    pub results: Vec<T>,
}

impl BackendClient {
    /// Every item of the listing at `path` with `query` (and `page_size=100`), page after page
    /// as the stream is read, following each page's `next` link.
    ///
    /// ```no_run
    /// # async fn demo(client: synapse::backend::BackendClient) -> Result<(), synapse::backend::BackendError> {
    /// use futures_util::TryStreamExt;
    /// let jobs: Vec<serde_json::Value> = client.list("jobs/", &[("status", "RUNNING")]).try_collect().await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// An item of the stream is the error of the page that failed (after its retries), or
    /// [`BackendError::PageLoop`] when a `next` link leads back to a page already read; the
    /// stream ends after an error.
    pub fn list<T: DeserializeOwned + Send + 'static>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> impl Stream<Item = Result<T, BackendError>> + Send + use<T> {
        let size = PAGE_SIZE.to_string();
        let mut full: Vec<(&str, &str)> = query.to_vec();
        if !query.iter().any(|(key, _)| *key == "page_size") {
            full.push(("page_size", &size));
        }
        let first = self.url(path, &full);
        let state = Listing {
            client: self.clone(),
            path: path.to_owned(),
            next: Some(first),
            seen: HashSet::new(),
            items: VecDeque::new(),
        };
        futures_util::stream::try_unfold(state, |mut state| async move {
            loop {
                if let Some(item) = state.items.pop_front() {
                    return Ok(Some((item, state)));
                }
                let Some(url) = state.next.take() else { return Ok(None) };
                let url = url?;
                if !state.seen.insert(url.to_string()) {
                    return Err(BackendError::PageLoop { path: state.path.clone(), url: url.to_string() });
                }
                let page: Page<T> = state.client.call(Method::GET, url, None::<&()>).await?;
                state.next = page.next.map(|next| {
                    reqwest::Url::parse(&next).map_err(|error| BackendError::Decode {
                        method: "GET".to_owned(),
                        path: state.path.clone(),
                        reason: format!("its `next` link `{next}` is not a URL: {error}"),
                    })
                });
                state.items = page.results.into();
            }
        })
    }
}

/// Where a listing is.
struct Listing<T> {
    client: BackendClient,
    path: String,
    next: Option<Result<reqwest::Url, BackendError>>,
    seen: HashSet<String>,
    items: VecDeque<T>,
}
