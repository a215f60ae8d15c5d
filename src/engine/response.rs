//! Reading responses of both endpoints, success and error alike.
//!
//! The rules, in order:
//! 1. A non-2xx status is an [`ErrorKind::Http`] error, enriched with
//!    `error_code`/`error_msg` when the body is the documented JSON.
//! 2. A 2xx body must be a JSON object, else [`ErrorKind::BadResponse`] with a
//!    short excerpt of what came instead.
//! 3. A non-success `error_code` in a 2xx body is an [`ErrorKind::Api`] error:
//!    newer API versions report failures this way.
//! 4. The payload must have the documented types; unknown extra fields are
//!    ignored and unknown status numbers are kept.

use crate::engine::error::{Error, ErrorKind};
use crate::engine::json::{self, Json};
use crate::engine::output::{cat, decimal, write_int};
use crate::engine::retry::parse_retry_after;
use crate::engine::state::PrepareState;
use crate::prelude::*;

/// Largest response body read, in bytes (decompressed). Real responses are a
/// few KiB; anything near this is not KooPhone, and reading stops there.
pub const MAX_BODY_BYTES: u32 = 4 * 1024 * 1024;

/// What the transport read off the wire.
#[derive(Clone, Debug, PartialEq)]
pub struct RawResponse {
    pub status: u16,
    pub body: String,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<String>,
    /// Clock reading (ms since the epoch) when the response arrived.
    pub received_at_ms: f64,
}

/// One instance's entry of a `batch-query-status` response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusResult {
    pub instance_id: String,
    /// The number as sent; see [`crate::engine::state::instance_state`].
    pub status: i64,
}

/// One `prepare-progress` reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrepareProgress {
    pub status: i64,
    /// `waitingCount` as sent (`None` when absent or null).
    pub waiting_count: Option<i64>,
}

impl PrepareProgress {
    pub fn state(&self) -> PrepareState {
        PrepareState::from_status(self.status)
    }
}

/// Parse a `batch-query-status` response. Accepts the documented wrapper
/// (`{error_code, error_msg, data: {status_results}}`) and the bare form of
/// the seed's example (`{status_results}`).
pub fn parse_batch_status(resp: &RawResponse, request_id: &str) -> Result<Vec<StatusResult>, Error> {
    let doc = envelope(resp, request_id)?;
    let bad = |what: String| bad_response(what, request_id, resp);
    let results = doc
        .get("data")
        .filter(|d| !matches!(d, Json::Null))
        .map_or_else(|| doc.get("status_results"), |d| d.get("status_results"));
    let Some(items) = results else {
        return Err(bad("the body has no data.status_results".into()));
    };
    let Some(items) = items.as_array() else {
        return Err(bad(cat(&["status_results is ", items.type_name(), ", expected an array"])));
    };
    // A loop, not `collect` into a `Result`: smaller in the wasm.
    let mut results = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let id = item.get("instance_id").and_then(Json::as_str);
        let status = item.get("status").and_then(Json::as_i64);
        let (Some(id), Some(status)) = (id, status) else {
            let mut what = String::from("status_results[");
            write_int(&mut what, i as i64);
            what.push_str("] needs a string instance_id and an integer status");
            return Err(bad(what));
        };
        results.push(StatusResult { instance_id: id.to_owned(), status });
    }
    Ok(results)
}

/// Parse a `prepare-progress` response (`{data: {status, waitingCount}, ...}`).
pub fn parse_prepare_progress(resp: &RawResponse, request_id: &str) -> Result<PrepareProgress, Error> {
    let doc = envelope(resp, request_id)?;
    let bad = |what: &str| bad_response(what.to_owned(), request_id, resp);
    let Some(data) = doc.get("data").filter(|d| matches!(d, Json::Object(_))) else {
        return Err(bad("the body has no data object"));
    };
    let Some(status) = data.get("status").and_then(Json::as_i64) else {
        return Err(bad("data.status is missing or not an integer"));
    };
    let waiting_count = match data.get("waitingCount") {
        None | Some(Json::Null) => None,
        Some(v) => {
            let Some(count) = v.as_i64() else { return Err(bad("data.waitingCount is not an integer")) };
            Some(count)
        }
    };
    Ok(PrepareProgress { status, waiting_count })
}

