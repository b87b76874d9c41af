//! `docker build` with the legacy builder, its output streamed into the task log.

use std::collections::HashMap;
use std::time::Duration;

use bollard::query_parameters::BuildImageOptionsBuilder;
use bollard::Docker;
use futures::{Stream, StreamExt};

use super::message;
use crate::failure::BuildFailure;
use crate::lines::LineSplitter;
use crate::step::BuildProgress;
use forklift_shared::service::task_log::TaskLog;

/// Most bytes the build arguments may take in Docker's build request. Docker only takes them in
/// the query string, and the HTTP client caps the whole request URI at 64 KiB; the other
/// parameters (the target's name at most 255 characters) fit in the rest.
const MAX_BUILD_ARGS_BYTES: usize = 60 * 1024;

/// Refuses build arguments that would not fit in Docker's build request, naming the largest,
/// instead of the HTTP client's bare "uri too long".
pub(crate) fn check_build_args(build_args: &HashMap<String, String>) -> Result<(), BuildFailure> {
    // bollard sends them as one JSON object, URL-encoded.
    let json = serde_json::to_string(build_args).unwrap_or_default();
    let bytes = url_encoded_len(&json);
    if bytes <= MAX_BUILD_ARGS_BYTES {
        return Ok(());
    }
    let largest = build_args
        .iter()
        .max_by_key(|(_, value)| value.len())
        .map(|(name, value)| (name.clone(), value.len()))
        .unwrap_or_default();
    Err(BuildFailure::BuildArgsTooLong {
        bytes,
        limit: MAX_BUILD_ARGS_BYTES,
        largest: largest.0,
        largest_bytes: largest.1,
    })
}

/// Length of `text` once percent-encoded in a query string.
fn url_encoded_len(text: &str) -> usize {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' | b' ' => 1,
            _ => 3,
        })
        .sum()
}

/// Builds the tar `context` into an image tagged `target`, within `limit`.
pub(crate) async fn build_image(
    docker: &Docker,
    context: Vec<u8>,
    target: &str,
    build_args: &HashMap<String, String>,
    log: &mut TaskLog,
    limit: Duration,
) -> Result<(), BuildFailure> {
    check_build_args(build_args)?;
    // `forcerm` also removes the container of a failed step, which `rm` alone leaves behind.
    // No `pull`: the source image is already present, and tests use images no registry has.
    let options = BuildImageOptionsBuilder::new()
        .dockerfile("Dockerfile")
        .t(target)
        .rm(true)
        .forcerm(true)
        .buildargs(build_args)
        .build();
    let output = docker.build_image(options, None, Some(bollard::body_full(context.into())));

    let mut output_lines = OutputLines::default();
    let outcome = tokio::time::timeout(limit, output_lines.follow(output, log)).await;
    // Whatever happened, the last unterminated line belongs in the log.
    if let Some(line) = output_lines.splitter.finish() {
        output_lines.progress.observe(&line);
        log.line(&line).await;
    }

    let BuildProgress { step, last_output } = output_lines.progress;
    match outcome {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(BuildFailure::Step {
            step,
            message: message(&e),
            last_output,
        }),
        Err(_) => Err(BuildFailure::Timeout { step, limit }),
    }
}

/// The build's output as lines, and how far they say the build got.
#[derive(Default)]
struct OutputLines {
    splitter: LineSplitter,
    progress: BuildProgress,
}

impl OutputLines {
    /// Reads the build's output until it ends, or until Docker reports an error.
    async fn follow(
        &mut self,
        output: impl Stream<Item = Result<bollard::models::BuildInfo, bollard::errors::Error>>,
        log: &mut TaskLog,
    ) -> Result<(), bollard::errors::Error> {
        let mut output = std::pin::pin!(output);
        while let Some(item) = output.next().await {
            let info = item?;
            // `stream` is the builder's console output, in chunks that ignore line ends;
            // `status` lines, whole, only appear when a step pulls something.
            if let Some(chunk) = info.stream {
                for line in self.splitter.push(&chunk) {
                    self.progress.observe(&line);
                    log.line(&line).await;
                }
            }
            if let Some(status) = info.status {
                log.line(&status).await;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_build_args_fit() {
        let args = HashMap::from([(
            "FORKLIFT_BASE_DISTRO".to_string(),
            "ubuntu22.04".to_string(),
        )]);
        assert!(check_build_args(&args).is_ok());
    }

    #[test]
    fn a_system_ca_bundle_does_not_fit_and_is_named() {
        let bundle = "-----BEGIN CERTIFICATE-----\nMIIFazCCA1OgAwIBAgIRAIIQz7DSQONZRGPgu2OCiwAw\n"
            .repeat(2000);
        let args = HashMap::from([
            (
                "FORKLIFT_BASE_DISTRO".to_string(),
                "ubuntu22.04".to_string(),
            ),
            ("FORKLIFT_BUILD_CA".to_string(), bundle),
        ]);
        let message = check_build_args(&args)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("FORKLIFT_BUILD_CA ("), "{message}");
        assert!(message.contains("FORKLIFT_BUILD_CA_FILE"), "{message}");
    }

    #[test]
    fn encoding_triples_everything_but_plain_characters() {
        assert_eq!(url_encoded_len("aZ9-._* "), 8);
        assert_eq!(url_encoded_len("\n/+="), 12);
    }
}
