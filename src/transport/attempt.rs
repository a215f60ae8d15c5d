//! The time and cancellation bounds of one attempt.

use crate::engine::Error;
use gloo_timers::callback::Timeout;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

use super::AbortScope;

#[wasm_bindgen(module = "/src/transport/fetch.js")]
extern "C" {
    /// A promise for `value` that rejects as soon as `signal` aborts.
    #[wasm_bindgen(js_name = raceAbort)]
    fn race_abort(value: &JsValue, signal: &AbortSignal) -> js_sys::Promise;
}

/// Why waiting on a JS promise under an [`Attempt`] ended without a value.
pub enum Interrupted {
    /// The caller's signal fired.
    Aborted,
    /// `timeoutMs` passed.
    TimedOut,
    /// The promise rejected (or the call threw) with this value.
    Rejected(JsValue),
}

/// One attempt: an abort scope that follows the caller's signal and that a
/// timer aborts after `timeoutMs`. Everything the attempt waits on (the token
/// function, `fetch`, reading the body) goes through [`Attempt::settle`], so
/// nothing a callee does (a `fetch` wrapper that ignores its signal, a body
/// that never ends, a token function that hangs) can outlast the attempt.
pub struct Attempt {
    scope: AbortScope,
    parent: Option<AbortSignal>,
    timed_out: Rc<Cell<bool>>,
    timeout_ms: u32,
    _timer: Timeout,
}

impl Attempt {
    pub fn start(parent: Option<&AbortSignal>, timeout_ms: u32) -> Result<Self, Error> {
        let scope = AbortScope::new(parent)?;
        let timed_out = Rc::new(Cell::new(false));
        let timer = {
            let timed_out = timed_out.clone();
            let controller = scope.controller();
            Timeout::new(timeout_ms, move || {
                timed_out.set(true);
                controller.abort();
            })
        };
        Ok(Attempt { scope, parent: parent.cloned(), timed_out, timeout_ms, _timer: timer })
    }

    /// The signal to hand to `fetch`.
    pub fn signal(&self) -> AbortSignal {
        self.scope.signal()
    }

    pub fn timeout_ms(&self) -> u32 {
        self.timeout_ms
    }

    /// Await `value` (a promise or a plain value), giving up as soon as the
    /// attempt is aborted or times out.
    pub async fn settle(&self, value: &JsValue) -> Result<JsValue, Interrupted> {
        JsFuture::from(race_abort(value, &self.signal())).await.map_err(|e| self.interruption(e))
    }

    /// Classify a failure: the caller's abort wins over the timeout, which
    /// wins over whatever the callee said.
    pub fn interruption(&self, thrown: JsValue) -> Interrupted {
        if self.parent.as_ref().is_some_and(AbortSignal::aborted) {
            Interrupted::Aborted
        } else if self.timed_out.get() {
            Interrupted::TimedOut
        } else {
            Interrupted::Rejected(thrown)
        }
    }

    /// The exchange completed: release the scope without aborting.
    pub fn finish(self) {
        self.scope.finish();
    }
}
