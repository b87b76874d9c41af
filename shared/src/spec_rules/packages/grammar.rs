//! The syntax of one package entry per manager.
//!
//! - apt: a Debian package name, then optional `:arch` and `=version`.
//! - pip: a subset of PEP 508: a name, optional `[extras]`, optional comma-separated version
//!   specifiers. No URLs, markers or options.
//! - conda: an optional `channel::`, a name, an optional match spec starting with `=<>!`.

/// Checks shared by every manager, so that the commonest mistakes get a message that says what
/// they are rather than a grammar error.
pub(super) fn check_common(entry: &str) -> Result<(), String> {
    if entry.is_empty() {
        return Err("is empty".into());
    }
    if entry.chars().any(char::is_control) {
        return Err("contains a control character; give one package per entry".into());
    }
    if entry.chars().any(char::is_whitespace) {
        return Err(format!(
            "'{entry}' contains whitespace; give one package per entry, without spaces"
        ));
    }
    if entry.starts_with('-') {
        return Err(format!("'{entry}' is an option; only package names are accepted (the build passes its own options)"));
    }
    if entry.contains("://") || entry.contains('@') {
        return Err(format!("'{entry}' is a URL or direct reference; only package names from the configured index are accepted"));
    }
    if let Some(bad) = entry.chars().find(|c| "`$;&|'\"\\()#".contains(*c)) {
        return Err(format!("'{entry}' contains '{bad}', which is not part of a package name (shell syntax is not accepted)"));
    }
    Ok(())
}

pub(super) fn check_apt(entry: &str) -> Result<(), String> {
    let (name_arch, version) = match entry.split_once('=') {
        Some((name_arch, version)) => (name_arch, Some(version)),
        None => (entry, None),
    };
    let (name, arch) = match name_arch.split_once(':') {
        Some((name, arch)) => (name, Some(arch)),
        None => (name_arch, None),
    };
    let shape =
        || format!("'{entry}' is not an apt package such as curl, libssl3:amd64 or curl=7.88.1-10");

    let name_ok = name.len() >= 2
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+.-".contains(c));
    let arch_ok = arch.is_none_or(|a| {
        !a.is_empty()
            && a.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    });
    let version_ok = version.is_none_or(|v| {
        v.starts_with(|c: char| c.is_ascii_digit())
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".+~:-".contains(c))
    });
    if name_ok && arch_ok && version_ok {
        Ok(())
    } else {
        Err(shape())
    }
}

/// The package and architecture installed, without the version.
pub(super) fn apt_key(entry: &str) -> String {
    entry.split('=').next().unwrap_or(entry).to_string()
}

/// Comparison operators of PEP 440, longest first so that `===` is not read as `==`.
const PIP_OPERATORS: [&str; 8] = ["===", "==", "!=", "<=", ">=", "~=", "<", ">"];

pub(super) fn check_pip(entry: &str) -> Result<(), String> {
    let shape = || {
        format!(
            "'{entry}' is not a requirement such as numpy, numpy==1.26.4 or requests[socks]>=2,<3"
        )
    };
    if entry.contains(';') {
        return Err(format!(
            "'{entry}' has an environment marker; give the bare requirement"
        ));
    }
    let name_end = entry
        .find(['[', '=', '!', '<', '>', '~'])
        .unwrap_or(entry.len());
    let (name, rest) = entry.split_at(name_end);
    if !is_pip_name(name) {
        return Err(shape());
    }
    let specifiers = match rest.strip_prefix('[') {
        Some(extras_and_rest) => {
            let (extras, after) = extras_and_rest.split_once(']').ok_or_else(shape)?;
            if !extras.split(',').all(is_pip_name) {
                return Err(shape());
            }
            after
        }
        None => rest,
    };
    if specifiers.is_empty() || specifiers.split(',').all(is_pip_specifier) {
        Ok(())
    } else {
        Err(shape())
    }
}

fn is_pip_name(name: &str) -> bool {
    let alnum_end = |s: &str| s.ends_with(|c: char| c.is_ascii_alphanumeric());
    name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && alnum_end(name)
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

fn is_pip_specifier(specifier: &str) -> bool {
    let Some(op) = PIP_OPERATORS.iter().find(|op| specifier.starts_with(**op)) else {
        return false;
    };
    let version = &specifier[op.len()..];
    !version.is_empty()
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".*+!_-".contains(c))
}

/// PEP 503's normalised name: `Scikit_Learn` and `scikit-learn` are one package.
pub(crate) fn pip_key(entry: &str) -> String {
    let name_end = entry
        .find(['[', '=', '!', '<', '>', '~'])
        .unwrap_or(entry.len());
    let mut key = String::with_capacity(name_end);
    for c in entry[..name_end].chars() {
        let c = if "._-".contains(c) {
            '-'
        } else {
            c.to_ascii_lowercase()
        };
        if !(c == '-' && key.ends_with('-')) {
            key.push(c);
        }
    }
    key
}

pub(super) fn check_conda(entry: &str) -> Result<(), String> {
    let shape = || {
        format!("'{entry}' is not a conda package such as numpy, numpy=1.26 or conda-forge::scipy>=1.11")
    };
    let (channel, spec) = match entry.split_once("::") {
        Some((channel, spec)) => (Some(channel), spec),
        None => (None, entry),
    };
    let channel_ok = channel.is_none_or(|c| {
        !c.is_empty()
            && c.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
    });
    let name_end = spec.find(['=', '<', '>', '!']).unwrap_or(spec.len());
    let (name, version) = spec.split_at(name_end);
    let name_ok = name.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    let version_ok = version
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_.*+=<>!,".contains(c));
    if channel_ok && name_ok && version_ok {
        Ok(())
    } else {
        Err(shape())
    }
}

