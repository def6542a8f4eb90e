//! The service's own limits on what the client sends: ARM tags, enum values, 32-bit integers,
//! durations, environment variables, managed identities.
//!
//! Python 1.35.2 sends all of these unchecked and lets ARM (or the container) refuse them after
//! the uploads; checking them here costs nothing and fails before anything is created.

use std::collections::{BTreeMap, BTreeSet};

use super::fail;
use crate::entities::macros::LenientEnum;
use crate::entities::{IdentityConfiguration, IdentityType};
use crate::Result;

/// ARM: at most 50 tags per resource.
pub(crate) const MAX_TAGS: usize = 50;
/// ARM: tag names are at most 512 characters (128 for storage accounts, which this crate
/// never tags).
pub(crate) const MAX_TAG_NAME: usize = 512;
/// ARM: tag values are at most 256 characters.
pub(crate) const MAX_TAG_VALUE: usize = 256;
/// ARM: characters a tag name cannot contain.
const TAG_NAME_FORBIDDEN: &[char] = &['<', '>', '%', '&', '\\', '?', '/'];

/// The longest duration the service accepts, in whole seconds: a .NET `TimeSpan`
/// (`TimeSpan.MaxValue` is 10 675 199 days 02:48:05.4775807, 2^63 - 1 ticks of 100 ns).
pub(crate) const MAX_DURATION_SECONDS: i64 = 922_337_203_685;
/// [`MAX_DURATION_SECONDS`] in whole milliseconds.
pub(crate) const MAX_DURATION_MILLIS: i64 = 922_337_203_685_477;
/// The wire's `int32` fields (thresholds, instance counts, concurrency).
pub(crate) const MAX_INT32: i64 = i32::MAX as i64;

/// A value the caller built (not one read from the service) must be one the service knows:
/// `Unknown(..)` variants exist only so that answers from a newer service still decode.
pub(crate) fn known<E: LenientEnum>(field: &str, value: &E) -> Result<()> {
    if value.is_unknown() {
        return fail(
            field,
            format!(
                "`{}` is not one of {}",
                value.wire(),
                E::known_values().join(", ")
            ),
        );
    }
    Ok(())
}

/// ARM's tag rules for a tracked resource (endpoints, deployments).
pub(crate) fn tags(tags: &BTreeMap<String, String>) -> Result<()> {
    if tags.len() > MAX_TAGS {
        return fail(
            "tags",
            format!(
                "at most {MAX_TAGS} tags are allowed on a resource (got {})",
                tags.len()
            ),
        );
    }
    let mut seen = BTreeSet::new();
    for (name, value) in tags {
        if name.trim().is_empty() {
            return fail("tags", "tag names must not be empty");
        }
        let field = format!("tags.{name}");
        let name_len = name.chars().count();
        if name_len > MAX_TAG_NAME {
            return fail(
                "tags",
                format!("tag names must be at most {MAX_TAG_NAME} characters (got {name_len})"),
            );
        }
        if let Some(c) = name.chars().find(|c| TAG_NAME_FORBIDDEN.contains(c)) {
            return fail(
                field,
                format!("tag names must not contain `{c}` (nor any of < > % & \\ ? /)"),
            );
        }
        if name.chars().any(char::is_control) {
            return fail(field, "tag names must not contain control characters");
        }
        if !seen.insert(name.to_lowercase()) {
            return fail(
                field,
                "tag names differ only in case; ARM tag names are case-insensitive",
            );
        }
        let value_len = value.chars().count();
        if value_len > MAX_TAG_VALUE {
            return fail(
                field,
                format!("tag values must be at most {MAX_TAG_VALUE} characters (got {value_len})"),
            );
        }
    }
    Ok(())
}

/// A wire `int32`.
pub(crate) fn int32(field: &str, value: i64) -> Result<()> {
    if value > MAX_INT32 {
        return fail(
            field,
            format!("must be at most {MAX_INT32} (a 32-bit integer on the wire; got {value})"),
        );
    }
    Ok(())
}

/// A duration in whole seconds the service can hold.
pub(crate) fn duration_seconds(field: &str, value: i64) -> Result<()> {
    if value > MAX_DURATION_SECONDS {
        return fail(
            field,
            format!(
                "must be at most {MAX_DURATION_SECONDS} seconds, the longest duration the service accepts (got {value})"
            ),
        );
    }
    Ok(())
}

/// A duration in milliseconds the service can hold.
pub(crate) fn duration_millis(field: &str, value: i64) -> Result<()> {
    if value > MAX_DURATION_MILLIS {
        return fail(
            field,
            format!(
                "must be at most {MAX_DURATION_MILLIS} ms, the longest duration the service accepts (got {value})"
            ),
        );
    }
    Ok(())
}

