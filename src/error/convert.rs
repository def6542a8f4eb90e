//! How azure_core's errors (and the transport errors inside them) become ours.

use std::error::Error as StdError;

use super::{bounded, Error, Quote, MAX_QUOTED};

/// Errors wrap errors; none we meet is this deep, and the walk must end whatever we are given.
const MAX_CHAIN: usize = 32;

/// What azure_core says around the real cause, which names nothing a reader can act on.
const WRAPPERS: [&str; 5] = [
    "failed to execute `reqwest` request",
    "non-transport error occurred which will not be retried",
    "retry policy expired and the request will no longer be retried",
    "error converting `reqwest` request into a byte stream",
    "io error",
];

/// The causes of a transport failure, outermost first, without azure_core's wrapper phrases or
/// repeats: "error sending request for url (…): client error (SendRequest): connection closed
/// before message completed".
pub(crate) fn transport_message(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(err);
    for _ in 0..MAX_CHAIN {
        let Some(e) = current else { break };
        let text = e.to_string();
        let wrapper = WRAPPERS.iter().any(|w| text.eq_ignore_ascii_case(w));
        let repeated = parts.last().is_some_and(|last| last.contains(&text));
        if !wrapper && !repeated && !text.trim().is_empty() {
            parts.push(text);
        }
        current = e.source();
    }
    if parts.is_empty() {
        return "the connection failed before an answer arrived".to_owned();
    }
    bounded(&parts.join(": "), MAX_QUOTED)
}

fn contains_ours(err: &azure_core::Error) -> bool {
    let mut current: Option<&(dyn StdError + 'static)> = Some(err);
    for _ in 0..MAX_CHAIN {
        let Some(e) = current else { return false };
        if e.downcast_ref::<Error>().is_some() {
            return true;
        }
        current = e.source();
    }
    false
}

/// Takes our error out of the azure_core errors wrapped around it (pollers, pagers and the
/// retry policy wrap what our callbacks and policies return).
fn unwrap_ours(mut err: azure_core::Error) -> Error {
    for _ in 0..MAX_CHAIN {
        match err.into_inner() {
            Ok(inner) => match inner.downcast::<Error>() {
                Ok(ours) => return *ours,
                Err(inner) => match inner.downcast::<azure_core::Error>() {
                    Ok(core) => err = *core,
                    Err(other) => {
                        return Error::Other {
                            message: bounded(&other.to_string(), MAX_QUOTED),
                            source: Some(other),
                        }
                    }
                },
            },
            Err(core) => return convert_core(core),
        }
    }
    Error::other("an error wrapped too many times to read")
}

impl From<azure_core::Error> for Error {
    fn from(err: azure_core::Error) -> Self {
        if contains_ours(&err) {
            unwrap_ours(err)
        } else {
            convert_core(err)
        }
    }
}

fn convert_core(err: azure_core::Error) -> Error {
    use azure_core::error::ErrorKind;
    // The retry policy wraps the real cause; classify by the innermost azure_core error.
    let (kind, message) = {
        let mut cause: &(dyn StdError + 'static) = &err;
        let mut innermost = &err;
        for _ in 0..MAX_CHAIN {
            let Some(next) = cause.source() else { break };
            if let Some(core) = next.downcast_ref::<azure_core::Error>() {
                innermost = core;
            }
            cause = next;
        }
        (
            innermost.kind().clone(),
            bounded(&innermost.to_string(), MAX_QUOTED),
        )
    };
    match kind {
        ErrorKind::HttpResponse {
            status,
            error_code,
            raw_response,
        } => match raw_response {
            Some(raw) => {
                let mut e = super::service_error(
                    u16::from(status),
                    raw.headers(),
                    raw.body().as_ref(),
                    Quote::Text,
                );
                if let Error::Service { code, .. } = &mut e {
                    if code.is_none() {
                        *code = error_code;
                    }
                }
                e
            }
            None => Error::Service {
                status: u16::from(status),
                code: error_code,
                message,
                target: None,
                details: Box::default(),
                request_id: None,
            },
        },
        ErrorKind::Credential => Error::Auth {
            message,
            source: Some(Box::new(err)),
        },
        ErrorKind::Io | ErrorKind::Connection => Error::Transport {
            message: transport_message(&err),
            source: Some(Box::new(err)),
        },
        ErrorKind::DataConversion => Error::Decode {
            what: "response".into(),
            path: None,
            message,
        },
        ErrorKind::Other => Error::Other {
            message,
            source: Some(Box::new(err)),
        },
    }
}

impl From<Error> for azure_core::Error {
    fn from(err: Error) -> Self {
        use azure_core::error::ErrorKind;
        let kind = match &err {
            Error::Service { status, code, .. } => ErrorKind::HttpResponse {
                status: azure_core::http::StatusCode::from(*status),
                error_code: code.clone(),
                raw_response: None,
            },
            Error::Auth { .. } => ErrorKind::Credential,
            Error::Transport { .. } => ErrorKind::Io,
            Error::Io { .. } => ErrorKind::Io,
            Error::Decode { .. } => ErrorKind::DataConversion,
            _ => ErrorKind::Other,
        };
        azure_core::Error::new(kind, err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_core::error::ErrorKind;

    #[test]
    fn ours_comes_back_intact_through_any_number_of_wrappers() {
        let ours = Error::OperationFailed {
            operation: "op".into(),
            status: "Failed".into(),
            code: "ResourceNotReady".into(),
            message: "m".into(),
            details: Box::default(),
            request_id: Some(Box::new("rid".into())),
        };
        let wrapped = azure_core::Error::new(ErrorKind::Other, ours)
            .with_context("non-transport error occurred which will not be retried")
            .with_context("outer");
        let back = Error::from(wrapped);
        assert!(
            matches!(&back, Error::OperationFailed { code, .. } if code == "ResourceNotReady"),
            "{back:?}"
        );
        assert_eq!(back.request_id(), Some("rid"));
    }

    #[test]
    fn transport_errors_name_the_cause_not_the_wrapper() {
        let io = std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection reset by peer",
        );
        let err =
            azure_core::Error::with_error(ErrorKind::Io, io, "failed to execute `reqwest` request")
                .with_context("retry policy expired and the request will no longer be retried");
        let ours = Error::from(err);
        assert!(matches!(ours, Error::Transport { .. }), "{ours:?}");
        let text = ours.to_string();
        assert!(text.contains("connection reset by peer"), "{text}");
        assert!(!text.contains("reqwest"), "{text}");
    }
}
