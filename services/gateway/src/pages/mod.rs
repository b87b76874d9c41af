//! Server-rendered pages.

pub mod session;
