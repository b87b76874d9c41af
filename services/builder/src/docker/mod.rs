//! Everything the builder asks of Docker, through bollard.

mod build;
mod container;
mod image;

pub(crate) use build::{build_image, check_build_args};
pub(crate) use container::{remove_abandoned, run_script};
pub(crate) use image::{inspect, is_present, pull_source, source_id, untag, BuiltImage};

use bollard::Docker;

/// Connects to the daemon named by `DOCKER_HOST` (default: the local socket) and agrees on an
/// API version with it, failing when the daemon does not answer.
pub async fn connect() -> anyhow::Result<Docker> {
    use anyhow::Context as _;

    let docker = Docker::connect_with_defaults().context("cannot reach Docker")?;
    // bollard speaks a newer API than Debian's Docker 20.10 (1.41) understands.
    let docker = docker
        .negotiate_version()
        .await
        .context("cannot reach Docker: is dockerd running and DOCKER_HOST right?")?;
    docker
        .ping()
        .await
        .context("Docker does not answer a ping")?;
    Ok(docker)
}

/// Docker's own words for what went wrong, without bollard's framing.
pub(crate) fn message(error: &bollard::errors::Error) -> String {
    use bollard::errors::Error;

    match error {
        Error::DockerResponseServerError { message, .. } => message.trim().to_string(),
        Error::DockerStreamError { error } => error.trim().to_string(),
        other => other.to_string(),
    }
}

/// True when Docker answered 404: no such image or container.
pub(crate) fn is_not_found(error: &bollard::errors::Error) -> bool {
    matches!(
        error,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}
