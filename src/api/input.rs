//! Reading JavaScript arguments: type checks here, range rules in `core`.

use crate::client::Context;
use crate::core::options::RawOptions;
use crate::core::validate::validate_id;
use crate::core::Error;
use crate::transport::{TokenSource, Transport};
use js_sys::{Array, Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

/// Most IDs one `batchStatus` call accepts (about 3 000 requests of 32).
pub const MAX_IDS_PER_CALL: u32 = 100_000;

fn field(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn absent(value: &JsValue) -> bool {
    value.is_undefined() || value.is_null()
}

fn opt_number(options: &JsValue, key: &str) -> Result<Option<f64>, Error> {
    let value = field(options, key);
    if absent(&value) {
        return Ok(None);
    }
    value.as_f64().map(Some).ok_or_else(|| Error::invalid(format!("{key} must be a number")))
}

fn opt_function(options: &JsValue, key: &str) -> Result<Option<Function>, Error> {
    let value = field(options, key);
    if absent(&value) {
        return Ok(None);
    }
    value.dyn_into::<Function>().map(Some).map_err(|_| Error::invalid(format!("{key} must be a function")))
}

/// An `AbortSignal`, checked by shape so signals from other realms and
/// polyfills work too.
fn opt_signal(options: &JsValue) -> Result<Option<AbortSignal>, Error> {
    let value = field(options, "signal");
    if absent(&value) {
        return Ok(None);
    }
    let looks_right =
        field(&value, "aborted").as_bool().is_some() && field(&value, "addEventListener").is_function();
    if !looks_right {
        return Err(Error::invalid("signal must be an AbortSignal"));
    }
    Ok(Some(value.unchecked_into()))
}

/// `location.origin` of the page, where there is one (browsers), for path endpoints.
fn page_origin() -> Option<String> {
    let origin = field(&field(&js_sys::global(), "location"), "origin").as_string()?;
    (origin != "null").then_some(origin)
}

/// Build the call context from an options object; also returns `onProgress`.
pub fn call_context(options: &JsValue) -> Result<(Context, Option<Function>), Error> {
    if !options.is_object() {
        return Err(Error::invalid("options must be an object with at least a `token`"));
    }
    let endpoint = field(options, "endpoint");
    let allow_partial = field(options, "allowPartial");
    let raw = RawOptions {
        endpoint: match (absent(&endpoint), endpoint.as_string()) {
            (true, _) => None,
            (false, Some(s)) => Some(s),
            (false, None) => return Err(Error::invalid("endpoint must be a string")),
        },
        timeout_ms: opt_number(options, "timeoutMs")?,
        max_attempts: opt_number(options, "maxAttempts")?,
        chunk_size: opt_number(options, "chunkSize")?,
        concurrency: opt_number(options, "concurrency")?,
        allow_partial: match (absent(&allow_partial), allow_partial.as_bool()) {
            (true, _) => false,
            (false, Some(b)) => b,
            (false, None) => return Err(Error::invalid("allowPartial must be a boolean")),
        },
        max_wait_ms: opt_number(options, "maxWaitMs")?,
        min_delay_ms: opt_number(options, "minDelayMs")?,
        max_delay_ms: opt_number(options, "maxDelayMs")?,
    };
    let ctx = Context {
        options: raw.resolve(page_origin().as_deref())?,
        token: TokenSource::from_js(field(options, "token"))?,
        transport: Transport::new(opt_function(options, "fetch")?)?,
        signal: opt_signal(options)?,
    };
    Ok((ctx, opt_function(options, "onProgress")?))
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
    let text = |key: &str| {
        let id =
            field(value, key).as_string().ok_or_else(|| Error::invalid(format!("{key} must be a string")))?;
        validate_id(key, &id)?;
        Ok::<_, Error>(id)
    };
    Ok((text("userId")?, text("instanceId")?))
}
