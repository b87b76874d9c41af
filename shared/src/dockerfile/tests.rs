use std::process::Command;

use super::*;
use crate::spec::{validate, BuildSpec, EnvVar, EnvVarSpec, PackagesSpec, ServicePortSpec};

fn checked(request: BuildSpec) -> ValidatedSpec {
    match validate(&request) {
        Ok(spec) => spec,
        Err(errors) => panic!("{errors}"),
    }
}

fn minimal() -> BuildSpec {
    BuildSpec {
        source_image: "python:3.11-slim".into(),
        target_image: "reg.local/ml/py:3.11-debian12".into(),
        ..BuildSpec::default()
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

fn full() -> BuildSpec {
    BuildSpec {
        service_ports: vec![
            port("jupyter", 8080, None),
            port("api", 9000, Some("/opt/api 'a b'")),
        ],
        envs: vec![EnvVarSpec {
            name: "HF_HOME".into(),
            value: "/home/work/.hf".into(),
        }],
        packages: PackagesSpec {
            apt: vec!["curl".into(), "git".into()],
            pip: vec!["numpy>=1.26".into()],
            conda: vec!["conda-forge::scipy".into()],
        },
        allow_root: true,
        features: Some(vec!["batch".into(), "query".into()]),
        accelerators: Some(vec!["cuda".into()]),
        ..minimal()
    }
}

fn position(dockerfile: &str, needle: &str) -> usize {
    match dockerfile.find(needle) {
        Some(at) => at,
        None => panic!("{needle:?} not in:\n{dockerfile}"),
    }
}

/// Each RUN's script as the shell receives it: continuation lines joined.
fn run_scripts(dockerfile: &str) -> Vec<String> {
    let joined = dockerfile.replace(" \\\n    ", " ");
    joined
        .lines()
        .filter_map(|line| line.strip_prefix("RUN "))
        .map(str::to_string)
        .collect()
}

#[test]
fn sections_come_in_order_and_end_as_root() {
    let dockerfile = render(&checked(full())).dockerfile;
    let order = [
        "FROM python:3.11-slim\n",
        "USER root\n",
        "ARG FORKLIFT_APT_MIRROR=\n",
        "apt-get \"$@\" install -y --no-install-recommends 'curl' 'git' $sudo;",
        "\"$conda\" install -y 'conda-forge::scipy';",
        "-m pip install --no-cache-dir 'numpy>=1.26' 'ipykernel' 'notebook';",
        "-m ipykernel install --name python3 --display-name 'Python 3'",
        "> /etc/sudoers.d/01-forklift-work;",
        "COPY service-defs/ /etc/backend.ai/service-defs/\n",
        "ENV HF_HOME=\"/home/work/.hf\"\n",
        "ARG FORKLIFT_BASE_DISTRO\n",
        "LABEL ai.backend.kernelspec=\"1\"",
    ];
    let positions: Vec<usize> = order.iter().map(|n| position(&dockerfile, n)).collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "{positions:?}\n{dockerfile}"
    );
    assert!(dockerfile.ends_with("USER root\n"));
    assert!(dockerfile
        .lines()
        .find(|l| !l.starts_with('#'))
        .is_some_and(|l| l.starts_with("FROM ")));
    assert_eq!(
        run_scripts(&dockerfile).len(),
        5,
        "apt, conda, pip, kernel spec, sudoers"
    );
}

#[test]
fn a_minimal_request_has_no_steps_and_no_settings() {
    let context = render(&checked(minimal()));
    assert_eq!(run_scripts(&context.dockerfile), Vec::<String>::new());
    assert!(!context.dockerfile.contains("FORKLIFT_APT_MIRROR"));
    assert!(!context.dockerfile.contains("FORKLIFT_BUILD_CA"));
    assert!(!context.dockerfile.contains("COPY"));
    assert!(context.files.is_empty());
    assert!(context.dockerfile.contains("ai.backend.service-ports=\"\""));
}

#[test]
fn labels_tell_what_the_request_asked() {
    let spec = checked(BuildSpec {
        min_cpu: Some(0.5),
        min_memory: Some("1.5g".into()),
        base_distro: Some("ubuntu22.04".into()),
        ..full()
    });
    let dockerfile = render(&spec).dockerfile;
    for label in [
        "ai.backend.kernelspec=\"1\"",
        "ai.backend.features=\"batch query\"",
        "ai.backend.base-distro=\"ubuntu22.04\"",
        "ai.backend.runtime-type=\"python\"",
        "ai.backend.runtime-path=\"/usr/bin/python3\"",
        "ai.backend.resource.min.cpu=\"0.5\"",
        "ai.backend.resource.min.mem=\"1536m\"",
        "ai.backend.service-ports=\"jupyter:http:8080,api:http:9000\"",
        "ai.backend.envs.corecount=\"OPENBLAS_NUM_THREADS,OMP_NUM_THREADS,NPROC\"",
        "ai.backend.accelerators=\"cuda\"",
    ] {
        position(&dockerfile, label);
    }
    // A given distro is written as is: no build argument for it.
    assert!(!dockerfile.contains(ARG_BASE_DISTRO));
    for hiding in HIDING_LABELS {
        assert!(
            !dockerfile.contains(hiding),
            "{hiding} would hide the image"
        );
    }
    assert_eq!(dockerfile.matches("LABEL ").count(), 1);
}

#[test]
fn a_detected_distro_comes_from_the_build_argument() {
    let dockerfile = render(&checked(minimal())).dockerfile;
    let arg = position(&dockerfile, "ARG FORKLIFT_BASE_DISTRO\n");
    let label = position(
        &dockerfile,
        "ai.backend.base-distro=\"${FORKLIFT_BASE_DISTRO}\"",
    );
    assert!(arg < label);
    position(&dockerfile, "# The builder detects the base distro");
}

#[test]
fn env_values_are_literal_and_stay_on_one_line() {
    let mut spec = checked(minimal());
    let hostile = [
        "a\"\nRUN rm -rf /",
        "$HOME",
        "${PATH}",
        "\\",
        "x\\",
        "\"; RUN id #",
    ];
    spec.envs = hostile
        .iter()
        .enumerate()
        .map(|(i, value)| EnvVar {
            name: format!("V{i}"),
            value: value.to_string(),
        })
        .collect();
    let dockerfile = render(&spec).dockerfile;
    assert!(
        !dockerfile.lines().any(|l| l.starts_with("RUN")),
        "{dockerfile}"
    );
    let env_lines: Vec<&str> = dockerfile
        .lines()
        .filter(|l| l.starts_with("ENV "))
        .collect();
    assert_eq!(env_lines.len(), hostile.len());
    assert_eq!(env_lines[0], r#"ENV V0="a\"\\nRUN rm -rf /""#);
    assert_eq!(env_lines[1], r#"ENV V1="\$HOME""#);
    assert_eq!(env_lines[2], r#"ENV V2="\${PATH}""#);
    assert_eq!(env_lines[3], r#"ENV V3="\\""#);
    assert_eq!(env_lines[4], r#"ENV V4="x\\""#);
    assert_eq!(env_lines[5], r#"ENV V5="\"; RUN id #""#);
}

#[test]
fn pip_step_adds_what_labels_promise_and_leaves_no_cache() {
    let spec = checked(BuildSpec {
        service_ports: vec![
            port("jupyterlab", 8888, None),
            port("tensorboard", 6006, None),
            port("jupyter", 8080, Some("jupyter notebook")),
        ],
        packages: PackagesSpec {
            pip: vec!["JupyterLab==4.2.0".into()],
            ..PackagesSpec::default()
        },
        ..minimal()
    });
    let dockerfile = render(&spec).dockerfile;
    position(
        &dockerfile,
        "-m pip install --no-cache-dir 'JupyterLab==4.2.0' 'tensorboard';",
    );
    assert!(
        !dockerfile.contains("'notebook'"),
        "a custom command gets no package"
    );
    assert!(!dockerfile.contains("ipykernel"), "no query, no kernel");
    position(&dockerfile, "rm -rf /root/.cache/pip");
    position(&dockerfile, "PIP_BREAK_SYSTEM_PACKAGES=1");
    position(&dockerfile, "python='/usr/bin/python3';");
    position(
        &dockerfile,
        "export PIP_INDEX_URL=\"$FORKLIFT_PIP_INDEX_URL\"",
    );

    let app = checked(BuildSpec {
        runtime_type: Some("app".into()),
        packages: PackagesSpec {
            pip: vec!["flask".into()],
            ..PackagesSpec::default()
        },
        ..minimal()
    });
    position(&render(&app).dockerfile, "python='python3';");
}

#[test]
fn sudo_comes_from_apt_apk_or_the_image() {
    let without_apt = render(&checked(BuildSpec {
        allow_root: true,
        ..minimal()
    }))
    .dockerfile;
    position(&without_apt, "if command -v sudo >/dev/null 2>&1; then");
    position(
        &without_apt,
        "apt-get \"$@\" install -y --no-install-recommends sudo;",
    );
    position(&without_apt, "apk add --no-cache sudo;");
    position(&without_apt, "chmod 0440 /etc/sudoers.d/01-forklift-work;");
    position(&without_apt, "'work ALL=(ALL:ALL) NOPASSWD:ALL'");

    let plain = render(&checked(minimal())).dockerfile;
    assert!(!plain.contains("sudo"));
}

#[test]
fn every_run_script_is_valid_shell() {
    let dockerfile = render(&checked(BuildSpec {
        runtime_path: Some("/opt/conda/bin/python3".into()),
        ..full()
    }))
    .dockerfile;
    let sudo_only = render(&checked(BuildSpec {
        allow_root: true,
        ..minimal()
    }))
    .dockerfile;
    let scripts = [run_scripts(&dockerfile), run_scripts(&sudo_only)].concat();
    assert_eq!(scripts.len(), 7);
    for script in scripts {
        let status = Command::new("sh").args(["-n", "-c", &script]).status();
        assert!(
            status.is_ok_and(|s| s.success()),
            "sh -n refused:\n{script}"
        );
    }
}

#[test]
fn sh_quoting_survives_a_real_shell() {
    let hostile = [
        "it's",
        "$(id)",
        "`id`",
        "a; rm -rf /",
        "\"q\"",
        "\\",
        "' ; echo pwned ; '",
        "日本",
    ];
    for word in hostile {
        let output = Command::new("sh")
            .args(["-c", &format!("printf '%s' {}", quote::sh(word))])
            .output();
        let printed = output.map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
        assert_eq!(printed.ok().as_deref(), Some(word));
    }
}

#[test]
fn service_definitions_are_json_with_the_command() {
    let context = render(&checked(full()));
    assert_eq!(context.files.len(), 2);
    let jupyter = &context.files[0];
    assert_eq!(
        (jupyter.path.as_str(), jupyter.mode),
        ("service-defs/jupyter.json", 0o644)
    );
    let parsed: serde_json::Value = serde_json::from_slice(&jupyter.contents).unwrap_or_default();
    assert_eq!(parsed["command"][0], "{runtime_path}");
    assert_eq!(parsed["command"][2], "notebook");
    assert_eq!(parsed["url_template"], "http://{host}:{port}/");
    assert_eq!(parsed["prestart"], serde_json::json!([]));
    let api: serde_json::Value =
        serde_json::from_slice(&context.files[1].contents).unwrap_or_default();
    assert_eq!(api["command"], serde_json::json!(["/opt/api", "a b"]));
    let allowed = [
        "prestart",
        "command",
        "url_template",
        "allowed_envs",
        "default_arguments",
    ];
    let keys_ok = parsed
        .as_object()
        .is_some_and(|o| o.keys().all(|k| allowed.contains(&k.as_str())));
    assert!(keys_ok, "{parsed}");
}

#[test]
fn output_and_archive_are_deterministic() {
    let spec = checked(full());
    assert_eq!(render(&spec), render(&spec));
    let first = render(&spec).to_tar().unwrap_or_default();
    let second = render(&spec).to_tar().unwrap_or_default();
    assert!(!first.is_empty());
    assert_eq!(first, second);
}

#[test]
fn the_archive_holds_the_dockerfile_and_the_files() {
    let context = render(&checked(full()));
    let bytes = context.to_tar().unwrap_or_default();
    let mut archive = tar::Archive::new(bytes.as_slice());
    let mut seen = Vec::new();
    let entries = archive.entries().into_iter().flatten().flatten();
    for mut entry in entries {
        let header = entry.header().clone();
        let path = entry
            .path()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut contents = String::new();
        let _ = std::io::Read::read_to_string(&mut entry, &mut contents);
        assert_eq!(header.mtime().ok(), Some(0), "{path}");
        seen.push((path, header.mode().unwrap_or_default(), contents));
    }
    let summary: Vec<(&str, u32)> = seen.iter().map(|(p, m, _)| (p.as_str(), *m)).collect();
    assert_eq!(
        summary,
        [
            ("Dockerfile", 0o644),
            ("service-defs/", 0o755),
            ("service-defs/jupyter.json", 0o644),
            ("service-defs/api.json", 0o644)
        ]
    );
    assert_eq!(seen[0].2, context.dockerfile);
}
