//! Package lists for apt, pip and conda.
//!
//! Each entry must be one package in its manager's own syntax and nothing else: no options, no
//! URLs, no spaces, no shell syntax. The generator single-quotes every entry anyway; refusing
//! early turns an injection attempt or a pasted command line into a message naming the entry.

mod grammar;

use std::collections::HashSet;

pub(crate) use grammar::pip_key;

use crate::spec::PackagesSpec;
use crate::validation::ValidationErrors;

const MAX_PACKAGES: usize = 200;

/// One manager's rules: how an entry is checked and which name it installs (for duplicates).
struct Manager {
    field: &'static str,
    check: fn(&str) -> Result<(), String>,
    key: fn(&str) -> String,
}

const APT: Manager = Manager {
    field: "packages.apt",
    check: grammar::check_apt,
    key: grammar::apt_key,
};
const PIP: Manager = Manager {
    field: "packages.pip",
    check: grammar::check_pip,
    key: grammar::pip_key,
};
const CONDA: Manager = Manager {
    field: "packages.conda",
    check: grammar::check_conda,
    key: grammar::conda_key,
};

/// Checks every list; the lists come back as given, since they were only checked.
pub(super) fn packages(spec: &PackagesSpec, errors: &mut ValidationErrors) -> PackagesSpec {
    check_list(&APT, &spec.apt, errors);
    check_list(&PIP, &spec.pip, errors);
    check_list(&CONDA, &spec.conda, errors);
    spec.clone()
}

fn check_list(manager: &Manager, entries: &[String], errors: &mut ValidationErrors) {
    if entries.len() > MAX_PACKAGES {
        errors.add(
            manager.field,
            format!(
                "lists {} packages; at most {MAX_PACKAGES} are allowed",
                entries.len()
            ),
        );
    }
    let mut seen = HashSet::new();
    for (index, entry) in entries.iter().enumerate() {
        let field = super::element(manager.field, index);
        if let Err(message) = grammar::check_common(entry).and_then(|()| (manager.check)(entry)) {
            errors.add(field, message);
        } else if !seen.insert((manager.key)(entry)) {
            errors.add(
                field,
                format!("'{entry}' installs a package already listed"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(apt: &[&str], pip: &[&str], conda: &[&str]) -> PackagesSpec {
        let own = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
        PackagesSpec {
            apt: own(apt),
            pip: own(pip),
            conda: own(conda),
        }
    }

    #[test]
    fn problems_name_the_entry() {
        let input = spec(
            &["curl", "bad pkg"],
            &["numpy", "x; rm -rf /"],
            &["", "numpy"],
        );
        let mut errors = ValidationErrors::new();
        packages(&input, &mut errors);
        let fields: Vec<&str> = errors.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["packages.apt[1]", "packages.pip[1]", "packages.conda[0]"]
        );
    }

    #[test]
    fn duplicates_compare_installed_names() {
        let input = spec(
            &["curl", "curl=7.88.1-10", "curl:arm64"],
            &["NumPy", "numpy>=1", "scikit_learn", "scikit-learn==1.3"],
            &["numpy", "conda-forge::NUMPY=1.26"],
        );
        let mut errors = ValidationErrors::new();
        packages(&input, &mut errors);
        let fields: Vec<&str> = errors.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "packages.apt[1]",
                "packages.pip[1]",
                "packages.pip[3]",
                "packages.conda[1]"
            ],
            "{errors}"
        );
    }

    #[test]
    fn lists_are_capped() {
        let many: Vec<String> = (0..=MAX_PACKAGES).map(|i| format!("pkg{i}")).collect();
        let input = PackagesSpec {
            apt: many,
            ..PackagesSpec::default()
        };
        let mut errors = ValidationErrors::new();
        packages(&input, &mut errors);
        let message = errors.message_for("packages.apt").unwrap_or_default();
        assert!(message.contains("at most 200"), "{errors}");
    }
}
