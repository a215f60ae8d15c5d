//! Decimal literals to the nearest double, exactly as `JSON.parse` and
//! `str::parse::<f64>` round them: to nearest, ties to even, subnormals kept,
//! infinity past the largest double and zero below half the smallest.
//!
//! The standard library's parser would do it but weighs 14.5 KB gzip of wasm
//! (its table of powers of five), and the crates made for it 6 to 15 KB
//! (bench/analysis.md); this is under 1 KB:
//! - **Clinger's fast path.** A significand of at most 15 digits and a power of
//!   ten within ±22 are both exact doubles, so one IEEE multiply or divide rounds
//!   their product correctly. Every number the API sends takes this path.
//! - **Otherwise, exact division.** The value `D × 10^q` is the fraction
//!   `D × 5^q / 1` or `D / 5^−q`, times `2^q`. With both sides as small big
//!   integers, 64 bits of the quotient plus "was there a remainder" decide the
//!   rounding (Clinger's AlgorithmM). The quotient comes as two 32-bit digits,
//!   each estimated from the top words and corrected by at most three
//!   subtractions (Knuth's algorithm D, made simpler by never overshooting).
//!
//! Hostile literals stay cheap: only the first `MAX_DIGITS` significant digits
//! are kept, with a flag for a non-zero digit dropped after them. That is exact:
//! every double and every midpoint between two doubles has at most 767
//! significant digits, so the dropped tail cannot move the value across one.
//! Magnitudes outside the double range are answered before any arithmetic, which
//! bounds the big integers to `LIMBS` words. A literal off the fast path costs
//! 0.16 to 0.5 µs (native, `opt-level = "z"`), so even a 4 MiB body made of the
//! worst short ones (`1e-320,` repeated) reads in under half a second.

use core::cmp::Ordering;

/// Significant digits kept (the standard library's slow path keeps 768).
const MAX_DIGITS: usize = 800;

/// Words of a big integer: `10^800` is 2 658 bits and `5^1123` (800 digits below
/// 1e-323) 2 608; aligned to whole words and shifted by one more for a quotient
/// digit, that is 85 words (the test below fails with 84).
const LIMBS: usize = 90;

/// The double nearest to the decimal `digits × 10^exponent`, where `digits` is a
/// significand as JSON spells it (ASCII digits with at most one `.`). The
/// exponent may be saturated: anything past ±10^12 is already 0 or infinity.
pub fn nearest_f64(digits: &[u8], exponent: i64) -> f64 {
    // The value is `num × 10^scale` with `count` significant digits, read nine at a time.
    let mut num = Big::new(0);
    let (mut count, mut scale, mut fraction, mut dropped) = (0usize, exponent, false, false);
    let (mut chunk, mut factor) = (0, 1);
    for &b in digits {
        if b == b'.' {
            fraction = true;
            continue;
        }
        if fraction {
            scale -= 1;
        }
        if count == MAX_DIGITS {
            scale += 1;
            dropped |= b != b'0';
        } else if count > 0 || b != b'0' {
            count += 1;
            chunk = chunk * 10 + u32::from(b - b'0');
            factor *= 10;
            if factor == 1_000_000_000 {
                num.mul_add(factor, chunk);
                (chunk, factor) = (0, 1);
            }
        }
    }
    num.mul_add(factor, chunk);
    // The value lies in [10^(magnitude - 1), 10^magnitude).
    let magnitude = count as i64 + scale;
    if count == 0 || magnitude < -323 {
        return 0.0; // below 1e-324, under half the smallest subnormal
    }
    if magnitude > 309 {
        return f64::INFINITY; // at least 1e309
    }
    if count <= 15 && (-22..=22).contains(&scale) {
        // 10^k = 5^k × 2^k is an exact double for k ≤ 22 (5^22 < 2^53), and so is each step.
        let power = (0..scale.abs()).fold(1.0, |p, _| p * 10.0);
        let significand = (u64::from(num.words[1]) << 32 | u64::from(num.words[0])) as f64;
        return if scale < 0 { significand / power } else { significand * power };
    }

    let mut den = Big::new(1);
    if scale > 0 {
        num.mul_pow(5, scale);
    } else {
        den.mul_pow(5, -scale);
    }
    // value = num / den × 2^binary. Shift both to the same bit length, a whole
    // number of words, so that den's top word has its top bit set: then a
    // quotient digit estimated from top words is at most 3 too small.
    let (a, b) = (num.bits(), den.bits());
    let width = (a.max(b) + 31) / 32 * 32;
    num.shl(width - a);
    den.shl(width - b);
    let mut binary = scale - (width - a) + (width - b);
    // num / den is in (1/2, 2): a first quotient bit, then two 32-bit digits.
    let high = num.cmp(&den) != Ordering::Less;
    if high {
        num.sub(&den, 1);
    }
    let mut quotient = 0u64;
    for _ in 0..2 {
        num.shl(32);
        quotient = quotient << 32 | u64::from(num.quotient_digit(&den));
    }
    let mut inexact = dropped || num.len > 0;
    if high {
        inexact |= quotient & 1 == 1;
        quotient = quotient >> 1 | 1 << 63;
        binary += 1;
    }
    round(quotient, binary - 64, inexact)
}

