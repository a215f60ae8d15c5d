//! The Rust side of `interop.js`: every import from that module, in one block
//! (wasm-bindgen emits a duplicate import entry when two blocks name the same
//! module).

use js_sys::Array;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/api/interop.js")]
extern "C" {
    /// `location.origin` where there is one (browsers), for path endpoints.
    #[wasm_bindgen(js_name = pageOrigin)]
    pub fn page_origin_js() -> Option<String>;
    #[wasm_bindgen(js_name = statusEntry)]
    pub fn status_entry(instance_id: &str, status: f64, state: &str) -> JsValue;
    #[wasm_bindgen(js_name = batchResult)]
    pub fn batch_result(
        statuses: Array,
        missing: Array,
        request_ids: Array,
        errors: Option<Array>,
    ) -> JsValue;
    #[wasm_bindgen(js_name = chunkError)]
    pub fn chunk_error(instance_ids: Array, error: JsValue) -> JsValue;
    pub fn progress(status: f64, state: &str, waiting_count: Option<f64>, request_id: &str) -> JsValue;
    pub fn report(
        status: f64,
        state: &str,
        waiting_count: Option<f64>,
        request_id: &str,
        attempt: u32,
        elapsed_ms: f64,
    ) -> JsValue;
    #[wasm_bindgen(js_name = errorPayload)]
    #[allow(clippy::too_many_arguments)]
    pub fn error_payload(
        code: &str,
        message: &str,
        http_status: Option<u16>,
        error_code: Option<String>,
        error_msg: Option<String>,
        request_id: Option<String>,
        retryable: bool,
        progress: JsValue,
    ) -> JsValue;
}
