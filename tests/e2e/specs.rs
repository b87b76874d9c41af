//! Build requests used across tests.

use serde_json::{json, Value};
use uuid::Uuid;

/// A unique target reference, so parallel tests never share an image.
pub fn target(tag: &str) -> String {
    format!(
        "forklift-e2e/t{}:{tag}",
        &Uuid::new_v4().simple().to_string()[..10]
    )
}

/// The smallest valid request: an app image from the minimal Debian base.
pub fn minimal(source: &str) -> Value {
    json!({
        "source_image": source,
        "target_image": target("1.0-debian12"),
        "runtime_type": "app",
        "runtime_path": "/bin/sh",
    })
}