/// The double nearest to `(quotient + r) × 2^scale`, where `quotient ≥ 2^63` and
/// `r` is 0, or in (0, 1) if `inexact`: 53 bits for a normal result, fewer for a
/// subnormal one, ties to even.
fn round(quotient: u64, scale: i64, inexact: bool) -> f64 {
    let exponent = (scale + 63).max(-1022);
    if exponent > 1023 {
        return f64::INFINITY;
    }
    let drop = exponent - 52 - scale; // at least 11
    if drop > 64 {
        return 0.0; // below half the smallest subnormal
    }
    // 11 to 64 low bits go; two shifts, as one by 64 would overflow.
    let half = 1u64 << (drop - 1);
    let kept = quotient >> (drop - 1) >> 1;
    let rest = quotient & (half << 1).wrapping_sub(1);
    let up = rest > half || (rest == half && (inexact || kept & 1 == 1));
    // `kept` carries the implicit bit of a normal number into the exponent field, and a
    // rounding carry moves to the next binade (or to infinity) the same way.
    f64::from_bits((((exponent + 1022) as u64) << 52) + kept + u64::from(up))
}

/// A non-negative big integer in 32-bit words, least significant first. Words
/// from `len` on are zero and the one below is not ("trimmed"), except in
/// `Big::new(0)` before the first digit is added.
struct Big {
    words: [u32; LIMBS],
    len: usize,
}

impl Big {
    fn new(value: u32) -> Big {
        let mut words = [0; LIMBS];
        words[0] = value;
        Big { words, len: 1 }
    }

    /// `self = self × factor + add`.
    fn mul_add(&mut self, factor: u32, add: u32) {
        let mut carry = u64::from(add);
        for w in self.words.iter_mut().take(self.len) {
            let x = u64::from(*w) * u64::from(factor) + carry;
            *w = x as u32;
            carry = x >> 32;
        }
        debug_assert!(carry == 0 || self.len < LIMBS, "LIMBS is too small");
        if let Some(w) = self.words.get_mut(self.len).filter(|_| carry > 0) {
            *w = carry as u32;
            self.len += 1;
        }
    }

    /// `self ×= base^exponent`, for `base` 2 or 5, in steps that fit a word.
    fn mul_pow(&mut self, base: u32, mut exponent: i64) {
        while exponent > 0 {
            let step = exponent.min(13); // 5^13 < 2^32
            self.mul_add(base.pow(step as u32), 0);
            exponent -= step;
        }
    }

    fn bits(&self) -> i64 {
        let top = self.len.checked_sub(1).and_then(|i| self.words.get(i)).copied().unwrap_or(0);
        self.len as i64 * 32 - i64::from(top.leading_zeros())
    }

    /// `self <<= by` (`by ≥ 0`): whole words moved, then the rest multiplied in.
    fn shl(&mut self, by: i64) {
        let skip = (by / 32) as usize;
        self.len = (self.len + skip).min(LIMBS);
        for i in (0..self.len).rev() {
            self.words[i] = i.checked_sub(skip).map_or(0, |j| self.words[j]);
        }
        self.mul_pow(2, by % 32);
    }

    /// `self -= other × factor`, for a result that is not negative.
    fn sub(&mut self, other: &Big, factor: u32) {
        let (mut carry, mut borrow) = (0, 0);
        for (w, &o) in self.words.iter_mut().zip(&other.words).take(self.len) {
            let product = u64::from(o) * u64::from(factor) + carry;
            carry = product >> 32;
            let x = u64::from(*w).wrapping_sub(product & 0xffff_ffff).wrapping_sub(borrow);
            *w = x as u32;
            borrow = x >> 63;
        }
        self.trim();
    }

    /// `⌊self / den⌋` for `self < den × 2^32`, and `self` becomes the remainder.
    /// `den`'s top word must have its top bit set.
    fn quotient_digit(&mut self, den: &Big) -> u32 {
        let word = |i: usize| self.words.get(i).map_or(0, |&w| u64::from(w));
        let top = den.len.checked_sub(1).and_then(|i| den.words.get(i)).map_or(0, |&w| u64::from(w));
        // An underestimate by at most 3 (Knuth, TAOCP 4.3.1), so no step overshoots.
        let mut digit = ((word(den.len) << 32 | word(den.len.wrapping_sub(1))) / (top + 1)) as u32;
        self.sub(den, digit);
        while self.cmp(den) != Ordering::Less {
            self.sub(den, 1);
            digit += 1;
        }
        digit
    }

    /// Compares trimmed integers (no zero word on top), as every one is between operations.
    fn cmp(&self, other: &Big) -> Ordering {
        let pairs = self.words.iter().zip(&other.words).take(self.len).rev();
        pairs.fold(self.len.cmp(&other.len), |order, (a, b)| order.then(a.cmp(b)))
    }

    fn trim(&mut self) {
        while self.len > 0 && self.words.get(self.len - 1) == Some(&0) {
            self.len -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours(literal: &str) -> f64 {
        let (significand, exponent) = match literal.split_once(['e', 'E']) {
            Some((s, e)) => (s, e.parse::<i64>().unwrap_or(i64::MAX).clamp(-1 << 40, 1 << 40)),
            None => (literal, 0),
        };
        nearest_f64(significand.as_bytes(), exponent)
    }

    #[test]
    fn the_largest_big_integers_fit_and_round_right() {
        // 800 nines (and a non-zero tail past them) make the largest numerator; with
        // the smallest exponent still above 1e-324, 5^1123 is the largest denominator.
        // `mul_add` asserts in debug builds that no word is lost.
        let nines = "9".repeat(800);
        let tail = format!("{nines}{}", "1".repeat(200));
        let mut compared = 0;
        for significand in ["1", "9", "4.9406564584124654", &nines, &tail] {
            let exponents =
                [-1324, -1124, -1123, -1122, -1000, -800, -492, -491, -325, -324, -323, 0, 308, 309];
            for exponent in exponents {
                let literal = format!("{significand}e{exponent}");
                let expected = literal.parse::<f64>().unwrap();
                assert_eq!(ours(&literal).to_bits(), expected.to_bits(), "{literal}: expected {expected:e}");
                compared += 1;
            }
        }
        assert_eq!(compared, 70);
    }
}
