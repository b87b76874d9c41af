//! The gateway's route table: every endpoint in one place.

use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::{accounts, builds, health, logs, registries, tasks};

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
        .service(logs::logs)
        .service(registries::create)
        .service(registries::list)
        .service(registries::update)
        .service(registries::remove);
}

/// The web pages and the fragments htmx fetches; HTML, so not in the OpenAPI document.
pub fn pages(cfg: &mut actix_web::web::ServiceConfig) {
    use crate::pages as p;
    use actix_web::web::{get, post};

    cfg.route("/", get().to(p::summary::page))
        .route("/summary/chart", get().to(p::summary::chart))
        .route("/login", get().to(p::auth::login_page))
        .route("/login", post().to(p::auth::login))
        .route("/signup", get().to(p::auth::signup_page))
        .route("/signup", post().to(p::auth::signup))
        .route("/logout", post().to(p::auth::logout))
        .route("/builder", get().to(p::builder::page))
        .route("/builder", post().to(p::builder::post))
        .route("/builder/preview", post().to(p::builder::preview))
        .route("/tasks", get().to(p::tasks::page))
        .route("/tasks/panel", get().to(p::tasks::panel_fragment))
        .route("/tasks/{id}", get().to(p::task::page))
        .route("/tasks/{id}/head", get().to(p::task::head_fragment))
        .route("/tasks/{id}/live", get().to(p::live_log::stream))
        .route("/environments", get().to(p::environments::page))
        .route("/registries", get().to(p::registries::page))
        .route("/registries", post().to(p::registries::add))
        .route("/registries/change", post().to(p::registries::change))
        .route("/registries/delete", post().to(p::registries::delete));
}
