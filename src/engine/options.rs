//! Caller options, checked and filled with defaults.
//!
//! The API layer reads the JavaScript options object into [`RawOptions`]
//! (type checks only); [`RawOptions::resolve`] applies every range rule and
//! default here, where it is tested natively.

use crate::engine::auth::{parse_credentials, Auth};
use crate::engine::error::Error;
use crate::engine::fleet_options::FleetOptions;
use crate::engine::json::{self, Json};
use crate::engine::output::{cat, decimal};
use crate::engine::poll::PollPolicy;
use crate::engine::retry::RetryPolicy;
use crate::engine::validate::{parse_endpoint, positive_integer, validate_token, Endpoint};
use crate::prelude::*;

/// Default `timeoutMs`: one attempt may take this long.
pub const DEFAULT_TIMEOUT_MS: u32 = 10_000;
/// Default and largest `chunkSize` (the seed's limit is 32; newer API versions take up to 100).
pub const DEFAULT_CHUNK_SIZE: u32 = 32;
pub const MAX_CHUNK_SIZE: u32 = 100;
/// Default and largest `concurrency` of chunk requests.
pub const DEFAULT_CONCURRENCY: u32 = 4;
pub const MAX_CONCURRENCY: u32 = 32;
/// Largest `maxAttempts`.
pub const MAX_ATTEMPTS: u32 = 10;
/// Longest delay a JavaScript timer supports (2^31 - 1 ms, about 24.8 days).
pub const MAX_TIMER_MS: u32 = i32::MAX as u32;

/// Options as the caller gave them: `None` where absent.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawOptions<'a> {
    pub endpoint: Option<&'a str>,
    pub timeout_ms: Option<f64>,
    pub max_attempts: Option<f64>,
    pub chunk_size: Option<f64>,
    pub concurrency: Option<f64>,
    pub allow_partial: bool,
    pub max_wait_ms: Option<f64>,
    pub min_delay_ms: Option<f64>,
    pub max_delay_ms: Option<f64>,
}

/// Options that apply to every request.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    pub endpoint: Endpoint,
    pub timeout_ms: u32,
    pub retry: RetryPolicy,
    pub batch: BatchOptions,
    pub poll: PollPolicy,
}

/// `batchStatus` options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchOptions {
    pub chunk_size: usize,
    pub concurrency: usize,
    pub allow_partial: bool,
}

/// Every option name the library knows, in the typings' order.
pub const KNOWN_OPTIONS: [&str; 22] = [
    "token",
    "credentials",
    "endpoint",
    "timeoutMs",
    "maxAttempts",
    "chunkSize",
    "concurrency",
    "allowPartial",
    "maxWaitMs",
    "minDelayMs",
    "maxDelayMs",
    "signal",
    "fetch",
    "onProgress",
    "intervalMs",
    "emitInitial",
    "failOn",
    "invalidIds",
    "hooks",
    "rateLimit",
    "maxConcurrentRequests",
    "retryBudget",
];

/// Positions in [`KNOWN_OPTIONS`]: the options are read by one search of the
/// known names and a switch on the position, which is smaller in the wasm than
/// comparing each name with every option.
pub mod option {
    pub const TOKEN: usize = 0;
    pub const CREDENTIALS: usize = 1;
    pub const ENDPOINT: usize = 2;
    pub const TIMEOUT_MS: usize = 3;
    pub const MAX_ATTEMPTS: usize = 4;
    pub const CHUNK_SIZE: usize = 5;
    pub const CONCURRENCY: usize = 6;
    pub const ALLOW_PARTIAL: usize = 7;
    pub const MAX_WAIT_MS: usize = 8;
    pub const MIN_DELAY_MS: usize = 9;
    pub const MAX_DELAY_MS: usize = 10;
    pub const SIGNAL: usize = 11;
    pub const FETCH: usize = 12;
    pub const ON_PROGRESS: usize = 13;
    pub const INTERVAL_MS: usize = 14;
    pub const EMIT_INITIAL: usize = 15;
    pub const FAIL_ON: usize = 16;
    pub const INVALID_IDS: usize = 17;
    pub const HOOKS: usize = 18;
    pub const RATE_LIMIT: usize = 19;
    pub const MAX_CONCURRENT_REQUESTS: usize = 20;
    pub const RETRY_BUDGET: usize = 21;
}

/// The position of option `name` in [`KNOWN_OPTIONS`], if it is one.
pub fn option_position(name: &str) -> Option<usize> {
    KNOWN_OPTIONS.iter().position(|known| *known == name)
}

