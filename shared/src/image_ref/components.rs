//! The grammar of each part of an image reference: characters, path components, registry, tag
//! and digest. Every refusal says which part is wrong and why.

use super::ImageRefError;

/// Docker's limit on a tag's length.
const TAG_MAX: usize = 128;

/// Refuses empty text, whitespace and control characters before anything else, since they are
/// the usual copy-and-paste accidents and would otherwise surface as a confusing component error.
pub(super) fn check_characters(input: &str) -> Result<(), ImageRefError> {
    if input.is_empty() {
        return Err(ImageRefError::new("the image reference is empty"));
    }
    for (position, c) in input.chars().enumerate() {
        if c.is_whitespace() {
            return Err(ImageRefError::new(format!(
                "the image reference contains whitespace at character {}",
                position + 1
            )));
        }
        if c.is_control() {
            return Err(ImageRefError::new(format!(
                "the image reference contains a control character at character {}",
                position + 1
            )));
        }
    }
    Ok(())
}

/// Splits the repository path into its components, each checked.
pub(super) fn path_components(path: &str) -> Result<Vec<&str>, ImageRefError> {
    let parts: Vec<&str> = path.split('/').collect();
    for (index, part) in parts.iter().enumerate() {
        if part.is_empty() {
            return Err(empty_component(index, parts.len()));
        }
        check_component(part)?;
    }
    Ok(parts)
}

fn empty_component(index: usize, count: usize) -> ImageRefError {
    let reason = if index == 0 {
        "the repository path starts with '/'"
    } else if index + 1 == count {
        "the repository path ends with '/'"
    } else {
        "the repository path contains '//' (an empty component)"
    };
    ImageRefError::new(reason)
}

/// A component is runs of lowercase letters and digits joined by one of `.`, `_`, `__` or any
/// number of `-`.
fn check_component(part: &str) -> Result<(), ImageRefError> {
    if part.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(ImageRefError::new(format!(
            "repository component '{part}' contains uppercase letters; repository names must be lowercase"
        )));
    }
    if let Some(bad) = part.chars().find(|c| !is_alnum(*c) && !is_separator(*c)) {
        return Err(ImageRefError::new(format!(
            "repository component '{part}' contains '{bad}'; only lowercase letters, digits, '.', '_' and '-' are allowed"
        )));
    }
    let starts_or_ends_badly = !part.starts_with(is_alnum) || !part.ends_with(is_alnum);
    if starts_or_ends_badly {
        return Err(ImageRefError::new(format!(
            "repository component '{part}' must start and end with a letter or digit"
        )));
    }
    match part.split(is_alnum).find(|run| !is_valid_separator(run)) {
        Some(run) => Err(ImageRefError::new(format!(
            "repository component '{part}' has the separator '{run}'; only '.', '_', '__' or dashes may stand between letters and digits"
        ))),
        None => Ok(()),
    }
}

fn is_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

fn is_separator(c: char) -> bool {
    matches!(c, '.' | '_' | '-')
}

/// Splitting on letters and digits leaves empty runs between them; those are fine.
fn is_valid_separator(run: &str) -> bool {
    matches!(run, "" | "." | "_" | "__") || run.chars().all(|c| c == '-')
}

pub(super) fn check_tag(tag: &str) -> Result<(), ImageRefError> {
    if tag.is_empty() {
        return Err(ImageRefError::new("the tag after ':' is empty"));
    }
    if tag.len() > TAG_MAX {
        return Err(ImageRefError::new(format!(
            "the tag is {} characters long; Docker allows at most {TAG_MAX}",
            tag.len()
        )));
    }
    if tag.starts_with(['.', '-']) {
        return Err(ImageRefError::new(format!(
            "tag '{tag}' must start with a letter, digit or '_'"
        )));
    }
    match tag
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && !"_.-".contains(*c))
    {
        Some(bad) => Err(ImageRefError::new(format!(
            "tag '{tag}' contains '{bad}'; a tag may only contain letters, digits, '_', '.' and '-'"
        ))),
        None => Ok(()),
    }
}

