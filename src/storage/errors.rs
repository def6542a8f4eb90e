//! Storage error answers, turned into [`Error::Service`] without secrets.
//!
//! Blob errors are XML (`<Error><Code/><Message/>…</Error>`). An authentication failure also
//! carries `<AuthenticationErrorDetail>`, which echoes the request's signature and string to
//! sign, so only `Code` and `Message` are kept.

use azure_core::credentials::Secret;
use azure_core::http::headers::Headers;

use crate::error::{Error, Quote};

/// An [`Error::Service`] from a failed storage response: only the XML `Code` and `Message`.
pub(crate) fn service_error(status: u16, headers: &Headers, body: &[u8]) -> Error {
    crate::error::service_error(status, headers, body, Quote::Fields)
}

/// Removes a SAS and any `sig=` value from `text`.
pub(crate) fn redact(text: &str, sas: Option<&Secret>) -> String {
    let mut out = text.to_owned();
    if let Some(sas) = sas {
        if !sas.secret().is_empty() {
            out = out.replace(sas.secret(), "<sas>");
        }
    }
    // Catch signatures in any other spelling (re-encoded, or from another query).
    let mut result = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(pos) = rest.find("sig=") {
        result.push_str(&rest[..pos + 4]);
        result.push_str("<redacted>");
        let tail = &rest[pos + 4..];
        let end = tail
            .find(|c: char| c == '&' || c == ')' || c == '"' || c == '\'' || c.is_whitespace())
            .unwrap_or(tail.len());
        rest = &tail[end..];
    }
    result.push_str(rest);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_failure_detail_is_dropped() {
        let body = br#"<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the request.</Message><AuthenticationErrorDetail>The MAC signature found in the HTTP request 'SIGNATUREVALUE=' is not the same as any computed signature.</AuthenticationErrorDetail></Error>"#;
        let err = service_error(403, &Headers::new(), body);
        let text = format!("{err} {err:?}");
        assert!(!text.contains("SIGNATUREVALUE"), "{text}");
        assert_eq!(err.code(), Some("AuthenticationFailed"));
        assert_eq!(err.status(), Some(403));
    }

    #[test]
    fn sas_and_signatures_are_redacted() {
        let sas = Secret::new("sv=1&sig=ABC%3D");
        let text = redact(
            "error sending request for url (https://a/c/b?comp=block&sv=1&sig=ABC%3D) and sig=XYZ&x",
            Some(&sas),
        );
        assert!(!text.contains("ABC"), "{text}");
        assert!(!text.contains("XYZ"), "{text}");
        assert!(text.contains("<sas>"));
    }
}
