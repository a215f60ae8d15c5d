//! Building the two requests: URL, headers and JSON body.
//!
//! Header names follow the seeds: `batch-query-status` documents
//! `x-request-id` and `X-Auth-Token`, `prepare-progress` documents
//! `x-auth-token` (HTTP header names are case-insensitive). Every request gets
//! its own `x-request-id`, also sent to `prepare-progress` so that failures
//! can be traced on both endpoints.

use crate::engine::json::write_string;
use crate::engine::validate::Endpoint;
use crate::prelude::*;
use std::fmt;

pub const BATCH_STATUS_PATH: &str = "/v1/instances/batch-query-status";
pub const PREPARE_PROGRESS_PATH: &str = "/v1/instances/prepare-progress";

/// A request ready to hand to `fetch`. Always `POST` with a JSON body.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub url: String,
    /// Header name and value pairs, the auth token among them once set.
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    /// The `x-request-id` sent, for error reports and results.
    pub request_id: String,
    /// The name this endpoint's seed gives the token header.
    token_header: &'static str,
}

impl HttpRequest {
    /// Add the auth token header.
    pub fn set_token(&mut self, token: &str) {
        self.headers.push((self.token_header, token.to_owned()));
    }
}

impl fmt::Debug for HttpRequest {
    /// Redacts the auth token so requests can be logged safely.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| (*k, if k.eq_ignore_ascii_case("x-auth-token") { "***" } else { v.as_str() }))
            .collect();
        f.debug_struct("HttpRequest")
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body", &self.body)
            .finish()
    }
}

fn headers(request_id: &str) -> Vec<(&'static str, String)> {
    vec![
        ("content-type", "application/json".to_owned()),
        ("accept", "application/json".to_owned()),
        ("x-request-id", request_id.to_owned()),
    ]
}

/// `POST /v1/instances/batch-query-status` for one chunk of (validated) IDs.
pub fn batch_status_request(endpoint: &Endpoint, ids: &[String], request_id: &str) -> HttpRequest {
    let mut body = String::with_capacity(20 + ids.len() * 12);
    body.push_str("{\"instance_ids\":[");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        write_string(&mut body, id);
    }
    body.push_str("]}");
    HttpRequest {
        url: endpoint.url(BATCH_STATUS_PATH),
        headers: headers(request_id),
        body,
        request_id: request_id.to_owned(),
        token_header: "X-Auth-Token",
    }
}

/// `POST /v1/instances/prepare-progress` for one (validated) user and instance.
pub fn prepare_progress_request(
    endpoint: &Endpoint,
    user_id: &str,
    instance_id: &str,
    request_id: &str,
) -> HttpRequest {
    let mut body = String::from("{\"user_id\":");
    write_string(&mut body, user_id);
    body.push_str(",\"instance_id\":");
    write_string(&mut body, instance_id);
    body.push('}');
    HttpRequest {
        url: endpoint.url(PREPARE_PROGRESS_PATH),
        headers: headers(request_id),
        body,
        request_id: request_id.to_owned(),
        token_header: "x-auth-token",
    }
}

/// Format 128 random bits as a version-4 UUID, the `x-request-id` format.
pub fn format_request_id(random: [u32; 4]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut bytes = [0u8; 16];
    for (i, word) in random.iter().enumerate() {
        bytes[i * 4..i * 4 + 4].copy_from_slice(&word.to_be_bytes());
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 0xf)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::json::{parse, Json};

    #[test]
    fn batch_request_matches_the_seed_example() {
        let ids = vec!["a44uhlf7".to_owned(), "efjy72gs".to_owned()];
        let mut r = batch_status_request(&Endpoint::default(), &ids, "rid-1");
        r.set_token("tok");
        assert_eq!(r.url, "https://koophone.myhuaweicloud.com/v1/instances/batch-query-status");
        assert_eq!(r.body, r#"{"instance_ids":["a44uhlf7","efjy72gs"]}"#);
        assert!(r.headers.contains(&("x-request-id", "rid-1".into())));
        assert!(r.headers.contains(&("X-Auth-Token", "tok".into())));
        assert!(r.headers.contains(&("content-type", "application/json".into())));
    }

    #[test]
    fn prepare_request_matches_the_seed_example() {
        let mut r = prepare_progress_request(&Endpoint::default(), "1008600000104285462", "iRJEVP9", "rid");
        r.set_token("tok");
        assert_eq!(r.url, "https://koophone.myhuaweicloud.com/v1/instances/prepare-progress");
        let body = parse(&r.body).unwrap();
        assert_eq!(body.get("user_id").and_then(Json::as_str), Some("1008600000104285462"));
        assert_eq!(body.get("instance_id").and_then(Json::as_str), Some("iRJEVP9"));
        assert!(r.headers.contains(&("x-auth-token", "tok".into())));
    }

    #[test]
    fn ids_with_json_special_characters_stay_valid_json() {
        let ids = vec!["a\"b".to_owned(), "c\\d".to_owned()];
        let r = batch_status_request(&Endpoint::default(), &ids, "rid");
        let parsed = parse(&r.body).unwrap();
        let got: Vec<_> = parsed
            .get("instance_ids")
            .and_then(Json::as_array)
            .unwrap()
            .iter()
            .filter_map(Json::as_str)
            .collect();
        assert_eq!(got, ["a\"b", "c\\d"]);
    }

    #[test]
    fn debug_output_never_shows_the_token() {
        let mut r = prepare_progress_request(&Endpoint::default(), "u", "i", "rid");
        r.set_token("sup3r-s3cret");
        let shown = format!("{r:?}");
        assert!(!shown.contains("sup3r-s3cret") && shown.contains("***"), "{shown}");
    }

    #[test]
    fn request_ids_are_version_4_uuids() {
        let id = format_request_id([0xffff_ffff, 0, 0x1234_5678, 0x9abc_def0]);
        assert_eq!(id, "ffffffff-0000-4000-9234-56789abcdef0");
        assert_eq!(format_request_id([0; 4]), "00000000-0000-4000-8000-000000000000");
    }
}
