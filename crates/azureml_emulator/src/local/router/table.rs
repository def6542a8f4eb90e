//! The routing tables the hot path reads without a lock: endpoints (auth, traffic, mirror)
//! published from the core after each change, and which deployments serve, published by the
//! runtime. Readers take a snapshot ([`arc_swap`]); writers build a new table and swap it in.
//!
//! The work a call would otherwise repeat is done at publication: the accepted credentials
//! are kept as bytes to compare in constant time, and the smooth weighted round-robin's
//! sequence over one period of the weights is laid out once, so picking a deployment is an
//! atomic increment and an index.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use arc_swap::ArcSwap;
use azure_core::credentials::Secret;

use super::target::DeploymentTarget;
use crate::local::swrr::Swrr;

/// How callers of an endpoint authenticate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AuthMode {
    /// `Authorization: Bearer <primary or secondary key>`.
    Key,
    /// A token from the endpoint's `token` action, until it expires.
    AmlToken,
    /// An Entra token for the ML audience. Offline there is no Entra to check it against, so
    /// any bearer token is taken.
    AadToken,
}

/// What the router needs to know about an endpoint.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct EndpointConfig {
    pub(crate) auth_mode: AuthMode,
    /// Current primary and secondary keys.
    pub(crate) keys: Vec<Secret>,
    /// Issued AML tokens with their expiry (Unix seconds).
    pub(crate) tokens: Vec<(Secret, i64)>,
    /// Live traffic weights by deployment.
    pub(crate) traffic: BTreeMap<String, u32>,
    /// Mirror percentages by deployment.
    pub(crate) mirror: BTreeMap<String, u32>,
    /// Every deployment of the endpoint, serving or not.
    pub(crate) deployments: BTreeSet<String>,
}

/// An endpoint as the hot path uses it: its configuration and the counters of its traffic.
pub(crate) struct EndpointRoute {
    pub(crate) config: EndpointConfig,
    /// One period of the traffic's smooth weighted round-robin, as indexes into `live`.
    schedule: Vec<usize>,
    live: Vec<String>,
    /// Live calls routed by weight so far.
    picks: AtomicU64,
    /// Per mirrored deployment: its percentage and the live calls counted towards it.
    mirrors: Vec<(String, u32, AtomicU64)>,
}

impl std::fmt::Debug for EndpointRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EndpointRoute")
            .field("live", &self.live)
            .finish_non_exhaustive()
    }
}

impl EndpointRoute {
    pub(crate) fn new(config: EndpointConfig) -> Self {
        let mut swrr = Swrr::new(config.traffic.iter().map(|(k, v)| (k.as_str(), *v)));
        let live: Vec<String> = config
            .traffic
            .iter()
            .filter(|(_, w)| **w > 0)
            .map(|(k, _)| k.clone())
            .collect();
        let period: u32 = config.traffic.values().sum();
        let schedule = (0..period)
            .filter_map(|_| swrr.pick().and_then(|d| live.iter().position(|l| l == d)))
            .collect();
        let mirrors = config
            .mirror
            .iter()
            .filter(|(_, p)| **p > 0)
            .map(|(k, p)| (k.clone(), (*p).min(100), AtomicU64::new(0)))
            .collect();
        Self {
            config,
            schedule,
            live,
            picks: AtomicU64::new(0),
            mirrors,
        }
    }

    /// The route of a changed configuration: where the weights did not change (new keys, a new
    /// deployment without traffic), the round-robins carry on from where `previous` was.
    pub(crate) fn after(previous: &EndpointRoute, config: EndpointConfig) -> Self {
        let same = |a: &BTreeMap<String, u32>, b: &BTreeMap<String, u32>| {
            Swrr::new(a.iter().map(|(k, v)| (k.as_str(), *v)))
                .same_weights(&Swrr::new(b.iter().map(|(k, v)| (k.as_str(), *v))))
        };
        let route = Self::new(config);
        if same(&previous.config.traffic, &route.config.traffic) {
            route
                .picks
                .store(previous.picks.load(Ordering::Relaxed), Ordering::Relaxed);
        }
        if previous.config.mirror == route.config.mirror {
            for ((_, _, old), (_, _, new)) in previous.mirrors.iter().zip(&route.mirrors) {
                new.store(old.load(Ordering::Relaxed), Ordering::Relaxed);
            }
        }
        route
    }

