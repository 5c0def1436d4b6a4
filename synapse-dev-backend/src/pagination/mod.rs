//! DRF's page-number pagination, as the v1 list routes answer:
//! `{"count", "next", "previous", "results"}`.
//!
//! - `?page_size=` sets the page size: 100 by default, at most 1000 (larger asks get 1000, like
//!   DRF's `max_page_size`); a size that is not a positive integer gets the default.
//! - `?page=` is 1-based, or `last`; a page that is not a positive integer, or past the last
//!   page, is 404 `{"detail": "Invalid page."}`. Page 1 of nothing is an empty page.
//! - `next` and `previous` are absolute URLs built from the request's `Host` header
//!   ([`links`]).

pub(crate) mod links;

use crate::drf::ApiError;
use crate::store::{Store, StoreError};
use rusqlite::Connection;
use serde_json::{Value, json};

/// The page size without `?page_size=`.
pub(crate) const DEFAULT_PAGE_SIZE: u64 = 100;
/// The largest page size.
pub(crate) const MAX_PAGE_SIZE: u64 = 1000;

/// The page asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PageNumber {
    /// A 1-based page number.
    Number(u64),
    /// `?page=last`.
    Last,
}

/// A page request, read from the query string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PageRequest {
    /// The page asked for.
    pub(crate) page: PageNumber,
    /// Items per page.
    pub(crate) page_size: u64,
}

impl PageRequest {
    /// Reads `page` and `page_size` from a query string; 404 "Invalid page." for a page that is
    /// not a positive integer or `last`.
    pub(crate) fn from_query(query: Option<&str>) -> Result<Self, ApiError> {
        let mut page = None;
        let mut page_size = None;
        for (key, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            // Django's QueryDict.get: the last value of a repeated key.
            match &*key {
                "page" => page = Some(value.into_owned()),
                "page_size" => page_size = Some(value.into_owned()),
                _ => {}
            }
        }
        let page_size = page_size
            .and_then(|size| size.trim().parse::<u64>().ok())
            .filter(|&size| size > 0)
            .map_or(DEFAULT_PAGE_SIZE, |size| size.min(MAX_PAGE_SIZE));
        let page = match page.as_deref().map(str::trim) {
            None => PageNumber::Number(1),
            Some("last") => PageNumber::Last,
            Some(number) => match number.parse::<u64>() {
                Ok(number) if number > 0 => PageNumber::Number(number),
                _ => return Err(ApiError::InvalidPage),
            },
        };
        Ok(Self { page, page_size })
    }

    /// The 1-based page to show of `count` items: 404 "Invalid page." past the last page.
    pub(crate) fn resolve(self, count: u64) -> Result<ResolvedPage, ApiError> {
        let pages = count.div_ceil(self.page_size).max(1);
        let number = match self.page {
            PageNumber::Last => pages,
            PageNumber::Number(number) if number <= pages => number,
            PageNumber::Number(_) => return Err(ApiError::InvalidPage),
        };
        Ok(ResolvedPage { number, pages, page_size: self.page_size, count })
    }

    /// The page to show and its items, in one store task: [`Self::resolve`] against what `count`
    /// counts, then `list(connection, page_size, offset)`. 404 "Invalid page." past the last page.
    pub(crate) async fn read<T, C, L>(
        self,
        store: &Store,
        count: C,
        list: L,
    ) -> Result<(ResolvedPage, Vec<T>), ApiError>
    where
        C: FnOnce(&Connection) -> Result<u64, StoreError> + Send + 'static,
        L: FnOnce(&Connection, u64, u64) -> Result<Vec<T>, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let count = move |connection: &Connection, (): &()| count(connection);
        let list = move |connection: &Connection, (): &(), limit, offset| list(connection, limit, offset);
        self.read_where(store, (), count, list).await
    }

    /// [`Self::read`] of a filtered listing: `count(connection, &filter)`, then
    /// `list(connection, &filter, page_size, offset)`.
    pub(crate) async fn read_where<F, T, C, L>(
        self,
        store: &Store,
        filter: F,
        count: C,
        list: L,
    ) -> Result<(ResolvedPage, Vec<T>), ApiError>
    where
        F: Send + 'static,
        C: FnOnce(&Connection, &F) -> Result<u64, StoreError> + Send + 'static,
        L: FnOnce(&Connection, &F, u64, u64) -> Result<Vec<T>, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        store
            .run(move |connection| {
                let page = match self.resolve(count(connection, &filter)?) {
                    Ok(page) => page,
                    Err(error) => return Ok(Err(error)),
                };
                Ok(Ok((page, list(connection, &filter, page.page_size, page.offset())?)))
            })
            .await?
    }
}

/// A page that exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ResolvedPage {
    /// Its 1-based number.
    pub(crate) number: u64,
    /// How many pages there are (at least 1).
    pub(crate) pages: u64,
    /// Items per page.
    pub(crate) page_size: u64,
    /// How many items there are.
    pub(crate) count: u64,
}

impl ResolvedPage {
    /// How many items come before the page.
    pub(crate) fn offset(self) -> u64 {
        (self.number - 1).saturating_mul(self.page_size)
    }

    /// The response: `{"count", "next", "previous", "results"}`, with links to the pages either
    /// side from the request's absolute URL.
    pub(crate) fn body(self, request: &links::RequestUrl, results: Vec<Value>) -> Value {
        let next = (self.number < self.pages).then(|| request.with_page(Some(self.number + 1)));
        let previous = match self.number {
            1 => None,
            // DRF's link to page 1 drops the parameter.
            2 => Some(request.with_page(None)),
            number => Some(request.with_page(Some(number - 1))),
        };
        json!({ "count": self.count, "next": next, "previous": previous, "results": results })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        let size = |query: &str| PageRequest::from_query(Some(query)).map(|request| request.page_size).ok();
        assert_eq!(size(""), Some(100));
        assert_eq!(size("page_size=7"), Some(7));
        assert_eq!(size("page_size=5000"), Some(1000));
        assert_eq!(size("page_size=0"), Some(100));
        assert_eq!(size("page_size=x"), Some(100));
    }

    #[test]
    fn pages() {
        let page = |query: &str| PageRequest::from_query(Some(query)).map(|request| request.page).ok();
        assert_eq!(page(""), Some(PageNumber::Number(1)));
        assert_eq!(page("page=3"), Some(PageNumber::Number(3)));
        assert_eq!(page("page=last"), Some(PageNumber::Last));
        assert_eq!(page("page=0"), None);
        assert_eq!(page("page=-1"), None);
        assert_eq!(page("page=two"), None);
    }

    #[test]
    fn resolving() {
        let request = |page| PageRequest { page, page_size: 3 };
        assert_eq!(request(PageNumber::Number(1)).resolve(0).map(|page| page.pages).ok(), Some(1));
        assert_eq!(request(PageNumber::Number(3)).resolve(7).map(|page| page.offset()).ok(), Some(6));
        assert_eq!(request(PageNumber::Last).resolve(7).map(|page| page.number).ok(), Some(3));
        assert!(request(PageNumber::Number(4)).resolve(7).is_err());
        assert!(request(PageNumber::Number(2)).resolve(0).is_err());
    }
}
