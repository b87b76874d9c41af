//! Docker's push progress, collapsed into a few lines a person reads.
//!
//! dockerd reports every layer's state changes and, while uploading, several byte counts a
//! second per layer: thousands of messages for a large image. The task log gets one line per
//! finished layer, dockerd's own retries, the final digest line, and a heartbeat while an upload
//! runs long. bollard drops the layer ids, so layers are numbered as dockerd prepared them.

use std::time::Duration;

/// The push's progress so far.
#[derive(Debug, Default)]
pub(crate) struct PushProgress {
    /// Layers dockerd prepared to push.
    layers: usize,
    /// Layers pushed, found in the registry already, or mounted from another repository.
    done: usize,
    /// Bytes sent and total of the upload reported last.
    upload: Option<(i64, i64)>,
    /// The manifest digest, once dockerd reported it.
    pub(crate) digest: Option<String>,
    /// Seconds left in dockerd's last "Retrying in N seconds" countdown.
    retry_countdown: Option<u64>,
}

impl PushProgress {
    /// Takes one status message and returns the line it is worth in the task log, if any.
    pub(crate) fn observe(&mut self, status: &str, bytes: Option<(i64, i64)>) -> Option<String> {
        let status = status.trim();
        match status {
            "" | "Waiting" => None,
            "Preparing" => {
                self.layers += 1;
                None
            }
            "Pushing" => {
                self.upload = bytes.or(self.upload);
                None
            }
            "Pushed" => Some(self.layer_done("pushed")),
            "Layer already exists" => Some(self.layer_done("already in the registry")),
            _ => self.other(status),
        }
    }

    /// A line saying the push is still going, for long uploads.
    pub(crate) fn heartbeat(&self, elapsed: Duration) -> String {
        let mut line = format!(
            "still pushing after {} s: {} of {} layers done",
            elapsed.as_secs(),
            self.done,
            self.layers
        );
        if let Some((sent, total)) = self.upload.filter(|(_, total)| *total > 0) {
            line.push_str(&format!(
                "; the current upload is at {} of {}",
                megabytes(sent),
                megabytes(total)
            ));
        }
        line
    }

    fn layer_done(&mut self, how: &str) -> String {
        self.done += 1;
        self.upload = None;
        format!(
            "layer {} of {}: {how}",
            self.done,
            self.layers.max(self.done)
        )
    }

    fn other(&mut self, status: &str) -> Option<String> {
        if let Some(source) = status.strip_prefix("Mounted from ") {
            return Some(self.layer_done(&format!("mounted from {source}")));
        }
        if let Some(rest) = status.strip_prefix("Retrying in ") {
            // dockerd counts down once a second; only the start of a countdown is news.
            let seconds = rest.split_whitespace().next().and_then(|n| n.parse().ok());
            let new_countdown = match (seconds, self.retry_countdown) {
                (Some(now), Some(before)) => now >= before,
                _ => true,
            };
            self.retry_countdown = seconds;
            return new_countdown
                .then(|| format!("a layer upload failed; dockerd is retrying it ({status})"));
        }
        if let Some(digest) = digest_in(status) {
            self.digest = Some(digest);
        }
        Some(status.to_string())
    }
}

/// The digest in dockerd's closing line, `<tag>: digest: sha256:<hex> size: <bytes>`.
fn digest_in(status: &str) -> Option<String> {
    let (_, rest) = status.split_once("digest: ")?;
    let digest = rest.split_whitespace().next()?;
    let (algorithm, hex) = digest.split_once(':')?;
    let valid = algorithm.starts_with("sha")
        && !hex.is_empty()
        && hex.chars().all(|c| c.is_ascii_hexdigit());
    valid.then(|| digest.to_string())
}

fn megabytes(bytes: i64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:97489b8b5a73a92a987c6d87b72c4113d1c21fca4e63f4cb94901e9e4e65f1c5";

    /// What dockerd 20.10 sent for a two-layer push, one base layer already in the registry.
    fn observed() -> Vec<(&'static str, Option<(i64, i64)>)> {
        let mut messages = vec![
            (
                "The push refers to repository [127.0.0.1:5000/probe/debian]",
                None,
            ),
            ("Preparing", None),
            ("Preparing", None),
            ("Waiting", None),
            ("Mounted from check/debian", None),
        ];
        for sent in (0..=100).map(|i| i * 1_000_000) {
            messages.push(("Pushing", Some((sent, 100_000_000))));
        }
        messages.push(("Pushed", None));
        messages.push((
            "x: digest: sha256:97489b8b5a73a92a987c6d87b72c4113d1c21fca4e63f4cb94901e9e4e65f1c5 size: 528",
            None,
        ));
        messages
    }

    #[test]
    fn a_push_is_a_handful_of_lines_and_the_digest() {
        let mut progress = PushProgress::default();
        let lines: Vec<String> = observed()
            .into_iter()
            .filter_map(|(status, bytes)| progress.observe(status, bytes))
            .collect();
        assert_eq!(
            lines,
            [
                "The push refers to repository [127.0.0.1:5000/probe/debian]",
                "layer 1 of 2: mounted from check/debian",
                "layer 2 of 2: pushed",
                &format!("x: digest: {DIGEST} size: 528"),
            ]
        );
        assert_eq!(progress.digest.as_deref(), Some(DIGEST));
    }

    #[test]
    fn the_heartbeat_tells_how_far_the_upload_got() {
        let mut progress = PushProgress::default();
        for (status, bytes) in observed().into_iter().take(60) {
            progress.observe(status, bytes);
        }
        assert_eq!(
            progress.heartbeat(Duration::from_secs(30)),
            "still pushing after 30 s: 1 of 2 layers done; the current upload is at 54.0 MB of 100.0 MB"
        );
    }

    #[test]
    fn dockerds_own_retries_and_existing_layers_are_reported() {
        let mut progress = PushProgress::default();
        progress.observe("Preparing", None);
        assert_eq!(
            progress.observe("Retrying in 5 seconds", None).as_deref(),
            Some("a layer upload failed; dockerd is retrying it (Retrying in 5 seconds)")
        );
        assert_eq!(
            progress.observe("Layer already exists", None).as_deref(),
            Some("layer 1 of 1: already in the registry")
        );
    }

    #[test]
    fn dockerds_retry_countdowns_are_one_line_each() {
        let mut progress = PushProgress::default();
        let countdowns = (1..=5).rev().chain((1..=10).rev()).map(|n| {
            let unit = if n == 1 { "second" } else { "seconds" };
            format!("Retrying in {n} {unit}")
        });
        let lines: Vec<String> = countdowns
            .filter_map(|status| progress.observe(&status, None))
            .collect();
        assert_eq!(
            lines,
            [
                "a layer upload failed; dockerd is retrying it (Retrying in 5 seconds)",
                "a layer upload failed; dockerd is retrying it (Retrying in 10 seconds)",
            ]
        );
    }

    #[test]
    fn only_well_formed_digests_are_taken() {
        assert_eq!(
            digest_in(&format!("1.0: digest: {DIGEST} size: 1")).as_deref(),
            Some(DIGEST)
        );
        assert_eq!(digest_in("digest: nope size: 1"), None);
        assert_eq!(digest_in("The push refers to repository [x]"), None);
    }
}
