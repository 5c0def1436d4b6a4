//! The HTTP plumbing under every call of [`RayJobsClient`]: URLs under the dashboard's address,
//! requests with the token and the timeouts, error statuses and transport failures turned into
//! [`RayError`]s, and JSON answers decoded. The calls themselves are in the sibling files
//! (`submit.rs`, `status.rs`, …), the client's construction in `mod.rs`.

use super::error::{Call, classify, transport_reason};
use super::{RayError, RayJobsClient};
use reqwest::header::HeaderValue;
use reqwest::{Method, RequestBuilder, Response, Url};
use serde::de::DeserializeOwned;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

impl RayJobsClient {
    pub(super) fn url(&self, path: &str) -> Result<Url, RayError> {
        self.base.join(path.trim_start_matches('/')).map_err(|error| RayError::InvalidAddress {
            address: self.address.to_string(),
            reason: format!("cannot add `{path}` to it: {error}"),
        })
    }

    /// A request with the token and the request timeout.
    pub(super) fn request(&self, method: Method, path: &str) -> Result<RequestBuilder, RayError> {
        Ok(self.request_without_timeout(method, self.url(path)?).timeout(self.timeouts.request))
    }

    pub(super) fn request_without_timeout(&self, method: Method, url: Url) -> RequestBuilder {
        let request = self.http.request(method, url);
        match &self.token {
            Some(token) => request.bearer_auth(&**token),
            None => request,
        }
    }

    pub(super) fn transport(&self, error: reqwest::Error, timeout: Duration) -> RayError {
        let reason = if error.is_timeout() && error.is_connect() {
            format!("could not connect within {}", humantime::format_duration(self.timeouts.connect))
        } else if error.is_timeout() {
            format!("no answer within {}", humantime::format_duration(timeout))
        } else if error.is_connect() {
            transport_reason(&error, None)
        } else {
            // Something accepted the connection and then broke it: not the answer of a dashboard.
            format!(
                "the connection broke before an answer ({}); is a Ray dashboard listening there?",
                transport_reason(&error, None)
            )
        };
        RayError::Unreachable { address: self.address.to_string(), reason, source: Some(Box::new(error)) }
    }

    /// Sends a request; an error status becomes the matching [`RayError`].
    pub(super) async fn send(
        &self,
        request: RequestBuilder,
        method: &'static str,
        path: &str,
        call: Call<'_>,
    ) -> Result<Response, RayError> {
        let timeout = if matches!(call, Call::Upload { .. }) { self.timeouts.upload } else { self.timeouts.request };
        let response = request.send().await.map_err(|error| self.transport(error, timeout))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = response.text().await.unwrap_or_default();
        Err(classify(&self.address, method, path, call, status.as_u16(), &body))
    }

    pub(super) async fn decode<T: DeserializeOwned>(
        &self,
        response: Response,
        method: &'static str,
        path: &str,
    ) -> Result<T, RayError> {
        let text = response.text().await.map_err(|error| self.transport(error, self.timeouts.request))?;
        serde_json::from_str(&text).map_err(|error| RayError::UnexpectedResponse {
            method,
            path: path.to_owned(),
            detail: format!("{error}; the answer starts with {:?}", text.chars().take(200).collect::<String>()),
        })
    }

    pub(super) async fn get_json<T: DeserializeOwned>(&self, path: &str, call: Call<'_>) -> Result<T, RayError> {
        let request = self.request(Method::GET, path)?;
        let response = self.send(request, "GET", path, call).await?;
        self.decode(response, "GET", path).await
    }
}

/// Parses an HTTP date (`Wed, 25 Nov 2026 01:34:11 GMT`, the only form servers send today).
pub(super) fn parse_http_date(value: &HeaderValue) -> Option<SystemTime> {
    let text = value.to_str().ok()?;
    let mut parts = text.split_whitespace().skip(1);
    let day: u32 = parts.next()?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = parts.next()?.parse().ok()?;
    let mut clock = parts.next()?.split(':').map(|part| part.parse::<u64>().ok());
    let (hours, minutes, seconds) = (clock.next()??, clock.next()??, clock.next()??);
    if parts.next()? != "GMT" || !(1..=31).contains(&day) || hours > 23 || minutes > 59 || seconds > 60 {
        return None;
    }
    // Days since 1970-01-01 of a civil date (proleptic Gregorian).
    let (y, m) = if month <= 2 { (year - 1, month + 9) } else { (year, month - 3) };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * m + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = u64::try_from(era * 146_097 + day_of_era - 719_468).ok()?;
    Some(UNIX_EPOCH + Duration::from_secs(days * 86_400 + hours * 3600 + minutes * 60 + seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executor::ray::UNREACHABLE_HINT;

    #[test]
    fn http_dates_parse() {
        let date = parse_http_date(&HeaderValue::from_static("Wed, 25 Nov 2026 01:34:11 GMT")).unwrap();
        assert_eq!(date.duration_since(UNIX_EPOCH).unwrap().as_secs(), 1_795_570_451);
        let date = parse_http_date(&HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT")).unwrap();
        assert_eq!(date, UNIX_EPOCH);
        let date = parse_http_date(&HeaderValue::from_static("Tue, 29 Feb 2000 12:00:00 GMT")).unwrap();
        assert_eq!(date.duration_since(UNIX_EPOCH).unwrap().as_secs(), 951_825_600);
        assert!(parse_http_date(&HeaderValue::from_static("yesterday")).is_none());
        assert!(parse_http_date(&HeaderValue::from_static("Wed, 25 Nov 2026 01:34:11 CET")).is_none());
    }

    #[tokio::test]
    async fn a_dead_dashboard_is_unreachable_at_its_address() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let client = RayJobsClient::new(&format!("http://127.0.0.1:{port}")).unwrap();
        let error = client.version().await.unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("Ray dashboard unreachable at http://127.0.0.1:{port}: connection refused ({UNREACHABLE_HINT})")
        );
        assert!(error.is_unreachable());
    }
}
