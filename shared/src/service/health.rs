//! `/healthz` and `/readyz` of the worker services, for the process supervisor and the load
//! balancer. `/healthz` says the process is up; `/readyz` that it can do its work, which means
//! every dependency it was given answers.

use std::future::Future;
use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::{web, App, HttpResponse, HttpServer};
use anyhow::Context as _;
use bollard::Docker;
use serde_json::json;

use crate::bus::Bus;
use crate::store::Store;

/// Longest a readiness probe waits for Docker.
const DOCKER_PING_TIMEOUT: Duration = Duration::from_secs(2);

/// What a service's readiness depends on: NATS always, Docker and PostgreSQL when it uses them.
#[derive(Clone)]
pub struct Dependencies {
    pub bus: Bus,
    pub docker: Option<Docker>,
    pub store: Option<Store>,
}

/// Runs `work` (a service's consumer loop, which only ends by failing) with the health server
/// on `listener` beside it, until either stops. Dropping the returned future stops both, as a
/// crash would.
pub async fn serve_while<W>(
    listener: TcpListener,
    dependencies: Dependencies,
    work: W,
) -> anyhow::Result<()>
where
    W: Future<Output = anyhow::Result<()>>,
{
    let server = server(listener, dependencies).context("cannot start the health server")?;
    let _stop = StopOnDrop(server.handle());
    // Spawned so that it keeps serving while the work is busy, and can process the stop
    // command when this future is dropped.
    let server = tokio::spawn(server);

    tokio::select! {
        result = work => result,
        result = server => match result {
            Ok(Ok(())) => anyhow::bail!("the health server stopped"),
            Ok(Err(e)) => Err(e).context("the health server failed"),
            Err(e) => Err(e).context("the health server panicked"),
        },
    }
}

/// The health server on `listener`, not started yet.
fn server(listener: TcpListener, dependencies: Dependencies) -> std::io::Result<Server> {
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

/// Stops the health server when dropped, so that an aborted service stops answering probes.
struct StopOnDrop(ServerHandle);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        // The stop command is sent at once; waiting for it is not needed.
        drop(self.0.stop(false));
    }
}

/// The process is up.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Every dependency answers.
async fn readyz(dependencies: web::Data<Dependencies>) -> HttpResponse {
    match unavailable(&dependencies).await {
        None => HttpResponse::Ok().json(json!({ "status": "ok" })),
        Some(reason) => HttpResponse::ServiceUnavailable()
            .json(json!({ "status": "unavailable", "reason": reason })),
    }
}

/// Why the service cannot work now, or `None` when it can.
async fn unavailable(dependencies: &Dependencies) -> Option<String> {
    if !dependencies.bus.is_connected() {
        return Some("not connected to NATS".into());
    }
    if let Some(store) = &dependencies.store {
        if let Err(e) = store.ping().await {
            return Some(e.to_string());
        }
    }
    let docker = dependencies.docker.as_ref()?;
    match tokio::time::timeout(DOCKER_PING_TIMEOUT, docker.ping()).await {
        Ok(Ok(_)) => None,
        Ok(Err(e)) => Some(format!(
            "Docker does not answer: {}",
            super::docker::message(&e)
        )),
        Err(_) => Some(format!(
            "Docker did not answer within {} s",
            DOCKER_PING_TIMEOUT.as_secs()
        )),
    }
}
