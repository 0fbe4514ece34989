//! HTTP for "my data": the who-saw timeline, the export, and deletion with its grace period.
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{PrivacyNotice, PrivacyState, SeenWhat, service};
use crate::family::service::{Access, Subject};
use crate::family::web::{ForQuery, subject_of};
use crate::identity::domain::Date;
use crate::identity::web::{current_session, no_store, now, render, see_other};
use crate::server::AppState;

fn unavailable(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "reading or changing personal data rights failed");
    StatusCode::SERVICE_UNAVAILABLE.into_response()
}

async fn privacy_page(state: &AppState, headers: &HeaderMap, subject: &Subject, notice: Option<PrivacyNotice>) -> Response {
    let lines = match service::timeline(&state.db, subject.id(), 200).await {
        Ok(lines) => lines.into_iter().map(|(_, line)| line).collect(),
        Err(e) => return unavailable(e),
    };
    let deletion_due = if subject.is_self() {
        match service::deletion_due(&state.db, subject.id()).await {
            Ok(due) => due.map(|d| Date::from_unix_vietnam(d).dmy()),
            Err(e) => return unavailable(e),
        }
    } else {
        None
    };
    let page = PrivacyState {
        acting: subject.acting(),
        lines,
        deletion_due,
        grace_days: state.deletion_grace_days,
        notice,
    };
    no_store(render(state, "/me/privacy", headers, page, StatusCode::OK).await)
}

/// GET /me/privacy?for=…: who saw the data (the person's own page; a guardian sees a child's).
pub async fn page(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<ForQuery>) -> Response {
    match subject_of(&state, &headers, query.get(), Access::Read).await {
        Ok(subject) => privacy_page(&state, &headers, &subject, None).await,
        Err(response) => response,
    }
}

/// GET /me/export.zip?for=…: everything, as a zip (the person, or whoever manages their data).
pub async fn export(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<ForQuery>) -> Response {
    let subject = match subject_of(&state, &headers, query.get(), Access::Manage).await {
        Ok(subject) => subject,
        Err(response) => return response,
    };
    let now = now();
    if let Err(e) = service::record(&state.db, &subject, SeenWhat::Export, "", now).await {
        return unavailable(e);
    }
    match service::export(&state.db, &state.blobs, &state.secret, subject.id()).await {
        Ok(zip) => {
            crate::access::service::audit(&state.db, Some(subject.actor()), "data_exported", Some(subject.id()), "", now)
                .await
                .ok();
            let name = format!("cong-dan-so-{}.zip", Date::from_unix_vietnam(now).iso());
            let mut response = zip.into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
            if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
                response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
            }
            no_store(response)
        }
        Err(e) => unavailable(e),
    }
}

/// POST /me/privacy/delete: deletion after the grace period (the person themselves only).
pub async fn request_deletion(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(active) = current_session(&state, &headers).await else { return see_other("/signin") };
    let now = now();
    if let Err(e) = service::request_deletion(&state.db, &active.account_id, state.deletion_grace_days, now).await {
        return unavailable(e);
    }
    crate::access::service::audit(&state.db, Some(&active.account_id), "deletion_requested", Some(&active.account_id), "", now)
        .await
        .ok();
    privacy_page(&state, &headers, &Subject::own(&active.account_id), Some(PrivacyNotice::DeletionRequested)).await
}

/// POST /me/privacy/cancel: keeps the account after all.
pub async fn cancel_deletion(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(active) = current_session(&state, &headers).await else { return see_other("/signin") };
    if let Err(e) = service::cancel_deletion(&state.db, &active.account_id).await {
        return unavailable(e);
    }
    crate::access::service::audit(&state.db, Some(&active.account_id), "deletion_cancelled", Some(&active.account_id), "", now())
        .await
        .ok();
    privacy_page(&state, &headers, &Subject::own(&active.account_id), Some(PrivacyNotice::DeletionCancelled)).await
}
