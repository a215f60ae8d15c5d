//! The fleet features' results and events as JSON text (the shapes of
//! `pkg-template/index.d.ts`): watch events, `waitForState` rounds and
//! results, `waitPreparedAll` outcomes, hook events, checked IDs.

use crate::engine::fleet::{FleetNotice, StateRound, WatchEvent};
use crate::engine::hooks::{Attempt, Hook};
use crate::engine::id_check::Invalid;
use crate::engine::json::{write_string, Json};
use crate::engine::output::{
    report_fields, write_array, write_error, write_int, write_report, write_status, write_statuses,
    write_strings, Object,
};
use crate::engine::poll::ProgressReport;
use crate::engine::prepare::Target;
use crate::engine::prepare_all::PreparedOutcome;
use crate::engine::wait_state::StateOutcome;
use crate::prelude::*;

fn write_known(out: &mut String, id: &str, status: Option<i64>) {
    match status {
        Some(status) => write_status(out, id, status),
        None => out.push_str("null"),
    }
}

/// `{ round, changes, statuses, missing, error? }` (the host adds `at`).
fn write_watch_event(out: &mut String, e: &WatchEvent) {
    let mut o = Object::new(out);
    o.int("round", i64::from(e.round));
    o.with("changes", |out| {
        write_array(out, &e.changes, |out, c| {
            Object::new(out)
                .str("instanceId", &c.instance_id)
                .with("previous", |out| write_known(out, &c.instance_id, c.previous))
                .with("current", |out| write_known(out, &c.instance_id, c.current))
                .end()
        })
    });
    o.with("statuses", |out| write_statuses(out, &e.statuses));
    o.with("missing", |out| write_strings(out, &e.missing));
    if let Some(error) = &e.error {
        o.with("error", |out| write_error(out, error));
    }
    o.end();
}

/// `{ round, elapsedMs, done, pending, missing }`.
fn write_state_round(out: &mut String, r: &StateRound) {
    Object::new(out)
        .int("round", i64::from(r.round))
        .int("elapsedMs", r.elapsed_ms as i64)
        .with("done", |out| write_strings(out, &r.done))
        .with("pending", |out| write_strings(out, &r.pending))
        .with("missing", |out| write_strings(out, &r.missing))
        .end();
}

/// A reading of one instance of `waitPreparedAll`: the `waitPrepared`
/// reading plus `userId` and `instanceId`.
fn write_prepared(out: &mut String, target: &Target, report: &ProgressReport) {
    let mut o = Object::new(out);
    o.str("userId", &target.user_id).str("instanceId", &target.instance_id);
    report_fields(&mut o, report).end();
}

/// Write a fleet event's JSON to `out`; returns the event's name.
pub fn write_fleet_notice(out: &mut String, notice: &FleetNotice) -> &'static str {
    match notice {
        FleetNotice::Watch(e) => {
            write_watch_event(out, e);
            "watch"
        }
        FleetNotice::StateRound(r) => {
            write_state_round(out, r);
            "progress"
        }
        FleetNotice::Prepared(target, report) => {
            write_prepared(out, target, report);
            "progress"
        }
    }
}

fn attempt_fields<'o, 'a>(o: &'o mut Object<'a>, a: &Attempt) -> &'o mut Object<'a> {
    o.str("operation", a.operation).str("requestId", &a.request_id).int("attempt", i64::from(a.number))
}

/// Write the hook's event to `out` as JSON (no token, header or body); returns
/// the hook's name.
pub fn write_hook(out: &mut String, hook: &Hook) -> &'static str {
    let mut o = Object::new(out);
    match hook {
        Hook::Request { attempt, url, id_count } => {
            attempt_fields(&mut o, attempt).str("url", url);
            if let Some(n) = id_count {
                o.int("idCount", i64::from(*n));
            }
        }
        Hook::Response { attempt, http_status, error_code, code, duration_ms } => {
            attempt_fields(&mut o, attempt)
                .opt_int("httpStatus", http_status.map(i64::from))
                .opt_str("errorCode", error_code.as_deref())
                .opt_str("code", *code)
                .int("durationMs", *duration_ms as i64);
        }
        Hook::Retry { attempt, delay_ms, error } => {
            attempt_fields(&mut o, attempt)
                .int("delayMs", *delay_ms as i64)
                .with("error", |out| write_error(out, error));
        }
    }
    o.end();
    hook.name()
}

fn write_json_value(out: &mut String, value: &Json) {
    match value {
        Json::String(s) => write_string(out, s),
        Json::Number(n) if n.fract() == 0.0 && n.abs() < 9e15 => write_int(out, *n as i64),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        _ => out.push_str("null"),
    }
}

/// `[{ instanceId, reason }]`.
pub fn write_invalid(out: &mut String, invalid: &[Invalid]) {
    write_array(out, invalid, |out, i| {
        Object::new(out)
            .with("instanceId", |out| write_json_value(out, &i.value))
            .str("reason", &i.reason)
            .end()
    })
}

/// `{ valid, invalid }` of `checkInstanceIds`.
pub fn checked_json(valid: &[String], invalid: &[Invalid]) -> String {
    let mut out = String::with_capacity(32 + valid.len() * 24);
    Object::new(&mut out)
        .with("valid", |out| write_strings(out, valid))
        .with("invalid", |out| write_invalid(out, invalid))
        .end();
    out
}

/// `{ statuses, elapsedMs, rounds }`.
pub fn state_outcome_json(r: &StateOutcome) -> String {
    let mut out = String::with_capacity(64 + r.statuses.len() * 56);
    Object::new(&mut out)
        .with("statuses", |out| write_statuses(out, &r.statuses))
        .int("elapsedMs", r.elapsed_ms as i64)
        .int("rounds", i64::from(r.rounds))
        .end();
    out
}

/// `[{ userId, instanceId, ok: true, progress } | { userId, instanceId, ok: false, error }]`.
pub fn prepared_all_json(outcomes: &[PreparedOutcome]) -> String {
    let mut out = String::with_capacity(16 + outcomes.len() * 200);
    write_array(&mut out, outcomes, |out, (target, result)| {
        let mut o = Object::new(out);
        o.str("userId", &target.user_id).str("instanceId", &target.instance_id);
        match result {
            Ok(report) => o.raw("ok", "true").with("progress", |out| write_report(out, report)),
            Err(error) => o.raw("ok", "false").with("error", |out| write_error(out, error)),
        };
        o.end();
    });
    out
}
