//! Connecting to Docker, and reading its errors.

use anyhow::Context as _;
use bollard::Docker;

/// Connects to the daemon named by `DOCKER_HOST` (default: the local socket) and agrees on an
/// API version with it, failing when the daemon does not answer.
pub async fn connect() -> anyhow::Result<Docker> {
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
pub fn message(error: &bollard::errors::Error) -> String {
    use bollard::errors::Error;

    match error {
        Error::DockerResponseServerError { message, .. } => message.trim().to_string(),
        Error::DockerStreamError { error } => error.trim().to_string(),
        other => other.to_string(),
    }
}

/// True when Docker answered 404: no such image or container.
pub fn is_not_found(error: &bollard::errors::Error) -> bool {
    matches!(
        error,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}
