//! Shared Key authorization for the Blob service, written out by hand because the official
//! `azure_storage_blob` crate only signs with Entra tokens or SAS.
//!
//! The string-to-sign is the one documented in "Authorize with Shared Key" (Blob, Queue and
//! File services, version 2009-09-19 and later): the verb, eleven standard headers (an empty
//! `Content-Length` for a zero-length body), the canonicalized `x-ms-*` headers and the
//! canonicalized resource. Any header that the pipeline adds *after* signing must not start
//! with `x-ms-`, which is why the container sets `x-ms-client-request-id` itself.

use std::collections::BTreeMap;

use azure_core::credentials::Secret;
use azure_core::http::{headers::Headers, Method, Url};
use hmac::{Hmac, Mac};
use percent_encoding::percent_decode_str;
use sha2::Sha256;

use crate::error::{Error, Result};

/// The standard headers of the string-to-sign, in their documented order.
const STANDARD_HEADERS: [&str; 11] = [
    "content-encoding",
    "content-language",
    "content-length",
    "content-md5",
    "content-type",
    "date",
    "if-modified-since",
    "if-match",
    "if-none-match",
    "if-unmodified-since",
    "range",
];

/// Builds the Shared Key string-to-sign of a request.
///
/// `content_length` is the length of the body that will be sent (the transport sets the header
/// itself, so it is passed in rather than read from `headers`).
pub(crate) fn string_to_sign(
    account: &str,
    method: &Method,
    url: &Url,
    headers: &Headers,
    content_length: u64,
) -> String {
    let mut out = String::with_capacity(256);
    out.push_str(method.as_ref());
    out.push('\n');
    for name in STANDARD_HEADERS {
        let value = if name == "content-length" {
            // Since version 2015-02-21 a zero length is signed as the empty string.
            if content_length == 0 {
                String::new()
            } else {
                content_length.to_string()
            }
        } else {
            header_value(headers, name).unwrap_or_default()
        };
        out.push_str(&value);
        out.push('\n');
    }
    out.push_str(&canonicalized_headers(headers));
    out.push_str(&canonicalized_resource(account, url));
    out
}

fn header_value(headers: &Headers, name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(n, _)| n.as_str().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str().to_owned())
}

/// `x-ms-*` headers, lower-cased, sorted the way the service sorts them, values trimmed with
/// inner runs of whitespace folded to one space, each as `name:value\n`.
fn canonicalized_headers(headers: &Headers) -> String {
    let mut selected: Vec<(String, String)> = Vec::new();
    for (name, value) in headers.iter() {
        let name = name.as_str().to_ascii_lowercase();
        if name.starts_with("x-ms-") {
            let folded = value
                .as_str()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            selected.push((name, folded));
        }
    }
    selected.sort_by(|a, b| service_header_order(&a.0, &b.0));
    let mut out = String::new();
    for (name, value) in selected {
        out.push_str(&name);
        out.push(':');
        out.push_str(&value);
        out.push('\n');
    }
    out
}

/// The service orders canonicalized headers with a Windows-style collation, not byte order:
/// hyphens are ignored at the first level and `_` sorts before digits, digits before letters
/// (case-insensitively). Byte order would disagree for metadata names such as `a_1` vs `a1x`,
/// and the signature would not match. Equal first-level keys fall back to byte order, which
/// only matters for names differing in hyphen placement (no metadata name has a hyphen).
fn service_header_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn weights(s: &str) -> impl Iterator<Item = u32> + '_ {
        s.bytes()
            .filter(|c| *c != b'-' && *c != b'\'')
            .map(|c| match c {
                b'_' => 1,
                b'0'..=b'9' => 10 + u32::from(c - b'0'),
                b'a'..=b'z' => 100 + u32::from(c - b'a'),
                b'A'..=b'Z' => 100 + u32::from(c - b'A'),
                other => 1000 + u32::from(other),
            })
    }
    weights(a).cmp(weights(b)).then_with(|| a.cmp(b))
}

