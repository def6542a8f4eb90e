//! ARM conventions shared by every resource handler: error bodies, JSON answers, `systemData`,
//! paging, ids and fresh secrets.

use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use url::Url;

use super::{CoreConfig, CoreRequest, CoreResponse};

pub(crate) fn default_arm_base() -> Url {
    // A literal that parses; `Url::parse` can't fail on it, and a failure would only change
    // the host the fake *prints* in operation URLs.
    Url::parse("https://management.azure.com/")
        .unwrap_or_else(|_| Url::parse("http://localhost/").expect("literal URL parses"))
}

/// The ARM error body with `code` and `message`.
pub(crate) fn arm_error(status: u16, code: &str, message: impl Into<String>) -> CoreResponse {
    CoreResponse::json(
        status,
        &json!({
            "error": {
                "code": code,
                "message": message.into(),
                "details": [],
                "additionalInfo": []
            }
        }),
    )
    .with_header("x-ms-request-id", uuid::Uuid::new_v4().to_string())
}

pub(crate) fn bad_request(message: impl Into<String>) -> CoreResponse {
    arm_error(400, "BadRequest", message)
}

pub(crate) fn not_found(message: impl Into<String>) -> CoreResponse {
    arm_error(404, "ResourceNotFound", message)
}

pub(crate) fn method_not_allowed(request: &CoreRequest) -> CoreResponse {
    arm_error(
        405,
        "MethodNotAllowed",
        format!(
            "The fake workspace does not support {} on {}",
            request.method,
            request.url.path()
        ),
    )
}

/// A JSON answer with ARM's usual headers.
pub(crate) fn ok_json(status: u16, value: &Value) -> CoreResponse {
    CoreResponse::json(status, value)
        .with_header("x-ms-request-id", uuid::Uuid::new_v4().to_string())
}

/// The request body as JSON; `{}` when empty; a 400 when it isn't JSON.
pub(crate) fn body_json(request: &CoreRequest) -> Result<Value, CoreResponse> {
    if request.body.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(&request.body).map_err(|e| {
        arm_error(
            400,
            "UnsupportedMediaType",
            format!("The request body is not valid JSON: {e}"),
        )
    })
}

/// The request body as a JSON object (400 otherwise).
pub(crate) fn body_object(request: &CoreRequest) -> Result<Value, CoreResponse> {
    let value = body_json(request)?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(bad_request("The request body must be a JSON object."))
    }
}

pub(crate) fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

pub(crate) fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

pub(crate) fn system_data(created_at: &str, modified_at: &str) -> Value {
    json!({
        "createdAt": created_at,
        "createdBy": "fake-user@example.com",
        "createdByType": "User",
        "lastModifiedAt": modified_at,
        "lastModifiedBy": "fake-user@example.com",
        "lastModifiedByType": "User"
    })
}

/// `systemData` for a resource replacing `previous` (keeps its creation stamp).
pub(crate) fn system_data_update(previous: Option<&Value>) -> Value {
    let now = now_rfc3339();
    let created = previous
        .and_then(|p| p.pointer("/systemData/createdAt"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| now.clone());
    system_data(&created, &now)
}

/// A random endpoint key (32 random bytes, base64).
pub(crate) fn new_key() -> String {
    random_base64(2)
}

/// A random storage account key (64 random bytes, base64, like Azure's).
pub(crate) fn new_storage_key() -> String {
    random_base64(4)
}

fn random_base64(uuids: usize) -> String {
    let mut bytes = Vec::with_capacity(uuids * 16);
    for _ in 0..uuids {
        bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    azure_core::base64::encode(bytes)
}

/// One page of `items` for a list request, honouring `$skip` and the configured page size;
/// adds an absolute `nextLink` when more remain.
pub(crate) fn page(config: &CoreConfig, request: &CoreRequest, items: Vec<Value>) -> CoreResponse {
    let skip = request
        .query("$skip")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(0);
    let size = config.page_size.max(1);
    let total = items.len();
    let value: Vec<Value> = items.into_iter().skip(skip).take(size).collect();
    let mut body = json!({ "value": value });
    if skip + size < total {
        let mut next = config.arm_base.clone();
        next.set_path(request.url.path());
        {
            let mut pairs = next.query_pairs_mut();
            for (k, v) in request.url.query_pairs() {
                if k != "$skip" {
                    pairs.append_pair(&k, &v);
                }
            }
            pairs.append_pair("$skip", &(skip + size).to_string());
        }
        body["nextLink"] = Value::String(next.to_string());
    }
    ok_json(200, &body)
}

/// An operation URL on the ARM host.
pub(crate) fn operation_url(
    config: &CoreConfig,
    kind: &str,
    id: &str,
    api_version: &str,
) -> String {
    let mut url = config.arm_base.clone();
    url.set_path(&format!(
        "/subscriptions/{}/providers/Microsoft.MachineLearningServices/locations/{}/{kind}/{id}",
        config.subscription_id, config.location
    ));
    url.query_pairs_mut()
        .append_pair("api-version", api_version);
    url.to_string()
}

/// Checks an ARM resource name: 3–32 characters, a letter first, then letters, digits and `-`
/// (the rule Azure ML applies to endpoint and deployment names).
pub(crate) fn check_online_name(what: &str, name: &str) -> Result<(), CoreResponse> {
    let ok_len = (3..=32).contains(&name.len());
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok_len && first_ok && rest_ok && !name.ends_with('-') {
        Ok(())
    } else {
        Err(bad_request(format!(
            "Invalid {what} name '{name}': it must be 3-32 characters, start with a letter, \
             contain only letters, digits and '-', and not end with '-'."
        )))
    }
}

/// The `tags` object of a body (`{}` when absent); 400 when it isn't a string map.
pub(crate) fn tags_of(value: Option<&Value>) -> Result<Value, CoreResponse> {
    match value {
        None | Some(Value::Null) => Ok(json!({})),
        Some(Value::Object(map)) if map.values().all(Value::is_string) => {
            Ok(Value::Object(map.clone()))
        }
        Some(_) => Err(bad_request("'tags' must be an object of string values.")),
    }
}
