//! The absolute URLs of `next` and `previous`, as DRF builds them: the request's own URL (from
//! its `Host` header) with `page` replaced, the query re-encoded with its keys sorted
//! (Django's `replace_query_param` / `remove_query_param`).

use crate::routes::Shared;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Uri, header};
use std::convert::Infallible;
use std::net::SocketAddr;

/// The absolute URL a request was made to; a handler takes it as an extractor (from the request's
/// `Host` header and URI, and the server's address).
#[derive(Clone, Debug)]
pub(crate) struct RequestUrl {
    /// `http://<host>`.
    origin: String,
    /// The path, e.g. `/jobs/`.
    path: String,
    /// The query's pairs, in order of arrival.
    query: Vec<(String, String)>,
    /// The query as it came, without the `?`.
    raw_query: Option<String>,
}

impl RequestUrl {
    /// The URL of a request: its `Host` header, or the server's address without one.
    pub(crate) fn new(headers: &HeaderMap, uri: &Uri, server: SocketAddr) -> Self {
        let host = headers
            .get(header::HOST)
            .and_then(|host| host.to_str().ok())
            .filter(|host| !host.is_empty())
            .map_or_else(|| server.to_string(), str::to_owned);
        let query = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()).into_owned().collect();
        let raw_query = uri.query().map(str::to_owned);
        Self { origin: format!("http://{host}"), path: uri.path().to_owned(), query, raw_query }
    }

    /// The query as it came (`a=1&b=2`), `None` without one.
    pub(crate) fn query(&self) -> Option<&str> {
        self.raw_query.as_deref()
    }

    /// `http://<host>`: where the request was made, for absolute URLs (media).
    pub(crate) fn origin(&self) -> &str {
        &self.origin
    }

    /// The URL with `page` set to `page`, or removed with `None`.
    pub(crate) fn with_page(&self, page: Option<u64>) -> String {
        self.with_param("page", page.map(|page| page.to_string()))
    }

    /// The URL with the query parameter `name` set to `value` (a cursor pagination's `cursor`),
    /// or removed with `None`.
    pub(crate) fn with_param(&self, name: &str, value: Option<String>) -> String {
        let mut pairs: Vec<(&str, String)> = self
            .query
            .iter()
            .filter(|(key, _)| key != name)
            .map(|(key, value)| (key.as_str(), value.clone()))
            .collect();
        if let Some(value) = value {
            pairs.push((name, value));
        }
        // Sorted by key; a key's values keep their order (a stable sort).
        pairs.sort_by_key(|(key, _)| *key);
        let mut url = format!("{}{}", self.origin, self.path);
        if !pairs.is_empty() {
            let mut query = form_urlencoded::Serializer::new(String::new());
            for (key, value) in &pairs {
                query.append_pair(key, value);
            }
            url.push('?');
            url.push_str(&query.finish());
        }
        url
    }
}

impl FromRequestParts<Shared> for RequestUrl {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &Shared) -> Result<Self, Infallible> {
        Ok(Self::new(&parts.headers, &parts.uri, app.addr))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn links_keep_the_other_parameters_sorted() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("backend.test:8000"));
        let uri: Uri = "/jobs/?url_host=a%20b&page_size=2&page=2".parse().expect("a URI");
        let url = RequestUrl::new(&headers, &uri, "127.0.0.1:1".parse().expect("an address"));
        assert_eq!(url.with_page(Some(3)), "http://backend.test:8000/jobs/?page=3&page_size=2&url_host=a+b");
        assert_eq!(url.with_page(None), "http://backend.test:8000/jobs/?page_size=2&url_host=a+b");
    }

    #[test]
    fn without_a_host_or_a_query() {
        let uri: Uri = "/jobs/".parse().expect("a URI");
        let url = RequestUrl::new(&HeaderMap::new(), &uri, "127.0.0.1:4000".parse().expect("an address"));
        assert_eq!(url.with_page(None), "http://127.0.0.1:4000/jobs/");
        assert_eq!(url.with_page(Some(2)), "http://127.0.0.1:4000/jobs/?page=2");
    }
}
