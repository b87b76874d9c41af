//! A JSON body extractor whose errors name the field, so a wrong type is a 422 like any other
//! invalid input rather than a bare 400.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Largest JSON body accepted.
const LIMIT: usize = 1 << 20;

pub struct ValidJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ValidJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let body = Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::UnsupportedMediaType(
                    "send the body as JSON with Content-Type: application/json",
                ));
            }
            let bytes = body
                .await
                .map_err(|e| ApiError::field("body", format!("cannot read the body: {e}")))?;
            if bytes.len() > LIMIT {
                return Err(ApiError::field("body", "larger than 1 MiB"));
            }
            decode(&bytes).map(ValidJson)
        })
    }
}

/// Decodes `bytes`, reporting the path of the first field that does not fit.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            "body".to_string()
        } else {
            path
        };
        ApiError::field(&field, clean_message(&e.inner().to_string()))
    })
}

/// serde_json appends "at line L column C"; the field path says more to a user.
fn clean_message(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use forklift_shared::spec::BuildSpec;

    fn field_of(body: &str) -> Option<String> {
        match decode::<BuildSpec>(body.as_bytes()) {
            Err(ApiError::Validation(errors)) => errors.errors.first().map(|e| e.field.clone()),
            _ => None,
        }
    }

    #[test]
    fn type_errors_name_the_field() {
        let body = r#"{"source_image":"a","target_image":"b","service_ports":[{"name":"x","protocol":"http","port":"eighty"}]}"#;
        assert_eq!(field_of(body).as_deref(), Some("service_ports[0].port"));
        assert_eq!(
            field_of(r#"{"source_image": 3}"#).as_deref(),
            Some("source_image")
        );
        assert_eq!(field_of("not json").as_deref(), Some("body"));
    }
}
