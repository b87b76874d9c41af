//! The rows of the builder form that users add and remove: service ports and environment
//! variables. Each row's remove button, like the add buttons, posts the whole form; the server
//! answers with the form re-rendered, swapped in place by htmx or as a full page without it.

use maud::{html, Markup};

use super::form::{EnvRow, PortRow};
use super::Errors;
use crate::pages::fields::{error_slot, slug};

const PROTOCOLS: [&str; 3] = ["http", "tcp", "preopen"];

/// The service-port rows and their add button.
pub fn ports(rows: &[PortRow], errors: Errors, focus: Option<usize>) -> Markup {
    html! {
        fieldset .rows #ports {
            legend { "Service ports" }
            p .hint { "Services the session exposes. Known services such as jupyter need no command." }
            @for (i, row) in rows.iter().enumerate() { (port_row(i, row, errors, focus == Some(i))) }
            (row_button("add_port", "+ Add port", "Add a service port"))
        }
    }
}

fn port_row(i: usize, row: &PortRow, errors: Errors, focus: bool) -> Markup {
    let path = |part: &str| format!("service_ports[{i}].{part}");
    let name = |part: &str| format!("ports-{i}-{part}");
    html! {
        div .row .port-row role="group" aria-label={"Service port " (i + 1)} {
            (cell(&path("name"), &name("name"), "Name", &row.name, errors, focus))
            div .cell {
                label for=(slug(&path("protocol"))) { "Protocol" }
                select id=(slug(&path("protocol"))) name=(name("protocol")) {
                    @for protocol in PROTOCOLS {
                        option value=(protocol) selected[row.protocol == protocol] { (protocol) }
                    }
                }
                (error_slot(&path("protocol"), errors.and_then(|e| e.message_for(&path("protocol"))), false))
            }
            (cell(&path("port"), &name("port"), "Port", &row.port, errors, false))
            (cell(&path("command"), &name("command"), "Command (optional)", &row.command, errors, false))
            (row_button(&format!("remove_port:{i}"), "Remove", &format!("Remove service port {}", i + 1)))
        }
    }
}

/// The environment-variable rows and their add button.
pub fn envs(rows: &[EnvRow], errors: Errors, focus: Option<usize>) -> Markup {
    html! {
        fieldset .rows #envs {
            legend { "Environment variables" }
            @for (i, row) in rows.iter().enumerate() {
                div .row .env-row role="group" aria-label={"Environment variable " (i + 1)} {
                    (cell(&format!("envs[{i}].name"), &format!("envs-{i}-name"), "Name", &row.name, errors, focus == Some(i)))
                    (cell(&format!("envs[{i}].value"), &format!("envs-{i}-value"), "Value", &row.value, errors, false))
                    (row_button(&format!("remove_env:{i}"), "Remove", &format!("Remove environment variable {}", i + 1)))
                }
            }
            (row_button("add_env", "+ Add variable", "Add an environment variable"))
        }
    }
}

/// A labelled input of a row with its error slot.
fn cell(path: &str, name: &str, label: &str, value: &str, errors: Errors, focus: bool) -> Markup {
    let id = slug(path);
    let error = errors.and_then(|e| e.message_for(path));
    html! {
        div .cell .invalid[error.is_some()] {
            label for=(id) { (label) }
            input id=(id) type="text" name=(name) value=(value) autofocus[focus]
                inputmode=[path.ends_with(".port").then_some("numeric")]
                aria-invalid=[error.map(|_| "true")] aria-describedby={"err-" (id)};
            (error_slot(path, error, false))
        }
    }
}

/// A button that changes the rows: a plain submit without JavaScript, an htmx swap with it.
fn row_button(action: &str, text: &str, label: &str) -> Markup {
    html! {
        button .secondary .row-button type="submit" name="action" value=(action) aria-label=(label)
            formnovalidate hx-post="/builder" hx-target="#build-form" hx-swap="outerHTML" {
            (text)
        }
    }
}
