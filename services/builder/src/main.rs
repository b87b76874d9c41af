//! The `forklift-builder` binary: reads its configuration and runs the builder until SIGTERM.

use std::process::ExitCode;

use forklift_builder::Config;
use forklift_shared::service::process;

#[tokio::main]
async fn main() -> ExitCode {
    process::serve(
        "builder",
        Config::from_env(),
        |c| c.addr,
        |config, listener| forklift_builder::run(config, listener, process::stop_signal()),
    )
    .await
}
