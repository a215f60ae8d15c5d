//! Which failures are tried again, and after how long.
//!
//! Policy: network errors, timeouts and HTTP 429/500/502/503/504 are retried
//! up to `max_attempts` attempts in total. The delay is exponential backoff
//! with full jitter (a uniform random delay between 0 and
//! `base_delay_ms * 2^(attempt-1)`, capped at `max_delay_ms`), unless the
//! server sent `Retry-After`, which is honoured exactly up to
//! `max_retry_after_ms`; a longer demand gives up rather than stall the caller.

use crate::engine::error::Error;
#[cfg(all(target_arch = "wasm32", not(debug_assertions)))]
use crate::prelude::F64Ext;

/// The wait after a 429 without `Retry-After`: uniform in this range (ms).
pub const THROTTLED_DELAY_MS: (u64, u64) = (2_000, 5_000);

/// Retry knobs; [`RetryPolicy::default`] holds the documented defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (`maxAttempts`, default 3).
    pub max_attempts: u32,
    /// Backoff base for the first retry, in milliseconds.
    pub base_delay_ms: u32,
    /// Upper bound of the jittered backoff, in milliseconds.
    pub max_delay_ms: u32,
    /// Longest `Retry-After` the client waits for, in milliseconds.
    pub max_retry_after_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_attempts: 3, base_delay_ms: 250, max_delay_ms: 8_000, max_retry_after_ms: 60_000 }
    }
}

/// What to do after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryDecision {
    /// Sleep this many milliseconds, then send the request again.
    RetryIn(u64),
    /// Report the error.
    GiveUp,
}

impl RetryPolicy {
    /// Decide after attempt number `attempt` (1-based) failed with `error`.
    ///
    /// `random` is a uniform sample from `[0, 1)`; the caller supplies it so
    /// the decision stays deterministic under test.
    pub fn decide(&self, attempt: u32, error: &Error, random: f64) -> RetryDecision {
        if attempt >= self.max_attempts || !error.retryable() {
            return RetryDecision::GiveUp;
        }
        if let Some(wait) = error.retry_after_ms {
            return if wait <= self.max_retry_after_ms {
                RetryDecision::RetryIn(wait)
            } else {
                RetryDecision::GiveUp
            };
        }
        let random = if (0.0..1.0).contains(&random) { random } else { 0.0 };
        if error.http_status == Some(429) {
            // Throttled with no Retry-After (Huawei's API gateway never sends
            // one): its docs advise waiting 2 to 5 seconds.
            let (low, high) = THROTTLED_DELAY_MS;
            return RetryDecision::RetryIn(low + ((high - low) as f64 * random) as u64);
        }
        let exp = attempt.saturating_sub(1).min(30);
        let ceiling = (u64::from(self.base_delay_ms) << exp).min(u64::from(self.max_delay_ms));
        RetryDecision::RetryIn((ceiling as f64 * random) as u64)
    }
}

/// Parse a `Retry-After` header value into milliseconds from `now_ms`.
///
/// Accepts delta-seconds (`"120"`) and an IMF-fixdate
/// (`"Sun, 06 Nov 1994 08:49:37 GMT"`); a date in the past means "now".
/// Anything else is ignored (`None`), falling back to backoff.
pub fn parse_retry_after(value: &str, now_ms: f64) -> Option<u64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Any number of digits: a demand too large to represent is still a
        // demand (beyond every ceiling), not something to ignore; it saturates.
        // Held just past the limit, not multiplied with overflow checks (the
        // 128-bit multiplication of `u64::saturating_mul` is a library call in wasm).
        const MAX_SECONDS: u64 = u64::MAX / 1000;
        let seconds = value.bytes().fold(0, |acc, b| (acc * 10 + u64::from(b - b'0')).min(MAX_SECONDS + 1));
        return Some(if seconds > MAX_SECONDS { u64::MAX } else { seconds * 1000 });
    }
    let at = parse_http_date(value)?;
    let delta = at - now_ms;
    Some(if delta > 0.0 { delta.ceil() as u64 } else { 0 })
}