/// Which options with call-specific defaults were given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Given {
    pub max_wait_ms: bool,
    pub concurrency: bool,
}

/// Options of one call, read from the JSON description the JS entry makes of
/// the caller's options object: plain values as they are, and values JSON
/// cannot carry as `{"$": "function"}`, `{"$": "signal"}`, `{"$": "NaN"}`...
#[derive(Clone, Debug, PartialEq)]
pub struct CallOptions {
    pub options: Options,
    pub auth: Auth,
    /// Whether `maxWaitMs` and `concurrency` were given, for the calls whose
    /// defaults differ (`waitForState`, `waitPreparedAll`).
    pub given: Given,
    pub fleet: FleetOptions,
}

impl CallOptions {
    /// Check the described options. `page_origin` is the page's
    /// `location.origin` where there is one, for path endpoints.
    pub fn from_json(text: &str, page_origin: Option<&str>) -> Result<Self, Error> {
        Self::read(text, None, page_origin)
    }

    /// The same, with a string `token` given beside the JSON (where the JS
    /// entry puts it: a real token runs to kilobytes), as if it were in it.
    pub fn read(text: &str, token: Option<&str>, page_origin: Option<&str>) -> Result<Self, Error> {
        let Ok(doc) = json::parse(text) else { return Err(Error::invalid("options must be a plain object")) };
        let Json::Object(members) = &doc else {
            return Err(Error::invalid("options must be an object with at least a `token`"));
        };
        let mut raw = RawOptions::default();
        let mut fleet = FleetOptions::default();
        let mut auth = match token {
            Some(token) => {
                validate_token(token)?;
                Some(Auth::Token(token.to_owned()))
            }
            None => None,
        };
        let mut keys = None;
        for (name, value) in members {
            if matches!(value, Json::Null) {
                continue;
            }
            let Some(which) = option_position(name) else {
                return Err(unknown_name("unknown option `", name, "`", &KNOWN_OPTIONS));
            };
            if let Some(field) = raw.number(which) {
                *field = Some(whole_number(name, value)?);
                continue;
            }
            let is = |wanted| tag(value) == Some(wanted);
            // What the option takes, when `value` is something else.
            let wanted = match (which, value) {
                (option::TOKEN, Json::String(token)) => {
                    validate_token(token)?;
                    auth = Some(Auth::Token((**token).to_owned()));
                    continue;
                }
                (option::TOKEN, _) if is("function") => {
                    auth = Some(Auth::TokenFunction);
                    continue;
                }
                (option::TOKEN, _) => "a string or a function returning one",
                (option::CREDENTIALS, _) => {
                    keys = Some(parse_credentials(value)?);
                    continue;
                }
                (option::ENDPOINT, Json::String(endpoint)) => {
                    raw.endpoint = Some(endpoint);
                    continue;
                }
                (option::ENDPOINT, _) => "a string",
                (option::ALLOW_PARTIAL, Json::Bool(b)) => {
                    raw.allow_partial = *b;
                    continue;
                }
                (option::ALLOW_PARTIAL, _) => "a boolean",
                (option::SIGNAL, _) if is("signal") => continue,
                (option::SIGNAL, _) => "an AbortSignal",
                (option::FETCH | option::ON_PROGRESS, _) if is("function") => continue,
                (option::FETCH | option::ON_PROGRESS, _) => "a function",
                _ => {
                    fleet.read(which, name, value)?;
                    continue;
                }
            };
            let shown = if which == option::TOKEN { "`token`" } else { name };
            return Err(Error::invalid(cat(&[shown, " must be ", wanted, ", got ", describe(value)])));
        }
        let options = raw.resolve(page_origin)?;
        // A path endpoint resolved against the page is a same-origin proxy,
        // which adds the credentials itself.
        let same_origin = page_origin.is_some() && raw.endpoint.as_ref().is_some_and(|e| e.starts_with('/'));
        let auth =
            match (auth, keys) {
                (Some(_), Some(_)) => {
                    return Err(Error::invalid("pass either `token` or `credentials`, not both"));
                }
                (Some(auth), None) => auth,
                (None, Some(keys)) => Auth::AkSk(keys),
                (None, None) if same_origin => Auth::None,
                (None, None) => return Err(Error::invalid(
                    "`token` is required: pass the project-scoped IAM token (or a function returning it), \
                     or `credentials` (AK/SK, on a server only), or a same-origin proxy path as `endpoint`",
                )),
            };
        let given = Given { max_wait_ms: raw.max_wait_ms.is_some(), concurrency: raw.concurrency.is_some() };
        Ok(CallOptions { options, auth, given, fleet })
    }
}

