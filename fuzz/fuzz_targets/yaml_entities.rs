//! `cargo +nightly fuzz run yaml_entities`: see [`azure_ai_ml_fuzz::yaml_entities`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    azure_ai_ml_fuzz::yaml_entities(data);
});
