//! One attempt at a build request: validate, fetch, detect, build, check.

use forklift_shared::distro::BaseDistro;
use forklift_shared::dockerfile;
use forklift_shared::events::BuildRequest;
use forklift_shared::spec::{self, ValidatedSpec};

use crate::checks;
use crate::credentials;
use crate::docker::{self, BuiltImage};
use crate::failure::BuildFailure;
use crate::Builder;
use forklift_shared::service::task_log::TaskLog;

/// What a successful attempt produced.
pub(crate) struct Built {
    pub(crate) spec: ValidatedSpec,
    pub(crate) image: BuiltImage,
    pub(crate) reference: String,
    pub(crate) distro: BaseDistro,
}

/// One delivery of a build request, with the log it writes as it goes.
pub(crate) struct Attempt<'a> {
    pub(crate) builder: &'a Builder,
    pub(crate) request: &'a BuildRequest,
    pub(crate) log: TaskLog,
    /// Known once detected or read from the request; later status events carry it.
    pub(crate) distro: Option<BaseDistro>,
}

impl Attempt<'_> {
    /// Runs every step of the build, stopping at the first failure.
    pub(crate) async fn build(&mut self) -> Result<Built, BuildFailure> {
        // The gateway validated the request already; a builder of another version may differ.
        let spec = spec::validate(&self.request.spec).map_err(BuildFailure::Invalid)?;
        let source = spec.source.reference_for_docker();
        let target = spec.target.reference_for_docker();

        let docker = &self.builder.docker;
        let limit = self.builder.build_timeout;
        credentials::ensure_source(self.builder, &source, &mut self.log).await?;

        let distro = self.base_distro(&spec, &source).await?;
        self.distro = Some(distro.clone());

        let context = dockerfile::render(&spec);
        let tar = context.to_tar().map_err(|e| BuildFailure::Docker {
            action: "pack the build context",
            message: e.to_string(),
        })?;
        let build_args = dockerfile::build_args(&self.builder.settings, &distro);
        docker::build_image(docker, tar, &target, &build_args, &mut self.log, limit).await?;

        let image = checks::verify(self, &spec, &distro, &target).await?;
        Ok(Built {
            spec,
            image,
            reference: target,
            distro,
        })
    }

    /// The distro the request names, or the one the source image's C library points to.
    async fn base_distro(
        &mut self,
        spec: &ValidatedSpec,
        source: &str,
    ) -> Result<BaseDistro, BuildFailure> {
        if let Some(distro) = &spec.base_distro {
            self.log
                .line(&format!("base distro {distro}, as the request says"))
                .await;
            return Ok(distro.clone());
        }

        // Detection runs a container; the answer for an image id never changes.
        let source_id = docker::source_id(&self.builder.docker, source).await?;
        if let Some(distro) = self.builder.distros.get(&source_id) {
            self.log
                .line(&format!(
                    "base distro {distro}, detected earlier in {source} ({source_id})"
                ))
                .await;
            return Ok(distro);
        }

        let run = docker::run_script(
            &self.builder.docker,
            source,
            "ldd --version 2>&1 || true",
            self.builder.check_timeout,
            self.request.task_id,
        )
        .await
        .map_err(|e| BuildFailure::Container {
            image: source.to_string(),
            purpose: "detect its base distro",
            message: docker::message(&e),
        })?;
        let distro = BaseDistro::from_ldd_output(&run.output).ok_or_else(|| {
            BuildFailure::UnknownDistro {
                image: source.to_string(),
                output: run.output.clone(),
            }
        })?;

        let first_line = run.output.lines().next().unwrap_or_default().trim();
        self.log
            .line(&format!(
                "detected base distro {distro} from `ldd --version` in {source}: {first_line}"
            ))
            .await;
        self.builder.distros.put(source_id, distro.clone());
        Ok(distro)
    }
}