impl RawOptions<'_> {
    /// The field of the numeric option at `which` in [`KNOWN_OPTIONS`], if it is one.
    fn number(&mut self, which: usize) -> Option<&mut Option<f64>> {
        Some(match which {
            option::TIMEOUT_MS => &mut self.timeout_ms,
            option::MAX_ATTEMPTS => &mut self.max_attempts,
            option::CHUNK_SIZE => &mut self.chunk_size,
            option::CONCURRENCY => &mut self.concurrency,
            option::MAX_WAIT_MS => &mut self.max_wait_ms,
            option::MIN_DELAY_MS => &mut self.min_delay_ms,
            option::MAX_DELAY_MS => &mut self.max_delay_ms,
            _ => return None,
        })
    }
}

/// The number option `name` holds (its range is checked by [`RawOptions::resolve`]).
fn whole_number(name: &str, value: &Json) -> Result<f64, Error> {
    match value {
        Json::Number(n) => Ok(*n),
        other => match tag(other) {
            Some(t @ ("NaN" | "Infinity" | "-Infinity")) => {
                Err(Error::invalid(cat(&[name, " must be a whole number, got ", t])))
            }
            _ => Err(Error::invalid(cat(&[name, " must be a number, got ", describe(other)]))),
        },
    }
}

/// The `$` tag of a value JSON cannot carry (see [`CallOptions`]).
pub(crate) fn tag<'v>(value: &'v Json) -> Option<&'v str> {
    match value {
        Json::Object(_) => value.get("$").and_then(Json::as_str),
        _ => None,
    }
}

/// A short description of a described value, for messages.
fn describe<'v>(value: &'v Json) -> &'v str {
    match tag(value) {
        // The JS entry's tags for what JSON cannot carry, worded like `type_name`'s.
        Some("object") => "an object",
        Some("array") => "an array",
        Some("function") => "a function",
        Some("symbol") => "a symbol",
        Some("bigint") => "a bigint",
        Some(other) => other,
        None => value.type_name(),
    }
}

/// The refusal of an unknown name: `{before}{name}{after}`, with `; did you mean `…`?`
/// when a known name is close enough to be the one meant.
pub fn unknown_name(before: &str, name: &str, after: &str, known: &[&str]) -> Error {
    match closest(name, known) {
        Some(known) => Error::invalid(cat(&[before, name, after, "; did you mean `", known, "`?"])),
        None => Error::invalid(cat(&[before, name, after])),
    }
}

/// The candidate nearest to `name` (edit distance, ignoring case), if it is
/// near enough to be a misspelling: at most one edit in three characters (the
/// rule rustc uses for its suggestions), or `name` a prefix of it (`timeout`).
pub fn closest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let name = name.as_bytes();
    let same = |a: &u8, b: &u8| a.eq_ignore_ascii_case(b);
    let mut best: Option<(&'a str, usize)> = None;
    for &candidate in candidates {
        let c = candidate.as_bytes();
        let distance =
            if name.len() >= 3 && c.len() >= name.len() && name.iter().zip(c).all(|(a, b)| same(a, b)) {
                0
            } else {
                let mut row: Vec<usize> = (0..=c.len()).collect();
                for (i, a) in name.iter().enumerate() {
                    let mut diagonal = row[0];
                    row[0] = i + 1;
                    for (j, b) in c.iter().enumerate() {
                        let next = (diagonal + usize::from(!same(a, b))).min(row[j] + 1).min(row[j + 1] + 1);
                        diagonal = row[j + 1];
                        row[j + 1] = next;
                    }
                }
                row[c.len()]
            };
        // The first of equally near candidates wins.
        if best.map_or(true, |(_, d)| distance < d) {
            best = Some((candidate, distance));
        }
    }
    let (best, d) = best?;
    (d <= name.len().max(3) / 3).then_some(best)
}

