//! The `ai.backend.*` labels: what Backend.AI reads to run the image as a compute session.
//!
//! The generator writes them and the post-build checks compare the built image against the same
//! list, so the two cannot drift apart.

use super::quote;
use super::ARG_BASE_DISTRO;
use crate::distro::BaseDistro;
use crate::spec::ValidatedSpec;
use crate::spec_rules::cpu_label;

pub const LABEL_KERNELSPEC: &str = "ai.backend.kernelspec";
pub const LABEL_FEATURES: &str = "ai.backend.features";
pub const LABEL_BASE_DISTRO: &str = "ai.backend.base-distro";
pub const LABEL_RUNTIME_TYPE: &str = "ai.backend.runtime-type";
pub const LABEL_RUNTIME_PATH: &str = "ai.backend.runtime-path";
pub const LABEL_MIN_CPU: &str = "ai.backend.resource.min.cpu";
pub const LABEL_MIN_MEM: &str = "ai.backend.resource.min.mem";
pub const LABEL_SERVICE_PORTS: &str = "ai.backend.service-ports";
pub const LABEL_CORECOUNT_ENVS: &str = "ai.backend.envs.corecount";
pub const LABEL_ACCELERATORS: &str = "ai.backend.accelerators";

/// Labels that make Backend.AI treat an image as someone's customized image (committed from a
/// session), which it lists only to that user. Source images committed that way carry them.
///
/// Backend.AI tests for the presence of these keys, not their value, and a Dockerfile cannot
/// remove an inherited label: writing them as `""` would hide every image Forklift builds. So the
/// generator leaves them alone and the post-build checks fail an image that carries any of them.
pub const HIDING_LABELS: [&str; 4] = [
    "ai.backend.customized-image.owner",
    "ai.backend.customized-image.name",
    "ai.backend.customized-image.id",
    "ai.backend.customized-image.user.email",
];

/// A label's value: known text, or a build argument the builder fills in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LabelValue {
    Text(String),
    BuildArg(&'static str),
}

/// Every label the image must carry, in the order they are written. `distro` stands for the
/// base distro when the request named none.
pub(crate) fn required(spec: &ValidatedSpec) -> Vec<(&'static str, LabelValue)> {
    let text = |value: String| LabelValue::Text(value);
    let distro = match &spec.base_distro {
        Some(distro) => text(distro.to_string()),
        None => LabelValue::BuildArg(ARG_BASE_DISTRO),
    };
    let mut labels = vec![
        (LABEL_KERNELSPEC, text("1".into())),
        (LABEL_FEATURES, text(spec.features.join(" "))),
        (LABEL_BASE_DISTRO, distro),
        (LABEL_RUNTIME_TYPE, text(spec.runtime_type.as_str().into())),
        (LABEL_RUNTIME_PATH, text(spec.runtime_path.clone())),
        (LABEL_MIN_CPU, text(cpu_label(spec.min_cpu))),
        (LABEL_MIN_MEM, text(spec.min_memory.to_string())),
        (LABEL_SERVICE_PORTS, text(service_ports(spec))),
        (LABEL_CORECOUNT_ENVS, text(spec.corecount_envs.join(","))),
    ];
    if !spec.accelerators.is_empty() {
        labels.push((LABEL_ACCELERATORS, text(spec.accelerators.join(","))));
    }
    labels
}

/// The same list with the base distro resolved, as the built image must show it.
pub(crate) fn expected(spec: &ValidatedSpec, distro: &BaseDistro) -> Vec<(&'static str, String)> {
    required(spec)
        .into_iter()
        .map(|(key, value)| match value {
            LabelValue::Text(text) => (key, text),
            LabelValue::BuildArg(_) => (key, distro.to_string()),
        })
        .collect()
}

/// `name:protocol:port` per service, comma-separated, as Backend.AI parses the label.
fn service_ports(spec: &ValidatedSpec) -> String {
    let entries: Vec<String> = spec
        .service_ports
        .iter()
        .map(|p| format!("{}:{}:{}", p.name, p.protocol.as_str(), p.port))
        .collect();
    entries.join(",")
}

/// One LABEL instruction, a label per line.
pub(super) fn instruction(spec: &ValidatedSpec) -> String {
    let lines: Vec<String> = required(spec)
        .into_iter()
        .map(|(key, value)| match value {
            LabelValue::Text(text) => format!("{key}={}", quote::docker(&text)),
            LabelValue::BuildArg(arg) => format!("{key}=\"${{{arg}}}\""),
        })
        .collect();
    format!("LABEL {}\n", lines.join(" \\\n      "))
}