/// The package installed, whichever channel it comes from.
pub(super) fn conda_key(entry: &str) -> String {
    let spec = entry.split_once("::").map_or(entry, |(_, spec)| spec);
    let name_end = spec.find(['=', '<', '>', '!']).unwrap_or(spec.len());
    spec[..name_end].to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(manager: fn(&str) -> Result<(), String>, entry: &str) -> Result<(), String> {
        check_common(entry).and_then(|()| manager(entry))
    }

    #[test]
    fn apt_entries() {
        for good in [
            "curl",
            "libssl3",
            "g++",
            "libstdc++6",
            "python3.11",
            "libc6:amd64",
            "curl=7.88.1-10+deb12u5",
            "tzdata=2024a-0ubuntu0.22.04",
            "vim:arm64=2:9.0.1378-2",
            "0ad",
        ] {
            assert_eq!(check(check_apt, good), Ok(()), "{good}");
        }
        let bad = [
            ("Curl", "not an apt package"),
            ("c", "not an apt package"),
            ("curl=", "not an apt package"),
            ("curl=v1", "not an apt package"),
            ("curl:", "not an apt package"),
            ("curl_x", "not an apt package"),
            (".curl", "not an apt package"),
            ("curl && rm -rf /", "whitespace"),
            ("curl;id", "contains ';'"),
            ("$(id)", "contains '$'"),
            ("`id`", "contains '`'"),
            ("'curl'", "contains '''"),
            ("curl\nvim", "control character"),
            ("-oDebug::pkgProblemResolver=1", "is an option"),
            ("--allow-unauthenticated", "is an option"),
            ("http://evil/x.deb", "URL"),
        ];
        for (entry, fragment) in bad {
            let result = check(check_apt, entry);
            assert!(
                matches!(&result, Err(m) if m.contains(fragment)),
                "{entry:?}: {result:?}"
            );
        }
    }

    #[test]
    fn pip_entries() {
        for good in [
            "numpy",
            "NumPy",
            "numpy==1.26.4",
            "numpy>=1.20,<2",
            "torch==2.1.0+cu121",
            "requests[socks,security]>=2",
            "pkg~=1.4",
            "pkg===1.0",
            "pkg!=1.5.*",
            "zope.interface",
            "a",
            "pkg[x]",
            "pkg>=1.0rc1",
            "pkg<=2!1.0",
        ] {
            assert_eq!(check(check_pip, good), Ok(()), "{good}");
        }
        let bad = [
            ("numpy>=", "not a requirement"),
            ("numpy==1,", "not a requirement"),
            ("numpy=1", "not a requirement"),
            ("numpy[", "not a requirement"),
            ("numpy[a,]", "not a requirement"),
            ("_numpy", "not a requirement"),
            ("numpy.", "not a requirement"),
            ("numpy ==1", "whitespace"),
            ("-r requirements.txt", "whitespace"),
            ("-rrequirements.txt", "is an option"),
            ("--index-url=http://x", "is an option"),
            ("git+https://github.com/x/y", "URL"),
            ("pkg @ https://x/y.whl", "whitespace"),
            ("pkg@https://x", "URL"),
            ("numpy;python_version<'3.8'", "contains ';'"),
            ("numpy&&id", "contains '&'"),
            ("numpy|id", "contains '|'"),
            ("x$(id)", "contains '$'"),
            ("numpy\"", "contains '\"'"),
            ("../local/pkg", "not a requirement"),
        ];
        for (entry, fragment) in bad {
            let result = check(check_pip, entry);
            assert!(
                matches!(&result, Err(m) if m.contains(fragment)),
                "{entry:?}: {result:?}"
            );
        }
    }

    #[test]
    fn conda_entries() {
        for good in [
            "numpy",
            "NumPy",
            "numpy=1.26",
            "numpy>=1.20,<2",
            "numpy==1.26.4=py311h",
            "conda-forge::scipy",
            "conda-forge::scipy>=1.11",
            "_libgcc_mutex",
            "python=3.11.*",
            "pkg!=1.0",
        ] {
            assert_eq!(check(check_conda, good), Ok(()), "{good}");
        }
        let bad = [
            ("::numpy", "not a conda package"),
            ("conda forge::x", "whitespace"),
            ("numpy~=1", "not a conda package"),
            ("=1.0", "not a conda package"),
            ("-c conda-forge", "whitespace"),
            ("--override-channels", "is an option"),
            ("numpy;id", "contains ';'"),
            ("numpy 1.26", "whitespace"),
            ("https://conda.anaconda.org/x", "URL"),
        ];
        for (entry, fragment) in bad {
            let result = check(check_conda, entry);
            assert!(
                matches!(&result, Err(m) if m.contains(fragment)),
                "{entry:?}: {result:?}"
            );
        }
    }

    #[test]
    fn keys_identify_the_installed_package() {
        assert_eq!(apt_key("vim:arm64=2:9.0"), "vim:arm64");
        assert_eq!(pip_key("Scikit__Learn[x]>=1"), "scikit-learn");
        assert_eq!(pip_key("zope.interface"), "zope-interface");
        assert_eq!(conda_key("conda-forge::NumPy=1.26"), "numpy");
    }
}
