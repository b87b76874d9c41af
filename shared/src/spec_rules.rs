//! The rules behind [`crate::spec::validate`]: every field of a [`BuildSpec`] checked, every
//! problem reported at once with the path of its field, defaults filled in.
//!
//! Each field group lives in its own module and records its problems in a shared
//! [`ValidationErrors`]; a rule that fails still returns a stand-in value so that the other rules
//! keep running, and the stand-ins never leave this function because any error makes it fail.

mod envs;
mod packages;
mod resources;
mod runtime;
mod services;
mod shell_words;
#[cfg(test)]
mod tests;

pub(crate) use packages::pip_key;
pub(crate) use resources::cpu_label;

use crate::image_ref::ImageRef;
use crate::spec::{BuildSpec, ValidatedSpec};
use crate::validation::ValidationErrors;

pub(crate) fn validate(spec: &BuildSpec) -> Result<ValidatedSpec, ValidationErrors> {
    let mut errors = ValidationErrors::new();

    let source = source_image(&spec.source_image, &mut errors);
    let target = target_image(&spec.target_image, &mut errors);
    let min_cpu = resources::min_cpu(spec.min_cpu, &mut errors);
    let min_memory = resources::min_memory(spec.min_memory.as_deref(), &mut errors);

    let runtime_type = runtime::runtime_type(spec.runtime_type.as_deref(), &mut errors);
    let runtime_path =
        runtime::runtime_path(spec.runtime_path.as_deref(), runtime_type, &mut errors);
    let base_distro = runtime::base_distro(spec.base_distro.as_deref(), &mut errors);
    let features = runtime::features(spec.features.as_deref(), runtime_type, &mut errors);
    let accelerators = runtime::accelerators(spec.accelerators.as_deref(), &mut errors);
    let corecount_envs = runtime::corecount_envs(spec.corecount_envs.as_deref(), &mut errors);

    let service_ports = services::service_ports(&spec.service_ports, runtime_type, &mut errors);
    let envs = envs::envs(&spec.envs, &mut errors);
    let packages = packages::packages(&spec.packages, &mut errors);

    match (source, target) {
        (Some(source), Some(target)) if errors.is_empty() => Ok(ValidatedSpec {
            source,
            target,
            min_cpu,
            min_memory,
            service_ports,
            envs,
            packages,
            allow_root: spec.allow_root,
            auto_push: spec.auto_push,
            runtime_type,
            runtime_path,
            base_distro,
            features,
            accelerators,
            corecount_envs,
        }),
        _ => Err(errors),
    }
}

fn source_image(text: &str, errors: &mut ValidationErrors) -> Option<ImageRef> {
    ImageRef::parse(text)
        .map_err(|e| errors.add("source_image", e))
        .ok()
}

/// The target must also be a name Backend.AI accepts, or the build succeeds into an image
/// nobody can select.
fn target_image(text: &str, errors: &mut ValidationErrors) -> Option<ImageRef> {
    let target = ImageRef::parse(text)
        .map_err(|e| errors.add("target_image", e))
        .ok()?;
    target
        .check_backend_ai_target()
        .map_err(|e| errors.add("target_image", e))
        .ok()?;
    Some(target)
}

/// Records problems with one element of a list field as `field[index]`.
fn element(field: &str, index: usize) -> String {
    format!("{field}[{index}]")
}

/// Whether `c` is a character that text fields refuse: anything a terminal or a Dockerfile line
/// would not show as itself.
fn is_forbidden_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}
