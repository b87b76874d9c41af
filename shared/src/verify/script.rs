//! The script run inside a container of the built image, as root, without network and under a
//! short timeout.
//!
//! It checks what the labels promise and only a running image can show: the runtime runs, the
//! query mode finds its kernel, each default service's package imports, and `work` can sudo. It
//! is POSIX sh and uses only tools that Debian, Ubuntu, CentOS and Alpine all have.

use crate::dockerfile::{sh_quote, SUDOERS_FILE};
use crate::known_services;
use crate::spec::{RuntimeType, ValidatedSpec};

/// Starts the line of a check that passed.
pub const CHECK_OK_PREFIX: &str = "forklift-check-ok: ";
/// Starts the line of a check that failed; the rest of the line says why.
pub const CHECK_FAILED_PREFIX: &str = "forklift-check-failed: ";

/// The script for `spec`: prints one `forklift-check-ok:` or `forklift-check-failed:` line per
/// check and exits 1 if any failed, 0 otherwise.
pub fn check_script(spec: &ValidatedSpec) -> String {
    let mut script = prelude(spec);
    script.push_str(&runtime_checks(spec));
    if spec.features.iter().any(|f| f == "query") {
        script.push_str(KERNEL_CHECKS);
    }
    for port in &spec.service_ports {
        if let Some(service) = known_services::running_default(port) {
            script.push_str(&import_check(&port.name, service.module));
        }
    }
    if spec.allow_root {
        script.push_str(&sudo_checks());
    }
    script.push_str("\nif [ \"$failed\" -ne 0 ]; then exit 1; fi\nexit 0\n");
    script
}

fn prelude(spec: &ValidatedSpec) -> String {
    format!(
        "#!/bin/sh\n\
         # Forklift's post-build checks: one line per check, exit status 1 if any failed.\n\
         failed=0\n\
         ok() {{ printf '{CHECK_OK_PREFIX}%s\\n' \"$1\"; }}\n\
         fail() {{ printf '{CHECK_FAILED_PREFIX}%s\\n' \"$1\"; failed=1; }}\n\
         # The last line of a command's output, so that each report stays on one line.\n\
         last_line() {{ printf '%s\\n' \"$1\" | tail -n 1; }}\n\
         runtime={}\n",
        sh_quote(&spec.runtime_path)
    )
}

/// The runtime must be an executable file and, for python, run Python code.
fn runtime_checks(spec: &ValidatedSpec) -> String {
    let mut checks = String::from(
        "\nif [ -f \"$runtime\" ] && [ -x \"$runtime\" ]; then\n\
         \x20   ok \"runtime $runtime is an executable file\"\n\
         else\n\
         \x20   fail \"runtime $runtime is missing or not executable\"\n\
         fi\n",
    );
    if spec.runtime_type == RuntimeType::Python {
        checks.push_str(
            "if out=$(\"$runtime\" -c 'import sys; print(sys.version.split()[0])' 2>&1); then\n\
             \x20   ok \"runtime $runtime runs Python $out\"\n\
             else\n\
             \x20   fail \"runtime $runtime cannot run Python code: $(last_line \"$out\")\"\n\
             fi\n",
        );
    }
    checks
}

/// Backend.AI's kernel runner starts the first kernel spec whose name contains "python", looking
/// in JUPYTER_PATH and the system-wide Jupyter directories, and ipykernel must import for it.
const KERNEL_CHECKS: &str = r#"
if out=$("$runtime" -c 'import ipykernel' 2>&1); then
    ok "query: ipykernel imports"
else
    fail "query: $runtime cannot import ipykernel: $(last_line "$out")"
fi
kernel=
for dir in $(printf '%s' "${JUPYTER_PATH:-}" | tr ':' ' ') /usr/local/share/jupyter /usr/share/jupyter; do
    for spec in "$dir"/kernels/*python*/kernel.json; do
        if [ -z "$kernel" ] && [ -f "$spec" ]; then kernel=$spec; fi
    done
done
if [ -n "$kernel" ]; then
    ok "query: Jupyter kernel spec $kernel"
else
    fail "query: no Jupyter kernel spec named *python* in /usr/local/share/jupyter/kernels or /usr/share/jupyter/kernels"
fi
"#;

/// A service started by its default command needs its package.
fn import_check(service: &str, module: &str) -> String {
    let code = sh_quote(&format!("import {module}"));
    format!(
        "\nif out=$(\"$runtime\" -c {code} 2>&1); then\n\
         \x20   ok \"service {service}: {module} imports\"\n\
         else\n\
         \x20   fail \"service {service}: $runtime cannot import {module}: $(last_line \"$out\")\"\n\
         fi\n"
    )
}

