//! Environment variables baked into the image with `ENV`.
//!
//! Sessions run user code, Backend.AI's kernel runner and intrinsic services (sshd, ttyd) in the
//! same environment, so variables that change how every program loads code or how every shell
//! starts are refused: they would turn a convenience into a way to run code in every process,
//! Backend.AI's included. `PATH`, `PYTHONPATH`, `PYTHONSTARTUP` (interactive interpreters only)
//! and `TMPDIR` stay allowed: they are ordinary configuration that images set all the time.

use std::collections::HashSet;

use crate::spec::{EnvVar, EnvVarSpec};
use crate::validation::ValidationErrors;

const NAME_MAX: usize = 128;
const VALUE_MAX: usize = 4096;

/// Prefixes refused, with why.
const REFUSED_PREFIXES: [(&str, &str); 4] = [
    (
        "LD_",
        "changes how the dynamic loader finds and preloads code for every program",
    ),
    ("DYLD_", "changes how the dynamic loader finds code"),
    (
        "BASH_FUNC_",
        "defines shell functions in every bash started",
    ),
    (
        "MALLOC_",
        "changes the C library's allocator in every program",
    ),
];

/// Exact names refused, with why: glibc's list of variables unsafe for privileged programs, and
/// the ones that make a shell run code or parse differently.
const REFUSED_NAMES: [(&str, &str); 16] = [
    (
        "GCONV_PATH",
        "makes the C library load conversion modules from another directory",
    ),
    ("GETCONF_DIR", "redirects the C library's getconf lookups"),
    ("HOSTALIASES", "rewrites host name resolution"),
    ("LOCALDOMAIN", "rewrites host name resolution"),
    ("RES_OPTIONS", "changes the resolver's behaviour"),
    ("RESOLV_HOST_CONF", "redirects the resolver's configuration"),
    ("NIS_PATH", "redirects NIS lookups"),
    (
        "NLSPATH",
        "makes the C library load message catalogs from another place",
    ),
    (
        "LOCPATH",
        "makes the C library load locales from another place",
    ),
    (
        "BASH_ENV",
        "makes every non-interactive bash run a file first",
    ),
    ("ENV", "makes every interactive sh run a file first"),
    (
        "PS4",
        "is expanded, running commands, whenever a shell traces",
    ),
    ("SHELLOPTS", "changes the options of every bash started"),
    ("BASHOPTS", "changes the options of every bash started"),
    ("IFS", "changes how every shell splits words"),
    ("PROMPT_COMMAND", "runs a command before every bash prompt"),
];

/// Checks each variable, refusing duplicates.
pub(super) fn envs(specs: &[EnvVarSpec], errors: &mut ValidationErrors) -> Vec<EnvVar> {
    let mut seen = HashSet::new();
    let mut envs = Vec::with_capacity(specs.len());
    for (index, spec) in specs.iter().enumerate() {
        let name = check_settable_name(&spec.name)
            .map_err(|m| errors.add(format!("envs[{index}].name"), m))
            .ok();
        if name.is_some() && !seen.insert(spec.name.as_str()) {
            errors.add(
                format!("envs[{index}].name"),
                format!("{} is set twice", spec.name),
            );
        }
        let value = check_value(&spec.value)
            .map_err(|m| errors.add(format!("envs[{index}].value"), m))
            .ok();
        if name.is_some() && value.is_some() {
            envs.push(EnvVar {
                name: spec.name.clone(),
                value: spec.value.clone(),
            });
        }
    }
    envs
}

/// `[A-Za-z_][A-Za-z0-9_]*`, at most 128 characters: what every shell can name.
pub(super) fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("is empty".into());
    }
    if name.len() > NAME_MAX {
        return Err(format!("is longer than {NAME_MAX} characters"));
    }
    let first_ok = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
    let rest_ok = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !first_ok || !rest_ok {
        return Err(
            "must be letters, digits and '_', not starting with a digit, such as HF_HOME".into(),
        );
    }
    Ok(())
}

fn check_settable_name(name: &str) -> Result<(), String> {
    check_name(name)?;
    let upper = name.to_ascii_uppercase();
    let prefix = REFUSED_PREFIXES
        .iter()
        .find(|(prefix, _)| upper.starts_with(prefix));
    let exact = REFUSED_NAMES.iter().find(|(refused, _)| upper == *refused);
    match prefix.or(exact) {
        Some((_, why)) => Err(format!(
            "{name} cannot be set: it {why}; set it in the source image if it is really needed"
        )),
        None => Ok(()),
    }
}

