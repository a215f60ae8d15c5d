//! The error codes the engine can produce are exactly the `KooPhoneErrorCode`
//! union of the hand-written typings, in both directions: a code added on one
//! side only fails here.

#![cfg(not(target_arch = "wasm32"))]

use koophone_wasm::engine::error::ALL_KINDS;

/// The string literals of `export type KooPhoneErrorCode = | "A" | "B" ...;`.
fn typed_codes() -> Vec<String> {
    let typings = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/pkg-template/index.d.ts"))
        .expect("pkg-template/index.d.ts");
    let start = typings.find("export type KooPhoneErrorCode =").expect("the KooPhoneErrorCode union");
    let union = &typings[start..];
    let union = &union[..union.find(';').expect("the end of the union")];
    union.split('"').skip(1).step_by(2).map(str::to_owned).collect()
}

#[test]
fn every_engine_error_code_is_in_the_typings_and_back() {
    let mut engine: Vec<String> = ALL_KINDS.iter().map(|k| k.code().to_owned()).collect();
    let mut typed = typed_codes();
    assert!(!typed.is_empty() && !engine.is_empty());
    engine.sort();
    typed.sort();
    assert_eq!(engine, typed);
}
