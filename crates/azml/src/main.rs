//! `azml`: the `az ml` online-endpoint workflow (endpoints, deployments, models, environments,
//! autoscale, metrics) from the same CLI v2 YAML files, as one binary over the `azure_ai_ml`
//! SDK; `--local` runs every command against the offline workspace.
//!
//! ```text
//! azml online-endpoint create -f endpoint.yml
//! azml online-deployment create -f blue.yml --all-traffic
//! azml online-endpoint show -n churn-prediction-v1 --query scoring_uri -o tsv
//! ```
//!
//! Exit codes as `az`: 0 ok, 1 the service or the operation failed, 2 usage or validation
//! (nothing was sent), 3 the resource does not exist.

mod cli;
mod commands;
mod context;
mod error;
#[cfg(feature = "local")]
mod local;
mod output;
mod progress;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::cli::{Cli, Command, LocalCommand};
use crate::commands::Ctx;
#[cfg(not(feature = "local"))]
use crate::error::CliError;
use crate::error::CliResult;
use crate::output::Printer;

/// `--debug`: every event of the SDK and of azure_core's pipeline (its logging policy redacts
/// headers and query parameters it does not know to be safe); `--verbose`: info and above.
fn init_tracing(global: &cli::Global) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    let level = if global.debug {
        LevelFilter::DEBUG
    } else if global.verbose {
        LevelFilter::INFO
    } else if global.only_show_errors {
        LevelFilter::ERROR
    } else {
        LevelFilter::WARN
    };
    let targets = Targets::new()
        .with_target("azure_ai_ml", level)
        .with_target("azure_core", level)
        .with_target("typespec_client_core", level)
        .with_target("azure_identity", level)
        .with_target("azml", level);
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
                .with_target(true),
        )
        .with(targets)
        .try_init();
}

#[cfg(feature = "local")]
async fn local(ctx: &Ctx, command: LocalCommand) -> CliResult<()> {
    match command {
        LocalCommand::Start { detach: true, port } => {
            local::start_detached(port, ctx.global.verbose).await
        }
        LocalCommand::Start {
            detach: false,
            port,
        } => local::start_foreground(port, ctx.global.verbose).await,
        LocalCommand::Stop {} => local::stop().await,
        LocalCommand::Status {} => ctx.print(local::status()?),
    }
}

#[cfg(not(feature = "local"))]
async fn local(_ctx: &Ctx, _command: LocalCommand) -> CliResult<()> {
    Err(CliError::usage(
        "this azml was built without the `local` feature (the offline workspace)",
    ))
}

async fn run(cli: Cli) -> CliResult<()> {
    #[cfg(not(feature = "local"))]
    if cli.global.local {
        return Err(CliError::usage(
            "--local: this azml was built without the `local` feature",
        ));
    }
    let printer = Printer::new(cli.global.output, cli.global.query.clone())?;
    let ctx = Ctx {
        global: cli.global,
        printer,
    };
    match cli.command {
        Command::OnlineEndpoint(c) => commands::endpoint::run(&ctx, c).await,
        Command::OnlineDeployment(c) => commands::deployment::run(&ctx, c).await,
        Command::Model(c) => commands::model::run(&ctx, c).await,
        Command::Environment(c) => commands::environment::run(&ctx, c).await,
        Command::Monitor(c) => commands::monitor::run(&ctx, c).await,
        Command::Local(c) => local(&ctx, c).await,
        Command::Completion { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "azml", &mut std::io::stdout());
            Ok(())
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(&cli.global);
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ERROR: {e}");
            ExitCode::from(e.code as u8)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_the_seed_commands() {
        let cli = Cli::try_parse_from([
            "azml",
            "online-endpoint",
            "get-credentials",
            "--name",
            "churn-prediction-v1",
            "--query",
            "primaryKey",
            "-o",
            "tsv",
            "-g",
            "rg",
            "-w",
            "ws",
        ])
        .unwrap();
        assert_eq!(cli.global.query.as_deref(), Some("primaryKey"));
        assert_eq!(cli.global.output, cli::OutputFormat::Tsv);
        let cli = Cli::try_parse_from([
            "azml",
            "monitor",
            "autoscale",
            "rule",
            "create",
            "--resource-group",
            "ml-project-rg",
            "--autoscale-name",
            "churn-autoscale",
            "--condition",
            "CpuUtilizationPercentage > 70 avg 5m",
            "--scale",
            "out",
            "1",
        ])
        .unwrap();
        assert!(matches!(cli.command, Command::Monitor(_)));
        let cli = Cli::try_parse_from([
            "azml", "model", "create", "-f", "m.yml", "--set", "a=b", "c=d", "--set", "e=f",
        ])
        .unwrap();
        let Command::Model(cli::ModelCommand::Create { fields, .. }) = cli.command else {
            panic!("model create")
        };
        assert_eq!(fields.set.set, ["a=b", "c=d", "e=f"]);
    }
}
