//! The counter (/counter/scan): a service operator checks a citizen's QR code by taking a photo (the phone's
//! camera opens straight from the file field), uploading a screenshot, or pasting the code's text. One form, two
//! buttons: the pasted code goes to its server function (`pages::check_code`), the photo to [`check_photo`] (a
//! multipart upload, plain axum). Both work before and without any script, and both send the browser back to the
//! page with the verdict in the flash. Every check is recorded with the operator, the organization and the
//! purpose, for the citizen to see.
use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::pages::CounterError;
use super::scan::{self, ScanError};
use super::service::{self, Counter, Via};
use super::{CounterOutcome, CounterPageData, CounterProblem, Direction, PlaceNotice, Purpose, places};
use crate::access::Role;
use crate::access::guard::{Principal, Scoped};
use crate::access::service::AccessError;
use crate::identity::web::{now, see_other};
use crate::web::{AppState, FormFailure, Refusal, flash};

/// The largest photo accepted (phone cameras make 3–6 MB JPEGs).
pub const MAX_UPLOAD: usize = 12 * 1024 * 1024;

/// The counter's page, where every form sends the browser back to.
pub const BACK: &str = "/counter/scan";
/// The flash of the counter page: what its last form answered.
pub const FLASH: &str = "counter";

/// The caller as a counter operator: staff with the service-operator role for at least one organization.
fn operator_of(principal: &Principal) -> Result<Scoped, Refusal> {
    Ok(principal.scoped(Role::ServiceOperator)?)
}

/// The caller of this page or server function as a counter operator.
pub async fn operator(state: &AppState) -> Result<Scoped, Refusal> {
    let principal: Principal = crate::web::caller::caller(state).await?;
    operator_of(&principal)
}

fn unavailable(e: impl std::fmt::Display) -> Refusal {
    Refusal::unavailable("reading the counter's organizations and places", e)
}

/// The relying parties this operator works for, (id, name), and those organizations' places.
async fn directory(
    state: &AppState,
    operator: &Scoped,
) -> Result<(Vec<(String, String)>, Vec<places::Place>), Refusal> {
    let all = crate::access::service::organizations(&state.db).await.map_err(unavailable)?;
    let organizations: Vec<(String, String)> =
        all.into_iter().filter(|o| operator.covers(&o.id)).map(|o| (o.id, o.name)).collect();
    let ids: Vec<String> = organizations.iter().map(|(id, _)| id.clone()).collect();
    let known = places::of_organizations(&state.db, &ids).await.map_err(unavailable)?;
    Ok((organizations, known))
}

/// The chosen organization must be one the operator works for; otherwise (or when none was chosen) their first.
fn settle_organization(chosen: &mut String, organizations: &[(String, String)]) {
    if !organizations.iter().any(|(id, _)| id.as_str() == chosen.as_str()) {
        *chosen = organizations.first().map(|(id, _)| id.clone()).unwrap_or_default();
    }
}

/// The page's data for this operator: their organizations and places, with what the last form answered (`kept`).
pub async fn page(
    state: &AppState,
    operator: &Scoped,
    kept: Option<CounterPageData>,
) -> Result<CounterPageData, Refusal> {
    let (organizations, known) = directory(state, operator).await?;
    let mut page = CounterPageData {
        organizations,
        places: known.iter().map(|p| (p.id.clone(), format!("{} · {}", p.name, p.organization_name))).collect(),
        ..kept.unwrap_or_default()
    };
    settle_organization(&mut page.organization, &page.organizations);
    Ok(page)
}

/// The check form's fields as sent (the photo apart).
#[derive(Clone, Debug, Default)]
pub struct CheckInput {
    pub token: String,
    pub organization: String,
    pub purpose: String,
    pub place: String,
    pub direction: String,
}

impl CheckInput {
    /// The pasted text as the page keeps it (trimmed, at most 4096 characters).
    fn typed(&self) -> String {
        self.token.trim().chars().take(4096).collect()
    }

