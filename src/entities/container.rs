//! Asset containers: a model or environment name with its versions (what Python's
//! `ml_client.models.list()` lists without a name), and which ones a list shows.

use std::collections::BTreeMap;

use super::common::CreationContext;

/// A model or environment container (all versions under one name).
///
/// Decodes from the ARM JSON of a container (`Deserialize`).
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct AssetContainer {
    /// Name.
    pub name: String,
    /// Latest version.
    pub latest_version: Option<String>,
    /// Version the service would give the next registration.
    pub next_version: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Properties.
    pub properties: BTreeMap<String, String>,
    /// Archived (hidden from default lists).
    pub is_archived: bool,
    /// ARM id.
    pub id: Option<String>,
    /// Creation / modification info.
    pub creation_context: Option<CreationContext>,
}

/// Which assets a list returns (ARM `listViewType`; Python's `ListViewType`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ListViewType {
    /// Active (not archived) assets; the default.
    #[default]
    ActiveOnly,
    /// Archived assets only.
    ArchivedOnly,
    /// Both.
    All,
}

impl ListViewType {
    /// The wire spelling (`ActiveOnly`, `ArchivedOnly`, `All`).
    pub fn as_str(&self) -> &'static str {
        match self {
            ListViewType::ActiveOnly => "ActiveOnly",
            ListViewType::ArchivedOnly => "ArchivedOnly",
            ListViewType::All => "All",
        }
    }

    /// The CLI's flags: `--include-archived` → all, `--archived-only` → archived only.
    ///
    /// # Errors
    /// [`crate::Error::Validation`] when both are set (Python: "Cannot provide both
    /// archived-only and include-archived.").
    pub fn from_flags(include_archived: bool, archived_only: bool) -> crate::Result<Self> {
        match (include_archived, archived_only) {
            (true, true) => Err(crate::Error::validation(
                "--archived-only",
                "cannot be given together with --include-archived",
            )),
            (true, false) => Ok(ListViewType::All),
            (false, true) => Ok(ListViewType::ArchivedOnly),
            (false, false) => Ok(ListViewType::ActiveOnly),
        }
    }
}
