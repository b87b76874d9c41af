//! Form fields with their label, hint and inline error, shared by every form.
//!
//! Each field's error slot has a stable id derived from the field's path in the request
//! (`service_ports[1].port` → `err-service_ports-1-port`), so a live preview can refill the
//! slots next to the fields without re-rendering the inputs the user is typing in.

use maud::{html, Markup};

/// One input and everything around it.
pub struct Field<'a> {
    /// The field's path in the request, as validation errors name it.
    pub path: &'a str,
    /// The form field name.
    pub name: &'a str,
    pub label: &'a str,
    pub value: &'a str,
    /// `text`, `password`, `number`...
    pub kind: &'a str,
    pub error: Option<&'a str>,
    pub hint: Option<&'a str>,
    pub placeholder: Option<&'a str>,
    pub required: bool,
    /// The `autocomplete` attribute, for sign-in forms.
    pub autocomplete: Option<&'a str>,
}

impl<'a> Field<'a> {
    pub fn new(path: &'a str, name: &'a str, label: &'a str, value: &'a str) -> Self {
        Self {
            path,
            name,
            label,
            value,
            kind: "text",
            error: None,
            hint: None,
            placeholder: None,
            required: false,
            autocomplete: None,
        }
    }

    /// An `<input>` with its label, hint and error slot.
    pub fn input(&self) -> Markup {
        let id = slug(self.path);
        html! {
            div .field .invalid[self.error.is_some()] {
                label for=(id) { (self.label) @if self.required { span .required aria-hidden="true" { " *" } } }
                input id=(id) type=(self.kind) name=(self.name) value=(self.value)
                    placeholder=[self.placeholder] required[self.required]
                    autocomplete=[self.autocomplete]
                    aria-invalid=[self.error.map(|_| "true")]
                    aria-describedby=(self.described_by(&id));
                (self.hint_and_error(&id))
            }
        }
    }

    /// A `<textarea>` with one entry per line.
    pub fn textarea(&self, rows: u8) -> Markup {
        let id = slug(self.path);
        html! {
            div .field .invalid[self.error.is_some()] {
                label for=(id) { (self.label) }
                textarea id=(id) name=(self.name) rows=(rows) placeholder=[self.placeholder]
                    aria-invalid=[self.error.map(|_| "true")]
                    aria-describedby=(self.described_by(&id)) { (self.value) }
                (self.hint_and_error(&id))
            }
        }
    }

    fn described_by(&self, id: &str) -> String {
        match self.hint {
            Some(_) => format!("hint-{id} err-{id}"),
            None => format!("err-{id}"),
        }
    }

    fn hint_and_error(&self, id: &str) -> Markup {
        html! {
            @if let Some(hint) = self.hint { p .hint id={"hint-" (id)} { (hint) } }
            (error_slot(self.path, self.error, false))
        }
    }
}

/// The element showing `path`'s error; `oob` marks it for htmx's out-of-band swap.
pub fn error_slot(path: &str, error: Option<&str>, oob: bool) -> Markup {
    html! {
        p .field-error id={"err-" (slug(path))} aria-live="polite"
            hx-swap-oob=[oob.then_some("true")] { @if let Some(e) = error { (e) } }
    }
}

/// An HTML id for a request path: brackets and dots become dashes.
pub fn slug(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '_' => out.push(c),
            ']' => {}
            _ => out.push('-'),
        }
    }
    out
}

/// The value of `key` in a url-encoded form, or "".
pub fn value<'f>(form: &'f [(String, String)], key: &str) -> &'f str {
    form.iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_valid_ids() {
        assert_eq!(slug("service_ports[1].port"), "service_ports-1-port");
        assert_eq!(slug("packages.pip[2]"), "packages-pip-2");
        assert_eq!(slug("min_memory"), "min_memory");
    }
}