/// allow_root: the sudo rule is in place and effective for `work`, created here if the image
/// has no such user (Backend.AI creates it when a session starts). Options come before the user
/// name because busybox's su reads them only there.
fn sudo_checks() -> String {
    let file = SUDOERS_FILE;
    format!(
        r#"
if [ -f {file} ] && [ "$(stat -c '%a %U' {file} 2>/dev/null)" = "440 root" ]; then
    ok "allow_root: {file} is root's, mode 0440"
else
    fail "allow_root: {file} is missing, or not root's with mode 0440"
fi
if ! id work >/dev/null 2>&1; then
    if command -v useradd >/dev/null 2>&1; then useradd -m work >/dev/null 2>&1
    elif command -v adduser >/dev/null 2>&1; then adduser -D work >/dev/null 2>&1
    fi
fi
if out=$(su -s /bin/sh -c 'sudo -n true' work 2>&1); then
    ok "allow_root: work runs sudo without a password"
else
    fail "allow_root: work cannot run sudo -n true: $(last_line "$out")"
fi
"#
    )
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;
    use crate::spec::{validate, BuildSpec, ServicePortSpec};

    fn checked(request: BuildSpec) -> ValidatedSpec {
        let request = BuildSpec {
            source_image: "python:3.11".into(),
            target_image: "reg.local/py:3.11-ubuntu22.04".into(),
            ..request
        };
        match validate(&request) {
            Ok(spec) => spec,
            Err(errors) => panic!("{errors}"),
        }
    }

    fn port(name: &str, port: i64, command: Option<&str>) -> ServicePortSpec {
        ServicePortSpec {
            name: name.into(),
            protocol: "http".into(),
            port,
            command: command.map(str::to_string),
        }
    }

    /// Runs the script here; only checks that hold on any Linux host are asserted.
    fn run(script: &str) -> (Option<i32>, String) {
        match Command::new("sh").args(["-c", script]).output() {
            Ok(output) => (
                output.status.code(),
                String::from_utf8_lossy(&output.stdout).into_owned(),
            ),
            Err(error) => panic!("sh: {error}"),
        }
    }

    #[test]
    fn checks_follow_the_request() {
        let plain = check_script(&checked(BuildSpec::default()));
        assert!(plain.contains("import sys"));
        assert!(
            !plain.contains("ipykernel")
                && !plain.contains("sudo")
                && !plain.contains("import notebook")
        );

        let full = check_script(&checked(BuildSpec {
            features: Some(vec!["query".into()]),
            service_ports: vec![
                port("jupyterlab", 8888, None),
                port("tensorboard", 6006, Some("tb --port {ports[0]}")),
            ],
            allow_root: true,
            ..BuildSpec::default()
        }));
        for needle in [
            "'import ipykernel'",
            "kernels/*python*/kernel.json",
            "'import jupyterlab'",
            "= \"440 root\"",
            "su -s /bin/sh -c 'sudo -n true' work",
        ] {
            assert!(full.contains(needle), "{needle} missing:\n{full}");
        }
        assert!(
            !full.contains("import tensorboard"),
            "a custom command gets no import check"
        );

        let app = check_script(&checked(BuildSpec {
            runtime_type: Some("app".into()),
            ..BuildSpec::default()
        }));
        assert!(app.contains("runtime='/bin/sh'") && !app.contains("import sys"));
    }

    #[test]
    fn scripts_are_valid_shell() {
        let script = check_script(&checked(BuildSpec {
            features: Some(vec!["query".into()]),
            service_ports: vec![port("jupyter", 8080, None)],
            allow_root: true,
            ..BuildSpec::default()
        }));
        let status = Command::new("sh").args(["-n", "-c", &script]).status();
        assert!(status.is_ok_and(|s| s.success()));
    }

    #[test]
    fn a_good_image_passes_and_a_broken_one_fails_line_by_line() {
        let app = check_script(&checked(BuildSpec {
            runtime_type: Some("app".into()),
            ..BuildSpec::default()
        }));
        let (code, output) = run(&app);
        assert_eq!(code, Some(0), "{output}");
        assert_eq!(
            output,
            "forklift-check-ok: runtime /bin/sh is an executable file\n"
        );

        let broken = check_script(&checked(BuildSpec {
            runtime_path: Some("/nonexistent/python3".into()),
            service_ports: vec![port("jupyter", 8080, None)],
            ..BuildSpec::default()
        }));
        let (code, output) = run(&broken);
        assert_eq!(code, Some(1), "{output}");
        let failed: Vec<&str> = output
            .lines()
            .filter(|l| l.starts_with(CHECK_FAILED_PREFIX))
            .collect();
        assert_eq!(failed.len(), 3, "{output}");
        assert!(failed[0].contains("/nonexistent/python3 is missing"));
        assert!(failed[2].contains("cannot import notebook"));
        assert_eq!(output.lines().count(), 3, "one line per check: {output}");
    }
}
