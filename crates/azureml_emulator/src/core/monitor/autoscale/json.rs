//! Reading ARM JSON the way ARM's deserializer does (property names case-insensitive, `null`
//! as absent, counts as strings or numbers) and refusing it with ARM's wording.

use std::time::Duration;

use serde_json::Value;

use crate::core::arm::arm_error;
use crate::core::monitor::duration;
use crate::core::CoreResponse;

/// Why a setting is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Invalid {
    /// Schema: `InvalidRequestContent`.
    Content(String),
    /// A service rule: `BadRequest`.
    Rule(String),
    /// No `location`: `LocationRequired`.
    Location,
}

impl Invalid {
    pub(crate) fn message(&self) -> String {
        match self {
            Self::Content(m) => {
                format!("The request content was invalid and could not be deserialized: '{m}'.")
            }
            Self::Rule(m) => m.clone(),
            Self::Location => "The location property is required for this definition.".into(),
        }
    }

    pub(crate) fn response(&self) -> CoreResponse {
        let code = match self {
            Self::Content(_) => "InvalidRequestContent",
            Self::Rule(_) => "BadRequest",
            Self::Location => "LocationRequired",
        };
        arm_error(400, code, self.message())
    }
}

pub(crate) type Parsed<T> = Result<T, Invalid>;

/// The value of `key` (case-insensitive, as ARM's deserializer reads names); `null` is absent.
pub(crate) fn field<'a>(obj: &'a Value, key: &str) -> Option<&'a Value> {
    obj.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

pub(crate) fn required<'a>(obj: &'a Value, key: &str, path: &str) -> Parsed<&'a Value> {
    field(obj, key).ok_or_else(|| {
        Invalid::Content(format!(
            "Required property '{key}' not found in JSON. Path '{path}'"
        ))
    })
}

pub(crate) fn mistyped(value: &Value, kind: &str, path: &str) -> Invalid {
    Invalid::Content(format!(
        "Error converting value {value} to type '{kind}'. Path '{path}'"
    ))
}

pub(crate) fn string<'a>(value: &'a Value, path: &str) -> Parsed<&'a str> {
    value
        .as_str()
        .ok_or_else(|| mistyped(value, "String", path))
}

pub(crate) fn array<'a>(value: &'a Value, path: &str) -> Parsed<&'a Vec<Value>> {
    value
        .as_array()
        .ok_or_else(|| mistyped(value, "Array", path))
}

pub(crate) fn boolean(value: Option<&Value>, path: &str) -> Parsed<Option<bool>> {
    value
        .map(|v| v.as_bool().ok_or_else(|| mistyped(v, "Boolean", path)))
        .transpose()
}

pub(crate) fn number(value: &Value, path: &str) -> Parsed<f64> {
    value
        .as_f64()
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
        .filter(|f: &f64| f.is_finite())
        .ok_or_else(|| mistyped(value, "Double", path))
}

/// A count sent as a string (`"1"`, the schema's type) or a number.
pub(crate) fn count(value: &Value, path: &str) -> Parsed<u32> {
    value
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
        .ok_or_else(|| {
            Invalid::Rule(format!(
                "The value {value} of '{path}' is not a valid instance count."
            ))
        })
}

pub(crate) fn iso(value: &Value, path: &str) -> Parsed<Duration> {
    let text = string(value, path)?;
    duration::parse(text).ok_or_else(|| {
        Invalid::Content(format!(
            "'{text}' is not a valid ISO 8601 duration. Path '{path}'"
        ))
    })
}

pub(crate) fn within(
    d: Duration,
    low: Duration,
    high: Duration,
    what: &str,
    path: &str,
) -> Parsed<()> {
    if d < low || d > high {
        return Err(Invalid::Rule(format!(
            "The {what} '{}' of '{path}' is not valid: it must be between {} and {}.",
            duration::format(d),
            duration::format(low),
            duration::format(high)
        )));
    }
    Ok(())
}

pub(crate) fn one_of<T: Copy>(
    value: &Value,
    path: &str,
    kind: &str,
    table: &[(&str, T)],
) -> Parsed<T> {
    let text = string(value, path)?;
    table
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(text.trim()))
        .map(|(_, t)| *t)
        .ok_or_else(|| mistyped(value, kind, path))
}

/// An enum of the schema whose variants are named as the schema names its values; `FromStr`
/// reads them case-insensitively, as ARM does.
pub(crate) trait SchemaEnum: Copy + std::str::FromStr {
    /// The schema's type name, which a refusal names.
    const KIND: &'static str;
}

/// The required enum at `key` of `obj`, which is at `path`.
pub(crate) fn choice<T: SchemaEnum>(obj: &Value, key: &str, path: &str) -> Parsed<T> {
    let value = required(obj, key, path)?;
    let path = format!("{path}.{key}");
    string(value, &path)?
        .trim()
        .parse()
        .map_err(|_| mistyped(value, T::KIND, &path))
}
