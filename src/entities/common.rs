//! Pieces shared by several entities: who created a resource, managed identities.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use super::enums::IdentityType;
use super::macros::setters;

/// Who created / last changed a resource and when (ARM `systemData`). Read-only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreationContext {
    /// Creation time.
    pub created_at: Option<OffsetDateTime>,
    /// Creator (user, application, ...).
    pub created_by: Option<String>,
    /// Kind of creator (`User`, `Application`, `ManagedIdentity`, `Key`).
    pub created_by_type: Option<String>,
    /// Last modification time.
    pub last_modified_at: Option<OffsetDateTime>,
    /// Last modifier.
    pub last_modified_by: Option<String>,
    /// Kind of last modifier.
    pub last_modified_by_type: Option<String>,
}

/// One user-assigned identity attached to a resource.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserIdentity {
    /// Principal (object) id, set by the service.
    pub principal_id: Option<String>,
    /// Client (application) id, set by the service.
    pub client_id: Option<String>,
}

/// Managed identity of an endpoint (Python `IdentityConfiguration`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct IdentityConfiguration {
    /// Identity type; Python's endpoint default is `SystemAssigned`.
    pub type_: IdentityType,
    /// User-assigned identities, keyed by their ARM id.
    pub user_assigned_identities: BTreeMap<String, UserIdentity>,
    /// Principal id of the system-assigned identity (read-only).
    pub principal_id: Option<String>,
    /// Tenant id (read-only).
    pub tenant_id: Option<String>,
}

impl IdentityConfiguration {
    /// An identity of the given type.
    pub fn new(type_: impl Into<IdentityType>) -> Self {
        IdentityConfiguration {
            type_: type_.into(),
            ..Default::default()
        }
    }

    /// A system-assigned identity.
    pub fn system_assigned() -> Self {
        Self::new(IdentityType::SystemAssigned)
    }

    setters!(into: type_: IdentityType);
    setters!(some: principal_id: String, tenant_id: String);

    /// Adds a user-assigned identity by ARM id.
    pub fn user_assigned_identity(mut self, arm_id: impl Into<String>) -> Self {
        self.user_assigned_identities
            .insert(arm_id.into(), UserIdentity::default());
        self
    }
}
