//! Property tests of the pure core: whatever comes in, nothing panics (a panic
//! traps the wasm module) and every decision stays within its bounds.
//!
//! `cargo test` runs each property with proptest's default case count;
//! `scripts/fuzz.sh` runs them with `PROPTEST_CASES=100000`.

#![cfg(not(target_arch = "wasm32"))]

use koophone_wasm::engine::chunk::{ChunkMerge, ChunkPlan};
use koophone_wasm::engine::json::{self, write_string, Json};
use koophone_wasm::engine::options::RawOptions;
use koophone_wasm::engine::poll::{PollDecision, PollPolicy, Poller};
use koophone_wasm::engine::redact::Secret;
use koophone_wasm::engine::response::{
    parse_batch_status, parse_prepare_progress, PrepareProgress, RawResponse, StatusResult,
};
use koophone_wasm::engine::retry::{parse_retry_after, RetryDecision, RetryPolicy};
use koophone_wasm::engine::validate::{parse_endpoint, validate_id, validate_token};
use koophone_wasm::engine::{Error, ErrorKind};
use proptest::prelude::*;

/// Arbitrary JSON documents, nested a few levels, with the API's field names
/// over-represented so that the interesting paths are reached.
fn json_value() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("error_code".to_owned()),
        Just("error_msg".to_owned()),
        Just("data".to_owned()),
        Just("status_results".to_owned()),
        Just("instance_id".to_owned()),
        Just("status".to_owned()),
        Just("waitingCount".to_owned()),
        "[a-z_]{0,8}",
    ];
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("\"0\"".to_owned()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| format!("{f:e}")),
        ".{0,12}".prop_map(|s| {
            let mut out = String::new();
            write_string(&mut out, &s);
            out
        }),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(|items| format!("[{}]", items.join(","))),
            prop::collection::vec((key.clone(), inner), 0..6).prop_map(|members| {
                let body: Vec<String> = members
                    .into_iter()
                    .map(|(k, v)| {
                        let mut out = String::new();
                        write_string(&mut out, &k);
                        format!("{out}:{v}")
                    })
                    .collect();
                format!("{{{}}}", body.join(","))
            }),
        ]
    })
}

fn response(status: u16, body: String, retry_after: Option<String>) -> RawResponse {
    RawResponse { status, body, retry_after, received_at_ms: 1_700_000_000_000.0 }
}

/// A failure is typed and tied to the request that caused it.
fn assert_typed(error: &Error) {
    assert!(!error.message.is_empty());
    assert_eq!(error.request_id.as_deref(), Some("rid"));
    assert!(matches!(error.kind, ErrorKind::Http | ErrorKind::Api | ErrorKind::BadResponse), "{error:?}");
}

