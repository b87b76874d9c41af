//! Reading configuration from the environment.
//!
//! Each service has one typed config struct, read once at start-up from `FORKLIFT_*` variables;
//! the pieces several services share are defined here. Every variable and its default is listed
//! in `deploy/forklift.env.example`.

use std::net::SocketAddr;
use std::str::FromStr;

use crate::dockerfile::BuildSettings;
use crate::secrets::CredentialsKey;

/// A configuration variable that is missing or cannot be understood.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} must be set")]
    Missing { name: &'static str },
    #[error("{name}={value:?} is not valid: {reason}")]
    Invalid {
        name: &'static str,
        value: String,
        reason: String,
    },
    #[error("{name}: cannot read {path}: {source}")]
    File {
        name: &'static str,
        path: String,
        source: std::io::Error,
    },
}

/// The value of `name`, or `None` when unset or empty.
pub fn optional(name: &'static str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The value of `name`, which must be set.
pub fn required(name: &'static str) -> Result<String, ConfigError> {
    optional(name).ok_or(ConfigError::Missing { name })
}

/// The value of `name` parsed as `T`, or `default` when unset.
pub fn parsed_or<T>(name: &'static str, default: T) -> Result<T, ConfigError>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    match optional(name) {
        None => Ok(default),
        Some(value) => value.parse().map_err(|e: T::Err| ConfigError::Invalid {
            name,
            reason: e.to_string(),
            value,
        }),
    }
}

/// The value of `name` parsed as `T`, or `default` when unset; a count, a size or a number of
/// seconds that must be at least 1.
pub fn at_least_one<T>(name: &'static str, default: T) -> Result<T, ConfigError>
where
    T: FromStr + PartialOrd + From<u8> + ToString,
    T::Err: std::fmt::Display,
{
    let value = parsed_or(name, default)?;
    if value < T::from(1) {
        return Err(ConfigError::Invalid {
            name,
            value: value.to_string(),
            reason: "must be at least 1".into(),
        });
    }
    Ok(value)
}

/// A listen address such as `127.0.0.1:8000`.
pub fn listen_addr(name: &'static str, default: &str) -> Result<SocketAddr, ConfigError> {
    let value = optional(name).unwrap_or_else(|| default.to_string());
    value
        .parse()
        .map_err(|e: std::net::AddrParseError| ConfigError::Invalid {
            name,
            reason: e.to_string(),
            value,
        })
}

/// Where NATS is and which subject prefix this deployment uses.
#[derive(Debug, Clone)]
pub struct NatsConfig {
    /// `FORKLIFT_NATS_URL`, default `nats://127.0.0.1:4222`.
    pub url: String,
    /// `FORKLIFT_NATS_PREFIX`, default `forklift`: first token of every subject.
    pub prefix: String,
}

impl NatsConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        let prefix = optional("FORKLIFT_NATS_PREFIX").unwrap_or_else(|| "forklift".into());
        let valid = !prefix.is_empty()
            && prefix.split('.').all(|t| {
                !t.is_empty()
                    && t.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            });
        if !valid {
            return Err(ConfigError::Invalid {
                name: "FORKLIFT_NATS_PREFIX",
                value: prefix,
                reason: "use dot-separated tokens of letters, digits, '_' and '-'".into(),
            });
        }
        Ok(Self {
            url: optional("FORKLIFT_NATS_URL").unwrap_or_else(|| "nats://127.0.0.1:4222".into()),
            prefix,
        })
    }
}

/// `FORKLIFT_DATABASE_URL`, default `postgres://forklift:forklift@127.0.0.1:5432/forklift`.
pub fn database_url() -> String {
    optional("FORKLIFT_DATABASE_URL")
        .unwrap_or_else(|| "postgres://forklift:forklift@127.0.0.1:5432/forklift".into())
}

/// Deployment-wide build settings: `FORKLIFT_APT_MIRROR`, `FORKLIFT_PIP_INDEX_URL` and
/// `FORKLIFT_BUILD_CA_FILE` (a PEM bundle trusted during builds only, never left in the image).
pub fn build_settings_from_env() -> Result<BuildSettings, ConfigError> {
    let ca_bundle = match optional("FORKLIFT_BUILD_CA_FILE") {
        None => None,
        Some(path) => {
            let pem = std::fs::read_to_string(&path).map_err(|source| ConfigError::File {
                name: "FORKLIFT_BUILD_CA_FILE",
                path: path.clone(),
                source,
            })?;
            Some(check_ca_size(path, pem)?)
        }
    };
    Ok(BuildSettings {
        apt_mirror: optional("FORKLIFT_APT_MIRROR"),
        pip_index_url: optional("FORKLIFT_PIP_INDEX_URL"),
        ca_bundle,
    })
}

/// Largest CA bundle handed to builds. It travels as a build argument in the URL of Docker's
/// build call, and Docker's API refuses URLs over 64 KiB.
pub const MAX_BUILD_CA_BYTES: usize = 32 * 1024;

fn check_ca_size(path: String, pem: String) -> Result<String, ConfigError> {
    if pem.len() > MAX_BUILD_CA_BYTES {
        return Err(ConfigError::Invalid {
            name: "FORKLIFT_BUILD_CA_FILE",
            value: path,
            reason: format!(
                "it holds {} KiB; builds take at most {} KiB of extra CA certificates: give the \
                 proxy's or company's CAs, not a whole system bundle (images keep their own)",
                pem.len() / 1024,
                MAX_BUILD_CA_BYTES / 1024
            ),
        });
    }
    Ok(pem)
}

/// `FORKLIFT_CREDENTIALS_KEY`: base64 of 32 random bytes that encrypts registry credentials at
/// rest; `None` when unset. Every service that stores or uses credentials needs the same key.
pub fn credentials_key() -> Result<Option<CredentialsKey>, ConfigError> {
    let name = "FORKLIFT_CREDENTIALS_KEY";
    let Some(value) = optional(name) else {
        return Ok(None);
    };
    CredentialsKey::from_base64(&value)
        .map(Some)
        .map_err(|e| ConfigError::Invalid {
            name,
            value: "(hidden)".into(),
            reason: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_system_bundle_is_refused_with_the_reason() {
        let small = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".to_string();
        assert_eq!(
            check_ca_size("ca.pem".into(), small.clone()).ok(),
            Some(small)
        );
        let big = "x".repeat(MAX_BUILD_CA_BYTES + 1);
        let message = check_ca_size("bundle.crt".into(), big)
            .err()
            .map(|e| e.to_string());
        assert!(message.is_some_and(|m| m.contains("FORKLIFT_BUILD_CA_FILE") && m.contains("KiB")));
    }
}
