//! IAM tokens (`engine::iam`): the request, reading the answer, the cache
//! driven by a simulated clock, and properties (single flight, no leaks).

#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::result_large_err)] // as in lib.rs: engine::Error is large but cold

use koophone_wasm::engine::iam::{
    parse_iso8601_ms, refresh_margin, CacheDecision, IamCredentials, IamToken, ProjectScope, TokenCache,
    AUTH_ERROR, DEFAULT_REFRESH_MARGIN_MS, MAX_REFRESH_MARGIN_MS,
};
use koophone_wasm::engine::json::{parse, write_string, Json};
use koophone_wasm::engine::sign::sdk_date;
use koophone_wasm::engine::{Error, ErrorKind};
use proptest::prelude::*;

const PASSWORD: &str = "Pa$$w0rd\"\\é";
const HOUR: f64 = 3_600_000.0;
/// 2020-01-04T09:05:22.701Z, the issue's example.
const EXPIRES: f64 = 1_578_128_722_701.0;
const OK_BODY: &str = r#"{"token":{"expires_at":"2020-01-04T09:05:22.701000Z","methods":["password"]}}"#;

fn creds(project: ProjectScope) -> IamCredentials {
    IamCredentials::new("my-domain", "alice", PASSWORD, project, None).unwrap()
}

fn name_creds() -> IamCredentials {
    creds(ProjectScope::Name("cn-south-1".into()))
}

fn path<'a, 't>(doc: &'a Json<'t>, keys: &[&str]) -> &'a Json<'t> {
    keys.iter().fold(doc, |v, k| v.get(k).unwrap_or_else(|| panic!("no {k} in {v:?}")))
}

fn assert_no_password(e: &Error) {
    let texts = [Some(&e.message), e.error_code.as_ref(), e.error_msg.as_ref()];
    for text in texts.into_iter().flatten() {
        assert!(!text.contains(PASSWORD) && !text.contains("Pa$$w0rd"), "{text}");
    }
    assert!(!format!("{e} {e:?}").contains("Pa$$w0rd"));
}

#[test]
fn the_token_request_is_the_documented_post_with_a_correctly_escaped_body() {
    let r = name_creds().token_request();
    assert_eq!(r.url, "https://iam.myhuaweicloud.com/v3/auth/tokens?nocatalog=true");
    assert_eq!(r.headers, [("content-type", "application/json".to_owned())]);
    let doc = parse(&r.body).unwrap();
    let user = path(&doc, &["auth", "identity", "password", "user"]);
    assert_eq!(user.get("name").and_then(Json::as_str), Some("alice"));
    assert_eq!(user.get("password").and_then(Json::as_str), Some(PASSWORD));
    assert_eq!(path(user, &["domain", "name"]).as_str(), Some("my-domain"));
    let methods = path(&doc, &["auth", "identity", "methods"]).as_array().unwrap();
    assert_eq!(methods, [Json::String("password".into())]);
    assert_eq!(
        path(&doc, &["auth", "scope", "project"]),
        &Json::Object(vec![("name".into(), Json::String("cn-south-1".into()))])
    );

    let by_id = creds(ProjectScope::Id("0123abc".into())).token_request();
    let doc = parse(&by_id.body).unwrap();
    assert_eq!(
        path(&doc, &["auth", "scope", "project"]),
        &Json::Object(vec![("id".into(), Json::String("0123abc".into()))])
    );
}

#[test]
fn the_iam_endpoint_is_checked_like_the_api_endpoint() {
    let with = |endpoint: &str| {
        IamCredentials::new("d", "u", "p", ProjectScope::Name("r".into()), Some(endpoint))
            .map(|c| c.token_request().url)
    };
    assert_eq!(
        with("http://127.0.0.1:9000/").unwrap(),
        "http://127.0.0.1:9000/v3/auth/tokens?nocatalog=true"
    );
    assert_eq!(
        with("https://IAM.example.com/base").unwrap(),
        "https://iam.example.com/base/v3/auth/tokens?nocatalog=true"
    );
    for bad in ["http://iam.example.com", "iam.example.com", "https://u:p@iam.example.com", "https://x/?q=1"]
    {
        let e = with(bad).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArgument);
        assert!(e.message.starts_with("iamEndpoint: "), "{}", e.message);
    }
}

