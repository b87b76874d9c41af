//! What Backend.AI demands of an image it will run, beyond Docker's grammar.
//!
//! Backend.AI reads a tag as `<version>[-<platform>...]`, e.g. `3.11-ubuntu22.04` or
//! `2.1-py311-cuda12.1`: the version says what the image provides and each platform part says
//! what it was built for (a key of letters, then an optional version). It resolves images by that
//! version, so a tag without one, or with a platform key twice, makes an image nobody can select.

use std::collections::HashSet;

use super::ImageRef;

/// Why a reference cannot be a Backend.AI build target.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct TargetTagError {
    reason: String,
}

impl TargetTagError {
    fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }
}

/// Lets callers that collect messages as text take the error as it is.
impl From<TargetTagError> for String {
    fn from(error: TargetTagError) -> Self {
        error.reason
    }
}

impl ImageRef {
    /// Checks that this reference can name a built image that Backend.AI will accept: an
    /// explicit tag in Backend.AI's grammar and no digest (a digest names content that does not
    /// exist yet).
    pub fn check_backend_ai_target(&self) -> Result<(), TargetTagError> {
        if self.digest.is_some() {
            return Err(TargetTagError::new(
                "a build target cannot have a digest; name it with a tag instead",
            ));
        }
        match &self.tag {
            Some(tag) => check_backend_ai_tag(tag),
            None => Err(TargetTagError::new(
                "the target needs an explicit tag such as 3.11-ubuntu22.04; Backend.AI resolves images by the version in their tag",
            )),
        }
    }
}

/// Checks a tag against Backend.AI's `<version>[-<platform>...]` grammar.
pub fn check_backend_ai_tag(tag: &str) -> Result<(), TargetTagError> {
    let mut parts = tag.split('-');
    let version = parts.next().unwrap_or_default();
    check_version(tag, version)?;

    let mut keys = HashSet::new();
    for part in parts {
        let key = check_platform_part(tag, part)?;
        if !keys.insert(key.to_ascii_lowercase()) {
            return Err(TargetTagError::new(format!(
                "tag '{tag}' names the platform '{key}' twice; each platform may appear once"
            )));
        }
    }
    Ok(())
}

fn check_version(tag: &str, version: &str) -> Result<(), TargetTagError> {
    if version.is_empty() {
        return Err(TargetTagError::new(format!(
            "tag '{tag}' must start with a version such as 3.11"
        )));
    }
    if version.eq_ignore_ascii_case("latest") {
        return Err(TargetTagError::new(format!(
            "tag '{tag}' starts with 'latest', which carries no version; Backend.AI resolves images by version, so use one such as 3.11-ubuntu22.04"
        )));
    }
    match version.chars().find(|c| !c.is_ascii_alphanumeric() && !"_.".contains(*c)) {
        Some(bad) => Err(TargetTagError::new(format!(
            "the version '{version}' of tag '{tag}' contains '{bad}'; use letters, digits, '_' and '.'"
        ))),
        None => Ok(()),
    }
}

/// A platform part is letters (its key), then optionally a digit followed by version characters.
/// Returns the key.
fn check_platform_part<'a>(tag: &str, part: &'a str) -> Result<&'a str, TargetTagError> {
    if part.is_empty() {
        return Err(TargetTagError::new(format!(
            "tag '{tag}' has an empty part (two dashes in a row, or a trailing dash)"
        )));
    }
    let key_len = part
        .find(|c: char| !c.is_ascii_alphabetic() && c != '_')
        .unwrap_or(part.len());
    let (key, version) = part.split_at(key_len);
    let version_ok = version.is_empty()
        || (version.starts_with(|c: char| c.is_ascii_digit())
            && version
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.".contains(c)));
    if key.is_empty() || !version_ok {
        return Err(TargetTagError::new(format!(
            "platform part '{part}' of tag '{tag}' must be letters optionally followed by a version, such as ubuntu22.04 or cuda12.1"
        )));
    }
    Ok(key)
}