/// Any printable text, spaces, quotes, `$` and backslashes included, since the generator writes
/// it literally. Control characters are refused, tab included: an `ENV` line cannot hold a
/// newline, and a tab is invisible in the preview.
fn check_value(value: &str) -> Result<(), String> {
    if value.chars().count() > VALUE_MAX {
        return Err(format!("is longer than {VALUE_MAX} characters"));
    }
    if value.chars().any(super::is_forbidden_char) {
        return Err("contains a control character (newline, tab...); values must be one line of printable text".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str, value: &str) -> EnvVarSpec {
        EnvVarSpec {
            name: name.to_string(),
            value: value.to_string(),
        }
    }

    #[test]
    fn ordinary_variables_pass_with_literal_values() {
        let specs = [
            env("HF_HOME", "/home/work/.cache/huggingface"),
            env("_private", ""),
            env("PATH", "/opt/app/bin:/usr/bin"),
            env("PYTHONPATH", "/opt/lib"),
            env("TMPDIR", "/scratch"),
            env("GREETING", "it's \"quoted\" $HOME \\ ${X} `id` ; && 日本語"),
        ];
        let mut errors = ValidationErrors::new();
        let checked = envs(&specs, &mut errors);
        assert!(errors.is_empty(), "{errors}");
        assert_eq!(checked.len(), specs.len());
        assert_eq!(checked[5].value, specs[5].value);
    }

    #[test]
    fn bad_names_and_values_name_their_field() {
        let cases = [
            (env("", "x"), "envs[0].name", "is empty"),
            (
                env("1ABC", "x"),
                "envs[0].name",
                "not starting with a digit",
            ),
            (env("A-B", "x"), "envs[0].name", "letters, digits"),
            (env("A B", "x"), "envs[0].name", "letters, digits"),
            (env("A=B", "x"), "envs[0].name", "letters, digits"),
            (
                env(&"A".repeat(129), "x"),
                "envs[0].name",
                "longer than 128",
            ),
            (
                env("LD_PRELOAD", "/tmp/x.so"),
                "envs[0].name",
                "dynamic loader",
            ),
            (
                env("ld_library_path", "/x"),
                "envs[0].name",
                "dynamic loader",
            ),
            (
                env("DYLD_INSERT_LIBRARIES", "x"),
                "envs[0].name",
                "dynamic loader",
            ),
            (
                env("BASH_ENV", "/tmp/x"),
                "envs[0].name",
                "non-interactive bash",
            ),
            (env("ENV", "/tmp/x"), "envs[0].name", "interactive sh"),
            (
                env("BASH_FUNC_ls%%", "x"),
                "envs[0].name",
                "letters, digits",
            ),
            (env("BASH_FUNC_x", "x"), "envs[0].name", "shell functions"),
            (env("PS4", "$(id)"), "envs[0].name", "traces"),
            (env("SHELLOPTS", "xtrace"), "envs[0].name", "options"),
            (env("IFS", "x"), "envs[0].name", "splits words"),
            (env("PROMPT_COMMAND", "id"), "envs[0].name", "prompt"),
            (
                env("GCONV_PATH", "/tmp"),
                "envs[0].name",
                "conversion modules",
            ),
            (env("MALLOC_CHECK_", "3"), "envs[0].name", "allocator"),
            (
                env("X", "a\"\nRUN rm -rf /"),
                "envs[0].value",
                "control character",
            ),
            (env("X", "a\rb"), "envs[0].value", "control character"),
            (env("X", "a\tb"), "envs[0].value", "control character"),
            (env("X", "a\u{0}b"), "envs[0].value", "control character"),
            (env("X", "a\u{2028}b"), "envs[0].value", "control character"),
            (
                env("X", &"v".repeat(4097)),
                "envs[0].value",
                "longer than 4096",
            ),
        ];
        for (input, field, fragment) in cases {
            let mut errors = ValidationErrors::new();
            let checked = envs(std::slice::from_ref(&input), &mut errors);
            let message = errors.message_for(field).unwrap_or_default();
            assert!(message.contains(fragment), "{input:?}: {errors}");
            assert!(checked.is_empty());
        }
    }

    #[test]
    fn duplicates_are_refused() {
        let mut errors = ValidationErrors::new();
        envs(&[env("A", "1"), env("B", "2"), env("A", "3")], &mut errors);
        assert!(errors
            .message_for("envs[2].name")
            .is_some_and(|m| m.contains("set twice")));
        assert_eq!(errors.errors.len(), 1);
    }
}
