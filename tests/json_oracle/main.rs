//! Differential fuzzing of the JSON reader (`engine::json::parse`) against
//! serde_json: for every generated document both must make the same
//! accept/reject decision, and every accepted document must give the same value.
//!
//! Three categories (see `docs.rs`): well-formed documents, near misses (one
//! mutation of a well-formed document) and hostile documents. `cargo test` runs
//! 2 200 documents; `JSON_ORACLE_CASES=N` runs N per category (`scripts/fuzz.sh`
//! runs over a million in all), `JSON_ORACLE_SEED=S` changes the fixed seed.
//! Each category prints its counts (accepted, rejected, numbers compared).
//!
//! Where the two readers legitimately differ, a rule says what ours must do:
//!
//! 1. **Depth.** Ours refuses nesting deeper than `MAX_DEPTH` (64) so hostile
//!    bodies cannot exhaust the wasm stack; serde_json's recursion limit is 128.
//!    A document serde_json accepts that nests deeper than 64 must be rejected
//!    by ours with "nesting too deep"; one nested at most 64 deep must be accepted.
//! 2. **Numbers.** The value of a literal is what `JSON.parse` gives: the
//!    correctly rounded f64, ±Infinity past the largest double, ±0 below the
//!    smallest, `-0` kept. serde_json by default refuses out-of-range literals
//!    (JSON.parse and ours accept `1e400` as Infinity), so it runs with
//!    `arbitrary_precision`: it checks the grammar and hands over the literal,
//!    which Rust's correctly rounded `str::parse::<f64>` turns into the expected
//!    value. Ours must match it bit for bit (so `-0` vs `0` counts), with no
//!    exception. The generator makes hard literals often (see `numbers.rs`):
//!    17 to 40 digits, 800 to 1 000 digits, exponents over the whole range,
//!    exact midpoints between two doubles (and just above or below them),
//!    subnormals and the neighbourhood of `f64::MAX`.
//! 3. **Duplicate keys.** JSON.parse and serde_json (`preserve_order`) keep one
//!    member per key: the last value, at the first key's position. Ours keeps
//!    every member in order and reads the last (`Json::get`); it is compared
//!    after collapsing duplicates the same way.
//! 4. **Lone surrogates.** JSON.parse keeps `"\ud800"` as a lone UTF-16 unit;
//!    neither Rust reader can (a `String` holds scalar values only) and both
//!    reject it. No exception: the decisions must be equal.

#![cfg(not(target_arch = "wasm32"))]

mod docs;
mod numbers;

use std::cell::Cell;
use std::collections::HashMap;

use koophone_wasm::engine::json::{self, Json, MAX_DEPTH};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use serde_json::Value;

/// Documents per category under plain `cargo test` (a debug build: about two
/// seconds in all; hostile documents are large, so fewer of them).
const DEFAULT_CASES: [u32; 3] = [1_000, 1_000, 200];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Decision {
    Accepted,
    Rejected,
}

/// Both readers' verdict on `text`, or why they disagree.
fn oracle(text: &str) -> Result<Decision, String> {
    let ours = json::parse(text);
    let theirs = serde_json::from_str::<Value>(text);
    match (ours, theirs) {
        (Ok(o), Ok(t)) => {
            if depth(&t) > MAX_DEPTH {
                return Err(format!("ours accepted a document nested {} deep", depth(&t)));
            }
            same_value(&o, &t, &mut String::from("$"))?;
            Ok(Decision::Accepted)
        }
        // Rule 1: only the depth limit may make ours reject what serde_json accepts.
        (Err(e), Ok(t)) if depth(&t) > MAX_DEPTH && e.reason == "nesting too deep" => {
            count(|s| s.depth_rule += 1);
            Ok(Decision::Rejected)
        }
        (Err(e), Ok(_)) => Err(format!("ours rejected ({} at {}), serde_json accepted", e.reason, e.offset)),
        (Ok(_), Err(e)) => Err(format!("ours accepted, serde_json rejected ({e})")),
        (Err(_), Err(_)) => Ok(Decision::Rejected),
    }
}

