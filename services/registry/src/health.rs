//! `/healthz` and `/readyz`, for the process supervisor and the load balancer.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::{web, App, HttpResponse, HttpServer};
use bollard::Docker;
use forklift_shared::bus::Bus;
use forklift_shared::store::Store;
use serde_json::json;

/// Longest a readiness probe waits for Docker.
const DOCKER_PING_TIMEOUT: Duration = Duration::from_secs(2);

/// What readiness depends on.
#[derive(Clone)]
pub(crate) struct Dependencies {
    pub(crate) bus: Bus,
    pub(crate) docker: Docker,
    /// The credentials store, when the service reads stored credentials.
    pub(crate) store: Option<Store>,
}

/// The health server on `listener`, not started yet.
pub(crate) fn server(listener: TcpListener, dependencies: Dependencies) -> std::io::Result<Server> {
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(dependencies.clone()))
            .route("/healthz", web::get().to(healthz))
            .route("/readyz", web::get().to(readyz))
    })
    // Two probes do not need a thread per core; signals are the binary's business.
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run();
    Ok(server)
}

/// Stops the health server when dropped, so that an aborted `run` stops answering probes.
pub(crate) struct StopOnDrop(pub(crate) ServerHandle);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        drop(self.0.stop(false));
    }
}

/// The process is up.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// The service can push: NATS is connected, Docker and the credentials store answer.
async fn readyz(dependencies: web::Data<Dependencies>) -> HttpResponse {
    match unavailable(&dependencies).await {
        None => HttpResponse::Ok().json(json!({ "status": "ok" })),
        Some(reason) => HttpResponse::ServiceUnavailable()
            .json(json!({ "status": "unavailable", "reason": reason })),
    }
}

async fn unavailable(dependencies: &Dependencies) -> Option<String> {
    if !dependencies.bus.is_connected() {
        return Some("not connected to NATS".into());
    }
    if let Some(store) = &dependencies.store {
        if let Err(e) = store.ping().await {
            return Some(e.to_string());
        }
    }
    match tokio::time::timeout(DOCKER_PING_TIMEOUT, dependencies.docker.ping()).await {
        Ok(Ok(_)) => None,
        Ok(Err(e)) => Some(format!(
            "Docker does not answer: {}",
            crate::docker::message(&e)
        )),
        Err(_) => Some(format!(
            "Docker did not answer within {} s",
            DOCKER_PING_TIMEOUT.as_secs()
        )),
    }
}
