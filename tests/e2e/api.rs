//! The REST API's contract: validation, authentication, visibility, documentation.

use forklift_tests::{ApiClient, Forklift, Options};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::specs;

/// A deployment without builder: submitted tasks stay pending, which is all these tests need.
async fn no_builder() -> Forklift {
    Forklift::start_with(Options {
        builder: false,
        ..Options::default()
    })
    .await
    .expect("start forklift")
}

fn fields(body: &Value) -> Vec<String> {
    body["fields"]
        .as_array()
        .map(|f| {
            f.iter()
                .filter_map(|e| e["field"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

async fn stream_messages(fk: &Forklift, stream: String) -> u64 {
    let js = async_nats::jetstream::new(fk.nats.clone());
    let mut stream = js.get_stream(stream).await.expect("stream exists");
    stream.info().await.expect("stream info").state.messages
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_requests_get_422_naming_each_field_and_leave_nothing_behind() {
    let fk = no_builder().await;
    let user = fk.user("ada").await.expect("user");
    let bad = json!({
        "source_image": "UPPER/Case",
        "target_image": "ok/name:latest",
        "min_memory": "12 parsecs",
        "service_ports": [{"name": "jupyter", "protocol": "http", "port": 2200}],
        "envs": [{"name": "LD_PRELOAD", "value": "/evil.so"}, {"name": "OK", "value": "a\nRUN rm -rf /"}],
        "packages": {"apt": ["curl; rm -rf /"], "pip": ["requests && curl x"]},
    });

    let (status, body) = user
        .post_json("/build/general_submit/", &bad)
        .await
        .expect("post");

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"], "validation_failed");
    let named = fields(&body);
    for field in [
        "source_image",
        "target_image",
        "min_memory",
        "service_ports[0].port",
        "envs[0].name",
        "envs[1].value",
        "packages.apt[0]",
        "packages.pip[0]",
    ] {
        assert!(
            named.iter().any(|f| f == field),
            "{field} not reported in {body}"
        );
    }
    let (_, list) = user.get_json("/build/tasks/").await.expect("list");
    assert_eq!(list["total"], 0, "nothing may be recorded: {list}");
    let subjects = forklift_shared::events::Subjects::new(fk.prefix.clone());
    assert_eq!(
        stream_messages(&fk, subjects.builds_stream()).await,
        0,
        "nothing queued"
    );
    assert_eq!(
        stream_messages(&fk, subjects.events_stream()).await,
        0,
        "no event"
    );
    fk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_json_types_and_media_types_are_named_too() {
    let fk = no_builder().await;
    let user = fk.user("bob").await.expect("user");
    let mut spec = specs::minimal(&fk.env.base_image);
    spec["service_ports"] = json!([{"name": "web", "protocol": "http", "port": "eighty"}]);

    let (status, body) = user
        .post_json("/build/general_submit/", &spec)
        .await
        .expect("post");
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(fields(&body), ["service_ports[0].port"]);

    let response = user
        .get("/build/tasks/")
        .query(&[("status", "finished")])
        .send()
        .await
        .expect("list");
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    fk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_without_a_valid_token_get_401() {
    let fk = no_builder().await;
    let anonymous = ApiClient::anonymous(&fk.base_url);
    let spec = specs::minimal(&fk.env.base_image);

    let (status, body) = anonymous
        .post_json("/build/general_submit/", &spec)
        .await
        .expect("post");
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "unauthorized");
    let (status, _) = anonymous.get_json("/build/tasks/").await.expect("list");
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let forged = anonymous.with_token("eyJhbGciOiJIUzI1NiJ9.e30.forged");
    let (status, _) = forged.get_json("/build/tasks/").await.expect("list");
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    anonymous
        .register("carol", "a-long-password")
        .await
        .expect("register");
    assert!(anonymous.sign_in("carol", "wrong-password").await.is_err());
    let (status, body) = anonymous
        .post_json(
            "/register/",
            &json!({"username": "carol", "password": "another-password"}),
        )
        .await
        .expect("register twice");
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = anonymous
        .post_json(
            "/register/",
            &json!({"username": "dan", "password": "short"}),
        )
        .await
        .expect("register");
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&body), ["password"]);
    fk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_see_only_their_own_tasks_and_admins_see_all() {
    let fk = no_builder().await;
    let owner = fk.user("erin").await.expect("owner");
    let other = fk.user("frank").await.expect("other");
    let task = owner
        .submit(&specs::minimal(&fk.env.base_image))
        .await
        .expect("submit");

    let (status, body) = owner
        .get_json(&format!("/build/tasks/{task}"))
        .await
        .expect("get");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "pending");
    assert_eq!(body["spec"]["runtime_type"], "app");

    for path in [
        format!("/build/tasks/{task}"),
        format!("/build/tasks/{task}/logs"),
        format!("/build/tasks/{task}/dockerfile"),
    ] {
        let (status, _) = other.get_json(&path).await.expect("get");
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{path} must be hidden from another user"
        );
    }
    let (_, list) = other.get_json("/build/tasks/").await.expect("list");
    assert_eq!(list["total"], 0);

    let admin = fk.admin().await.expect("admin");
    let (_, list) = admin
        .get_json("/build/tasks/?status=pending")
        .await
        .expect("list");
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["tasks"][0]["id"], task.as_str());

    let (status, _) = owner
        .get_json("/build/tasks/00000000-0000-0000-0000-000000000000")
        .await
        .expect("get");
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = owner
        .get_json("/build/tasks/not-a-uuid")
        .await
        .expect("get");
    assert_eq!(status, StatusCode::NOT_FOUND);
    fk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_and_task_dockerfile_agree_and_download_as_attachment() {
    let fk = no_builder().await;
    let user = fk.user("grace").await.expect("user");
    let mut spec = specs::minimal(&fk.env.base_image);
    spec["envs"] = json!([{"name": "GREETING", "value": "hello \"world\" $HOME"}]);

    let response = user
        .get("/build/dockerfile/preview")
        .send()
        .await
        .expect("wrong method");
    assert!(response.status().is_client_error());
    let (status, preview) = user
        .post_json("/build/dockerfile/preview", &spec)
        .await
        .expect("preview");
    assert_eq!(status, StatusCode::OK);
    let preview = preview.as_str().expect("text").to_string();
    assert!(
        preview.starts_with("FROM ") || preview.contains("\nFROM "),
        "{preview}"
    );
    assert!(preview.contains("ai.backend.kernelspec"), "{preview}");

    let task = user.submit(&spec).await.expect("submit");
    let (_, stored) = user
        .get_text(&format!("/build/tasks/{task}/dockerfile"))
        .await
        .expect("dockerfile");
    assert_eq!(stored, preview);
    let response = user
        .get(&format!("/build/tasks/{task}/dockerfile?download=true"))
        .send()
        .await
        .expect("download");
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap_or_default();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    fk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_documents_every_route_and_swagger_ui_is_served_locally() {
    let fk = no_builder().await;
    let anonymous = ApiClient::anonymous(&fk.base_url);
    let (status, doc) = anonymous.get_json("/openapi.json").await.expect("openapi");
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"]
        .as_str()
        .unwrap_or_default()
        .starts_with("3."));
    for path in [
        "/register/",
        "/token/",
        "/build/general_submit/",
        "/build/dockerfile/preview",
        "/build/tasks/",
        "/build/tasks/{id}",
        "/build/tasks/{id}/logs",
        "/build/tasks/{id}/dockerfile",
        "/healthz",
        "/readyz",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    let flow = &doc["components"]["securitySchemes"]["oauth2"]["flows"]["password"];
    assert_eq!(flow["tokenUrl"], "/token/");

    let (status, page) = anonymous.get_text("/docs").await.expect("docs");
    assert_eq!(status, StatusCode::OK);
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "docs must not load remote assets"
    );
    for asset in [
        "/static/swagger-ui/swagger-ui-bundle.js",
        "/static/swagger-ui/swagger-ui.css",
        "/static/swagger-ui/forklift-init.js",
    ] {
        assert!(page.contains(asset), "{asset} not referenced");
        let response = anonymous.get(asset).send().await.expect("asset");
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
        assert!(
            response.headers().contains_key("etag"),
            "{asset} without cache validator"
        );
    }
    fk.stop().await;
}
