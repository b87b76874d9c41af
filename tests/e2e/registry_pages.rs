//! The Registries page, driven as a browser without JavaScript drives it: plain form posts
//! with the session cookie and CSRF token, redirects not followed so each one is checked.

use forklift_shared::secrets::CredentialsKey;
use forklift_shared::store::Store;
use forklift_tests::{Forklift, Options, PageClient};
use reqwest::StatusCode;
use uuid::Uuid;

const HOST: &str = "registry.example.com:5000";

/// A page client signed in as the deployment's admin.
async fn as_admin(fk: &Forklift) -> PageClient {
    let admin = PageClient::new(&fk.base_url);
    admin.enter("/login", "admin", "admin-password").await;
    admin
}

async fn start(key: Option<CredentialsKey>) -> Forklift {
    let options = Options {
        builder: false,
        credentials_key: key,
        ..Options::default()
    };
    Forklift::start_with(options).await.expect("start forklift")
}

fn new_secret() -> String {
    format!("secret-{}", Uuid::new_v4().simple())
}

/// The ciphertext stored for `host`, read straight from PostgreSQL.
async fn ciphertext_of(database_url: &str, host: &str) -> Vec<u8> {
    use diesel::prelude::*;
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
    use forklift_shared::store::schema::registry_credentials as rc;

    let mut conn = AsyncPgConnection::establish(database_url)
        .await
        .expect("database");
    rc::table
        .find(host)
        .select(rc::secret_ciphertext)
        .first(&mut conn)
        .await
        .expect("a stored row")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_adds_changes_and_deletes_credentials_and_never_sees_a_secret() {
    let key = CredentialsKey::generate();
    let fk = start(Some(key.clone())).await;
    let store = Store::connect(&fk.database_url).await.expect("store");
    let admin = as_admin(&fk).await;
    let first = new_secret();

    let summary = admin.get("/").await;
    assert!(
        summary.body.contains(r#"href="/registries""#),
        "admins get the link"
    );
    let empty = admin.get("/registries").await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.body);
    assert!(empty.body.contains(r#"aria-current="page">Registries"#));
    assert!(empty.body.contains("No registry has credentials yet."));
    for label in ["new-host", "new-username", "new-secret"] {
        assert!(
            empty.body.contains(&format!(r#"<label for="{label}">"#)),
            "{label}"
        );
    }
    assert!(empty.body.contains(r#"type="password" name="secret""#));
    let token = empty.csrf();

    // Add: the browser is sent back to the page, which lists the row without its secret.
    let form = [
        ("csrf", token.as_str()),
        ("host", "Registry.Example.com:5000"),
        ("username", "ci-bot"),
        ("secret", &first),
    ];
    let added = admin.post("/registries", &form).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    assert_eq!(added.location(), "/registries?done=added");
    let listed = admin.get(added.location()).await;
    assert!(listed.body.contains("The credentials were stored."));
    assert!(listed
        .body
        .contains("<caption>1 registry, by host</caption>"));
    assert!(listed.body.contains(&format!(r#"data-host="{HOST}""#)));
    assert!(listed.body.contains("<td>ci-bot</td>"), "{}", listed.body);
    assert!(!listed.body.contains(&first), "the page shows no secret");

    // At rest only ciphertext; the key opens it to what was typed.
    let stored = ciphertext_of(&fk.database_url, HOST).await;
    assert!(!stored.windows(first.len()).any(|w| w == first.as_bytes()));
    let login = store.registry_login(&key, HOST).await.expect("login");
    assert_eq!(login.expect("stored").secret.expose(), first);

    // Change the user alone (a blank secret keeps it), then the secret.
    let rename = [
        ("csrf", token.as_str()),
        ("host", HOST),
        ("username", "ci-bot-2"),
        ("secret", ""),
    ];
    let renamed = admin.post("/registries/change", &rename).await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER, "{}", renamed.body);
    assert_eq!(renamed.location(), "/registries?done=changed");
    let login = store.registry_login(&key, HOST).await.expect("login");
    let login = login.expect("stored");
    assert_eq!(
        (login.username.as_str(), login.secret.expose()),
        ("ci-bot-2", first.as_str())
    );
    let second = new_secret();
    let rotate = [
        ("csrf", token.as_str()),
        ("host", HOST),
        ("username", "ci-bot-2"),
        ("secret", &second),
    ];
    let rotated = admin.post("/registries/change", &rotate).await;
    assert_eq!(rotated.status, StatusCode::SEE_OTHER, "{}", rotated.body);
    let login = store.registry_login(&key, HOST).await.expect("login");
    assert_eq!(login.expect("stored").secret.expose(), second);
    let page = admin.get("/registries").await;
    assert!(page.body.contains("<td>ci-bot-2</td>"));
    assert!(!page.body.contains(&first) && !page.body.contains(&second));

    // The API lists what the page stored: one implementation behind both.
    let api = fk.admin().await.expect("admin client");
    let (status, listed) = api.get_json("/registries/").await.expect("list");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed[0]["username"], "ci-bot-2", "{listed}");

    // Delete; a second delete, or a change, of the gone row says so.
    let gone = [("csrf", token.as_str()), ("host", HOST)];
    let deleted = admin.post("/registries/delete", &gone).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.body);
    assert_eq!(deleted.location(), "/registries?done=deleted");
    assert!(admin
        .get("/registries")
        .await
        .body
        .contains("No registry has credentials yet."));
    let again = admin.post("/registries/delete", &gone).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(
        again.is_html() && again.body.contains("nothing was deleted"),
        "{}",
        again.body
    );
    let stale = admin.post("/registries/change", &rotate).await;
    assert_eq!(stale.status, StatusCode::NOT_FOUND);
    assert!(stale.body.contains("nothing was changed"), "{}", stale.body);
    assert!(
        !stale.body.contains(&second),
        "a refused change does not echo its secret"
    );
    fk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_forms_say_why_beside_each_field_and_keep_all_but_the_secret() {
    let fk = start(Some(CredentialsKey::generate())).await;
    let admin = as_admin(&fk).await;
    let token = admin.get("/registries").await.csrf();
    let secret = new_secret();

    // The API's rules, each message in its field's slot, the host and user kept as typed.
    let bad = [
        ("csrf", token.as_str()),
        ("host", "myregistry"),
        ("username", "a:b"),
        ("secret", ""),
    ];
    let refused = admin.post("/registries", &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.is_html());
    assert!(refused.error_of("new-host").contains("not a registry host"));
    assert!(refused.error_of("new-username").contains("without ':'"));
    assert!(refused.error_of("new-secret").contains("1 to 8192 bytes"));
    assert!(refused.body.contains(r#"value="myregistry""#));
    assert!(refused.body.contains(r#"value="a:b""#));

    let bad_user = [
        ("csrf", token.as_str()),
        ("host", HOST),
        ("username", " "),
        ("secret", &secret),
    ];
    let refused = admin.post("/registries", &bad_user).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!refused.error_of("new-username").is_empty());
    assert!(
        refused.error_of("new-host").is_empty(),
        "a good field has no message"
    );
    assert!(
        !refused.body.contains(&secret),
        "the secret is never refilled"
    );

    // A second set for the same host is a message at the host.
    let good = [
        ("csrf", token.as_str()),
        ("host", HOST),
        ("username", "ci-bot"),
        ("secret", &secret),
    ];
    assert_eq!(
        admin.post("/registries", &good).await.status,
        StatusCode::SEE_OTHER
    );
    let twice = admin.post("/registries", &good).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(
        twice.error_of("new-host").contains("credentials already"),
        "{}",
        twice.body
    );
    assert!(!twice.body.contains(&secret));

    // A refused change opens its row's fold with the message inside.
    let blank = [
        ("csrf", token.as_str()),
        ("host", HOST),
        ("username", ""),
        ("secret", ""),
    ];
    let refused = admin.post("/registries/change", &blank).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains(r#"<details class="change" open>"#));
    assert!(refused
        .body
        .contains("were not changed; see the messages in its row"));
    assert!(
        !refused.error_of("change-0-username").is_empty(),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("<td>ci-bot</td>"), "nothing changed");
    fk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_signed_in_admins_from_our_own_pages_manage_credentials() {
    let fk = start(Some(CredentialsKey::generate())).await;
    let store = Store::connect(&fk.database_url).await.expect("store");

    let stranger = PageClient::new(&fk.base_url);
    let away = stranger.get("/registries").await;
    assert_eq!(away.status, StatusCode::SEE_OTHER);
    assert_eq!(away.location(), "/login?next=/registries");

    // An ordinary user sees no link and gets an HTML 403, for the page and for its forms.
    let user = PageClient::new(&fk.base_url);
    user.enter("/signup", "wren", "a-long-password").await;
    let summary = user.get("/").await;
    assert!(!summary.body.contains(r#"href="/registries""#));
    let forbidden = user.get("/registries").await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert!(forbidden.is_html(), "{}", forbidden.header("content-type"));
    assert!(forbidden
        .body
        .contains("only admins manage registry credentials"));
    let token = summary.csrf();
    let form = [
        ("csrf", token.as_str()),
        ("host", HOST),
        ("username", "u"),
        ("secret", "s"),
    ];
    for path in ["/registries", "/registries/change", "/registries/delete"] {
        let refused = user.post(path, &form).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
        assert!(refused.is_html(), "{path}");
    }

    // The admin's own session, but without the token or from another site: refused.
    let admin = as_admin(&fk).await;
    let token = admin.get("/registries").await.csrf();
    let no_token = [("host", HOST), ("username", "u"), ("secret", "s")];
    let forged = admin.post("/registries", &no_token).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.is_html());
    let cross_site = admin
        .http
        .post(format!("{}/registries", fk.base_url))
        .header("Origin", "http://evil.example")
        .form(&[
            ("csrf", token.as_str()),
            ("host", HOST),
            ("username", "u"),
            ("secret", "s"),
        ]);
    assert_eq!(
        PageClient::answer(cross_site).await.status,
        StatusCode::FORBIDDEN
    );
    let stored = store.registry_credentials().await.expect("rows");
    assert!(stored.is_empty(), "nothing was stored: {stored:?}");
    fk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_credentials_key_the_page_explains_instead_of_offering_forms() {
    let fk = start(None).await;
    let admin = as_admin(&fk).await;
    let page = admin.get("/registries").await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.is_html());
    assert!(
        page.body.contains("FORKLIFT_CREDENTIALS_KEY"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(r#"aria-current="page">Registries"#),
        "still in the frame"
    );
    assert!(!page.body.contains(r#"action="/registries""#), "no forms");
    assert!(!page.body.contains(r#"name="secret""#), "no forms");
    fk.stop().await;
}
