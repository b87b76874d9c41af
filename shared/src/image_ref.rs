//! Image references: `[registry[:port]/][namespace/]name[:tag][@digest]`.
//!
//! The parser follows Docker's reference grammar, so that what it accepts Docker accepts too, and
//! it names precisely what is wrong with what it refuses: users type these by hand and an
//! air-gapped build that fails on a typo costs a round trip through the queue.
//!
//! One difference from Docker is deliberate: a first component such as `UPPER` in `UPPER/case`
//! is a registry for Docker only because it has capitals, which is never what a user meant. Here
//! a first component is a registry only when it contains `.` or `:` or is `localhost`.

mod components;
mod target;
#[cfg(test)]
mod tests;

use std::fmt;

pub use target::{check_backend_ai_tag, TargetTagError};

/// Docker's limit on the length of a repository name, registry included.
const NAME_MAX: usize = 255;

/// A parsed image reference, kept as the user wrote it (no `docker.io` is invented).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry host with its optional port, such as `registry.example.com:5000`.
    pub registry: Option<String>,
    /// Every path component between the registry and the name, joined by `/`.
    pub namespace: Option<String>,
    /// The last path component.
    pub name: String,
    pub tag: Option<String>,
    /// `algorithm:hex`, such as `sha256:...`.
    pub digest: Option<String>,
}

/// Why a text is not an image reference; the message is a sentence a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct ImageRefError {
    reason: String,
}

impl ImageRefError {
    pub(crate) fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }

    /// The reason, as displayed.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// Lets callers that collect messages as text take the error as it is.
impl From<ImageRefError> for String {
    fn from(error: ImageRefError) -> Self {
        error.reason
    }
}

impl ImageRef {
    /// Parses a full reference, refusing anything Docker would refuse, with the reason.
    pub fn parse(input: &str) -> Result<Self, ImageRefError> {
        components::check_characters(input)?;
        let (rest, digest) = split_digest(input)?;
        let (name_part, tag) = split_tag(rest)?;
        check_name_length(name_part)?;

        let (registry, path) = split_registry(name_part)?;
        let mut parts = components::path_components(path)?;
        let name = parts.pop().unwrap_or_default();
        let namespace = (!parts.is_empty()).then(|| parts.join("/"));

        Ok(Self {
            registry: registry.map(str::to_string),
            namespace,
            name: name.to_string(),
            tag: tag.map(str::to_string),
            digest: digest.map(str::to_string),
        })
    }

    /// `registry/namespace/name`, leaving out the parts that were not given.
    pub fn repository(&self) -> String {
        let mut parts: Vec<&str> = Vec::with_capacity(3);
        parts.extend(self.registry.as_deref());
        parts.extend(self.namespace.as_deref());
        parts.push(&self.name);
        parts.join("/")
    }

    /// The registry as written, port included (`host:5000`); `None` means Docker Hub.
    pub fn registry_host(&self) -> Option<&str> {
        self.registry.as_deref()
    }

    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }

    /// What to hand to Docker: the reference with `latest` made explicit when neither a tag nor a
    /// digest was given, since that is what Docker would pull anyway.
    pub fn reference_for_docker(&self) -> String {
        let repository = self.repository();
        match (&self.tag, &self.digest) {
            (None, None) => format!("{repository}:latest"),
            _ => self.to_string(),
        }
    }
}

/// Checks that `host` names a registry the way references write it, `host[:port]`: a host name
/// or address that Docker reads as a registry (it contains `.` or `:`, or is `localhost`).
pub fn check_registry_host(host: &str) -> Result<(), ImageRefError> {
    components::check_characters(host)?;
    if !is_registry(host) {
        return Err(ImageRefError::new(format!(
            "'{host}' is not a registry host: Docker reads the first part of a reference as a \
             registry only when it contains '.' or ':' or is 'localhost'"
        )));
    }
    components::check_registry(host)
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repository())?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for ImageRef {
    type Err = ImageRefError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

fn split_digest(input: &str) -> Result<(&str, Option<&str>), ImageRefError> {
    let Some((rest, digest)) = input.split_once('@') else {
        return Ok((input, None));
    };
    if digest.contains('@') {
        return Err(ImageRefError::new(
            "the reference contains more than one '@'",
        ));
    }
    components::check_digest(digest)?;
    Ok((rest, Some(digest)))
}

/// The tag is whatever follows a `:` in the last path component; a `:` before the last `/`
/// belongs to the registry's port.
fn split_tag(rest: &str) -> Result<(&str, Option<&str>), ImageRefError> {
    let last_start = rest.rfind('/').map_or(0, |slash| slash + 1);
    let Some(colon) = rest[last_start..].find(':') else {
        return Ok((rest, None));
    };
    let (name_part, tag) = (&rest[..last_start + colon], &rest[last_start + colon + 1..]);
    components::check_tag(tag)?;
    Ok((name_part, Some(tag)))
}

fn check_name_length(name_part: &str) -> Result<(), ImageRefError> {
    if name_part.is_empty() {
        return Err(ImageRefError::new(
            "the image name is missing (nothing before the tag or digest)",
        ));
    }
    if name_part.len() > NAME_MAX {
        return Err(ImageRefError::new(format!(
            "the image name is {} characters long; Docker allows at most {NAME_MAX}",
            name_part.len()
        )));
    }
    Ok(())
}

/// Splits off the first component when it names a registry: it contains `.` or `:`, or is
/// `localhost`, and something follows it.
fn split_registry(name_part: &str) -> Result<(Option<&str>, &str), ImageRefError> {
    match name_part.split_once('/') {
        Some((first, path)) if is_registry(first) => {
            components::check_registry(first)?;
            Ok((Some(first), path))
        }
        _ => Ok((None, name_part)),
    }
}

fn is_registry(first: &str) -> bool {
    first.contains(['.', ':']) || first == "localhost"
}
