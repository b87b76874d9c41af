//! How Backend.AI runs the image: runtime, base distro, kernel features, accelerators and the
//! variables that receive the core count.

use std::collections::HashSet;

use super::{element, envs};
use crate::distro::BaseDistro;
use crate::spec::RuntimeType;
use crate::validation::ValidationErrors;

const DEFAULT_PYTHON_PATH: &str = "/usr/bin/python3";
const DEFAULT_APP_PATH: &str = "/bin/sh";
const DEFAULT_FEATURES: [&str; 3] = ["batch", "uid-match", "user-input"];
/// The kernel features Backend.AI documents for images.
const KNOWN_FEATURES: [&str; 4] = ["batch", "query", "uid-match", "user-input"];
const DEFAULT_CORECOUNT_ENVS: [&str; 3] = ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "NPROC"];
const PATH_MAX: usize = 1024;
const ACCELERATOR_MAX: usize = 64;

impl RuntimeType {
    /// The spelling used in the request and in the `ai.backend.runtime-type` label.
    pub fn as_str(self) -> &'static str {
        match self {
            RuntimeType::Python => "python",
            RuntimeType::App => "app",
        }
    }

    /// Reads `python` or `app`, ignoring case.
    pub fn parse(text: &str) -> Option<Self> {
        [RuntimeType::Python, RuntimeType::App]
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(text))
    }
}

pub(super) fn runtime_type(value: Option<&str>, errors: &mut ValidationErrors) -> RuntimeType {
    let Some(text) = value else {
        return RuntimeType::Python;
    };
    RuntimeType::parse(text).unwrap_or_else(|| {
        errors.add("runtime_type", "must be python or app");
        RuntimeType::Python
    })
}

/// An absolute path of plain characters with no `..`: it is written into a label and a RUN line,
/// and Backend.AI executes it.
pub(super) fn runtime_path(
    value: Option<&str>,
    runtime: RuntimeType,
    errors: &mut ValidationErrors,
) -> String {
    let default = match runtime {
        RuntimeType::Python => DEFAULT_PYTHON_PATH,
        RuntimeType::App => DEFAULT_APP_PATH,
    };
    let Some(path) = value else {
        return default.to_string();
    };
    match check_path(path) {
        Ok(()) => path.to_string(),
        Err(message) => {
            errors.add("runtime_path", message);
            default.to_string()
        }
    }
}

fn check_path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err("must be an absolute path such as /usr/bin/python3".into());
    }
    if path.len() > PATH_MAX {
        return Err(format!("is longer than {PATH_MAX} characters"));
    }
    if let Some(bad) = path
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && !"_./+-".contains(*c))
    {
        return Err(format!(
            "contains '{}'; use letters, digits and _ . / + - only",
            bad.escape_debug()
        ));
    }
    if path.split('/').any(|part| part == "..") {
        return Err("must not contain a '..' component".into());
    }
    if path.ends_with('/') {
        return Err("must name a file, not a directory".into());
    }
    Ok(())
}

pub(super) fn base_distro(
    value: Option<&str>,
    errors: &mut ValidationErrors,
) -> Option<BaseDistro> {
    BaseDistro::parse(value?)
        .map_err(|e| errors.add("base_distro", e))
        .ok()
}

/// Known features only, once each; `query` needs a Jupyter kernel, which only the python runtime
/// provides.
pub(super) fn features(
    value: Option<&[String]>,
    runtime: RuntimeType,
    errors: &mut ValidationErrors,
) -> Vec<String> {
    let Some(list) = value else {
        return DEFAULT_FEATURES.map(str::to_string).to_vec();
    };
    let mut seen = HashSet::new();
    for (index, feature) in list.iter().enumerate() {
        let field = element("features", index);
        if !KNOWN_FEATURES.contains(&feature.as_str()) {
            errors.add(
                field,
                format!(
                    "'{}' is not a feature; use batch, query, uid-match or user-input",
                    feature.escape_debug()
                ),
            );
        } else if !seen.insert(feature.as_str()) {
            errors.add(field, format!("{feature} is listed twice"));
        } else if feature == "query" && runtime != RuntimeType::Python {
            errors.add(
                field,
                "query needs runtime_type python (it runs code through a Jupyter kernel)",
            );
        }
    }
    list.to_vec()
}

/// Known accelerator names, or names of the same shape for plugins Forklift does not know.
pub(super) fn accelerators(value: Option<&[String]>, errors: &mut ValidationErrors) -> Vec<String> {
    let list = value.unwrap_or_default();
    let mut seen = HashSet::new();
    for (index, name) in list.iter().enumerate() {
        let field = element("accelerators", index);
        let shape_ok = name.len() <= ACCELERATOR_MAX
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-".contains(c));
        if !shape_ok {
            errors.add(
                field,
                format!(
                    "'{}' is not an accelerator name such as cuda, rocm, tpu, ipu, atom or gaudi",
                    name.escape_debug()
                ),
            );
        } else if !seen.insert(name.as_str()) {
            errors.add(field, format!("{name} is listed twice"));
        }
    }
    list.to_vec()
}

