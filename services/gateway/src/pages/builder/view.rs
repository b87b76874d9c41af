//! The builder page: the form on one side, the Dockerfile it generates on the other.

use maud::{html, Markup};

use super::advanced::{defaults, fold};
use super::form::{messages_under, BuilderForm};
use super::{rows, Errors};
use crate::pages::csrf;
use crate::pages::fields::{error_slot, slug, Field};

/// What the preview pane shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Preview {
    /// Nothing typed yet.
    Empty,
    Dockerfile(String),
    /// The form has problems; the number of fields to fix.
    Invalid(usize),
}

/// Lists whose entries are reported as `field[i]` and shown at the list's one input.
const LIST_FIELDS: [&str; 6] = [
    "packages.apt",
    "packages.pip",
    "packages.conda",
    "features",
    "accelerators",
    "corecount_envs",
];

/// The form and the preview side by side, with an optional banner above.
pub fn body(
    form: &BuilderForm,
    errors: Errors,
    preview: &Preview,
    banner: Option<&str>,
    token: &str,
) -> Markup {
    html! {
        h1 { "Build an image" }
        @if let Some(banner) = banner { p .notice .notice-error role="alert" { (banner) } }
        @if let Some(errors) = errors.filter(|e| !e.is_empty()) { (error_summary(errors)) }
        div .builder {
            (form_markup(form, errors, token, None))
            aside .card .preview aria-labelledby="preview-title" {
                h2 #preview-title { "Dockerfile preview" }
                div #preview { (preview_pane(preview)) }
            }
        }
    }
}

/// The form alone: what the row buttons swap in.
pub fn form_markup(
    form: &BuilderForm,
    errors: Errors,
    token: &str,
    focus: Option<Focus>,
) -> Markup {
    let d = defaults();
    let error = |field: &str| errors.and_then(|e| e.message_for(field));
    let list_error = |field: &str| errors.and_then(|e| messages_under(e, field));
    let (apt, pip, conda) = (
        list_error("packages.apt"),
        list_error("packages.pip"),
        list_error("packages.conda"),
    );
    let cpu_hint = format!("Default: {}.", d.min_cpu);
    let memory_hint = format!("Such as 512m, 1g or 1.5g. Default: {}.", d.min_memory);
    html! {
        form .card .build-form #build-form method="post" action="/builder" novalidate
            hx-post="/builder/preview" hx-trigger="input delay:300ms, change"
            hx-target="#preview" hx-swap="innerHTML" {
            input type="hidden" name=(csrf::FIELD) value=(token);
            fieldset {
                legend { "Images" }
                (Field { required: true, error: error("source_image"), placeholder: Some("docker.io/library/python:3.11-slim"),
                    ..Field::new("source_image", "source_image", "Source image", &form.source_image) }.input())
                (Field { required: true, error: error("target_image"), placeholder: Some("registry.example.com/ml/python:3.11-ubuntu22.04"),
                    hint: Some("Its tag must say the version and base distro, as Backend.AI expects."),
                    ..Field::new("target_image", "target_image", "Target image", &form.target_image) }.input())
            }
            fieldset .pair {
                legend { "Minimum resources" }
                (Field { error: error("min_cpu"), hint: Some(&cpu_hint), placeholder: Some(&d.min_cpu),
                    ..Field::new("min_cpu", "min_cpu", "CPU cores", &form.min_cpu) }.input())
                (Field { error: error("min_memory"), hint: Some(&memory_hint), placeholder: Some(&d.min_memory),
                    ..Field::new("min_memory", "min_memory", "Memory", &form.min_memory) }.input())
            }
            (rows::ports(&form.ports, errors, focus.and_then(Focus::port)))
            (rows::envs(&form.envs, errors, focus.and_then(Focus::env)))
            fieldset {
                legend { "Packages" }
                p .hint { "One package per line." }
                (Field { error: apt.as_deref(), placeholder: Some("jq"), ..Field::new("packages.apt", "apt", "apt", &form.apt) }.textarea(3))
                (Field { error: pip.as_deref(), placeholder: Some("numpy==1.26.4"), ..Field::new("packages.pip", "pip", "pip", &form.pip) }.textarea(3))
                (Field { error: conda.as_deref(), ..Field::new("packages.conda", "conda", "conda", &form.conda) }.textarea(3))
            }
            fieldset .checks {
                legend { "Options" }
                label .check { input type="checkbox" name="auto_push" checked[form.auto_push]; " Push the image to its registry when built" }
                label .check { input type="checkbox" name="allow_root" checked[form.allow_root]; " Allow root: passwordless sudo for the session user" }
            }
            (fold(form, errors))
            div .actions {
                button .primary type="submit" name="action" value="submit" { "Build" }
                button .secondary type="submit" name="action" value="download" { "Download Dockerfile" }
            }
        }
    }
}

/// Which new row gets the keyboard focus after a row was added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Port(usize),
    Env(usize),
}

impl Focus {
    fn port(self) -> Option<usize> {
        match self {
            Focus::Port(i) => Some(i),
            Focus::Env(_) => None,
        }
    }
    fn env(self) -> Option<usize> {
        match self {
            Focus::Env(i) => Some(i),
            Focus::Port(_) => None,
        }
    }
}

/// The inside of the preview pane.
pub fn preview_pane(preview: &Preview) -> Markup {
    html! {
        @match preview {
            Preview::Empty => p .muted #preview-status { "Fill in the source and target image to see the Dockerfile." },
            Preview::Invalid(n) => p .notice .notice-error #preview-status role="status" {
                (n) @if *n == 1 { " field needs" } @else { " fields need" } " attention; see the messages next to them."
            },
            Preview::Dockerfile(text) => {
                p .muted #preview-status role="status" { "Up to date with the form." }
                pre .dockerfile { code #dockerfile { (text) } }
            },
        }
    }
}

/// Every error slot of the form, refilled out of band next to a fresh preview.
pub fn error_slots(form: &BuilderForm, errors: Errors) -> Markup {
    let mut paths: Vec<String> = [
        "source_image",
        "target_image",
        "min_cpu",
        "min_memory",
        "runtime_type",
        "runtime_path",
        "base_distro",
    ]
    .iter()
    .map(|p| p.to_string())
    .collect();
    for i in 0..form.ports.len() {
        paths.extend(
            ["name", "protocol", "port", "command"].map(|p| format!("service_ports[{i}].{p}")),
        );
    }
    for i in 0..form.envs.len() {
        paths.extend(["name", "value"].map(|p| format!("envs[{i}].{p}")));
    }
    html! {
        @for path in &paths { (error_slot(path, errors.and_then(|e| e.message_for(path)), true)) }
        @for list in LIST_FIELDS { (error_slot(list, errors.and_then(|e| messages_under(e, list)).as_deref(), true)) }
    }
}

/// The problems at the top of a rejected form, each linked to its field.
fn error_summary(errors: &forklift_shared::validation::ValidationErrors) -> Markup {
    html! {
        div .notice .notice-error .error-summary role="alert" tabindex="-1" {
            p { strong { "The build was not started: " (errors.errors.len()) " problem(s)." } }
            ul {
                @for e in &errors.errors {
                    li { a href={"#" (field_anchor(&e.field))} { (e.field) } ": " (e.message) }
                }
            }
        }
    }
}

/// The id of the input showing `field`: a list entry's is its list's.
fn field_anchor(field: &str) -> String {
    let base = LIST_FIELDS.iter().find(|list| field.starts_with(*list));
    slug(base.copied().unwrap_or(field))
}
