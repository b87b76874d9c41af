//! Service definitions: one JSON file per service port in /etc/backend.ai/service-defs, which
//! Backend.AI's kernel runner reads to start the service.
//!
//! The kernel runner builds its definition from every key of the file and refuses unknown ones,
//! so only keys it knows are written: `prestart`, `command`, `url_template`, `allowed_envs`,
//! `default_arguments`.

use serde_json::json;

use super::ContextFile;
use crate::spec::{Protocol, ServicePort};

/// Where the files sit in the build context.
pub(super) const CONTEXT_DIR: &str = "service-defs";

/// What the app proxy shows for web services; the client fills the three placeholders.
const HTTP_URL_TEMPLATE: &str = "http://{host}:{port}/";

/// The file for one service port. `command` is the argv, in which the kernel runner fills
/// `{runtime_path}` and `{ports[0]}`.
pub(super) fn file(port: &ServicePort) -> ContextFile {
    let mut definition = json!({
        "prestart": [],
        "command": port.command,
        "allowed_envs": [],
        "default_arguments": {},
    });
    if let (Protocol::Http, Some(keys)) = (port.protocol, definition.as_object_mut()) {
        keys.insert("url_template".into(), json!(HTTP_URL_TEMPLATE));
    }
    ContextFile {
        path: format!("{CONTEXT_DIR}/{}.json", port.name),
        contents: format!("{definition:#}\n").into_bytes(),
        mode: 0o644,
    }
}
