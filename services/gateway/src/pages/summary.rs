//! The Summary page: a BUILD button, the tasks-by-status chart, and the host's images.

use actix_web::{web, HttpResponse};
use maud::{html, Markup};

use super::chart;
use super::environments::{host_images, image_size, when};
use super::error::{notice, PageError};
use super::layout::{self, Section};
use super::session::SignedIn;
use crate::auth::AuthUser;
use crate::state::AppState;

/// Images listed on the summary; the Environments page lists them all.
const IMAGES_SHOWN: usize = 20;

/// `GET /`: the summary.
pub async fn page(state: web::Data<AppState>, session: SignedIn) -> HttpResponse {
    let chart = chart_panel(&state, &session.user).await;
    let images = images_panel(&state).await;
    layout::ok(layout::page(
        &session,
        Section::Summary,
        "Summary",
        html! {
            div .page-head {
                h1 { "Summary" }
                a .button .primary .build-button href="/builder" { "BUILD" }
            }
            div .grid-2 {
                section .card aria-labelledby="chart-title" {
                    h2 #chart-title { "Build tasks" }
                    (chart)
                }
                section .card aria-labelledby="images-title" {
                    h2 #images-title { "Images on the Docker host" }
                    (images)
                }
            }
        },
    ))
}

/// `GET /summary/chart`: the chart alone, which the page polls.
pub async fn chart(state: web::Data<AppState>, session: SignedIn) -> HttpResponse {
    layout::ok(chart_panel(&state, &session.user).await)
}

/// The chart, polling fast while builds are under way and slowly otherwise.
async fn chart_panel(state: &AppState, user: &AuthUser) -> Markup {
    let counts = match state.store.count_by_status(user.owner_filter()).await {
        Ok(counts) => counts,
        // Keeps polling, so the chart comes back once the store does.
        Err(e) => {
            return html! {
                div #chart hx-get="/summary/chart" hx-trigger="every 10s" hx-swap="outerHTML" {
                    (notice(&PageError::from(e)))
                }
            }
        }
    };
    let busy = ["pending", "running"]
        .iter()
        .any(|s| counts.get(*s).copied().unwrap_or(0) > 0);
    let every = if busy { "every 2s" } else { "every 10s" };
    html! {
        div #chart hx-get="/summary/chart" hx-trigger=(every) hx-swap="outerHTML" {
            (chart::tasks_by_status(&counts))
            ul .legend {
                @for status in chart::SHOWN {
                    li { a href={"/tasks?status=" (status.as_str())} {
                        span .{"dot dot-" (status.as_str())} {}
                        (status.as_str()) ": "
                        strong { (counts.get(status.as_str()).copied().unwrap_or(0)) }
                    } }
                }
            }
        }
    }
}

/// The newest images on the host, those Forklift built marked.
async fn images_panel(state: &AppState) -> Markup {
    let (images, built) = match host_images(state).await {
        Ok(found) => found,
        Err(notice) => return notice,
    };
    html! {
        @if images.is_empty() { p .empty { "No images on the Docker host yet." } }
        ul .image-list {
            @for image in images.iter().take(IMAGES_SHOWN) {
                li {
                    span .mono { (image.reference()) }
                    @if built.contains_key(&image.id) { " " span .badge .badge-forklift { "built by Forklift" } }
                    span .muted { (image_size(image.size_bytes)) " · " (when(image.created)) }
                }
            }
        }
        @if images.len() > IMAGES_SHOWN {
            p { a href="/environments" { "All " (images.len()) " images" } }
        }
    }
}
