//! A task's page: its status and times on top, then DETAILS (the spec), DOCKERFILE (view and
//! download) and LOGS (streamed live, with the build's progress) as tabs.

use actix_web::{web, HttpResponse};
use forklift_shared::store::Task;
use maud::{html, Markup};
use serde::Deserialize;

use super::environments::{short_id, when};
use super::error::PageError;
use super::layout::{self, Section};
use super::live_log::{log_line, parse_step, progress};
use super::session::SignedIn;
use super::tasks::badge;
use crate::api::tasks::visible_task;
use crate::state::AppState;

/// Lines rendered with the page; older ones are in the whole log.
const TAIL: i64 = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Details,
    Dockerfile,
    Logs,
}

impl Tab {
    const ALL: [(Tab, &'static str, &'static str); 3] = [
        (Tab::Details, "details", "DETAILS"),
        (Tab::Dockerfile, "dockerfile", "DOCKERFILE"),
        (Tab::Logs, "logs", "LOGS"),
    ];

    fn parse(name: Option<&str>) -> Tab {
        Tab::ALL
            .iter()
            .find(|(_, key, _)| Some(*key) == name)
            .map_or(Tab::Details, |(tab, _, _)| *tab)
    }
}

#[derive(Debug, Deserialize)]
pub struct TaskQuery {
    pub tab: Option<String>,
}

/// `GET /tasks/{id}`: one task, on the tab asked for.
pub async fn page(
    state: web::Data<AppState>,
    session: SignedIn,
    id: web::Path<String>,
    query: web::Query<TaskQuery>,
) -> Result<HttpResponse, PageError> {
    let task = visible_task(&state, &session.user, &id).await?;
    let tab = Tab::parse(query.tab.as_deref());
    let content = match tab {
        Tab::Details => details(&task),
        Tab::Dockerfile => dockerfile(&task),
        Tab::Logs => logs(&state, &task).await?,
    };
    let title = format!("Task {}", short_id(&task.id.to_string()));
    Ok(layout::ok(layout::page(
        &session,
        Section::Tasks,
        &title,
        html! {
            (head(&task))
            nav .tabs aria-label="Task" {
                @for (each, key, label) in Tab::ALL {
                    a href={"/tasks/" (task.id) "?tab=" (key)} aria-current=[(each == tab).then_some("page")] { (label) }
                }
            }
            section .card { (content) }
        },
    )))
}

/// `GET /tasks/{id}/head`: the status block alone, which the page polls until the task ends.
pub async fn head_fragment(
    state: web::Data<AppState>,
    session: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let task = visible_task(&state, &session.user, &id).await?;
    Ok(layout::ok(head(&task)))
}

/// Status, times and outcome. Polls while the task can still change, then stops.
fn head(task: &Task) -> Markup {
    let status = task.status();
    let poll = (!status.is_terminal()).then(|| format!("/tasks/{}/head", task.id));
    html! {
        div #task-head .task-head hx-get=[poll.as_ref()] hx-trigger=[poll.as_ref().map(|_| "every 2s")]
            hx-swap="outerHTML" data-status=(status.as_str()) {
            div .page-head {
                h1 .mono { (task.target_image) }
                span #task-status { (badge(status)) }
            }
            dl .facts {
                dt { "Task" } dd .mono { (task.id) }
                dt { "Source" } dd .mono { (task.source_image) }
                dt { "Created" } dd { (when(Some(task.created_at))) }
                dt { "Started" } dd { (when(task.started_at)) }
                dt { "Finished" } dd { (when(task.finished_at)) }
                @if let Some(image) = &task.image_id { dt { "Image" } dd .mono title=(image) { (short_id(image)) } }
                @if let Some(message) = &task.status_message { dt { "Note" } dd { (message) } }
            }
            @if let Some(error) = &task.error_message {
                div .notice .notice-error role="alert" { strong { "Error: " } span #task-error { (error) } }
            }
        }
    }
}

fn details(task: &Task) -> Markup {
    let spec = serde_json::to_string_pretty(&task.spec).unwrap_or_default();
    html! {
        dl .facts {
            dt { "Attempt" } dd { (task.attempt) }
            dt { "Base distro" } dd { (task.base_distro.as_deref().unwrap_or("—")) }
            dt { "Pushed digest" } dd .mono { (task.pushed_digest.as_deref().unwrap_or("—")) }
            dt { "Last change" } dd { (when(Some(task.updated_at))) }
        }
        h2 { "Build request" }
        pre .code { code #spec { (spec) } }
    }
}

fn dockerfile(task: &Task) -> Markup {
    let url = format!("/build/tasks/{}/dockerfile", task.id);
    html! {
        div .actions {
            a .button .secondary href={(url) "?download=true"} download="Dockerfile" { "Download Dockerfile" }
            a href=(url) { "View as plain text" }
        }
        pre .dockerfile { code #dockerfile { (task.dockerfile) } }
    }
}

/// The log so far, then live: htmx's SSE extension appends lines and moves the bar.
async fn logs(state: &AppState, task: &Task) -> Result<Markup, PageError> {
    let lines = state.store.log_tail(task.id, TAIL).await?;
    let total = state.store.log_length(task.id).await?;
    let step = state
        .store
        .last_step_line(task.id)
        .await?
        .and_then(|l| parse_step(&l));
    let status = task.status();
    let last = lines.last().map_or(0, |l| l.id);
    let live = !status.is_terminal();
    let on = |event: &'static str| live.then_some(event);
    let whole = format!("/build/tasks/{}/logs", task.id);
    Ok(html! {
        div .live-log #live-log hx-ext=[on("sse")] sse-close=[on("end")] data-last-id=(last)
            sse-connect=[live.then(|| format!("/tasks/{}/live?after={last}", task.id))] {
            div .progress-row {
                div #progress sse-swap=[on("progress")] { (progress(step, Some(status))) }
                span #live-status sse-swap=[on("status")] { (badge(status)) }
            }
            @if total > lines.len() as i64 {
                p .muted { "Showing the last " (lines.len()) " of " (total) " lines. " a href=(whole) { "Whole log" } }
            }
            div #log .log role="log" tabindex="0" aria-label="Build log" sse-swap=[on("log")]
                hx-swap="beforeend" {
                @for line in &lines { (log_line(line)) }
            }
            div #log-end sse-swap=[on("end")] {}
            p .actions {
                a href=(whole) { "Whole log as text" }
                @if live { noscript { a href={"/tasks/" (task.id) "?tab=logs"} { "Refresh" } } }
            }
        }
    })
}
