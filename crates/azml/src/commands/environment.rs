//! `azml environment …` (az ml environment).

use azure_ai_ml::yaml::ToDict;
use azure_ai_ml::{Environment, ListViewType};
use serde_json::{Map, Value};

use super::model::{archive, version_or_label, Archivable};
use super::{load, overrides, tag_overrides, Ctx};
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
        EnvironmentCommand::Create {
            file,
            name,
            version,
            image,
            conda_file,
            build_context,
            dockerfile_path,
            os_type,
            description,
            tags,
            set,
        } => {
            if file.is_none() && name.is_none() {
                return Err(CliError::usage(
                    "Please provide either --file/-f or --name/-n with --image/-i or --build-context/-b.",
                ));
            }
            let mut set = set.set;
            set.extend(tag_overrides(&tags));
            let o = overrides(
                &set,
                &[
                    ("name", name.as_deref()),
                    ("version", version.as_deref()),
                    ("image", image.as_deref()),
                    ("conda_file", conda_file.as_deref()),
                    ("build.path", build_context.as_deref()),
                    ("build.dockerfile_path", dockerfile_path.as_deref()),
                    ("os_type", os_type.as_deref()),
                    ("description", description.as_deref()),
                ],
            )?;
            let environment: Environment = load(file.as_deref(), &o)?;
            environment.validate()?;
            let (client, bar) = ctx.client_with_progress().await?;
            let registered = crate::progress::spin(
                format!("Registering environment {}", environment.name),
                client.environments().create_or_update(&environment, None),
            )
            .await;
            bar.finish_and_clear();
            ctx.print(registered?.to_dict())
        }
        EnvironmentCommand::Show {
            name,
            version,
            label,
        } => {
            let client = ctx.client().await?;
            let environments = client.environments();
            let version = version_or_label(version, label, async {
                Ok(environments
                    .get_latest(&name, None)
                    .await?
                    .version
                    .unwrap_or_default())
            })
            .await?;
            ctx.print(environments.get(&name, &version, None).await?.to_dict())
        }
        EnvironmentCommand::List {
            name,
            max_results,
            include_archived,
            archived_only,
        } => {
            let view = ListViewType::from_flags(include_archived, archived_only)?;
            let client = ctx.client().await?;
            let dicts: Vec<Value> = match &name {
                Some(name) => super::collect(
                    client.environments().list_versions(name, view, None)?,
                    max_results,
                )
                .await?
                .iter()
                .map(ToDict::to_dict)
                .collect(),
                None => super::collect(
                    client.environments().list_containers(view, None)?,
                    max_results,
                )
                .await?
                .iter()
                .map(ToDict::to_dict)
                .collect(),
            };
            ctx.print(Value::Array(dicts.iter().map(list_row).collect()))
        }
        EnvironmentCommand::Archive(args) => {
            archive(&ctx.client().await?.environments(), args, true).await
        }
        EnvironmentCommand::Restore(args) => {
            archive(&ctx.client().await?.environments(), args, false).await
        }
    }
}

impl Archivable for azure_ai_ml::EnvironmentOperations {
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