/// Milliseconds since the Unix epoch of an IMF-fixdate, e.g.
/// `Sun, 06 Nov 1994 08:49:37 GMT`. Read as bytes, without `str::parse`
/// (which costs a kilobyte of wasm here).
fn parse_http_date(value: &str) -> Option<f64> {
    const MONTHS: [&[u8]; 12] =
        [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"];
    let mut parts = Some(value.as_bytes());
    let _weekday = field(&mut parts, b' ')?.strip_suffix(b",")?;
    let day = whole(field(&mut parts, b' ')?)?;
    let month_name = field(&mut parts, b' ')?;
    let month = MONTHS.iter().position(|m| *m == month_name)? as u32 + 1;
    let year = whole(field(&mut parts, b' ')?)?;
    let mut hms = field(&mut parts, b' ');
    let (h, m, s) =
        (whole(field(&mut hms, b':')?)?, whole(field(&mut hms, b':')?)?, whole(field(&mut hms, b':')?)?);
    if field(&mut parts, b' ')? != b"GMT" || parts.is_some() || hms.is_some() {
        return None;
    }
    // Not `RangeInclusive::contains`: an out-of-line call here (38 B gzip of wasm).
    #[allow(clippy::manual_range_contains)]
    if day == 0 || day > 31 || h > 23 || m > 59 || s > 60 || year < 1970 || year > 9999 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 86_400 + i64::from(h * 3600 + m * 60 + s)) * 1000) as f64)
}

/// The text before the next `separator` of `rest` (all of it at the end), as
/// `split` yields it, without its iterator: `None` once `rest` is used up.
fn field<'a>(rest: &mut Option<&'a [u8]>, separator: u8) -> Option<&'a [u8]> {
    let text = rest.take()?;
    let Some(at) = text.iter().position(|&b| b == separator) else { return Some(text) };
    *rest = text.get(at + 1..);
    text.get(..at)
}

/// A field of a date: digits after an optional `+`, as `str::parse` reads an
/// integer; a value past `u32::MAX` saturates there (out of every range above).
fn whole(text: &[u8]) -> Option<u32> {
    let digits = text.strip_prefix(b"+").unwrap_or(text);
    if digits.is_empty() {
        return None;
    }
    let mut n = 0u32;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.saturating_mul(10).saturating_add(u32::from(b - b'0'));
    }
    Some(n)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// algorithm), for a year from 1970 on: every step is a non-negative 32-bit