    /// The code to check from the text box; `photo_chosen`: the file field named a photo that was not sent.
    pub fn typed_code(&self, photo_chosen: bool) -> Result<String, CounterProblem> {
        match self.typed() {
            typed if !typed.is_empty() => Ok(typed),
            _ if photo_chosen => Err(CounterProblem::PhotoNotSent),
            _ => Err(CounterProblem::Nothing),
        }
    }

    /// What the page shows next, before the check: the choices and the text as sent.
    fn page(&self) -> CounterPageData {
        CounterPageData {
            organization: self.organization.clone(),
            purpose: Purpose::parse(&self.purpose),
            place: self.place.clone(),
            direction: Direction::parse(&self.direction),
            typed: self.typed(),
            ..CounterPageData::default()
        }
    }
}

/// Checks `read` (the code's text, or why there is none) for the caller of this server function, and returns
/// what the page shows next with the answer.
pub async fn check_as_caller(
    state: &AppState,
    input: &CheckInput,
    read: Result<String, CounterProblem>,
) -> (Result<CounterOutcome, CounterError>, CounterPageData) {
    let mut page = input.page();
    let result = match operator(state).await {
        Ok(operator) => check(state, &operator, read, &mut page).await,
        Err(refusal) => {
            page.failed = true;
            Err(refusal.into())
        }
    };
    (result, page)
}

/// Checks `read` for the operator and records the check; fills in what the page shows next: the choices as they
/// were used and the verdict (the text box emptied: the last token never lingers on the counter), or why there
/// is none.
async fn check(
    state: &AppState,
    operator: &Scoped,
    read: Result<String, CounterProblem>,
    page: &mut CounterPageData,
) -> Result<CounterOutcome, CounterError> {
    let result = verify(state, operator, read, page).await;
    match &result {
        Ok(outcome) => {
            page.outcome = Some(outcome.clone());
            page.typed.clear();
        }
        Err(CounterError::Problem(problem)) => page.problem = Some(*problem),
        Err(_) => page.failed = true,
    }
    result
}

async fn verify(
    state: &AppState,
    operator: &Scoped,
    read: Result<String, CounterProblem>,
    page: &mut CounterPageData,
) -> Result<CounterOutcome, CounterError> {
    let (organizations, known) = directory(state, operator).await?;
    settle_organization(&mut page.organization, &organizations);
    let text = read.map_err(CounterError::Problem)?;
    // at a place with entry control, the place decides the organization, and the purpose is entry
    let place = known.iter().find(|p| p.id == page.place);
    if place.is_none() {
        page.place.clear();
    }
    let direction = page.direction.unwrap_or(Direction::In);
    if let Some(place) = place {
        page.organization = place.organization.clone();
        page.purpose = Some(Purpose::Entry);
        page.direction = Some(direction);
    }
    let purpose = page.purpose.unwrap_or(Purpose::Identity);
    page.purpose = Some(purpose);
    let passage = place.map(|p| (p.id.as_str(), direction));
    let counter = Counter { operator: operator.account_id(), organization: &page.organization, purpose, passage };
    let v = service::verify_online(&state.db, &state.qr_keys, &text, Via { counter: Some(counter) }, now())
        .await
        .map_err(|e| Refusal::unavailable("a counter verification", e))?;
    Ok(CounterOutcome {
        valid: v.valid,
        reason: v.reason,
        level: v.level,
        preset: v.preset,
        claims: v.claims,
        card: v.card,
        passage: place.filter(|_| v.valid).map(|p| (p.name.clone(), direction)),
    })
}

/// A browser posting the form natively (it asks for HTML), not a script.
fn native(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
}

