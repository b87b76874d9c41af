//! Logging set-up shared by every service.

use tracing_subscriber::{fmt, EnvFilter};

/// Installs the global subscriber: human-readable lines by default, one JSON object per line when
/// `FORKLIFT_LOG_FORMAT=json`. `RUST_LOG` filters as usual (default `info`).
pub fn init(service: &'static str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = crate::config::optional("FORKLIFT_LOG_FORMAT").is_some_and(|v| v == "json");
    let builder = fmt().with_env_filter(filter).with_target(true);
    // A second init (tests start several services in one process) keeps the first subscriber.
    let result = if json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.try_init()
    };
    if result.is_ok() {
        tracing::info!(service, "logging initialised");
    }
}
