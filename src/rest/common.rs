//! Field-level helpers every wire type uses: lenient map decoding, ISO-8601 duration fields,
//! ARM id segments.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serializer};

/// One page of an ARM list: the pager's page type, under the wire layer's name.
pub use crate::arm::pager::ArmPage as ArmList;

/// A string map that tolerates `null` (whole map or values) and non-string values
/// (`"n": 1` in a property bag): numbers/bools become their text, nulls are dropped.
///
/// Generic over the field type so that `BTreeMap` and `Option<BTreeMap>` fields (a map a body
/// may leave out) share it.
pub(crate) fn lenient_string_map<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: From<BTreeMap<String, String>>,
{
    let raw = Option::<BTreeMap<String, serde_json::Value>>::deserialize(d)?.unwrap_or_default();
    let map: BTreeMap<String, String> = raw
        .into_iter()
        .filter_map(|(k, v)| match v {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some((k, s)),
            other => Some((k, other.to_string())),
        })
        .collect();
    Ok(map.into())
}

/// Integer map (traffic) that tolerates `null` and drops values that are not non-negative
/// integers; generic over the field type like [`lenient_string_map`].
pub(crate) fn lenient_traffic_map<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: From<BTreeMap<String, u32>>,
{
    let raw = Option::<BTreeMap<String, serde_json::Value>>::deserialize(d)?.unwrap_or_default();
    let map: BTreeMap<String, u32> = raw
        .into_iter()
        .filter_map(|(k, v)| {
            v.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(|n| (k, n))
        })
        .collect();
    Ok(map.into())
}

/// A map of objects that tolerates `null` for the map and for each value (read as the default).
pub(crate) fn lenient_object_map<'de, D, T>(d: D) -> Result<BTreeMap<String, T>, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<BTreeMap<String, Option<T>>>::deserialize(d)?
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or_default()))
        .collect())
}

/// `Option<i64>` seconds on the wire as an ISO-8601 duration (`PT30S`). Zero counts as unset
/// and is left out (`skip_serializing_if = "iso_seconds::unset"`), as Python does.
pub(crate) mod iso_seconds {
    use super::{iso, Serializer};
    use crate::rest::duration;

    pub(crate) use duration::serde_seconds::deserialize;

    pub(crate) fn serialize<S: Serializer>(value: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        iso(value.and_then(duration::from_whole_seconds), s)
    }

    pub(crate) fn unset(value: &Option<i64>) -> bool {
        value.and_then(duration::from_whole_seconds).is_none()
    }
}

/// Like [`iso_seconds`], for milliseconds.
pub(crate) mod iso_millis {
    use super::{iso, Serializer};
    use crate::rest::duration;

    pub(crate) use duration::serde_millis::deserialize;

    pub(crate) fn serialize<S: Serializer>(value: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        iso(value.and_then(duration::from_millis), s)
    }

    pub(crate) fn unset(value: &Option<i64>) -> bool {
        value.and_then(duration::from_millis).is_none()
    }
}

fn iso<S: Serializer>(text: Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match text {
        Some(text) => s.serialize_str(&text),
        None => s.serialize_none(),
    }
}

/// The name under `collection` in an ARM id, without requiring the id to be fully valid.
pub(crate) fn id_segment(id: Option<&str>, collection: &str) -> Option<String> {
    let id = id?;
    let mut parts = id.split('/');
    while let Some(part) = parts.next() {
        if part.eq_ignore_ascii_case(collection) {
            return parts.next().filter(|s| !s.is_empty()).map(str::to_owned);
        }
    }
    None
}
