//! `GET /build/tasks/{id}/logs`: the whole log as text, or live lines as server-sent events.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse, Responder};
use actix_web_lab::sse;
use forklift_shared::events::TaskStatus;
use forklift_shared::store::{LogLine, Store};
use futures::stream;
use serde::Deserialize;
use tokio::sync::mpsc;
use utoipa::IntoParams;
use uuid::Uuid;

use super::tasks::visible_task;
use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Lines read from the store per query, for both the text and the live form.
const PAGE: i64 = 2_000;
/// How often a live follower looks for new lines while the task runs.
const POLL: Duration = Duration::from_millis(250);

#[derive(Debug, Deserialize, IntoParams)]
pub struct LogQuery {
    /// Live form only: resume after this event id (what `Last-Event-ID` carries).
    pub after: Option<i64>,
}

/// The task's whole log. With `Accept: text/event-stream`, live lines as server-sent events:
/// `log` events (id = line id, data = the line), `status` events when the status changes, and
/// one `end` event once the task finished and every line was sent. Reconnecting with
/// `Last-Event-ID` resumes without losing or repeating lines.
#[utoipa::path(
    tag = "tasks",
    params(("id" = Uuid, Path, description = "Task id"), LogQuery,
        ("Last-Event-ID" = Option<i64>, Header, description = "Resume after this line id")),
    security(("oauth2" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The log as text, or a live event stream",
            content((String = "text/plain"), (String = "text/event-stream"))),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such task visible to the caller", body = ErrorBody),
    )
)]
#[get("/build/tasks/{id}/logs")]
pub async fn logs(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    query: web::Query<LogQuery>,
) -> Result<HttpResponse, ApiError> {
    let task = visible_task(&state, &user, &id).await?;
    let wants_events = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/event-stream"));
    if !wants_events {
        return Ok(whole_log(state.store.clone(), task.id));
    }
    Ok(live_events(
        &req,
        state.store.clone(),
        task.id,
        query.after,
        RawLines,
    ))
}

/// How live events are written: the API sends lines as they are, the pages send HTML.
pub trait LiveFormat: Send + 'static {
    /// The events one stored line becomes; the first carries the line's id, which is what a
    /// reconnecting client resumes from.
    fn line(&mut self, line: &LogLine) -> Vec<sse::Event>;
    /// The event announcing that the task is now in `status`.
    fn status(&mut self, status: TaskStatus) -> sse::Event;
    /// The last event: the task ended as `outcome` (or is `gone`) and every line was sent.
    fn end(&mut self, outcome: &str) -> sse::Event;
}

/// The API's live form: each line as it is, the status and the outcome as words.
pub struct RawLines;

impl LiveFormat for RawLines {
    fn line(&mut self, line: &LogLine) -> Vec<sse::Event> {
        let data = sse::Data::new(line.line.clone())
            .id(line.id.to_string())
            .event("log");
        vec![data.into()]
    }

    fn status(&mut self, status: TaskStatus) -> sse::Event {
        sse::Data::new(status.as_str()).event("status").into()
    }

    fn end(&mut self, outcome: &str) -> sse::Event {
        sse::Data::new(outcome.to_string()).event("end").into()
    }
}

/// The line id a reconnecting `EventSource` resumes after (its `Last-Event-ID` header).
fn last_event_id(req: &HttpRequest) -> Option<i64> {
    req.headers()
        .get("Last-Event-ID")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Streams the stored log page by page, so a huge log is never held in memory at once.
fn whole_log(store: Store, task: Uuid) -> HttpResponse {
    let pages = stream::try_unfold(Some(0_i64), move |after| {
        let store = store.clone();
        async move {
            let Some(after) = after else { return Ok(None) };
            let lines = store.logs_after(task, after, PAGE).await?;
            let next = (lines.len() as i64 == PAGE).then(|| lines.last().map_or(after, |l| l.id));
            let mut text = String::new();
            for line in &lines {
                text.push_str(&line.line);
                text.push('\n');
            }
            Ok::<_, forklift_shared::store::StoreError>(Some((web::Bytes::from(text), next)))
        }
    });
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .streaming(pages)
}

/// The live event stream answering `req`, resumed after the line its `Last-Event-ID` names
/// (a reconnecting browser's), else after `after` (a fresh connection's), else from the start.
pub fn live_events(
    req: &HttpRequest,
    store: Store,
    task: Uuid,
    after: Option<i64>,
    format: impl LiveFormat,
) -> HttpResponse {
    let after = last_event_id(req).or(after).unwrap_or(0);
    follow(store, task, after, format)
        .respond_to(req)
        .map_into_boxed_body()
}

/// Live lines after `after`, until the task finished and its log was sent, written by `format`.
fn follow(store: Store, task: Uuid, after: i64, format: impl LiveFormat) -> impl Responder {
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(async move {
        if let Err(e) = feed(store, task, after, format, tx).await {
            tracing::warn!(task.id = %task, error = %e, "live log stopped");
        }
    });
    sse::Sse::from_infallible_receiver(rx)
        .with_keep_alive(Duration::from_secs(15))
        .with_retry_duration(Duration::from_secs(2))
}

/// Sends events until the task ends or the client goes away (a send fails).
async fn feed(
    store: Store,
    task: Uuid,
    mut after: i64,
    mut format: impl LiveFormat,
    tx: mpsc::Sender<sse::Event>,
) -> Result<(), forklift_shared::store::StoreError> {
    let mut last_status: Option<TaskStatus> = None;
    loop {
        // Read the status before the lines: a task seen finished here has all its lines
        // stored already, so the lines read next are complete.
        let status = store.task(task).await?.map(|t| t.status());
        let lines = store.logs_after(task, after, PAGE).await?;
        for line in &lines {
            for event in format.line(line) {
                if tx.send(event).await.is_err() {
                    return Ok(());
                }
            }
            after = line.id;
        }
        if status != last_status {
            if let Some(status) = status {
                if tx.send(format.status(status)).await.is_err() {
                    return Ok(());
                }
            }
            last_status = status;
        }
        let finished = status.is_none_or(|s| s.is_terminal());
        if finished && (lines.len() as i64) < PAGE {
            let status = status.map_or("gone", |s| s.as_str());
            let _ = tx.send(format.end(status)).await;
            return Ok(());
        }
        if (lines.len() as i64) < PAGE {
            tokio::time::sleep(POLL).await;
        }
    }
}