/// The answer to a photo check. A browser posting natively: a refusal of the caller sends it where the page would
/// (sign in, forbidden); anything else goes back to the counter (303) with the outcome in the flash. A script:
/// the verdict as JSON, or the failure with its status.
async fn answer(
    state: &AppState,
    headers: &HeaderMap,
    result: Result<CounterOutcome, CounterError>,
    page: CounterPageData,
) -> Response {
    if !native(headers) {
        return match result {
            Ok(outcome) => Json(outcome).into_response(),
            Err(CounterError::Refused(refusal)) => refusal.into_response(),
            Err(e) => {
                (StatusCode::from_u16(e.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY), Json(e)).into_response()
            }
        };
    }
    if let Some(refused) = result.as_ref().err().and_then(|e| e.refusal()).and_then(|r| r.page()) {
        return see_other(refused);
    }
    let mut response = see_other(BACK);
    if let Some(cookie) = flash::keep_for_response(state, FLASH, &page).await {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// POST /counter/scan/photo (multipart: `photo` and the check form's other fields): the server reads the QR code
/// in the picture and checks it like a pasted one (the text box, when no photo was chosen). Back to the counter
/// (303) with the verdict, or why there is none, in the flash.
pub async fn check_photo(State(state): State<AppState>, headers: HeaderMap, mut multipart: Multipart) -> Response {
    // the caller first: a refused one's upload is not read
    let operator = match Principal::of_request(&state, &headers).await {
        Ok(principal) => operator_of(&principal),
        Err(denied) => Err(denied.into()),
    };
    let operator = match operator {
        Ok(operator) => operator,
        Err(refusal) => {
            let page = CounterPageData { failed: true, ..CounterPageData::default() };
            return answer(&state, &headers, Err(refusal.into()), page).await;
        }
    };
    let mut input = CheckInput::default();
    let mut photo: Vec<u8> = Vec::new();
    let mut too_big = false;
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "photo" {
            match field.bytes().await {
                Ok(bytes) => photo = bytes.to_vec(),
                Err(_) => too_big = true,
            }
            continue;
        }
        let value = field.text().await.unwrap_or_default();
        match name.as_str() {
            "token" => input.token = value,
            "organization" => input.organization = value,
            "purpose" => input.purpose = value,
            "place" => input.place = value,
            "direction" => input.direction = value,
            _ => {}
        }
    }
    let read = if too_big {
        Err(CounterProblem::NotAPicture)
    } else if !photo.is_empty() {
        scan::read_qr(&photo).map_err(|e| match e {
            ScanError::NoCode => CounterProblem::NoCode,
            ScanError::NotAnImage | ScanError::TooLarge => CounterProblem::NotAPicture,
        })
    } else {
        input.typed_code(false)
    };
    let mut page = input.page();
    let result = check(&state, &operator, read, &mut page).await;
    answer(&state, &headers, result, page).await
}

/// Registers a place with entry control for one of the operator's organizations; fills in what the page shows
/// next (the notice, the name as typed when it was refused, and that organization chosen for the next check).
pub async fn register_place(
    state: &AppState,
    operator: &Scoped,
    organization: &str,
    name: &str,
    page: &mut CounterPageData,
) -> Result<(), CounterError> {
    page.organization = organization.to_owned();
    let result = match places::create(&state.db, operator, organization, name, now()).await {
        Ok(_) => Ok(()),
        Err(AccessError::NameTaken) => Err(CounterError::PlaceNameTaken),
        Err(AccessError::NotAllowed) => Err(Refusal::Forbidden.into()),
        Err(AccessError::Db(e)) => Err(Refusal::unavailable("registering a place", e).into()),
        Err(_) => Err(CounterError::PlaceNameInvalid),
    };
    page.place_notice = match &result {
        Ok(()) => Some(PlaceNotice::Added),
        Err(CounterError::PlaceNameTaken) => Some(PlaceNotice::NameTaken),
        Err(CounterError::PlaceNameInvalid) => Some(PlaceNotice::NameInvalid),
        Err(_) => {
            page.failed = true;
            None
        }
    };
    if page.place_notice != Some(PlaceNotice::Added) {
        page.place_typed = name.chars().take(200).collect();
    }
    result
}