/// Whether an `error_code` means success: absent, `"0"`, `0`, or a code whose
/// number part is all zeros (`"KOOPHONE.API.0000"`).
pub fn is_success_code(code: &Json) -> bool {
    match code {
        Json::Null => true,
        Json::Number(n) => *n == 0.0,
        Json::String(s) => {
            // Bytes, not `rsplit`: a reverse char searcher costs half a kilobyte of wasm.
            let number =
                s.bytes().rposition(|b| b == b'.').map_or(&**s, |dot| s.get(dot + 1..).unwrap_or_default());
            !number.is_empty() && number.bytes().all(|b| b == b'0')
        }
        _ => false,
    }
}

/// Steps 1 to 3 of the module rules; returns the parsed body object.
fn envelope<'r>(resp: &'r RawResponse, request_id: &str) -> Result<Json<'r>, Error> {
    let parsed = json::parse(&resp.body);
    if !(200..300).contains(&resp.status) {
        return Err(server_error(ErrorKind::Http, resp, parsed.ok().as_ref(), request_id));
    }
    let what = match parsed {
        Ok(doc @ Json::Object(_)) => match doc.get("error_code") {
            Some(code) if !is_success_code(code) => {
                return Err(server_error(ErrorKind::Api, resp, Some(&doc), request_id))
            }
            _ => return Ok(doc),
        },
        Ok(other) => cat(&["the body is ", other.type_name(), ", expected a JSON object"]),
        Err(e) => {
            let mut what = cat(&["the body is not JSON (", e.reason, " at byte "]);
            write_int(&mut what, e.offset as i64);
            what.push(')');
            what
        }
    };
    Err(bad_response(what, request_id, resp))
}

/// The error the server reported: an [`ErrorKind::Http`] status, or an
/// [`ErrorKind::Api`] `error_code` in a 2xx body.
fn server_error(kind: ErrorKind, resp: &RawResponse, doc: Option<&Json>, request_id: &str) -> Error {
    let (error_code, error_msg) = doc.map(server_codes).unwrap_or_default();
    let (code, msg) = (error_code.as_deref(), error_msg.as_deref());
    let message = if kind == ErrorKind::Api {
        cat(&["KooPhone rejected the request: ", code.unwrap_or("?"), " ", msg.unwrap_or("(no error_msg)")])
    } else {
        let mut message = String::from("HTTP ");
        write_int(&mut message, i64::from(resp.status));
        message.push_str(" from KooPhone (");
        match (code, msg) {
            (None, None) => {
                message.push_str("body: ");
                message.push_str(&excerpt(&resp.body));
            }
            (code, msg) => message.push_str(cat(&[code.unwrap_or(""), " ", msg.unwrap_or("")]).trim()),
        }
        message.push(')');
        message.push_str(match resp.status {
            // 401 and 403: the request adds a hint for its kind of auth (`Auth::refusal_hint`).
            404 | 405 => "; check the endpoint",
            429 => "; flow control: too many requests, slow down",
            s if s >= 500 => "; the service had a problem, try again later",
            _ => "",
        });
        message
    };
    // Never set for an Api error: its status is 2xx.
    let retry_after_ms = match resp.status {
        429 | 503 => resp.retry_after.as_deref().and_then(|v| parse_retry_after(v, resp.received_at_ms)),
        _ => None,
    };
    Error {
        http_status: Some(resp.status),
        error_code,
        error_msg,
        request_id: Some(request_id.to_owned()),
        server_request_id: server_request_id(doc),
        retry_after_ms,
        ..Error::bare(kind, message)
    }
}

/// Longest `error_code`, `error_msg` or `request_id` kept from a body, in
/// characters; real ones are a few dozen.
pub const MAX_SERVER_TEXT_CHARS: usize = 2048;

/// `error_code` and `error_msg` of an error body, as text. Codes are strings
/// in the docs, but a number is kept too rather than lost.
fn server_codes(doc: &Json) -> (Option<String>, Option<String>) {
    let text = |key| match doc.get(key) {
        Some(Json::String(s)) => Some(bounded(s)),
        Some(n @ Json::Number(_)) => Some(n.as_i64().map_or_else(|| "non-integer".to_owned(), decimal)),
        _ => None,
    };
    (text("error_code"), text("error_msg"))
}