impl RawOptions<'_> {
    /// Check every option and fill in defaults. `page_origin` is the page's
    /// `location.origin` where there is one, for path endpoints.
    pub fn resolve(&self, page_origin: Option<&str>) -> Result<Options, Error> {
        let int = |name: &str, value: Option<f64>, default: u32, max: u32| match value {
            Some(v) => positive_integer(name, v, max),
            None => Ok(default),
        };
        let endpoint = match self.endpoint {
            Some(raw) => parse_endpoint(raw, page_origin)?,
            None => Endpoint::default(),
        };
        let default_poll = PollPolicy::default();
        let min_delay_ms = int("minDelayMs", self.min_delay_ms, default_poll.min_delay_ms, MAX_TIMER_MS)?;
        // Without an explicit maximum, a large minimum lifts the default maximum with it.
        let max_delay_ms =
            int("maxDelayMs", self.max_delay_ms, default_poll.max_delay_ms.max(min_delay_ms), MAX_TIMER_MS)?;
        if min_delay_ms > max_delay_ms {
            return Err(Error::invalid(cat(&[
                "minDelayMs (",
                &decimal(i64::from(min_delay_ms)),
                ") must not exceed maxDelayMs (",
                &decimal(i64::from(max_delay_ms)),
                ")",
            ])));
        }
        let poll = PollPolicy {
            max_wait_ms: int("maxWaitMs", self.max_wait_ms, default_poll.max_wait_ms, MAX_TIMER_MS)?,
            min_delay_ms,
            max_delay_ms,
        };
        Ok(Options {
            endpoint,
            timeout_ms: int("timeoutMs", self.timeout_ms, DEFAULT_TIMEOUT_MS, MAX_TIMER_MS)?,
            retry: RetryPolicy {
                max_attempts: int(
                    "maxAttempts",
                    self.max_attempts,
                    RetryPolicy::default().max_attempts,
                    MAX_ATTEMPTS,
                )?,
                ..RetryPolicy::default()
            },
            batch: BatchOptions {
                chunk_size: int("chunkSize", self.chunk_size, DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE)? as usize,
                concurrency: int("concurrency", self.concurrency, DEFAULT_CONCURRENCY, MAX_CONCURRENCY)?
                    as usize,
                allow_partial: self.allow_partial,
            },
            poll,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_ones() {
        let o = RawOptions::default().resolve(None).unwrap();
        assert_eq!(o.endpoint.as_str(), "https://koophone.myhuaweicloud.com");
        assert_eq!(o.timeout_ms, 10_000);
        assert_eq!(o.retry.max_attempts, 3);
        assert_eq!(o.batch, BatchOptions { chunk_size: 32, concurrency: 4, allow_partial: false });
        assert_eq!(o.poll, PollPolicy { max_wait_ms: 300_000, min_delay_ms: 1_000, max_delay_ms: 10_000 });
    }

    #[test]
    fn every_number_is_range_checked() {
        type Setter = fn(&mut RawOptions, f64);
        let cases: [(&str, Setter); 7] = [
            ("timeoutMs", |o, v| o.timeout_ms = Some(v)),
            ("maxAttempts", |o, v| o.max_attempts = Some(v)),
            ("chunkSize", |o, v| o.chunk_size = Some(v)),
            ("concurrency", |o, v| o.concurrency = Some(v)),
            ("maxWaitMs", |o, v| o.max_wait_ms = Some(v)),
            ("minDelayMs", |o, v| o.min_delay_ms = Some(v)),
            ("maxDelayMs", |o, v| o.max_delay_ms = Some(v)),
        ];
        for (name, set) in cases {
            for bad in [0.0, -5.0, 2.5, f64::NAN, 1e12] {
                let mut raw = RawOptions::default();
                set(&mut raw, bad);
                let e = raw.resolve(None).unwrap_err();
                assert!(e.message.starts_with(name), "{name} {bad}: {}", e.message);
            }
        }
        let big = RawOptions { chunk_size: Some(100.0), ..RawOptions::default() };
        assert_eq!(big.resolve(None).unwrap().batch.chunk_size, 100);
        let too_big = RawOptions { chunk_size: Some(101.0), ..RawOptions::default() };
        assert!(too_big.resolve(None).is_err());
    }

    #[test]
    fn poll_delays_must_be_ordered() {
        let raw =
            RawOptions { min_delay_ms: Some(500.0), max_delay_ms: Some(100.0), ..RawOptions::default() };
        assert!(raw.resolve(None).unwrap_err().message.contains("minDelayMs"));
        let lifted = RawOptions { min_delay_ms: Some(20_000.0), ..RawOptions::default() };
        assert_eq!(lifted.resolve(None).unwrap().poll.max_delay_ms, 20_000);
    }

    #[test]
    fn bad_endpoints_fail_resolution() {
        let raw = RawOptions { endpoint: Some("http://example.com"), ..RawOptions::default() };
        assert!(raw.resolve(None).is_err());
    }

    #[test]
    fn option_positions_name_the_known_options() {
        for (position, name) in [
            (option::TOKEN, "token"),
            (option::CREDENTIALS, "credentials"),
            (option::ENDPOINT, "endpoint"),
            (option::TIMEOUT_MS, "timeoutMs"),
            (option::MAX_ATTEMPTS, "maxAttempts"),
            (option::CHUNK_SIZE, "chunkSize"),
            (option::CONCURRENCY, "concurrency"),
            (option::ALLOW_PARTIAL, "allowPartial"),
            (option::MAX_WAIT_MS, "maxWaitMs"),
            (option::MIN_DELAY_MS, "minDelayMs"),
            (option::MAX_DELAY_MS, "maxDelayMs"),
            (option::SIGNAL, "signal"),
            (option::FETCH, "fetch"),
            (option::ON_PROGRESS, "onProgress"),
            (option::INTERVAL_MS, "intervalMs"),
            (option::EMIT_INITIAL, "emitInitial"),
            (option::FAIL_ON, "failOn"),
            (option::INVALID_IDS, "invalidIds"),
            (option::HOOKS, "hooks"),
            (option::RATE_LIMIT, "rateLimit"),
            (option::MAX_CONCURRENT_REQUESTS, "maxConcurrentRequests"),
            (option::RETRY_BUDGET, "retryBudget"),
        ] {
            assert_eq!(KNOWN_OPTIONS[position], name);
        }
    }

    #[test]
    fn described_options_are_read_and_checked() {
        let o = CallOptions::from_json(
            r#"{"token":"tok","timeoutMs":500,"allowPartial":true,"signal":{"$":"signal"},"fetch":{"$":"function"},"onProgress":null}"#,
            None,
        )
        .unwrap();
        assert_eq!(o.auth, Auth::Token("tok".into()));
        assert_eq!(o.options.timeout_ms, 500);
        assert!(o.options.batch.allow_partial);
        let f = CallOptions::from_json(r#"{"token":{"$":"function"}}"#, None).unwrap();
        assert_eq!(f.auth, Auth::TokenFunction);
    }

    #[test]
    fn wrong_types_are_named() {
        for (json, expected) in [
            (r#"{"token":"t","timeoutMs":{"$":"NaN"}}"#, "timeoutMs must be a whole number, got NaN"),
            (r#"{"token":"t","timeoutMs":"5"}"#, "timeoutMs must be a number, got a string"),
            (r#"{"token":"t","signal":{"$":"object"}}"#, "signal must be an AbortSignal, got an object"),
            (r#"{"token":"t","fetch":{"$":"symbol"}}"#, "fetch must be a function, got a symbol"),
            (r#"{"token":"t","allowPartial":{"$":"array"}}"#, "allowPartial must be a boolean, got an array"),
            (r#"{"token":"t","fetch":"x"}"#, "fetch must be a function, got a string"),
            (r#"{"token":5}"#, "`token` must be a string or a function returning one, got a number"),
            (r#"{}"#, "`token` is required"),
            (r#"[]"#, "options must be an object"),
        ] {
            let e = CallOptions::from_json(json, None).unwrap_err();
            assert!(e.message.starts_with(expected), "{json}: {}", e.message);
        }
    }

    #[test]
    fn unknown_options_name_the_closest_known_one() {
        for (name, closest) in [
            ("timeout", "timeoutMs"),
            ("maxattempts", "maxAttempts"),
            ("chunk_size", "chunkSize"),
            ("sigal", "signal"),
        ] {
            let e = CallOptions::from_json(&format!(r#"{{"token":"t","{name}":1}}"#), None).unwrap_err();
            assert_eq!(e.message, format!("unknown option `{name}`; did you mean `{closest}`?"));
        }
    }

    #[test]
    fn a_token_given_beside_the_json_counts_as_the_token_option() {
        let beside = CallOptions::read(r#"{"timeoutMs":500}"#, Some("tok-123"), None).unwrap();
        let inside = CallOptions::from_json(r#"{"token":"tok-123","timeoutMs":500}"#, None).unwrap();
        assert_eq!(beside, inside);
        assert_eq!(beside.auth, Auth::Token("tok-123".into()));
        let e = CallOptions::read("{}", Some("tok 123"), None).unwrap_err();
        assert!(e.message.starts_with("the token contains spaces"), "{}", e.message);
        let e = CallOptions::read(r#"{"credentials":{"accessKey":"AK","secretKey":"SK"}}"#, Some("t"), None)
            .unwrap_err();
        assert_eq!(e.message, "pass either `token` or `credentials`, not both");
    }

    #[test]
    fn unknown_options_far_from_every_known_one_get_no_suggestion() {
        for name in ["bogus", "x", "retries", "authorization"] {
            let e = CallOptions::from_json(&format!(r#"{{"token":"t","{name}":1}}"#), None).unwrap_err();
            assert_eq!(e.message, format!("unknown option `{name}`"));
        }
    }
}
