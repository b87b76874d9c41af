//! The frame every page shares: head, navigation, and the response headers pages go out with.

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use maud::{html, Markup, DOCTYPE};

use super::csrf;
use super::session::SignedIn;

/// Bumped with the crate so browsers drop cached assets after an upgrade.
const ASSET_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Pages load nothing but our own files, and no inline script can run.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// The sections of the navigation bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Summary,
    Builder,
    Tasks,
    Environments,
    /// Registry credentials; admins only, so only admins see the link.
    Registries,
}

impl Section {
    const ALL: [(Section, &'static str, &'static str); 5] = [
        (Section::Summary, "/", "Summary"),
        (Section::Builder, "/builder", "Builder"),
        (Section::Tasks, "/tasks", "Tasks"),
        (Section::Environments, "/environments", "Environments"),
        (Section::Registries, "/registries", "Registries"),
    ];

    /// Whether the navigation offers this section to `session`'s user.
    fn shown_to(self, session: &SignedIn) -> bool {
        self != Section::Registries || session.user.is_admin
    }
}

/// A page for a signed-in user. Every htmx request of the page carries the CSRF token.
pub fn page(session: &SignedIn, active: Section, title: &str, body: Markup) -> Markup {
    let headers = format!(r#"{{"{}": "{}"}}"#, csrf::HEADER, session.csrf);
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body hx-headers=(headers) {
                a .skip-link href="#main" { "Skip to content" }
                header .topbar {
                    (brand())
                    nav aria-label="Main" {
                        ul .nav-links {
                            @for (section, href, label) in Section::ALL {
                                @if section.shown_to(session) { li {
                                    a href=(href) aria-current=[(section == active).then_some("page")] {
                                        (label)
                                    }
                                } }
                            }
                        }
                    }
                    (account(session))
                }
                main #main tabindex="-1" { (body) }
            }
        }
    }
}

/// A page without navigation: sign-in, sign-up and errors.
pub fn bare(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body .bare {
                header .topbar { (brand()) }
                main #main tabindex="-1" { (body) }
            }
        }
    }
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            // Keeps htmx from injecting a <style> element, which the CSP would refuse.
            meta name="htmx-config" content=r#"{"includeIndicatorStyles": false}"#;
            title { (title) " · Forklift" }
            link rel="icon" type="image/svg+xml" href=(asset("icons/forklift.svg"));
            link rel="stylesheet" href=(asset("css/forklift.css"));
            script src=(asset("vendor/htmx.min.js")) defer {}
            script src=(asset("vendor/htmx-ext-sse.js")) defer {}
            script src=(asset("js/live-log.js")) defer {}
        }
    }
}

fn brand() -> Markup {
    html! {
        a .brand href="/" {
            img src=(asset("icons/forklift.svg")) alt="" width="28" height="28";
            span { "Forklift" }
        }
    }
}

fn account(session: &SignedIn) -> Markup {
    html! {
        form .account method="post" action="/logout" {
            input type="hidden" name=(csrf::FIELD) value=(session.csrf);
            span .user { (session.user.username) @if session.user.is_admin { " (admin)" } }
            button .link-button type="submit" { "Log out" }
        }
    }
}

/// The URL of a file under `static/`.
pub fn asset(path: &str) -> String {
    format!("/static/{path}?v={ASSET_VERSION}")
}

/// An HTML response with the headers every page carries.
pub fn respond(status: StatusCode, markup: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        // Pages show one user's tasks: never from a shared cache, never stale after a back.
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .body(markup.into_string())
}

/// A 200 HTML response.
pub fn ok(markup: Markup) -> HttpResponse {
    respond(StatusCode::OK, markup)
}
