//! `azml online-endpoint …` (az ml online-endpoint).

use azure_ai_ml::yaml::{with_overrides, ToDict};
use azure_ai_ml::{EndpointCredentials, InvokeRequest, KeyType, OnlineEndpoint};
use serde_json::{json, Value};

use super::{confirm, key_values, load, overrides, wait_done, wait_model, Ctx};
use crate::cli::{DeleteArgs, EndpointArg, EndpointCommand, WriteArgs};
use crate::error::{CliError, CliResult};

/// `transform_endpoint_list`: what `az ml online-endpoint list` prints per endpoint.
fn list_row(e: &OnlineEndpoint) -> Value {
    let d = e.to_dict();
    json!({
        "name": d["name"],
        "location": d.get("location").cloned().unwrap_or(Value::Null),
        "traffic": d["traffic"],
        "mirror_traffic": d["mirror_traffic"],
        "provisioning_state": d.get("provisioning_state").cloned().unwrap_or(Value::Null),
        "kind": d.get("kind").cloned().unwrap_or(Value::Null),
        "tags": d["tags"],
    })
}

/// `--traffic "blue=90 green=10"`: numbers only (az: "Do not add a delimiter between traffic
/// variables").
fn traffic(text: &str, flag: &str) -> CliResult<Vec<(String, u32)>> {
    key_values(text, flag)?
        .into_iter()
        .map(|(k, v)| {
            v.parse::<u32>().map(|n| (k.clone(), n)).map_err(|_| {
                CliError::usage(format!(
                    "{flag}: `{k}={v}` is not deployment=percent (do not add a delimiter between traffic variables)"
                ))
            })
        })
        .collect()
}

