//! Checking a built image the way Backend.AI will use it, before anyone can.

use forklift_shared::distro::BaseDistro;
use forklift_shared::spec::ValidatedSpec;
use forklift_shared::verify;

use crate::attempt::Attempt;
use crate::docker::{self, BuiltImage};
use crate::failure::BuildFailure;

/// How the check script reports each problem it finds, one per line.
const PROBLEM_PREFIX: &str = "forklift-check-failed:";

/// Checks the labels of `target` and runs the check script in it. An image that fails loses
/// its tag: Backend.AI would reject it, so nothing may find it under the requested name.
pub(crate) async fn verify(
    attempt: &mut Attempt<'_>,
    spec: &ValidatedSpec,
    distro: &BaseDistro,
    target: &str,
) -> Result<BuiltImage, BuildFailure> {
    let verdict = check(attempt, spec, distro, target).await;
    if verdict.is_err() {
        if let Err(e) = docker::untag(&attempt.builder.docker, target).await {
            // The task still fails; only the tag outlives it.
            tracing::warn!(image.ref = target, error = %e, "cannot untag an image that failed its checks");
        }
    }
    verdict
}

async fn check(
    attempt: &mut Attempt<'_>,
    spec: &ValidatedSpec,
    distro: &BaseDistro,
    target: &str,
) -> Result<BuiltImage, BuildFailure> {
    let image = docker::inspect(&attempt.builder.docker, target).await?;
    let mut problems = verify::label_problems(spec, distro, &image.labels);

    attempt
        .log
        .line("checking the image as Backend.AI will run it")
        .await;
    // The same image id under the same script gives the same verdict: the container has no
    // network and nothing else varies. Only passes are remembered.
    let script = verify::check_script(spec);
    let memo_key = (image.id.clone(), script);
    if problems.is_empty() && attempt.builder.passed_checks.get(&memo_key).is_some() {
        attempt
            .log
            .line(&format!(
                "the image {} passed these checks already",
                image.id
            ))
            .await;
        return Ok(image);
    }
    problems.extend(run_check_script(attempt, &memo_key.1, target).await?);

    if problems.is_empty() {
        attempt.log.line("the image passed every check").await;
        attempt.builder.passed_checks.put(memo_key, ());
        Ok(image)
    } else {
        Err(BuildFailure::Checks { problems })
    }
}

/// Runs the check script in a container of `target`, its output going to the task log, and
/// returns the problems it reported.
async fn run_check_script(
    attempt: &mut Attempt<'_>,
    script: &str,
    target: &str,
) -> Result<Vec<String>, BuildFailure> {
    let builder = attempt.builder;
    let limit = builder.check_timeout;
    let run = docker::run_script(
        &builder.docker,
        target,
        script,
        limit,
        attempt.request.task_id,
    )
    .await
    .map_err(|e| BuildFailure::Container {
        image: target.to_string(),
        purpose: "run the checks",
        message: docker::message(&e),
    })?;

    attempt.log.line(&run.output).await;
    Ok(problems(run.exit_code, &run.output, limit.as_secs()))
}

/// The problems a check script's run reveals: those it printed, or how it ended.
fn problems(exit_code: Option<i64>, output: &str, limit_secs: u64) -> Vec<String> {
    let mut problems: Vec<String> = output
        .lines()
        .filter_map(|line| line.trim().strip_prefix(PROBLEM_PREFIX))
        .map(|reason| reason.trim().to_string())
        .collect();

    match exit_code {
        None => problems.push(format!("the checks did not finish within {limit_secs} s")),
        Some(0) => {}
        Some(code) if problems.is_empty() => {
            problems.push(format!("the check script failed with exit code {code}"))
        }
        Some(_) => {}
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::problems;

    #[test]
    fn a_passing_run_has_no_problems() {
        assert!(problems(Some(0), "ok\n", 120).is_empty());
    }

    #[test]
    fn reported_problems_are_collected_in_order() {
        let output = "checking\nforklift-check-failed: /usr/bin/python3 is missing\n\
                      forklift-check-failed:  user work cannot be created \n";
        assert_eq!(
            problems(Some(1), output, 120),
            ["/usr/bin/python3 is missing", "user work cannot be created"]
        );
    }

    #[test]
    fn a_silent_failure_reports_the_exit_code() {
        assert_eq!(
            problems(Some(127), "sh: 1: nope: not found\n", 120),
            ["the check script failed with exit code 127"]
        );
    }

    #[test]
    fn a_script_that_overran_says_so() {
        assert_eq!(
            problems(None, "", 120),
            ["the checks did not finish within 120 s"]
        );
    }
}
