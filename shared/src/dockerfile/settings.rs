//! Deployment-wide build settings and the build arguments that carry them into a build.

use std::collections::HashMap;

use super::{ARG_APT_MIRROR, ARG_BASE_DISTRO, ARG_BUILD_CA_PARTS, ARG_PIP_INDEX_URL};
use crate::distro::BaseDistro;

/// Largest build-CA part: under Linux's 128 KiB limit on one environment variable, with room
/// for its name.
const CA_PART_MAX: usize = 120 * 1024;
const PEM_END: &str = "-----END CERTIFICATE-----";

/// Deployment-wide settings for builds; `None` or empty means not configured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildSettings {
    /// An apt mirror; see [`super::ARG_APT_MIRROR`] for how it replaces the image's sources.
    pub apt_mirror: Option<String>,
    /// PyPI index URL for pip.
    pub pip_index_url: Option<String>,
    /// Extra CA certificates (PEM text) trusted by the network steps.
    pub ca_bundle: Option<String>,
}

/// A setting that would make every build fail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildSettingsError {
    #[error("{setting} must be an http:// or https:// URL without spaces or control characters")]
    NotAUrl { setting: &'static str },
    #[error("the build CA bundle holds no PEM certificate (-----BEGIN CERTIFICATE-----)")]
    NoCertificate,
    #[error(
        "the build CA bundle is {size} bytes; at most about {max} bytes fit in the build arguments"
    )]
    TooLarge { size: usize, max: usize },
}

impl BuildSettings {
    /// Checks the settings once, at start-up, rather than in every build that uses them.
    pub fn validate(&self) -> Result<(), BuildSettingsError> {
        check_url("FORKLIFT_APT_MIRROR", self.apt_mirror.as_deref())?;
        check_url("FORKLIFT_PIP_INDEX_URL", self.pip_index_url.as_deref())?;
        let Some(ca) = configured(&self.ca_bundle) else {
            return Ok(());
        };
        if !ca.contains("-----BEGIN CERTIFICATE-----") {
            return Err(BuildSettingsError::NoCertificate);
        }
        let parts = split_ca(ca);
        if parts.len() > ARG_BUILD_CA_PARTS.len() || parts.iter().any(|p| p.len() > CA_PART_MAX) {
            return Err(BuildSettingsError::TooLarge {
                size: ca.len(),
                max: CA_PART_MAX * ARG_BUILD_CA_PARTS.len(),
            });
        }
        Ok(())
    }
}

fn configured(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn check_url(setting: &'static str, value: Option<&str>) -> Result<(), BuildSettingsError> {
    let Some(url) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(());
    };
    let scheme_ok = url.starts_with("http://") || url.starts_with("https://");
    if !scheme_ok || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(BuildSettingsError::NotAUrl { setting });
    }
    Ok(())
}

/// The build arguments for one build: the base distro always, each setting when configured.
/// Docker warns about, and otherwise ignores, an argument that the Dockerfile does not declare
/// (a mirror when nothing is installed with apt, say).
pub fn build_args(settings: &BuildSettings, distro: &BaseDistro) -> HashMap<String, String> {
    let mut args = HashMap::from([(ARG_BASE_DISTRO.to_string(), distro.to_string())]);
    let urls = [
        (ARG_APT_MIRROR, &settings.apt_mirror),
        (ARG_PIP_INDEX_URL, &settings.pip_index_url),
    ];
    for (name, value) in urls {
        if let Some(value) = configured(value) {
            args.insert(name.to_string(), value.to_string());
        }
    }
    if let Some(ca) = configured(&settings.ca_bundle) {
        for (name, part) in ARG_BUILD_CA_PARTS.iter().zip(fit_parts(split_ca(ca))) {
            args.insert(name.to_string(), part);
        }
    }
    args
}

/// Cuts the bundle after certificates into parts of at most [`CA_PART_MAX`] bytes.
fn split_ca(ca: &str) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut rest = ca;
    while !rest.is_empty() {
        let end = rest
            .find(PEM_END)
            .map_or(rest.len(), |at| at + PEM_END.len());
        let (certificate, after) = rest.split_at(end);
        match parts.last_mut() {
            Some(part) if part.len() + certificate.len() <= CA_PART_MAX => {
                part.push_str(certificate)
            }
            _ => parts.push(certificate.to_string()),
        }
        rest = after;
    }
    parts
}

