//! The counter (/counter/scan): a service operator checks a citizen's QR code by taking a photo (the phone's
//! camera opens straight from the file field), uploading a screenshot, or pasting the code's text. A plain
//! multipart form: it works before and without any script. Every check is recorded with the operator, the
//! organization and the purpose, for the citizen to see.
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::scan::{self, ScanError};
use super::service::{self, Counter, Via};
use super::{CounterOutcome, CounterProblem, CounterState, Purpose};
use crate::access::Role;
use crate::access::guard::{Principal, Scoped};
use crate::identity::web::{no_store, now, render};
use crate::server::AppState;

/// The largest photo accepted (phone cameras make 3–6 MB JPEGs).
pub const MAX_UPLOAD: usize = 12 * 1024 * 1024;

async fn operator(state: &AppState, headers: &HeaderMap) -> Result<Scoped, Response> {
    let principal = match Principal::of_request(state, headers).await {
        Ok(p) => p,
        Err(denied) => return Err(denied.response(state, headers).await),
    };
    match principal.scoped(Role::ServiceOperator) {
        Ok(scoped) => Ok(scoped),
        Err(denied) => Err(denied.response(state, headers).await),
    }
}

/// The relying parties this operator works for: (id, name).
async fn organizations_of(state: &AppState, operator: &Scoped) -> Vec<(String, String)> {
    let all = crate::access::service::organizations(&state.db).await.unwrap_or_default();
    all.into_iter().filter(|o| operator.covers(&o.id)).map(|o| (o.id, o.name)).collect()
}

/// The chosen organization must be one the operator works for; otherwise (or when none was chosen) their first.
fn settle_organization(context: &mut CounterState) {
    if !context.organizations.iter().any(|(id, _)| *id == context.organization) {
        context.organization = context.organizations.first().map(|(id, _)| id.clone()).unwrap_or_default();
    }
}

async fn page(state: &AppState, headers: &HeaderMap, mut context: CounterState, status: StatusCode) -> Response {
    settle_organization(&mut context);
    no_store(render(state, "/counter/scan", headers, context, status).await)
}

/// GET /counter/scan
pub async fn form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match operator(&state, &headers).await {
        Ok(op) => {
            let context = CounterState { organizations: organizations_of(&state, &op).await, ..CounterState::default() };
            page(&state, &headers, context, StatusCode::OK).await
        }
        Err(response) => response,
    }
}

/// POST /counter/scan (multipart): photo and/or pasted text, organization, purpose.
pub async fn check(State(state): State<AppState>, headers: HeaderMap, mut multipart: Multipart) -> Response {
    let op = match operator(&state, &headers).await {
        Ok(op) => op,
        Err(response) => return response,
    };
    let mut context = CounterState { organizations: organizations_of(&state, &op).await, ..CounterState::default() };
    let mut photo: Vec<u8> = Vec::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "photo" => match field.bytes().await {
                Ok(bytes) => photo = bytes.to_vec(),
                Err(_) => {
                    context.problem = Some(CounterProblem::NotAPicture);
                    return page(&state, &headers, context, StatusCode::PAYLOAD_TOO_LARGE).await;
                }
            },
            "token" => context.typed = field.text().await.unwrap_or_default().trim().chars().take(4096).collect(),
            "organization" => context.organization = field.text().await.unwrap_or_default(),
            "purpose" => context.purpose = Purpose::parse(&field.text().await.unwrap_or_default()),
            _ => {}
        }
    }
    settle_organization(&mut context);
    let text = if !photo.is_empty() {
        match scan::read_qr(&photo) {
            Ok(text) => text,
            Err(e) => {
                context.problem = Some(match e {
                    ScanError::NoCode => CounterProblem::NoCode,
                    ScanError::NotAnImage | ScanError::TooLarge => CounterProblem::NotAPicture,
                });
                return page(&state, &headers, context, StatusCode::UNPROCESSABLE_ENTITY).await;
            }
        }
    } else if !context.typed.is_empty() {
        context.typed.clone()
    } else {
        context.problem = Some(CounterProblem::Nothing);
        return page(&state, &headers, context, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let organization = context.organization.clone();
    let purpose = context.purpose.unwrap_or(Purpose::Identity);
    let via = Via { counter: Some(Counter { operator: op.account_id(), organization: &organization, purpose }) };
    match service::verify_online(&state.db, &state.qr_keys, &text, via, now()).await {
        Ok(v) => {
            context.outcome =
                Some(CounterOutcome {
                valid: v.valid,
                reason: v.reason,
                level: v.level,
                preset: v.preset,
                claims: v.claims,
                card: v.card,
            });
            context.purpose = Some(purpose);
            page(&state, &headers, context, StatusCode::OK).await
        }
        Err(e) => {
            tracing::error!(error = %e, "a counter verification failed");
            page(&state, &headers, context, StatusCode::SERVICE_UNAVAILABLE).await
        }
    }
}
