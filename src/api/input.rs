//! Reading JavaScript arguments: type checks here, range rules in `engine`.

use super::interop::page_origin_js;
use crate::client::Context;
use crate::engine::options::RawOptions;
use crate::engine::validate::validate_id;
use crate::engine::Error;
use crate::transport::{TokenSource, Transport};
use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::AbortSignal;

/// Most IDs one `batchStatus` call accepts (about 3 000 requests of 32).
pub const MAX_IDS_PER_CALL: u32 = 100_000;

// The argument objects, read structurally: any object with these properties
// works. Getters are plain property reads in the glue, much cheaper than
// `Reflect.get` with a key string; `catch` turns a throwing accessor into an
// error instead of an exception unwinding through the wasm.
#[wasm_bindgen]
extern "C" {
    type OptionsObject;
    #[wasm_bindgen(method, getter, catch)]
    fn token(this: &OptionsObject) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn endpoint(this: &OptionsObject) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter = timeoutMs, catch)]
    fn timeout_ms(this: &OptionsObject) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter = maxAttempts, catch)]
    fn max_attempts(this: &OptionsObject) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter = chunkSize, catch)]
    fn chunk_size(this: &OptionsObject) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn concurrency(this: &OptionsObject) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter = allowPartial, catch)]
    fn allow_partial(this: &OptionsObject) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter = maxWaitMs, catch)]
    fn max_wait_ms(this: &OptionsObject) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter = minDelayMs, catch)]
    fn min_delay_ms(this: &OptionsObject) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter = maxDelayMs, catch)]
    fn max_delay_ms(this: &OptionsObject) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn signal(this: &OptionsObject) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn fetch(this: &OptionsObject) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter = onProgress, catch)]
    fn on_progress(this: &OptionsObject) -> Result<JsValue, JsValue>;

    type RequestObject;
    #[wasm_bindgen(method, getter = userId, catch)]
    fn user_id(this: &RequestObject) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter = instanceId, catch)]
    fn instance_id(this: &RequestObject) -> Result<JsValue, JsValue>;

    type SignalLike;
    #[wasm_bindgen(method, getter, catch)]
    fn aborted(this: &SignalLike) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter = addEventListener, catch)]
    fn add_event_listener(this: &SignalLike) -> Result<JsValue, JsValue>;
}

/// Read one option; `undefined` and `null` mean absent.
fn read(name: &str, value: Result<JsValue, JsValue>) -> Result<Option<JsValue>, Error> {
    match value {
        Ok(v) if v.is_undefined() || v.is_null() => Ok(None),
        Ok(v) => Ok(Some(v)),
        Err(_) => Err(Error::invalid(format!("reading `{name}` threw"))),
    }
}

fn opt_number(name: &str, value: Result<JsValue, JsValue>) -> Result<Option<f64>, Error> {
    read(name, value)?
        .map(|v| v.as_f64().ok_or_else(|| Error::invalid(format!("{name} must be a number"))))
        .transpose()
}

fn opt_function(name: &str, value: Result<JsValue, JsValue>) -> Result<Option<Function>, Error> {
    read(name, value)?
        .map(|v| v.dyn_into::<Function>().map_err(|_| Error::invalid(format!("{name} must be a function"))))
        .transpose()
}

/// An `AbortSignal`, checked by shape so signals from other realms and
/// polyfills work too.
fn opt_signal(value: Result<JsValue, JsValue>) -> Result<Option<AbortSignal>, Error> {
    let Some(value) = read("signal", value)? else {
        return Ok(None);
    };
    let shape: &SignalLike = value.unchecked_ref();
    let looks_right = value.is_object()
        && shape.aborted().is_ok_and(|a| a.as_bool().is_some())
        && shape.add_event_listener().is_ok_and(|f| f.is_function());
    if !looks_right {
        return Err(Error::invalid("signal must be an AbortSignal"));
    }
    Ok(Some(value.unchecked_into()))
}

/// `location.origin` of the page, where there is one (browsers), for path endpoints.
fn page_origin() -> Option<String> {
    page_origin_js().filter(|origin| origin != "null")
}

/// Build the call context from an options object; also returns `onProgress`.
pub fn call_context(options: &JsValue) -> Result<(Context, Option<Function>), Error> {
    if !options.is_object() {
        return Err(Error::invalid("options must be an object with at least a `token`"));
    }
    let o: &OptionsObject = options.unchecked_ref();
    let raw = RawOptions {
        endpoint: read("endpoint", o.endpoint())?
            .map(|v| v.as_string().ok_or_else(|| Error::invalid("endpoint must be a string")))
            .transpose()?,
        timeout_ms: opt_number("timeoutMs", o.timeout_ms())?,
        max_attempts: opt_number("maxAttempts", o.max_attempts())?,
        chunk_size: opt_number("chunkSize", o.chunk_size())?,
        concurrency: opt_number("concurrency", o.concurrency())?,
        allow_partial: read("allowPartial", o.allow_partial())?
            .map(|v| v.as_bool().ok_or_else(|| Error::invalid("allowPartial must be a boolean")))
            .transpose()?
            .unwrap_or(false),
        max_wait_ms: opt_number("maxWaitMs", o.max_wait_ms())?,
        min_delay_ms: opt_number("minDelayMs", o.min_delay_ms())?,
        max_delay_ms: opt_number("maxDelayMs", o.max_delay_ms())?,
    };
    let ctx = Context {
        options: raw.resolve(page_origin().as_deref())?,
        token: TokenSource::from_js(read("token", o.token())?.unwrap_or(JsValue::UNDEFINED))?,
        transport: Transport::new(opt_function("fetch", o.fetch())?)?,
        signal: opt_signal(o.signal())?,
    };
    Ok((ctx, opt_function("onProgress", o.on_progress())?))
}

/// The `instanceIds` argument: a non-empty array of valid ID strings.
pub fn instance_ids(value: &JsValue) -> Result<Vec<String>, Error> {
    if !Array::is_array(value) {
        return Err(Error::invalid("instanceIds must be an array of instance ID strings"));
    }
    let array: &Array = value.unchecked_ref();
    let len = array.length();
    if len == 0 {
        return Err(Error::invalid("instanceIds is empty; pass at least one instance ID"));
    }
    if len > MAX_IDS_PER_CALL {
        return Err(Error::invalid(format!(
            "instanceIds has {len} entries; at most {MAX_IDS_PER_CALL} per call"
        )));
    }
    (0..len)
        .map(|i| {
            let id = array
                .get(i)
                .as_string()
                .ok_or_else(|| Error::invalid(format!("instanceIds[{i}] must be a string")))?;
            validate_id(&format!("instanceIds[{i}]"), &id)?;
            Ok(id)
        })
        .collect()
}

/// The `{ userId, instanceId }` argument of the prepare-progress calls.
pub fn prepare_request(value: &JsValue) -> Result<(String, String), Error> {
    if !value.is_object() {
        return Err(Error::invalid("the first argument must be an object { userId, instanceId }"));
    }
    let request: &RequestObject = value.unchecked_ref();
    let text = |name: &str, field: Result<JsValue, JsValue>| {
        let id = read(name, field)?
            .and_then(|v| v.as_string())
            .ok_or_else(|| Error::invalid(format!("{name} must be a string")))?;
        validate_id(name, &id)?;
        Ok::<_, Error>(id)
    };
    Ok((text("userId", request.user_id())?, text("instanceId", request.instance_id())?))
}
