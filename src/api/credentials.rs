//! Exports for credentials outside a call: the IAM token provider's session
//! handle (`iamTokenProvider`, pkg-template/src/iam.js) and the AK/SK signer
//! the proxy uses (`koophone-wasm/proxy`). Errors are thrown as the JSON
//! error payload, like the start functions'.

use crate::driver::{start_error, transport_failure};
use crate::engine::auth::parse_credentials;
use crate::engine::iam::CacheDecision;
use crate::engine::iam_session::IamSession;
use crate::engine::json::{self, Json};
use crate::engine::output::cat;
use crate::engine::sign::sign;
use crate::prelude::*;
use wasm_bindgen::prelude::*;

/// One `iamTokenProvider`'s state: options, request and token cache.
#[wasm_bindgen]
pub struct IamTokens {
    session: IamSession,
}

#[wasm_bindgen]
impl IamTokens {
    /// Check the described options (throws the error payload).
    #[wasm_bindgen(constructor)]
    pub fn new(options: &str) -> Result<IamTokens, JsValue> {
        IamSession::from_json(options).map(|session| IamTokens { session }).map_err(|e| start_error(&e))
    }

    /// `ask` 0 asks for a token, 1 asks with a forced refresh (the API refused
    /// the last one), 2 forgets the cached token (answers "").
    /// The answer: `"U" + token` to use a cached token; `"F"` to send the request,
    /// `"J"` to wait for the one in flight, each followed by the request as
    /// `url\nbody` (the JSON body has no raw line break; it holds the password).
    /// Timeout and body cap: the constants in iam.js.
    pub fn decide(&mut self, now_ms: f64, ask: u8) -> String {
        if ask == 2 {
            self.session.invalidate();
            return String::new();
        }
        let kind = match self.session.decide(now_ms, ask == 1) {
            CacheDecision::Use(token) => return cat(&["U", &token]),
            CacheDecision::Fetch => "F",
            CacheDecision::Join => "J",
        };
        let request = self.session.request();
        cat(&[kind, &request.url, "\n", &request.body])
    }

    /// The outcome of the token request, as `Call.exchanged` takes it:
    /// `failure` 0 when IAM answered (`text` is the body), 1 to 5 when the
    /// request failed (`text` is the detail). The token, or the error payload thrown.
    pub fn exchanged(
        &mut self,
        now_ms: f64,
        failure: u8,
        status: u16,
        text: Option<String>,
        subject_token: Option<String>,
    ) -> Result<String, JsValue> {
        let outcome = if failure == 0 {
            self.session.answered(
                now_ms,
                status,
                subject_token.as_deref(),
                text.as_deref().unwrap_or_default(),
            )
        } else {
            Err(self.session.unreachable(transport_failure(failure, status, text)))
        };
        outcome.map_err(|e| start_error(&e))
    }
}

/// Sign a request with the described `credentials`: the headers to add
/// (`name\nvalue\n...`). `headers` is every other header sent, in the same form.
#[wasm_bindgen(js_name = signHeaders)]
pub fn sign_headers(
    credentials: &str,
    method: &str,
    url: &str,
    headers: &str,
    body: &str,
    wall_ms: f64,
) -> Result<String, JsValue> {
    let mut lines = headers.split('\n');
    // (name, String) pairs, as a built request holds them: one monomorphic `sign` in the wasm.
    let mut pairs = Vec::new();
    while let (Some(name), Some(value)) = (lines.next(), lines.next()) {
        pairs.push((name, value.to_owned()));
    }
    let doc = json::parse(credentials).unwrap_or(Json::Null);
    let added = parse_credentials(&doc)
        .and_then(|keys| sign(&keys, method, url, &pairs, body.as_bytes(), wall_ms))
        .map_err(|e| start_error(&e))?;
    let mut out = String::with_capacity(512);
    for (name, value) in &added {
        out.push_str(name);
        out.push('\n');
        out.push_str(value);
        out.push('\n');
    }
    Ok(out)
}
