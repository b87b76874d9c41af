//! Looking at what a build produced, with the docker CLI as a person would.

use std::collections::HashMap;
use std::process::Command;

/// Runs `docker` and returns its standard output; panics with its error output on failure.
pub fn docker(args: &[&str]) -> String {
    let output = Command::new("docker")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run docker {args:?}: {e}"));
    assert!(
        output.status.success(),
        "docker {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The labels of an image.
pub fn labels(image: &str) -> HashMap<String, String> {
    let json = docker(&[
        "image",
        "inspect",
        image,
        "--format",
        "{{json .Config.Labels}}",
    ]);
    serde_json::from_str::<Option<HashMap<String, String>>>(json.trim())
        .unwrap_or_else(|e| panic!("labels of {image}: {e}: {json}"))
        .unwrap_or_default()
}

/// Runs `script` in a throw-away container of `image` as `user`, without network.
pub fn run_in(image: &str, user: &str, script: &str) -> String {
    docker(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--user",
        user,
        "--entrypoint",
        "/bin/sh",
        image,
        "-c",
        script,
    ])
}

pub fn image_exists(image: &str) -> bool {
    Command::new("docker")
        .args(["image", "inspect", image])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

pub fn remove_image(image: &str) {
    let _ = Command::new("docker").args(["rmi", "-f", image]).output();
}

/// A new image `forklift-e2e/fresh-<id>:1` on top of `base`, created now, so that it is among
/// the newest images on the host whatever else is there. Remove it with [`remove_image`].
pub fn fresh_image(base: &str) -> String {
    use std::io::Write as _;

    let name = format!("forklift-e2e/fresh-{}:1", uuid::Uuid::new_v4().simple());
    let mut build = Command::new("docker")
        .env("DOCKER_BUILDKIT", "0")
        .args(["build", "-q", "-t", &name, "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run docker build: {e}"));
    let dockerfile = format!("FROM {base}\nLABEL forklift.e2e.fresh=\"{name}\"\n");
    build
        .stdin
        .take()
        .map(|mut stdin| stdin.write_all(dockerfile.as_bytes()))
        .transpose()
        .expect("write the Dockerfile");
    let status = build.wait().expect("docker build");
    assert!(status.success(), "docker build of {name} failed");
    name
}
