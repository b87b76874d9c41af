//! Swagger UI at `/docs`, in headless Chromium: its Authorize button signs in through the
//! OAuth2 password flow, and the token it gets opens the API.

use std::time::Duration;

use fantoccini::Locator;
use forklift_tests::{Forklift, Options};
use reqwest::StatusCode;

use crate::browser::{screenshot_dir, Browser, Driver};

const STEP_TIMEOUT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swagger_uis_authorize_button_signs_in_and_its_token_opens_the_api() {
    let driver = Driver::start();
    let fk = Forklift::start_with(Options {
        builder: false,
        ..Options::default()
    })
    .await
    .expect("start forklift");
    fk.user("swagger-sam").await.expect("user");
    let browser = Browser {
        client: driver.session(true).await,
        base: fk.base_url.clone(),
        shots: screenshot_dir(),
    };

    browser.open("/docs").await;
    let authorize = browser
        .client
        .wait()
        .at_most(STEP_TIMEOUT)
        .for_element(Locator::Css("button.authorize"))
        .await
        .expect("Swagger UI renders its Authorize button from local assets");
    authorize.click().await.expect("open the dialog");
    browser
        .client
        .wait()
        .at_most(STEP_TIMEOUT)
        .for_element(Locator::Css("#oauth_username"))
        .await
        .expect("the password flow asks for a username");
    browser.type_into("#oauth_username", "swagger-sam").await;
    browser
        .type_into("#oauth_password", "a-long-password")
        .await;
    browser.shot("docs-authorize").await;
    // The dialog lists the bearer scheme first; the password flow has its own buttons.
    browser
        .eval(
            "document.querySelector('#oauth_username').closest('.auth-container')\
             .querySelector('button.authorize').click(); return null;",
        )
        .await;

    // Signed in, the password flow offers to log out; a refused password shows an error.
    let oauth2 = ".auth-container:has(.flow) .auth-btn-wrapper";
    let signed_in = browser
        .wait_text(oauth2, STEP_TIMEOUT, |t| {
            t.contains("Logout") || t.contains("error")
        })
        .await;
    browser.shot("docs-authorized").await;
    assert!(signed_in.contains("Logout"), "{signed_in}");

    let token = browser
        .eval("return window.ui.authSelectors.authorized().toJS().oauth2.token.access_token;")
        .await;
    let token = token.as_str().expect("Swagger UI holds a token");
    let answer = reqwest::Client::new()
        .get(format!("{}/build/tasks/", fk.base_url))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    assert_eq!(answer.status(), StatusCode::OK);

    browser.client.close().await.expect("close the browser");
    fk.stop().await;
}
