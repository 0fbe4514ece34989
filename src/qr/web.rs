//! The citizen's QR page (/me/qr): a fresh signed token for the chosen preset, drawn on the server; the page asks
//! the browser to fetch a new one every minute (no script needed). "Lost phone" revokes every code and session.
use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{Preset, QrPageState, service};
use crate::identity::web::{current_session, format_time, no_store, now, render, see_other, set_session_cookie};
use crate::server::AppState;

/// The QR code of a token as SVG (error correction M: cheap cameras, scratched screens).
pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M) {
        Ok(code) => code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(280, 280).quiet_zone(true).build(),
        Err(_) => String::new(),
    }
}

/// GET /me/qr?preset=basic|adult|full
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(active) = current_session(&state, &headers).await else { return see_other("/signin") };
    let preset = query.get("preset").and_then(|p| Preset::parse(p)).unwrap_or(Preset::Basic);
    let now = now();
    match service::issue(&state.db, &state.qr_keys, &active.account_id, preset, now).await {
        Ok(Some((token, expires))) => {
            let context = QrPageState {
                preset,
                svg: qr_svg(&token),
                token,
                valid_seconds: service::SCREEN_TOKEN_SECONDS,
                expires_at: format_time(expires),
                verified_count: service::verification_count(&state.db, &active.account_id).await.unwrap_or(0),
            };
            let path = format!("/me/qr?preset={}", preset.as_str());
            no_store(render(&state, &path, &headers, context, StatusCode::OK).await)
        }
        Ok(None) => see_other("/signin"),
        Err(e) => {
            tracing::error!(error = %e, "issuing a QR token failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// POST /me/qr/revoke: lost phone. Every QR code issued so far stops verifying and every session ends.
pub async fn revoke(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(active) = current_session(&state, &headers).await else { return see_other("/signin") };
    let now = now();
    if let Err(e) = service::revoke_all(&state.db, &active.account_id, now).await {
        tracing::error!(error = %e, "revoking QR codes failed");
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    crate::access::service::audit(&state.db, Some(&active.account_id), "qr_revoked", Some(&active.account_id), "", now)
        .await
        .ok();
    let mut response = see_other("/signin?signed_out=lost");
    set_session_cookie(&mut response, &state, "", 0);
    response
}
