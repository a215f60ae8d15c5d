//! Number literals for the JSON oracle: the ordinary ones (shaped by the grammar,
//! any double as Rust writes it, integers, edge cases) and the hard ones, which
//! the reader cannot answer with one correctly rounded operation and which
//! decide whether its exact path rounds right: long significands, exponents over
//! the whole double range, and exact midpoints between two neighbouring doubles
//! (then a hair above or below them), also past the 800 digits the reader keeps.

use proptest::prelude::*;

/// Literals that sit on the edges of f64: zeros, the largest and smallest values,
/// halfway cases, the first integers past 2^53, overflow and underflow.
const EDGE_NUMBERS: &[&str] = &[
    "0",
    "-0",
    "-0.0",
    "0e0",
    "-0E-0",
    "0.000",
    "1E+2",
    "1e-0",
    "0.1",
    "0.30000000000000004",
    "9007199254740991",
    "9007199254740992",
    "9007199254740993",
    "-9007199254740993",
    "18446744073709551615",
    "18446744073709551616",
    "123456789012345678901234567890",
    "1e22",
    "1e23",
    "8.98846567431158e307",
    "1e308",
    "1.7976931348623157e308",
    "1.7976931348623158e308",
    "1.7976931348623159e308",
    "1e309",
    "-1e400",
    "1e99999999999",
    "2.2250738585072014e-308",
    "2.2250738585072011e-308",
    "1e-320",
    "5e-324",
    "4.9406564584124654e-324",
    "2.4703282292062328e-324",
    "2.4703282292062327e-324",
    "1e-400",
    "0.0000000000000000000000000000000000001e37",
];

pub fn number() -> impl Strategy<Value = String> {
    let shaped = (
        any::<bool>(),
        prop_oneof![Just("0".to_owned()), "[1-9][0-9]{0,24}"],
        prop::option::of("[0-9]{1,20}"),
        prop::option::of((
            prop::sample::select(vec!["e", "E"]),
            prop::sample::select(vec!["", "+", "-"]),
            "[0-9]{1,3}",
        )),
    )
        .prop_map(|(negative, int, frac, exp)| {
            let mut s = if negative { "-".to_owned() } else { String::new() };
            s += &int;
            if let Some(f) = frac {
                s += ".";
                s += &f;
            }
            if let Some((e, sign, digits)) = exp {
                s += e;
                s += sign;
                s += &digits;
            }
            s
        });
    // Any finite f64 (subnormals included), written the three ways Rust writes floats.
    let float = (any::<u64>(), 0..3u8).prop_map(|(bits, style)| {
        let f = f64::from_bits(bits);
        let f = if f.is_finite() { f } else { 0.0 };
        match style {
            0 => format!("{f}"),
            1 => format!("{f:e}"),
            _ => format!("{f:E}"),
        }
    });
    prop_oneof![
        3 => shaped,
        2 => float,
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => prop::sample::select(EDGE_NUMBERS).prop_map(str::to_owned),
        4 => (any::<bool>(), hard_number()).prop_map(|(negative, n)| if negative { format!("-{n}") } else { n }),
    ]
}

/// A hard literal, unsigned.
fn hard_number() -> impl Strategy<Value = String> {
    // 17 to 40 significant digits, magnitudes from below the subnormals to past the largest double.
    let long = ("[1-9][0-9]{16,39}", -350i64..=330, spelling()).prop_map(|(digits, magnitude, how)| {
        let exponent = magnitude - digits.len() as i64 + 1;
        spell(&digits, exponent, &how)
    });
    // A midpoint between two doubles, exact or a hair off, with all its digits.
    let near_midpoint = (double_bits(), hair(), spelling()).prop_map(|(bits, hair, how)| {
        let (digits, exponent) = nudge(midpoint(bits), hair, 0);
        spell(&digits, exponent, &how)
    });
    // 800 to 1 000 digits, past the 800 the reader keeps: random ones, or a midpoint
    // padded with zeros (then one non-zero digit after them for `Hair::Above`).
    let random_digits =
        (any::<u64>(), 800usize..=1000, -350i64..=330, spelling()).prop_map(|(seed, len, magnitude, how)| {
            let mut state = seed | 1;
            let digits: String = (0..len)
                .map(|i| {
                    // xorshift64: cheap digits without a 1 000-element strategy.
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    let digit = (state % 10) as u8;
                    char::from(b'0' + if i == 0 { digit.max(1) } else { digit })
                })
                .collect();
            spell(&digits, magnitude - len as i64 + 1, &how)
        });
    let padded_midpoint =
        (double_bits(), hair(), 800usize..=1000, spelling()).prop_map(|(bits, hair, len, how)| {
            let (digits, exponent) = nudge(midpoint(bits), hair, len);
            spell(&digits, exponent, &how)
        });
    prop_oneof![3 => long, 4 => near_midpoint, 1 => random_digits, 1 => padded_midpoint]
}

