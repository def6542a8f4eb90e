//! Azure Storage Shared Key authorization for the Blob service (string-to-sign of version
//! 2015-02-21 and later), written from the public specification ("Authorize with Shared Key",
//! learn.microsoft.com). The fake uses it to *verify* signatures; [`sign_shared_key`] exists
//! so tests can produce one independently of the client's signer.

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use url::Url;

/// The parts of a request the signature covers.
#[derive(Clone, Copy, Debug)]
pub struct SharedKeyRequest<'a> {
    /// Storage account name (the canonicalized resource starts with `/{account}`).
    pub account: &'a str,
    /// Upper-case method.
    pub method: &'a str,
    /// The request URL as sent (path still percent-encoded).
    pub url: &'a Url,
    /// The request headers.
    pub headers: &'a [(String, String)],
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    super::header_value(headers, name).unwrap_or("")
}

/// Collapses runs of whitespace to one space and trims, as the canonicalization asks.
fn unfold(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The Shared Key string-to-sign of a Blob service request.
pub fn shared_key_string_to_sign(request: &SharedKeyRequest<'_>) -> String {
    let h = |name: &str| header(request.headers, name).trim().to_owned();
    // Since 2015-02-21 a zero Content-Length is signed as the empty string.
    let content_length = match h("Content-Length").as_str() {
        "0" => String::new(),
        other => other.to_owned(),
    };
    let mut out = String::new();
    for part in [
        request.method.to_ascii_uppercase(),
        h("Content-Encoding"),
        h("Content-Language"),
        content_length,
        h("Content-MD5"),
        h("Content-Type"),
        h("Date"),
        h("If-Modified-Since"),
        h("If-Match"),
        h("If-None-Match"),
        h("If-Unmodified-Since"),
        h("Range"),
    ] {
        out.push_str(&part);
        out.push('\n');
    }
    // Canonicalized headers: x-ms-*, lower-cased names, sorted, repeated names comma-joined.
    let mut ms: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in request.headers {
        let lower = name.trim().to_ascii_lowercase();
        if lower.starts_with("x-ms-") {
            ms.entry(lower).or_default().push(unfold(value));
        }
    }
    for (name, values) in &ms {
        out.push_str(name);
        out.push(':');
        out.push_str(&values.join(","));
        out.push('\n');
    }
    // Canonicalized resource: /account/path, then each query parameter (lower-cased name,
    // decoded values sorted and comma-joined) on its own line, names sorted.
    out.push('/');
    out.push_str(request.account);
    let path = request.url.path();
    out.push_str(if path.is_empty() { "/" } else { path });
    let mut params: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in request.url.query_pairs() {
        params
            .entry(k.to_ascii_lowercase())
            .or_default()
            .push(v.into_owned());
    }
    for (name, mut values) in params {
        values.sort();
        out.push('\n');
        out.push_str(&name);
        out.push(':');
        out.push_str(&values.join(","));
    }
    out
}

/// Base64 HMAC-SHA256 of `string_to_sign` under the base64 account key; `None` when the key
/// isn't base64.
pub fn sign_shared_key(account_key_base64: &str, string_to_sign: &str) -> Option<String> {
    let key = azure_core::base64::decode(account_key_base64).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(string_to_sign.as_bytes());
    Some(azure_core::base64::encode(mac.finalize().into_bytes()))
}

/// Why a Shared Key header was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SharedKeyError {
    /// Not `SharedKey account:signature`.
    Malformed,
    /// The header names another account than the one addressed.
    WrongAccount,
    /// No key is known for the account.
    UnknownAccount,
    /// The signature doesn't match; carries the string the server signed (no secret in it).
    Mismatch(String),
}

