//! Abort plumbing: scopes that follow a parent signal and clean up after themselves.

use crate::engine::Error;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{AbortController, AbortSignal};

/// An `abort` event listener that is removed when dropped, so a settled call
/// leaves no listener behind on the caller's long-lived signal.
pub struct AbortListener {
    signal: AbortSignal,
    closure: Closure<dyn FnMut()>,
}

impl AbortListener {
    pub fn new(signal: &AbortSignal, on_abort: impl FnMut() + 'static) -> Self {
        let closure = Closure::<dyn FnMut()>::new(on_abort);
        let _ = signal.add_event_listener_with_callback("abort", closure.as_ref().unchecked_ref());
        AbortListener { signal: signal.clone(), closure }
    }
}

impl Drop for AbortListener {
    fn drop(&mut self) {
        let _ =
            self.signal.remove_event_listener_with_callback("abort", self.closure.as_ref().unchecked_ref());
    }
}

/// An `AbortController` that aborts when its parent signal does, and when it
/// is dropped before [`AbortScope::finish`]: whatever was started under a
/// scope cannot outlive it (the pattern of reqwest's wasm client). Finished
/// scopes are not aborted, because aborting creates a `DOMException` with a
/// stack trace, which cost more than the whole rest of a call.
pub struct AbortScope {
    controller: AbortController,
    _link: Option<AbortListener>,
    finished: bool,
}

impl AbortScope {
    /// A new scope, following `parent` if given (already aborted if it is).
    pub fn new(parent: Option<&AbortSignal>) -> Result<Self, Error> {
        let controller = AbortController::new().map_err(|_| {
            Error::invalid("this runtime has no AbortController (Node 16+ or a modern browser is needed)")
        })?;
        let link = parent.map(|parent| {
            if parent.aborted() {
                controller.abort();
            }
            let child = controller.clone();
            AbortListener::new(parent, move || child.abort())
        });
        Ok(AbortScope { controller, _link: link, finished: false })
    }

    /// The signal to hand to `fetch` and timers started under this scope.
    pub fn signal(&self) -> AbortSignal {
        self.controller.signal()
    }

    /// A handle that aborts this scope, for timers and callbacks.
    pub fn controller(&self) -> AbortController {
        self.controller.clone()
    }

    pub fn abort(&self) {
        self.controller.abort();
    }

    pub fn is_aborted(&self) -> bool {
        self.controller.signal().aborted()
    }

    /// Everything started under the scope has settled: release it without aborting.
    pub fn finish(mut self) {
        self.finished = true;
    }
}

impl Drop for AbortScope {
    fn drop(&mut self) {
        if !self.finished && !self.is_aborted() {
            self.controller.abort();
        }
    }
}
