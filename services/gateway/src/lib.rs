//! Forklift's gateway: the REST API (documented at `/openapi.json`), the web pages, and the
//! publisher of build requests.

pub mod api;
pub mod auth;
pub mod config;
pub mod error;
pub mod json;
pub mod openapi;
pub mod pages;
pub mod registries;
pub mod routes;
pub mod state;
pub mod submit;

use actix_web::{middleware, web, App, HttpServer};
use forklift_shared::bus::Bus;
use forklift_shared::store::Store;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

pub use config::Config;
use state::AppState;

/// The OpenAPI document of every route in [`routes::api`].
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(openapi::ApiDoc::openapi())
        .configure(routes::api)
        .split_for_parts();
    api
}

/// Runs the gateway until the server stops: migrations, admin account, then HTTP.
pub async fn run(config: Config, listener: std::net::TcpListener) -> anyhow::Result<()> {
    let store = Store::connect(&config.database_url).await?;
    store.migrate().await?;
    if let Some((username, password)) = &config.admin {
        let hash = auth::hash_password(password.clone()).await?;
        store.ensure_admin(username, &hash).await?;
        tracing::info!(user.name = %username, "admin account ready");
    }
    let bus = Bus::connect(&config.nats).await?;
    let state = web::Data::new(AppState {
        store,
        bus,
        tokens: auth::Tokens::new(&config.jwt_secret, config.token_ttl)?,
        openapi: openapi_document().to_pretty_json()?,
        csrf: pages::csrf::CsrfKey::new(&config.jwt_secret)?,
        docker: pages::docker_host::connect().await,
        credentials_key: config.credentials_key.clone(),
    });

    let server = server(state, config.static_dir.clone(), listener)?;
    server.await?;
    Ok(())
}

/// The HTTP server, built apart from `run` so that no !Send builder value lives across an await.
fn server(
    state: web::Data<AppState>,
    static_dir: String,
    listener: std::net::TcpListener,
) -> std::io::Result<actix_web::dev::Server> {
    Ok(HttpServer::new(move || {
        let (app, _) = App::new()
            .into_utoipa_app()
            .configure(routes::api)
            .split_for_parts();
        app.app_data(state.clone())
            .wrap(middleware::Compress::default())
            .wrap(middleware::Logger::new("%r %s %Dms").log_target("forklift_gateway::http"))
            .service(openapi::document)
            .service(openapi::docs)
            .configure(routes::pages)
            .service(
                // Page assets are referenced with a version query, so caching them is safe.
                web::scope("/static")
                    .wrap(middleware::DefaultHeaders::new().add((
                        actix_web::http::header::CACHE_CONTROL,
                        "public, max-age=3600",
                    )))
                    .service(
                        actix_files::Files::new("", &static_dir)
                            .use_etag(true)
                            .use_last_modified(true),
                    ),
            )
    })
    .disable_signals()
    .listen(listener)?
    .run())
}
