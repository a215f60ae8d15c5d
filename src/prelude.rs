//! The names `std`'s prelude gives, from `alloc`, for the release wasm, which
//! is built without `std` (see `lib.rs`). Native and debug builds have them
//! twice, harmlessly.

pub use alloc::borrow::ToOwned;
pub use alloc::boxed::Box;
pub use alloc::string::String;
pub use alloc::vec::Vec;
#[cfg(all(target_arch = "wasm32", not(debug_assertions)))]
pub use float::F64Ext;

/// `f64` rounding that `std` provides and `core` does not (stable Rust). Built
/// everywhere so the native tests can hold it against `std`'s; only the release
/// wasm uses it.
#[cfg_attr(not(all(target_arch = "wasm32", not(debug_assertions))), allow(dead_code))]
mod float {
    /// Beyond this magnitude every `f64` is an integer.
    const INTEGRAL: f64 = 4_503_599_627_370_496.0; // 2^52

    pub trait F64Ext {
        fn trunc(self) -> f64;
        fn ceil(self) -> f64;
        fn fract(self) -> f64;
    }

    impl F64Ext for f64 {
        fn trunc(self) -> f64 {
            // NaN, infinities and large values are their own truncation.
            if self.is_nan() || self.abs() >= INTEGRAL {
                return self;
            }
            self as i64 as f64
        }

        fn ceil(self) -> f64 {
            let t = self.trunc();
            if t < self {
                t + 1.0
            } else {
                t
            }
        }

        fn fract(self) -> f64 {
            self - self.trunc()
        }
    }

    #[cfg(test)]
    mod tests {
        use super::F64Ext;

        #[test]
        fn rounding_agrees_with_std() {
            let mut values = vec![0.0, 0.25, 0.5, 0.999, 1.0, 1.5, 2.5, 1e-300, 123.456, 4.5e15, 1e300];
            values.extend(values.clone().iter().map(|v| -v));
            values.extend([
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::MAX,
                f64::MIN_POSITIVE,
                9_007_199_254_740_993.0,
            ]);
            for v in values {
                // Equal as numbers: the shim gives 0.0 where std gives -0.0 (ceil of -0.5),
                // which no caller can tell apart (delays and rates are compared, not divided by).
                let same = |a: f64, b: f64| a == b || (a.is_nan() && b.is_nan());
                assert!(same(F64Ext::trunc(v), v.trunc()), "trunc({v})");
                assert!(same(F64Ext::ceil(v), v.ceil()), "ceil({v})");
                assert!(same(F64Ext::fract(v), v.fract()), "fract({v}): NaN for infinities in both");
            }
            assert!(F64Ext::fract(f64::NAN).is_nan() && F64Ext::ceil(f64::NAN).is_nan());
        }
    }
}
