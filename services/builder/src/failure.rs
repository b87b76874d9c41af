//! Why a build failed, in the words its status event carries to the user.

use std::time::Duration;

use forklift_shared::validation::ValidationErrors;

use crate::step::Step;

/// Longest part of a command's output quoted in a status message.
const MAX_QUOTED_CHARS: usize = 200;

/// A build that ended without a usable image. Its `Display` is the status event's message.
///
/// These are failures of the request or the image, reported to the user; a failure of the
/// builder itself (NATS unreachable) is not one of them and leaves the request to a retry.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BuildFailure {
    #[error("the build request is not valid: {0}")]
    Invalid(ValidationErrors),

    #[error("cannot pull source image {image}: {message}")]
    Pull { image: String, message: String },

    #[error("cannot pull source image {image}: no answer within {} s", .limit.as_secs())]
    PullTimeout { image: String, limit: Duration },

    #[error(
        "cannot tell the base distro of {image} from `ldd --version` ({}); set base_distro",
        quoted_output(.output)
    )]
    UnknownDistro { image: String, output: String },

    #[error("cannot run a container of {image} to {purpose}: {message}")]
    Container {
        image: String,
        purpose: &'static str,
        message: String,
    },

    #[error("{}", step_failed(.step.as_ref(), .message, .last_output.as_deref()))]
    Step {
        step: Option<Step>,
        message: String,
        /// What the failed step printed last: for a RUN, usually the reason.
        last_output: Option<String>,
    },

    #[error("the build did not finish within {} s{}", .limit.as_secs(), during(.step.as_ref()))]
    Timeout { step: Option<Step>, limit: Duration },

    #[error(
        "the build arguments take {bytes} bytes in Docker's build request, more than the \
         {limit} it can carry; the largest is {largest} ({largest_bytes} bytes): the deployment's \
         FORKLIFT_BUILD_CA_FILE must hold only the extra certificates builds need, not a whole \
         system bundle"
    )]
    BuildArgsTooLong {
        bytes: usize,
        limit: usize,
        largest: String,
        largest_bytes: usize,
    },

    #[error("the image fails Backend.AI's checks: {}", .problems.join("; "))]
    Checks { problems: Vec<String> },

    #[error("cannot {action}: {message}")]
    Docker {
        action: &'static str,
        message: String,
    },
}

fn step_failed(step: Option<&Step>, message: &str, last_output: Option<&str>) -> String {
    let message = without_command(message);
    let failed = match step {
        Some(step) => format!("{step} failed: {message}"),
        None => format!("the build failed before its first step: {message}"),
    };
    match last_output {
        Some(line) => format!("{failed}; its last output was {}", quoted(line)),
        None => failed,
    }
}

/// Docker's message for a failed RUN repeats the whole command, which the step already shows.
fn without_command(message: &str) -> String {
    const RETURNED: &str = "' returned a non-zero code: ";
    let code = message
        .strip_prefix("The command '")
        .and_then(|rest| rest.rfind(RETURNED).map(|at| &rest[at + RETURNED.len()..]));
    match code {
        Some(code) => format!("the command returned a non-zero code: {code}"),
        None => message.to_string(),
    }
}

fn during(step: Option<&Step>) -> String {
    step.map(|s| format!(" (it was at {s})"))
        .unwrap_or_default()
}

/// What a command printed, shortened to fit in one status message.
fn quoted_output(output: &str) -> String {
    let output = output.trim();
    if output.is_empty() {
        return "it printed nothing".into();
    }
    format!("it printed {}", quoted(output))
}

/// `text` in double quotes, escaped, and shortened to fit in one status message.
fn quoted(text: &str) -> String {
    let mut chars = text.chars();
    let short: String = chars.by_ref().take(MAX_QUOTED_CHARS).collect();
    let ellipsis = if chars.next().is_some() { "…" } else { "" };
    format!("{:?}", format!("{short}{ellipsis}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(line: &str) -> Option<Step> {
        Step::parse(line)
    }

    #[test]
    fn a_failed_step_names_the_step_and_dockers_message() {
        let failure = BuildFailure::Step {
            step: step("Step 4/9 : RUN apt-get install -y nope"),
            message: "The command '/bin/sh -c apt-get install -y nope' returned a non-zero \
                      code: 100"
                .into(),
            last_output: Some("E: Unable to locate package nope".into()),
        };
        assert_eq!(
            failure.to_string(),
            "step 4/9 `RUN apt-get install -y nope` failed: the command returned a non-zero \
             code: 100; its last output was \"E: Unable to locate package nope\""
        );
    }

    #[test]
    fn a_failure_before_any_step_says_so() {
        let failure = BuildFailure::Step {
            step: None,
            message: "dockerfile parse error line 3: unknown instruction: RUNN".into(),
            last_output: None,
        };
        assert_eq!(
            failure.to_string(),
            "the build failed before its first step: dockerfile parse error line 3: unknown \
             instruction: RUNN"
        );
    }

    #[test]
    fn a_timeout_names_the_step_it_interrupted() {
        let failure = BuildFailure::Timeout {
            step: step("Step 2/3 : RUN sleep 100000"),
            limit: Duration::from_secs(3600),
        };
        assert_eq!(
            failure.to_string(),
            "the build did not finish within 3600 s (it was at step 2/3 `RUN sleep 100000`)"
        );
    }

    #[test]
    fn an_unknown_distro_quotes_what_ldd_printed() {
        let failure = BuildFailure::UnknownDistro {
            image: "alpine:3.19".into(),
            output: "musl libc (x86_64)\nVersion 1.2.4\n".into(),
        };
        assert_eq!(
            failure.to_string(),
            "cannot tell the base distro of alpine:3.19 from `ldd --version` (it printed \
             \"musl libc (x86_64)\\nVersion 1.2.4\"); set base_distro"
        );
        let silent = BuildFailure::UnknownDistro {
            image: "scratchy".into(),
            output: " \n".into(),
        };
        assert!(silent.to_string().contains("(it printed nothing)"));
    }

    #[test]
    fn check_problems_are_listed() {
        let failure = BuildFailure::Checks {
            problems: vec![
                "/bin/sh is missing".into(),
                "no label ai.backend.kernelspec".into(),
            ],
        };
        assert_eq!(
            failure.to_string(),
            "the image fails Backend.AI's checks: /bin/sh is missing; no label \
             ai.backend.kernelspec"
        );
    }

    #[test]
    fn invalid_requests_list_each_field() {
        let mut errors = ValidationErrors::new();
        errors.add("target_image", "needs a tag");
        let failure = BuildFailure::Invalid(errors);
        assert_eq!(
            failure.to_string(),
            "the build request is not valid: target_image: needs a tag"
        );
    }
}