/// The `request_id` an error body carries (the API gateway's, or KooPhone's).
fn server_request_id(doc: Option<&Json>) -> Option<String> {
    doc?.get("request_id")?.as_str().map(bounded)
}

/// `text` cut to [`MAX_SERVER_TEXT_CHARS`] characters.
fn bounded(text: &str) -> String {
    match text.char_indices().nth(MAX_SERVER_TEXT_CHARS) {
        Some((cut, _)) => cat(&[text.get(..cut).unwrap_or_default(), "…"]),
        None => text.to_owned(),
    }
}

fn bad_response(what: String, request_id: &str, resp: &RawResponse) -> Error {
    Error {
        http_status: Some(resp.status),
        request_id: Some(request_id.to_owned()),
        ..Error::bare(
            ErrorKind::BadResponse,
            cat(&["unexpected response from KooPhone: ", &what, "; body: ", &excerpt(&resp.body)]),
        )
    }
}

/// The start of a body, on one line, for error messages.
pub fn excerpt(body: &str) -> String {
    const MAX_CHARS: usize = 120;
    let mut out = String::new();
    let (mut count, mut space) = (0, false);
    for c in body.chars() {
        // Runs of whitespace become one space between words.
        if c.is_whitespace() {
            space = count > 0;
            continue;
        }
        if space {
            out.push(' ');
            count += 1;
            space = false;
        }
        if count >= MAX_CHARS {
            out.push('…');
            return out;
        }
        out.push(if c.is_control() { ' ' } else { c });
        count += 1;
    }
    if out.is_empty() {
        out.push_str("(empty)");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, body: &str) -> RawResponse {
        RawResponse { status, body: body.to_owned(), retry_after: None, received_at_ms: 0.0 }
    }

    #[test]
    fn seed_bare_batch_example_parses() {
        let r = resp(200, r#"{ "status_results" : [ { "instance_id" : "a44uhlf7", "status" : 0 } ] }"#);
        assert_eq!(
            parse_batch_status(&r, "rid").unwrap(),
            [StatusResult { instance_id: "a44uhlf7".into(), status: 0 }]
        );
    }

    #[test]
    fn documented_wrapper_parses_and_keeps_unknown_statuses() {
        let r = resp(
            200,
            r#"{"error_code":"0","error_msg":"OK","data":{"status_results":[{"instance_id":"a","status":2,"extra":true},{"instance_id":"b","status":42}]},"more":1}"#,
        );
        let got = parse_batch_status(&r, "rid").unwrap();
        assert_eq!(got[0].status, 2);
        assert_eq!(got[1].status, 42);
    }

    #[test]
    fn seed_prepare_example_parses() {
        let r = resp(
            200,
            r#"{ "data" : { "status" : 0, "waitingCount" : 0 }, "error_code" : "0", "error_msg" : "OK" }"#,
        );
        let p = parse_prepare_progress(&r, "rid").unwrap();
        assert_eq!(p, PrepareProgress { status: 0, waiting_count: Some(0) });
        assert_eq!(p.state(), PrepareState::Normal);
        let no_count = resp(200, r#"{"data":{"status":1,"waitingCount":null}}"#);
        assert_eq!(parse_prepare_progress(&no_count, "rid").unwrap().waiting_count, None);
    }

    #[test]
    fn seed_error_table_bodies_become_http_errors_with_codes() {
        for (status, code, msg) in [
            (400, "KOOPHONE.API.1000", "The request parameter is incorrect."),
            (400, "KOOPHONE.API.1001", "Insufficient instance permissions."),
            (400, "KOOPHONE.API.4001", "The instance does not exist."),
            (500, "KOOPHONE.API.9999", "Internal service error."),
        ] {
            let body = format!(r#"{{"error_code":"{code}","error_msg":"{msg}"}}"#);
            let e = parse_prepare_progress(&resp(status, &body), "rid-9").unwrap_err();
            assert_eq!(e.kind, ErrorKind::Http);
            assert_eq!(e.http_status, Some(status));
            assert_eq!(e.error_code.as_deref(), Some(code));
            assert_eq!(e.error_msg.as_deref(), Some(msg));
            assert_eq!(e.request_id.as_deref(), Some("rid-9"));
            assert!(e.message.contains(code) && e.message.contains(&status.to_string()), "{}", e.message);
            assert_eq!(e.retryable(), status == 500);
        }
    }

    #[test]
    fn non_zero_error_code_in_http_200_is_an_api_error() {
        for code in [r#""KooPhone.API.1001""#, r#""CPH.0012""#, "7"] {
            let body = format!(r#"{{"error_code":{code},"error_msg":"nope"}}"#);
            let e = parse_batch_status(&resp(200, &body), "rid").unwrap_err();
            assert_eq!(e.kind, ErrorKind::Api, "{code}");
            assert_eq!(e.error_msg.as_deref(), Some("nope"));
            assert!(!e.retryable());
        }
    }

    #[test]
    fn success_codes_in_every_spelling_are_accepted() {
        for code in [r#""0""#, "0", "null", r#""KOOPHONE.API.0000""#] {
            let body = format!(r#"{{"error_code":{code},"data":{{"status_results":[]}}}}"#);
            assert!(parse_batch_status(&resp(200, &body), "rid").is_ok(), "{code}");
        }
        assert!(!is_success_code(&Json::String("".into())));
        assert!(!is_success_code(&Json::String("KOOPHONE.API.".into())));
        assert!(!is_success_code(&Json::Bool(false)));
    }

    #[test]
    fn non_json_and_html_bodies_are_bad_responses_with_an_excerpt() {
        let e = parse_batch_status(&resp(200, "OK"), "rid").unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse);
        assert!(e.message.contains("body: OK"), "{}", e.message);
        let truncated =
            parse_batch_status(&resp(200, r#"{"status_results":[{"instance_id":"a","#), "rid").unwrap_err();
        assert_eq!(truncated.kind, ErrorKind::BadResponse);
        let html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
        let e = parse_batch_status(&resp(502, html), "rid").unwrap_err();
        assert_eq!((e.kind, e.http_status), (ErrorKind::Http, Some(502)));
        assert!(e.message.contains("502 Bad Gateway") && e.retryable(), "{}", e.message);
    }

    #[test]
    fn wrong_types_and_missing_fields_are_bad_responses() {
        for body in [
            r#"[]"#,
            r#""text""#,
            r#"{"error_code":"0","error_msg":"OK"}"#,
            r#"{"data":{"status_results":{"a":1}}}"#,
            r#"{"data":{"status_results":[{"instance_id":"a","status":"2"}]}}"#,
            r#"{"data":{"status_results":[{"instance_id":7,"status":2}]}}"#,
            r#"{"data":{"status_results":[{"instance_id":"a","status":2.5}]}}"#,
            r#"{"data":{"status_results":[null]}}"#,
        ] {
            let e = parse_batch_status(&resp(200, body), "rid").unwrap_err();
            assert_eq!(e.kind, ErrorKind::BadResponse, "{body}");
        }
        for body in [
            r#"{"error_code":"0"}"#,
            r#"{"data":null}"#,
            r#"{"data":{"waitingCount":1}}"#,
            r#"{"data":{"status":"0"}}"#,
            r#"{"data":{"status":1,"waitingCount":"3"}}"#,
        ] {
            let e = parse_prepare_progress(&resp(200, body), "rid").unwrap_err();
            assert_eq!(e.kind, ErrorKind::BadResponse, "{body}");
        }
    }

    #[test]
    fn retry_after_is_read_on_429_and_503_only() {
        let mut r = resp(429, r#"{"error_code":"KOOPHONE.API.0429","error_msg":"Too many requests"}"#);
        r.retry_after = Some("2".into());
        let e = parse_batch_status(&r, "rid").unwrap_err();
        assert_eq!(e.retry_after_ms, Some(2_000));
        assert!(e.message.contains("flow control"), "{}", e.message);
        r.status = 500;
        assert_eq!(parse_batch_status(&r, "rid").unwrap_err().retry_after_ms, None);
    }

    #[test]
    fn excerpts_are_short_single_lines() {
        assert_eq!(excerpt(""), "(empty)");
        assert_eq!(excerpt("  a\n\n b\t"), "a b");
        let long = excerpt(&"x ".repeat(500));
        assert!(long.ends_with('…') && long.chars().count() <= 121, "{long}");
        assert_eq!(excerpt("\u{7}bell"), " bell");
    }
}