    /// True when `authorization` (the header's value) is a credential the endpoint accepts.
    pub(crate) fn authorized(
        &self,
        authorization: Option<&[u8]>,
        now_unix: impl Fn() -> i64,
    ) -> bool {
        let Some(value) = authorization else {
            return false;
        };
        let presented = value
            .strip_prefix(b"Bearer ")
            .or_else(|| value.strip_prefix(b"bearer "))
            .unwrap_or(value)
            .trim_ascii();
        if presented.is_empty() {
            return false;
        }
        match self.config.auth_mode {
            AuthMode::Key => self
                .config
                .keys
                .iter()
                .any(|k| constant_time_eq(k.secret().as_bytes(), presented)),
            AuthMode::AmlToken => {
                let now = now_unix();
                self.config.tokens.iter().any(|(t, expiry)| {
                    *expiry > now && constant_time_eq(t.secret().as_bytes(), presented)
                })
            }
            AuthMode::AadToken => true,
        }
    }

    /// The live deployment for the next call by weight, and the deployments that get a copy.
    pub(crate) fn choose(&self) -> Option<(&str, Vec<&str>)> {
        if self.schedule.is_empty() {
            return None;
        }
        let n = self.picks.fetch_add(1, Ordering::Relaxed);
        let slot = usize::try_from(n % self.schedule.len() as u64).ok()?;
        let live = self.live.get(*self.schedule.get(slot)?)?.as_str();
        let mut copies = Vec::new();
        for (name, percent, counted) in &self.mirrors {
            if name == live {
                continue;
            }
            // Copy on the calls where ⌊n·p/100⌋ steps up: exactly p of every 100.
            let n = counted.fetch_add(1, Ordering::Relaxed);
            let p = u64::from(*percent);
            if (n + 1) * p / 100 > n * p / 100 {
                copies.push(name.as_str());
            }
        }
        Some((live, copies))
    }
}

/// Compares without an early exit on the first differing byte.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What the router can do with a deployment right now.
#[derive(Clone, Debug)]
pub(crate) enum Serving {
    /// Instances serve it.
    Ready(Arc<DeploymentTarget>),
    /// Its first processes are starting.
    Starting,
    /// It could not start; the message says why.
    Failed(String),
}

/// Which deployments serve, by endpoint then deployment.
pub(crate) type ServingMap = HashMap<String, HashMap<String, Serving>>;

/// The tables the router reads.
#[derive(Default)]
pub(crate) struct RoutingTables {
    endpoints: ArcSwap<HashMap<String, Arc<EndpointRoute>>>,
    serving: ArcSwap<ServingMap>,
}

impl RoutingTables {
    /// The route of an endpoint.
    pub(crate) fn endpoint(&self, name: &str) -> Option<Arc<EndpointRoute>> {
        self.endpoints.load().get(name).cloned()
    }

    /// Whether a deployment serves, starts or failed; one the runtime does not know yet is
    /// starting (the core knows it, its runtime entry is on its way).
    pub(crate) fn serving(&self, endpoint: &str, deployment: &str) -> Serving {
        self.serving
            .load()
            .get(endpoint)
            .and_then(|d| d.get(deployment))
            .cloned()
            .unwrap_or(Serving::Starting)
    }

