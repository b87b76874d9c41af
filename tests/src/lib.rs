//! Test support: a whole Forklift (gateway, builder, inventory, and on request the registry
//! service) started in-process against the real Docker engine, NATS server and PostgreSQL that
//! `deploy/services.sh up` provides.
//!
//! Every [`Forklift`] gets its own database and its own NATS subject prefix, so tests run in
//! parallel without seeing each other. A missing service is an error, never a skipped test.

mod client;
mod page_client;
pub mod sse;

use std::net::TcpListener;
use std::time::Duration;

use anyhow::Context;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use forklift_shared::config::NatsConfig;
use forklift_shared::dockerfile::BuildSettings;
use forklift_shared::secrets::CredentialsKey;
use tokio::task::JoinHandle;
use uuid::Uuid;

pub use client::ApiClient;
pub use page_client::{Page, PageClient};

/// Signs test tokens; long enough for the gateway's check.
pub const JWT_SECRET: &str = "forklift-test-secret-forklift-test-secret";

/// Where the real services are, from the environment `deploy/services.sh env` prints.
#[derive(Debug, Clone)]
pub struct TestEnv {
    pub database_url: String,
    pub nats_url: String,
    pub base_image: String,
    pub python_image: String,
    /// Registry without auth, on loopback (`FORKLIFT_TEST_REGISTRY`).
    pub registry: String,
    /// Registry with htpasswd auth, on loopback (`FORKLIFT_TEST_AUTH_REGISTRY`), and its user
    /// and password.
    pub auth_registry: String,
    pub auth_registry_user: String,
    pub auth_registry_password: String,
}

impl TestEnv {
    pub fn from_env() -> Self {
        let var =
            |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
        Self {
            database_url: var(
                "FORKLIFT_DATABASE_URL",
                "postgres://forklift:forklift@127.0.0.1:5432/forklift",
            ),
            nats_url: var("FORKLIFT_NATS_URL", "nats://127.0.0.1:4222"),
            base_image: var("FORKLIFT_TEST_BASE_IMAGE", "forklift-test/debian:bookworm"),
            python_image: var(
                "FORKLIFT_TEST_PYTHON_IMAGE",
                "forklift-test/python:bookworm",
            ),
            registry: var("FORKLIFT_TEST_REGISTRY", "127.0.0.1:5000"),
            auth_registry: var("FORKLIFT_TEST_AUTH_REGISTRY", "127.0.0.1:5001"),
            auth_registry_user: var("FORKLIFT_TEST_AUTH_REGISTRY_USER", "forklift-test"),
            auth_registry_password: var(
                "FORKLIFT_TEST_AUTH_REGISTRY_PASSWORD",
                "forklift-test-secret",
            ),
        }
    }
}

/// How to start a test deployment.
#[derive(Debug, Clone)]
pub struct Options {
    pub builder: bool,
    pub builder_ack_wait: Duration,
    pub build_settings: BuildSettings,
    /// Start the registry service too.
    pub registry: bool,
    /// The deployment's `FORKLIFT_CREDENTIALS_KEY`, for the gateway, builder and registry.
    pub credentials_key: Option<CredentialsKey>,
    /// The deployment's `FORKLIFT_INSECURE_REGISTRIES`, for the builder and registry.
    pub insecure_registries: String,
    /// How the registry service retries passing failures.
    pub push_retry: forklift_registry::RetryPolicy,
    /// How long JetStream waits for a sign of life from a push before redelivering it.
    pub registry_ack_wait: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            builder: true,
            builder_ack_wait: Duration::from_secs(30),
            build_settings: BuildSettings::default(),
            registry: false,
            credentials_key: None,
            insecure_registries: String::new(),
            push_retry: forklift_registry::RetryPolicy {
                max_retries: 2,
                first_delay: Duration::from_millis(200),
            },
            registry_ack_wait: Duration::from_secs(30),
        }
    }
}

/// One isolated Forklift deployment.
pub struct Forklift {
    pub env: TestEnv,
    pub base_url: String,
    pub prefix: String,
    pub database: String,
    pub database_url: String,
    pub nats: async_nats::Client,
    pub options: Options,
    services: Vec<JoinHandle<anyhow::Result<()>>>,
    builder: Option<JoinHandle<anyhow::Result<()>>>,
    registry: Option<JoinHandle<anyhow::Result<()>>>,
}

