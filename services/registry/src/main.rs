//! The `forklift-registry` binary: reads its configuration and runs the registry service until
//! SIGTERM.

use std::process::ExitCode;

use forklift_registry::Config;
use forklift_shared::service::process;

#[tokio::main]
async fn main() -> ExitCode {
    process::serve(
        "registry",
        Config::from_env(),
        |c| c.addr,
        |config, listener| forklift_registry::run(config, listener, process::stop_signal()),
    )
    .await
}
