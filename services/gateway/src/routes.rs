//! The gateway's route table: every endpoint in one place.

use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::{accounts, builds, health, logs, tasks};

/// The REST API; everything registered here is described in `/openapi.json`.
pub fn api(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(accounts::register)
        .service(accounts::token)
        .service(builds::general_submit)
        .service(builds::preview)
        .service(tasks::list)
        .service(tasks::get)
        .service(tasks::dockerfile)
        .service(logs::logs);
}