/// Nesting depth as `MAX_DEPTH` counts it: a scalar is 0, `[]` is 1.
fn depth(v: &Value) -> usize {
    match v {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(members) => 1 + members.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn same_value(ours: &Json, theirs: &Value, path: &mut String) -> Result<(), String> {
    let mismatch = |path: &str| Err(format!("at {path}: ours {ours:?}, serde_json {theirs}"));
    match (ours, theirs) {
        (Json::Null, Value::Null) => Ok(()),
        (Json::Bool(a), Value::Bool(b)) if a == b => Ok(()),
        (Json::String(a), Value::String(b)) if a == b => Ok(()),
        (Json::Number(a), Value::Number(b)) => {
            let expected: f64 = b.as_str().parse().map_err(|e| format!("at {path}: literal {b}: {e}"))?;
            count(|c| {
                c.numbers += 1;
                c.hard_numbers += u64::from(is_hard(b.as_str()));
            });
            if a.to_bits() == expected.to_bits() {
                Ok(())
            } else {
                Err(format!(
                    "at {path}: literal {b}: ours {a:e} ({:#x}), expected {expected:e} ({:#x})",
                    a.to_bits(),
                    expected.to_bits()
                ))
            }
        }
        (Json::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                same_value(x, y, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        (Json::Object(a), Value::Object(b)) => {
            // Rule 3: collapse duplicates as JSON.parse does (last value, first position).
            let mut collapsed: Vec<(&str, &Json)> = Vec::new();
            let mut at: HashMap<&str, usize> = HashMap::new();
            for (k, v) in a {
                match at.get(&**k) {
                    Some(&i) => collapsed[i].1 = v,
                    None => {
                        at.insert(k, collapsed.len());
                        collapsed.push((k, v));
                    }
                }
            }
            if collapsed.len() != b.len() {
                return mismatch(path);
            }
            for ((k, x), (key, y)) in collapsed.into_iter().zip(b) {
                if k != key {
                    return Err(format!(
                        "at {path}: member order/keys differ: ours {k:?}, serde_json {key:?}"
                    ));
                }
                let len = path.len();
                path.push_str(&format!(".{key:?}"));
                same_value(x, y, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        _ => mismatch(path),
    }
}

/// What the rules allowed and what was compared, per thread (each category runs in one thread).
#[derive(Clone, Copy, Default)]
struct Counts {
    /// Documents serde_json accepted and ours rejected as nested too deep (rule 1).
    depth_rule: u64,
    /// Numbers compared bit for bit (rule 2), and how many of them are outside
    /// the reader's fast path (more than 15 significant digits, or a power of ten
    /// beyond ±22): those took the exact big-integer path.
    numbers: u64,
    hard_numbers: u64,
}

thread_local! {
    static COUNTS: Cell<Counts> = Cell::new(Counts::default());
}

fn count(update: impl FnOnce(&mut Counts)) {
    COUNTS.with(|c| {
        let mut counts = c.get();
        update(&mut counts);
        c.set(counts);
    });
}

/// Whether the reader cannot answer this (grammatically valid) literal with one
/// correctly rounded operation: more than 15 significant digits or a net decimal
/// exponent beyond ±22, zero excepted.
fn is_hard(literal: &str) -> bool {
    let unsigned = literal.strip_prefix('-').unwrap_or(literal);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], unsigned[i + 1..].parse::<i64>().unwrap_or(i64::MAX)),
        None => (unsigned, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{int}{frac}");
    let significant = digits.trim_start_matches('0').len();
    let net_exponent = exponent.saturating_sub(frac.len() as i64);
    significant > 0 && (significant > 15 || net_exponent.abs() > 22)
}

#[derive(Clone, Copy)]
enum Category {
    WellFormed,
    NearMiss,
    Hostile,
}

/// Run `cases` documents of one category through the oracle, print the counts,
/// and check the counts are plausible for the category.
fn fuzz(category: Category, strategy: impl Strategy<Value = String>) {
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let cases = env("JSON_ORACLE_CASES").map_or(DEFAULT_CASES[category as usize], |n| n as u32);
    let seed = env("JSON_ORACLE_SEED").unwrap_or(0x6a73_6f6e) + category as u64;
    let config =
        Config { cases, rng_seed: RngSeed::Fixed(seed), failure_persistence: None, ..Config::default() };
    let (accepted, rejected) = (Cell::new(0u64), Cell::new(0u64));
    COUNTS.with(|c| c.set(Counts::default()));
    let result = TestRunner::new(config).run(&strategy, |doc| {
        match oracle(&doc).map_err(TestCaseError::fail)? {
            Decision::Accepted => accepted.set(accepted.get() + 1),
            Decision::Rejected => rejected.set(rejected.get() + 1),
        }
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    let (accepted, rejected) = (accepted.get(), rejected.get());
    let name = ["well-formed", "near-miss", "hostile"][category as usize];
    let counts = COUNTS.with(Cell::get);
    println!(
        "json oracle, {name}: {} documents, {accepted} accepted, {rejected} rejected \
         ({} of them nested deeper than {MAX_DEPTH}, rule 1); {} numbers equal bit for bit (rule 2), \
         {} of them outside the fast path",
        accepted + rejected,
        counts.depth_rule,
        counts.numbers,
        counts.hard_numbers,
    );
    assert_eq!(accepted + rejected, u64::from(cases), "every generated document went through the oracle");
    match category {
        Category::WellFormed => {
            assert_eq!(rejected, 0, "a well-formed document was rejected by both readers");
            // numbers::number() makes 4 in 11 literals hard on purpose, and most doubles as Rust
            // writes them have 16 or 17 digits.
            assert!(
                counts.hard_numbers * 5 > counts.numbers,
                "too few hard numbers: {} of {}",
                counts.hard_numbers,
                counts.numbers
            );
        }
        Category::Hostile if counts.depth_rule == 0 => {
            panic!("no hostile document exercised the depth limit")
        }
        Category::NearMiss | Category::Hostile => {
            assert!(accepted > 0 && rejected > 0, "{name}: both decisions must occur ({accepted}/{rejected})")
        }
    }
}

#[test]
fn well_formed_documents_parse_to_the_same_values() {
    fuzz(Category::WellFormed, docs::well_formed());
}

#[test]
fn near_miss_documents_get_the_same_decision() {
    fuzz(Category::NearMiss, docs::near_miss());
}

#[test]
fn hostile_documents_get_the_same_decision() {
    fuzz(Category::Hostile, docs::hostile());
}

/// The rules above, pinned on hand-picked documents.
#[test]
fn the_documented_differences_hold_exactly() {
    let nest = |n: usize| format!("{}0{}", "[".repeat(n), "]".repeat(n));
    assert_eq!(oracle(&nest(MAX_DEPTH)), Ok(Decision::Accepted));
    assert_eq!(oracle(&nest(MAX_DEPTH + 1)), Ok(Decision::Rejected));
    assert!(serde_json::from_str::<Value>(&nest(MAX_DEPTH + 1)).is_ok(), "serde_json's limit is higher");
    assert_eq!(json::parse(&nest(MAX_DEPTH + 1)).unwrap_err().reason, "nesting too deep");

    for (literal, expected) in
        [("-0", -0.0), ("1e400", f64::INFINITY), ("-1e400", f64::NEG_INFINITY), ("1e-400", 0.0)]
    {
        assert_eq!(oracle(literal), Ok(Decision::Accepted), "{literal}");
        assert_eq!(json::parse(literal).unwrap(), Json::Number(expected), "{literal}");
    }
    assert!(json::parse("-0").map(|v| matches!(v, Json::Number(n) if n.is_sign_negative())).unwrap());

    let dup = r#"{"a":1,"b":2,"\u0061":3}"#;
    assert_eq!(oracle(dup), Ok(Decision::Accepted));
    assert_eq!(serde_json::from_str::<Value>(dup).unwrap().to_string(), r#"{"a":3,"b":2}"#);

    for lone in [r#""\ud800""#, r#""\udc00""#, r#""\ud800\u0041""#] {
        assert_eq!(oracle(lone), Ok(Decision::Rejected), "{lone}");
    }
}
