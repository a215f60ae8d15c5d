//! Document generators for the JSON oracle: well-formed texts, near misses (one
//! mutation of a well-formed text) and hostile texts (depth, length, width).
//!
//! Well-formed documents are generated as a tree and rendered with varied
//! whitespace, escapes and number spellings, so one value has many texts.

use proptest::prelude::*;
use proptest::sample::Index;

use crate::numbers::number;

/// One character of a string literal, and how it is spelt.
#[derive(Clone, Copy, Debug)]
pub enum Piece {
    /// The character itself (never `"`, `\` or a control character).
    Raw(char),
    /// A two-character escape such as `\n`.
    Short(&'static str),
    /// `\uXXXX` of a BMP character that is not a surrogate; `bool` = upper-case hex.
    Unicode(u16, bool),
    /// An astral character as an escaped surrogate pair.
    Pair(char, bool),
}

#[derive(Clone, Debug)]
pub enum Tree {
    Null,
    Bool(bool),
    /// A number literal, already spelt.
    Number(String),
    String(Vec<Piece>),
    Array(Vec<Tree>),
    Object(Vec<(Vec<Piece>, Tree)>),
}

const WHITESPACE: [&str; 6] = ["", "", " ", "\n", "\t", "\r\n  "];

/// A tree and the whitespace choices it is rendered with.
pub fn well_formed() -> impl Strategy<Value = String> {
    (tree(), prop::collection::vec(0..WHITESPACE.len(), 1..8)).prop_map(|(t, ws)| render(&t, &ws))
}

pub fn render(tree: &Tree, ws: &[usize]) -> String {
    let mut out = String::new();
    let mut turn = 0;
    let mut space = |out: &mut String| {
        out.push_str(WHITESPACE[ws[turn % ws.len()]]);
        turn += 1;
    };
    space(&mut out);
    render_into(tree, &mut out, &mut space);
    space(&mut out);
    out
}

fn render_into(tree: &Tree, out: &mut String, space: &mut dyn FnMut(&mut String)) {
    match tree {
        Tree::Null => out.push_str("null"),
        Tree::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Tree::Number(n) => out.push_str(n),
        Tree::String(pieces) => render_string(pieces, out),
        Tree::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                space(out);
                render_into(item, out, space);
                space(out);
            }
            if items.is_empty() {
                space(out);
            }
            out.push(']');
        }
        Tree::Object(members) => {
            out.push('{');
            for (i, (key, value)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                space(out);
                render_string(key, out);
                space(out);
                out.push(':');
                space(out);
                render_into(value, out, space);
                space(out);
            }
            out.push('}');
        }
    }
}

pub fn render_string(pieces: &[Piece], out: &mut String) {
    out.push('"');
    for piece in pieces {
        match *piece {
            Piece::Raw(c) => out.push(c),
            Piece::Short(s) => out.push_str(s),
            Piece::Unicode(u, upper) => out.push_str(&hex_escape(u, upper)),
            Piece::Pair(c, upper) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&hex_escape(*unit, upper));
                }
            }
        }
    }
    out.push('"');
}

fn hex_escape(unit: u16, upper: bool) -> String {
    if upper {
        format!("\\u{unit:04X}")
    } else {
        format!("\\u{unit:04x}")
    }
}

fn piece() -> impl Strategy<Value = Piece> {
    let raw = prop_oneof![
        4 => (0x20u8..0x7f).prop_map(|b| Piece::Raw(if b == b'"' || b == b'\\' { 'x' } else { b as char })),
        // Any scalar value; the three a string cannot hold raw move into the next plane.
        2 => any::<char>().prop_map(|c| Piece::Raw(if c < ' ' || c == '"' || c == '\\' {
            char::from_u32(c as u32 + 0x1_0000).unwrap_or('x')
        } else {
            c
        })),
        1 => prop::sample::select(vec!['\u{7f}', '\u{e9}', '\u{2028}', '\u{feff}', '\u{ffff}', '\u{1f600}', '\u{10ffff}'])
            .prop_map(Piece::Raw),
    ];
    let short = prop::sample::select(vec!["\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"]);
    prop_oneof![
        6 => raw,
        2 => short.prop_map(Piece::Short),
        // Every non-surrogate BMP unit, NUL and the other controls included.
        2 => (any::<u16>(), any::<bool>()).prop_map(|(u, upper)| {
            Piece::Unicode(if (0xD800..0xE000).contains(&u) { u - 0x800 } else { u }, upper)
        }),
        1 => ((0x1_0000u32..=0x10_ffff), any::<bool>())
            .prop_map(|(c, upper)| Piece::Pair(char::from_u32(c).unwrap_or('\u{1f600}'), upper)),
    ]
}