/// Environment variables of the scoring container: names that a process environment can hold.
pub(crate) fn environment_variables(vars: &BTreeMap<String, String>) -> Result<()> {
    for (name, value) in vars {
        if name.trim().is_empty() {
            return fail(
                "environment_variables",
                "environment variable names must not be empty",
            );
        }
        let field = format!("environment_variables.{name}");
        if name.contains('=') {
            return fail(field, "environment variable names must not contain `=`");
        }
        if name.chars().any(char::is_control) {
            return fail(
                field,
                "environment variable names must not contain control characters",
            );
        }
        if value.contains('\0') {
            return fail(
                field,
                "environment variable values must not contain NUL characters",
            );
        }
    }
    Ok(())
}

/// A managed identity ARM accepts: a known type, user-assigned identities exactly when the type
/// has them, each named by its ARM id.
pub(crate) fn identity(identity: &IdentityConfiguration) -> Result<()> {
    known("identity.type", &identity.type_)?;
    let wants_user = matches!(
        identity.type_,
        IdentityType::UserAssigned | IdentityType::SystemAndUserAssigned
    );
    let has_user = !identity.user_assigned_identities.is_empty();
    if wants_user && !has_user {
        return fail(
            "identity.user_assigned_identities",
            format!(
                "at least one user-assigned identity is required with type `{}`",
                identity.type_
            ),
        );
    }
    if !wants_user && has_user {
        return fail(
            "identity.user_assigned_identities",
            format!(
                "user-assigned identities need type UserAssigned or SystemAssigned,UserAssigned (got `{}`)",
                identity.type_
            ),
        );
    }
    for id in identity.user_assigned_identities.keys() {
        let lower = id.to_ascii_lowercase();
        let is_identity_id = lower.starts_with("/subscriptions/")
            && lower.contains("/providers/microsoft.managedidentity/userassignedidentities/")
            && !lower.ends_with('/');
        if !is_identity_id {
            return fail(
                format!("identity.user_assigned_identities.{id}"),
                "must be the ARM id of a user-assigned identity (/subscriptions/…/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name})",
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::AuthMode;
    use crate::Error;

    fn field(result: Result<()>) -> String {
        match result {
            Err(Error::Validation { field, .. }) => field,
            other => format!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn duration_limits_are_a_dotnet_timespan() {
        // 2^63 - 1 ticks of 100 ns.
        let ticks = i128::from(i64::MAX);
        assert_eq!(i128::from(MAX_DURATION_SECONDS), ticks / 10_000_000);
        assert_eq!(i128::from(MAX_DURATION_MILLIS), ticks / 10_000);
        assert!(duration_seconds("d", MAX_DURATION_SECONDS).is_ok());
        assert_eq!(field(duration_seconds("d", MAX_DURATION_SECONDS + 1)), "d");
        assert!(duration_millis("d", MAX_DURATION_MILLIS).is_ok());
        assert_eq!(field(duration_millis("d", i64::MAX)), "d");
    }

    #[test]
    fn unknown_enum_values_name_the_allowed_ones() {
        assert!(known("auth_mode", &AuthMode::Key).is_ok());
        let err = known("auth_mode", &AuthMode::Unknown("password".into())).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("password") && text.contains("AMLToken"),
            "{text}"
        );
    }

    #[test]
    fn tag_limits_are_arms() {
        let ok: BTreeMap<String, String> = (0..MAX_TAGS)
            .map(|i| (format!("t{i}"), "v".repeat(MAX_TAG_VALUE)))
            .collect();
        assert!(tags(&ok).is_ok());
        let mut too_many = ok.clone();
        too_many.insert("one-more".into(), String::new());
        assert_eq!(field(tags(&too_many)), "tags");
        let long_name = [("n".repeat(MAX_TAG_NAME + 1), String::new())].into();
        assert_eq!(field(tags(&long_name)), "tags");
        let at_limit = [("n".repeat(MAX_TAG_NAME), String::new())].into();
        assert!(tags(&at_limit).is_ok());
        let long_value = [("n".to_owned(), "v".repeat(MAX_TAG_VALUE + 1))].into();
        assert_eq!(field(tags(&long_value)), "tags.n");
        let slash = [("a/b".to_owned(), String::new())].into();
        assert_eq!(field(tags(&slash)), "tags.a/b");
        let case = [
            ("Team".to_owned(), "a".to_owned()),
            ("team".to_owned(), "b".to_owned()),
        ]
        .into();
        assert_eq!(field(tags(&case)), "tags.team");
    }
}
