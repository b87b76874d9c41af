//! The RUN steps: system packages (and sudo), conda, pip, the Jupyter kernel spec and the sudo
//! rule. One step per package manager, in that order, so that adding a pip package reuses the
//! cached apt layer.

use super::network;
use super::quote::sh;
use super::{ARG_PIP_INDEX_URL, SUDOERS_FILE};
use crate::known_services;
use crate::spec::{RuntimeType, ValidatedSpec};
use crate::spec_rules::pip_key;

/// Writes a shell script as one RUN instruction, a line per shell line. Lines end in `;` (or in
/// `then`, `do`, `else`) so that the joined script is valid; the last `;` is dropped.
pub(super) fn run(lines: &[String]) -> String {
    let mut script = lines.join(" \\\n    ");
    if script.ends_with(';') {
        script.pop();
    }
    format!("RUN {script}\n")
}

fn indent(lines: Vec<String>) -> impl Iterator<Item = String> {
    lines.into_iter().map(|line| format!("    {line}"))
}

fn words(list: &[String]) -> String {
    list.iter().map(|w| sh(w)).collect::<Vec<_>>().join(" ")
}

/// The apt step: the requested packages, plus sudo when allow_root needs it and the image lacks
/// it. Refuses clearly on images without apt-get.
pub(super) fn apt(spec: &ValidatedSpec) -> String {
    let mut lines = vec![
        "set -eu;".to_string(),
        "if ! command -v apt-get >/dev/null 2>&1; then".into(),
        "    echo 'forklift: apt packages need apt-get; the source image has none' >&2; exit 1;"
            .into(),
        "fi;".into(),
    ];
    let mut packages = words(&spec.packages.apt);
    if spec.allow_root {
        lines.push("sudo=; if ! command -v sudo >/dev/null 2>&1; then sudo=sudo; fi;".into());
        packages.push_str(" $sudo");
    }
    lines.extend(apt_install(&packages));
    run(&lines)
}

/// The sudo step for allow_root when no apt packages were requested: nothing to do when sudo is
/// there, apt-get or apk otherwise.
pub(super) fn sudo_only() -> String {
    let mut lines = vec![
        "set -eu;".to_string(),
        "if command -v sudo >/dev/null 2>&1; then".into(),
        "    echo 'forklift: sudo is already installed';".into(),
        "elif command -v apt-get >/dev/null 2>&1; then".into(),
    ];
    lines.extend(indent(apt_install("sudo")));
    lines.extend([
        "elif command -v apk >/dev/null 2>&1; then".to_string(),
        "    apk add --no-cache sudo;".into(),
        "else".into(),
        "    echo 'forklift: allow_root needs sudo, and the source image has neither apt-get nor apk to install it' >&2; exit 1;".into(),
        "fi;".into(),
    ]);
    run(&lines)
}

fn apt_install(packages: &str) -> Vec<String> {
    let mut lines = vec!["export DEBIAN_FRONTEND=noninteractive;".to_string()];
    lines.extend(network::prelude(true));
    lines.extend(network::apt_mirror());
    lines.extend([
        "apt-get \"$@\" update;".to_string(),
        format!("apt-get \"$@\" install -y --no-install-recommends {packages};"),
        "rm -rf /var/lib/apt/lists/*;".into(),
    ]);
    lines
}

/// The conda step, with the conda found on PATH, in `$CONDA_EXE` or in /opt/conda.
pub(super) fn conda(spec: &ValidatedSpec) -> String {
    let mut lines = vec![
        "set -eu;".to_string(),
        "conda=$(command -v conda || true);".into(),
        "if [ -z \"$conda\" ] && [ -x \"${CONDA_EXE:-}\" ]; then conda=$CONDA_EXE; fi;".into(),
        "if [ -z \"$conda\" ] && [ -x /opt/conda/bin/conda ]; then conda=/opt/conda/bin/conda; fi;".into(),
        "if [ -z \"$conda\" ]; then".into(),
        "    echo 'forklift: conda packages need conda; the source image has none on PATH, in CONDA_EXE or in /opt/conda' >&2; exit 1;".into(),
        "fi;".into(),
    ];
    lines.extend(network::prelude(false));
    lines.extend([
        format!("\"$conda\" install -y {};", words(&spec.packages.conda)),
        "\"$conda\" clean -afy;".into(),
    ]);
    run(&lines)
}

