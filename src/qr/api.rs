//! The JSON API for relying parties' systems: the public keys (for offline verifiers) and online verification.
//! Malformed requests get 400 with a JSON error; nothing here answers 500.
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::service;
use crate::web::AppState;

const OPENAPI: &str = include_str!("openapi.json");

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

/// GET /api/v1/qr/keys
pub async fn keys(State(state): State<AppState>) -> Response {
    let keys: Vec<serde_json::Value> = state
        .qr_keys
        .public_keys()
        .into_iter()
        .map(|k| {
            let mut v = serde_json::to_value(&k).unwrap_or_default();
            v["alg"] = "Ed25519".into();
            v
        })
        .collect();
    let mut response = Json(serde_json::json!({ "keys": keys })).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyRequest {
    token: String,
}

/// POST /api/v1/qr/verify with `{"token": "CDS1:…"}`.
pub async fn verify(State(state): State<AppState>, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<VerifyRequest>(&body) else {
        return error(StatusCode::BAD_REQUEST, "expected a JSON object {\"token\": \"CDS1:...\"}");
    };
    if request.token.len() > 4096 {
        return error(StatusCode::BAD_REQUEST, "the token is too long");
    }
    let now = crate::identity::web::now();
    match service::verify_online(&state.db, &state.qr_keys, &request.token, service::Via::default(), now).await {
        Ok(outcome) => Json(outcome).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "verifying a QR token failed");
            error(StatusCode::SERVICE_UNAVAILABLE, "verification is unavailable right now; try again")
        }
    }
}

/// GET /api/v1/openapi.json
pub async fn openapi() -> Response {
    let mut response = OPENAPI.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