/// Merges any parts beyond the last argument into it: such a bundle fails the build loudly
/// ("argument list too long") instead of silently losing certificates.
fn fit_parts(mut parts: Vec<String>) -> Vec<String> {
    let count = ARG_BUILD_CA_PARTS.len();
    if parts.len() > count {
        let overflow: String = parts.drain(count..).collect();
        if let Some(last) = parts.last_mut() {
            last.push_str(&overflow);
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate(index: usize) -> String {
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n{PEM_END}\n",
            format!("{index:04}").repeat(400)
        )
    }

    fn distro() -> BaseDistro {
        match BaseDistro::parse("ubuntu22.04") {
            Ok(distro) => distro,
            Err(error) => panic!("{error}"),
        }
    }

    #[test]
    fn only_configured_settings_become_arguments() {
        let empty = build_args(&BuildSettings::default(), &distro());
        assert_eq!(
            empty,
            HashMap::from([(ARG_BASE_DISTRO.to_string(), "ubuntu22.04".to_string())])
        );

        let settings = BuildSettings {
            apt_mirror: Some(" http://mirror.local ".into()),
            pip_index_url: Some(String::new()),
            ca_bundle: Some(certificate(1)),
        };
        let args = build_args(&settings, &distro());
        assert_eq!(
            args.get(ARG_APT_MIRROR).map(String::as_str),
            Some("http://mirror.local")
        );
        assert_eq!(args.get(ARG_PIP_INDEX_URL), None);
        assert_eq!(
            args.get("FORKLIFT_BUILD_CA").map(String::len),
            Some(certificate(1).trim().len())
        );
        assert_eq!(args.get("FORKLIFT_BUILD_CA_2"), None);
        assert_eq!(settings.validate(), Ok(()));
    }

    #[test]
    fn a_large_bundle_is_split_between_certificates() {
        // About 220 KB, like a system trust store.
        let bundle: String = (0..135).map(certificate).collect();
        let settings = BuildSettings {
            ca_bundle: Some(bundle.clone()),
            ..BuildSettings::default()
        };
        assert_eq!(settings.validate(), Ok(()));
        let args = build_args(&settings, &distro());
        let parts: Vec<&String> = ARG_BUILD_CA_PARTS
            .iter()
            .filter_map(|name| args.get(*name))
            .collect();
        assert_eq!(parts.len(), 2);
        assert!(parts
            .iter()
            .all(|p| p.len() <= CA_PART_MAX && p.trim_end().ends_with(PEM_END)));
        let joined: String = parts.iter().map(|p| p.as_str()).collect();
        assert_eq!(joined, bundle.trim());
    }

    #[test]
    fn settings_that_would_break_builds_are_refused() {
        let with = |apt: &str, ca: &str| BuildSettings {
            apt_mirror: Some(apt.into()),
            ca_bundle: Some(ca.into()),
            ..BuildSettings::default()
        };
        let cert = certificate(1);
        assert!(matches!(
            with("ftp://x", &cert).validate(),
            Err(BuildSettingsError::NotAUrl { .. })
        ));
        assert!(matches!(
            with("http://a b", &cert).validate(),
            Err(BuildSettingsError::NotAUrl { .. })
        ));
        assert_eq!(
            with("", "not a pem").validate(),
            Err(BuildSettingsError::NoCertificate)
        );
        let huge: String = (0..400).map(certificate).collect();
        assert!(matches!(
            with("", &huge).validate(),
            Err(BuildSettingsError::TooLarge { .. })
        ));
        let args = build_args(&with("", &huge), &distro());
        let total: usize = ARG_BUILD_CA_PARTS
            .iter()
            .filter_map(|n| args.get(*n))
            .map(String::len)
            .sum();
        assert_eq!(
            total,
            huge.trim().len(),
            "an oversized bundle is passed whole, never cut short"
        );
    }
}
