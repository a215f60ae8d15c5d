//! Runs a call state machine against its JavaScript host.
//!
//! The host (`pkg-template/src/host.js`) is the only code touching `fetch`,
//! timers and the caller's `AbortSignal`; it calls back into the [`Call`]
//! handle when something happens. Each callback feeds the machine one event
//! and performs the actions it answers with: one host call per attempt
//! (`send`), one per wake-up (`sleep`), one for the result (`settle`). No Rust
//! future, closure or timer lives on the JavaScript side, so a trap in the
//! module surfaces in the host's `try`, where it fails that call alone.

use crate::engine::call::{Action, Event, Machine, Notice, Outgoing, TransportFailure};
use crate::engine::error::{Cause, Error};
use crate::engine::fleet_output::{write_fleet_notice, write_hook};
use crate::engine::json::{self, Json};
use crate::engine::output::{error_json, write_report};
use crate::engine::response::RawResponse;
use crate::prelude::*;
use wasm_bindgen::prelude::*;

// The host object, called structurally (any object with these methods).
#[wasm_bindgen]
extern "C" {
    pub type Host;
    /// Send one request: `headers` is `name\nvalue\n...`.
    #[wasm_bindgen(method)]
    fn send(this: &Host, id: u32, url: &str, headers: &str, body: &str, timeout_ms: u32, max_body_bytes: u32);
    /// Call the caller's token function for attempt `id` with `{ forceRefresh }`.
    #[wasm_bindgen(method, js_name = getToken)]
    fn get_token(this: &Host, id: u32, force_refresh: bool);
    /// Call back `woke` after `delay_ms` (replacing any earlier timer).
    #[wasm_bindgen(method)]
    fn sleep(this: &Host, delay_ms: f64);
    /// Hand an event (JSON) to the caller: `kind` is `progress` (`onProgress`),
    /// a hook's name (`onRequest`, `onResponse`, `onRetry`) or `watch`.
    #[wasm_bindgen(method)]
    fn notify(this: &Host, kind: &str, json: &str);
    /// Abort exchange `id` (a dropped round's request still on the wire); its
    /// outcome may still come back through `exchanged`, and is ignored.
    #[wasm_bindgen(method, js_name = cancelExchange)]
    fn cancel_exchange(this: &Host, id: u32);
    /// The call is over: resolve with `json`, or reject with the error payload `json`.
    #[wasm_bindgen(method)]
    fn settle(this: &Host, ok: bool, json: &str);
}

/// How a machine's result becomes JSON.
pub type Render<M> = fn(&M, &<M as Machine>::Output) -> String;

/// A machine, with what turns its result into JSON.
struct Driven<M: Machine> {
    machine: M,
    render: Render<M>,
}

/// The object-safe face of [`Driven`], so one exported [`Call`] type and one
/// run loop serve every machine.
trait Run {
    fn handle(&mut self, event: Event, now_ms: f64);
    /// The machine's next action at `now_ms`, its result rendered as JSON.
    fn next(&mut self, now_ms: f64) -> Option<Action<String>>;
}

impl<M: Machine> Run for Driven<M> {
    fn handle(&mut self, event: Event, now_ms: f64) {
        self.machine.handle(event, now_ms);
    }

    fn next(&mut self, now_ms: f64) -> Option<Action<String>> {
        // Only the result is typed by the machine; everything else is
        // performed by the one loop in [`Call::step`].
        Some(match self.machine.next_action(now_ms)? {
            Action::Finish(Ok(output)) => Action::Finish(Ok((self.render)(&self.machine, &output))),
            Action::Finish(Err(error)) => Action::Finish(Err(error)),
            Action::Send(out) => Action::Send(out),
            Action::GetToken { id, force_refresh } => Action::GetToken { id, force_refresh },
            Action::WakeAt(at) => Action::WakeAt(at),
            Action::Notify(notice) => Action::Notify(notice),
            Action::Cancel(id) => Action::Cancel(id),
        })
    }
}

/// Hand a request to the host.
#[inline(never)]
fn send(host: &Host, out: &Outgoing) {
    let mut headers = String::with_capacity(256);
    for (name, value) in &out.request.headers {
        headers.push_str(name);
        headers.push('\n');
        headers.push_str(value);
        headers.push('\n');
    }
    host.send(out.id, &out.request.url, &headers, &out.request.body, out.timeout_ms, out.max_body_bytes);
}

/// Hand a notice to the caller, through the host.
#[inline(never)]
fn notify(host: &Host, notice: &Notice) {
    let mut json = String::with_capacity(192);
    let kind = match notice {
        Notice::Progress(report) => {
            write_report(&mut json, report);
            "progress"
        }
        Notice::Hook(hook) => write_hook(&mut json, hook),
        Notice::Fleet(notice) => write_fleet_notice(&mut json, notice),
    };
    host.notify(kind, &json);
}

/// One call in progress, owned by its JavaScript host.
#[wasm_bindgen]
pub struct Call {
    host: Host,
    inner: Box<dyn Run>,
    over: bool,
}