pub(super) fn corecount_envs(
    value: Option<&[String]>,
    errors: &mut ValidationErrors,
) -> Vec<String> {
    let Some(list) = value else {
        return DEFAULT_CORECOUNT_ENVS.map(str::to_string).to_vec();
    };
    let mut seen = HashSet::new();
    for (index, name) in list.iter().enumerate() {
        let field = element("corecount_envs", index);
        if let Err(message) = envs::check_name(name) {
            errors.add(field, message);
        } else if !seen.insert(name.as_str()) {
            errors.add(field, format!("{name} is listed twice"));
        }
    }
    list.to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn runtime_defaults_follow_the_type() {
        let mut errors = ValidationErrors::new();
        assert_eq!(runtime_type(None, &mut errors), RuntimeType::Python);
        assert_eq!(runtime_type(Some("APP"), &mut errors), RuntimeType::App);
        assert_eq!(
            runtime_path(None, RuntimeType::Python, &mut errors),
            "/usr/bin/python3"
        );
        assert_eq!(runtime_path(None, RuntimeType::App, &mut errors), "/bin/sh");
        assert_eq!(
            runtime_path(
                Some("/opt/conda/bin/python3.11"),
                RuntimeType::Python,
                &mut errors
            ),
            "/opt/conda/bin/python3.11"
        );
        assert!(errors.is_empty(), "{errors}");
        runtime_type(Some("java"), &mut errors);
        assert_eq!(
            errors.message_for("runtime_type"),
            Some("must be python or app")
        );
    }

    #[test]
    fn runtime_paths_are_plain_absolute_paths() {
        let bad = [
            ("python3", "absolute"),
            ("/usr/bin/../../tmp/x", "'..'"),
            ("/usr/bin/python 3", "contains ' '"),
            ("/usr/bin/py'thon", "contains '\\''"),
            ("/usr/bin/py\nthon", "contains '\\n'"),
            ("/usr/bin/$(id)", "contains '$'"),
            ("/usr/bin/", "not a directory"),
        ];
        for (path, fragment) in bad {
            let mut errors = ValidationErrors::new();
            runtime_path(Some(path), RuntimeType::Python, &mut errors);
            let message = errors.message_for("runtime_path").unwrap_or_default();
            assert!(message.contains(fragment), "{path:?}: {message}");
        }
    }

    #[test]
    fn features_are_known_unique_and_fit_the_runtime() {
        let mut errors = ValidationErrors::new();
        assert_eq!(
            features(None, RuntimeType::Python, &mut errors),
            DEFAULT_FEATURES
        );
        let chosen = strings(&["query", "batch"]);
        assert_eq!(
            features(Some(&chosen), RuntimeType::Python, &mut errors),
            chosen
        );
        assert!(errors.is_empty(), "{errors}");

        let list = strings(&["batch", "operation", "batch", "query"]);
        features(Some(&list), RuntimeType::App, &mut errors);
        assert!(errors
            .message_for("features[1]")
            .is_some_and(|m| m.contains("not a feature")));
        assert!(errors
            .message_for("features[2]")
            .is_some_and(|m| m.contains("twice")));
        assert!(errors
            .message_for("features[3]")
            .is_some_and(|m| m.contains("runtime_type python")));
    }

    #[test]
    fn accelerators_and_corecount_envs() {
        let mut errors = ValidationErrors::new();
        let good = strings(&["cuda", "rocm", "my-npu_2"]);
        assert_eq!(accelerators(Some(&good), &mut errors), good);
        assert_eq!(accelerators(None, &mut errors), Vec::<String>::new());
        assert_eq!(corecount_envs(None, &mut errors), DEFAULT_CORECOUNT_ENVS);
        assert!(errors.is_empty(), "{errors}");

        accelerators(
            Some(&strings(&["CUDA", "cuda", "cuda", "1x", "a b"])),
            &mut errors,
        );
        corecount_envs(
            Some(&strings(&["MKL_NUM_THREADS", "1X", "MKL_NUM_THREADS"])),
            &mut errors,
        );
        let fields: Vec<&str> = errors.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "accelerators[0]",
                "accelerators[2]",
                "accelerators[3]",
                "accelerators[4]",
                "corecount_envs[1]",
                "corecount_envs[2]"
            ]
        );
    }

    #[test]
    fn base_distro_is_optional_but_checked() {
        let mut errors = ValidationErrors::new();
        assert_eq!(base_distro(None, &mut errors), None);
        assert_eq!(
            base_distro(Some("debian12"), &mut errors).map(|d| d.to_string()),
            Some("debian12".into())
        );
        assert!(errors.is_empty());
        assert_eq!(base_distro(Some("Ubuntu 22.04"), &mut errors), None);
        assert!(errors.message_for("base_distro").is_some());
    }
}
