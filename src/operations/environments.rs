//! `ml_client.environments()`: what the generic [`AssetOperations`] needs of an
//! [`Environment`].

use serde_json::Value;

use super::versioned::sealed::{Group, Sealed};
use super::versioned::{AssetOperations, VersionedAsset};
use crate::entities::Environment;
use crate::error::Result;
use crate::rest;

/// Environment operations (`ml_client.environments()`): register, get, list, archive,
/// restore. The methods are [`AssetOperations`]'s.
pub type EnvironmentOperations = AssetOperations<Environment>;

impl VersionedAsset for Environment {}

impl Sealed for Environment {
    const GROUP: Group = Group::Environments;

    fn name(&self) -> &str {
        &self.name
    }

    fn name_mut(&mut self) -> &mut String {
        &mut self.name
    }

    /// A local Docker build context.
    fn local_content(&mut self) -> Option<&mut String> {
        self.build.as_mut().map(|build| &mut build.path)
    }

    fn version_mut(&mut self) -> &mut Option<String> {
        &mut self.version
    }

    fn id(&self) -> Option<&str> {
        Environment::id(self)
    }

    fn validate(&self) -> Result<()> {
        Environment::validate(self)
    }

    fn version_body(&self, anonymous: bool) -> Result<Value> {
        rest::to_value(&rest::environment_version_body_with(self, anonymous)?)
    }

    /// The definition (the version body), validated under a placeholder name: an inline
    /// environment has none of its own.
    async fn anonymous_content(&self) -> Result<String> {
        let mut anonymous = self.clone();
        anonymous.name = "anonymous".into();
        anonymous.validate()?;
        Ok(anonymous.version_body(false)?.to_string())
    }
}