#[test]
fn bad_fields_are_refused_by_name_and_the_password_is_never_quoted() {
    let scope = || ProjectScope::Name("r".into());
    for (d, u, p, project, field) in [
        ("", "u", "secret-pw", scope(), "domainName"),
        ("d", "", "secret-pw", scope(), "userName"),
        ("d", "u", "", scope(), "password"),
        ("d", "u", "secret-pw\n", scope(), "password"),
        ("d", "u", "secret-pw", ProjectScope::Name(String::new()), "projectName"),
        ("d", "u", "secret-pw", ProjectScope::Id("a\rb".into()), "projectId"),
    ] {
        let e = IamCredentials::new(d, u, p, project, None).unwrap_err();
        assert!(e.message.starts_with(field) && !e.message.contains("secret-pw"), "{}", e.message);
    }
    let long = "p".repeat(1025);
    assert!(IamCredentials::new("d", "u", &long, scope(), None).is_err());
    let shown = format!("{:?} {:?}", name_creds(), name_creds().token_request());
    assert!(
        !shown.contains("Pa$$w0rd") && shown.contains("alice") && shown.contains("iam.myhuaweicloud.com"),
        "{shown}"
    );
}

#[test]
fn a_201_with_subject_token_and_expiry_gives_the_token() {
    let t = name_creds().parse_token_response(201, Some("MIItoken+/="), OK_BODY).unwrap();
    assert_eq!((t.token(), t.expires_at_ms), ("MIItoken+/=", EXPIRES));
    assert!(!format!("{t:?}").contains("MIItoken"));
}

