//! Backend.AI base distros: the `ai.backend.base-distro` label value.
//!
//! Backend.AI's agent mounts a kernel runner built for the image's C library, and picks the build
//! by this label. A wrong value starts a runner that cannot load, so when a request does not name
//! the distro the builder detects it from the source image's `ldd --version`.

use std::fmt;

/// A base distro name such as `ubuntu22.04`: lowercase letters, a version, an optional `.minor`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BaseDistro(String);

/// Why a text is not a base distro name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{value}' is not a base distro: use lowercase letters followed by a version, such as ubuntu22.04 or alpine3.8")]
pub struct BaseDistroError {
    value: String,
}

/// Lets callers that collect messages as text take the error as it is.
impl From<BaseDistroError> for String {
    fn from(error: BaseDistroError) -> Self {
        error.to_string()
    }
}

impl BaseDistro {
    /// The values Backend.AI ships kernel runners for; other names of the same shape are
    /// accepted for newer Backend.AI releases.
    pub const KNOWN: [&'static str; 8] = [
        "ubuntu16.04",
        "ubuntu18.04",
        "ubuntu20.04",
        "ubuntu22.04",
        "ubuntu24.04",
        "centos7.6",
        "centos8.0",
        "alpine3.8",
    ];

    /// Accepts `^[a-z]+[0-9]+(\.[0-9]+)?$`.
    pub fn parse(s: &str) -> Result<Self, BaseDistroError> {
        if is_distro_name(s) {
            Ok(Self(s.to_string()))
        } else {
            Err(BaseDistroError {
                value: s.to_string(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether Backend.AI ships a kernel runner under exactly this name.
    pub fn is_known(&self) -> bool {
        Self::KNOWN.contains(&self.0.as_str())
    }

    /// Maps the output of `ldd --version 2>&1` to the distro whose kernel runner fits the image's
    /// C library, as Backend.AI groups them:
    ///
    /// | C library            | base distro   |
    /// |----------------------|---------------|
    /// | musl (any version)   | `alpine3.8`   |
    /// | glibc < 2.19         | `centos7.6`   |
    /// | glibc 2.19 – 2.26    | `ubuntu16.04` |
    /// | glibc 2.27 – 2.30    | `ubuntu18.04` |
    /// | glibc 2.31 – 2.34    | `ubuntu20.04` |
    /// | glibc ≥ 2.35         | `ubuntu22.04` |
    ///
    /// The runner only needs a C library at least as new as the one it was built against, so the
    /// newest build not newer than the image's glibc is the one that loads. `None` when the output
    /// is neither musl's nor glibc's.
    pub fn from_ldd_output(output: &str) -> Option<Self> {
        if output.to_ascii_lowercase().contains("musl") {
            return Some(Self("alpine3.8".to_string()));
        }
        let version = glibc_version(output)?;
        let name = match version {
            v if v < (2, 19) => "centos7.6",
            v if v < (2, 27) => "ubuntu16.04",
            v if v < (2, 31) => "ubuntu18.04",
            v if v < (2, 35) => "ubuntu20.04",
            _ => "ubuntu22.04",
        };
        Some(Self(name.to_string()))
    }
}

impl fmt::Display for BaseDistro {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_distro_name(s: &str) -> bool {
    let letters = s.find(|c: char| !c.is_ascii_lowercase()).unwrap_or(s.len());
    let (name, version) = s.split_at(letters);
    let (major, minor) = match version.split_once('.') {
        Some((major, minor)) => (major, Some(minor)),
        None => (version, None),
    };
    let digits = |part: &str| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit());
    !name.is_empty() && digits(major) && minor.is_none_or(digits)
}

/// glibc's `ldd` starts with `ldd (<vendor> ...) <major>.<minor>`, whatever the vendor writes in
/// the parentheses (`GNU libc`, `Debian GLIBC 2.36-9+deb12u4`, `Gentoo 2.37-r7`...).
fn glibc_version(output: &str) -> Option<(u32, u32)> {
    let first = output.lines().map(str::trim).find(|l| !l.is_empty())?;
    let rest = first.strip_prefix("ldd (")?;
    let (_, version) = rest.rsplit_once(") ")?;
    let (major, minor) = version.trim().split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_grammar() {
        for good in BaseDistro::KNOWN
            .iter()
            .chain(&["debian12", "rocky9.3", "ubuntu26.04"])
        {
            assert_eq!(
                BaseDistro::parse(good).map(|d| d.to_string()),
                Ok(good.to_string())
            );
        }
        for bad in [
            "",
            "ubuntu",
            "22.04",
            "Ubuntu22.04",
            "ubuntu22.",
            "ubuntu22.04.1",
            "ubuntu 22.04",
            "ubuntu22.04\n",
            "u-buntu22",
        ] {
            assert!(BaseDistro::parse(bad).is_err(), "{bad:?} was accepted");
        }
        let known = BaseDistro::parse("ubuntu22.04").map(|d| d.is_known());
        assert_eq!(known, Ok(true));
        assert_eq!(
            BaseDistro::parse("debian12").map(|d| d.is_known()),
            Ok(false)
        );
    }

    #[test]
    fn ldd_output_maps_to_the_runner_for_its_c_library() {
        let cases = [
            (
                "ldd (Debian GLIBC 2.36-9+deb12u4) 2.36\nCopyright (C) 2022",
                Some("ubuntu22.04"),
            ),
            (
                "ldd (Ubuntu GLIBC 2.35-0ubuntu3.1) 2.35\n",
                Some("ubuntu22.04"),
            ),
            ("ldd (Ubuntu GLIBC 2.34-0ubuntu1) 2.34", Some("ubuntu20.04")),
            (
                "ldd (Ubuntu GLIBC 2.31-0ubuntu9.9) 2.31",
                Some("ubuntu20.04"),
            ),
            ("ldd (Ubuntu GLIBC 2.30-0ubuntu2) 2.30", Some("ubuntu18.04")),
            (
                "ldd (Ubuntu GLIBC 2.27-3ubuntu1.6) 2.27",
                Some("ubuntu18.04"),
            ),
            ("ldd (Ubuntu GLIBC 2.26-0ubuntu2) 2.26", Some("ubuntu16.04")),
            (
                "ldd (Ubuntu EGLIBC 2.19-0ubuntu6.15) 2.19",
                Some("ubuntu16.04"),
            ),
            ("ldd (GNU libc) 2.18", Some("centos7.6")),
            ("ldd (GNU libc) 2.17\nCopyright (C) 2012", Some("centos7.6")),
            (
                "ldd (Gentoo 2.37-r7 (patchset 8)) 2.37",
                Some("ubuntu22.04"),
            ),
            (
                "musl libc (x86_64)\nVersion 1.2.4\nDynamic Program Path",
                Some("alpine3.8"),
            ),
            ("\n  ldd (GNU libc) 2.28  \n", Some("ubuntu18.04")),
            ("", None),
            ("sh: ldd: not found", None),
            ("ldd (GNU libc) two.thirty", None),
            ("ldd: missing file arguments", None),
        ];
        for (output, expected) in cases {
            let found = BaseDistro::from_ldd_output(output);
            assert_eq!(
                found.as_ref().map(BaseDistro::as_str),
                expected,
                "{output:?}"
            );
        }
    }
}
