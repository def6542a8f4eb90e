//! `cargo +nightly fuzz run json_entities`: see [`azure_ai_ml_fuzz::json_entities`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    azure_ai_ml_fuzz::json_entities(data);
});