#[test]
fn every_other_answer_is_an_auth_error_without_the_password() {
    let quoting = format!(
        r#"{{"error":{{"code":"IAM.0004","message":"bad password {}","title":"Unauthorized"}}}}"#,
        PASSWORD.replace('\\', "\\\\").replace('"', "\\\"")
    );
    let c = name_creds();
    let e = c.parse_token_response(401, None, &quoting).unwrap_err();
    assert_eq!((e.kind, e.http_status), (AUTH_ERROR, Some(401)));
    assert_eq!(e.error_code.as_deref(), Some("IAM.0004"));
    assert_eq!(e.error_msg.as_deref(), Some("bad password •••"));
    assert!(e.message.contains("refused the credentials") && e.message.contains("IAM.0004"), "{}", e.message);
    assert_no_password(&e);

    let mut echoed = String::new();
    write_string(&mut echoed, &format!("{PASSWORD}{PASSWORD}"));
    let flat = format!(r#"{{"error_code":"APIGW.0101","error_msg":{echoed}}}"#);
    let e = c.parse_token_response(403, Some("tok"), &flat).unwrap_err();
    assert_eq!((e.http_status, e.error_code.as_deref()), (Some(403), Some("APIGW.0101")));
    assert_eq!(e.error_msg.as_deref(), Some("••••••"));
    assert_no_password(&e);

    for (status, token, body, says) in [
        (500, None, "<html>Pa$$w0rd</html>", "did not issue a token (HTTP 500)"),
        (200, Some("tok"), OK_BODY, "HTTP 200"),
        (201, None, OK_BODY, "without an X-Subject-Token"),
        (201, Some(""), OK_BODY, "without an X-Subject-Token"),
        (201, Some("tok\r\nX: y"), OK_BODY, "unusable token"),
        (201, Some("tok"), "{}", "token.expires_at"),
        (201, Some("tok"), r#"{"token":{"expires_at":"tomorrow"}}"#, "token.expires_at"),
        (201, Some("tok"), "not json", "token.expires_at"),
    ] {
        let e = c.parse_token_response(status, token, body).unwrap_err();
        assert_eq!((e.kind, e.http_status), (AUTH_ERROR, Some(status)));
        assert!(e.message.contains(says), "{says}: {}", e.message);
        assert_no_password(&e);
    }
}

#[test]
fn expiry_dates_in_the_forms_iam_and_iso_8601_allow_are_read() {
    for (text, ms) in [
        ("2020-01-04T09:05:22.701000Z", EXPIRES),
        ("2020-01-04T09:05:22.701Z", EXPIRES),
        ("2020-01-04T09:05:22.7019Z", EXPIRES),
        ("2020-01-04T09:05:22.7Z", EXPIRES - 1.0),
        ("2020-01-04T09:05:22Z", EXPIRES - 701.0),
        ("2020-01-04t09:05:22z", EXPIRES - 701.0),
        ("2020-01-04T17:05:22.701+08:00", EXPIRES),
        ("2020-01-04T17:05:22.701+0800", EXPIRES),
        ("2020-01-04T17:05:22.701+08", EXPIRES),
        ("2020-01-04T04:35:22.701-04:30", EXPIRES),
        ("1970-01-01T00:00:00Z", 0.0),
        ("2000-02-29T00:00:00Z", 951_782_400_000.0),
    ] {
        assert_eq!(parse_iso8601_ms(text), Some(ms), "{text}");
    }
    for bad in [
        "",
        "2020-01-04",
        "2020-01-04T09:05:22",
        "2020-01-04T09:05:22.Z",
        "2020-13-04T09:05:22Z",
        "2021-02-29T09:05:22Z",
        "2020-01-32T09:05:22Z",
        "2020-01-04T24:05:22Z",
        "2020-01-04T09:60:22Z",
        "2020-01-04T09:05:60Z",
        "2020-01-04T09:05:22+24:00",
        "2020-01-04T09:05:22+08:0",
        "2020-01-04T09:05:22Z ",
        "2020/01/04T09:05:22Z",
        "+020-01-04T09:05:22Z",
    ] {
        assert_eq!(parse_iso8601_ms(bad), None, "{bad}");
    }
}

fn token(name: &str, expires_at_ms: f64) -> Result<IamToken, Error> {
    Ok(IamToken::new(name.to_owned(), expires_at_ms))
}

fn use_(name: &str) -> CacheDecision {
    CacheDecision::Use(name.to_owned())
}

#[test]
fn the_margin_defaults_to_exactly_an_hour_and_is_checked() {
    assert_eq!(DEFAULT_REFRESH_MARGIN_MS, 3_600_000);
    assert_eq!(refresh_margin(None).unwrap(), 3_600_000);
    assert_eq!(refresh_margin(Some(0.0)).unwrap(), 0);
    assert_eq!(refresh_margin(Some(86_400_000.0)).unwrap(), 86_400_000);
    for bad in [-1.0, 0.5, f64::NAN, f64::INFINITY, 86_400_001.0] {
        assert!(refresh_margin(Some(bad)).unwrap_err().message.starts_with("refreshMarginMs"));
    }
}

#[test]
fn a_token_is_cached_until_expiry_minus_the_margin_and_fetched_once_for_all_callers() {
    let mut cache = TokenCache::new(DEFAULT_REFRESH_MARGIN_MS);
    let t0 = 1_000_000.0;
    assert_eq!(cache.token(t0, false), CacheDecision::Fetch);
    for _ in 0..5 {
        assert_eq!(cache.token(t0 + 1.0, false), CacheDecision::Join);
    }
    assert_eq!(cache.fetched(token("A", t0 + 24.0 * HOUR), t0 + 2.0).unwrap(), "A");
    assert!(!cache.is_fetching());
    assert_eq!(cache.token(t0 + 3.0, false), use_("A"));
    let refresh_at = t0 + 23.0 * HOUR;
    assert_eq!(cache.token(refresh_at - 1.0, false), use_("A"));
    assert_eq!(cache.token(refresh_at, false), CacheDecision::Fetch);
    assert_eq!(cache.token(refresh_at, false), CacheDecision::Join);
    assert_eq!(cache.fetched(token("B", refresh_at + 24.0 * HOUR), refresh_at + 5.0).unwrap(), "B");
    assert_eq!(cache.token(refresh_at + 6.0, false), use_("B"));
}

#[test]
fn forced_refreshes_share_one_request() {
    let mut cache = TokenCache::new(DEFAULT_REFRESH_MARGIN_MS);
    assert_eq!(cache.token(0.0, false), CacheDecision::Fetch);
    assert_eq!(cache.token(0.0, true), CacheDecision::Join, "a force while fetching joins");
    cache.fetched(token("A", 24.0 * HOUR), 1.0).unwrap();
    assert_eq!(cache.token(2.0, true), CacheDecision::Fetch, "a force with a valid token fetches");
    for force in [true, false, true] {
        assert_eq!(cache.token(3.0, force), CacheDecision::Join);
    }
    cache.fetched(token("B", 24.0 * HOUR), 4.0).unwrap();
    assert_eq!(cache.token(5.0, false), use_("B"));
}

#[test]
fn failures_are_handed_out_not_cached_and_the_next_ask_fetches_again() {
    let mut cache = TokenCache::new(DEFAULT_REFRESH_MARGIN_MS);
    assert_eq!(cache.token(0.0, false), CacheDecision::Fetch);
    let e = cache.fetched(Err(Error::new(AUTH_ERROR, "IAM refused")), 1.0).unwrap_err();
    assert_eq!(e.message, "IAM refused");
    assert_eq!(cache.token(2.0, false), CacheDecision::Fetch);
    cache.fetched(token("A", 24.0 * HOUR), 3.0).unwrap();
    // A failed forced refresh leaves the token that may still work.
    assert_eq!(cache.token(4.0, true), CacheDecision::Fetch);
    cache.fetched(Err(Error::new(ErrorKind::Network, "down")), 5.0).unwrap_err();
    assert_eq!(cache.token(6.0, false), use_("A"));
}

#[test]
fn invalidate_forgets_the_token() {
    let mut cache = TokenCache::new(0);
    assert_eq!(cache.token(0.0, false), CacheDecision::Fetch);
    cache.fetched(token("A", HOUR), 0.0).unwrap();
    assert_eq!(cache.token(HOUR - 1.0, false), use_("A"));
    cache.invalidate();
    assert_eq!(cache.token(1.0, false), CacheDecision::Fetch);
    cache.invalidate(); // while fetching: the fetch completes and is kept
    assert_eq!(cache.token(1.0, false), CacheDecision::Join);
    cache.fetched(token("B", HOUR), 2.0).unwrap();
    assert_eq!(cache.token(3.0, false), use_("B"));
}

#[test]
fn short_lived_tokens_are_kept_half_their_life_and_expired_ones_not_at_all() {
    let mut cache = TokenCache::new(DEFAULT_REFRESH_MARGIN_MS);
    assert_eq!(cache.token(0.0, false), CacheDecision::Fetch);
    cache.fetched(token("short", 20.0 * 60_000.0), 0.0).unwrap(); // 20 min < 1 h margin
    assert_eq!(cache.token(10.0 * 60_000.0 - 1.0, false), use_("short"));
    assert_eq!(cache.token(10.0 * 60_000.0, false), CacheDecision::Fetch);
    assert_eq!(cache.fetched(token("stale", 1_000.0), 5_000.0).unwrap(), "stale");
    assert_eq!(cache.token(5_001.0, false), CacheDecision::Fetch);
}

#[derive(Clone, Debug)]
enum Op {
    Ask { force: bool },
    Complete { ok: bool, lifetime_ms: f64 },
    Invalidate,
    Wait(f64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => any::<bool>().prop_map(|force| Op::Ask { force }),
        2 => (any::<bool>(), -HOUR..30.0 * HOUR).prop_map(|(ok, lifetime_ms)| Op::Complete { ok, lifetime_ms }),
        1 => Just(Op::Invalidate),
        2 => (0.0..6.0 * HOUR).prop_map(Op::Wait),
    ]
}

/// The plain reading of `parse_iso8601_ms` it replaced (separators, then a
/// month table), kept as the oracle of the compact one.
fn reference_iso8601_ms(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let digits = b.get(from..from + len)?;
        digits.iter().try_fold(0i64, |n, &d| d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0')))
    };
    let sep = |at: usize, c: &[u8]| b.get(at).is_some_and(|x| c.contains(x));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let days_in_month = *month_days.get(usize::try_from(month - 1).ok()?)?;
    if day < 1 || day > days_in_month || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut at = 19;
    let mut millis = 0;
    if sep(at, b".,") {
        let digits = b.get(at + 1..)?.iter().take_while(|d| d.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        for i in 0..3 {
            millis = millis * 10 + if i < digits { num(at + 1 + i, 1)? } else { 0 };
        }
        at += 1 + digits;
    }
    let offset_minutes = match b.get(at..)? {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (h, m) = match rest.len() {
                5 if rest.get(2) == Some(&b':') => (num(at + 1, 2)?, num(at + 4, 2)?),
                4 => (num(at + 1, 2)?, num(at + 3, 2)?),
                2 => (num(at + 1, 2)?, 0),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            (h * 60 + m) * if *sign == b'-' { -1 } else { 1 }
        }
        _ => return None,
    };
    // Days since 1970-01-01 (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    Some((secs * 1000 + millis) as f64)
}

proptest! {
    #[test]
    fn never_two_fetches_in_flight_and_never_an_expired_token(
        ops in proptest::collection::vec(op(), 1..200),
        margin in prop_oneof![Just(DEFAULT_REFRESH_MARGIN_MS), 0..=MAX_REFRESH_MARGIN_MS],
    ) {
        let mut cache = TokenCache::new(margin);
        let (mut now, mut in_flight, mut fetches, mut serial) = (0.0, false, 0, 0);
        // The token the cache may hand out: (name, expires_at), as a model.
        let mut kept: Option<(String, f64)> = None;
        for op in ops {
            match op {
                Op::Ask { force } => match cache.token(now, force) {
                    CacheDecision::Fetch => {
                        prop_assert!(!in_flight, "a second fetch while one is in flight");
                        in_flight = true;
                        fetches += 1;
                    }
                    CacheDecision::Join => prop_assert!(in_flight, "join with nothing in flight"),
                    CacheDecision::Use(t) => {
                        prop_assert!(!in_flight && !force);
                        let (name, expires) = kept.clone().expect("a token is kept");
                        prop_assert_eq!(t, name);
                        prop_assert!(now < expires, "handed out an expired token");
                    }
                },
                Op::Complete { ok, lifetime_ms } if in_flight => {
                    serial += 1;
                    let name = format!("t{serial}");
                    let result = if ok { token(&name, now + lifetime_ms) } else { Err(Error::new(AUTH_ERROR, "no")) };
                    let out = cache.fetched(result, now);
                    prop_assert_eq!(out.is_ok(), ok);
                    if ok {
                        kept = (lifetime_ms > 0.0).then_some((name, now + lifetime_ms));
                    }
                    in_flight = false;
                }
                Op::Complete { .. } => {}
                Op::Invalidate => {
                    cache.invalidate();
                    kept = None;
                }
                Op::Wait(ms) => now += ms,
            }
            prop_assert_eq!(cache.is_fetching(), in_flight);
        }
        prop_assert!(fetches <= 200);
    }

    #[test]
    fn iso_dates_agree_with_the_signers_calendar(ms in 0u64..253_402_300_800_000) {
        let basic = sdk_date(ms as f64).unwrap(); // YYYYMMDDTHHMMSSZ
        let b = |r: std::ops::Range<usize>| basic.get(r).unwrap().to_owned();
        let iso = format!("{}-{}-{}T{}:{}:{}.{:03}Z", b(0..4), b(4..6), b(6..8), b(9..11), b(11..13), b(13..15), ms % 1000);
        prop_assert_eq!(parse_iso8601_ms(&iso), Some(ms as f64), "{}", iso);
    }

    #[test]
    fn dates_are_read_as_the_plain_reading_reads_them(
        text in prop_oneof![
            "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}([.,][0-9]{0,5})?([Zz]|[+-][0-9]{1,2}(:?[0-9]{1,3})?)?.?",
            "(1|2)[09][0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-4]):[0-5][0-9]:[0-6][0-9](\\.[0-9]{1,7})?(Z|[+-]([01][0-9]|2[0-4])(:?[0-5][0-9])?)",
            "[0-9:.,+Zz-]{0,30}",
        ],
    ) {
        prop_assert_eq!(parse_iso8601_ms(&text), reference_iso8601_ms(&text), "{}", text);
    }

    #[test]
    fn reading_any_date_or_answer_never_panics(text in "[0-9TZ:+.,-]{0,32}|\\PC{0,40}", status in 100u16..600) {
        let _ = parse_iso8601_ms(&text);
        let _ = name_creds().parse_token_response(status, Some(&text), &text);
    }

    #[test]
    fn the_password_never_appears_in_an_error(
        password in "[!-~é中]{6,40}",
        status in prop_oneof![Just(401u16), Just(400), Just(500), Just(201)],
        wrapper in 0usize..3,
    ) {
        let c = IamCredentials::new("d", "u", &password, ProjectScope::Name("r".into()), None).unwrap();
        let mut quoted = String::new();
        write_string(&mut quoted, &format!("your password {password} is wrong"));
        let body = match wrapper {
            0 => format!(r#"{{"error":{{"code":{quoted},"message":{quoted}}}}}"#),
            1 => format!(r#"{{"error_code":{quoted},"error_msg":{quoted}}}"#),
            _ => format!(r#"{{"token":{{"expires_at":{quoted}}}}}"#),
        };
        let e = c.parse_token_response(status, Some("tok"), &body).unwrap_err();
        for text in [Some(&e.message), e.error_code.as_ref(), e.error_msg.as_ref()].into_iter().flatten() {
            prop_assert!(!text.contains(password.as_str()), "{}", text);
        }
    }
}
