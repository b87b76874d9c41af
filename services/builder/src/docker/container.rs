//! Throw-away containers that run one shell script and are removed afterwards.

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    ListContainersOptionsBuilder, LogsOptionsBuilder, RemoveContainerOptionsBuilder,
};
use bollard::Docker;
use futures::StreamExt;
use uuid::Uuid;

/// Label naming the task a throw-away container works for.
const TASK_LABEL: &str = "forklift.task";
/// Label holding the Unix time after which a throw-away container is surely abandoned.
const EXPIRES_LABEL: &str = "forklift.expires";
/// Time a container may outlive its script's limit: creating, starting and removing it.
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);

/// What a script printed (stdout and stderr interleaved) and how it ended.
#[derive(Debug, Clone)]
pub(crate) struct ScriptRun {
    /// The exit code, or `None` when the script was stopped for running too long.
    pub(crate) exit_code: Option<i64>,
    pub(crate) output: String,
}

/// Runs `script` with `/bin/sh -c` as root in a new container of `image`, without network,
/// for at most `limit`. The container is removed afterwards, whatever happened.
pub(crate) async fn run_script(
    docker: &Docker,
    image: &str,
    script: &str,
    limit: Duration,
    task_id: Uuid,
) -> Result<ScriptRun, bollard::errors::Error> {
    let config = container_config(image, script, task_id, limit);
    let container = docker.create_container(None, config).await?.id;

    let result = run(docker, &container, limit).await;

    // `force` also stops a script that overran its time.
    let remove = RemoveContainerOptionsBuilder::new()
        .force(true)
        .v(true)
        .build();
    if let Err(e) = docker.remove_container(&container, Some(remove)).await {
        tracing::warn!(container.id = %container, error = %e, "cannot remove a check container");
    }
    result
}

fn container_config(
    image: &str,
    script: &str,
    task_id: Uuid,
    limit: Duration,
) -> ContainerCreateBody {
    let expires = chrono::Utc::now() + limit + EXPIRY_MARGIN;
    ContainerCreateBody {
        image: Some(image.to_string()),
        // The image's own entrypoint would wrap or ignore the script.
        entrypoint: Some(vec!["/bin/sh".into(), "-c".into()]),
        cmd: Some(vec![script.to_string()]),
        user: Some("root".into()),
        network_disabled: Some(true),
        // A builder that dies between creating and removing the container leaves it behind;
        // these let an operator see whose it was, and the next builder remove it.
        labels: Some(HashMap::from([
            (TASK_LABEL.into(), task_id.to_string()),
            (EXPIRES_LABEL.into(), expires.timestamp().to_string()),
        ])),
        host_config: Some(HostConfig {
            network_mode: Some("none".into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

async fn run(
    docker: &Docker,
    container: &str,
    limit: Duration,
) -> Result<ScriptRun, bollard::errors::Error> {
    docker.start_container(container, None).await?;

    let mut output = String::new();
    let finished = tokio::time::timeout(limit, read_output(docker, container, &mut output)).await;
    let exit_code = match finished {
        Ok(result) => {
            result?;
            Some(exit_code(docker, container).await?)
        }
        Err(_) => None,
    };
    Ok(ScriptRun { exit_code, output })
}

/// Appends everything the container prints to `output` until it exits.
async fn read_output(
    docker: &Docker,
    container: &str,
    output: &mut String,
) -> Result<(), bollard::errors::Error> {
    let options = LogsOptionsBuilder::new()
        .follow(true)
        .stdout(true)
        .stderr(true)
        .build();
    let mut logs = docker.logs(container, Some(options));
    while let Some(chunk) = logs.next().await {
        output.push_str(&String::from_utf8_lossy(chunk?.as_ref()));
    }
    Ok(())
}

async fn exit_code(docker: &Docker, container: &str) -> Result<i64, bollard::errors::Error> {
    let mut wait = docker.wait_container(container, None);
    match wait.next().await {
        Some(Ok(response)) => Ok(response.status_code),
        // bollard turns a non-zero exit into an error.
        Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => Ok(code),
        Some(Err(e)) => Err(e),
        // No answer from the wait: ask for the state instead.
        None => {
            let state = docker.inspect_container(container, None).await?.state;
            Ok(state.and_then(|s| s.exit_code).unwrap_or(-1))
        }
    }
}

/// Removes the throw-away containers that crashed builders left behind, once they expired, and
/// returns how many there were. Unexpired ones may belong to a builder still running.
pub(crate) async fn remove_abandoned(docker: &Docker) -> Result<usize, bollard::errors::Error> {
    let filters = HashMap::from([("label", vec![EXPIRES_LABEL])]);
    let options = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&filters)
        .build();
    let now = chrono::Utc::now().timestamp();

    let mut removed = 0;
    for container in docker.list_containers(Some(options)).await? {
        let expires = container.labels.as_ref().and_then(|l| l.get(EXPIRES_LABEL));
        let expired = expires
            .and_then(|e| e.parse::<i64>().ok())
            .is_some_and(|e| e < now);
        let Some(id) = container.id.filter(|_| expired) else {
            continue;
        };
        let remove = RemoveContainerOptionsBuilder::new()
            .force(true)
            .v(true)
            .build();
        docker.remove_container(&id, Some(remove)).await?;
        removed += 1;
    }
    Ok(removed)
}
