//! The Docker engine's images and containers, as the Summary and Environments pages list them.

use std::collections::BTreeMap;
use std::time::Duration;

use bollard::query_parameters::{ListContainersOptionsBuilder, ListImagesOptionsBuilder};
use bollard::Docker;
use chrono::{DateTime, Utc};

/// Longest a page waits for the engine before it says the engine does not answer.
const TIMEOUT: Duration = Duration::from_secs(5);

/// One tag of an image on the host (an untagged image has one row with `<none>`).
#[derive(Debug, Clone, PartialEq)]
pub struct HostImage {
    pub id: String,
    pub repository: String,
    pub tag: String,
    pub size_bytes: i64,
    pub created: Option<DateTime<Utc>>,
    /// Only the `ai.backend.*` labels: what makes it a Backend.AI image.
    pub backend_labels: BTreeMap<String, String>,
}

impl HostImage {
    /// `repository:tag`, as `docker images` would name it.
    pub fn reference(&self) -> String {
        format!("{}:{}", self.repository, self.tag)
    }
}

/// A running container.
#[derive(Debug, Clone, PartialEq)]
pub struct HostContainer {
    pub id: String,
    pub name: String,
    pub image: String,
    pub state: String,
    pub status: String,
    pub ports: Vec<String>,
}

/// A client of the engine named by `DOCKER_HOST` (or the local socket), with the API version
/// agreed on. `None` only when no client can be made at all.
pub async fn connect() -> Option<Docker> {
    let docker = match Docker::connect_with_defaults() {
        Ok(docker) => docker,
        Err(e) => {
            tracing::warn!(error = %e, "no Docker client; pages will not list images");
            return None;
        }
    };
    match tokio::time::timeout(TIMEOUT, docker.clone().negotiate_version()).await {
        Ok(Ok(negotiated)) => Some(negotiated),
        outcome => {
            tracing::warn!(?outcome, "Docker does not answer yet; pages will say so");
            Some(docker)
        }
    }
}

/// The host's images, newest first, one row per tag.
pub async fn images(docker: Option<&Docker>) -> Result<Vec<HostImage>, String> {
    let docker = docker.ok_or_else(no_client)?;
    let options = ListImagesOptionsBuilder::default().all(false).build();
    let summaries = within_timeout(docker.list_images(Some(options))).await?;
    let mut rows: Vec<HostImage> = summaries.into_iter().flat_map(rows_of).collect();
    rows.sort_by(|a, b| {
        b.created
            .cmp(&a.created)
            .then_with(|| a.reference().cmp(&b.reference()))
    });
    Ok(rows)
}

/// The running containers.
pub async fn containers(docker: Option<&Docker>) -> Result<Vec<HostContainer>, String> {
    let docker = docker.ok_or_else(no_client)?;
    let options = ListContainersOptionsBuilder::default().all(false).build();
    let summaries = within_timeout(docker.list_containers(Some(options))).await?;
    Ok(summaries.into_iter().map(container_of).collect())
}

fn rows_of(image: bollard::models::ImageSummary) -> Vec<HostImage> {
    let backend_labels: BTreeMap<String, String> = image
        .labels
        .into_iter()
        .filter(|(k, _)| k.starts_with("ai.backend."))
        .collect();
    let created = DateTime::from_timestamp(image.created, 0);
    let tags = if image.repo_tags.is_empty() {
        vec!["<none>:<none>".to_string()]
    } else {
        image.repo_tags
    };
    tags.into_iter()
        .map(|reference| {
            let (repository, tag) = split_reference(&reference);
            HostImage {
                id: image.id.clone(),
                repository,
                tag,
                size_bytes: image.size,
                created,
                backend_labels: backend_labels.clone(),
            }
        })
        .collect()
}

/// Splits `registry:5000/name:tag` at the tag's colon, not the port's.
fn split_reference(reference: &str) -> (String, String) {
    match reference.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo.to_string(), tag.to_string()),
        _ => (reference.to_string(), String::new()),
    }
}

fn container_of(c: bollard::models::ContainerSummary) -> HostContainer {
    let name = c
        .names
        .and_then(|names| names.into_iter().next())
        .map(|n| n.trim_start_matches('/').to_string())
        .unwrap_or_default();
    let ports = c
        .ports
        .unwrap_or_default()
        .into_iter()
        .map(|p| match p.public_port {
            Some(public) => format!("{public}→{}/{}", p.private_port, port_type(&p.typ)),
            None => format!("{}/{}", p.private_port, port_type(&p.typ)),
        })
        .collect();
    HostContainer {
        id: c.id.unwrap_or_default().chars().take(12).collect(),
        name,
        image: c.image.unwrap_or_default(),
        state: c.state.map(|s| s.to_string()).unwrap_or_default(),
        status: c.status.unwrap_or_default(),
        ports,
    }
}

fn port_type(typ: &Option<bollard::models::PortSummaryTypeEnum>) -> String {
    typ.map(|t| t.to_string()).unwrap_or_else(|| "tcp".into())
}

async fn within_timeout<T>(
    call: impl std::future::Future<Output = Result<T, bollard::errors::Error>>,
) -> Result<T, String> {
    match tokio::time::timeout(TIMEOUT, call).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "Docker request failed");
            Err(format!("the Docker engine is unavailable ({e})"))
        }
        Err(_) => Err("the Docker engine did not answer in time".into()),
    }
}

fn no_client() -> String {
    "no Docker engine is configured for the gateway (set DOCKER_HOST)".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_split_at_the_tag() {
        assert_eq!(split_reference("a/b:1.0"), ("a/b".into(), "1.0".into()));
        assert_eq!(
            split_reference("host:5000/b:1"),
            ("host:5000/b".into(), "1".into())
        );
        assert_eq!(
            split_reference("host:5000/b"),
            ("host:5000/b".into(), "".into())
        );
    }
}
