//! `azml`: the seed tutorial's command-line steps (`az ml …`) on top of the crate.
//!
//! ```text
//! azml online-endpoint show --name churn-prediction-v1 --query scoring_uri
//! azml online-endpoint get-credentials --name churn-prediction-v1 --query primaryKey
//! azml online-endpoint invoke --name churn-prediction-v1 --request-file sample.json [--deployment-name blue]
//! azml online-deployment get-logs --name blue --endpoint-name churn-prediction-v1 --lines 50
//! azml model create --name customer-churn-model --path ./model/model.pkl
//! ```
//!
//! The workspace comes from `--subscription/--resource-group/--workspace-name` or
//! `AZURE_SUBSCRIPTION_ID`/`AZURE_RESOURCE_GROUP`/`AZUREML_WORKSPACE_NAME`; credentials from the
//! default chain (environment, workload identity, managed identity, Azure CLI).

use std::path::PathBuf;
use std::process::ExitCode;

use azure_ai_ml::{
    default_credential, EndpointCredentials, InvokeRequest, MLClient, MLClientOptions, Model,
    OnlineEndpoint,
};
use azure_ai_ml::{ProgressCallback, UploadProgress};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Parser)]
#[command(
    name = "azml",
    version,
    about = "Azure ML online endpoints from the command line"
)]
struct Cli {
    #[command(flatten)]
    workspace: WorkspaceArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct WorkspaceArgs {
    /// Subscription id.
    #[arg(long, short = 's', env = "AZURE_SUBSCRIPTION_ID", global = true)]
    subscription: Option<String>,
    /// Resource group.
    #[arg(long, short = 'g', env = "AZURE_RESOURCE_GROUP", global = true)]
    resource_group: Option<String>,
    /// Workspace name.
    #[arg(long, short = 'w', env = "AZUREML_WORKSPACE_NAME", global = true)]
    workspace_name: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Online endpoints.
    #[command(subcommand, name = "online-endpoint")]
    OnlineEndpoint(EndpointCommand),
    /// Online deployments.
    #[command(subcommand, name = "online-deployment")]
    OnlineDeployment(DeploymentCommand),
    /// Models.
    #[command(subcommand)]
    Model(ModelCommand),
}

#[derive(Subcommand)]
enum EndpointCommand {
    /// Shows an endpoint (JSON), or one field of it with `--query`.
    Show {
        #[arg(long, short = 'n')]
        name: String,
        /// `scoring_uri`, `swagger_uri`, `provisioning_state`, `auth_mode`, `traffic`.
        #[arg(long)]
        query: Option<String>,
    },
    /// Prints the endpoint's keys or token (JSON), or one of them with `--query`.
    GetCredentials {
        #[arg(long, short = 'n')]
        name: String,
        /// `primaryKey`, `secondaryKey` or `accessToken`.
        #[arg(long)]
        query: Option<String>,
    },
    /// Sends a request file to the endpoint and prints the answer.
    Invoke {
        #[arg(long, short = 'n')]
        name: String,
        #[arg(long, short = 'r')]
        request_file: PathBuf,
        #[arg(long, short = 'd')]
        deployment_name: Option<String>,
    },
}

#[derive(Subcommand)]
enum DeploymentCommand {
    /// Prints the last lines of a deployment's log.
    GetLogs {
        #[arg(long, short = 'n')]
        name: String,
        #[arg(long, short = 'e')]
        endpoint_name: String,
        #[arg(long, short = 'l', default_value_t = 50)]
        lines: u32,
    },
}

#[derive(Subcommand)]
enum ModelCommand {
    /// Registers a model from a local path (with an upload progress bar).
    Create {
        #[arg(long, short = 'n')]
        name: String,
        #[arg(long, short = 'p')]
        path: String,
        #[arg(long, short = 'v')]
        version: Option<String>,
    },
}

fn client(args: &WorkspaceArgs, options: MLClientOptions) -> azure_ai_ml::Result<MLClient> {
    let missing = |what: &str, env: &str| {
        azure_ai_ml::Error::validation(what, format!("is required (--{what} or {env})"))
    };
    let subscription = args
        .subscription
        .clone()
        .ok_or_else(|| missing("subscription", "AZURE_SUBSCRIPTION_ID"))?;
    let group = args
        .resource_group
        .clone()
        .ok_or_else(|| missing("resource-group", "AZURE_RESOURCE_GROUP"))?;
    let workspace = args
        .workspace_name
        .clone()
        .ok_or_else(|| missing("workspace-name", "AZUREML_WORKSPACE_NAME"))?;
    MLClient::new(
        default_credential()?,
        subscription,
        group,
        workspace,
        Some(options),
    )
}

fn endpoint_field(endpoint: &OnlineEndpoint, query: &str) -> Option<String> {
    match query {
        "scoring_uri" | "scoringUri" => endpoint.scoring_uri().map(str::to_owned),
        "swagger_uri" | "swaggerUri" => endpoint.swagger_uri().map(str::to_owned),
        "provisioning_state" | "provisioningState" => {
            endpoint.provisioning_state().map(|s| s.as_str().to_owned())
        }
        "auth_mode" | "authMode" => Some(endpoint.auth_mode().as_str().to_owned()),
        "traffic" => serde_json::to_string(endpoint.traffic()).ok(),
        "name" => Some(endpoint.name().to_owned()),
        _ => None,
    }
}

fn upload_bar() -> (ProgressBar, ProgressCallback) {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let handle = bar.clone();
    let callback = ProgressCallback::new(move |p: &UploadProgress| {
        handle.set_length(p.total_bytes);
        handle.set_position(p.bytes_sent);
        handle.set_message(p.path.clone());
    });
    (bar, callback)
}

async fn run(cli: Cli) -> azure_ai_ml::Result<()> {
    match cli.command {
        Command::OnlineEndpoint(EndpointCommand::Show { name, query }) => {
            let endpoint = client(&cli.workspace, MLClientOptions::default())?
                .online_endpoints()
                .get(&name, None)
                .await?;
            match query {
                Some(q) => match endpoint_field(&endpoint, &q) {
                    Some(v) => println!("{v}"),
                    None => {
                        return Err(azure_ai_ml::Error::validation(
                            "query",
                            format!("unknown or empty field `{q}`"),
                        ))
                    }
                },
                None => {
                    let summary = serde_json::json!({
                        "name": endpoint.name(),
                        "auth_mode": endpoint.auth_mode().as_str(),
                        "scoring_uri": endpoint.scoring_uri(),
                        "swagger_uri": endpoint.swagger_uri(),
                        "provisioning_state": endpoint.provisioning_state().map(|s| s.as_str().to_owned()),
                        "traffic": endpoint.traffic(),
                    });
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&summary).unwrap_or_default()
                    );
                }
            }
        }
        Command::OnlineEndpoint(EndpointCommand::GetCredentials { name, query }) => {
            let credentials = client(&cli.workspace, MLClientOptions::default())?
                .online_endpoints()
                .get_keys(&name, None)
                .await?;
            // Printing the secret is this command's purpose (like `az ml … get-credentials`).
            let fields: Vec<(&str, Option<String>)> = match &credentials {
                EndpointCredentials::Keys(keys) => vec![
                    (
                        "primaryKey",
                        keys.primary_key.as_ref().map(|s| s.secret().to_owned()),
                    ),
                    (
                        "secondaryKey",
                        keys.secondary_key.as_ref().map(|s| s.secret().to_owned()),
                    ),
                ],
                EndpointCredentials::AmlToken(token) => {
                    vec![("accessToken", Some(token.access_token.secret().to_owned()))]
                }
                EndpointCredentials::AadToken(token) => {
                    vec![("accessToken", Some(token.token.secret().to_owned()))]
                }
                _ => Vec::new(),
            };
            match query {
                Some(q) => match fields.iter().find(|(k, _)| k.eq_ignore_ascii_case(&q)) {
                    Some((_, Some(v))) => println!("{v}"),
                    _ => {
                        return Err(azure_ai_ml::Error::validation(
                            "query",
                            format!("no credential named `{q}`"),
                        ))
                    }
                },
                None => {
                    let map: serde_json::Map<String, serde_json::Value> = fields
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v.into()))
                        .collect();
                    println!("{}", serde_json::to_string_pretty(&map).unwrap_or_default());
                }
            }
        }
        Command::OnlineEndpoint(EndpointCommand::Invoke {
            name,
            request_file,
            deployment_name,
        }) => {
            let mut request = InvokeRequest::file(request_file);
            if let Some(d) = deployment_name {
                request = request.deployment(d);
            }
            let out = client(&cli.workspace, MLClientOptions::default())?
                .online_endpoints()
                .invoke(&name, request, None)
                .await?;
            println!("{}", out.text()?);
        }
        Command::OnlineDeployment(DeploymentCommand::GetLogs {
            name,
            endpoint_name,
            lines,
        }) => {
            let logs = client(&cli.workspace, MLClientOptions::default())?
                .online_deployments()
                .get_logs(&name, &endpoint_name, lines, None)
                .await?;
            print!("{logs}");
        }
        Command::Model(ModelCommand::Create {
            name,
            path,
            version,
        }) => {
            let (bar, progress) = upload_bar();
            let ml_client = client(
                &cli.workspace,
                MLClientOptions::default().with_upload_progress(progress),
            )?;
            let mut model = Model::new(name).path(path);
            model.version = version;
            let registered = ml_client.models().create_or_update(&model, None).await?;
            bar.finish_and_clear();
            println!("{}", registered.id().unwrap_or_default());
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("azml: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_the_tutorial_commands() {
        let cli = Cli::try_parse_from([
            "azml",
            "online-endpoint",
            "get-credentials",
            "--name",
            "churn-prediction-v1",
            "--query",
            "primaryKey",
            "-s",
            "sub",
            "-g",
            "rg",
            "-w",
            "ws",
        ])
        .unwrap();
        assert!(
            matches!(cli.command, Command::OnlineEndpoint(EndpointCommand::GetCredentials { ref query, .. }) if query.as_deref() == Some("primaryKey"))
        );
        assert_eq!(cli.workspace.workspace_name.as_deref(), Some("ws"));
    }
}
