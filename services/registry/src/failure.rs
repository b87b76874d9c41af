//! Why a push failed, in the one sentence the task's error message carries: which image, which
//! registry, what it said, and what to do about it when that is known.

use crate::push::PushError;
use crate::retry::Verdict;

/// The image and registry a push is about.
#[derive(Debug, Clone)]
pub(crate) struct Target<'a> {
    /// The reference as the user wrote it.
    pub(crate) reference: &'a str,
    /// `registry/namespace/name`.
    pub(crate) repository: String,
    /// The registry host, `docker.io` for Docker Hub.
    pub(crate) host: String,
    pub(crate) image_id: &'a str,
}

/// Which credentials a push presented, to explain a refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LoginUsed {
    Stored {
        username: String,
    },
    NoneStored,
    /// The service has no credentials key, so stored credentials cannot be read.
    NoKey,
}

impl Target<'_> {
    /// A push refused before it started, for `reason`.
    pub(crate) fn refused(&self, reason: &str) -> String {
        format!(
            "cannot push {} to the registry {}: {reason}",
            self.reference, self.host
        )
    }

    /// A push that failed with `error` after `tries` tries.
    pub(crate) fn failed(&self, error: &PushError, login: &LoginUsed, tries: u32) -> String {
        let said = error.to_string();
        let why = match error.verdict() {
            Verdict::Transient => Some(format!("it still failed after {tries} tries")),
            Verdict::Permanent => self.hint(&said.to_ascii_lowercase(), login),
        };
        match why {
            Some(why) => self.refused(&format!("{why}; it said: {said}")),
            None => self.refused(&said),
        }
    }

    /// What a permanent failure means, when its message says.
    fn hint(&self, said: &str, login: &LoginUsed) -> Option<String> {
        let has = |words: &[&str]| words.iter().any(|w| said.contains(w));
        if has(&[
            "unauthorized",
            "authentication required",
            "no basic auth credentials",
        ]) {
            return Some(self.credentials_hint(login));
        }
        let hint = if has(&["denied", "forbidden"]) {
            format!("it denied access to {}", self.repository)
        } else if has(&["http response to https client"]) {
            format!(
                "it speaks plain HTTP, which dockerd refuses for it; list {} in dockerd's \
                 insecure-registries and in FORKLIFT_INSECURE_REGISTRIES, or give it TLS",
                self.host
            )
        } else if has(&["x509:", "certificate"]) {
            "dockerd does not trust its TLS certificate".to_string()
        } else if has(&["no such host"]) {
            "its host name does not resolve".to_string()
        } else if has(&["does not exist locally", "no such image"]) {
            format!(
                "the built image {} is no longer on the Docker host",
                self.image_id
            )
        } else if has(&[
            "name unknown",
            "name invalid",
            "name_unknown",
            "name_invalid",
        ]) {
            format!("it does not accept the repository name {}", self.repository)
        } else {
            return None;
        };
        Some(hint)
    }

    fn credentials_hint(&self, login: &LoginUsed) -> String {
        let host = &self.host;
        match login {
            LoginUsed::Stored { username } => {
                format!("it refused the credentials stored for {host} (user {username})")
            }
            LoginUsed::NoneStored => format!(
                "it wants credentials and none are stored for {host}; an admin can add them \
                 with POST /registries/"
            ),
            LoginUsed::NoKey => format!(
                "it wants credentials, and the registry service has no FORKLIFT_CREDENTIALS_KEY \
                 to read the ones stored for {host}"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> Target<'static> {
        Target {
            reference: "127.0.0.1:5001/team/app:1.0-ubuntu22.04",
            repository: "127.0.0.1:5001/team/app".into(),
            host: "127.0.0.1:5001".into(),
            image_id: "sha256:abc",
        }
    }

    fn refused(message: &str) -> PushError {
        PushError::Refused(message.into())
    }

    #[test]
    fn wrong_credentials_name_the_registry_the_image_the_user_and_what_it_said() {
        let login = LoginUsed::Stored {
            username: "ci".into(),
        };
        assert_eq!(
            target().failed(&refused("unauthorized: authentication required"), &login, 1),
            "cannot push 127.0.0.1:5001/team/app:1.0-ubuntu22.04 to the registry 127.0.0.1:5001: \
             it refused the credentials stored for 127.0.0.1:5001 (user ci); it said: \
             unauthorized: authentication required"
        );
    }

    #[test]
    fn missing_credentials_say_how_to_add_them() {
        let message = target().failed(
            &refused("no basic auth credentials"),
            &LoginUsed::NoneStored,
            1,
        );
        assert!(
            message.contains("none are stored for 127.0.0.1:5001"),
            "{message}"
        );
        assert!(message.contains("POST /registries/"), "{message}");
        let message = target().failed(&refused("no basic auth credentials"), &LoginUsed::NoKey, 1);
        assert!(message.contains("FORKLIFT_CREDENTIALS_KEY"), "{message}");
    }

    #[test]
    fn a_registry_that_stays_down_says_how_often_it_was_tried() {
        let error = refused(
            "Get \"http://127.0.0.1:5999/v2/\": dial tcp 127.0.0.1:5999: connect: connection refused",
        );
        assert_eq!(
            target().failed(&error, &LoginUsed::NoneStored, 5),
            "cannot push 127.0.0.1:5001/team/app:1.0-ubuntu22.04 to the registry 127.0.0.1:5001: \
             it still failed after 5 tries; it said: Get \"http://127.0.0.1:5999/v2/\": dial tcp \
             127.0.0.1:5999: connect: connection refused"
        );
    }

    #[test]
    fn other_refusals_are_explained_or_quoted() {
        let login = LoginUsed::NoneStored;
        let cases = [
            (
                "denied: requested access to the resource is denied",
                "denied access to 127.0.0.1:5001/team/app",
            ),
            (
                "http: server gave HTTP response to HTTPS client",
                "insecure-registries",
            ),
            (
                "x509: certificate signed by unknown authority",
                "TLS certificate",
            ),
            (
                "An image does not exist locally with the tag: x",
                "sha256:abc is no longer",
            ),
            (
                "name unknown: repository name not known to registry",
                "repository name",
            ),
        ];
        for (said, expected) in cases {
            let message = target().failed(&refused(said), &login, 1);
            assert!(
                message.contains(expected) && message.ends_with(said),
                "{message}"
            );
        }
        assert_eq!(
            target().failed(&refused("manifest invalid"), &login, 1),
            "cannot push 127.0.0.1:5001/team/app:1.0-ubuntu22.04 to the registry 127.0.0.1:5001: \
             manifest invalid"
        );
    }
}