    /// Publishes the endpoints' configurations. An endpoint whose configuration did not change
    /// keeps its route, and with it the position of its round-robins.
    pub(crate) fn publish_endpoints(&self, configs: BTreeMap<String, EndpointConfig>) {
        let current = self.endpoints.load();
        if current.len() == configs.len()
            && configs
                .iter()
                .all(|(name, c)| current.get(name).is_some_and(|r| r.config == *c))
        {
            return;
        }
        let next = configs
            .into_iter()
            .map(|(name, config)| {
                let route = match current.get(&name) {
                    Some(route) if route.config == config => route.clone(),
                    Some(route) => Arc::new(EndpointRoute::after(route, config)),
                    None => Arc::new(EndpointRoute::new(config)),
                };
                (name, route)
            })
            .collect();
        self.endpoints.store(Arc::new(next));
    }

    /// Publishes which deployments serve.
    pub(crate) fn publish_serving(&self, serving: ServingMap) {
        self.serving.store(Arc::new(serving));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(traffic: &[(&str, u32)], mirror: &[(&str, u32)]) -> EndpointConfig {
        EndpointConfig {
            auth_mode: AuthMode::Key,
            keys: vec![Secret::new("k1"), Secret::new("k2")],
            tokens: Vec::new(),
            traffic: traffic.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            mirror: mirror.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            deployments: traffic.iter().map(|(k, _)| k.to_string()).collect(),
        }
    }

    #[test]
    fn the_schedule_is_the_round_robins_sequence() {
        let route = EndpointRoute::new(config(&[("a", 5), ("b", 1), ("c", 1)], &[]));
        let picks: Vec<&str> = (0..14).map(|_| route.choose().unwrap().0).collect();
        let period = ["a", "a", "b", "a", "c", "a", "a"];
        assert_eq!(picks[..7], period);
        assert_eq!(picks[7..], period);
        assert!(EndpointRoute::new(config(&[("a", 0)], &[]))
            .choose()
            .is_none());
    }

    #[test]
    fn mirrors_copy_their_share_and_never_the_live_pick() {
        let route = EndpointRoute::new(config(
            &[("blue", 100), ("green", 0)],
            &[("green", 20), ("blue", 50)],
        ));
        let copies: usize = (0..1000).map(|_| route.choose().unwrap().1.len()).sum();
        assert_eq!(copies, 200);
    }

    #[test]
    fn credentials_compare_whole() {
        let route = EndpointRoute::new(config(&[("a", 100)], &[]));
        let now = || 0;
        assert!(route.authorized(Some(b"Bearer k1"), now));
        assert!(route.authorized(Some(b"bearer k2 "), now));
        assert!(route.authorized(Some(b"k1"), now));
        for bad in [&b"Bearer k"[..], b"Bearer k12", b"Bearer ", b""] {
            assert!(!route.authorized(Some(bad), now), "{bad:?}");
        }
        assert!(!route.authorized(None, now));
    }

    #[test]
    fn unchanged_endpoints_keep_their_route() {
        let tables = RoutingTables::default();
        let mut configs = BTreeMap::from([("e".to_owned(), config(&[("a", 50), ("b", 50)], &[]))]);
        tables.publish_endpoints(configs.clone());
        let before = tables.endpoint("e").unwrap();
        before.choose();
        tables.publish_endpoints(configs.clone());
        assert!(Arc::ptr_eq(&before, &tables.endpoint("e").unwrap()));
        // New keys, same weights: the round-robin carries on (b is next after one a).
        let mut rotated = config(&[("a", 50), ("b", 50)], &[]);
        rotated.keys = vec![Secret::new("k3"), Secret::new("k2")];
        configs.insert("e".into(), rotated);
        tables.publish_endpoints(configs.clone());
        let after = tables.endpoint("e").unwrap();
        assert!(!Arc::ptr_eq(&before, &after));
        assert_eq!(after.choose().unwrap().0, "b");
        // New weights: a new round-robin.
        configs.insert("e".into(), config(&[("a", 90), ("b", 10)], &[]));
        tables.publish_endpoints(configs);
        assert_eq!(tables.endpoint("e").unwrap().choose().unwrap().0, "a");
    }
}