/// The bits of a non-negative finite double: any, subnormal, around the smallest
/// normal, or just below `f64::MAX`.
fn double_bits() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => 0u64..0x7ff0_0000_0000_0000,
        2 => 0u64..1 << 52,
        1 => 0x000f_ffff_ffff_fff0u64..0x0010_0000_0000_0010,
        1 => 0x7fef_ffff_ffff_fff0u64..0x7ff0_0000_0000_0000,
    ]
}

/// The exact midpoint between the double with these bits and the next one up
/// (`2^1024` above `f64::MAX`), as significant digits (no leading or trailing
/// zero) and a power of ten.
pub fn midpoint(bits: u64) -> (String, i64) {
    let (biased, fraction) = ((bits >> 52) as i64, bits & ((1 << 52) - 1));
    let (significand, exponent) =
        if biased == 0 { (fraction, -1074) } else { (fraction | 1 << 52, biased - 1075) };
    // (significand + 1/2) × 2^exponent = (2 significand + 1) × 2^(exponent − 1),
    // and 2^−k = 5^k × 10^−k.
    let twos = exponent - 1;
    let mut n = Decimal::new(2 * significand + 1);
    n.mul_pow(if twos < 0 { 5 } else { 2 }, twos.unsigned_abs());
    strip_trailing_zeros(n.digits(), twos.min(0))
}

#[derive(Clone, Copy, Debug)]
pub enum Hair {
    Exact,
    /// One more non-zero digit far to the right.
    Above,
    /// The last digit one lower, then nines.
    Below,
}

fn hair() -> impl Strategy<Value = Hair> {
    prop::sample::select(vec![Hair::Exact, Hair::Above, Hair::Below])
}

/// `digits × 10^exponent` (no trailing zero in `digits`) moved by a hair and
/// written with at least `len` digits: zeros pad an exact value, and a hair is
/// the last of the digits.
pub fn nudge((mut digits, exponent): (String, i64), hair: Hair, len: usize) -> (String, i64) {
    let added = len.saturating_sub(digits.len());
    let added = match hair {
        Hair::Exact => {
            digits.push_str(&"0".repeat(added));
            added
        }
        Hair::Above => {
            let added = added.max(1);
            digits.push_str(&"0".repeat(added - 1));
            digits.push('1');
            added
        }
        Hair::Below => {
            let added = added.max(1);
            let last = digits.pop().map_or(b'1', |c| c as u8);
            digits.push(char::from(last - 1));
            digits.push_str(&"9".repeat(added));
            added
        }
    };
    (digits, exponent - added as i64)
}

fn strip_trailing_zeros(digits: String, exponent: i64) -> (String, i64) {
    let kept = digits.trim_end_matches('0');
    (kept.to_owned(), exponent + (digits.len() - kept.len()) as i64)
}

/// How a literal is written: the style, where the point goes, `e` or `E`, an explicit `+`.
#[derive(Clone, Debug)]
pub struct Spelling {
    style: u8,
    point: usize,
    upper: bool,
    plus: bool,
}