/// `/{account}{encoded path}` then one `\n{name}:{values}` line per query parameter: names
/// lower-cased and sorted, values percent-decoded, repeated names joined with commas (values
/// sorted).
fn canonicalized_resource(account: &str, url: &Url) -> String {
    let mut out = format!("/{account}{}", url.path());
    let mut params: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some(query) = url.query() {
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                percent_decode_str(&s.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            };
            params
                .entry(decode(name).to_lowercase())
                .or_default()
                .push(decode(value));
        }
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

/// Base64 HMAC-SHA256 of `string_to_sign` under the base64 account `key`.
pub(crate) fn sign(string_to_sign: &str, key: &Secret) -> Result<String> {
    let key_bytes = azure_core::base64::decode(key.secret())
        .map_err(|_| Error::validation("account_key", "must be base64"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key_bytes)
        .map_err(|_| Error::validation("account_key", "must not be empty"))?;
    mac.update(string_to_sign.as_bytes());
    Ok(azure_core::base64::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_core::http::headers::HeaderName;

    fn headers(pairs: &[(&'static str, &'static str)]) -> Headers {
        let mut h = Headers::new();
        for (n, v) in pairs {
            h.insert(HeaderName::from_static(n), *v);
        }
        h
    }

    /// The request of the "Authorize with Shared Key" page's Blob example (container metadata
    /// GET): twelve empty standard lines, sorted `x-ms-*` headers, then the resource with its
    /// query parameters sorted.
    #[test]
    fn string_to_sign_layout_of_a_container_metadata_get() {
        let url = Url::parse(
            "https://myaccount.blob.core.windows.net/mycontainer?restype=container&comp=metadata&timeout=20",
        )
        .unwrap();
        let h = headers(&[
            ("x-ms-date", "Sun, 11 Oct 2009 21:49:13 GMT"),
            ("x-ms-version", "2009-09-19"),
        ]);
        let s = string_to_sign("myaccount", &Method::Get, &url, &h, 0);
        assert_eq!(
            s,
            "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Sun, 11 Oct 2009 21:49:13 GMT\nx-ms-version:2009-09-19\n/myaccount/mycontainer\ncomp:metadata\nrestype:container\ntimeout:20"
        );
    }

    #[test]
    fn canonical_headers_fold_whitespace_sort_and_skip_non_ms() {
        let h = headers(&[
            ("x-ms-version", "2025-01-05"),
            ("x-ms-meta-name", "  a   b  "),
            ("x-ms-date", "Tue, 25 Nov 2026 12:00:00 GMT"),
            ("x-azml-original-host", "acct.blob.core.windows.net"),
            ("user-agent", "x"),
        ]);
        assert_eq!(
            canonicalized_headers(&h),
            "x-ms-date:Tue, 25 Nov 2026 12:00:00 GMT\nx-ms-meta-name:a b\nx-ms-version:2025-01-05\n"
        );
    }

    #[test]
    fn header_order_ignores_hyphens_and_puts_underscore_first() {
        let mut names = vec![
            "x-ms-meta-a1x",
            "x-ms-meta-a_1",
            "x-ms-version",
            "x-ms-blob-type",
            "x-ms-date",
        ];
        names.sort_by(|a, b| service_header_order(a, b));
        assert_eq!(
            names,
            [
                "x-ms-blob-type",
                "x-ms-date",
                "x-ms-meta-a_1",
                "x-ms-meta-a1x",
                "x-ms-version"
            ]
        );
    }

    #[test]
    fn canonical_resource_decodes_and_groups_query_values() {
        let url = Url::parse(
            "http://127.0.0.1:10000/devstoreaccount1/c/a%20b.txt?comp=block&blockid=AAA%3D&Z=2&z=1",
        )
        .unwrap();
        assert_eq!(
            canonicalized_resource("devstoreaccount1", &url),
            "/devstoreaccount1/devstoreaccount1/c/a%20b.txt\nblockid:AAA=\ncomp:block\nz:1,2"
        );
    }

    #[test]
    fn zero_length_is_signed_empty_and_standard_headers_keep_their_slots() {
        let url = Url::parse("https://a.blob.core.windows.net/c/b").unwrap();
        let h = headers(&[
            ("content-md5", "MD5=="),
            ("if-none-match", "*"),
            ("content-type", "application/octet-stream"),
        ]);
        let s = string_to_sign("a", &Method::Put, &url, &h, 0);
        assert_eq!(
            s,
            "PUT\n\n\n\nMD5==\napplication/octet-stream\n\n\n\n*\n\n\n/a/c/b"
        );
        let s = string_to_sign("a", &Method::Put, &url, &h, 12);
        assert!(s.starts_with("PUT\n\n\n12\nMD5==\n"));
    }

    /// Signatures computed by azure-storage-blob 12.x's own `SharedKeyCredentialPolicy` for the
    /// same requests (scripts/python_shared_key.py), with Azurite's published dev account key.
    #[test]
    fn signatures_equal_the_python_storage_sdks() {
        const KEY: &str = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
        type Case = (
            &'static str,
            Method,
            &'static str,
            Vec<(&'static str, &'static str)>,
            u64,
            &'static str,
        );
        let cases: [Case; 4] = [
            (
                "devstoreaccount1",
                Method::Put,
                "http://127.0.0.1:10000/devstoreaccount1/cont/LocalUpload/abc/model%20v1.pkl",
                vec![
                    ("x-ms-version", "2025-01-05"),
                    ("x-ms-date", "Tue, 25 Nov 2026 12:00:00 GMT"),
                    ("x-ms-client-request-id", "00000000-0000-0000-0000-000000000001"),
                    ("x-ms-blob-type", "BlockBlob"),
                    ("content-type", "application/octet-stream"),
                    ("content-md5", "U7SR0++9nr1Fty3GR1XynA=="),
                    ("if-none-match", "*"),
                ],
                353,
                "2X5tb6sSkbLOznt23dosq5b0QzAe+qind3/qHJ8ZpGY=",
            ),
            (
                "mlworkspacprod1234567890",
                Method::Put,
                "https://mlworkspacprod1234567890.blob.core.windows.net/azureml-blobstore-1/LocalUpload/977e/model.pkl?comp=metadata",
                vec![
                    ("x-ms-version", "2025-01-05"),
                    ("x-ms-date", "Tue, 25 Nov 2026 12:00:01 GMT"),
                    ("x-ms-client-request-id", "00000000-0000-0000-0000-000000000002"),
                    ("x-ms-meta-upload_status", "completed"),
                    ("x-ms-meta-name", "customer-churn-model"),
                    ("x-ms-meta-version", "1"),
                    ("x-ms-meta-a1x", "z"),
                    ("x-ms-meta-a_1", "y"),
                ],
                0,
                "zzTdXejl5iRu0B9wYa5670wSnmKtDdSHQqX/cPk+fWk=",
            ),
            (
                "devstoreaccount1",
                Method::Put,
                "http://127.0.0.1:10000/devstoreaccount1/cont/big.bin?comp=block&blockid=YmxvY2stMDAwMDAwMDAwMA%3D%3D",
                vec![
                    ("x-ms-version", "2025-01-05"),
                    ("x-ms-date", "Tue, 25 Nov 2026 12:00:02 GMT"),
                    ("x-ms-client-request-id", "00000000-0000-0000-0000-000000000003"),
                    ("content-md5", "1B2M2Y8AsgTpgAmY7PhCfg=="),
                ],
                4_194_304,
                "mbamJavPSUbDSHcsU9jDARpisX6iq2ZWQ/njBhXfYRw=",
            ),
            (
                "devstoreaccount1",
                Method::Head,
                "http://127.0.0.1:10000/devstoreaccount1/cont/scoring/score.py",
                vec![
                    ("x-ms-version", "2025-01-05"),
                    ("x-ms-date", "Tue, 25 Nov 2026 12:00:03 GMT"),
                    ("x-ms-client-request-id", "00000000-0000-0000-0000-000000000004"),
                ],
                0,
                "JpjGZKUjBVv7Qa7LmMrRwN7PdoEu2fYrTQz4FD7sp2E=",
            ),
        ];
        for (account, method, url, pairs, len, expected) in cases {
            let url = Url::parse(url).unwrap();
            let h = headers(&pairs);
            let to_sign = string_to_sign(account, &method, &url, &h, len);
            assert_eq!(
                sign(&to_sign, &Secret::new(KEY)).unwrap(),
                expected,
                "{url}"
            );
        }
    }

    #[test]
    fn bad_keys_are_validation_errors() {
        assert!(sign("x", &Secret::new("not base64!"))
            .unwrap_err()
            .is_validation());
    }
}
