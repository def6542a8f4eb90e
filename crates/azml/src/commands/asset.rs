//! What `azml model` and `azml environment` share: one implementation of `show`, `list`,
//! `archive` and `restore` over the asset kind, and for `create` the overrides from the flags
//! and the registration with an upload bar.

use std::future::Future;

use azure_ai_ml::yaml::{with_overrides, Overrides, ToDict};
use azure_ai_ml::{EnvironmentOperations, ListViewType, MLClient, ModelOperations};
use serde::Serialize;
use serde_json::Value;

use super::{collect, overrides, tag_overrides, Ctx};
use crate::cli::{AssetRefArgs, AssetUpdateArgs};
use crate::error::{CliError, CliResult};

/// The asset kinds with versions, archiving and labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum AssetKind {
    /// `az ml model`.
    Model,
    /// `az ml environment`.
    Environment,
}

/// One kind's operations on the workspace.
enum AssetOps {
    Models(ModelOperations),
    Environments(EnvironmentOperations),
}

impl AssetKind {
    fn ops(self, client: &MLClient) -> AssetOps {
        match self {
            Self::Model => AssetOps::Models(client.models()),
            Self::Environment => AssetOps::Environments(client.environments()),
        }
    }
}

impl AssetOps {
    /// The number of the latest version of `name`.
    async fn latest_version(&self, name: &str) -> azure_ai_ml::Result<String> {
        let version = match self {
            Self::Models(ops) => ops.get_latest(name, None).await?.version,
            Self::Environments(ops) => ops.get_latest(name, None).await?.version,
        };
        Ok(version.unwrap_or_default())
    }

    /// One version, as its dict.
    async fn get(&self, name: &str, version: &str) -> azure_ai_ml::Result<Value> {
        Ok(match self {
            Self::Models(ops) => ops.get(name, version, None).await?.to_dict(),
            Self::Environments(ops) => ops.get(name, version, None).await?.to_dict(),
        })
    }

    /// At most `limit` versions of `name` (models only in `stage`, when given), or without a
    /// name the containers, as dicts.
    async fn list(
        &self,
        name: Option<&str>,
        stage: Option<&str>,
        view: ListViewType,
        limit: Option<usize>,
    ) -> CliResult<Vec<Value>> {
        Ok(match (self, name) {
            (Self::Models(ops), Some(name)) => collect(ops.list_versions(name, view, None)?, limit)
                .await?
                .iter()
                .filter(|m| stage.is_none() || m.stage.as_deref() == stage)
                .map(ToDict::to_dict)
                .collect(),
            (Self::Environments(ops), Some(name)) => {
                dicts(collect(ops.list_versions(name, view, None)?, limit).await?)
            }
            (Self::Models(ops), None) => {
                dicts(collect(ops.list_containers(view, None)?, limit).await?)
            }
            (Self::Environments(ops), None) => {
                dicts(collect(ops.list_containers(view, None)?, limit).await?)
            }
        })
    }

    /// Applies `overrides` to a version and registers it again (its mutable fields change; the
    /// service refuses changes to the others), as its dict.
    async fn update(&self, name: &str, version: &str, overrides: &Overrides) -> CliResult<Value> {
        Ok(match self {
            Self::Models(ops) => {
                let current = ops.get(name, version, None).await?;
                let changed = with_overrides(&current, overrides)?;
                ops.create_or_update(&changed, None).await?.to_dict()
            }
            Self::Environments(ops) => {
                let current = ops.get(name, version, None).await?;
                let changed = with_overrides(&current, overrides)?;
                ops.create_or_update(&changed, None).await?.to_dict()
            }
        })
    }

    /// Archives (`true`) or restores a version, or the whole asset.
    async fn set_archived(
        &self,
        name: &str,
        version: Option<&str>,
        archived: bool,
    ) -> azure_ai_ml::Result<()> {
        match (self, archived) {
            (Self::Models(ops), true) => ops.archive(name, version, None).await,
            (Self::Models(ops), false) => ops.restore(name, version, None).await,
            (Self::Environments(ops), true) => ops.archive(name, version, None).await,
            (Self::Environments(ops), false) => ops.restore(name, version, None).await,
        }
    }
}

fn dicts<T: ToDict>(items: Vec<T>) -> Vec<Value> {
    items.iter().map(ToDict::to_dict).collect()
}

