//! One push of a built image through Docker: the same function the service runs for every
//! try, and the one the benchmark in `bench/push` measures.

use std::future::Future;
use std::time::{Duration, Instant};

use bollard::auth::DockerCredentials;
use bollard::query_parameters::{PushImageOptionsBuilder, TagImageOptionsBuilder};
use bollard::Docker;
use forklift_shared::image_ref::ImageRef;
use forklift_shared::service::docker::{is_not_found, message};
use forklift_shared::service::task_log::TaskLog;
use futures::StreamExt;

use crate::progress::PushProgress;
use crate::retry::{classify, Verdict};

/// Quiet time after which a long upload gets a heartbeat line.
const HEARTBEAT: Duration = Duration::from_secs(15);

/// Where a push writes its progress lines.
pub trait PushLog: Send {
    fn line(&mut self, line: String) -> impl Future<Output = ()> + Send;
}

/// The task's log, continuing the build's numbering.
impl PushLog for TaskLog {
    async fn line(&mut self, line: String) {
        TaskLog::line(self, &line).await;
    }
}

/// Collects the lines, for tests and the benchmark.
impl PushLog for Vec<String> {
    fn line(&mut self, line: String) -> impl Future<Output = ()> + Send {
        self.push(line);
        std::future::ready(())
    }
}

/// What a successful push produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// The manifest digest the registry now serves the image under, `sha256:...`.
    pub digest: String,
}

/// Why a push failed, in dockerd's or the registry's own words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    /// dockerd or the registry refused or failed the push.
    #[error("{0}")]
    Refused(String),
    /// dockerd itself did not answer.
    #[error("Docker did not answer: {0}")]
    Docker(String),
}

impl PushError {
    /// Whether trying again may help.
    pub fn verdict(&self) -> Verdict {
        match self {
            PushError::Refused(message) => classify(message),
            PushError::Docker(_) => Verdict::Transient,
        }
    }

    fn from_docker(error: &bollard::errors::Error) -> Self {
        use bollard::errors::Error;
        match error {
            Error::DockerResponseServerError { .. } | Error::DockerStreamError { .. } => {
                PushError::Refused(message(error))
            }
            other => PushError::Docker(other.to_string()),
        }
    }
}

/// Pushes `image_id` under `reference`, tagging it first if the tag moved or is gone, and
/// returns the digest the registry reports.
pub async fn push_image(
    docker: &Docker,
    image_id: &str,
    reference: &ImageRef,
    credentials: Option<DockerCredentials>,
    log: &mut impl PushLog,
) -> Result<Pushed, PushError> {
    let repository = reference.repository();
    let tag = reference.tag().unwrap_or("latest");
    ensure_tagged(docker, image_id, &repository, tag, log).await?;

    let options = PushImageOptionsBuilder::new().tag(tag).build();
    let stream = docker.push_image(&repository, Some(options), credentials);
    let progress = follow(stream, log).await?;

    let digest = match progress.digest {
        Some(digest) => digest,
        None => repo_digest(docker, &repository, tag).await?,
    };
    Ok(Pushed { digest })
}

/// Makes `repository:tag` name `image_id`: a later build may have taken the tag meanwhile.
async fn ensure_tagged(
    docker: &Docker,
    image_id: &str,
    repository: &str,
    tag: &str,
    log: &mut impl PushLog,
) -> Result<(), PushError> {
    let current = match docker.inspect_image(&format!("{repository}:{tag}")).await {
        Ok(image) => image.id,
        Err(e) if is_not_found(&e) => None,
        Err(e) => return Err(PushError::from_docker(&e)),
    };
    if current.as_deref() == Some(image_id) {
        return Ok(());
    }

    log.line(format!("tagging {image_id} as {repository}:{tag} again"))
        .await;
    let options = TagImageOptionsBuilder::new()
        .repo(repository)
        .tag(tag)
        .build();
    docker
        .tag_image(image_id, Some(options))
        .await
        .map_err(|e| PushError::from_docker(&e))
}

/// Reads the push's progress to its end, logging what is worth reading.
async fn follow(
    stream: impl futures::Stream<Item = Result<bollard::models::PushImageInfo, bollard::errors::Error>>,
    log: &mut impl PushLog,
) -> Result<PushProgress, PushError> {
    let mut stream = std::pin::pin!(stream);
    let mut progress = PushProgress::default();
    let started = Instant::now();
    let mut last_line = started;

    while let Some(item) = stream.next().await {
        let info = item.map_err(|e| PushError::from_docker(&e))?;
        let bytes = info
            .progress_detail
            .and_then(|d| Some((d.current?, d.total?)));
        let line = info
            .status
            .and_then(|status| progress.observe(&status, bytes))
            .or_else(|| {
                (last_line.elapsed() >= HEARTBEAT).then(|| progress.heartbeat(started.elapsed()))
            });
        if let Some(line) = line {
            log.line(line).await;
            last_line = Instant::now();
        }
    }
    Ok(progress)
}

/// The digest Docker recorded for `repository` after a push that did not report one.
async fn repo_digest(docker: &Docker, repository: &str, tag: &str) -> Result<String, PushError> {
    let image = docker
        .inspect_image(&format!("{repository}:{tag}"))
        .await
        .map_err(|e| PushError::from_docker(&e))?;
    let prefix = format!("{repository}@");
    image
        .repo_digests
        .unwrap_or_default()
        .iter()
        .find_map(|d| d.strip_prefix(&prefix).map(str::to_string))
        .ok_or_else(|| {
            PushError::Refused(format!(
                "dockerd finished the push of {repository}:{tag} without reporting a digest"
            ))
        })
}
