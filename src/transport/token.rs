//! Where each request's auth token comes from.

use crate::engine::validate::validate_token;
use crate::engine::{Error, ErrorKind};

use super::attempt::{Attempt, Interrupted};
use super::error_message;
use js_sys::Function;
use wasm_bindgen::{JsCast, JsValue};

/// The `token` option: a fixed string, or a function (sync or async) called
/// before every request so callers can refresh expiring IAM tokens.
pub enum TokenSource {
    Fixed(String),
    Provider(Function),
}

impl TokenSource {
    /// Read the `token` option. Fixed tokens are validated at once.
    pub fn from_js(value: JsValue) -> Result<Self, Error> {
        if let Some(token) = value.as_string() {
            validate_token(&token)?;
            return Ok(TokenSource::Fixed(token));
        }
        match value.dyn_into::<Function>() {
            Ok(f) => Ok(TokenSource::Provider(f)),
            Err(v) if v.is_undefined() || v.is_null() => Err(Error::invalid(
                "`token` is required: pass the project-scoped IAM token (or a function returning it)",
            )),
            Err(_) => Err(Error::invalid("`token` must be a string or a function returning one")),
        }
    }

    /// The token for the next request, within `attempt`'s bounds: a token
    /// function that hangs times out like a request would.
    pub async fn get(&self, attempt: &Attempt) -> Result<String, Error> {
        let f = match self {
            TokenSource::Fixed(token) => return Ok(token.clone()),
            TokenSource::Provider(f) => f,
        };
        let failed = |interrupted: Interrupted| match interrupted {
            Interrupted::Aborted => Error::aborted(),
            Interrupted::TimedOut => Error::new(
                ErrorKind::Timeout,
                format!("the `token` function did not answer within timeoutMs ({} ms)", attempt.timeout_ms()),
            ),
            Interrupted::Rejected(e) => {
                Error::invalid(format!("the `token` function failed: {}", error_message(&e)))
            }
        };
        let value = f.call0(&JsValue::UNDEFINED).map_err(|e| failed(attempt.interruption(e)))?;
        let value = attempt.settle(&value).await.map_err(failed)?;
        let token = value
            .as_string()
            .ok_or_else(|| Error::invalid("the `token` function must return (or resolve to) a string"))?;
        validate_token(&token)?;
        Ok(token)
    }
}