/// A version, `--label latest`, or (neither) an error as az gives.
async fn version_or_label(
    version: Option<String>,
    label: Option<String>,
    latest: impl Future<Output = azure_ai_ml::Result<String>>,
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

/// `create`'s overrides: `--set`, then `--tags`, then each flag of `fields` given as text,
/// named as the field it sets (`fields` serialized, in order), as az applies them.
pub(super) fn create_overrides(
    set: &[String],
    tags: &[String],
    fields: &impl Serialize,
) -> CliResult<Overrides> {
    let mut set = set.to_vec();
    set.extend(tag_overrides(tags));
    let fields = serde_json::to_value(fields)
        .map_err(|e| CliError::failure(format!("cannot read the flags: {e}")))?;
    let fields: Vec<(&str, Option<&str>)> = fields
        .as_object()
        .into_iter()
        .flatten()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect();
    overrides(&set, &fields)
}

/// `create`: registers an asset (`send` uploads its local files, with a bar) and prints it.
pub(super) async fn register<T, F, Fut>(ctx: &Ctx, message: String, send: F) -> CliResult<()>
where
    T: ToDict,
    F: FnOnce(MLClient) -> Fut,
    Fut: Future<Output = azure_ai_ml::Result<T>>,
{
    let (client, bar) = ctx.client_with_progress().await?;
    let registered = crate::progress::spin(message, send(client)).await;
    bar.finish_and_clear();
    ctx.print(registered?.to_dict())
}

/// `show`: a version (`-v`) or the latest (`-l latest`).
pub(super) async fn show(ctx: &Ctx, kind: AssetKind, args: AssetRefArgs) -> CliResult<()> {
    let ops = kind.ops(&ctx.client().await?);
    let latest = ops.latest_version(&args.name);
    let version = version_or_label(args.version, args.label, latest).await?;
    ctx.print(ops.get(&args.name, &version).await?)
}

/// What `list` prints: one row per version of `name` (models only in `stage`, when given), or
/// without a name per asset, each made by `row` from the dict.
pub(super) struct ListQuery<'a> {
    pub name: Option<&'a str>,
    pub stage: Option<&'a str>,
    pub max_results: Option<usize>,
    pub include_archived: bool,
    pub archived_only: bool,
    pub row: fn(&Value) -> Value,
}

/// `list`.
pub(super) async fn list(ctx: &Ctx, kind: AssetKind, query: ListQuery<'_>) -> CliResult<()> {
    let view = ListViewType::from_flags(query.include_archived, query.archived_only)?;
    let ops = kind.ops(&ctx.client().await?);
    let dicts = ops
        .list(query.name, query.stage, view, query.max_results)
        .await?;
    ctx.print(Value::Array(dicts.iter().map(query.row).collect()))
}

/// `update`: `--set` on one version (az's generic update: GET, set, PUT).
pub(super) async fn update(ctx: &Ctx, kind: AssetKind, args: AssetUpdateArgs) -> CliResult<()> {
    if args.set.set.is_empty() {
        return Err(CliError::usage(
            "nothing to update: give --set, e.g. --set description=\"...\"",
        ));
    }
    let overrides = overrides(&args.set.set, &[])?;
    let ops = kind.ops(&ctx.client().await?);
    ctx.print(ops.update(&args.name, &args.version, &overrides).await?)
}

/// `archive` / `restore` of a version (`-v`, `-l latest`) or of the whole asset.
pub(super) async fn archive(
    ctx: &Ctx,
    kind: AssetKind,
    args: AssetRefArgs,
    archived: bool,
) -> CliResult<()> {
    let ops = kind.ops(&ctx.client().await?);
    let version = match (args.version, args.label) {
        (None, None) => None,
        (v, l) => Some(version_or_label(v, l, ops.latest_version(&args.name)).await?),
    };
    Ok(ops
        .set_archived(&args.name, version.as_deref(), archived)
        .await?)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command, EnvironmentCommand, ModelCommand};

    fn parse(args: &[&str]) -> Command {
        let mut line = vec!["azml"];
        line.extend_from_slice(args);
        Cli::try_parse_from(line).unwrap().command
    }

    /// The flags override the YAML fields they name, after `--set` and `--tags`, in the order
    /// of the flags' table az has.
    #[test]
    fn create_flags_override_in_az_order() {
        let Command::Model(ModelCommand::Create { fields: args, .. }) = parse(&[
            "model",
            "create",
            "--set",
            "a=1",
            "-n",
            "m",
            "-v",
            "2",
            "-p",
            "./m.pkl",
            "-t",
            "mlflow_model",
            "--description",
            "d",
            "--tags",
            "k=v",
            "bare",
            "-s",
            "Production",
        ]) else {
            panic!("model create")
        };
        let expected = Overrides::parse(["a=1", "tags.k=v", "tags.bare="])
            .unwrap()
            .set("name", "m")
            .set("version", "2")
            .set("path", "./m.pkl")
            .set("type", "mlflow_model")
            .set("description", "d")
            .set("stage", "Production");
        let got = create_overrides(&args.set.set, &args.tags, &args).unwrap();
        assert_eq!(got, expected);

        let Command::Environment(EnvironmentCommand::Create { fields: args, .. }) = parse(&[
            "environment",
            "create",
            "-n",
            "e",
            "-v",
            "3",
            "-i",
            "img",
            "-c",
            "conda.yml",
            "-b",
            "./ctx",
            "-d",
            "Dockerfile",
            "--os-type",
            "linux",
            "--description",
            "d",
        ]) else {
            panic!("environment create")
        };
        let expected = Overrides::new()
            .set("name", "e")
            .set("version", "3")
            .set("image", "img")
            .set("conda_file", "conda.yml")
            .set("build.path", "./ctx")
            .set("build.dockerfile_path", "Dockerfile")
            .set("os_type", "linux")
            .set("description", "d");
        let got = create_overrides(&args.set.set, &args.tags, &args).unwrap();
        assert_eq!(got, expected);

        // Flags not given override nothing; the file is no field.
        let Command::Model(ModelCommand::Create { fields: args, .. }) =
            parse(&["model", "create", "-f", "model.yml"])
        else {
            panic!("model create")
        };
        let got = create_overrides(&args.set.set, &args.tags, &args).unwrap();
        assert!(got.is_empty(), "{got:?}");
    }
}