/// Digests are `algorithm:hex` with one of the algorithms Docker verifies.
pub(super) fn check_digest(digest: &str) -> Result<(), ImageRefError> {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return Err(ImageRefError::new(format!(
            "digest '{digest}' must look like sha256:<64 hex digits>"
        )));
    };
    let expected = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => {
            return Err(ImageRefError::new(format!(
                "digest algorithm '{algorithm}' is not supported; use sha256, sha384 or sha512"
            )))
        }
    };
    let lower_hex = hex
        .chars()
        .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
    if hex.len() != expected || !lower_hex {
        return Err(ImageRefError::new(format!(
            "a {algorithm} digest must be exactly {expected} lowercase hex digits; got '{hex}'"
        )));
    }
    Ok(())
}

/// A registry is a host name, an IPv4 address or a bracketed IPv6 address, with an optional port.
pub(super) fn check_registry(registry: &str) -> Result<(), ImageRefError> {
    let (host, port) = split_port(registry)?;
    if let Some(port) = port {
        check_port(port)?;
    }
    if let Some(inner) = host.strip_prefix('[') {
        return check_ipv6(registry, inner);
    }
    check_host(host)
}

fn split_port(registry: &str) -> Result<(&str, Option<&str>), ImageRefError> {
    if registry.starts_with('[') {
        let Some(close) = registry.find(']') else {
            return Err(ImageRefError::new(format!(
                "registry '{registry}' opens '[' without a closing ']'"
            )));
        };
        let (host, rest) = registry.split_at(close + 1);
        return match rest.strip_prefix(':') {
            Some(port) => Ok((host, Some(port))),
            None if rest.is_empty() => Ok((host, None)),
            None => Err(ImageRefError::new(format!(
                "registry '{registry}' has '{rest}' after its address"
            ))),
        };
    }
    Ok(match registry.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (registry, None),
    })
}

fn check_port(port: &str) -> Result<(), ImageRefError> {
    if port.is_empty() {
        return Err(ImageRefError::new("the registry port after ':' is empty"));
    }
    if !port.chars().all(|c| c.is_ascii_digit()) {
        return Err(ImageRefError::new(format!(
            "registry port '{port}' is not a number"
        )));
    }
    match port.parse::<u32>() {
        Ok(number) if (1..=65535).contains(&number) => Ok(()),
        _ => Err(ImageRefError::new(format!(
            "registry port {port} is out of range 1-65535"
        ))),
    }
}

fn check_ipv6(registry: &str, inner: &str) -> Result<(), ImageRefError> {
    let address = inner.trim_end_matches(']');
    if address.parse::<std::net::Ipv6Addr>().is_err() {
        return Err(ImageRefError::new(format!(
            "registry '{registry}' is not a valid IPv6 address in brackets"
        )));
    }
    Ok(())
}

/// Host names are dot-separated DNS labels; a host made of numbers only must be an IPv4 address.
fn check_host(host: &str) -> Result<(), ImageRefError> {
    if host.is_empty() {
        return Err(ImageRefError::new("the registry host is empty"));
    }
    let labels: Vec<&str> = host.split('.').collect();
    for label in &labels {
        check_host_label(host, label)?;
    }
    let numeric = labels.iter().all(|l| l.chars().all(|c| c.is_ascii_digit()));
    if numeric && host.parse::<std::net::Ipv4Addr>().is_err() {
        return Err(ImageRefError::new(format!(
            "registry host '{host}' is neither a host name nor an IPv4 address"
        )));
    }
    Ok(())
}

fn check_host_label(host: &str, label: &str) -> Result<(), ImageRefError> {
    if label.is_empty() {
        return Err(ImageRefError::new(format!(
            "registry host '{host}' has an empty label (a leading, trailing or doubled '.')"
        )));
    }
    if label.len() > 63 {
        return Err(ImageRefError::new(format!(
            "registry host '{host}' has a label longer than 63 characters"
        )));
    }
    if let Some(bad) = label
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && *c != '-')
    {
        return Err(ImageRefError::new(format!(
            "registry host '{host}' contains '{bad}'; only letters, digits, '-' and '.' are allowed"
        )));
    }
    if label.starts_with('-') || label.ends_with('-') {
        return Err(ImageRefError::new(format!(
            "registry host '{host}' has a label starting or ending with '-'"
        )));
    }
    Ok(())
}
