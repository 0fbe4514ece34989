//! The citizen's QR code as files: the image of a fresh signed token for the chosen preset, drawn on the server
//! (the /me/qr page's island asks for a new one every minute; without script, a link does), the token as JSON for
//! scripts, and the offline batch the page keeps on the phone. The pages and their forms are server functions
//! (`pages.rs`).
use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{Preset, service};
use crate::family::service::Access;
use crate::identity::web::{current_session, no_store, now};
use crate::web::AppState;

/// A QR code as SVG, drawn on the server (error correction M: cheap cameras, scratched screens): the citizen's
/// token, and the authenticator-app enrolment URI.
pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(280, 280)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

fn preset_of(query: &HashMap<String, String>) -> Preset {
    query.get("preset").and_then(|p| Preset::parse(p)).unwrap_or(Preset::Basic)
}

/// A fresh token for the signed-in person (or a dependant they manage, `for`), or the response to send instead.
async fn fresh(
    state: &AppState,
    headers: &HeaderMap,
    preset: Preset,
    for_id: Option<&str>,
) -> Result<(String, i64), Response> {
    let Some(active) = current_session(state, headers).await else {
        return Err(StatusCode::UNAUTHORIZED.into_response());
    };
    let subject = match crate::family::service::subject(&state.db, &active.account_id, for_id, Access::Manage, now()).await {
        Ok(Some(subject)) => subject,
        Ok(None) => return Err(StatusCode::FORBIDDEN.into_response()),
        Err(e) => {
            tracing::error!(error = %e, "checking whom a QR code is for failed");
            return Err(StatusCode::SERVICE_UNAVAILABLE.into_response());
        }
    };
    match service::issue(&state.db, &state.qr_keys, subject.id(), preset, now()).await {
        Ok(Some(issued)) => Ok(issued),
        Ok(None) => Err(StatusCode::UNAUTHORIZED.into_response()),
        Err(e) => {
            tracing::error!(error = %e, "issuing a QR token failed");
            Err(StatusCode::SERVICE_UNAVAILABLE.into_response())
        }
    }
}

/// GET /me/qr.svg?preset=…: the QR code image of a fresh token (the page asks for a new one every minute).
pub async fn image(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    match fresh(&state, &headers, preset_of(&query), query.get("for").map(String::as_str)).await {
        Ok((token, _)) => {
            let mut response = qr_svg(&token).into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml"));
            no_store(response)
        }
        Err(response) => response,
    }
}

/// GET /me/qr/token.json?preset=…: a fresh token as text, with its expiry (for scripts: the offline batch, tests).
pub async fn token_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let preset = preset_of(&query);
    match fresh(&state, &headers, preset, query.get("for").map(String::as_str)).await {
        Ok((token, expires_at)) => {
            no_store(Json(serde_json::json!({ "token": token, "preset": preset, "expires_at": expires_at })).into_response())
        }
        Err(response) => response,
    }
}

/// GET /me/qr/batch.txt?preset=…: the offline batch (see [`super::batch`]) that the QR page keeps on the phone.
pub async fn batch(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(active) = current_session(&state, &headers).await else { return StatusCode::UNAUTHORIZED.into_response() };
    match service::issue_batch(&state.db, &state.qr_keys, &active.account_id, preset_of(&query), now()).await {
        Ok(Some(text)) => {
            let mut response = text.into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
            no_store(response)
        }
        Ok(None) => StatusCode::UNAUTHORIZED.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "issuing the offline QR batch failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// The QR slice's routes outside the app: the citizen's code as an image, its token and offline batch, the
/// counter's photo check (multipart), and the public verification API with its OpenAPI description.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/me/qr.svg", get(image))
        .route("/me/qr/token.json", get(token_json))
        .route("/me/qr/batch.txt", get(batch))
        .route(
            "/counter/scan/photo",
            post(super::counter::check_photo)
                .layer(axum::extract::DefaultBodyLimit::max(super::counter::MAX_UPLOAD)),
        )
        .route("/api/v1/qr/keys", get(super::api::keys))
        .route("/api/v1/qr/verify", post(super::api::verify))
        .route("/api/v1/openapi.json", get(super::api::openapi))
}

#[cfg(test)]
mod tests {
    #[test]
    fn qr_codes_are_drawn_as_svg() {
        let svg = super::qr_svg("otpauth://totp/C%C3%B4ng%20D%C3%A2n%20S%E1%BB%91:0912?secret=ABC&issuer=x");
        assert!(svg.starts_with("<?xml") || svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(svg.contains("</svg>") && svg.contains("crispEdges"));
    }
}
