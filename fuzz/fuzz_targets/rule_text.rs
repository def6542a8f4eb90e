//! `cargo +nightly fuzz run rule_text`: see [`azure_ai_ml_fuzz::rule_text`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    azure_ai_ml_fuzz::rule_text(data);
});
