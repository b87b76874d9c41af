//! REST API handlers, one module per resource.

pub mod accounts;
pub mod builds;
pub mod health;
pub mod logs;
pub mod registries;
pub mod tasks;
pub mod views;
