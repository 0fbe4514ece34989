//! HTTP for the profile page: read (recorded when someone else reads), save (checked, with history).
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{PField, ProfileInput, ProfileNotice, ProfileState, domain, service};
use crate::family::service::{Access, Subject};
use crate::family::web::{ForQuery, subject_of};
use crate::identity::domain::Date;
use crate::identity::web::{no_store, now, render};
use crate::privacy::SeenWhat;
use crate::server::AppState;
use crate::units::UnitsVersion;

fn units(state: &AppState) -> Vec<(String, String)> {
    state.units.search("", UnitsVersion::V2025_07).into_iter().map(|u| (u.code, u.name)).collect()
}

fn unavailable(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "the profile could not be read or saved");
    StatusCode::SERVICE_UNAVAILABLE.into_response()
}

async fn profile_page(
    state: &AppState,
    headers: &HeaderMap,
    subject: &Subject,
    input: Option<ProfileInput>,
    problems: Vec<(PField, super::PProblem)>,
    notice: Option<ProfileNotice>,
    status: StatusCode,
) -> Response {
    let stored = match service::load(&state.db, subject.id()).await {
        Ok(Some(stored)) => stored,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return unavailable(e),
    };
    let history = match service::history(&state.db, subject.id(), 50).await {
        Ok(history) => history,
        Err(e) => return unavailable(e),
    };
    if let Err(e) = crate::privacy::service::record(&state.db, subject, SeenWhat::Profile, "", now()).await {
        return unavailable(e);
    }
    let (citizen_id_masked, phone) = service::shown_ids(&stored);
    let acting = subject.acting();
    let (missing, percent) = domain::completeness(&stored.values);
    let page = ProfileState {
        missing,
        percent,
        read_only: acting.as_ref().is_some_and(|a| a.read_only),
        acting,
        verified: stored.level >= 2,
        citizen_id_masked,
        phone,
        input: input.unwrap_or(stored.values),
        problems,
        notice,
        units: units(state),
        history,
    };
    no_store(render(state, "/me/profile", headers, page, status).await)
}

/// GET /me/profile?for=…
pub async fn page(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<ForQuery>) -> Response {
    match subject_of(&state, &headers, query.get(), Access::ReadProfile).await {
        Ok(subject) => profile_page(&state, &headers, &subject, None, vec![], None, StatusCode::OK).await,
        Err(response) => response,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ProfileForm {
    #[serde(flatten)]
    for_query: ForQuery,
    #[serde(flatten)]
    input: ProfileInput,
}

/// POST /me/profile: every field checked; with a problem, the page comes back with everything as typed.
pub async fn save(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<ProfileForm>) -> Response {
    let subject = match subject_of(&state, &headers, form.for_query.get(), Access::ManageProfile).await {
        Ok(subject) => subject,
        Err(response) => return response,
    };
    let now = now();
    let stored = match service::load(&state.db, subject.id()).await {
        Ok(Some(stored)) => stored,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return unavailable(e),
    };
    let verified = stored.level >= 2;
    let today = Date::from_unix_vietnam(now);
    let is_unit = |code: &str| state.units.get(code, UnitsVersion::V2025_07).is_some();
    let mut clean = match domain::validate(&form.input, verified, stored.citizen_id.as_deref(), today, is_unit) {
        Ok(clean) => clean,
        Err(problems) => {
            let mut typed = form.input;
            if verified {
                for field in PField::IDENTITY {
                    typed.set(field, stored.values.get(field).to_owned());
                }
            }
            return profile_page(&state, &headers, &subject, Some(typed), problems, None, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    if verified {
        for field in PField::IDENTITY {
            clean.set(field, stored.values.get(field).to_owned());
        }
    }
    match service::save(&state.db, &subject, &stored.values, &clean, !verified, now).await {
        Ok(changed) => {
            if changed > 0 && !subject.is_self() {
                crate::access::service::audit(&state.db, Some(subject.actor()), "profile_changed_for", Some(subject.id()), "", now)
                    .await
                    .ok();
            }
            let notice = Some(ProfileNotice::Saved { changed });
            profile_page(&state, &headers, &subject, None, vec![], notice, StatusCode::OK).await
        }
        Err(e) => {
            tracing::error!(error = %e, "saving a profile failed");
            let notice = Some(ProfileNotice::Failed);
            profile_page(&state, &headers, &subject, Some(form.input), vec![], notice, StatusCode::SERVICE_UNAVAILABLE).await
        }
    }
}
