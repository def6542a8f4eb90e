//! `azml online-deployment …` (az ml online-deployment).

use azure_ai_ml::yaml::{with_overrides, ToDict};
use azure_ai_ml::{ContainerType, OnlineDeployment, OnlineDeploymentsGetLogsOptions};
use serde_json::{json, Value};

use super::{confirm, load, overrides, wait_done, wait_model, Ctx};
use crate::cli::{DeleteArgs, DeploymentArgs, DeploymentCommand, DeploymentWriteArgs, WriteArgs};
use crate::error::{CliError, CliResult};

/// `transform_deployment_list`: what `az ml online-deployment list` prints per deployment.
fn list_row(d: &OnlineDeployment) -> Value {
    let dict = d.to_dict();
    let get = |k: &str| dict.get(k).cloned().unwrap_or(Value::Null);
    json!({
        "name": get("name"),
        "endpoint_name": get("endpoint_name"),
        "provisioning_state": get("provisioning_state"),
        "instance_type": get("instance_type"),
        "model": get("model"),
        "type": get("type"),
    })
}

fn endpoint_of(d: &OnlineDeployment) -> CliResult<String> {
    d.endpoint_name().map(str::to_owned).ok_or_else(|| {
        CliError::usage(
            "the deployment names no endpoint: add endpoint_name to the file or --endpoint-name/-e",
        )
    })
}

/// Runs one `online-deployment` command.
pub async fn run(ctx: &Ctx, command: DeploymentCommand) -> CliResult<()> {
    match command {
        DeploymentCommand::Create {
            file,
            name,
            endpoint_name,
            all_traffic,
            write:
                DeploymentWriteArgs {
                    write: WriteArgs { set, no_wait },
                    skip_script_validation,
                },
        } => {
            let o = overrides(
                &set.set,
                &[
                    ("name", name.as_deref()),
                    ("endpoint_name", endpoint_name.as_deref()),
                ],
            )?;
            let mut deployment: OnlineDeployment = load(Some(&file), &o)?;
            deployment.set_skip_script_validation(skip_script_validation);
            let endpoint = endpoint_of(&deployment)?;
            deployment.validate()?;
            let (client, bar) = ctx.client_with_progress().await?;
            let ops = client.online_deployments();
            match ops.get(deployment.name(), &endpoint, None).await {
                Ok(_) => {
                    return Err(CliError::failure(
                        "(UserError) A deployment with this name already exists. If you are trying to create a new deployment, use a different name. If you are trying to update an existing deployment, use `azml online-deployment update` instead.",
                    ))
                }
                Err(azure_ai_ml::Error::Service { status: 404, .. }) => {}
                Err(e) => return Err(e.into()),
            }
            if all_traffic {
                if no_wait.no_wait {
                    ctx.warn(format!("All traffic won't be set to deployment {} since no_wait option was provided. You can try to set all the traffic to this deployment once its has completed.", deployment.name()));
                } else {
                    ctx.warn(format!(
                        "All traffic will be set to deployment {} once it has been provisioned.",
                        deployment.name()
                    ));
                }
            }
            let poller = ops.begin_create_or_update(&deployment, None).await?;
            bar.finish_and_clear();
            if no_wait.no_wait {
                return Ok(());
            }
            let created = wait_model(
                format!("Creating deployment {endpoint}/{}", deployment.name()),
                poller,
            )
            .await?;
            if all_traffic {
                let mut e = client.online_endpoints().get(&endpoint, None).await?;
                *e.traffic_mut() = [(deployment.name().to_owned(), 100)].into();
                let poller = client
                    .online_endpoints()
                    .begin_create_or_update(&e, None)
                    .await?;
                wait_model(
                    format!("Sending all traffic of {endpoint} to {}", deployment.name()),
                    poller,
                )
                .await?;
            }
            ctx.print(created.to_dict())
        }
        DeploymentCommand::Update {
            file,
            name,
            endpoint_name,
            write:
                DeploymentWriteArgs {
                    write: WriteArgs { set, no_wait },
                    skip_script_validation,
                },
        } => {
            let (client, bar);
            let mut deployment: OnlineDeployment = match &file {
                Some(path) => {
                    let o = overrides(
                        &set.set,
                        &[
                            ("name", name.as_deref()),
                            ("endpoint_name", endpoint_name.as_deref()),
                        ],
                    )?;
                    let d: OnlineDeployment = load(Some(path), &o)?;
                    let endpoint = endpoint_of(&d)?;
                    d.validate()?;
                    (client, bar) = ctx.client_with_progress().await?;
                    client
                        .online_deployments()
                        .get(d.name(), &endpoint, None)
                        .await?;
                    d
                }
                None => {
                    let (Some(name), Some(endpoint)) = (name, endpoint_name) else {
                        return Err(CliError::usage(
                            "the following arguments are required: --name/-n and --endpoint-name/-e (or --file/-f)",
                        ));
                    };
                    let o = overrides(&set.set, &[])?;
                    (client, bar) = ctx.client_with_progress().await?;
                    let current = client
                        .online_deployments()
                        .get(&name, &endpoint, None)
                        .await?;
                    with_overrides(&current, &o)?
                }
            };
            deployment.set_skip_script_validation(skip_script_validation);
            let endpoint = endpoint_of(&deployment)?;
            let poller = client
                .online_deployments()
                .begin_create_or_update(&deployment, None)
                .await?;
            bar.finish_and_clear();
            if no_wait.no_wait {
                return Ok(());
            }
            let updated = wait_model(
                format!("Updating deployment {endpoint}/{}", deployment.name()),
                poller,
            )
            .await?;
            ctx.print(updated.to_dict())
        }
        DeploymentCommand::Show(DeploymentArgs {
            name,
            endpoint_name,
        }) => {
            let d = ctx
                .client()
                .await?
                .online_deployments()
                .get(&name, &endpoint_name, None)
                .await?;
            ctx.print(d.to_dict())
        }
        DeploymentCommand::List { endpoint_name } => {
            let client = ctx.client().await?;
            let items = super::collect(
                client.online_deployments().list(&endpoint_name, None)?,
                None,
            )
            .await?;
            ctx.print(Value::Array(items.iter().map(list_row).collect()))
        }
        DeploymentCommand::Delete {
            deployment:
                DeploymentArgs {
                    name,
                    endpoint_name,
                },
            delete: DeleteArgs { yes, no_wait },
        } => {
            confirm(yes)?;
            let poller = ctx
                .client()
                .await?
                .online_deployments()
                .begin_delete(&name, &endpoint_name, None)
                .await?;
            if no_wait.no_wait {
                return Ok(());
            }
            wait_done(
                format!("Deleting deployment {endpoint_name}/{name}"),
                poller,
            )
            .await
        }
        DeploymentCommand::GetLogs {
            deployment:
                DeploymentArgs {
                    name,
                    endpoint_name,
                },
            lines,
            container,
        } => {
            let options = OnlineDeploymentsGetLogsOptions {
                container_type: container.map(|c| c.parse::<ContainerType>()).transpose()?,
                ..Default::default()
            };
            let logs = ctx
                .client()
                .await?
                .online_deployments()
                .get_logs(&name, &endpoint_name, lines, Some(options))
                .await?;
            // az prints the log text itself, not JSON.
            let mut text = logs.replace("\\n", "\n");
            text.push('\n');
            crate::output::write_stdout(&text)
        }
    }
}