/// number (no 64-bit division in the wasm).
fn days_from_civil(year: u32, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let (era, yoe) = (y / 400, y % 400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    i64::from(era * 146_097 + doe) - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ErrorKind;

    fn http(status: u16, retry_after_ms: Option<u64>) -> Error {
        Error { http_status: Some(status), retry_after_ms, ..Error::new(ErrorKind::Http, "x") }
    }

    #[test]
    fn backoff_grows_exponentially_with_full_jitter_and_a_cap() {
        let p = RetryPolicy { max_attempts: 10, ..RetryPolicy::default() };
        let e = Error::new(ErrorKind::Network, "x");
        assert_eq!(p.decide(1, &e, 0.0), RetryDecision::RetryIn(0));
        assert_eq!(p.decide(1, &e, 0.5), RetryDecision::RetryIn(125));
        assert_eq!(p.decide(2, &e, 0.5), RetryDecision::RetryIn(250));
        assert_eq!(p.decide(3, &e, 0.999), RetryDecision::RetryIn(999));
        assert_eq!(p.decide(9, &e, 0.5), RetryDecision::RetryIn(4_000), "capped at max_delay_ms");
        assert_eq!(p.decide(1, &e, f64::NAN), RetryDecision::RetryIn(0), "bad random is treated as 0");
    }

    #[test]
    fn gives_up_after_max_attempts() {
        let p = RetryPolicy::default();
        let e = Error::new(ErrorKind::Timeout, "x");
        assert!(matches!(p.decide(2, &e, 0.5), RetryDecision::RetryIn(_)));
        assert_eq!(p.decide(3, &e, 0.5), RetryDecision::GiveUp);
        let once = RetryPolicy { max_attempts: 1, ..p };
        assert_eq!(once.decide(1, &e, 0.5), RetryDecision::GiveUp);
    }

    #[test]
    fn never_retries_client_errors_or_api_errors() {
        let p = RetryPolicy::default();
        for e in [
            http(400, None),
            http(401, None),
            http(404, None),
            Error::new(ErrorKind::Api, "x"),
            Error::aborted(),
        ] {
            assert_eq!(p.decide(1, &e, 0.5), RetryDecision::GiveUp, "{e:?}");
        }
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_limit() {
        let p = RetryPolicy::default();
        assert_eq!(p.decide(1, &http(429, Some(2_000)), 0.9), RetryDecision::RetryIn(2_000));
        assert_eq!(p.decide(1, &http(503, Some(0)), 0.9), RetryDecision::RetryIn(0));
        assert_eq!(p.decide(1, &http(429, Some(61_000)), 0.9), RetryDecision::GiveUp);
    }

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        assert_eq!(parse_retry_after("3", 0.0), Some(3_000));
        assert_eq!(parse_retry_after(" 0 ", 0.0), Some(0));
        // 1994-11-06T08:49:37Z is 784111777 s after the epoch.
        let date = "Sun, 06 Nov 1994 08:49:37 GMT";
        assert_eq!(parse_retry_after(date, 784_111_775_000.0), Some(2_000));
        assert_eq!(parse_retry_after(date, 784_111_800_000.0), Some(0), "past dates mean now");
        assert_eq!(parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT", 0.0), Some(0));
        assert_eq!(parse_retry_after("Tue, 29 Feb 2028 12:00:00 GMT", 1_835_438_400_000.0), Some(0));
        assert_eq!(parse_retry_after("Tue, 29 Feb 2028 12:00:01 GMT", 1_835_438_400_000.0), Some(1_000));
        for bad in [
            "",
            "-1",
            "1.5",
            "soon",
            "Sun, 06 Nov 1994 08:49:37 PST",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT x",
            "Sun,  06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
            "Sun, 06 Nov 1994 08:49:37: GMT",
            "Sun, 06 Nov 1994 08:49:37",
        ] {
            assert_eq!(parse_retry_after(bad, 0.0), None, "{bad}");
        }
    }

    #[test]
    fn oversized_retry_after_demands_give_up_at_once() {
        let p = RetryPolicy::default();
        assert_eq!(parse_retry_after("18446744073709551", 0.0), Some(18_446_744_073_709_551_000));
        assert_eq!(parse_retry_after("18446744073709552", 0.0), Some(u64::MAX));
        assert_eq!(parse_retry_after("99999999999999999999999", 0.0), Some(u64::MAX));
        for value in ["99999999999", "99999999999999999999", "61", "Fri, 31 Dec 9999 23:59:59 GMT"] {
            let wait = parse_retry_after(value, 0.0);
            assert!(wait.is_some_and(|w| w > 60_000), "{value}: {wait:?}");
            assert_eq!(p.decide(1, &http(429, wait), 0.5), RetryDecision::GiveUp, "{value}");
        }
    }

    #[test]
    fn throttling_without_retry_after_waits_two_to_five_seconds() {
        let p = RetryPolicy::default();
        assert_eq!(p.decide(1, &http(429, None), 0.0), RetryDecision::RetryIn(2_000));
        assert_eq!(p.decide(2, &http(429, None), 0.5), RetryDecision::RetryIn(3_500));
        assert_eq!(p.decide(1, &http(503, None), 0.0), RetryDecision::RetryIn(0), "others use backoff");
    }
}
