//! The OpenAPI document and the Swagger UI page, both served without internet access.

use actix_web::{get, web, HttpResponse};
use utoipa::openapi::security::{
    Flow, HttpAuthScheme, HttpBuilder, OAuth2, Password, Scopes, SecurityScheme,
};
use utoipa::openapi::OpenApi;
use utoipa::Modify;

use crate::state::AppState;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Forklift",
        description = "Turns any Docker image into a Backend.AI-ready image. Sign in with \
            POST /token/ (or the Authorize button), then submit builds and follow their tasks.",
    ),
    modifiers(&Security),
    tags(
        (name = "accounts", description = "Sign up and sign in"),
        (name = "builds", description = "Submit and preview builds"),
        (name = "tasks", description = "Follow build tasks and their logs"),
        (name = "registries", description = "Registry credentials for pushes and private \
            source images (admins only)"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
pub struct ApiDoc;

/// Declares the two ways to authenticate: Swagger UI's Authorize button uses the password
/// flow against `/token/`; scripts can paste a bearer token.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "oauth2",
            SecurityScheme::OAuth2(OAuth2::new([Flow::Password(Password::new(
                "/token/",
                Scopes::new(),
            ))])),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The OpenAPI 3 document.
#[get("/openapi.json")]
pub async fn document(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(state.openapi.clone())
}

/// Swagger UI, from the copy vendored in `static/swagger-ui/`.
#[get("/docs")]
pub async fn docs() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(DOCS_PAGE)
}

const DOCS_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Forklift API</title>
  <link rel="stylesheet" href="/static/swagger-ui/swagger-ui.css">
  <link rel="icon" href="/static/swagger-ui/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/static/swagger-ui/swagger-ui-bundle.js"></script>
  <script src="/static/swagger-ui/swagger-ui-standalone-preset.js"></script>
  <script src="/static/swagger-ui/forklift-init.js"></script>
</body>
</html>
"#;
