//! `azml model …` (az ml model).

use azure_ai_ml::yaml::ToDict;
use azure_ai_ml::{ListViewType, Model};
use serde_json::{json, Map, Value};

use super::{load, overrides, tag_overrides, Ctx};
use crate::cli::{AssetRefArgs, ModelCommand};
use crate::error::{CliError, CliResult};

/// `transform_model_list`: what `az ml model list` prints per model (a container has
/// `latest version`, a version `version`, `model type` and `path`).
fn list_row(dict: &Value) -> Value {
    let get = |k: &str| dict.get(k).cloned().unwrap_or(Value::Null);
    let mut row = Map::new();
    for key in ["name", "tags", "stage", "id", "properties"] {
        row.insert(key.into(), get(key));
    }
    row.insert(
        "description".into(),
        dict.get("description").cloned().unwrap_or(json!("")),
    );
    row.insert("creation_context".into(), get("creation_context"));
    if let Some(latest) = dict.get("latest_version").filter(|v| !v.is_null()) {
        row.insert("latest version".into(), latest.clone());
    }
    if let Some(version) = dict.get("version").filter(|v| !v.is_null()) {
        row.insert("version".into(), version.clone());
        row.insert("model type".into(), get("type"));
        row.insert("path".into(), get("path"));
    }
    Value::Object(row)
}

/// A version, `--label latest`, or (neither) an error as az gives.
pub(super) async fn version_or_label(
    version: Option<String>,
    label: Option<String>,
    latest: impl std::future::Future<Output = azure_ai_ml::Result<String>>,
) -> CliResult<String> {
    match (version, label) {
        (Some(v), None) => Ok(v),
        (None, Some(l)) if l.eq_ignore_ascii_case("latest") => Ok(latest.await?),
        (None, Some(l)) => Err(CliError::usage(format!(
            "--label: only `latest` is supported, got `{l}`"
        ))),
        (Some(_), Some(_)) => Err(CliError::usage(
            "--version/-v and --label/-l cannot be given together",
        )),
        (None, None) => Err(CliError::usage(
            "one of the following arguments is required: --version/-v, --label/-l",
        )),
    }
}

/// Runs one `model` command.
pub async fn run(ctx: &Ctx, command: ModelCommand) -> CliResult<()> {
    match command {
        ModelCommand::Create {
            file,
            name,
            version,
            path,
            model_type,
            description,
            tags,
            stage,
            set,
        } => {
            if file.is_none() && (name.is_none() || path.is_none()) {
                return Err(CliError::usage(
                    "Please provide either --file/-f or --name/-n and --path/-p.",
                ));
            }
            let mut set = set.set;
            set.extend(tag_overrides(&tags));
            let o = overrides(
                &set,
                &[
                    ("name", name.as_deref()),
                    ("version", version.as_deref()),
                    ("path", path.as_deref()),
                    ("type", model_type.as_deref()),
                    ("description", description.as_deref()),
                    ("stage", stage.as_deref()),
                ],
            )?;
            let model: Model = load(file.as_deref(), &o)?;
            model.validate()?;
            let (client, bar) = ctx.client_with_progress().await?;
            let registered = crate::progress::spin(
                format!("Registering model {}", model.name),
                client.models().create_or_update(&model, None),
            )
            .await;
            bar.finish_and_clear();
            ctx.print(registered?.to_dict())
        }
        ModelCommand::Show {
            name,
            version,
            label,
        } => {
            let client = ctx.client().await?;
            let models = client.models();
            let version = version_or_label(version, label, async {
                Ok(models
                    .get_latest(&name, None)
                    .await?
                    .version
                    .unwrap_or_default())
            })
            .await?;
            ctx.print(models.get(&name, &version, None).await?.to_dict())
        }
        ModelCommand::List {
            name,
            stage,
            max_results,
            include_archived,
            archived_only,
        } => {
            let view = ListViewType::from_flags(include_archived, archived_only)?;
            let client = ctx.client().await?;
            let dicts: Vec<Value> = match &name {
                Some(name) => super::collect(
                    client.models().list_versions(name, view, None)?,
                    max_results,
                )
                .await?
                .iter()
                .filter(|m| stage.is_none() || m.stage == stage)
                .map(ToDict::to_dict)
                .collect(),
                None => super::collect(client.models().list_containers(view, None)?, max_results)
                    .await?
                    .iter()
                    .map(ToDict::to_dict)
                    .collect(),
            };
            ctx.print(Value::Array(dicts.iter().map(list_row).collect()))
        }
        ModelCommand::Archive(args) => archive(&ctx.client().await?.models(), args, true).await,
        ModelCommand::Restore(args) => archive(&ctx.client().await?.models(), args, false).await,
        ModelCommand::Download {
            name,
            version,
            download_path,
        } => {
            let dir = match download_path {
                Some(d) => d,
                None => std::env::current_dir().map_err(|e| {
                    CliError::failure(format!("cannot read the current folder: {e}"))
                })?,
            };
            let client = ctx.client().await?;
            crate::progress::spin(
                format!("Downloading model {name}:{version}"),
                client.models().download(&name, &version, &dir, None),
            )
            .await?;
            Ok(())
        }
    }
}

/// What `archive` / `restore` need of models and environments alike.
pub(super) trait Archivable {
    /// The latest version's number.
    async fn latest(&self, name: &str) -> azure_ai_ml::Result<String>;
    /// Archives (`true`) or restores a version, or the whole asset.
    async fn set_archived(
        &self,
        name: &str,
        version: Option<&str>,
        archived: bool,
    ) -> azure_ai_ml::Result<()>;
}

impl Archivable for azure_ai_ml::ModelOperations {
    async fn latest(&self, name: &str) -> azure_ai_ml::Result<String> {
        Ok(self
            .get_latest(name, None)
            .await?
            .version
            .unwrap_or_default())
    }

    async fn set_archived(
        &self,
        name: &str,
        version: Option<&str>,
        archived: bool,
    ) -> azure_ai_ml::Result<()> {
        if archived {
            self.archive(name, version, None).await
        } else {
            self.restore(name, version, None).await
        }
    }
}

/// `archive` / `restore` of a version (`-v`, `-l latest`) or of the whole asset.
pub(super) async fn archive(
    ops: &impl Archivable,
    args: AssetRefArgs,
    archived: bool,
) -> CliResult<()> {
    let version = match (args.version, args.label) {
        (None, None) => None,
        (v, l) => Some(version_or_label(v, l, ops.latest(&args.name)).await?),
    };
    Ok(ops
        .set_archived(&args.name, version.as_deref(), archived)
        .await?)
}