impl Call {
    /// Start `machine`: an abort that came before the start is its first event.
    pub fn start<M: Machine + 'static>(
        host: Host,
        machine: M,
        render: Render<M>,
        aborted: bool,
        now_ms: f64,
    ) -> Call {
        Call::begin(host, Box::new(Driven { machine, render }), aborted, now_ms)
    }

    // The part of `start` that does not depend on the machine's type.
    fn begin(host: Host, inner: Box<dyn Run>, aborted: bool, now_ms: f64) -> Call {
        let mut call = Call { host, inner, over: false };
        if aborted {
            call.inner.handle(Event::Aborted, now_ms);
        }
        call.step(now_ms);
        call
    }

    fn feed(&mut self, event: Event, now_ms: f64) {
        if !self.over {
            self.inner.handle(event, now_ms);
            self.step(now_ms);
        }
    }

    /// Perform every action due at `now_ms`, until the call is over or waits.
    fn step(&mut self, now_ms: f64) {
        let host = &self.host;
        while let Some(action) = self.inner.next(now_ms) {
            let (ok, json) = match action {
                Action::Finish(Ok(json)) => (true, json),
                Action::Finish(Err(error)) => (false, error_json(&error)),
                Action::Send(out) => {
                    send(host, &out);
                    continue;
                }
                Action::GetToken { id, force_refresh } => {
                    host.get_token(id, force_refresh);
                    continue;
                }
                // Rounded up: timers count whole milliseconds, and one that fires a
                // fraction early would find nothing due and have to sleep again.
                Action::WakeAt(at) => {
                    host.sleep((at - now_ms).max(0.0).ceil());
                    continue;
                }
                Action::Notify(notice) => {
                    notify(host, &notice);
                    continue;
                }
                Action::Cancel(id) => {
                    host.cancel_exchange(id);
                    continue;
                }
            };
            host.settle(ok, &json);
            self.over = true;
            return;
        }
    }
}

/// Failure kinds of [`Call::exchanged`], as `host.js` numbers them.
const OK: u8 = 0;
const NETWORK: u8 = 1;
const TIMEOUT: u8 = 2;
const REDIRECT: u8 = 3;
const TOO_LARGE: u8 = 4;

#[wasm_bindgen]
impl Call {
    /// Exchange `id` finished: `failure` is one of the kinds above; `status`,
    /// `retry_after` and `body` describe the response when there is one;
    /// `detail` is the JSON description of a thrown error (`{name,message,code}`)
    /// or a plain reason.
    #[allow(clippy::too_many_arguments)]
    pub fn exchanged(
        &mut self,
        id: u32,
        now_ms: f64,
        wall_ms: f64,
        failure: u8,
        status: u16,
        retry_after: Option<String>,
        body: Option<String>,
        detail: Option<String>,
    ) {
        let outcome = match failure {
            OK => Ok(RawResponse {
                status,
                body: body.unwrap_or_default(),
                retry_after,
                received_at_ms: wall_ms,
            }),
            _ => Err(transport_failure(failure, status, detail)),
        };
        self.feed(Event::Exchanged { id, outcome }, now_ms);
    }

    /// The token function of attempt `id` answered `token`, or failed as `error` describes.
    pub fn token(&mut self, id: u32, now_ms: f64, token: Option<String>, error: Option<String>) {
        let outcome = token.ok_or_else(|| cause(error.as_deref()));
        self.feed(Event::Token { id, outcome }, now_ms);
    }

    /// The timer asked for with `sleep` fired.
    pub fn woke(&mut self, now_ms: f64) {
        self.feed(Event::Woke, now_ms);
    }

    /// The caller's signal fired.
    pub fn aborted(&mut self, now_ms: f64) {
        self.feed(Event::Aborted, now_ms);
    }
}

/// An exchange failure as `host.js` numbers and describes it.
pub fn transport_failure(failure: u8, status: u16, detail: Option<String>) -> TransportFailure {
    match failure {
        NETWORK => TransportFailure::Network(cause(detail.as_deref())),
        TIMEOUT => TransportFailure::Timeout,
        REDIRECT => TransportFailure::Redirect((status != 0).then_some(status)),
        TOO_LARGE => TransportFailure::TooLarge(status),
        _ => TransportFailure::NotAResponse(detail.unwrap_or_default()),
    }
}

/// A thrown error as `host.js` describes it: `{"name","message","code"}`.
fn cause(detail: Option<&str>) -> Cause {
    let doc = match detail.map(json::parse) {
        Some(Ok(doc)) => doc,
        _ => Json::Null,
    };
    let text = |key| doc.get(key).and_then(Json::as_str);
    Cause {
        name: text("name").unwrap_or("Error").to_owned(),
        message: text("message").unwrap_or("unknown error").to_owned(),
        code: text("code").map(str::to_owned),
    }
}

/// An error payload thrown from a start function, for the host to reject with.
pub fn start_error(error: &Error) -> JsValue {
    JsValue::from_str(&error_json(error))
}
