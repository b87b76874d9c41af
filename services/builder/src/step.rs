//! The `Step N/M : INSTRUCTION` lines of Docker's legacy builder.

use std::fmt;

/// Longest instruction quoted in a status message; the full text stays in the task log.
const MAX_INSTRUCTION_CHARS: usize = 120;

/// The step the legacy builder last announced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Step {
    /// `N/M`, as Docker printed it.
    pub(crate) position: String,
    /// The Dockerfile instruction, such as `RUN apt-get update`.
    pub(crate) instruction: String,
}

impl Step {
    /// Reads a `Step 3/7 : RUN apt-get update` line; `None` for any other line.
    pub(crate) fn parse(line: &str) -> Option<Self> {
        let rest = line.strip_prefix("Step ")?;
        let (position, instruction) = rest.split_once(" : ")?;
        let (done, total) = position.split_once('/')?;
        let is_number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !is_number(done) || !is_number(total) {
            return None;
        }
        Some(Self {
            position: position.to_string(),
            instruction: instruction.trim().to_string(),
        })
    }
}

impl fmt::Display for Step {
    /// `step 3/7 `RUN apt-get update``, with a long instruction shortened.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Docker joins continued lines with their indentation; one space reads better.
        let instruction = self
            .instruction
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let mut chars = instruction.chars();
        let short: String = chars.by_ref().take(MAX_INSTRUCTION_CHARS).collect();
        let ellipsis = if chars.next().is_some() { "…" } else { "" };
        write!(f, "step {} `{short}{ellipsis}`", self.position)
    }
}

/// Where a build is, as its output lines tell: the step it announced last and what that step
/// printed last, which is usually why it failed.
#[derive(Debug, Default)]
pub(crate) struct BuildProgress {
    pub(crate) step: Option<Step>,
    pub(crate) last_output: Option<String>,
}

impl BuildProgress {
    /// Takes note of one line of the build's output.
    pub(crate) fn observe(&mut self, line: &str) {
        if let Some(step) = Step::parse(line) {
            self.step = Some(step);
            self.last_output = None;
        } else if !is_builder_chatter(line) {
            self.last_output = Some(line.trim().to_string());
        }
    }
}

/// The legacy builder's own lines between steps, as opposed to what a step printed.
fn is_builder_chatter(line: &str) -> bool {
    let line = line.trim_start();
    line.starts_with("--->")
        || line.starts_with("Removing intermediate container ")
        || line.starts_with("Successfully built ")
        || line.starts_with("Successfully tagged ")
        || line.starts_with("[Warning] ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_line_gives_its_position_and_instruction() {
        let step = Step::parse("Step 3/7 : RUN apt-get update ");
        let expected = Step {
            position: "3/7".into(),
            instruction: "RUN apt-get update".into(),
        };
        assert_eq!(step.as_ref(), Some(&expected));
        assert_eq!(expected.to_string(), "step 3/7 `RUN apt-get update`");
    }

    #[test]
    fn other_lines_are_not_steps() {
        for line in [
            " ---> Running in 0123456789ab",
            "Step",
            "Step 1/x : FROM a",
            "Step /2 : FROM a",
            "Step 1/2: FROM a",
            "Successfully built 0123456789ab",
        ] {
            assert_eq!(Step::parse(line), None, "{line}");
        }
    }

    #[test]
    fn progress_keeps_the_last_line_a_step_printed() {
        let mut progress = BuildProgress::default();
        for line in [
            "Step 1/2 : FROM debian",
            " ---> 0123456789ab",
            "Step 2/2 : RUN apt-get install -y nope",
            " ---> Running in 0123456789ab",
            "Reading package lists...",
            "E: Unable to locate package nope",
        ] {
            progress.observe(line);
        }
        assert_eq!(
            progress.step.as_ref().map(|s| s.position.as_str()),
            Some("2/2")
        );
        assert_eq!(
            progress.last_output.as_deref(),
            Some("E: Unable to locate package nope")
        );

        progress.observe("Step 3/3 : LABEL a=b");
        progress.observe(" ---> Running in 0123456789ab");
        assert_eq!(progress.last_output, None);
    }

    #[test]
    fn messages_show_an_instruction_on_one_spaced_line() {
        let step = Step {
            position: "8/12".into(),
            instruction: "RUN set -eu;     apt-get update;\t apt-get install -y x".into(),
        };
        assert_eq!(
            step.to_string(),
            "step 8/12 `RUN set -eu; apt-get update; apt-get install -y x`"
        );
    }

    #[test]
    fn a_long_instruction_is_shortened_in_messages() {
        let step = Step::parse(&format!("Step 1/1 : RUN {}", "x".repeat(300)));
        let text = step.map(|s| s.to_string()).unwrap_or_default();
        assert!(text.ends_with("…`"), "{text}");
        assert!(text.chars().count() < 150, "{text}");
    }
}
