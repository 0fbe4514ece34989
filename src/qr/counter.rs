//! The counter (/counter/scan): a service operator checks a citizen's QR code by taking a photo (the phone's
//! camera opens straight from the file field), uploading a screenshot, or pasting the code's text. A plain
//! multipart form: it works before and without any script. Every check is recorded with the operator, the
//! organization and the purpose, for the citizen to see.
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::scan::{self, ScanError};
use super::service::{self, Counter, Via};
use super::{CounterOutcome, CounterProblem, CounterState, Direction, PlaceNotice, Purpose, places};
use crate::access::Role;
use crate::access::service::AccessError;
use crate::access::guard::{Principal, Scoped};
use crate::identity::web::{no_store, now, render};
use crate::web::AppState;

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

/// The counter's state for this operator: their organizations and those organizations' places.
async fn counter_state(state: &AppState, operator: &Scoped) -> (CounterState, Vec<places::Place>) {
    let organizations = organizations_of(state, operator).await;
    let ids: Vec<String> = organizations.iter().map(|(id, _)| id.clone()).collect();
    let known = places::of_organizations(&state.db, &ids).await.unwrap_or_default();
    let context = CounterState {
        organizations,
        places: known.iter().map(|p| (p.id.clone(), format!("{} · {}", p.name, p.organization_name))).collect(),
        ..CounterState::default()
    };
    (context, known)
}

async fn page(state: &AppState, headers: &HeaderMap, mut context: CounterState, status: StatusCode) -> Response {
    settle_organization(&mut context);
    no_store(render(state, "/counter/scan", headers, context, status).await)
}

/// GET /counter/scan
pub async fn form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match operator(&state, &headers).await {
        Ok(op) => {
            let (context, _) = counter_state(&state, &op).await;
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
    let (mut context, known) = counter_state(&state, &op).await;
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
            "place" => context.place = field.text().await.unwrap_or_default(),
            "direction" => context.direction = Direction::parse(&field.text().await.unwrap_or_default()),
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
    // at a place with entry control, the place decides the organization, and the purpose is entry
    let place = known.iter().find(|p| p.id == context.place);
    if place.is_none() {
        context.place.clear();
    }
    let direction = context.direction.unwrap_or(Direction::In);
    if let Some(place) = place {
        context.organization = place.organization.clone();
        context.purpose = Some(Purpose::Entry);
        context.direction = Some(direction);
    }
    let organization = context.organization.clone();
    let purpose = context.purpose.unwrap_or(Purpose::Identity);
    let passage = place.map(|p| (p.id.as_str(), direction));
    let via = Via { counter: Some(Counter { operator: op.account_id(), organization: &organization, purpose, passage }) };
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
                passage: place.filter(|_| v.valid).map(|p| (p.name.clone(), direction)),
            });
            context.purpose = Some(purpose);
            // the next citizen's code goes into an empty box: the last one's token never lingers on the counter
            context.typed.clear();
            page(&state, &headers, context, StatusCode::OK).await
        }
        Err(e) => {
            tracing::error!(error = %e, "a counter verification failed");
            page(&state, &headers, context, StatusCode::SERVICE_UNAVAILABLE).await
        }
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct PlaceForm {
    name: String,
    organization: String,
}

/// POST /counter/places: registers a place with entry control for one of the operator's organizations.
pub async fn add_place(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<PlaceForm>,
) -> Response {
    let op = match operator(&state, &headers).await {
        Ok(op) => op,
        Err(response) => return response,
    };
    let result = places::create(&state.db, &op, &form.organization, &form.name, now()).await;
    let (mut context, _) = counter_state(&state, &op).await;
    context.organization = form.organization;
    let (notice, status) = match result {
        Ok(_) => (PlaceNotice::Added, StatusCode::OK),
        Err(AccessError::NameTaken) => (PlaceNotice::NameTaken, StatusCode::CONFLICT),
        Err(AccessError::NotAllowed) => return StatusCode::FORBIDDEN.into_response(),
        Err(AccessError::Db(e)) => {
            tracing::error!(error = %e, "registering a place failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
        Err(_) => (PlaceNotice::NameInvalid, StatusCode::UNPROCESSABLE_ENTITY),
    };
    if notice != PlaceNotice::Added {
        context.place_typed = form.name;
    }
    context.place_notice = Some(notice);
    page(&state, &headers, context, status).await
}
