//! What crosses to JavaScript: results and errors as JSON text, one writer
//! per type, so each shape is described once (the typings in
//! `pkg-template/index.d.ts` describe the same shapes; the package tests check
//! the two agree). One string crossing per result, parsed by `JSON.parse`.

use crate::engine::batch::BatchOutcome;
use crate::engine::error::Error;
use crate::engine::json::write_string;
use crate::engine::poll::ProgressReport;
use crate::engine::response::{PrepareProgress, StatusResult};
use crate::engine::state::instance_state;
use crate::prelude::*;

/// A JSON object being written: `{"key":value,...}`.
pub(crate) struct Object<'a> {
    out: &'a mut String,
    empty: bool,
}

impl<'a> Object<'a> {
    pub(crate) fn new(out: &'a mut String) -> Self {
        out.push('{');
        Object { out, empty: true }
    }

    /// Start the member `key`: a name of ours, written as is (no escapes needed).
    pub(crate) fn key(&mut self, key: &'static str) -> &mut String {
        self.out.push_str(if self.empty { "\"" } else { ",\"" });
        self.empty = false;
        self.out.push_str(key);
        self.out.push_str("\":");
        self.out
    }

    pub(crate) fn str(&mut self, key: &'static str, value: &str) -> &mut Self {
        write_string(self.key(key), value);
        self
    }

    pub(crate) fn opt_str(&mut self, key: &'static str, value: Option<&str>) -> &mut Self {
        match value {
            Some(value) => self.str(key, value),
            None => self.raw(key, "null"),
        }
    }

    pub(crate) fn int(&mut self, key: &'static str, value: i64) -> &mut Self {
        let out = self.key(key);
        write_int(out, value);
        self
    }

    pub(crate) fn opt_int(&mut self, key: &'static str, value: Option<i64>) -> &mut Self {
        match value {
            Some(value) => self.int(key, value),
            None => self.raw(key, "null"),
        }
    }

    pub(crate) fn raw(&mut self, key: &'static str, json: &str) -> &mut Self {
        self.key(key).push_str(json);
        self
    }

    pub(crate) fn with(&mut self, key: &'static str, write: impl FnOnce(&mut String)) -> &mut Self {
        write(self.key(key));
        self
    }

    pub(crate) fn end(&mut self) {
        self.out.push('}');
    }
}

/// Integers without `core::fmt` (its machinery costs kilobytes of wasm).
pub(crate) fn write_int(out: &mut String, value: i64) {
    if value < 0 {
        out.push('-');
    }
    write_digits(out, value.unsigned_abs());
}