fn spelling() -> impl Strategy<Value = Spelling> {
    (0..4u8, any::<usize>(), any::<bool>(), any::<bool>()).prop_map(|(style, point, upper, plus)| Spelling {
        style,
        point,
        upper,
        plus,
    })
}

/// `digits × 10^exponent` as a JSON number: integer significand and exponent,
/// scientific, plain decimal (no exponent), or a point anywhere.
pub fn spell(digits: &str, exponent: i64, how: &Spelling) -> String {
    let digits = match digits.trim_start_matches('0') {
        "" => "0",
        d => d,
    };
    let len = digits.len();
    let e = |exponent: i64| {
        let letter = if how.upper { "E" } else { "e" };
        let plus = if how.plus && exponent >= 0 { "+" } else { "" };
        format!("{letter}{plus}{exponent}")
    };
    match how.style {
        0 => format!("{digits}{}", e(exponent)),
        1 if len > 1 => format!("{}.{}{}", &digits[..1], &digits[1..], e(exponent + len as i64 - 1)),
        2 if (0..=400).contains(&exponent) => format!("{digits}{}", "0".repeat(exponent as usize)),
        2 if -exponent < len as i64 => {
            let point = (len as i64 + exponent) as usize;
            format!("{}.{}", &digits[..point], &digits[point..])
        }
        2 => format!("0.{}{digits}", "0".repeat((-exponent) as usize - len)),
        _ => {
            let point = 1 + how.point % len;
            if point == len {
                format!("{digits}{}", e(exponent))
            } else {
                format!("{}.{}{}", &digits[..point], &digits[point..], e(exponent + (len - point) as i64))
            }
        }
    }
}

/// A natural number in base 10^9, least significant limb first: just enough to print a midpoint.
struct Decimal(Vec<u64>);

const BASE: u64 = 1_000_000_000;

impl Decimal {
    fn new(n: u64) -> Decimal {
        Decimal(vec![n % BASE, n / BASE % BASE, n / BASE / BASE])
    }

    /// `self × base^exponent`, for `base` 2 or 5, thirteen factors at a time (5^13 < 2^32).
    fn mul_pow(&mut self, base: u64, mut exponent: u64) {
        while exponent > 0 {
            let step = exponent.min(13);
            let factor = base.pow(step as u32);
            let mut carry = 0;
            for limb in &mut self.0 {
                let x = *limb * factor + carry;
                *limb = x % BASE;
                carry = x / BASE;
            }
            while carry > 0 {
                self.0.push(carry % BASE);
                carry /= BASE;
            }
            exponent -= step;
        }
    }

    fn digits(&self) -> String {
        let mut s: String = self.0.iter().rev().map(|limb| format!("{limb:09}")).collect();
        let zeros = s.len() - s.trim_start_matches('0').len();
        s.drain(..zeros);
        s
    }
}

/// The generator's arithmetic, checked where the answer is known.
#[test]
fn midpoints_are_exact() {
    // Between 1 and 1 + 2^−52: 1 + 2^−53.
    let one = ("1000000000000000".to_owned() + "11102230246251565404236316680908203125", -53);
    assert_eq!(midpoint(1f64.to_bits()), one);
    // Between 0 and the smallest subnormal: 2^−1075, which rounds to 0 (ties to even).
    let (digits, exponent) = midpoint(0);
    assert_eq!((digits.len(), exponent), (752, -1075));
    assert_eq!(
        spell(&digits, exponent, &Spelling { style: 0, point: 0, upper: false, plus: false }).parse::<f64>(),
        Ok(0.0)
    );
    // Above f64::MAX: halfway to 2^1024, which rounds up to infinity.
    let (digits, exponent) = midpoint(f64::MAX.to_bits());
    assert_eq!(exponent, 0);
    assert_eq!(digits.parse::<f64>(), Ok(f64::INFINITY));
    let (below, exponent) = nudge((digits, 0), Hair::Below, 0);
    assert_eq!(
        spell(&below, exponent, &Spelling { style: 1, point: 0, upper: true, plus: true }).parse::<f64>(),
        Ok(f64::MAX)
    );
}
