//! The Dockerfile generator: a checked request in, a build context (Dockerfile and files) out.
//!
//! The Dockerfile is a pure function of the request. Deployment-wide settings (an apt mirror, a
//! PyPI index, an extra CA) reach the build as build arguments that the builder passes, so the
//! preview a user sees is exactly what is built, on any deployment; a plain `docker build` of the
//! preview behaves as if no setting were configured.
//!
//! The file reads as a person would write it: one section per concern, each opened by a comment
//! saying why it is there, in this order: base image, packages (apt, conda, pip: one layer per
//! manager), Jupyter kernel spec, sudo rule, service definitions, environment, labels.

mod context;
mod labels;
mod network;
mod quote;
mod service_defs;
mod settings;
mod steps;
#[cfg(test)]
mod tests;

use crate::spec::ValidatedSpec;

pub(crate) use labels::expected as expected_labels;
pub use labels::{
    HIDING_LABELS, LABEL_ACCELERATORS, LABEL_BASE_DISTRO, LABEL_CORECOUNT_ENVS, LABEL_FEATURES,
    LABEL_KERNELSPEC, LABEL_MIN_CPU, LABEL_MIN_MEM, LABEL_RUNTIME_PATH, LABEL_RUNTIME_TYPE,
    LABEL_SERVICE_PORTS,
};
pub(crate) use quote::sh as sh_quote;
pub use settings::{build_args, BuildSettings, BuildSettingsError};

/// Build argument holding the base distro when the request names none; the builder detects it
/// from the source image's C library.
pub const ARG_BASE_DISTRO: &str = "FORKLIFT_BASE_DISTRO";
/// Build argument holding an apt mirror for the apt step, applied to copies of the image's source
/// lists (the image keeps its own). A mirror of one archive names it: `http://mirror.local/debian`
/// replaces `deb.debian.org/debian` (security sources are left as they are) and
/// `http://mirror.local/ubuntu` replaces `archive.ubuntu.com/ubuntu` and
/// `security.ubuntu.com/ubuntu`. Any other URL, such as `http://mirror.local`, stands for all the
/// official Debian and Ubuntu hosts at once, each URI keeping its path, as apt-cacher-ng or a
/// proxy serving `/debian`, `/debian-security` and `/ubuntu` does. Build arguments show in the
/// image history: no credentials in it.
pub const ARG_APT_MIRROR: &str = "FORKLIFT_APT_MIRROR";
/// Build argument holding a PyPI index URL, given to pip as `PIP_INDEX_URL` for the pip step.
pub const ARG_PIP_INDEX_URL: &str = "FORKLIFT_PIP_INDEX_URL";
/// Build arguments holding extra CA certificates (PEM) that the network steps trust in addition
/// to the image's own, without adding them to the image. Build arguments reach RUN steps as
/// environment variables and Linux refuses to start a program with one over 128 KiB, so a large
/// bundle (a whole system trust store is about 220 KB) is split at certificate boundaries over
/// these; a small one fits in the first.
pub const ARG_BUILD_CA_PARTS: [&str; 4] = [
    "FORKLIFT_BUILD_CA",
    "FORKLIFT_BUILD_CA_2",
    "FORKLIFT_BUILD_CA_3",
    "FORKLIFT_BUILD_CA_4",
];
/// The first of [`ARG_BUILD_CA_PARTS`], enough for a bundle under 120 KiB.
pub const ARG_BUILD_CA: &str = ARG_BUILD_CA_PARTS[0];

/// Where allow_root's sudo rule is written.
pub const SUDOERS_FILE: &str = "/etc/sudoers.d/01-forklift-work";
/// Where Backend.AI's kernel runner reads service definitions.
pub const SERVICE_DEFS_DIR: &str = "/etc/backend.ai/service-defs";

/// A file of the build context besides the Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextFile {
    /// Path inside the context, `/`-separated.
    pub path: String,
    pub contents: Vec<u8>,
    /// Unix permission bits, kept by COPY.
    pub mode: u32,
}

/// What Docker builds: the Dockerfile and the files it copies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildContext {
    pub dockerfile: String,
    pub files: Vec<ContextFile>,
}

