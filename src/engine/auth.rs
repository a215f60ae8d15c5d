//! How a request is authenticated, and what a call does when the API refuses
//! a token a token function gave.
//!
//! Four ways: a fixed token, a token function (called before every attempt),
//! AK/SK signing with the wall clock, or nothing at all (a same-origin proxy
//! adds the credentials). A refusal (HTTP 401, or the gateway's `APIGW.0301`
//! under any status) of a function's token makes the request ask once more
//! with `forceRefresh: true`; the requests of one call share that one refresh
//! through [`Refresh`], held in the call's `Shared`.

use crate::engine::error::Error;
use crate::engine::json::Json;
use crate::engine::options::unknown_name;
use crate::engine::output::cat;
use crate::engine::redact::Secret;
use crate::engine::request::HttpRequest;
use crate::engine::sign::{sign_request, AkSk};
use crate::prelude::*;

/// The API gateway's error code for refused credentials (expired or revoked
/// token, bad signature), answered under 401 and sometimes other statuses.
pub const GATEWAY_AUTH_REFUSED: &str = "APIGW.0301";

/// How requests are authenticated.
#[derive(Clone, Debug, PartialEq)]
pub enum Auth {
    /// A fixed token, validated before the call starts.
    Token(String),
    /// The caller's token function, called before every attempt.
    TokenFunction,
    /// AK/SK: each request is signed when it is built (`Debug` masks the secret).
    AkSk(AkSk),
    /// No auth header: the endpoint is a same-origin proxy that adds it.
    None,
}

impl Auth {
    /// Add this auth to a built request, except for a token function's,
    /// which the request adds when the token arrives. `wall_ms` dates an
    /// AK/SK signature.
    pub fn apply(&self, request: &mut HttpRequest, wall_ms: f64) -> Result<(), Error> {
        match self {
            Auth::Token(token) => request.set_token(token),
            Auth::AkSk(keys) => sign_request(request, keys, wall_ms)?,
            Auth::TokenFunction | Auth::None => {}
        }
        Ok(())
    }

    /// What an error of HTTP 401 or 403 adds to its message: where to look,
    /// for this kind of auth.
    pub fn refusal_hint(&self) -> &'static str {
        match self {
            Auth::Token(_) | Auth::TokenFunction => {
                "; check the token (IAM tokens expire after 24 hours and are project-scoped)"
            }
            Auth::AkSk(_) => {
                "; check the access key, the secret key and the project ID, and this machine's clock \
                 (a signature dated more than 15 minutes off is refused)"
            }
            Auth::None => "; the proxy in front of KooPhone adds the credentials: check its configuration",
        }
    }

    /// What to scrub from errors when no function token was used: the fixed
    /// token, or the security token of temporary keys (the secret key is
    /// never sent, so nothing can echo it).
    pub fn secret(&self) -> Option<Secret> {
        match self {
            Auth::Token(token) => Secret::new(token),
            Auth::AkSk(keys) => keys.security_token().and_then(Secret::new),
            Auth::TokenFunction | Auth::None => None,
        }
    }
}

/// Whether `error` says the API refused the credentials: a forced token
/// refresh may help.
pub fn is_refusal(error: &Error) -> bool {
    error.http_status == Some(401) || error.error_code.as_deref() == Some(GATEWAY_AUTH_REFUSED)
}

/// The forced token refresh of a call, shared by its requests.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Refresh {
    /// None asked for (or the last one's token was refused too: ask again).
    #[default]
    Idle,
    /// The request whose token request has this ID is asking for it.
    Asking(u32),
    /// The token it gave (masked in errors like any function token).
    Got(String),
    /// It failed: requests waiting for it fail the same way.
    Failed(Box<Error>),
}

/// The members of a `credentials` option, in the typings' order.
pub const CREDENTIAL_FIELDS: [&str; 4] = ["accessKey", "secretKey", "projectId", "securityToken"];

/// Read the `credentials` option `{ accessKey, secretKey, projectId?, securityToken? }`
/// as the JS entry describes it. Errors name the field but never quote a value.
pub fn parse_credentials(value: &Json) -> Result<AkSk, Error> {
    let Json::Object(members) = value else {
        return Err(Error::invalid(
            "credentials must be an object { accessKey, secretKey, projectId?, securityToken? }",
        ));
    };
    let mut fields: [Option<&str>; 4] = [None; 4];
    for (name, value) in members {
        let Some(at) = CREDENTIAL_FIELDS.iter().position(|f| f == name) else {
            return Err(unknown_name("unknown member credentials.", name, "", &CREDENTIAL_FIELDS));
        };
        match value {
            Json::Null => {}
            Json::String(text) => fields[at] = Some(text),
            other => {
                return Err(Error::invalid(cat(&[
                    "credentials.",
                    name,
                    " must be a string, got ",
                    other.type_name(),
                ])))
            }
        }
    }
    let [Some(access_key), Some(secret_key), project_id, security_token] = fields else {
        return Err(Error::invalid(
            "credentials need both accessKey and secretKey (an AK/SK pair from the console: \
             keep it on a server, never in a page)",
        ));
    };
    AkSk::new(access_key, secret_key, project_id, security_token)
        .map_err(|e| Error::invalid(cat(&["credentials.", &e.message])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::error::ErrorKind;
    use crate::engine::json::parse;

    #[test]
    fn refusals_are_401_or_the_gateway_code_under_any_status() {
        let http = |status, code: Option<&str>| Error {
            http_status: Some(status),
            error_code: code.map(str::to_owned),
            ..Error::new(ErrorKind::Http, "x")
        };
        assert!(is_refusal(&http(401, None)));
        assert!(is_refusal(&http(403, Some("APIGW.0301"))));
        assert!(is_refusal(&http(200, Some("APIGW.0301"))));
        assert!(!is_refusal(&http(403, Some("APIGW.0302"))));
        assert!(!is_refusal(&http(500, None)));
    }

    #[test]
    fn credentials_are_read_and_never_quoted() {
        let keys = parse_credentials(
            &parse(r#"{"accessKey":"AK1","secretKey":"SK-s3cret","projectId":"p1","securityToken":null}"#)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(keys.access_key(), "AK1");
        assert_eq!(keys.project_id(), Some("p1"));
        assert!(!format!("{:?}", Auth::AkSk(keys)).contains("s3cret"));
        for (json, expected) in [
            (r#""x""#, "credentials must be an object"),
            (r#"{"accessKey":"AK"}"#, "credentials need both accessKey and secretKey"),
            (r#"{"accessKey":"AK","secretKey":5}"#, "credentials.secretKey must be a string, got a number"),
            (
                r#"{"accessKey":"AK","secretkey":"SK-s3cret"}"#,
                "unknown member credentials.secretkey; did you mean `secretKey`?",
            ),
            (r#"{"accessKey":"AK","secretKey":"SK s3cret"}"#, "credentials.secretKey contains spaces"),
        ] {
            let e = parse_credentials(&parse(json).unwrap()).unwrap_err();
            assert!(e.message.starts_with(expected), "{json}: {}", e.message);
            assert!(!e.message.contains("s3cret"), "{}", e.message);
        }
    }
}