/// Verifies `Authorization: SharedKey {account}:{signature}` in constant time.
pub(crate) fn verify_shared_key(
    request: &SharedKeyRequest<'_>,
    authorization: &str,
    account_key_base64: Option<&str>,
) -> Result<(), SharedKeyError> {
    let rest = authorization
        .strip_prefix("SharedKey ")
        .ok_or(SharedKeyError::Malformed)?;
    let (account, signature) = rest.split_once(':').ok_or(SharedKeyError::Malformed)?;
    if account != request.account {
        return Err(SharedKeyError::WrongAccount);
    }
    let key_b64 = account_key_base64.ok_or(SharedKeyError::UnknownAccount)?;
    let key = azure_core::base64::decode(key_b64).map_err(|_| SharedKeyError::UnknownAccount)?;
    let string_to_sign = shared_key_string_to_sign(request);
    let Ok(provided) = azure_core::base64::decode(signature.trim()) else {
        return Err(SharedKeyError::Mismatch(string_to_sign));
    };
    let mut mac =
        Hmac::<Sha256>::new_from_slice(&key).map_err(|_| SharedKeyError::UnknownAccount)?;
    mac.update(string_to_sign.as_bytes());
    mac.verify_slice(&provided)
        .map_err(|_| SharedKeyError::Mismatch(string_to_sign))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hdrs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn string_to_sign_follows_the_spec_layout() {
        let url = Url::parse(
            "https://myaccount.blob.core.windows.net/mycontainer/a%20b.txt?comp=metadata&Timeout=20",
        )
        .unwrap();
        let headers = hdrs(&[
            ("Content-Length", "0"),
            ("x-ms-version", "2025-01-05"),
            ("X-MS-Date", "Fri, 26 Jun 2015 23:39:12 GMT"),
            ("x-ms-meta-name", "  two   words "),
            ("If-None-Match", "*"),
        ]);
        let req = SharedKeyRequest {
            account: "myaccount",
            method: "PUT",
            url: &url,
            headers: &headers,
        };
        let expected = "PUT\n\n\n\n\n\n\n\n\n*\n\n\n\
             x-ms-date:Fri, 26 Jun 2015 23:39:12 GMT\n\
             x-ms-meta-name:two words\n\
             x-ms-version:2025-01-05\n\
             /myaccount/mycontainer/a%20b.txt\ncomp:metadata\ntimeout:20";
        assert_eq!(shared_key_string_to_sign(&req), expected);
    }

    /// The canonicalized-resource examples of "Authorize with Shared Key" (learn.microsoft.com,
    /// section "Shared Key format for 2009-09-19 and later").
    #[test]
    fn canonicalized_resource_matches_the_documented_examples() {
        let cases = [
            (
                "https://myaccount.blob.core.windows.net/mycontainer?restype=container&comp=metadata",
                "/myaccount/mycontainer\ncomp:metadata\nrestype:container",
            ),
            (
                "https://myaccount.blob.core.windows.net/mycontainer?restype=container&comp=list&include=snapshots&include=metadata&include=uncommittedblobs",
                "/myaccount/mycontainer\ncomp:list\ninclude:metadata,snapshots,uncommittedblobs\nrestype:container",
            ),
        ];
        for (url, resource) in cases {
            let url = Url::parse(url).unwrap();
            let req = SharedKeyRequest {
                account: "myaccount",
                method: "GET",
                url: &url,
                headers: &[],
            };
            let sts = shared_key_string_to_sign(&req);
            assert_eq!(sts, format!("GET\n\n\n\n\n\n\n\n\n\n\n\n{resource}"));
        }
    }

    #[test]
    fn verification_accepts_the_right_key_only() {
        let url = Url::parse("https://acct.blob.core.windows.net/c/blob.bin").unwrap();
        let key = azure_core::base64::encode(b"0123456789abcdef0123456789abcdef");
        let headers = hdrs(&[
            ("Content-Length", "3"),
            ("x-ms-date", "Mon, 01 Jan 2024 00:00:00 GMT"),
            ("x-ms-blob-type", "BlockBlob"),
        ]);
        let req = SharedKeyRequest {
            account: "acct",
            method: "PUT",
            url: &url,
            headers: &headers,
        };
        let sig = sign_shared_key(&key, &shared_key_string_to_sign(&req)).unwrap();
        let auth = format!("SharedKey acct:{sig}");
        assert_eq!(verify_shared_key(&req, &auth, Some(&key)), Ok(()));
        let other = azure_core::base64::encode(b"another key of thirty-two bytes!");
        assert!(matches!(
            verify_shared_key(&req, &auth, Some(&other)),
            Err(SharedKeyError::Mismatch(_))
        ));
        assert_eq!(
            verify_shared_key(&req, &format!("SharedKey other:{sig}"), Some(&key)),
            Err(SharedKeyError::WrongAccount)
        );
        assert_eq!(
            verify_shared_key(&req, "SharedKey nocolon", Some(&key)),
            Err(SharedKeyError::Malformed)
        );
        // A tampered header breaks the signature.
        let tampered = hdrs(&[
            ("Content-Length", "4"),
            ("x-ms-date", "Mon, 01 Jan 2024 00:00:00 GMT"),
            ("x-ms-blob-type", "BlockBlob"),
        ]);
        let req2 = SharedKeyRequest {
            headers: &tampered,
            ..req
        };
        assert!(verify_shared_key(&req2, &auth, Some(&key)).is_err());
    }
}
