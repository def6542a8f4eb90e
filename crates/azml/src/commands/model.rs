//! `azml model …` (az ml model).

use azure_ai_ml::Model;
use serde_json::{json, Map, Value};

use super::asset::{self, create_overrides, register, AssetKind, ListQuery};
use super::{load, Ctx};
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

/// Runs one `model` command.
pub async fn run(ctx: &Ctx, command: ModelCommand) -> CliResult<()> {
    match command {
        ModelCommand::Create { file, fields } => {
            if file.is_none() && (fields.name.is_none() || fields.path.is_none()) {
                return Err(CliError::usage(
                    "Please provide either --file/-f or --name/-n and --path/-p.",
                ));
            }
            let model: Model = load(
                file.as_deref(),
                &create_overrides(&fields.set.set, &fields.tags, &fields)?,
            )?;
            model.validate()?;
            let message = format!("Registering model {}", model.name);
            register(ctx, message, |client| async move {
                client.models().create_or_update(&model, None).await
            })
            .await
        }
        ModelCommand::Show {
            name,
            version,
            label,
        } => {
            // The flags are the environment's, but declared here: `--name`'s help names the model.
            let args = AssetRefArgs {
                name,
                version,
                label,
            };
            asset::show(ctx, AssetKind::Model, args).await
        }
        ModelCommand::List {
            name,
            stage,
            max_results,
            include_archived,
            archived_only,
        } => {
            let query = ListQuery {
                name: name.as_deref(),
                stage: stage.as_deref(),
                max_results,
                include_archived,
                archived_only,
                row: list_row,
            };
            asset::list(ctx, AssetKind::Model, query).await
        }
        ModelCommand::Update(args) => asset::update(ctx, AssetKind::Model, args).await,
        ModelCommand::Archive(args) => asset::archive(ctx, AssetKind::Model, args, true).await,
        ModelCommand::Restore(args) => asset::archive(ctx, AssetKind::Model, args, false).await,
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
