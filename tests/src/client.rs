//! A small HTTP client for Forklift's REST API, as a script would use it.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use reqwest::StatusCode;
use serde_json::Value;

#[derive(Clone)]
pub struct ApiClient {
    pub base: String,
    pub token: Option<String>,
    http: reqwest::Client,
}

impl ApiClient {
    pub fn anonymous(base: &str) -> Self {
        Self {
            base: base.to_string(),
            token: None,
            http: reqwest::Client::new(),
        }
    }

    /// The same client presenting `token` instead.
    pub fn with_token(&self, token: &str) -> Self {
        Self {
            token: Some(token.to_string()),
            ..self.clone()
        }
    }

    pub async fn register(&self, username: &str, password: &str) -> anyhow::Result<()> {
        let body = serde_json::json!({ "username": username, "password": password });
        let (status, answer) = self.post_json("/register/", &body).await?;
        if status != StatusCode::CREATED {
            bail!("register {username}: {status} {answer}");
        }
        Ok(())
    }

    /// Signs in with the OAuth2 password grant and returns a client carrying the token.
    pub async fn sign_in(&self, username: &str, password: &str) -> anyhow::Result<ApiClient> {
        let response = self
            .http
            .post(format!("{}/token/", self.base))
            .form(&[
                ("grant_type", "password"),
                ("username", username),
                ("password", password),
            ])
            .send()
            .await?;
        let status = response.status();
        let body: Value = response.json().await?;
        if status != StatusCode::OK {
            bail!("sign in {username}: {status} {body}");
        }
        let token = body["access_token"]
            .as_str()
            .context("no access_token in the answer")?;
        Ok(Self {
            token: Some(token.to_string()),
            ..self.clone()
        })
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let builder = self.http.request(method, format!("{}{}", self.base, path));
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> anyhow::Result<(StatusCode, Value)> {
        let response = self
            .request(reqwest::Method::POST, path)
            .json(body)
            .send()
            .await?;
        let status = response.status();
        let text = response.text().await?;
        Ok((
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        ))
    }

    pub async fn get_json(&self, path: &str) -> anyhow::Result<(StatusCode, Value)> {
        let response = self.request(reqwest::Method::GET, path).send().await?;
        let status = response.status();
        let text = response.text().await?;
        Ok((
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        ))
    }

    pub async fn get_text(&self, path: &str) -> anyhow::Result<(StatusCode, String)> {
        let response = self.request(reqwest::Method::GET, path).send().await?;
        Ok((response.status(), response.text().await?))
    }

    /// A raw GET, for headers and streaming bodies.
    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.request(reqwest::Method::GET, path)
    }

    /// Submits a build and returns its task id; fails unless the answer is 202.
    pub async fn submit(&self, spec: &Value) -> anyhow::Result<String> {
        let (status, body) = self.post_json("/build/general_submit/", spec).await?;
        if status != StatusCode::ACCEPTED {
            bail!("submit: {status} {body}");
        }
        Ok(body["task_id"].as_str().context("no task_id")?.to_string())
    }

    /// Polls a task until it is finished, returning it and every status seen on the way.
    pub async fn wait_finished(
        &self,
        task: &str,
        timeout: Duration,
    ) -> anyhow::Result<(Value, Vec<String>)> {
        let started = Instant::now();
        let mut seen: Vec<String> = Vec::new();
        loop {
            let (status, body) = self.get_json(&format!("/build/tasks/{task}")).await?;
            if status != StatusCode::OK {
                bail!("task {task}: {status} {body}");
            }
            let current = body["status"].as_str().unwrap_or_default().to_string();
            if seen.last() != Some(&current) {
                seen.push(current.clone());
            }
            if matches!(current.as_str(), "completed" | "error" | "cancelled") {
                return Ok((body, seen));
            }
            if started.elapsed() > timeout {
                bail!("task {task} still {current} after {timeout:?}; seen {seen:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
