//! `/healthz` and `/readyz`.

use actix_web::{dev::Server, web, App, HttpResponse, HttpServer};
use forklift_shared::bus::Bus;
use forklift_shared::store::Store;
use serde_json::json;

pub fn server(listener: std::net::TcpListener, store: Store, bus: Bus) -> std::io::Result<Server> {
    let state = web::Data::new((store, bus));
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .route("/healthz", web::get().to(healthz))
            .route("/readyz", web::get().to(readyz))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run())
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Ready when both PostgreSQL and NATS answer.
async fn readyz(state: web::Data<(Store, Bus)>) -> HttpResponse {
    let (store, bus) = state.get_ref();
    if let Err(e) = store.ping().await {
        return unavailable(e.to_string());
    }
    if !bus.is_connected() {
        return unavailable("not connected to NATS".into());
    }
    HttpResponse::Ok().json(json!({ "status": "ready" }))
}

fn unavailable(reason: String) -> HttpResponse {
    HttpResponse::ServiceUnavailable().json(json!({ "status": "unavailable", "reason": reason }))
}
