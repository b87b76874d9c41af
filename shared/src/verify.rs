//! Post-build checks: does the built image do what its labels promise?
//!
//! Both checks are pure; the builder runs them. [`check_script`] is a shell script run inside a
//! container of the built image; [`label_problems`] compares the image's labels, as `docker
//! inspect` reports them, with what the request demands. An image that fails either is a failed
//! build: Backend.AI would refuse it or sessions of it would break.

mod script;

use std::collections::HashMap;

use crate::distro::BaseDistro;
use crate::dockerfile::{expected_labels, HIDING_LABELS};
use crate::spec::ValidatedSpec;

pub use script::{check_script, CHECK_FAILED_PREFIX, CHECK_OK_PREFIX};

/// Every way the built image's labels differ from what the request demands, one sentence each;
/// empty when they all match. `distro` is the base distro the build used (the request's, or the
/// one detected from the source image).
pub fn label_problems(
    spec: &ValidatedSpec,
    distro: &BaseDistro,
    labels: &HashMap<String, String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (key, expected) in expected_labels(spec, distro) {
        match labels.get(key) {
            None => problems.push(format!("label {key} is missing; expected \"{expected}\"")),
            Some(found) if *found != expected => problems.push(format!(
                "label {key} is \"{found}\"; expected \"{expected}\""
            )),
            Some(_) => {}
        }
    }
    for key in HIDING_LABELS {
        if let Some(value) = labels.get(key) {
            problems.push(format!(
                "label {key} (\"{value}\") is inherited from the source image; Backend.AI treats an image carrying it as someone's customized image and hides it, and a Dockerfile cannot remove a label: build from the image it was customized from"
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{validate, BuildSpec, ServicePortSpec};

    fn spec() -> ValidatedSpec {
        let request = BuildSpec {
            source_image: "python:3.11".into(),
            target_image: "reg.local/py:3.11-ubuntu22.04".into(),
            min_memory: Some("1536m".into()),
            service_ports: vec![ServicePortSpec {
                name: "jupyter".into(),
                protocol: "http".into(),
                port: 8080,
                command: None,
            }],
            accelerators: Some(vec!["cuda".into()]),
            ..BuildSpec::default()
        };
        match validate(&request) {
            Ok(spec) => spec,
            Err(errors) => panic!("{errors}"),
        }
    }

    fn distro() -> BaseDistro {
        match BaseDistro::parse("ubuntu22.04") {
            Ok(distro) => distro,
            Err(error) => panic!("{error}"),
        }
    }

    fn good_labels() -> HashMap<String, String> {
        [
            ("ai.backend.kernelspec", "1"),
            ("ai.backend.features", "batch uid-match user-input"),
            ("ai.backend.base-distro", "ubuntu22.04"),
            ("ai.backend.runtime-type", "python"),
            ("ai.backend.runtime-path", "/usr/bin/python3"),
            ("ai.backend.resource.min.cpu", "1"),
            ("ai.backend.resource.min.mem", "1536m"),
            ("ai.backend.service-ports", "jupyter:http:8080"),
            (
                "ai.backend.envs.corecount",
                "OPENBLAS_NUM_THREADS,OMP_NUM_THREADS,NPROC",
            ),
            ("ai.backend.accelerators", "cuda"),
            ("org.opencontainers.image.version", "3.11"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn matching_labels_have_no_problems() {
        assert_eq!(
            label_problems(&spec(), &distro(), &good_labels()),
            Vec::<String>::new()
        );
    }

    #[test]
    fn each_mismatch_is_reported() {
        let cases = [
            (
                "ai.backend.kernelspec",
                Some("2"),
                "ai.backend.kernelspec is \"2\"; expected \"1\"",
            ),
            (
                "ai.backend.base-distro",
                Some(""),
                "base-distro is \"\"; expected \"ubuntu22.04\"",
            ),
            (
                "ai.backend.base-distro",
                Some("ubuntu20.04"),
                "expected \"ubuntu22.04\"",
            ),
            (
                "ai.backend.service-ports",
                Some("jupyter:http:8080,x:tcp:9000"),
                "service-ports is",
            ),
            (
                "ai.backend.resource.min.mem",
                None,
                "min.mem is missing; expected \"1536m\"",
            ),
            (
                "ai.backend.features",
                Some("batch operation"),
                "features is",
            ),
            (
                "ai.backend.customized-image.owner",
                Some(""),
                "customized-image.owner (\"\") is inherited",
            ),
            (
                "ai.backend.customized-image.name",
                Some("mine"),
                "customized-image.name",
            ),
        ];
        for (key, value, fragment) in cases {
            let mut labels = good_labels();
            match value {
                Some(value) => labels.insert(key.to_string(), value.to_string()),
                None => labels.remove(key),
            };
            let problems = label_problems(&spec(), &distro(), &labels);
            assert_eq!(problems.len(), 1, "{key}: {problems:?}");
            assert!(problems[0].contains(fragment), "{key}: {problems:?}");
        }
    }

    #[test]
    fn an_image_without_labels_lists_every_required_one() {
        let problems = label_problems(&spec(), &distro(), &HashMap::new());
        assert_eq!(problems.len(), 10, "{problems:?}");
    }
}