impl Forklift {
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(Options::default()).await
    }

    pub async fn start_with(options: Options) -> anyhow::Result<Self> {
        let env = TestEnv::from_env();
        let id = Uuid::new_v4().simple().to_string();
        let prefix = format!("t{}", &id[..12]);
        let database = format!("forklift_{prefix}");
        let database_url = create_database(&env.database_url, &database).await?;
        let nats = async_nats::connect(&env.nats_url).await.with_context(|| {
            format!(
                "NATS is not reachable at {}: run deploy/services.sh up",
                env.nats_url
            )
        })?;

        let mut forklift = Self {
            env,
            base_url: String::new(),
            prefix,
            database,
            database_url,
            nats,
            options,
            services: Vec::new(),
            builder: None,
            registry: None,
        };
        forklift.start_inventory()?;
        forklift.start_gateway().await?;
        if forklift.options.builder {
            forklift.start_builder()?;
        }
        if forklift.options.registry {
            forklift.start_registry().await?;
        }
        Ok(forklift)
    }

    pub fn nats_config(&self) -> NatsConfig {
        NatsConfig {
            url: self.env.nats_url.clone(),
            prefix: self.prefix.clone(),
        }
    }

    fn start_inventory(&mut self) -> anyhow::Result<()> {
        let listener = loopback()?;
        let config = forklift_inventory::Config {
            nats: self.nats_config(),
            database_url: self.database_url.clone(),
            addr: listener.local_addr()?,
            ack_wait: Duration::from_secs(10),
        };
        self.services
            .push(tokio::spawn(forklift_inventory::run(config, listener)));
        Ok(())
    }

    async fn start_gateway(&mut self) -> anyhow::Result<()> {
        let listener = loopback()?;
        let addr = listener.local_addr()?;
        let config = forklift_gateway::Config {
            nats: self.nats_config(),
            database_url: self.database_url.clone(),
            addr,
            jwt_secret: JWT_SECRET.into(),
            token_ttl: Duration::from_secs(3600),
            admin: Some(("admin".into(), "admin-password".into())),
            static_dir: concat!(env!("CARGO_MANIFEST_DIR"), "/../static").into(),
            credentials_key: self.options.credentials_key.clone(),
        };
        self.services
            .push(tokio::spawn(forklift_gateway::run(config, listener)));
        self.base_url = format!("http://{addr}");
        let base = self.base_url.clone();
        self.wait_ready(&base).await
    }

    /// Starts a builder (again, after [`Forklift::kill_builder`]).
    pub fn start_builder(&mut self) -> anyhow::Result<()> {
        let listener = loopback()?;
        let config = forklift_builder::Config {
            nats: self.nats_config(),
            addr: listener.local_addr()?,
            concurrency: 2,
            max_attempts: 3,
            ack_wait: self.options.builder_ack_wait,
            build_timeout: Duration::from_secs(900),
            check_timeout: Duration::from_secs(120),
            settings: self.options.build_settings.clone(),
            registries: forklift_builder::RegistryAccess {
                database_url: self.database_url.clone(),
                credentials_key: self.options.credentials_key.clone(),
                insecure_registries: self.insecure_registries()?,
            },
            shutdown_grace: Duration::from_secs(30),
        };
        self.builder = Some(tokio::spawn(forklift_builder::run(
            config,
            listener,
            std::future::pending(),
        )));
        Ok(())
    }

    /// Starts the registry service and waits until it is ready.
    pub async fn start_registry(&mut self) -> anyhow::Result<()> {
        let listener = loopback()?;
        let addr = listener.local_addr()?;
        let config = forklift_registry::Config {
            nats: self.nats_config(),
            database_url: self.database_url.clone(),
            credentials_key: self.options.credentials_key.clone(),
            addr,
            insecure_registries: self.insecure_registries()?,
            concurrency: 2,
            ack_wait: self.options.registry_ack_wait,
            retry: self.options.push_retry,
            push_timeout: Duration::from_secs(600),
            shutdown_grace: Duration::from_secs(30),
        };
        self.registry = Some(tokio::spawn(forklift_registry::run(
            config,
            listener,
            std::future::pending(),
        )));
        let http = reqwest::Client::new();
        for _ in 0..200 {
            if let Some(stopped) = self.registry.take_if(|r| r.is_finished()) {
                let outcome = stopped.await;
                anyhow::bail!("the registry service stopped during start-up: {outcome:?}");
            }
            let ready = http.get(format!("http://{addr}/readyz")).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::bail!("the registry service did not become ready")
    }

    fn insecure_registries(
        &self,
    ) -> anyhow::Result<forklift_shared::service::insecure::InsecureRegistries> {
        self.options
            .insecure_registries
            .parse()
            .map_err(|e: String| anyhow::anyhow!("insecure registries: {e}"))
    }

    /// Stops the registry service abruptly, as a crash would: nothing it was doing is
    /// acknowledged.
    pub fn kill_registry(&mut self) {
        if let Some(registry) = self.registry.take() {
            registry.abort();
        }
    }

    /// Stops the builder abruptly, as a crash would: nothing it was doing is acknowledged.
    pub fn kill_builder(&mut self) {
        if let Some(builder) = self.builder.take() {
            builder.abort();
        }
    }

    async fn wait_ready(&mut self, base: &str) -> anyhow::Result<()> {
        let http = reqwest::Client::new();
        let mut last = String::from("no answer");
        for _ in 0..200 {
            if let Some(i) = self.services.iter().position(|s| s.is_finished()) {
                let outcome = self.services.remove(i).await;
                anyhow::bail!("a service stopped during start-up: {outcome:?}");
            }
            match http.get(format!("{base}/readyz")).send().await {
                Ok(r) if r.status().is_success() => return Ok(()),
                Ok(r) => last = r.text().await.unwrap_or_default(),
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::bail!("the gateway did not become ready: {last}")
    }

    /// A client signed in as a new user.
    pub async fn user(&self, name: &str) -> anyhow::Result<ApiClient> {
        let client = ApiClient::anonymous(&self.base_url);
        client.register(name, "a-long-password").await?;
        client.sign_in(name, "a-long-password").await
    }

    /// A client signed in as the deployment's admin.
    pub async fn admin(&self) -> anyhow::Result<ApiClient> {
        ApiClient::anonymous(&self.base_url)
            .sign_in("admin", "admin-password")
            .await
    }

    /// Stops every service and removes the test's database and streams.
    pub async fn stop(mut self) {
        self.kill_builder();
        if let Some(registry) = self.registry.take() {
            registry.abort();
        }
        for service in self.services.drain(..) {
            service.abort();
        }
        let js = async_nats::jetstream::new(self.nats.clone());
        let subjects = forklift_shared::events::Subjects::new(self.prefix.clone());
        for stream in [
            subjects.builds_stream(),
            subjects.pushes_stream(),
            subjects.events_stream(),
            format!("KV_{}", subjects.deliveries_bucket()),
        ] {
            let _ = js.delete_stream(stream).await;
        }
        // The aborted services' pools close their connections asynchronously.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let _ = drop_database(&self.env.database_url, &self.database).await;
    }
}

fn loopback() -> anyhow::Result<TcpListener> {
    Ok(TcpListener::bind("127.0.0.1:0")?)
}

/// Creates a fresh database and returns its URL.
pub async fn create_database(admin_url: &str, name: &str) -> anyhow::Result<String> {
    let mut conn = AsyncPgConnection::establish(admin_url)
        .await
        .with_context(|| {
            format!("PostgreSQL is not reachable at {admin_url}: run deploy/services.sh up")
        })?;
    diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await?;
    let base = admin_url
        .rsplit_once('/')
        .map(|(base, _)| base)
        .context("FORKLIFT_DATABASE_URL has no database name")?;
    Ok(format!("{base}/{name}"))
}

pub async fn drop_database(admin_url: &str, name: &str) -> anyhow::Result<()> {
    let mut conn = AsyncPgConnection::establish(admin_url).await?;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    Ok(())
}
