//! AK/SK signing rules beyond the fixed vectors in `src/engine/sign.rs`: what is
//! refused (and that refusals never quote a secret), how the host is signed,
//! the date, and properties over arbitrary input.

#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::result_large_err)] // as in lib.rs: engine::Error is large but cold

use koophone_wasm::engine::sign::{sdk_date, sign, AkSk};
use koophone_wasm::engine::{Error, ErrorKind};
use proptest::prelude::*;

const URL: &str = "https://koophone.myhuaweicloud.com/v1/instances/batch-query-status";
const JSON: [(&str, &str); 1] = [("content-type", "application/json")];
const NOW: f64 = 1_578_128_722_000.0;

fn keys() -> AkSk {
    AkSk::new("AK", "SK", None, None).unwrap()
}

fn authorization(url: &str) -> String {
    let added = sign(&keys(), "POST", url, &JSON, b"{}", NOW).unwrap();
    added.into_iter().find(|(name, _)| *name == "Authorization").unwrap().1
}

fn refused(result: Result<Vec<(&'static str, String)>, Error>) -> Error {
    let e = result.expect_err("must be refused");
    assert_eq!(e.kind, ErrorKind::InvalidArgument, "{e}");
    e
}

#[test]
fn debug_output_masks_the_secret_key_and_the_security_token() {
    let k = AkSk::new("MYACCESSKEY", "v3ry-s3cret-key", Some("proj"), Some("t0ken-s3cret")).unwrap();
    let shown = format!("{k:?}");
    assert!(shown.contains("MYACCESSKEY") && shown.contains("proj"), "{shown}");
    assert!(!shown.contains("v3ry-s3cret-key") && !shown.contains("t0ken-s3cret"), "{shown}");
    assert_eq!(shown.matches("***").count(), 2, "{shown}");
}

#[test]
fn unusable_credentials_are_refused_without_being_quoted() {
    let cases = [
        ("", "secret-value", None, None, "accessKey is empty"),
        ("AK,X", "secret-value", None, None, "comma"),
        ("AK", "", None, None, "secretKey is empty"),
        ("AK", "secret value", None, None, "secretKey contains spaces"),
        ("AK", "secret-value\r\nX-Evil: 1", None, None, "secretKey contains"),
        ("AK", "sécret-value", None, None, "secretKey contains"),
        ("AK", "secret-value", Some(""), None, "projectId is empty"),
        ("AK", "secret-value", None, Some("token secret-value"), "securityToken contains"),
        ("AK", &"s".repeat(257), None, None, "secretKey is 257 bytes"),
    ];
    for (ak, sk, project, token, why) in cases {
        let e = AkSk::new(ak, sk, project, token).expect_err(why);
        assert_eq!(e.kind, ErrorKind::InvalidArgument);
        assert!(e.message.contains(why), "{why}: {}", e.message);
        assert!(!e.message.contains("secret-value") && !e.message.contains("sss"), "{}", e.message);
    }
    let long_token = "t".repeat(64 * 1024);
    assert!(AkSk::new("AK", "SK", None, Some(&long_token)).is_ok());
    assert!(AkSk::new("AK", "SK", None, Some(&format!("{long_token}t"))).is_err());
}

#[test]
fn a_default_port_is_signed_as_fetch_sends_it_and_other_ports_are_kept() {
    let plain = authorization(URL);
    assert_eq!(
        authorization("https://koophone.myhuaweicloud.com:443/v1/instances/batch-query-status"),
        plain
    );
    assert_eq!(authorization("HTTPS://KooPhone.MyHuaweiCloud.com/v1/instances/batch-query-status"), plain);
    assert_ne!(
        authorization("https://koophone.myhuaweicloud.com:8443/v1/instances/batch-query-status"),
        plain
    );
    assert_ne!(authorization("http://koophone.myhuaweicloud.com:443/v1/instances/batch-query-status"), plain);
    assert_eq!(authorization("http://127.0.0.1:80/v1"), authorization("http://127.0.0.1/v1"));
    assert_eq!(authorization("http://[::1]:9000/v1"), authorization("http://[::1]:9000/v1/"));
}

#[test]
fn urls_that_fetch_would_send_differently_are_refused() {
    for url in [
        "ftp://example.com/v1",
        "example.com/v1",
        "https://example.com/v1#frag",
        "https://user:pass@example.com/v1",
        "https://exa_mple.com/v1",
        "https://bücher.de/v1",
        "https:///v1",
        "https://example.com:/v1",
        "https://example.com:0/v1",
        "https://example.com:65536/v1",
        "https://example.com:8o/v1",
        "https://[::1/v1",
        "https://example.com/a/../v1",
        "https://example.com/./v1",
        "https://example.com/a b/v1",
        "https://example.com/a\"b/v1",
        "https://example.com/a'b/v1",
        "https://example.com/a\\b/v1",
        "https://example.com/v1?a=b+c",
        "https://example.com/v1?a=%zz",
        "https://example.com/v1?a=%C3",
        "https://example.com/v1?a=%+1",
        "https://example.com/v1?a=b c",
    ] {
        let e = refused(sign(&keys(), "POST", url, &JSON, b"", NOW));
        assert!(e.message.contains("URL") || e.message.contains("query"), "{url}: {}", e.message);
    }
}

#[test]
fn headers_the_signer_sets_or_cannot_sign_are_refused() {
    let with = |extra: (&str, &str)| sign(&keys(), "POST", URL, &[JSON[0], extra], b"", NOW);
    for name in ["Host", "authorization", "X-SDK-DATE", "Content-TYPE", "x_request_id", "x.y", "", "é"] {
        refused(with((name, "v")));
    }
    for value in ["a\r\nX-Evil: 1", " leading", "trailing\t", "nul\0", "é"] {
        refused(with(("x-request-id", value)));
    }
    assert!(with(("x-request-id", "")).is_ok());
    assert!(with(("x-request-id", "inner  spaces\tand tabs")).is_ok());
    let with_project = AkSk::new("AK", "SK", Some("p"), None).unwrap();
    let e = refused(sign(&with_project, "POST", URL, &[("X-Project-Id", "q")], b"", NOW));
    assert!(e.message.contains("x-project-id is given twice"), "{}", e.message);
    let many: Vec<(String, &str)> = (0..62).map(|i| (format!("x-h{i}"), "v")).collect();
    assert!(sign(&keys(), "POST", URL, &many, b"", NOW).is_ok(), "62 headers + host + x-sdk-date = 64");
    refused(sign(
        &keys(),
        "POST",
        URL,
        &[many.as_slice(), &[("x-one-more".to_owned(), "v")]].concat(),
        b"",
        NOW,
    ));
    let query: Vec<String> = (0..65).map(|i| format!("k{i}=v")).collect();
    assert!(sign(&keys(), "POST", &format!("{URL}?{}", query[..64].join("&")), &JSON, b"", NOW).is_ok());
    refused(sign(&keys(), "POST", &format!("{URL}?{}", query.join("&")), &JSON, b"", NOW));
    for method in ["post", "", "GET ", "P0ST"] {
        refused(sign(&keys(), method, URL, &JSON, b"", NOW));
    }
}

#[test]
fn the_payload_hash_header_and_multipart_content_types_follow_huaweis_signer() {
    let unsigned = [("X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD")];
    let a = sign(&keys(), "POST", URL, &unsigned, b"body one", NOW).unwrap();
    let b = sign(&keys(), "POST", URL, &unsigned, b"body two", NOW).unwrap();
    assert_eq!(a, b, "the body is not hashed when a payload hash is given");
    let multipart = [("content-type", "multipart/form-data; boundary=x")];
    let m = sign(&keys(), "POST", URL, &multipart, b"", NOW).unwrap();
    assert!(m[1].1.contains("SignedHeaders=host;x-sdk-date,"), "{}", m[1].1);
}

#[test]
fn the_date_is_utc_to_the_second_and_out_of_range_clocks_are_refused() {
    assert_eq!(sdk_date(0.0).unwrap(), "19700101T000000Z");
    assert_eq!(sdk_date(1_578_128_722_999.9).unwrap(), "20200104T090522Z");
    assert_eq!(sdk_date(951_782_400_000.0).unwrap(), "20000229T000000Z");
    assert_eq!(sdk_date(4_107_542_400_000.0).unwrap(), "21000301T000000Z");
    assert_eq!(sdk_date(253_402_300_799_999.0).unwrap(), "99991231T235959Z");
    for bad in [-1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 253_402_300_800_000.0] {
        let e = sdk_date(bad).expect_err("refused");
        assert!(e.message.contains("clock"), "{}", e.message);
        refused(sign(&keys(), "POST", URL, &JSON, b"", bad));
    }
}

proptest! {
    #[test]
    fn well_formed_requests_always_sign(
        url in "(https?|HTTPS)://[a-zA-Z0-9-]{1,12}(\\.[a-zA-Z0-9-]{1,12}){0,3}(:[1-9][0-9]{0,3})?(/[a-zA-Z0-9~%é!$&()*,;=:@_-]{1,8}){0,3}(\\?[a-z0-9=&]{0,12}(%[2-7][0-9A-F])?){0,2}",
        name in "x-[a-zA-Z0-9-]{1,12}",
        value in "[!-~]([ -~]{0,18}[!-~])?",
        body in proptest::collection::vec(any::<u8>(), 0..64),
        now in 0.0..253_402_300_800_000.0,
    ) {
        prop_assume!(!url.contains("/./") && !url.contains("/../"));
        let added = sign(&keys(), "POST", &url, &[(name.as_str(), value.as_str())], &body, now);
        let added = added.map_err(|e| TestCaseError::fail(format!("{url} {name}: {e}")))?;
        prop_assert_eq!(added.len(), 2);
        prop_assert_eq!(added[0].1.len(), 16);
        let auth = &added[1].1;
        let signed = format!(";{};", name.to_ascii_lowercase());
        prop_assert!(auth.starts_with("SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;"), "{}", auth);
        prop_assert!(auth.replace(", Signature", ";").contains(&signed), "{}", auth);
        let signature = auth.rsplit("Signature=").next().unwrap_or_default();
        prop_assert!(signature.len() == 64 && signature.bytes().all(|b| b.is_ascii_hexdigit()), "{}", auth);
    }

    #[test]
    fn arbitrary_input_never_panics(
        method in "[A-Za-z ]{0,8}",
        url in "[ -~é]{0,60}",
        name in "[ -~é]{0,12}",
        value in "[\\t -~é\\r\\n]{0,20}",
        now in proptest::num::f64::ANY,
    ) {
        let _ = sign(&keys(), &method, &url, &[(name, value)], b"", now);
    }

    #[test]
    fn a_refused_secret_key_is_never_quoted(sk in "[ -~\\t\\r\\né😀]{8,300}") {
        if let Err(e) = AkSk::new("AK", &sk, None, None) {
            prop_assert!(!e.message.contains(sk.as_str()), "{}", e.message);
        }
        if let Err(e) = AkSk::new("AK", "SK", None, Some(&sk)) {
            prop_assert!(!e.message.contains(sk.as_str()), "{}", e.message);
        }
    }
}
