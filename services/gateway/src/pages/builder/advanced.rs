//! The "advanced" fold of the builder: Backend.AI metadata, with the defaults that apply when
//! a field is left blank. The defaults are read from the validator itself, so the page can
//! never show a default the build would not use.

use std::sync::OnceLock;

use forklift_shared::distro::BaseDistro;
use forklift_shared::spec::{self, BuildSpec, ValidatedSpec};
use maud::{html, Markup};

use super::form::{messages_under, BuilderForm};
use super::Errors;
use crate::pages::fields::Field;

/// What a blank field of the form turns into.
#[derive(Debug, Clone, Default)]
pub struct Defaults {
    pub min_cpu: String,
    pub min_memory: String,
    pub python_path: String,
    pub app_path: String,
    pub features: String,
    pub corecount_envs: String,
}

/// The defaults, learned once by validating a request that sets nothing optional.
pub fn defaults() -> &'static Defaults {
    static DEFAULTS: OnceLock<Defaults> = OnceLock::new();
    DEFAULTS.get_or_init(|| {
        let python = validated_blank("python");
        let app = validated_blank("app");
        match (python, app) {
            (Some(python), Some(app)) => Defaults {
                min_cpu: format!("{}", python.min_cpu),
                min_memory: memory_text(python.min_memory.bytes),
                python_path: python.runtime_path.clone(),
                app_path: app.runtime_path,
                features: python.features.join(", "),
                corecount_envs: python.corecount_envs.join(", "),
            },
            _ => Defaults::default(),
        }
    })
}

fn validated_blank(runtime: &str) -> Option<ValidatedSpec> {
    spec::validate(&BuildSpec {
        source_image: "debian:12".into(),
        target_image: "defaults/probe:1.0-debian12".into(),
        runtime_type: Some(runtime.into()),
        ..BuildSpec::default()
    })
    .ok()
}

/// Bytes in Backend.AI's units: `1g`, `512m`.
fn memory_text(bytes: u64) -> String {
    const GIB: u64 = 1 << 30;
    const MIB: u64 = 1 << 20;
    if bytes.is_multiple_of(GIB) {
        format!("{}g", bytes / GIB)
    } else {
        format!("{}m", bytes / MIB)
    }
}

/// The fold; open when one of its fields has a problem, so the message is seen.
pub fn fold(form: &BuilderForm, errors: Errors) -> Markup {
    let d = defaults();
    let error = |field: &str| errors.and_then(|e| e.message_for(field));
    let list_error = |field: &str| errors.and_then(|e| messages_under(e, field));
    let fields = [
        "runtime_type",
        "runtime_path",
        "base_distro",
        "features",
        "accelerators",
        "corecount_envs",
    ];
    let open = errors.is_some_and(|e| {
        e.errors
            .iter()
            .any(|x| fields.iter().any(|f| x.field.starts_with(f)))
    });
    let path_hint = format!(
        "Default: {} for python, {} for app.",
        d.python_path, d.app_path
    );
    let features_hint = format!("Comma separated. Default: {}.", d.features);
    let corecount_hint = format!("Comma separated. Default: {}.", d.corecount_envs);
    let (features_error, accelerators_error, corecount_error) = (
        list_error("features"),
        list_error("accelerators"),
        list_error("corecount_envs"),
    );
    html! {
        details .advanced open[open] {
            summary { "Advanced: Backend.AI metadata" }
            div .field .invalid[error("runtime_type").is_some()] {
                label for="runtime_type" { "Runtime type" }
                select #runtime_type name="runtime_type" aria-describedby="err-runtime_type" {
                    option value="" selected[form.runtime_type.is_empty()] { "python (default)" }
                    option value="python" selected[form.runtime_type == "python"] { "python" }
                    option value="app" selected[form.runtime_type == "app"] { "app" }
                }
                (crate::pages::fields::error_slot("runtime_type", error("runtime_type"), false))
            }
            (Field { hint: Some(&path_hint), placeholder: Some(&d.python_path), error: error("runtime_path"),
                ..Field::new("runtime_path", "runtime_path", "Runtime path", &form.runtime_path) }.input())
            (Field { hint: Some("Blank: detected from the source image."), error: error("base_distro"),
                placeholder: Some("detected, e.g. ubuntu22.04"),
                ..Field::new("base_distro", "base_distro", "Base distro", &form.base_distro) }.input())
            p .hint { "Known: " (BaseDistro::KNOWN.join(", ")) }
            (Field { hint: Some(&features_hint), placeholder: Some(&d.features), error: features_error.as_deref(),
                ..Field::new("features", "features", "Kernel features", &form.features) }.input())
            (Field { hint: Some("Comma separated, such as cuda. Default: none."), error: accelerators_error.as_deref(),
                ..Field::new("accelerators", "accelerators", "Accelerators", &form.accelerators) }.input())
            (Field { hint: Some(&corecount_hint), placeholder: Some(&d.corecount_envs), error: corecount_error.as_deref(),
                ..Field::new("corecount_envs", "corecount_envs", "Core-count variables", &form.corecount_envs) }.input())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_come_from_the_validator() {
        let d = defaults();
        assert_eq!(d.min_memory, "1g");
        assert_eq!(d.app_path, "/bin/sh");
        assert!(d.features.contains("uid-match"), "{d:?}");
    }
}
