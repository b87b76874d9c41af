//! Pulling source images from private registries: the credentials admins stored for the
//! source's registry host, and the rule that plain HTTP is only used with listed registries.
//!
//! The same stored credentials and the same `FORKLIFT_INSECURE_REGISTRIES` list serve the
//! registry service's pushes; the lookups are the registry crate's, so both read them alike.

use bollard::auth::DockerCredentials;
use forklift_shared::image_ref::ImageRef;
use forklift_shared::secrets::CredentialsKey;
use forklift_shared::service::insecure::{check_transport, InsecureRegistries};
use forklift_shared::service::logins::{docker_credentials, Logins};
use forklift_shared::store::credentials::host_key_of;

use crate::docker;
use crate::failure::BuildFailure;
use crate::Builder;
use forklift_shared::service::task_log::TaskLog;

/// The builder's side of registry access, as configured.
#[derive(Debug, Clone, Default)]
pub struct RegistryAccess {
    /// `FORKLIFT_DATABASE_URL`: where stored credentials are read; only used with a key.
    pub database_url: String,
    /// `FORKLIFT_CREDENTIALS_KEY`: decrypts stored credentials. Without it every pull is
    /// anonymous.
    pub credentials_key: Option<CredentialsKey>,
    /// `FORKLIFT_INSECURE_REGISTRIES`: registries that may be pulled from over plain HTTP.
    pub insecure_registries: InsecureRegistries,
}

/// What a pull of a source image needs: the stored logins and the transport rule.
pub(crate) struct SourceAccess {
    logins: Logins,
    insecure: InsecureRegistries,
}

impl SourceAccess {
    pub(crate) async fn connect(config: &RegistryAccess) -> anyhow::Result<Self> {
        let logins = Logins::connect(&config.database_url, config.credentials_key.as_ref()).await?;
        Ok(Self {
            logins,
            insecure: config.insecure_registries.clone(),
        })
    }

    /// The credentials store, for readiness checks; `None` without a credentials key.
    pub(crate) fn store(&self) -> Option<&forklift_shared::store::Store> {
        self.logins.store()
    }
}

/// Pulls `source` unless Docker has it already, presenting the credentials stored for its
/// registry, and refusing plain HTTP to a registry that is not listed.
pub(crate) async fn ensure_source(
    builder: &Builder,
    source: &str,
    log: &mut TaskLog,
) -> Result<(), BuildFailure> {
    let docker = &builder.docker;
    if docker::is_present(docker, source).await? {
        return Ok(());
    }
    let (host, credentials) = pull_credentials(builder, source, log).await?;
    let stored = credentials.is_some();
    docker::pull_source(docker, source, credentials, log, builder.build_timeout)
        .await
        .map_err(|failure| explain(failure, &host, stored, builder.sources.logins.can_read()))
}

/// Adds what a refused login means to a failed pull: which credentials were presented, and
/// how to store some.
fn explain(failure: BuildFailure, host: &str, stored: bool, can_read: bool) -> BuildFailure {
    let BuildFailure::Pull { image, message } = failure else {
        return failure;
    };
    let said = message.to_ascii_lowercase();
    let refused = [
        "unauthorized",
        "authentication required",
        "no basic auth credentials",
    ]
    .iter()
    .any(|w| said.contains(w));
    if !refused {
        return BuildFailure::Pull { image, message };
    }
    let why = match (stored, can_read) {
        (true, _) => format!("{host} refused the credentials stored for it"),
        (false, true) => format!(
            "{host} wants credentials and none are stored for it; an admin can add them with \
             POST /registries/"
        ),
        (false, false) => format!(
            "{host} wants credentials, and the builder has no FORKLIFT_CREDENTIALS_KEY to read \
             the ones stored for it"
        ),
    };
    BuildFailure::Pull {
        image,
        message: format!("{why}; it said: {message}"),
    }
}

/// The source's registry host and the credentials to present there.
async fn pull_credentials(
    builder: &Builder,
    source: &str,
    log: &mut TaskLog,
) -> Result<(String, Option<DockerCredentials>), BuildFailure> {
    let refused = |message: String| BuildFailure::Pull {
        image: source.to_string(),
        message,
    };
    let reference = ImageRef::parse(source).map_err(|e| refused(e.to_string()))?;
    let host = host_key_of(&reference);
    let access = &builder.sources;
    check_transport(&builder.docker, &access.insecure, &host)
        .await
        .map_err(refused)?;

    let login = access
        .logins
        .login(&host)
        .await
        .map_err(|e| refused(e.to_string()))?;
    if let Some(login) = &login {
        let user = &login.username;
        log.line(&format!(
            "using the credentials stored for {host} (user {user})"
        ))
        .await;
    }
    Ok((host, login.as_ref().map(docker_credentials)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pull_failure(message: &str) -> BuildFailure {
        BuildFailure::Pull {
            image: "127.0.0.1:5001/ml/base:1".into(),
            message: message.into(),
        }
    }

    #[test]
    fn refused_logins_say_which_credentials_and_what_to_do() {
        let said =
            "Head \"http://127.0.0.1:5001/v2/ml/base/manifests/1\": no basic auth credentials";
        let cases = [
            (
                false,
                true,
                "none are stored for it; an admin can add them with POST /registries/",
            ),
            (
                true,
                true,
                "127.0.0.1:5001 refused the credentials stored for it",
            ),
            (false, false, "no FORKLIFT_CREDENTIALS_KEY"),
        ];
        for (stored, can_read, expected) in cases {
            let message =
                explain(pull_failure(said), "127.0.0.1:5001", stored, can_read).to_string();
            assert!(message.starts_with("cannot pull source image 127.0.0.1:5001/ml/base:1: "));
            assert!(
                message.contains(expected) && message.ends_with(said),
                "{message}"
            );
        }
    }

    #[test]
    fn other_failures_are_left_as_they_are() {
        let said = "manifest for 127.0.0.1:5001/ml/base:1 not found: manifest unknown";
        let message = explain(pull_failure(said), "127.0.0.1:5001", false, true).to_string();
        assert_eq!(
            message,
            format!("cannot pull source image 127.0.0.1:5001/ml/base:1: {said}")
        );
    }
}
