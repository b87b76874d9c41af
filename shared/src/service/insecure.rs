//! Which registries may be pushed to over plain HTTP.
//!
//! dockerd decides the transport itself: it tries HTTPS first and falls back to plain HTTP only
//! for registries it considers insecure, which by default means every address in 127.0.0.0/8,
//! plus whatever its own `insecure-registries` setting lists. Forklift narrows that down to the
//! registries listed in `FORKLIFT_INSECURE_REGISTRIES`: before pushing to a registry that is not
//! listed but that dockerd would reach over plain HTTP, it asks `http://<host>/v2/`; if a
//! registry answers there, the push is refused at once, naming the setting. Registries dockerd
//! only reaches over HTTPS are not probed: dockerd enforces TLS for them.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

use crate::image_ref::check_registry_host;
use crate::store::credentials::host_key;
use bollard::Docker;

/// Longest the plain-HTTP probe waits for an answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// Registries listed as allowed over plain HTTP, by lowercase `host[:port]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InsecureRegistries(BTreeSet<String>);

impl FromStr for InsecureRegistries {
    type Err = String;

    /// Reads a comma-separated list; blanks between commas are ignored.
    fn from_str(text: &str) -> Result<Self, String> {
        let mut hosts = BTreeSet::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            check_registry_host(entry).map_err(|e| format!("'{entry}': {e}"))?;
            hosts.insert(host_key(entry));
        }
        Ok(Self(hosts))
    }
}

impl InsecureRegistries {
    /// True when `host` is listed.
    pub fn allows(&self, host: &str) -> bool {
        self.0.contains(&host_key(host))
    }

    /// The list as it would be written in the setting.
    pub fn to_setting(&self) -> String {
        self.0.iter().cloned().collect::<Vec<_>>().join(",")
    }
}

/// Refuses a push or pull through an unlisted registry that would go over plain HTTP; `Err` is
/// the reason.
pub async fn check_transport(
    docker: &Docker,
    listed: &InsecureRegistries,
    host: &str,
) -> Result<(), String> {
    if listed.allows(host) || !daemon_may_use_plain_http(docker, host).await {
        return Ok(());
    }
    if !answers_over_plain_http(host).await {
        return Ok(());
    }
    Err(format!(
        "{host} is a plain-HTTP registry and is not listed in FORKLIFT_INSECURE_REGISTRIES; \
         list it there to allow pushes and pulls without TLS"
    ))
}

/// Whether dockerd would fall back to plain HTTP for `host`, by its own registry settings. When
/// dockerd cannot say, assume it would, so that the probe decides.
async fn daemon_may_use_plain_http(docker: &Docker, host: &str) -> bool {
    let config = match docker.info().await {
        Ok(info) => info.registry_config.unwrap_or_default(),
        Err(_) => return true,
    };
    let listed_insecure = config
        .index_configs
        .unwrap_or_default()
        .iter()
        .any(|(name, index)| host_key(name) == host_key(host) && index.secure == Some(false));
    if listed_insecure {
        return true;
    }
    let networks: Vec<Cidr> = config
        .insecure_registry_cidrs
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c.parse().ok())
        .collect();
    addresses(host)
        .await
        .iter()
        .any(|ip| networks.iter().any(|n| n.contains(*ip)))
}

/// The addresses `host[:port]` resolves to; none when it does not resolve.
async fn addresses(host: &str) -> Vec<IpAddr> {
    let (name, port) = split_host_port(host);
    match tokio::net::lookup_host((name, port)).await {
        Ok(found) => found.map(|a| a.ip()).collect(),
        Err(_) => Vec::new(),
    }
}

/// `registry:5000` → (`registry`, 5000); `[::1]:5000` → (`::1`, 5000); the port defaults to 443.
fn split_host_port(host: &str) -> (&str, u16) {
    if let Some(rest) = host.strip_prefix('[') {
        let (address, after) = rest.split_once(']').unwrap_or((rest, ""));
        let port = after.strip_prefix(':').and_then(|p| p.parse().ok());
        return (address, port.unwrap_or(443));
    }
    match host.rsplit_once(':') {
        Some((name, port)) => (name, port.parse().unwrap_or(443)),
        None => (host, 443),
    }
}

