//! End-to-end tests of Forklift against the real Docker engine, NATS server and PostgreSQL
//! that `deploy/services.sh up` starts. One binary, so the workspace links it once.

// A test stops at the first broken expectation, with its message.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod api;
mod browser;
mod builds;
mod docker;
mod events;
mod live_logs;
mod migrations;
mod pages;
mod push;
mod push_crash;
mod registry_pages;
mod specs;
mod swagger_ui;
