//! Images: pulling the source when it is missing, reading what a build produced, untagging it.

use std::collections::HashMap;
use std::time::Duration;

use bollard::auth::DockerCredentials;
use bollard::query_parameters::{CreateImageOptionsBuilder, RemoveImageOptionsBuilder};
use bollard::Docker;
use chrono::{DateTime, Utc};
use futures::StreamExt;

use super::{is_not_found, message};
use crate::failure::BuildFailure;
use forklift_shared::service::task_log::TaskLog;

/// What the builder reports about an image it built.
#[derive(Debug, Clone)]
pub(crate) struct BuiltImage {
    /// `sha256:...`
    pub(crate) id: String,
    pub(crate) size_bytes: i64,
    pub(crate) labels: HashMap<String, String>,
    pub(crate) created_at: DateTime<Utc>,
}

/// Whether Docker has `reference` already, so that no pull is needed.
pub(crate) async fn is_present(docker: &Docker, reference: &str) -> Result<bool, BuildFailure> {
    match docker.inspect_image(reference).await {
        Ok(_) => Ok(true),
        Err(e) if is_not_found(&e) => Ok(false),
        Err(e) => Err(BuildFailure::Docker {
            action: "look up the source image",
            message: message(&e),
        }),
    }
}

/// Pulls `reference` with `credentials` (none for an anonymous pull), with the pull's progress
/// in the task log.
pub(crate) async fn pull_source(
    docker: &Docker,
    reference: &str,
    credentials: Option<DockerCredentials>,
    log: &mut TaskLog,
    limit: Duration,
) -> Result<(), BuildFailure> {
    log.line(&format!("pulling {reference}")).await;
    match tokio::time::timeout(limit, pull(docker, reference, credentials, log)).await {
        Ok(result) => result,
        Err(_) => Err(BuildFailure::PullTimeout {
            image: reference.to_string(),
            limit,
        }),
    }
}

async fn pull(
    docker: &Docker,
    reference: &str,
    credentials: Option<DockerCredentials>,
    log: &mut TaskLog,
) -> Result<(), BuildFailure> {
    // The reference carries its tag or digest: an empty `tag` parameter with a bare name would
    // pull every tag of the repository.
    let options = CreateImageOptionsBuilder::new()
        .from_image(reference)
        .build();
    let mut progress = docker.create_image(Some(options), None, credentials);

    while let Some(item) = progress.next().await {
        let info = item.map_err(|e| BuildFailure::Pull {
            image: reference.to_string(),
            message: message(&e),
        })?;
        // Byte counters of downloads and extractions would flood the log; their start and end
        // arrive as lines without counters.
        let ticking = info.progress_detail.is_some_and(|p| p.current.is_some());
        if let (Some(status), false) = (info.status, ticking) {
            let line = match info.id {
                Some(id) => format!("{id}: {status}"),
                None => status,
            };
            log.line(&line).await;
        }
    }
    Ok(())
}

/// The id, size, labels and creation time of `reference`.
pub(crate) async fn inspect(docker: &Docker, reference: &str) -> Result<BuiltImage, BuildFailure> {
    let image = docker
        .inspect_image(reference)
        .await
        .map_err(|e| BuildFailure::Docker {
            action: "inspect the built image",
            message: message(&e),
        })?;

    let created_at = image
        .created
        .as_deref()
        .and_then(|c| DateTime::parse_from_rfc3339(c).ok())
        .map_or_else(Utc::now, |c| c.with_timezone(&Utc));
    Ok(BuiltImage {
        id: image.id.unwrap_or_default(),
        size_bytes: image.size.unwrap_or_default(),
        labels: image.config.and_then(|c| c.labels).unwrap_or_default(),
        created_at,
    })
}

/// The id of the source image `reference`, which names it whatever tag it goes by.
pub(crate) async fn source_id(docker: &Docker, reference: &str) -> Result<String, BuildFailure> {
    let image = docker
        .inspect_image(reference)
        .await
        .map_err(|e| BuildFailure::Docker {
            action: "inspect the source image",
            message: message(&e),
        })?;
    Ok(image.id.unwrap_or_default())
}

/// Removes the tag `reference` but keeps the layers, which later builds reuse from the cache.
pub(crate) async fn untag(docker: &Docker, reference: &str) -> Result<(), bollard::errors::Error> {
    let options = RemoveImageOptionsBuilder::new().noprune(true).build();
    match docker.remove_image(reference, Some(options), None).await {
        Ok(_) => Ok(()),
        Err(e) if is_not_found(&e) => Ok(()),
        Err(e) => Err(e),
    }
}