/// Whether a registry answers `GET http://<host>/v2/` over plain HTTP: 200, or 401 asking for
/// credentials. A TLS-only port answers 400 or drops the connection.
async fn answers_over_plain_http(host: &str) -> bool {
    let client = reqwest::Client::builder()
        .timeout(PROBE_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build();
    let Ok(client) = client else {
        return false;
    };
    match client.get(format!("http://{host}/v2/")).send().await {
        Ok(response) => matches!(response.status().as_u16(), 200 | 401),
        Err(_) => false,
    }
}

/// An address range such as `127.0.0.0/8`, as dockerd lists its insecure registries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl FromStr for Cidr {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        let (address, prefix) = text.split_once('/').ok_or(())?;
        let network: IpAddr = address.parse().map_err(|_| ())?;
        let prefix: u8 = prefix.parse().map_err(|_| ())?;
        let bits = if network.is_ipv4() { 32 } else { 128 };
        if prefix > bits {
            return Err(());
        }
        Ok(Self { network, prefix })
    }
}

impl Cidr {
    fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => same_prefix(
                u128::from(u32::from(net)) << 96,
                u128::from(u32::from(ip)) << 96,
                self.prefix,
            ),
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                same_prefix(u128::from(net), u128::from(ip), self.prefix)
            }
            _ => false,
        }
    }
}

/// Whether the first `prefix` bits of two left-aligned addresses agree.
fn same_prefix(a: u128, b: u128, prefix: u8) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
    a & mask == b & mask
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_reads_hosts_with_ports_and_ignores_blanks() {
        let listed: InsecureRegistries = " 127.0.0.1:5000, ,Registry.Local:5001,"
            .parse()
            .unwrap_or_default();
        assert!(listed.allows("127.0.0.1:5000"));
        assert!(listed.allows("registry.local:5001"));
        assert!(!listed.allows("127.0.0.1:5001"));
        assert_eq!(listed.to_setting(), "127.0.0.1:5000,registry.local:5001");
        assert_eq!(
            "".parse::<InsecureRegistries>(),
            Ok(InsecureRegistries::default())
        );
    }

    #[test]
    fn entries_that_are_not_registry_hosts_are_refused_by_name() {
        for bad in ["http://127.0.0.1:5000", "myregistry", "host:99999", "a b"] {
            let error = bad.parse::<InsecureRegistries>().err().unwrap_or_default();
            assert!(error.contains(bad), "{bad}: {error}");
        }
    }

    #[test]
    fn hosts_split_into_name_and_port() {
        assert_eq!(split_host_port("127.0.0.1:5000"), ("127.0.0.1", 5000));
        assert_eq!(
            split_host_port("registry.example.com"),
            ("registry.example.com", 443)
        );
        assert_eq!(split_host_port("[::1]:5000"), ("::1", 5000));
        assert_eq!(split_host_port("[::1]"), ("::1", 443));
    }

    #[test]
    fn ranges_contain_their_addresses_only() {
        let loopback: Cidr = "127.0.0.0/8".parse().unwrap_or(Cidr {
            network: IpAddr::from([0, 0, 0, 0]),
            prefix: 32,
        });
        let ip = |s: &str| s.parse::<IpAddr>().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        assert!(loopback.contains(ip("127.0.0.1")));
        assert!(loopback.contains(ip("127.255.0.9")));
        assert!(!loopback.contains(ip("128.0.0.1")));
        assert!(!loopback.contains(ip("::1")));
        let all: Result<Cidr, ()> = "0.0.0.0/0".parse();
        assert!(all.is_ok_and(|c| c.contains(ip("10.1.2.3"))));
        let v6: Result<Cidr, ()> = "fd00::/8".parse();
        assert!(v6.is_ok_and(|c| c.contains(ip("fd12::1")) && !c.contains(ip("fe80::1"))));
        assert!("127.0.0.0/33".parse::<Cidr>().is_err());
        assert!("nonsense".parse::<Cidr>().is_err());
    }
}
