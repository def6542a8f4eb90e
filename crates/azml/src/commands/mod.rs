//! The commands, one module per `az` group, sharing what every command needs: the printer,
//! warnings, the client, YAML loading with `--set`, waiting on long-running operations.

mod asset;
pub mod deployment;
pub mod endpoint;
pub mod environment;
pub mod model;
pub mod monitor;

use std::io::IsTerminal;
use std::path::Path;

use azure_ai_ml::yaml::{Overrides, YamlEntity};
use azure_ai_ml::{LroPoller, MLClient};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::cli::Global;
use crate::error::{CliError, CliResult};
use crate::output::Printer;

/// What every command gets.
pub struct Ctx {
    /// Global options.
    pub global: Global,
    /// The output printer (query compiled).
    pub printer: Printer,
}

impl Ctx {
    /// `WARNING: …` on stderr, unless `--only-show-errors`.
    pub fn warn(&self, message: impl AsRef<str>) {
        if !self.global.only_show_errors {
            eprintln!("WARNING: {}", message.as_ref());
        }
    }

    /// The client, without upload progress.
    pub async fn client(&self) -> CliResult<MLClient> {
        crate::context::client(&self.global, None).await
    }

    /// The client, with an upload bar; the bar is cleared when dropped.
    pub async fn client_with_progress(&self) -> CliResult<(MLClient, indicatif::ProgressBar)> {
        let (bar, progress) = crate::progress::upload_bar();
        let client = crate::context::client(&self.global, Some(progress)).await?;
        Ok((client, bar))
    }

    /// Prints a result.
    pub fn print(&self, value: Value) -> CliResult<()> {
        self.printer.print(Some(value))
    }
}

/// `--set` values and flags as overrides, in the order az applies them (flags after `--set`).
pub fn overrides(set: &[String], flags: &[(&str, Option<&str>)]) -> CliResult<Overrides> {
    let mut o = Overrides::parse(set).map_err(CliError::from)?;
    for (key, value) in flags {
        if let Some(v) = value {
            o = o.set(*key, *v);
        }
    }
    Ok(o)
}

/// Loads an entity from a YAML file (or from the flags alone) with overrides. Nothing is sent.
pub fn load<T: YamlEntity>(file: Option<&Path>, overrides: &Overrides) -> CliResult<T> {
    Ok(azure_ai_ml::yaml::load(file, overrides)?)
}

/// Waits for an operation's result with a spinner.
pub async fn wait_model<T: DeserializeOwned + Send + 'static>(
    message: String,
    poller: LroPoller<T>,
) -> CliResult<T> {
    let response = crate::progress::spin(message, poller)
        .await
        .map_err(azure_ai_ml::Error::from)?;
    Ok(response.into_model().map_err(azure_ai_ml::Error::from)?)
}

/// Waits for an operation that returns nothing (deletes, actions) with a spinner.
pub async fn wait_done(message: String, poller: LroPoller<()>) -> CliResult<()> {
    crate::progress::spin(message, poller)
        .await
        .map_err(azure_ai_ml::Error::from)?;
    Ok(())
}

/// az's confirmation prompt for deletes: `--yes`, else ask on a terminal, else refuse.
pub fn confirm(yes: bool) -> CliResult<()> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::usage(
            "Unable to prompt for confirmation as no tty available. Use --yes.",
        ));
    }
    eprint!("Are you sure you want to perform this operation? (y/n): ");
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| CliError::usage(format!("cannot read the answer: {e}")))?;
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(CliError::usage("Operation cancelled."))
    }
}

/// `"k1=v1 k2=v2"` as az's `convert_str_to_dict`.
pub fn key_values(text: &str, flag: &str) -> CliResult<Vec<(String, String)>> {
    text.split_whitespace()
        .map(|pair| {
            pair.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| CliError::usage(format!("{flag}: `{pair}` is not KEY=VALUE")))
        })
        .collect()
}

/// `--tags a=b c=d` as `tags.a=b` overrides (az's `tags_type` takes `a=b` and bare `a`).
pub fn tag_overrides(tags: &[String]) -> Vec<String> {
    tags.iter()
        .map(|t| match t.split_once('=') {
            Some((k, v)) => format!("tags.{k}={v}"),
            None => format!("tags.{t}="),
        })
        .collect()
}

/// Collects every item of a pager, at most `limit`.
pub async fn collect<T>(pager: azure_ai_ml::ArmPager<T>, limit: Option<usize>) -> CliResult<Vec<T>>
where
    T: DeserializeOwned + Send + 'static,
{
    use futures::TryStreamExt;
    let limit = limit.unwrap_or(usize::MAX);
    let mut items = Vec::new();
    let mut stream = std::pin::pin!(pager);
    while items.len() < limit {
        match stream.try_next().await.map_err(azure_ai_ml::Error::from)? {
            Some(item) => items.push(item),
            None => break,
        }
    }
    Ok(items)
}
