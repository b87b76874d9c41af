//! The task page's live log: server-sent events whose data are HTML fragments for htmx's SSE
//! extension, with the stored line ids as event ids so a reconnecting browser resumes where
//! it stopped, neither losing nor repeating a line.
//!
//! Events: `log` (one line, id = line id), `progress` (the step bar, after each `Step N/M`
//! line), `status` (the status badge) and `end` (the outcome; the page then closes the stream).

use actix_web::{web, HttpRequest, HttpResponse};
use actix_web_lab::sse;
use forklift_shared::events::TaskStatus;
use forklift_shared::store::LogLine;
use maud::{html, Markup};
use serde::Deserialize;

use super::error::PageError;
use super::session::SignedIn;
use super::tasks::badge;
use crate::api::logs::{live_events, LiveFormat};
use crate::api::tasks::visible_task;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct LiveQuery {
    /// The last line the page already shows.
    pub after: Option<i64>,
}

/// `GET /tasks/{id}/live`: the log as HTML events.
pub async fn stream(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: SignedIn,
    id: web::Path<String>,
    query: web::Query<LiveQuery>,
) -> Result<HttpResponse, PageError> {
    let task = visible_task(&state, &session.user, &id).await?;
    let store = state.store.clone();
    Ok(live_events(&req, store, task.id, query.after, HtmlLines))
}

/// Writes live events as the fragments the task page swaps in.
pub struct HtmlLines;

impl LiveFormat for HtmlLines {
    fn line(&mut self, line: &LogLine) -> Vec<sse::Event> {
        let data = sse::Data::new(log_line(line).into_string())
            .id(line.id.to_string())
            .event("log");
        let mut events = vec![data.into()];
        if let Some(step) = parse_step(&line.line) {
            let bar = progress(Some(step), None).into_string();
            events.push(sse::Data::new(bar).event("progress").into());
        }
        events
    }

    fn status(&mut self, status: TaskStatus) -> sse::Event {
        sse::Data::new(badge(status).into_string())
            .event("status")
            .into()
    }

    fn end(&mut self, outcome: &str) -> sse::Event {
        let text = html! { p .muted { "The build ended: " strong { (outcome) } "." } };
        sse::Data::new(text.into_string()).event("end").into()
    }
}

/// One log line.
pub fn log_line(line: &LogLine) -> Markup {
    html! { div .line id={"line-" (line.id)} data-id=(line.id) { (line.line) } }
}

/// `Step N/M` at the start of a Docker build line, as (N, M).
pub fn parse_step(line: &str) -> Option<(u32, u32)> {
    let rest = line.strip_prefix("Step ")?;
    let (numbers, _) = rest.split_once(' ').unwrap_or((rest, ""));
    let (step, steps) = numbers.split_once('/')?;
    let (step, steps) = (step.parse().ok()?, steps.parse().ok()?);
    (step <= steps && steps > 0).then_some((step, steps))
}

/// The progress bar: the last step seen, full once the task completed.
pub fn progress(step: Option<(u32, u32)>, status: Option<TaskStatus>) -> Markup {
    let done = status == Some(TaskStatus::Completed);
    html! {
        @match (step, done) {
            (Some((_, steps)), true) => {
                label for="build-progress" { "All " (steps) " steps done" }
                progress #build-progress max=(steps) value=(steps) { (steps) " of " (steps) }
            },
            (Some((step, steps)), false) => {
                label for="build-progress" { "Step " (step) " of " (steps) }
                progress #build-progress max=(steps) value=(step) { (step) " of " (steps) }
            },
            (None, _) => span .muted { "No build step has started yet." },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_read_from_docker_lines() {
        assert_eq!(parse_step("Step 3/12 : RUN apt-get update"), Some((3, 12)));
        assert_eq!(parse_step("Step 1/1"), Some((1, 1)));
        assert_eq!(parse_step("Step x/2 : FROM"), None);
        assert_eq!(parse_step(" ---> Running in abc"), None);
        assert_eq!(parse_step("Step 5/4"), None);
    }

    #[test]
    fn lines_are_escaped() {
        let line = LogLine {
            id: 7,
            task_id: uuid::Uuid::nil(),
            attempt: 1,
            seq: 1,
            line: "<script>alert(1)</script>".into(),
            logged_at: chrono::Utc::now(),
        };
        let html = log_line(&line).into_string();
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(html.contains(r#"id="line-7""#));
    }
}
