//! Every error code the engine can produce is in the typings' `KooPhoneErrorCode`
//! union, and the union names no code the engine cannot produce.

#![cfg(not(target_arch = "wasm32"))]

use koophone_wasm::engine::error::ALL_KINDS;

#[test]
fn the_typings_list_exactly_the_engine_error_codes() {
    let typings =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/pkg-template/index.d.ts")).unwrap();
    let start = typings.find("export type KooPhoneErrorCode =").expect("the union is declared");
    let union = &typings[start..start + typings[start..].find(';').unwrap()];
    let mut typed: Vec<&str> = union.split('"').skip(1).step_by(2).collect();
    assert!(!typed.is_empty());
    let mut engine: Vec<&str> = ALL_KINDS.iter().map(|k| k.code()).collect();
    typed.sort_unstable();
    engine.sort_unstable();
    assert_eq!(typed, engine);
}
