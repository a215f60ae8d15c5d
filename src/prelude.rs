//! The names `std`'s prelude gives, from `alloc`, for the release wasm, which
//! is built without `std` (see `lib.rs`). Native and debug builds have them
//! twice, harmlessly.

pub use alloc::borrow::ToOwned;
pub use alloc::boxed::Box;
pub use alloc::string::String;
pub use alloc::vec::Vec;
#[cfg(all(target_arch = "wasm32", not(debug_assertions)))]
pub use float::F64Ext;

/// `f64` rounding that `std` provides and `core` does not (stable Rust).
#[cfg(all(target_arch = "wasm32", not(debug_assertions)))]
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
}