/// Generates the build context for a checked request.
pub fn render(spec: &ValidatedSpec) -> BuildContext {
    let pip_packages = steps::pip_packages(spec);
    let plan = Plan {
        apt: !spec.packages.apt.is_empty(),
        sudo_only: spec.allow_root && spec.packages.apt.is_empty(),
        conda: !spec.packages.conda.is_empty(),
        pip: !pip_packages.is_empty(),
    };

    let mut sections = vec![base(spec), build_settings(&plan)];
    if plan.apt {
        sections.push(section(APT_WHY, steps::apt(spec)));
    }
    if plan.sudo_only {
        sections.push(section(SUDO_INSTALL_WHY, steps::sudo_only()));
    }
    if plan.conda {
        sections.push(section(CONDA_WHY, steps::conda(spec)));
    }
    if plan.pip {
        sections.push(section(PIP_WHY, steps::pip(spec, &pip_packages)));
    }
    if spec.features.iter().any(|f| f == "query") {
        sections.push(section(KERNEL_SPEC_WHY, steps::kernel_spec(spec)));
    }
    if spec.allow_root {
        sections.push(section(SUDOERS_WHY, steps::sudoers()));
    }
    let files: Vec<ContextFile> = spec.service_ports.iter().map(service_defs::file).collect();
    if !files.is_empty() {
        let copy = format!("COPY {}/ {SERVICE_DEFS_DIR}/\n", service_defs::CONTEXT_DIR);
        sections.push(section(SERVICE_DEFS_WHY, copy));
    }
    sections.push(environment(spec));
    sections.push(labels_section(spec));

    BuildContext {
        dockerfile: sections.concat(),
        files,
    }
}

/// Which optional steps the request needs.
struct Plan {
    apt: bool,
    sudo_only: bool,
    conda: bool,
    pip: bool,
}

const APT_WHY: &str = "System packages, in one layer. The mirror and the build CA apply to this step only: the image keeps its own apt sources and trust store.";
const SUDO_INSTALL_WHY: &str = "allow_root needs sudo; install it only if the image lacks it.";
const CONDA_WHY: &str = "Conda packages, in their own layer.";
const PIP_WHY: &str = "Python packages, in their own layer, with no pip cache left behind. Packages that services and the query mode need are added unless already listed.";
const KERNEL_SPEC_WHY: &str = "The query feature runs code through a Jupyter kernel named python*, installed system-wide where Backend.AI looks.";
const SUDOERS_WHY: &str = "allow_root: the session user work may use sudo without a password.";
const SERVICE_DEFS_WHY: &str = "How Backend.AI's kernel runner starts each service port.";

/// A section: its comment lines, then its instructions, then a blank line.
fn section(why: &str, body: String) -> String {
    format!("{}{body}\n", comment(why))
}

/// Wraps a sentence into `# ` lines under 100 columns.
fn comment(text: &str) -> String {
    let mut lines = vec![String::from("#")];
    for word in text.split_whitespace() {
        let line = lines.last_mut().filter(|l| l.len() + word.len() < 99);
        match line {
            Some(line) => {
                line.push(' ');
                line.push_str(word);
            }
            None => lines.push(format!("# {word}")),
        }
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}

fn base(spec: &ValidatedSpec) -> String {
    let header = comment("Generated by Forklift from a build request. Build arguments named FORKLIFT_* carry the deployment's settings; left empty, every step runs as if none were configured.");
    let from = format!("FROM {}\n", quote::one_line(&spec.source.to_string()));
    let user = section(
        "Source images may end as any user; the steps below need root.",
        "USER root\n".into(),
    );
    format!("{header}{from}{user}")
}

/// Declares the build arguments the steps read, empty by default.
fn build_settings(plan: &Plan) -> String {
    let network = plan.apt || plan.sudo_only || plan.conda || plan.pip;
    let mut declared: Vec<&str> = [
        (plan.apt || plan.sudo_only, ARG_APT_MIRROR),
        (plan.pip, ARG_PIP_INDEX_URL),
    ]
    .into_iter()
    .filter_map(|(needed, arg)| needed.then_some(arg))
    .collect();
    if network {
        declared.extend(ARG_BUILD_CA_PARTS);
    }
    if declared.is_empty() {
        return String::new();
    }
    let args: String = declared.iter().map(|arg| format!("ARG {arg}=\n")).collect();
    section("Deployment settings for the steps below, passed by the builder; empty means not configured.", args)
}

/// One ENV per variable, values double-quoted so they are taken literally.
fn environment(spec: &ValidatedSpec) -> String {
    if spec.envs.is_empty() {
        return String::new();
    }
    let lines: String = spec
        .envs
        .iter()
        .map(|env| {
            format!(
                "ENV {}={}\n",
                quote::one_line(&env.name),
                quote::docker(&env.value)
            )
        })
        .collect();
    section("Environment variables requested for the sessions.", lines)
}

fn labels_section(spec: &ValidatedSpec) -> String {
    let mut body = String::new();
    if spec.base_distro.is_none() {
        body.push_str(&comment("The builder detects the base distro from the source image's C library and passes it here."));
        body.push_str(&format!("ARG {ARG_BASE_DISTRO}\n"));
    }
    body.push_str(&comment(
        "What Backend.AI reads to run this image as a compute session.",
    ));
    body.push_str(&labels::instruction(spec));
    body.push_str(&comment("Backend.AI's agent starts the kernel runner as root, which then drops to the session user."));
    body.push_str("USER root\n");
    body
}