proptest! {
    #[test]
    fn json_parser_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = json::parse(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn json_parser_accepts_what_it_generates_and_round_trips_strings(doc in json_value(), s in ".*") {
        prop_assert!(json::parse(&doc).is_ok(), "{}", doc);
        let mut out = String::new();
        write_string(&mut out, &s);
        prop_assert_eq!(json::parse(&out).ok(), Some(Json::String(s.into())));
    }

    #[test]
    fn response_parsers_give_a_result_or_a_typed_error(
        status in prop_oneof![Just(200u16), Just(400), Just(429), Just(500), Just(503), 100u16..600],
        body in prop_oneof![json_value(), ".{0,200}"],
        retry_after in proptest::option::of(".{0,40}"),
    ) {
        let resp = response(status, body, retry_after);
        match parse_batch_status(&resp, "rid") {
            Ok(_) => prop_assert!((200..300).contains(&status), "only 2xx bodies parse"),
            Err(e) => assert_typed(&e),
        }
        match parse_prepare_progress(&resp, "rid") {
            Ok(_) => prop_assert!((200..300).contains(&status)),
            Err(e) => {
                assert_typed(&e);
                if let Some(wait) = e.retry_after_ms {
                    prop_assert!(status == 429 || status == 503);
                    prop_assert!(wait <= 9_999_999_999_000);
                }
            }
        }
    }

    #[test]
    fn validation_never_panics_and_accepted_input_is_header_safe(s in ".{0,80}") {
        if validate_id("id", &s).is_ok() {
            prop_assert!(!s.is_empty() && s.chars().count() <= 32);
            prop_assert!(!s.chars().any(|c| c.is_control() || c.is_whitespace()));
        }
        if validate_token(&s).is_ok() {
            prop_assert!(s.bytes().all(|b| b.is_ascii_graphic()));
        }
        if let Ok(endpoint) = parse_endpoint(&s, None) {
            let url = endpoint.as_str();
            prop_assert!(url.starts_with("https://") || url.starts_with("http://"));
            prop_assert!(!url.contains(['@', '?', '#']) && !url.chars().any(char::is_whitespace));
        }
        let _ = parse_endpoint(&s, Some("https://console.example.com"));
    }

    #[test]
    fn http_endpoints_are_only_accepted_for_loopback(host in "[a-z0-9.-]{1,20}", port in 1u32..70000) {
        let raw = format!("http://{host}:{port}");
        if parse_endpoint(&raw, None).is_ok() {
            prop_assert!(host == "localhost" || host.ends_with(".localhost") || host.starts_with("127."), "{}", raw);
        }
    }

    #[test]
    fn options_resolve_or_fail_without_panicking(values in prop::collection::vec(proptest::option::of(any::<f64>()), 7)) {
        let raw = RawOptions {
            timeout_ms: values[0],
            max_attempts: values[1],
            chunk_size: values[2],
            concurrency: values[3],
            max_wait_ms: values[4],
            min_delay_ms: values[5],
            max_delay_ms: values[6],
            ..RawOptions::default()
        };
        if let Ok(o) = raw.resolve(None) {
            prop_assert!((1..=100).contains(&o.batch.chunk_size));
            prop_assert!((1..=32).contains(&o.batch.concurrency));
            prop_assert!((1..=10).contains(&o.retry.max_attempts));
            prop_assert!(o.poll.min_delay_ms <= o.poll.max_delay_ms);
        }
    }

    #[test]
    fn retry_decisions_are_bounded(
        attempt in 1u32..20,
        max_attempts in 1u32..=10,
        status in 400u16..600,
        retry_after in proptest::option::of(0u64..200_000),
        random in any::<f64>(),
    ) {
        let policy = RetryPolicy { max_attempts, ..RetryPolicy::default() };
        let error = Error { http_status: Some(status), retry_after_ms: retry_after, ..Error::new(ErrorKind::Http, "x") };
        match policy.decide(attempt, &error, random) {
            RetryDecision::GiveUp => {}
            RetryDecision::RetryIn(delay) => {
                prop_assert!(attempt < max_attempts, "no retry past maxAttempts");
                prop_assert!(error.retryable());
                prop_assert!(delay <= u64::from(policy.max_delay_ms).max(policy.max_retry_after_ms));
            }
        }
    }

    #[test]
    fn retry_after_parsing_never_panics(value in ".{0,40}", now in any::<f64>()) {
        let _ = parse_retry_after(&value, now);
    }

    #[test]
    fn polling_never_sleeps_past_the_deadline(
        readings in prop::collection::vec((-2i64..8, proptest::option::of(0i64..5)), 1..40),
        max_wait_ms in 1u32..100_000,
        min_delay_ms in 1u32..5_000,
        extra in 0u32..20_000,
        round_trip in 0u32..3_000,
    ) {
        let policy = PollPolicy { max_wait_ms, min_delay_ms, max_delay_ms: min_delay_ms + extra };
        let mut poller = Poller::new(policy, "i", 0.0);
        let mut now = 0.0;
        for (attempt, (status, waiting_count)) in readings.into_iter().enumerate() {
            let polled_at = now;
            now += f64::from(round_trip);
            let (report, decision) = poller.observe(PrepareProgress { status, waiting_count }, "r", polled_at, now);
            prop_assert_eq!(report.attempt as usize, attempt + 1);
            match decision {
                PollDecision::PollIn(delay) => {
                    prop_assert!(delay <= u64::from(policy.max_delay_ms));
                    prop_assert!(now + delay as f64 <= f64::from(max_wait_ms), "sleeps past the deadline");
                    now += delay as f64;
                }
                PollDecision::Ready => { prop_assert_eq!(status, 0); break; }
                PollDecision::Stop(e) => {
                    prop_assert!(matches!(e.kind, ErrorKind::PrepareFailed | ErrorKind::WaitTimeout));
                    prop_assert!(e.progress.is_some());
                    break;
                }
            }
        }
    }

    #[test]
    fn chunk_merge_keeps_order_and_accounts_for_every_id(
        ids in prop::collection::vec("[a-c]{1,3}", 0..120),
        chunk_size in 1usize..40,
        answered in prop::collection::vec(any::<bool>(), 120),
        failed_chunks in prop::collection::vec(any::<bool>(), 120),
    ) {
        let plan = ChunkPlan::new(ids.clone(), chunk_size);
        let mut merge = ChunkMerge::new(&plan);
        for index in 0..plan.chunk_count() {
            prop_assert!(plan.chunk(index).len() <= chunk_size);
            if failed_chunks[index] {
                merge.fail(index);
                continue;
            }
            let results = plan.chunk(index).iter().enumerate()
                .filter(|(i, _)| answered[(index * chunk_size + i) % answered.len()])
                .map(|(i, id)| StatusResult { instance_id: id.clone(), status: i as i64 })
                .collect();
            merge.add(&plan, index, results);
        }
        let merged = merge.finish(&plan);
        // Distinct IDs, first-occurrence order.
        let mut distinct: Vec<String> = Vec::new();
        for id in &ids { if !distinct.contains(id) { distinct.push(id.clone()); } }
        prop_assert_eq!(plan.ids(), &distinct[..]);
        let reported: Vec<&String> = merged.statuses.iter().map(|s| &s.instance_id).collect();
        let in_order: Vec<&String> = distinct.iter().filter(|id| reported.contains(id)).collect();
        prop_assert_eq!(&reported, &in_order);
        for id in &merged.missing { prop_assert!(!merged.statuses.iter().any(|s| &s.instance_id == id)); }
        // Exactly: every ID of a successful chunk is reported or missing as its chunk said,
        // and every ID of a failed chunk is in neither.
        let mut expected_reported: Vec<&String> = Vec::new();
        let mut expected_missing: Vec<&String> = Vec::new();
        let mut failed_ids = 0usize;
        for index in 0..plan.chunk_count() {
            if failed_chunks[index] {
                failed_ids += plan.chunk(index).len();
                continue;
            }
            for (i, id) in plan.chunk(index).iter().enumerate() {
                if answered[(index * chunk_size + i) % answered.len()] { expected_reported.push(id) } else { expected_missing.push(id) }
            }
        }
        prop_assert_eq!(&reported, &expected_reported);
        let mut missing: Vec<&String> = merged.missing.iter().collect();
        missing.sort();
        expected_missing.sort();
        prop_assert_eq!(missing, expected_missing);
        prop_assert_eq!(merged.statuses.len() + merged.missing.len() + failed_ids, distinct.len());
    }
}

// ---------------------------------------------------------------------------
// Whole loops and round trips: bounds over a call, not only over one decision.

fn transient_error(kind: u8, retry_after_ms: Option<u64>) -> Error {
    match kind % 4 {
        0 => Error::new(ErrorKind::Network, "x"),
        1 => Error::new(ErrorKind::Timeout, "x"),
        2 => Error { http_status: Some(429), retry_after_ms, ..Error::new(ErrorKind::Http, "x") },
        _ => Error { http_status: Some(503), ..Error::new(ErrorKind::Http, "x") },
    }
}

proptest! {
    /// A request that keeps failing is sent at most `max_attempts` times, and the time
    /// spent sleeping between attempts is bounded by the caps.
    #[test]
    fn a_retry_loop_is_bounded_in_attempts_and_sleep(
        max_attempts in 1u32..=10,
        failures in prop::collection::vec((any::<u8>(), proptest::option::of(0u64..120_000), any::<f64>()), 10),
    ) {
        let policy = RetryPolicy { max_attempts, ..RetryPolicy::default() };
        let mut attempts = 0u32;
        let mut slept = 0u64;
        for (kind, retry_after, random) in failures {
            attempts += 1;
            match policy.decide(attempts, &transient_error(kind, retry_after), random) {
                RetryDecision::GiveUp => break,
                RetryDecision::RetryIn(delay) => {
                    prop_assert!(delay <= policy.max_retry_after_ms.max(u64::from(policy.max_delay_ms)));
                    slept += delay;
                }
            }
        }
        prop_assert!(attempts <= max_attempts, "{} attempts with maxAttempts {}", attempts, max_attempts);
        prop_assert!(slept <= u64::from(max_attempts - 1) * policy.max_retry_after_ms);
    }

    /// Backoff without Retry-After never exceeds base * 2^(attempt-1) nor the 8 s cap.
    #[test]
    fn backoff_stays_under_its_exponential_ceiling(attempt in 1u32..40, random in any::<f64>()) {
        let policy = RetryPolicy { max_attempts: 50, ..RetryPolicy::default() };
        if let RetryDecision::RetryIn(delay) = policy.decide(attempt, &Error::new(ErrorKind::Network, "x"), random) {
            let ceiling = (250u64 << (attempt - 1).min(30)).min(8_000);
            prop_assert!(delay <= ceiling, "attempt {} slept {} > {}", attempt, delay, ceiling);
        } else {
            prop_assert!(false, "a network error must be retried");
        }
    }

    /// Whatever the clock does (jumps, goes backwards, NaN), the poller never panics,
    /// never asks to sleep beyond what is left before the deadline, nor longer than
    /// maxDelayMs. (The library reads `Date.now()`, a wall clock that NTP or the user
    /// can set back.)
    #[test]
    fn polling_with_a_hostile_clock_never_sleeps_past_the_deadline(
        start in any::<f64>(),
        clock in prop::collection::vec((any::<f64>(), any::<f64>()), 1..30),
        status in -3i64..9,
        max_wait_ms in 1u32..1_000_000,
        min_delay_ms in 1u32..10_000,
    ) {
        let policy = PollPolicy { max_wait_ms, min_delay_ms, max_delay_ms: min_delay_ms.saturating_mul(10) };
        let mut poller = Poller::new(policy, "i", start);
        for (polled_at, now) in clock {
            let remaining = poller.remaining_ms(now);
            prop_assert!(remaining <= u64::from(max_wait_ms));
            match poller.observe(PrepareProgress { status, waiting_count: None }, "r", polled_at, now).1 {
                PollDecision::PollIn(delay) => {
                    prop_assert!(delay <= remaining, "sleep {} > remaining {}", delay, remaining);
                    prop_assert!(delay <= u64::from(policy.max_delay_ms));
                }
                PollDecision::Ready | PollDecision::Stop(_) => break,
            }
        }
    }

    /// With an instance that never gets ready and instant polls, a wait ends by the
    /// deadline after a bounded number of polls.
    #[test]
    fn a_wait_ends_by_its_deadline(max_wait_ms in 1u32..60_000, min_delay_ms in 10u32..5_000, extra in 0u32..20_000, rtt in 0u32..2_000) {
        let policy = PollPolicy { max_wait_ms, min_delay_ms, max_delay_ms: min_delay_ms + extra };
        let mut poller = Poller::new(policy, "i", 0.0);
        let mut now = 0.0;
        let mut polls = 0u64;
        loop {
            polls += 1;
            prop_assert!(polls <= u64::from(max_wait_ms) / u64::from(min_delay_ms.min(rtt.max(1))) + 2, "too many polls");
            let polled_at = now;
            now += f64::from(rtt);
            match poller.observe(PrepareProgress { status: 1, waiting_count: Some(3) }, "r", polled_at, now).1 {
                PollDecision::PollIn(delay) => now += delay as f64,
                PollDecision::Stop(e) => {
                    prop_assert_eq!(e.kind, ErrorKind::WaitTimeout);
                    // The last poll starts by the deadline; it ends at most one round trip later.
                    prop_assert!(now <= f64::from(max_wait_ms) + f64::from(rtt), "ended at {} (deadline {})", now, max_wait_ms);
                    break;
                }
                PollDecision::Ready => prop_assert!(false, "never ready"),
            }
        }
    }

    /// Well-formed batch answers (both forms, any known or unknown statuses) parse to
    /// exactly what was sent.
    #[test]
    fn well_formed_batch_answers_parse_exactly(
        results in prop::collection::vec(("[a-zA-Z0-9_-]{1,32}", -1_000i64..1_000), 0..50),
        wrapped in any::<bool>(),
    ) {
        let items: Vec<String> = results.iter().map(|(id, status)| {
            let mut quoted = String::new();
            write_string(&mut quoted, id);
            format!("{{\"instance_id\":{quoted},\"status\":{status}}}")
        }).collect();
        let list = format!("{{\"status_results\":[{}]}}", items.join(","));
        let body = if wrapped { format!("{{\"error_code\":\"0\",\"error_msg\":\"OK\",\"data\":{list}}}") } else { list };
        let parsed = parse_batch_status(&response(200, body, None), "rid").map_err(|e| e.message);
        let expected: Vec<StatusResult> = results.into_iter().map(|(instance_id, status)| StatusResult { instance_id, status }).collect();
        prop_assert_eq!(parsed, Ok(expected));
    }

    /// Any string with a header-breaking character is refused as ID and as token.
    #[test]
    fn header_breaking_characters_are_always_refused(
        before in "[a-z0-9]{0,10}",
        bad in prop_oneof![Just('\r'), Just('\n'), Just('\0'), Just('\t'), Just(' '), Just('\u{7f}'), Just('\u{85}'), Just('\u{2028}'), proptest::char::range('\0', '\u{1f}'), proptest::char::range('\u{7f}', '\u{9f}')],
        after in "[a-z0-9]{0,10}",
    ) {
        let s = format!("{before}{bad}{after}");
        prop_assert!(validate_id("id", &s).is_err(), "{:?} accepted as an ID", s);
        prop_assert!(validate_token(&s).is_err(), "{:?} accepted as a token", s);
        let endpoint = format!("https://h{s}.example.com");
        prop_assert!(parse_endpoint(&endpoint, None).is_err(), "{:?} accepted as an endpoint", endpoint);
    }

    /// Nesting of any depth is refused or parsed, never a stack overflow.
    #[test]
    fn deep_nesting_never_overflows(opens in prop::collection::vec(prop_oneof![Just("["), Just("{\"a\":")], 0..2_000)) {
        let doc: String = opens.concat();
        let _ = json::parse(&doc);
        let _ = parse_batch_status(&response(200, doc, None), "rid");
    }

    /// After redaction, no text of an error holds any 12-character fragment of
    /// a real-length token, raw or JSON-escaped (tokens are printable ASCII, so
    /// they can contain the `*` of an ASCII mask or the `/` JSON may escape).
    #[test]
    fn redaction_leaves_no_fragment_of_the_secret(
        secret in "[a-c*/+]{12,40}",
        parts in prop::collection::vec(prop_oneof![
            Just(0u8), Just(1u8), Just(2u8), "[a-c*/ ]{0,6}".prop_map(|_| 3u8)
        ], 0..8),
        fillers in prop::collection::vec("[a-c*/ ]{0,6}", 8),
        cut in 12usize..40,
    ) {
        let escaped = secret.replace('/', "\\/");
        let text: String = parts.iter().zip(&fillers).map(|(p, filler)| match p {
            0 => secret.clone(),
            1 => escaped.clone(),
            2 => secret.chars().take(cut).collect(),
            _ => filler.clone(),
        }).collect();
        let mut error = Error { error_msg: Some(text.clone()), ..Error::new(ErrorKind::Http, text.clone()) };
        error.redact(&Secret::new(&secret).unwrap());
        let chars: Vec<char> = secret.chars().collect();
        for fragment in chars.windows(12).map(|w| w.iter().collect::<String>()) {
            let unescaped = error.message.replace("\\/", "/");
            prop_assert!(!unescaped.contains(&fragment), "{:?} left in {:?}", fragment, error.message);
            prop_assert!(!error.error_msg.as_deref().unwrap_or_default().replace("\\/", "/").contains(&fragment));
        }
    }
}
