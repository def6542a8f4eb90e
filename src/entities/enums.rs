//! The small enums shared by several entities.
//!
//! Every enum the service may extend keeps an `Unknown(String)` variant, so a new value from a
//! newer service version deserializes instead of failing the whole response.

use super::macros::string_enum;

string_enum! {
    /// How callers authenticate to an online endpoint's scoring URI.
    ///
    /// Python / YAML spellings (`key`, `aml_token`, `aad_token`) parse too.
    ///
    /// Default: `Key` (Python's default is `key`).
    AuthMode (default = Key) {
        /// Endpoint keys (`listKeys`).
        Key = "Key",
        /// Short-lived Azure ML tokens (`token` action).
        AmlToken = "AMLToken",
        /// Microsoft Entra tokens for `https://ml.azure.com`.
        AadToken = "AADToken",
    }
}

string_enum! {
    /// The type of a registered model (`type` in YAML, `modelType` on the wire).
    ///
    /// Default: `CustomModel`.
    AssetType (default = CustomModel) {
        /// A folder or file of any format.
        CustomModel = "custom_model",
        /// An MLflow model folder.
        MlflowModel = "mlflow_model",
        /// A Triton model repository.
        TritonModel = "triton_model",
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
    ///
    /// Default: `SystemAssigned` (Python's endpoint default).
    IdentityType (default = SystemAssigned) {
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

/// Which container's logs to fetch from a deployment (serialized as its wire spelling).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum ContainerType {
    /// The container that downloads the model and code.
    StorageInitializer,
    /// The container that runs the scoring server.
    InferenceServer,
}

/// A closed set of values the SDK parses from user text (CLI flags, YAML) and sends in its wire
/// spelling: one table per enum, one parser and one printer for all of them.
trait ClosedSet: Copy + PartialEq + 'static {
    /// The field named in parse errors.
    const FIELD: &'static str;
    /// Each value with its wire spelling and the Python/CLI spelling users type.
    const VALUES: &'static [(Self, &'static str, &'static str)];

    fn wire_name(self) -> &'static str {
        Self::VALUES
            .iter()
            .find(|(v, _, _)| *v == self)
            .map_or("", |(_, wire, _)| wire)
    }

    /// Any case; `_`, `-` and spaces ignored.
    fn parse(s: &str) -> crate::Result<Self> {
        let wanted = super::macros::normalize(s);
        Self::VALUES
            .iter()
            .find(|(_, _, typed)| super::macros::normalize(typed) == wanted)
            .map(|(v, _, _)| *v)
            .ok_or_else(|| {
                let names: Vec<String> = Self::VALUES
                    .iter()
                    .map(|(_, _, typed)| format!("`{typed}`"))
                    .collect();
                crate::Error::validation(
                    Self::FIELD,
                    format!("must be {}, got `{s}`", names.join(" or ")),
                )
            })
    }
}

impl ClosedSet for KeyType {
    const FIELD: &'static str = "key_type";
    const VALUES: &'static [(Self, &'static str, &'static str)] = &[
        (KeyType::Primary, "Primary", "primary"),
        (KeyType::Secondary, "Secondary", "secondary"),
    ];
}

impl ClosedSet for ContainerType {
    const FIELD: &'static str = "container_type";
    const VALUES: &'static [(Self, &'static str, &'static str)] = &[
        (
            ContainerType::StorageInitializer,
            "StorageInitializer",
            "storage_initializer",
        ),
        (
            ContainerType::InferenceServer,
            "InferenceServer",
            "inference_server",
        ),
    ];
}

impl KeyType {
    /// Wire spelling (`Primary` / `Secondary`).
    pub fn as_str(&self) -> &'static str {
        self.wire_name()
    }
}

impl ContainerType {
    /// Wire spelling (`StorageInitializer` / `InferenceServer`).
    pub fn as_str(&self) -> &'static str {
        self.wire_name()
    }
}

impl std::fmt::Display for KeyType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for ContainerType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for KeyType {
    type Err = crate::Error;
    /// Accepts `primary` / `secondary` in any case.
    fn from_str(s: &str) -> crate::Result<Self> {
        Self::parse(s)
    }
}

impl std::str::FromStr for ContainerType {
    type Err = crate::Error;
    /// Accepts `storage_initializer` / `inference_server` (any case, `_` optional).
    fn from_str(s: &str) -> crate::Result<Self> {
        Self::parse(s)
    }
}
