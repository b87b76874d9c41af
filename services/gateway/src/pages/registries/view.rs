//! The markup of the Registries page: the stored rows with their change and delete forms, and
//! the form that adds credentials. No function here is ever given a secret to show.

use forklift_shared::store::credentials::{host_key, RegistryCredential};
use forklift_shared::validation::ValidationErrors;
use maud::{html, Markup};

use crate::pages::csrf;
use crate::pages::environments::when;
use crate::pages::fields::Field;

/// A form as the admin sent it, minus the secret, with what was wrong with it.
#[derive(Debug, Default)]
pub struct Typed {
    pub host: String,
    pub username: String,
    pub errors: ValidationErrors,
}

/// A line above the table: what the last post did, or why it did nothing.
#[derive(Debug)]
pub enum Notice {
    Done(&'static str),
    Problem(String),
}

impl Notice {
    /// The notice for a `?done=` value a successful post redirected with.
    pub fn done(what: &str) -> Option<Self> {
        match what {
            "added" => Some(Notice::Done("The credentials were stored.")),
            "changed" => Some(Notice::Done("The credentials were changed.")),
            "deleted" => Some(Notice::Done("The credentials were deleted.")),
            _ => None,
        }
    }
}

/// What the page shows besides the stored rows.
#[derive(Debug, Default)]
pub struct Feedback {
    /// The add form, refilled after a refusal.
    pub added: Typed,
    /// The row whose change was refused, opened with its messages.
    pub changed: Option<Typed>,
    pub notice: Option<Notice>,
}

/// The whole page body for an admin.
pub fn body(stored: &[RegistryCredential], feedback: &Feedback, token: &str) -> Markup {
    html! {
        h1 { "Registries" }
        p .lead {
            "Forklift presents these credentials when it pushes a built image to a registry or "
            "pulls a private source image. Secrets are stored encrypted and never shown again."
        }
        @if let Some(notice) = &feedback.notice { (notice_line(notice)) }
        section .card aria-labelledby="stored-heading" {
            h2 #stored-heading { "Stored credentials" }
            (table(stored, feedback.changed.as_ref(), token))
        }
        section .card aria-labelledby="add-heading" {
            h2 #add-heading { "Add credentials" }
            (add_form(&feedback.added, token))
        }
    }
}

/// The body shown instead of the forms when credentials cannot be managed.
pub fn unavailable(reason: &str) -> Markup {
    html! {
        h1 { "Registries" }
        section .card {
            p .notice .notice-error role="alert" {
                "Registry credentials cannot be managed right now: " (reason) "."
            }
            p {
                "Forklift stores registry secrets only encrypted with the deployment's "
                "credentials key, " code { "FORKLIFT_CREDENTIALS_KEY" } ", which the gateway, "
                "the builder and the registry service share. Until credentials can be stored, "
                "pushes and pulls go to registries anonymously."
            }
        }
    }
}

fn notice_line(notice: &Notice) -> Markup {
    match notice {
        Notice::Done(text) => html! { p .notice .notice-done role="status" { (text) } },
        Notice::Problem(text) => html! { p .notice .notice-error role="alert" { (text) } },
    }
}

fn table(stored: &[RegistryCredential], changed: Option<&Typed>, token: &str) -> Markup {
    if stored.is_empty() {
        return html! { p .empty { "No registry has credentials yet." } };
    }
    html! {
        div .table-wrap {
            table #registries {
                caption { (count(stored.len())) ", by host" }
                thead { tr {
                    th scope="col" { "Host" } th scope="col" { "Username" }
                    th scope="col" { "Created" } th scope="col" { "Updated" }
                    th scope="col" { span .visually-hidden { "Actions" } }
                } }
                tbody {
                    @for (i, credential) in stored.iter().enumerate() {
                        @let refused = changed.filter(|t| host_key(&t.host) == credential.host);
                        (row(i, credential, refused, token))
                    }
                }
            }
        }
    }
}

fn count(registries: usize) -> String {
    match registries {
        1 => "1 registry".into(),
        n => format!("{n} registries"),
    }
}

fn row(i: usize, credential: &RegistryCredential, refused: Option<&Typed>, token: &str) -> Markup {
    html! {
        tr data-host=(credential.host) {
            th scope="row" .mono { (credential.host) }
            td { (credential.username) }
            td { (when(Some(credential.created_at))) }
            td { (when(Some(credential.updated_at))) }
            td {
                div .row-actions {
                    (change_form(i, credential, refused, token))
                    (delete_form(credential, token))
                }
            }
        }
    }
}

/// A fold per row, opened by keyboard or click, and already open when its change was refused.
fn change_form(
    i: usize,
    credential: &RegistryCredential,
    refused: Option<&Typed>,
    token: &str,
) -> Markup {
    let error = |field: &str| refused.and_then(|t| t.errors.message_for(field));
    let typed = refused.map_or(credential.username.as_str(), |t| t.username.as_str());
    let username_path = format!("change-{i}.username");
    let mut username = Field::new(&username_path, "username", "Username", typed);
    username.required = true;
    username.error = error("username");
    username.autocomplete = Some("off");
    let secret_path = format!("change-{i}.secret");
    let mut secret = Field::new(&secret_path, "secret", "New secret", "");
    secret.kind = "password";
    secret.error = error("secret");
    secret.hint = Some("Leave blank to keep the stored secret.");
    secret.autocomplete = Some("new-password");
    html! {
        details .change open[refused.is_some()] {
            summary { "Change" span .visually-hidden { " credentials for " (credential.host) } }
            form .change-form method="post" action="/registries/change" novalidate {
                input type="hidden" name=(csrf::FIELD) value=(token);
                input type="hidden" name="host" value=(credential.host);
                (username.input())
                (secret.input())
                button .primary type="submit" {
                    "Save" span .visually-hidden { " credentials for " (credential.host) }
                }
            }
        }
    }
}

fn delete_form(credential: &RegistryCredential, token: &str) -> Markup {
    html! {
        form .delete-form method="post" action="/registries/delete" {
            input type="hidden" name=(csrf::FIELD) value=(token);
            input type="hidden" name="host" value=(credential.host);
            button .danger type="submit" {
                "Delete" span .visually-hidden { " credentials for " (credential.host) }
            }
        }
    }
}

fn add_form(typed: &Typed, token: &str) -> Markup {
    let error = |field: &str| typed.errors.message_for(field);
    let mut host = Field::new("new.host", "host", "Registry host", &typed.host);
    host.required = true;
    host.error = error("host");
    host.hint = Some("host[:port] as image references write it; docker.io for Docker Hub.");
    host.placeholder = Some("registry.example.com:5000");
    let mut username = Field::new("new.username", "username", "Username", &typed.username);
    username.required = true;
    username.error = error("username");
    username.autocomplete = Some("off");
    // The secret is never refilled: a refused form asks for it again.
    let mut secret = Field::new("new.secret", "secret", "Password or access token", "");
    secret.kind = "password";
    secret.required = true;
    secret.error = error("secret");
    secret.autocomplete = Some("new-password");
    html! {
        form .add-form method="post" action="/registries" novalidate {
            @if !typed.errors.is_empty() {
                p .notice .notice-error role="alert" {
                    "The credentials were not stored; see the messages beside the fields."
                }
            }
            input type="hidden" name=(csrf::FIELD) value=(token);
            (host.input())
            (username.input())
            (secret.input())
            button .primary type="submit" { "Add credentials" }
        }
    }
}
