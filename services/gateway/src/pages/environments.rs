//! The Environments page: the host's images (IMAGES tab) and running containers (CONTAINERS).
//!
//! Actions on them (inspect, delete, commit) arrive with the inventory service; each row keeps
//! an empty actions cell for them.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use maud::{html, Markup};
use serde::Deserialize;
use uuid::Uuid;

use super::docker_host::{self, HostContainer, HostImage};
use super::error::{notice, PageError};
use super::layout::{self, Section};
use super::session::SignedIn;
use crate::state::AppState;

/// Images Forklift recorded, enough to cover any host's list.
const RECORDED_IMAGES: i64 = 5_000;

#[derive(Debug, Deserialize)]
pub struct TabQuery {
    pub tab: Option<String>,
}

/// `GET /environments`: images or containers on the Docker host.
pub async fn page(
    state: web::Data<AppState>,
    session: SignedIn,
    query: web::Query<TabQuery>,
) -> HttpResponse {
    let containers_tab = query.tab.as_deref() == Some("containers");
    let panel = if containers_tab {
        containers_panel(&state).await
    } else {
        images_panel(&state).await
    };
    layout::ok(layout::page(
        &session,
        Section::Environments,
        "Environments",
        html! {
            h1 { "Environments" }
            nav .tabs aria-label="Environments" {
                a href="/environments?tab=images" aria-current=[(!containers_tab).then_some("page")] { "IMAGES" }
                a href="/environments?tab=containers" aria-current=[containers_tab.then_some("page")] { "CONTAINERS" }
            }
            section .card { (panel) }
        },
    ))
}

/// Which task built each image Forklift recorded, by image id.
async fn built_by(state: &AppState) -> Result<HashMap<String, Option<Uuid>>, PageError> {
    let records = state.store.images(RECORDED_IMAGES).await?;
    Ok(records
        .into_iter()
        .map(|r| (r.image_id, r.task_id))
        .collect())
}

/// The Docker host's images and which task built each; `Err` is the notice that says why they
/// cannot be shown, for the panel to show instead.
pub async fn host_images(
    state: &AppState,
) -> Result<(Vec<HostImage>, HashMap<String, Option<Uuid>>), Markup> {
    let images = docker_host::images(state.docker.as_ref())
        .await
        .map_err(|message| html! { p .notice .notice-error role="alert" { (message) } })?;
    let built = built_by(state).await.map_err(|e| notice(&e))?;
    Ok((images, built))
}

async fn images_panel(state: &AppState) -> Markup {
    let (images, built) = match host_images(state).await {
        Ok(found) => found,
        Err(notice) => return notice,
    };
    html! {
        div .table-wrap {
            table #images {
                caption { (images.len()) " images, newest first" }
                thead { tr {
                    th scope="col" { "Repository" } th scope="col" { "Tag" } th scope="col" { "Image ID" }
                    th scope="col" { "Size" } th scope="col" { "Created" }
                    th scope="col" { "Backend.AI labels" } th scope="col" { "Built by" }
                    th scope="col" { span .visually-hidden { "Actions" } }
                } }
                tbody {
                    @for image in &images { (image_row(image, built.get(&image.id))) }
                }
            }
        }
    }
}

fn image_row(image: &HostImage, task: Option<&Option<Uuid>>) -> Markup {
    html! {
        tr data-reference=(image.reference()) {
            td .mono { (image.repository) } td .mono { (image.tag) }
            td .mono title=(image.id) { (short_id(&image.id)) }
            td { (image_size(image.size_bytes)) } td { (when(image.created)) }
            td { (labels(image)) }
            td {
                @match task {
                    Some(Some(task)) => a href={"/tasks/" (task)} { "task " (short_id(&task.to_string())) },
                    Some(None) => span .badge .badge-forklift { "Forklift" },
                    None => span .muted { "—" },
                }
            }
            // Inspect, delete and commit arrive with the inventory service.
            td .actions {}
        }
    }
}

fn labels(image: &HostImage) -> Markup {
    html! {
        @if image.backend_labels.is_empty() { span .muted { "none" } } @else {
            details .labels {
                summary { (image.backend_labels.len()) " labels" }
                dl { @for (key, value) in &image.backend_labels { dt { (key) } dd { (value) } } }
            }
        }
    }
}

async fn containers_panel(state: &AppState) -> Markup {
    match docker_host::containers(state.docker.as_ref()).await {
        Ok(containers) => containers_table(&containers),
        Err(message) => html! { p .notice .notice-error role="alert" { (message) } },
    }
}

fn containers_table(containers: &[HostContainer]) -> Markup {
    html! {
        div .table-wrap {
            table #containers {
                caption { (containers.len()) " running containers" }
                thead { tr {
                    th scope="col" { "ID" } th scope="col" { "Name" } th scope="col" { "Image" }
                    th scope="col" { "State" } th scope="col" { "Status" } th scope="col" { "Ports" }
                    th scope="col" { span .visually-hidden { "Actions" } }
                } }
                tbody {
                    @for c in containers {
                        tr {
                            td .mono { (c.id) } td { (c.name) } td .mono { (c.image) }
                            td { (c.state) } td { (c.status) } td .mono { (c.ports.join(", ")) }
                            td .actions {}
                        }
                    }
                }
            }
        }
    }
}

/// The 12 characters of an id people compare, without the `sha256:` prefix.
pub fn short_id(id: &str) -> String {
    id.trim_start_matches("sha256:").chars().take(12).collect()
}

/// A size in the units `docker images` uses.
pub fn image_size(bytes: i64) -> String {
    const UNITS: [&str; 4] = ["B", "kB", "MB", "GB"];
    let mut size = bytes.max(0) as f64;
    let mut unit = 0;
    while size >= 1000.0 && unit < UNITS.len() - 1 {
        size /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{size:.0} B")
    } else {
        format!("{size:.1} {}", UNITS[unit])
    }
}

/// A time as UTC minutes, or a dash.
pub fn when(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(
        || "—".into(),
        |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_ids_read_like_docker() {
        assert_eq!(image_size(512), "512 B");
        assert_eq!(image_size(123_456_789), "123.5 MB");
        assert_eq!(short_id("sha256:0123456789abcdef"), "0123456789ab");
    }
}
