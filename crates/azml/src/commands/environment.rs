//! `azml environment …` (az ml environment).

use azure_ai_ml::Environment;
use serde_json::{Map, Value};

use super::asset::{self, create_overrides, register, AssetKind, ListQuery};
use super::{load, Ctx};
use crate::cli::EnvironmentCommand;
use crate::error::{CliError, CliResult};

/// `transform_environment_list`: name, and `latest version` or `version`.
fn list_row(dict: &Value) -> Value {
    let mut row = Map::new();
    row.insert(
        "name".into(),
        dict.get("name").cloned().unwrap_or(Value::Null),
    );
    if let Some(latest) = dict.get("latest_version").filter(|v| !v.is_null()) {
        row.insert("latest version".into(), latest.clone());
    }
    if let Some(version) = dict.get("version").filter(|v| !v.is_null()) {
        row.insert("version".into(), version.clone());
    }
    Value::Object(row)
}

/// Runs one `environment` command.
pub async fn run(ctx: &Ctx, command: EnvironmentCommand) -> CliResult<()> {
    match command {
        EnvironmentCommand::Create { file, fields } => {
            if file.is_none() && fields.name.is_none() {
                return Err(CliError::usage(
                    "Please provide either --file/-f or --name/-n with --image/-i or --build-context/-b.",
                ));
            }
            let environment: Environment = load(
                file.as_deref(),
                &create_overrides(&fields.set.set, &fields.tags, &fields)?,
            )?;
            environment.validate()?;
            let message = format!("Registering environment {}", environment.name);
            register(ctx, message, |client| async move {
                client
                    .environments()
                    .create_or_update(&environment, None)
                    .await
            })
            .await
        }
        EnvironmentCommand::Show(args) => asset::show(ctx, AssetKind::Environment, args).await,
        EnvironmentCommand::Update(args) => asset::update(ctx, AssetKind::Environment, args).await,
        EnvironmentCommand::List {
            name,
            max_results,
            include_archived,
            archived_only,
        } => {
            let query = ListQuery {
                name: name.as_deref(),
                stage: None,
                max_results,
                include_archived,
                archived_only,
                row: list_row,
            };
            asset::list(ctx, AssetKind::Environment, query).await
        }
        EnvironmentCommand::Archive(args) => {
            asset::archive(ctx, AssetKind::Environment, args, true).await
        }
        EnvironmentCommand::Restore(args) => {
            asset::archive(ctx, AssetKind::Environment, args, false).await
        }
    }
}