// Most significant digit first, by recursion: at most 20 deep.
fn write_digits(out: &mut String, n: u64) {
    if n >= 10 {
        write_digits(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// `value` in decimal (see [`write_int`]).
pub(crate) fn decimal(value: i64) -> String {
    let mut out = String::with_capacity(20);
    write_int(&mut out, value);
    out
}

/// The `parts` one after the other: messages are built with this, not
/// `format!`, which would bring `core::fmt` into the module.
pub(crate) fn cat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

pub(crate) fn write_strings(out: &mut String, items: &[String]) {
    write_array(out, items, |out, item| write_string(out, item));
}

pub(crate) fn write_array<T>(out: &mut String, items: &[T], mut write: impl FnMut(&mut String, &T)) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write(out, item);
    }
    out.push(']');
}

/// `{ instanceId, status, state }`.
pub(crate) fn write_status(out: &mut String, id: &str, status: i64) {
    Object::new(out).str("instanceId", id).int("status", status).str("state", instance_state(status)).end()
}

pub(crate) fn write_statuses(out: &mut String, statuses: &[StatusResult]) {
    write_array(out, statuses, |out, s| write_status(out, &s.instance_id, s.status))
}

/// `{ statuses: [{ instanceId, status, state }], missing, requestIds, errors? }`.
pub fn batch_json(outcome: &BatchOutcome, with_errors: bool) -> String {
    let mut out = String::with_capacity(64 + outcome.merged.statuses.len() * 56);
    let mut o = Object::new(&mut out);
    o.with("statuses", |out| write_statuses(out, &outcome.merged.statuses));
    o.with("missing", |out| write_strings(out, &outcome.merged.missing));
    o.with("requestIds", |out| write_strings(out, &outcome.request_ids));
    if with_errors {
        o.with("errors", |out| write_chunk_errors(out, &outcome.errors));
    }
    o.end();
    out
}

fn write_chunk_errors(out: &mut String, errors: &[(Vec<String>, Error)]) {
    write_array(out, errors, |out, (ids, error)| {
        Object::new(out)
            .with("instanceIds", |out| write_strings(out, ids))
            .with("error", |out| write_error(out, error))
            .end()
    })
}

/// `{ status, state, waitingCount, requestId }`.
pub fn progress_json(progress: &PrepareProgress, request_id: &str) -> String {
    let mut out = String::with_capacity(96);
    progress_fields(&mut Object::new(&mut out), progress, request_id).end();
    out
}

pub(crate) fn progress_fields<'o, 'a>(
    o: &'o mut Object<'a>,
    p: &PrepareProgress,
    request_id: &str,
) -> &'o mut Object<'a> {
    o.int("status", p.status)
        .str("state", p.state().name())
        .opt_int("waitingCount", p.waiting_count)
        .str("requestId", request_id)
}

/// `{ status, state, waitingCount, requestId, attempt, elapsedMs }`.
pub fn report_json(report: &ProgressReport) -> String {
    let mut out = String::with_capacity(128);
    write_report(&mut out, report);
    out
}

pub(crate) fn write_report(out: &mut String, r: &ProgressReport) {
    report_fields(&mut Object::new(out), r).end();
}

pub(crate) fn report_fields<'o, 'a>(o: &'o mut Object<'a>, r: &ProgressReport) -> &'o mut Object<'a> {
    progress_fields(o, &r.progress, &r.request_id)
        .int("attempt", i64::from(r.attempt))
        .int("elapsedMs", r.elapsed_ms as i64)
}

/// The rejection payload the JS entry turns into a `KooPhoneError`.
pub fn error_json(error: &Error) -> String {
    let mut out = String::with_capacity(256);
    write_error(&mut out, error);
    out
}

pub(crate) fn write_error(out: &mut String, e: &Error) {
    let mut o = Object::new(out);
    o.str("code", e.kind.code())
        .str("message", &e.message)
        .opt_int("httpStatus", e.http_status.map(i64::from))
        .opt_str("errorCode", e.error_code.as_deref())
        .opt_str("errorMsg", e.error_msg.as_deref())
        .opt_str("requestId", e.request_id.as_deref())
        .opt_str("serverRequestId", e.server_request_id.as_deref())
        .raw("retryable", if e.retryable() { "true" } else { "false" });
    match &e.progress {
        Some(report) => o.with("progress", |out| write_report(out, report)),
        None => o.raw("progress", "null"),
    };
    if let Some(cause) = &e.cause {
        o.with("cause", |out| {
            Object::new(out)
                .str("name", &cause.name)
                .str("message", &cause.message)
                .opt_str("code", cause.code.as_deref())
                .end()
        });
    }
    if !e.chunk_errors.is_empty() {
        o.with("errors", |out| write_chunk_errors(out, &e.chunk_errors));
    }
    o.end();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::chunk::MergedStatuses;
    use crate::engine::error::{Cause, ErrorKind, ALL_KINDS};
    use crate::engine::json::{parse, Json};
    use crate::engine::response::StatusResult;

    #[test]
    fn batch_results_are_the_documented_shape() {
        let outcome = BatchOutcome {
            merged: MergedStatuses {
                statuses: vec![StatusResult { instance_id: "a\"1".into(), status: 2 }],
                missing: vec!["b".into()],
            },
            request_ids: vec!["r1".into()],
            errors: vec![(vec!["c".into()], Error::new(ErrorKind::Http, "x"))],
        };
        let json = batch_json(&outcome, true);
        assert_eq!(
            json,
            r#"{"statuses":[{"instanceId":"a\"1","status":2,"state":"running"}],"missing":["b"],"requestIds":["r1"],"errors":[{"instanceIds":["c"],"error":{"code":"HTTP","message":"x","httpStatus":null,"errorCode":null,"errorMsg":null,"requestId":null,"serverRequestId":null,"retryable":false,"progress":null}}]}"#
        );
        assert!(!batch_json(&outcome, false).contains("errors"));
    }

    #[test]
    fn integers_are_written_exactly() {
        for n in [0, 7, -1, 42, i64::MAX, i64::MIN, 9_007_199_254_740_991] {
            let mut out = String::new();
            write_int(&mut out, n);
            assert_eq!(out, n.to_string());
        }
    }

    #[test]
    fn every_error_kind_round_trips_as_json() {
        for kind in ALL_KINDS {
            let e = Error {
                http_status: Some(503),
                cause: Some(Box::new(Cause {
                    name: "TypeError".into(),
                    message: "fetch failed".into(),
                    code: Some("ECONNRESET".into()),
                })),
                ..Error::new(kind, "m")
            };
            let text = error_json(&e);
            let doc = parse(&text).unwrap();
            assert_eq!(doc.get("code").and_then(Json::as_str), Some(kind.code()));
            assert_eq!(doc.get("httpStatus").and_then(Json::as_i64), Some(503));
            assert_eq!(
                doc.get("cause").and_then(|c| c.get("code")).and_then(Json::as_str),
                Some("ECONNRESET")
            );
        }
    }

    #[test]
    fn progress_reports_carry_every_field() {
        let r = ProgressReport {
            progress: PrepareProgress { status: 4, waiting_count: None },
            attempt: 3,
            elapsed_ms: 1500,
            request_id: "r".into(),
        };
        assert_eq!(
            report_json(&r),
            r#"{"status":4,"state":"resetting","waitingCount":null,"requestId":"r","attempt":3,"elapsedMs":1500}"#
        );
    }
}
