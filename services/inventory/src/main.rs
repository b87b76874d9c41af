//! The `forklift-inventory` binary: reads its configuration and runs the inventory service.

use std::process::ExitCode;

use forklift_inventory::Config;
use forklift_shared::service::process;

#[tokio::main]
async fn main() -> ExitCode {
    process::serve(
        "inventory",
        Config::from_env(),
        |c| c.addr,
        forklift_inventory::run,
    )
    .await
}