/// The pip packages to install: the requested ones, plus what the labels promise (ipykernel for
/// `query`, the package behind each service started by its default command) unless the request
/// already names it.
pub(super) fn pip_packages(spec: &ValidatedSpec) -> Vec<String> {
    let mut packages = spec.packages.pip.clone();
    let mut add = |package: &str| {
        if !packages.iter().any(|p| pip_key(p) == pip_key(package)) {
            packages.push(package.to_string());
        }
    };
    if spec.features.iter().any(|f| f == "query") {
        add("ipykernel");
    }
    for port in &spec.service_ports {
        if let Some(service) = known_services::running_default(port) {
            add(service.pip_package);
        }
    }
    packages
}

/// The pip step, run by the runtime's Python (or `python3` for app runtimes). PEP 668 marks the
/// system Python of Debian 12 and Ubuntu 23.04+ as externally managed; this image is ours to
/// manage, hence PIP_BREAK_SYSTEM_PACKAGES.
pub(super) fn pip(spec: &ValidatedSpec, packages: &[String]) -> String {
    let python = match spec.runtime_type {
        RuntimeType::Python => spec.runtime_path.as_str(),
        RuntimeType::App => "python3",
    };
    let mut lines = vec![
        "set -eu;".to_string(),
        format!("python={};", sh(python)),
        "if ! \"$python\" -m pip --version >/dev/null 2>&1; then".into(),
        "    echo \"forklift: pip packages need pip for $python; add python3-pip to the apt packages\" >&2; exit 1;".into(),
        "fi;".into(),
    ];
    lines.extend(network::prelude(false));
    lines.extend([
        format!("if [ -n \"${{{ARG_PIP_INDEX_URL}:-}}\" ]; then export PIP_INDEX_URL=\"${ARG_PIP_INDEX_URL}\"; fi;"),
        "export PIP_BREAK_SYSTEM_PACKAGES=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore;".into(),
        format!("\"$python\" -m pip install --no-cache-dir {};", words(packages)),
        "rm -rf /root/.cache/pip;".into(),
    ]);
    run(&lines)
}

/// Installs the `python3` kernel spec system-wide, where Backend.AI's kernel runner looks for a
/// kernel whose name contains "python" to serve the query mode. ipykernel leaves a temporary
/// directory behind, so it gets one of its own that the step removes.
pub(super) fn kernel_spec(spec: &ValidatedSpec) -> String {
    run(&[
        "set -eu;".into(),
        "TMPDIR=$(mktemp -d); export TMPDIR;".into(),
        format!(
            "{} -m ipykernel install --name python3 --display-name 'Python 3';",
            sh(&spec.runtime_path)
        ),
        "rm -rf \"$TMPDIR\";".into(),
    ])
}

/// Lets the session user `work` (created by Backend.AI when a session starts) use sudo without a
/// password. The file must be root's and mode 0440 or sudo ignores it; the include line is added
/// only to images whose sudoers does not read the drop-in directory.
pub(super) fn sudoers() -> String {
    let file = SUDOERS_FILE;
    run(&[
        "set -eu;".into(),
        "mkdir -p /etc/sudoers.d;".into(),
        format!("printf '%s\\n' 'Defaults:work !requiretty' 'work ALL=(ALL:ALL) NOPASSWD:ALL' > {file};"),
        format!("chown root:root {file};"),
        format!("chmod 0440 {file};"),
        "if [ -f /etc/sudoers ] && ! grep -Eq '^[#@]includedir[[:space:]]+/etc/sudoers.d' /etc/sudoers; then".into(),
        "    echo '#includedir /etc/sudoers.d' >> /etc/sudoers;".into(),
        "fi;".into(),
        format!("if command -v visudo >/dev/null 2>&1; then visudo -cf {file}; fi;"),
    ])
}
