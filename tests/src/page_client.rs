//! A browser without JavaScript, for the page tests: it keeps cookies, does not follow
//! redirects (so each one is checked), and reads what pages carry: the CSRF token, elements by
//! id, inline field errors.

#![allow(
    clippy::expect_used,
    reason = "a page test stops at the first page that is not as expected, saying which"
)]

use reqwest::header::{HeaderMap, CONTENT_TYPE, LOCATION};
use reqwest::{redirect, RequestBuilder, StatusCode};

/// A cookie-keeping client of one deployment's pages.
pub struct PageClient {
    pub base: String,
    pub http: reqwest::Client,
}

/// One answer: status, headers and body text.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    /// The value of header `name`, or "" when it is missing.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// Where a redirect points, or "".
    pub fn location(&self) -> &str {
        self.header(LOCATION.as_str())
    }

    pub fn is_html(&self) -> bool {
        self.header(CONTENT_TYPE.as_str()).starts_with("text/html")
    }

    /// The session's CSRF token, from the first hidden field that carries it.
    pub fn csrf(&self) -> String {
        let marker = r#"name="csrf" value=""#;
        let start = self.body.find(marker).expect("a csrf field") + marker.len();
        let end = self.body[start..].find('"').expect("end of the value");
        self.body[start..start + end].to_string()
    }

    /// The text inside the element with id `id`, up to its first closing tag.
    pub fn element(&self, id: &str) -> &str {
        let open = format!(r#"id="{id}""#);
        let at = self
            .body
            .find(&open)
            .unwrap_or_else(|| panic!("no #{id} in {}", self.body));
        let from = self.body[at..].find('>').expect("tag end") + at + 1;
        let to = self.body[from..].find("</").expect("closing tag") + from;
        &self.body[from..to]
    }

    /// The inline error message of the form field with id `field`.
    pub fn error_of(&self, field: &str) -> &str {
        self.element(&format!("err-{field}"))
    }
}

impl PageClient {
    pub fn new(base: &str) -> Self {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            base: base.to_string(),
            http,
        }
    }

    /// Sends `request` and reads the whole answer.
    pub async fn answer(request: RequestBuilder) -> Page {
        let response = request.send().await.expect("request");
        Page {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.text().await.expect("body"),
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        Self::answer(self.http.get(format!("{}{path}", self.base))).await
    }

    /// A GET as htmx makes it.
    pub async fn fragment(&self, path: &str) -> Page {
        let request = self.http.get(format!("{}{path}", self.base));
        Self::answer(request.header("HX-Request", "true")).await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        Self::answer(self.http.post(format!("{}{path}", self.base)).form(form)).await
    }

    /// A POST as htmx makes it: the CSRF token in its header.
    pub async fn htmx_post(&self, path: &str, token: &str, form: &[(&str, &str)]) -> Page {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("HX-Request", "true")
            .header("X-CSRF-Token", token)
            .form(form);
        Self::answer(request).await
    }

    /// Fills in `/login` or `/signup` and expects to be let in, the session cookie kept.
    pub async fn enter(&self, path: &str, username: &str, password: &str) {
        let token = self.get(path).await.csrf();
        let form = [
            ("csrf", token.as_str()),
            ("username", username),
            ("password", password),
        ];
        let entered = self.post(path, &form).await;
        assert_eq!(entered.status, StatusCode::SEE_OTHER, "{}", entered.body);
    }

    /// Signs up `name` with the password every test user has.
    pub async fn sign_up(&self, name: &str) {
        self.enter("/signup", name, "a-long-password").await;
    }
}
