//! Everything the builder asks of Docker, through bollard.

mod build;
mod container;
mod image;

pub(crate) use build::{build_image, check_build_args};
pub(crate) use container::{remove_abandoned, run_script};
pub(crate) use image::{inspect, is_present, pull_source, source_id, untag, BuiltImage};

pub(crate) use forklift_shared::service::docker::{connect, is_not_found, message};