/// Runs one `online-endpoint` command.
pub async fn run(ctx: &Ctx, command: EndpointCommand) -> CliResult<()> {
    match command {
        EndpointCommand::Create {
            file,
            name,
            auth_mode,
            write: WriteArgs { set, no_wait },
        } => {
            // The service is case-insensitive about names; az lower-cases them.
            let name = name.map(|n| n.to_lowercase());
            let auth_mode = auth_mode.map(|a| a.to_lowercase());
            let o = overrides(
                &set.set,
                &[
                    ("name", name.as_deref()),
                    ("auth_mode", auth_mode.as_deref()),
                ],
            )?;
            let endpoint: OnlineEndpoint = load(file.as_deref(), &o)?;
            // Every rule the client checks, before the existence check sends anything.
            endpoint.validate()?;
            let client = ctx.client().await?;
            let ops = client.online_endpoints();
            match ops.get(endpoint.name(), None).await {
                Ok(_) => {
                    return Err(CliError::failure(
                        "(UserError) An endpoint with this name already exists. If you are trying to create a new endpoint, use a different name. If you are trying to update an existing endpoint, use `azml online-endpoint update` instead.",
                    ))
                }
                Err(azure_ai_ml::Error::Service { status: 404, .. }) => {}
                Err(e) => return Err(e.into()),
            }
            let poller = ops.begin_create_or_update(&endpoint, None).await?;
            if no_wait.no_wait {
                ctx.warn(format!(
                    "Endpoint create request initiated. Status can be checked using `azml online-endpoint show -n {}`",
                    endpoint.name()
                ));
                return Ok(());
            }
            let created =
                wait_model(format!("Creating endpoint {}", endpoint.name()), poller).await?;
            ctx.print(created.to_dict())
        }
        EndpointCommand::Update {
            name,
            file,
            traffic: split,
            mirror_traffic,
            write: WriteArgs { set, no_wait },
        } => {
            let split = split.map(|t| traffic(&t, "--traffic")).transpose()?;
            let mirror = mirror_traffic
                .map(|t| traffic(&t, "--mirror-traffic"))
                .transpose()?;
            let client;
            let mut endpoint: OnlineEndpoint = match &file {
                Some(path) => {
                    let o = overrides(&set.set, &[("name", name.as_deref())])?;
                    let endpoint: OnlineEndpoint = load(Some(path), &o)?;
                    endpoint.validate()?;
                    client = ctx.client().await?;
                    client.online_endpoints().get(endpoint.name(), None).await?;
                    endpoint
                }
                None => {
                    let name = name.ok_or_else(|| {
                        CliError::usage(
                            "the following arguments are required: --name/-n (or --file/-f)",
                        )
                    })?;
                    let o = overrides(&set.set, &[])?;
                    client = ctx.client().await?;
                    let current = client.online_endpoints().get(&name, None).await?;
                    with_overrides(&current, &o)?
                }
            };
            if let Some(split) = split {
                *endpoint.traffic_mut() = split.into_iter().collect();
            }
            if let Some(mirror) = mirror {
                *endpoint.mirror_traffic_mut() = mirror.into_iter().collect();
            }
            let poller = client
                .online_endpoints()
                .begin_create_or_update(&endpoint, None)
                .await?;
            if no_wait.no_wait {
                ctx.warn(format!(
                    "Endpoint update request initiated. Status can be checked using `azml online-endpoint show -n {}`",
                    endpoint.name()
                ));
                return Ok(());
            }
            let updated =
                wait_model(format!("Updating endpoint {}", endpoint.name()), poller).await?;
            ctx.print(updated.to_dict())
        }
        EndpointCommand::Show(EndpointArg { name }) => {
            let endpoint = ctx
                .client()
                .await?
                .online_endpoints()
                .get(&name, None)
                .await?;
            ctx.print(endpoint.to_dict())
        }
        EndpointCommand::List {} => {
            let client = ctx.client().await?;
            let endpoints = super::collect(client.online_endpoints().list(None)?, None).await?;
            ctx.print(Value::Array(endpoints.iter().map(list_row).collect()))
        }
        EndpointCommand::Delete {
            endpoint: EndpointArg { name },
            delete: DeleteArgs { yes, no_wait },
        } => {
            confirm(yes)?;
            let client = ctx.client().await?;
            let ops = client.online_endpoints();
            if let Err(e) = ops.get(&name, None).await {
                return Err(match e {
                    azure_ai_ml::Error::Service { status: 404, .. } => {
                        CliError::not_found(format!("Online endpoint {name} does not exist."))
                    }
                    other => other.into(),
                });
            }
            let poller = ops.begin_delete(&name, None).await?;
            if no_wait.no_wait {
                return Ok(());
            }
            ctx.warn(format!(
                "Delete request initiated. If you interrupt this command or it times out while waiting for deletion to complete, status can be checked using `azml online-endpoint show -n {name}`"
            ));
            wait_done(format!("Deleting endpoint {name}"), poller).await
        }
        EndpointCommand::GetCredentials(EndpointArg { name }) => {
            let credentials = ctx
                .client()
                .await?
                .online_endpoints()
                .get_keys(&name, None)
                .await?;
            // Printing the secret is this command's purpose, as `az ml … get-credentials`.
            let value = match credentials {
                EndpointCredentials::Keys(keys) => json!({
                    "primaryKey": keys.primary_key.as_ref().map(|s| s.secret().to_owned()),
                    "secondaryKey": keys.secondary_key.as_ref().map(|s| s.secret().to_owned()),
                }),
                EndpointCredentials::AmlToken(token) => json!({
                    "accessToken": token.access_token.secret(),
                    "expiryTimeUtc": token.expiry_time_utc,
                    "refreshAfterTimeUtc": token.refresh_after_time_utc,
                    "tokenType": token.token_type,
                }),
                EndpointCredentials::AadToken(token) => json!({
                    "accessToken": token.token.secret(),
                    "expiryTimeUtc": token.expires_on.unix_timestamp(),
                    "tokenType": "Bearer",
                }),
                _ => json!({}),
            };
            ctx.print(value)
        }
        EndpointCommand::RegenerateKeys {
            endpoint: EndpointArg { name },
            key_type,
            no_wait,
        } => {
            let key_type: KeyType = key_type.parse()?;
            let poller = ctx
                .client()
                .await?
                .online_endpoints()
                .begin_regenerate_keys(&name, key_type, None)
                .await?;
            if no_wait.no_wait {
                return Ok(());
            }
            wait_done(format!("Regenerating the {key_type} key of {name}"), poller).await
        }
        EndpointCommand::Invoke {
            endpoint: EndpointArg { name },
            request_file,
            deployment_name,
        } => {
            if !request_file.is_file() {
                return Err(CliError::usage(format!(
                    "--request-file: cannot read `{}`",
                    request_file.display()
                )));
            }
            let mut request = InvokeRequest::file(request_file);
            if let Some(d) = deployment_name {
                request = request.deployment(d);
            }
            let out = ctx
                .client()
                .await?
                .online_endpoints()
                .invoke(&name, request, None)
                .await?;
            // az prints the answer as a JSON string.
            ctx.print(Value::String(out.text()?.to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traffic_takes_space_separated_numbers() {
        assert_eq!(
            traffic("blue=90 green=10", "--traffic").unwrap(),
            [("blue".to_owned(), 90), ("green".to_owned(), 10)]
        );
        assert!(traffic("blue=90,green=10", "--traffic").is_err());
        assert!(traffic("blue", "--traffic").is_err());
    }
}
