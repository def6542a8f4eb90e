//! The blob client and the upload protocol: on the wire (wiremock), against Azurite (a real
//! Azure Storage emulator) and against the fake workspace's verifier.

mod azurite;
#[cfg(feature = "testing")]
mod fake;
mod support;
mod wire;