fn string_pieces() -> impl Strategy<Value = Vec<Piece>> {
    prop::collection::vec(piece(), 0..12)
}

/// Keys from a tiny pool (so duplicates are common, often spelt differently) or arbitrary.
fn key() -> impl Strategy<Value = Vec<Piece>> {
    prop_oneof![
        1 => prop::sample::select(vec!["a", "b", "", "\u{e9}"])
            .prop_map(|k| k.chars().map(Piece::Raw).collect::<Vec<_>>()),
        1 => Just(vec![Piece::Unicode(0x61, false)]), // "\u0061" is the key "a"
        2 => string_pieces(),
    ]
}

pub fn tree() -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![
        1 => Just(Tree::Null),
        1 => any::<bool>().prop_map(Tree::Bool),
        4 => number().prop_map(Tree::Number),
        4 => string_pieces().prop_map(Tree::String),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Tree::Array),
            prop::collection::vec((key(), inner), 0..6).prop_map(Tree::Object),
        ]
    })
}

/// One mutation of a well-formed document.
#[derive(Clone, Debug)]
pub enum Mutation {
    Delete(Index),
    Insert(Index, u8),
    Replace(Index, u8),
    Truncate(Index),
    /// A `,` before a closing bracket or brace.
    TrailingComma(Index),
    /// A `0` before a digit.
    LeadingZero(Index),
    /// One `"` becomes `'`.
    SingleQuote(Index),
    /// Text inserted right after a `"`: control characters, bad escapes, lone surrogates.
    AfterQuote(Index, &'static str),
    /// A bad fragment as an element, a member value or a member.
    Fragment(u8, &'static str),
}

/// Bytes worth inserting: structure, number and literal characters, whitespace
/// JSON does not allow, controls, DEL and bytes that break UTF-8.
const BYTES: &[u8] = b",:[]{}\"\\0123456789-+.eEtrufalsn '\t\n\r\x00\x01\x0b\x0c\x1f\x7f/xu\x80\xc3\xff";

const AFTER_QUOTE: &[&str] = &[
    "\u{0}",
    "\u{1}",
    "\n",
    "\r",
    "\t",
    "\u{1f}",
    "\\x",
    "\\u12",
    "\\U0041",
    "\\u00G0",
    "\\'",
    "\\ ",
    "\\0",
    "\\a",
    "\\",
    "\\u",
    "\\ud800",
    "\\udbff",
    "\\udc00",
    "\\udfff",
    "\\ud800\\u0041",
    "\\ud800\\ud800",
    "\\udc00\\ud800",
    "\\ud800x",
    "\\ud800\\",
    "\\ud800\\u",
    "\\ud800\\udc00",
    "\\uDBFF\\uDFFF",
];

const FRAGMENTS: &[&str] = &[
    "01",
    "-01",
    "00",
    "-",
    "1.",
    ".5",
    "+1",
    "1e",
    "1e+",
    "1.e5",
    "0x10",
    "NaN",
    "Infinity",
    "-Infinity",
    "'a'",
    "tru",
    "nul",
    "True",
    "undefined",
    "[1,]",
    "[,1]",
    "[,]",
    "{\"a\":1,}",
    "{,}",
    "{a:1}",
    "{'a':1}",
    "{\"a\" 1}",
    "{\"a\":}",
    "{\"a\"}",
    "[1 2]",
    "\"a\" \"b\"",
    "\u{feff}1",
    "1\u{a0}",
    "/*c*/1",
    "[1]]",
];

pub fn near_miss() -> impl Strategy<Value = String> {
    let byte = prop::sample::select(BYTES);
    let mutation = prop_oneof![
        2 => any::<Index>().prop_map(Mutation::Delete),
        2 => (any::<Index>(), byte.clone()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        2 => (any::<Index>(), byte).prop_map(|(i, b)| Mutation::Replace(i, b)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        1 => any::<Index>().prop_map(Mutation::TrailingComma),
        1 => any::<Index>().prop_map(Mutation::LeadingZero),
        1 => any::<Index>().prop_map(Mutation::SingleQuote),
        2 => (any::<Index>(), prop::sample::select(AFTER_QUOTE)).prop_map(|(i, s)| Mutation::AfterQuote(i, s)),
        2 => (0..4u8, prop::sample::select(FRAGMENTS)).prop_map(|(c, s)| Mutation::Fragment(c, s)),
    ];
    (well_formed(), mutation).prop_map(|(doc, m)| mutate(&doc, &m))
}

/// Apply `m` to `doc`. Byte edits that break UTF-8 are repaired with U+FFFD, the
/// way a decoder would hand such a body to the reader.
pub fn mutate(doc: &str, m: &Mutation) -> String {
    let mut bytes = doc.as_bytes().to_vec();
    let positions = |pred: &dyn Fn(&[u8], usize) -> bool| -> Vec<usize> {
        (0..bytes.len()).filter(|&i| pred(&bytes, i)).collect()
    };
    let pick = |sites: &[usize], i: &Index| (!sites.is_empty()).then(|| sites[i.index(sites.len())]);
    let edit: Option<(usize, usize, Vec<u8>)> = match m {
        Mutation::Delete(i) if !bytes.is_empty() => Some((i.index(bytes.len()), 1, vec![])),
        Mutation::Insert(i, b) => Some((i.index(bytes.len() + 1), 0, vec![*b])),
        Mutation::Replace(i, b) if !bytes.is_empty() => Some((i.index(bytes.len()), 1, vec![*b])),
        Mutation::Truncate(i) => {
            let at = i.index(bytes.len().max(1));
            Some((at, bytes.len() - at, vec![]))
        }
        Mutation::TrailingComma(i) => {
            pick(&positions(&|b, j| b[j] == b']' || b[j] == b'}'), i).map(|at| (at, 0, b",".to_vec()))
        }
        Mutation::LeadingZero(i) => {
            pick(&positions(&|b, j| b[j].is_ascii_digit()), i).map(|at| (at, 0, b"0".to_vec()))
        }
        Mutation::SingleQuote(i) => {
            pick(&positions(&|b, j| b[j] == b'"'), i).map(|at| (at, 1, b"'".to_vec()))
        }
        Mutation::AfterQuote(i, s) => {
            pick(&positions(&|b, j| b[j] == b'"'), i).map(|at| (at + 1, 0, s.as_bytes().to_vec()))
        }
        Mutation::Fragment(context, bad) => {
            return match context {
                0 => format!("[{doc},{bad}]"),
                1 => format!("{{\"k\":{bad},\"j\":{doc}}}"),
                2 => format!("{{{bad},\"j\":{doc}}}"),
                _ => format!("[[{bad}]]"),
            };
        }
        _ => None,
    };
    if let Some((at, len, with)) = edit {
        bytes.splice(at..at + len, with);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Nesting around both limits (ours 64, serde_json's 128), long strings and
/// numbers, wide arrays and objects with many (and duplicate) keys.
pub fn hostile() -> impl Strategy<Value = String> {
    let depth = prop_oneof![3 => 58usize..=70, 1 => 1usize..=140, 1 => Just(100_000usize)];
    let deep = (
        depth,
        any::<u64>(),
        prop_oneof![Just(""), Just("1"), Just("\"x\""), Just("[]"), Just("{}")],
        0..4u8,
    )
        .prop_map(|(depth, kinds, leaf, ending)| {
            let kinds: Vec<bool> = (0..depth).map(|i| kinds >> (i % 64) & 1 == 1).collect();
            let mut s = String::with_capacity(depth * 8);
            for &object in &kinds {
                s.push_str(if object { "{\"k\":" } else { "[" });
            }
            s.push_str(if leaf.is_empty() && kinds.last() == Some(&true) { "0" } else { leaf });
            for &object in kinds.iter().rev() {
                s.push(if object { '}' } else { ']' });
            }
            match ending {
                0 => s.truncate(s.len() - 1), // one closer short
                1 => s.push(']'),             // one closer too many
                _ => {}
            }
            s
        });
    let long_string = (prop::collection::vec(piece(), 1..16), 1usize..4000).prop_map(|(pieces, times)| {
        let mut s = String::new();
        render_string(&pieces.repeat(times), &mut s);
        s
    });
    let many_keys = (1usize..3000, 1usize..3000).prop_map(|(n, distinct)| {
        let body: Vec<String> = (0..n).map(|i| format!("\"k{}\":{i}", i % distinct)).collect();
        format!("{{{}}}", body.join(","))
    });
    // Up to 5 000 copies, and about 200 KB at most: long literals are costly to the oracle
    // (std's slow path), not to ours, and their copies test nothing more.
    let wide_array = (1usize..5000, number())
        .prop_map(|(n, num)| format!("[{}]", vec![num.as_str(); n.min(200_000 / num.len())].join(",")));
    let long_number =
        (any::<bool>(), 1usize..2000, 0usize..2000, "[0-9]{1,12}").prop_map(|(neg, int, frac, exp)| {
            let sign = if neg { "-" } else { "" };
            let frac = if frac > 0 { format!(".{}", "7".repeat(frac)) } else { String::new() };
            format!("{sign}1{}{frac}e-{exp}", "3".repeat(int))
        });
    prop_oneof![3 => deep, 1 => long_string, 1 => many_keys, 1 => wide_array, 1 => long_number]
}
