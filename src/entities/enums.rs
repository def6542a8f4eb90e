//! The small enums shared by several entities.
//!
//! Every enum the service may extend keeps an `Unknown(String)` variant, so a new value from a
//! newer service version deserializes instead of failing the whole response.

use super::macros::string_enum;

string_enum! {
    /// How callers authenticate to an online endpoint's scoring URI.
    ///
    /// Python / YAML spellings (`key`, `aml_token`, `aad_token`) parse too.
    AuthMode {
        /// Endpoint keys (`listKeys`).
        Key = "Key",
        /// Short-lived Azure ML tokens (`token` action).
        AmlToken = "AMLToken",
        /// Microsoft Entra tokens for `https://ml.azure.com`.
        AadToken = "AADToken",
    }
}

impl Default for AuthMode {
    /// Python's default is `key`.
    fn default() -> Self {
        AuthMode::Key
    }
}

string_enum! {
    /// The type of a registered model (`type` in YAML, `modelType` on the wire).
    AssetType {
        /// A folder or file of any format.
        CustomModel = "custom_model",
        /// An MLflow model folder.
        MlflowModel = "mlflow_model",
        /// A Triton model repository.
        TritonModel = "triton_model",
    }
}

#[allow(clippy::derivable_impls)] // the enum comes from a macro that cannot mark `#[default]`
impl Default for AssetType {
    fn default() -> Self {
        AssetType::CustomModel
    }
}

string_enum! {
    /// Provisioning state of an endpoint, deployment or asset.
    ProvisioningState {
        /// Being created.
        Creating = "Creating",
        /// Being deleted.
        Deleting = "Deleting",
        /// Scaling (deployments only).
        Scaling = "Scaling",
        /// Being updated.
        Updating = "Updating",
        /// Done.
        Succeeded = "Succeeded",
        /// Failed.
        Failed = "Failed",
        /// Canceled.
        Canceled = "Canceled",
    }
}

impl ProvisioningState {
    /// True for `Succeeded`, `Failed` and `Canceled` (polling can stop).
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            ProvisioningState::Succeeded | ProvisioningState::Failed | ProvisioningState::Canceled
        )
    }
}

string_enum! {
    /// Managed identity type of an endpoint or workspace.
    IdentityType {
        /// No identity.
        None = "None",
        /// System-assigned identity.
        SystemAssigned = "SystemAssigned",
        /// User-assigned identities.
        UserAssigned = "UserAssigned",
        /// Both (`SystemAssigned,UserAssigned` on the wire).
        SystemAndUserAssigned = "SystemAssigned,UserAssigned",
    }
}

impl Default for IdentityType {
    /// Python's endpoint default.
    fn default() -> Self {
        IdentityType::SystemAssigned
    }
}

string_enum! {
    /// Public network access of an endpoint (inbound) or a deployment (egress).
    PublicNetworkAccess {
        /// Reachable from the public internet.
        Enabled = "Enabled",
        /// Private network only.
        Disabled = "Disabled",
    }
}

string_enum! {
    /// How often collected data rolls over into a new file.
    RollingRate {
        /// Yearly.
        Year = "Year",
        /// Monthly.
        Month = "Month",
        /// Daily.
        Day = "Day",
        /// Hourly.
        Hour = "Hour",
        /// Every minute.
        Minute = "Minute",
    }
}

string_enum! {
    /// Where an online endpoint/deployment runs (`endpointComputeType`).
    EndpointComputeType {
        /// Azure-managed compute.
        Managed = "Managed",
        /// An attached Kubernetes cluster.
        Kubernetes = "Kubernetes",
        /// Azure ML compute (no deployment subtype in this crate).
        AzureMlCompute = "AzureMLCompute",
    }
}

string_enum! {
    /// Operating system of an environment image.
    OperatingSystemType {
        /// Linux.
        Linux = "Linux",
        /// Windows.
        Windows = "Windows",
    }
}

/// Which endpoint key to regenerate (serialized as its wire spelling).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum KeyType {
    /// The primary key.
    Primary,
    /// The secondary key.
    Secondary,
}

impl KeyType {
    /// Wire spelling (`Primary` / `Secondary`).
    pub fn as_str(&self) -> &'static str {
        match self {
            KeyType::Primary => "Primary",
            KeyType::Secondary => "Secondary",
        }
    }
}

impl std::fmt::Display for KeyType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for KeyType {
    type Err = crate::Error;
    /// Accepts `primary` / `secondary` in any case.
    fn from_str(s: &str) -> crate::Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "primary" => Ok(KeyType::Primary),
            "secondary" => Ok(KeyType::Secondary),
            _ => Err(crate::Error::validation(
                "key_type",
                format!("must be `primary` or `secondary`, got `{s}`"),
            )),
        }
    }
}

/// Which container's logs to fetch from a deployment (serialized as its wire spelling).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum ContainerType {
    /// The container that downloads the model and code.
    StorageInitializer,
    /// The container that runs the scoring server.
    InferenceServer,
}

impl ContainerType {
    /// Wire spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            ContainerType::StorageInitializer => "StorageInitializer",
            ContainerType::InferenceServer => "InferenceServer",
        }
    }
}

impl std::fmt::Display for ContainerType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ContainerType {
    type Err = crate::Error;
    /// Accepts `storage_initializer` / `inference_server` (any case, `_` optional).
    fn from_str(s: &str) -> crate::Result<Self> {
        match super::macros::normalize(s).as_str() {
            "storageinitializer" => Ok(ContainerType::StorageInitializer),
            "inferenceserver" => Ok(ContainerType::InferenceServer),
            _ => Err(crate::Error::validation(
                "container_type",
                format!("must be `storage_initializer` or `inference_server`, got `{s}`"),
            )),
        }
    }
}
