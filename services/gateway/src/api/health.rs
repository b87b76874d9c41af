//! `/healthz` (the process answers) and `/readyz` (its dependencies answer).

use actix_web::{get, web, HttpResponse};
use serde_json::json;

use crate::state::AppState;

/// The gateway process is up.
#[utoipa::path(tag = "health", responses((status = 200, description = "Alive")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// PostgreSQL and NATS answer, so requests can be served.
#[utoipa::path(tag = "health", responses(
    (status = 200, description = "Ready"),
    (status = 503, description = "A dependency is down"),
))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if let Err(e) = state.store.ping().await {
        return HttpResponse::ServiceUnavailable()
            .json(json!({ "status": "unavailable", "reason": e.to_string() }));
    }
    if !state.bus.is_connected() {
        return HttpResponse::ServiceUnavailable()
            .json(json!({ "status": "unavailable", "reason": "not connected to NATS" }));
    }
    HttpResponse::Ok().json(json!({ "status": "ready" }))
}
