//! Forklift's common library.
//!
//! Everything two services must agree on lives here: configuration read from the environment, the
//! shape of every NATS message, image references, the build request with its validators, and the
//! Dockerfile generator. The generator and the validators are pure functions so that the gateway's
//! preview and the builder's build come from one piece of code.

pub mod bus;
pub mod config;
pub mod distro;
pub mod dockerfile;
pub mod events;
pub mod image_ref;
mod known_services;
pub mod secrets;
#[cfg(feature = "service")]
pub mod service;
pub mod spec;
mod spec_rules;
#[cfg(feature = "db")]
pub mod store;
pub mod telemetry;
pub mod validation;
pub mod verify;
