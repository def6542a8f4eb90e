//! Name resolution for the SDK's HTTP client: the system's resolver, except that every name
//! under `.localhost` is loopback.
//!
//! RFC 6761 (§6.3) reserves `localhost.` and every name below it for the loopback interface,
//! and curl and browsers resolve them so without asking DNS; glibc's `getaddrinfo` without
//! systemd-resolved does not. The offline workspace serves blob storage on
//! `{account}.blob.core.localhost:{port}` (its certificate carries `*.blob.core.localhost`),
//! so resolving these names here lets a client reach it by the account URL its datastore
//! reports, TLS verified against that name. Nothing else changes: other names (and plain
//! `localhost`, which `/etc/hosts` may map) go to `getaddrinfo` as before.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// The resolver every client of the SDK uses.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct LocalhostResolver;

/// True for names strictly below `localhost.` (`a.localhost`, `x.blob.core.localhost.`).
pub(crate) fn is_below_localhost(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    let Some(split) = name.len().checked_sub(".localhost".len()) else {
        return false;
    };
    split > 0 && name.is_char_boundary(split) && name[split..].eq_ignore_ascii_case(".localhost")
}

impl Resolve for LocalhostResolver {
    fn resolve(&self, name: Name) -> Resolving {
        if is_below_localhost(name.as_str()) {
            // 127.0.0.1 first: the offline workspace listens there; ::1 stays as a fallback.
            let addrs: Addrs = Box::new(
                [
                    SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
                    SocketAddr::from((Ipv6Addr::LOCALHOST, 0)),
                ]
                .into_iter(),
            );
            return Box::pin(std::future::ready(Ok(addrs)));
        }
        let host = name.as_str().to_owned();
        Box::pin(async move {
            // getaddrinfo on the blocking pool, as reqwest's own resolver does.
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let addrs: Addrs = Box::new(found.collect::<Vec<_>>().into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_below_localhost() {
        for yes in [
            "a.localhost",
            "acct.blob.core.localhost",
            "ACCT.Blob.Core.LocalHost.",
        ] {
            assert!(is_below_localhost(yes), "{yes}");
        }
        for no in [
            "localhost",
            "localhost.",
            ".localhost",
            "notlocalhost",
            "localhost.example.com",
            "a.localhost.example.com",
            "acct.blob.core.windows.net",
            "",
        ] {
            assert!(!is_below_localhost(no), "{no}");
        }
    }

    #[tokio::test]
    async fn localhost_names_resolve_to_loopback_without_dns() {
        let addrs: Vec<SocketAddr> = LocalhostResolver
            .resolve("acct.blob.core.localhost".parse().unwrap())
            .await
            .unwrap()
            .collect();
        assert_eq!(addrs[0].ip(), std::net::IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert!(addrs.iter().all(|a| a.ip().is_loopback()));
        let ip: Vec<SocketAddr> = LocalhostResolver
            .resolve("127.0.0.1".parse().unwrap())
            .await
            .unwrap()
            .collect();
        assert!(ip.iter().all(|a| a.ip().is_loopback()), "{ip:?}");
    }
}
