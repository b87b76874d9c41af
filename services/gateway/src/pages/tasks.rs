//! The Tasks page: one tab per status with live counts, and a page of tasks per tab.

use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use forklift_shared::events::TaskStatus;
use forklift_shared::store::Task;
use maud::{html, Markup};
use serde::Deserialize;

use super::environments::{short_id, when};
use super::error::PageError;
use super::layout::{self, Section};
use super::session::SignedIn;
use crate::api::tasks::ListQuery;
use crate::auth::AuthUser;
use crate::state::AppState;

/// The tabs, in the order a build moves through them.
const TABS: [TaskStatus; 4] = [
    TaskStatus::Running,
    TaskStatus::Pending,
    TaskStatus::Completed,
    TaskStatus::Error,
];

/// Tasks per page: one screen, whatever the store holds.
const PER_PAGE: i64 = 25;

#[derive(Debug, Deserialize)]
pub struct TasksQuery {
    pub status: Option<String>,
    pub page: Option<i64>,
}

/// `GET /tasks`: the tabs and the first (or asked-for) page of one.
pub async fn page(
    state: web::Data<AppState>,
    session: SignedIn,
    query: web::Query<TasksQuery>,
) -> Result<HttpResponse, PageError> {
    let panel = panel(&state, &session.user, &query).await?;
    Ok(layout::ok(layout::page(
        &session,
        Section::Tasks,
        "Tasks",
        html! {
            div .page-head { h1 { "Tasks" } a .button .primary href="/builder" { "BUILD" } }
            (panel)
        },
    )))
}

/// `GET /tasks/panel`: the tabs and table alone, which the page polls for live counts.
pub async fn panel_fragment(
    state: web::Data<AppState>,
    session: SignedIn,
    query: web::Query<TasksQuery>,
) -> Result<HttpResponse, PageError> {
    Ok(layout::ok(panel(&state, &session.user, &query).await?))
}

async fn panel(state: &AppState, user: &AuthUser, query: &TasksQuery) -> Result<Markup, PageError> {
    let counts = state.store.count_by_status(user.owner_filter()).await?;
    let status = chosen_tab(query.status.as_deref(), &counts);
    let list = ListQuery {
        status: Some(status.as_str().to_string()),
        page: query.page,
        per_page: Some(PER_PAGE),
    };
    let (filter, page, _) = list.to_filter(user)?;
    let rows = state.store.task_rows(&filter).await?;
    let total = counts.get(status.as_str()).copied().unwrap_or(0);
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let here = format!("/tasks/panel?status={}&page={page}", status.as_str());
    Ok(html! {
        div #tasks-panel hx-get=(here) hx-trigger="every 3s" hx-swap="outerHTML" {
            (tabs(status, &counts))
            section .card aria-label={(status.as_str()) " tasks"} {
                (table(&rows, status))
                (pager(status, page, pages, total))
            }
        }
    })
}

/// The asked-for tab, else the first one with tasks in it.
fn chosen_tab(asked: Option<&str>, counts: &BTreeMap<String, i64>) -> TaskStatus {
    if let Some(status) = asked
        .and_then(TaskStatus::parse)
        .filter(|s| TABS.contains(s))
    {
        return status;
    }
    TABS.into_iter()
        .find(|s| counts.get(s.as_str()).copied().unwrap_or(0) > 0)
        .unwrap_or(TaskStatus::Running)
}

fn tabs(active: TaskStatus, counts: &BTreeMap<String, i64>) -> Markup {
    html! {
        nav .tabs aria-label="Task status" {
            @for status in TABS {
                a href={"/tasks?status=" (status.as_str())} data-status=(status.as_str())
                    aria-current=[(status == active).then_some("page")] {
                    (title(status)) " "
                    span .count { (counts.get(status.as_str()).copied().unwrap_or(0)) }
                }
            }
        }
    }
}

fn table(tasks: &[Task], status: TaskStatus) -> Markup {
    if tasks.is_empty() {
        return html! { p .empty { "No " (status.as_str()) " tasks." } };
    }
    html! {
        div .table-wrap {
            table #tasks {
                thead { tr {
                    th scope="col" { "Task" } th scope="col" { "Target image" } th scope="col" { "Source image" }
                    th scope="col" { "Created" } th scope="col" { "Finished" } th scope="col" { "Status" }
                } }
                tbody {
                    @for task in tasks {
                        tr data-task=(task.id) {
                            td .mono { a href={"/tasks/" (task.id)} { (short_id(&task.id.to_string())) } }
                            td .mono { (task.target_image) } td .mono { (task.source_image) }
                            td { (when(Some(task.created_at))) } td { (when(task.finished_at)) }
                            td {
                                (badge(task.status()))
                                @if let Some(message) = &task.error_message { p .error-text { (message) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn pager(status: TaskStatus, page: i64, pages: i64, total: i64) -> Markup {
    let link = |p: i64| format!("/tasks?status={}&page={p}", status.as_str());
    html! {
        nav .pager aria-label="Pages" {
            @if page > 1 { a href=(link(page - 1)) rel="prev" { "← Newer" } }
            span { "Page " (page) " of " (pages) " · " (total) " tasks" }
            @if page < pages { a href=(link(page + 1)) rel="next" { "Older →" } }
        }
    }
}

/// A status as a coloured label.
pub fn badge(status: TaskStatus) -> Markup {
    html! { span .{"badge status-" (status.as_str())} data-status=(status.as_str()) { (status.as_str()) } }
}

/// A status as a tab title.
fn title(status: TaskStatus) -> &'static str {
    match status {
        TaskStatus::Pending => "Pending",
        TaskStatus::Running => "Running",
        TaskStatus::Completed => "Completed",
        TaskStatus::Error => "Error",
        TaskStatus::Cancelled => "Cancelled",
    }
}
