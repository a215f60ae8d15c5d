//! KooPhone (Huawei Cloud phone) instance API client, compiled to WebAssembly.
//!
//! The crate is split by what each part may touch:
//!
//! - [`engine`]: pure Rust, no JavaScript and no I/O. Validation, requests,
//!   responses, and whole calls (`batchStatus`, `prepareProgress`,
//!   `waitPrepared`) as sans-IO state machines fed with events, the time and
//!   random seeds, answering with actions. Tested natively.
//! - `driver`: runs a machine against its JavaScript host, one callback per
//!   event, one host call per action.
//! - `api`: the thin `#[wasm_bindgen]` exports that read the described
//!   arguments and start a call.
//!
//! Only `engine` compiles on native targets; the JavaScript dependencies are
//! declared for `wasm32` only, so the compiler keeps the engine pure.

// `engine::Error` is large (it carries every detail a caller may need) but cold:
// it is built once per failure, so boxing it would buy nothing but allocations.
#![allow(clippy::result_large_err)]
// The release wasm goes without `std`: its panic machinery (hook, payload,
// message formatting) is dead weight when a panic can only trap. Debug and
// test builds (the wasm-bindgen tests link `std`) keep it. See bench/analysis.md.
#![cfg_attr(all(target_arch = "wasm32", not(debug_assertions)), no_std)]

#[cfg(all(target_arch = "wasm32", not(debug_assertions)))]
#[macro_use]
extern crate alloc;
#[cfg(not(all(target_arch = "wasm32", not(debug_assertions))))]
extern crate alloc;
// `std::mem`, `std::str`, `std::fmt` and `std::cell` paths name `core`'s in the release wasm.
#[cfg(all(target_arch = "wasm32", not(debug_assertions)))]
extern crate core as std;

mod prelude;

pub mod engine;

// A small free-list allocator instead of dlmalloc: the module is single-threaded
// and its allocations are small and short-lived (see bench/analysis.md, "Size").
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    // SAFETY: wasm32-unknown-unknown without the atomics feature has one thread.
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

/// The JavaScript-facing exports. Public only so the wasm-bindgen tests in
/// `tests/` can call them; JavaScript users import them from the npm package.
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod api;
#[cfg(target_arch = "wasm32")]
mod driver;

/// A panic traps: the host catches the trap and fails the call with `INTERNAL`.
/// The panic's message is never read, so its formatting is not in the module.
#[cfg(all(target_arch = "wasm32", not(debug_assertions)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
