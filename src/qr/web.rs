//! The citizen's QR page (/me/qr): the QR code of a fresh signed token for the chosen preset, drawn on the server as
//! an image; a small island asks for a new image every minute (without script, a link does). "Lost phone" revokes
//! every code and session.
use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::family::service::Access;
use super::{CardNotice, CardState, CardView, Preset, QrPageState, card, service};
use crate::identity::domain::Date;
use crate::identity::web::{current_session, no_store, now, render, see_other, set_session_cookie};
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

/// GET /me/qr?preset=basic|adult|full
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let for_id = query.get("for").map(String::as_str);
    let subject = match crate::family::web::subject_of(&state, &headers, for_id, Access::Manage).await {
        Ok(subject) => subject,
        Err(response) => return response,
    };
    let preset = preset_of(&query);
    if let Err(e) = crate::privacy::service::record(&state.db, &subject, crate::privacy::SeenWhat::Qr, "", now()).await {
        tracing::error!(error = %e, "recording a QR view failed");
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let context = QrPageState {
        preset,
        verified_count: service::verification_count(&state.db, subject.id()).await.unwrap_or(0),
        acting: subject.acting(),
    };
    let path = format!("/me/qr?preset={}", preset.as_str());
    no_store(render(&state, &path, &headers, context, StatusCode::OK).await)
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

/// GET /me/qr/checks: who checked my QR code, when, why, and what they saw.
pub async fn checks(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(active) = current_session(&state, &headers).await else { return see_other("/signin") };
    let rows = match service::checks_of(&state.db, &active.account_id, 200).await {
        Ok(rows) => rows,
        Err(e) => {
            tracing::error!(error = %e, "reading QR checks failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let parse_reason = |r: &str| {
        serde_json::from_value::<super::Reason>(serde_json::Value::String(r.to_owned())).ok()
    };
    let context = super::ChecksState {
        checks: rows
            .into_iter()
            .map(|r| super::CheckLine {
                at: crate::identity::web::format_time(r.at),
                preset: Preset::parse(&r.preset),
                card: r.preset == super::card::CHECK_LABEL,
                valid: r.valid,
                reason: r.reason.as_deref().and_then(parse_reason),
                organization: r.organization,
                purpose: r.purpose.as_deref().and_then(super::Purpose::parse),
                passage: r.place.zip(r.direction.as_deref().and_then(super::Direction::parse)),
            })
            .collect(),
    };
    no_store(render(&state, "/me/qr/checks", &headers, context, StatusCode::OK).await)
}

/// GET /me/qr/card: the printed card (a print view), or the button that issues one.
pub async fn card_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(active) = current_session(&state, &headers).await else { return see_other("/signin") };
    card_view(&state, &headers, &active.account_id, None).await
}

async fn card_view(state: &AppState, headers: &HeaderMap, account_id: &str, notice: Option<CardNotice>) -> Response {
    let status = match card::status(&state.db, &state.qr_keys, account_id).await {
        Ok(status) => status,
        Err(e) => {
            tracing::error!(error = %e, "reading the printed card failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let mut context = CardState { notice, ..CardState::default() };
    match status {
        card::Status::None => {}
        card::Status::Revoked(number) => context.revoked = Some(number),
        card::Status::Active(c) => {
            context.card = Some(CardView {
                qr_svg: qr_svg(&c.text),
                number: c.number,
                issued_on: Date::from_unix_vietnam(c.issued_at).dmy(),
                full_name: c.full_name,
                code: c.code,
            })
        }
    }
    no_store(render(state, "/me/qr/card", headers, context, StatusCode::OK).await)
}

/// POST /me/qr/card/issue: a new card (the next number; an earlier card stops working).
pub async fn card_issue(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(active) = current_session(&state, &headers).await else { return see_other("/signin") };
    let now = now();
    if let Err(e) = card::issue(&state.db, &active.account_id, now).await {
        tracing::error!(error = %e, "issuing a printed card failed");
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    crate::access::service::audit(&state.db, Some(&active.account_id), "qr_card_issued", Some(&active.account_id), "", now)
        .await
        .ok();
    card_view(&state, &headers, &active.account_id, Some(CardNotice::Issued)).await
}

/// POST /me/qr/card/revoke: the card is lost; every copy stops working.
pub async fn card_revoke(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(active) = current_session(&state, &headers).await else { return see_other("/signin") };
    let now = now();
    match card::revoke(&state.db, &active.account_id, now).await {
        Ok(true) => {
            crate::access::service::audit(&state.db, Some(&active.account_id), "qr_card_revoked", Some(&active.account_id), "", now)
                .await
                .ok();
            card_view(&state, &headers, &active.account_id, Some(CardNotice::Revoked)).await
        }
        Ok(false) => card_view(&state, &headers, &active.account_id, None).await,
        Err(e) => {
            tracing::error!(error = %e, "revoking a printed card failed");
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

#[cfg(test)]
mod tests {
    #[test]
    fn qr_codes_are_drawn_as_svg() {
        let svg = super::qr_svg("otpauth://totp/C%C3%B4ng%20D%C3%A2n%20S%E1%BB%91:0912?secret=ABC&issuer=x");
        assert!(svg.starts_with("<?xml") || svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(svg.contains("</svg>") && svg.contains("crispEdges"));
    }
}
