//! The build request as users send it ([`BuildSpec`]) and as the generator consumes it once
//! checked ([`ValidatedSpec`]).
//!
//! Fields that users type as text stay text in [`BuildSpec`] (enums included), so that a bad value
//! is reported by [`validate`] with its field name instead of failing JSON decoding.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::distro::BaseDistro;
use crate::image_ref::ImageRef;
use crate::validation::ValidationErrors;

/// A request to turn `source_image` into a Backend.AI image named `target_image`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BuildSpec {
    /// Image to start from: `[registry[:port]/][namespace/]name[:tag|@digest]`.
    #[schema(example = "docker.io/library/python:3.11-slim")]
    pub source_image: String,
    /// Image to produce; needs a tag that Backend.AI accepts.
    #[schema(example = "registry.example.com/ml/python:3.11-ubuntu22.04")]
    pub target_image: String,
    /// Minimum CPU cores a session of this image gets (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 1)]
    pub min_cpu: Option<f64>,
    /// Minimum memory, in Backend.AI's binary units: `256m`, `1g`, `1.5g` (default `1g`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "1g")]
    pub min_memory: Option<String>,
    /// Services the session exposes, such as Jupyter on 8080.
    #[serde(default)]
    pub service_ports: Vec<ServicePortSpec>,
    /// Environment variables set in the image.
    #[serde(default)]
    pub envs: Vec<EnvVarSpec>,
    /// Packages installed into the image, one layer per manager.
    #[serde(default)]
    pub packages: PackagesSpec,
    /// Give the session user `work` passwordless sudo.
    #[serde(default)]
    pub allow_root: bool,
    /// Push the image to its registry after a successful build.
    #[serde(default)]
    pub auto_push: bool,
    /// `python` (default) or `app`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_type: Option<String>,
    /// The runtime's executable (default `/usr/bin/python3` for python, `/bin/sh` for app).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_path: Option<String>,
    /// Backend.AI base distro such as `ubuntu22.04`; detected from the source image when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_distro: Option<String>,
    /// Backend.AI kernel features (default `batch`, `uid-match`, `user-input`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<Vec<String>>,
    /// Accelerators the image supports, such as `cuda`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accelerators: Option<Vec<String>>,
    /// Variables that receive the session's core count (`ai.backend.envs.corecount`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corecount_envs: Option<Vec<String>>,
}

/// One service port as requested.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServicePortSpec {
    #[schema(example = "jupyter")]
    pub name: String,
    /// `http`, `tcp` or `preopen`.
    #[schema(example = "http")]
    pub protocol: String,
    #[schema(example = 8080)]
    pub port: i64,
    /// Command that starts the service; known services (jupyter, jupyterlab, tensorboard...)
    /// have a default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
}

/// One environment variable as requested.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvVarSpec {
    #[schema(example = "HF_HOME")]
    pub name: String,
    #[schema(example = "/home/work/.cache/huggingface")]
    pub value: String,
}

/// Packages per manager.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PackagesSpec {
    #[serde(default)]
    pub apt: Vec<String>,
    #[serde(default)]
    pub pip: Vec<String>,
    #[serde(default)]
    pub conda: Vec<String>,
}

impl PackagesSpec {
    pub fn is_empty(&self) -> bool {
        self.apt.is_empty() && self.pip.is_empty() && self.conda.is_empty()
    }
}

/// How a service port is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    Http,
    Tcp,
    Preopen,
}

/// Backend.AI's runtime types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuntimeType {
    Python,
    App,
}

/// A checked service port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePort {
    pub name: String,
    pub protocol: Protocol,
    pub port: u16,
    /// argv of the service, with Backend.AI's placeholders such as `{ports[0]}` left in.
    pub command: Vec<String>,
}

/// A checked environment variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    pub name: String,
    pub value: String,
}

/// A checked memory size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemorySize {
    pub bytes: u64,
}

/// A build request that passed every check, with defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidatedSpec {
    pub source: ImageRef,
    pub target: ImageRef,
    pub min_cpu: f64,
    pub min_memory: MemorySize,
    pub service_ports: Vec<ServicePort>,
    pub envs: Vec<EnvVar>,
    pub packages: PackagesSpec,
    pub allow_root: bool,
    pub auto_push: bool,
    pub runtime_type: RuntimeType,
    pub runtime_path: String,
    /// `None`: the builder detects it from the source image.
    pub base_distro: Option<BaseDistro>,
    pub features: Vec<String>,
    pub accelerators: Vec<String>,
    pub corecount_envs: Vec<String>,
}

/// Checks every field of `spec`, reporting all problems at once.
pub fn validate(spec: &BuildSpec) -> Result<ValidatedSpec, ValidationErrors> {
    crate::spec_rules::validate(spec)
}
