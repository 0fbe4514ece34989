//! How every page, handler and server function that may act for someone turns `for` into a checked [`Subject`].
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::service::{self, Access, Subject};
use crate::access::guard::Denied;
use crate::identity::web::{current_session, now, see_other};
use crate::web::AppState;

/// `?for=<id>` (or a form's hidden `for` field): whom the request acts for; absent means oneself.
#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct ForQuery {
    #[serde(rename = "for")]
    pub for_id: String,
}

impl ForQuery {
    pub fn get(&self) -> Option<&str> {
        (!self.for_id.is_empty()).then_some(self.for_id.as_str())
    }
}

/// The subject of this request: the signed-in person, or the person they act for when a live edge allows `need`.
/// The answer otherwise: the sign-in page, or 403 (the same whether the id exists or not).
pub async fn subject_of(state: &AppState, headers: &HeaderMap, for_id: Option<&str>, need: Access) -> Result<Subject, Response> {
    let Some(active) = current_session(state, headers).await else { return Err(see_other("/signin")) };
    match service::subject(&state.db, &active.account_id, for_id, need, now()).await {
        Ok(Some(subject)) => Ok(subject),
        Ok(None) => Err(Denied::Forbidden.response(state, headers).await),
        Err(e) => {
            tracing::error!(error = %e, "checking whom a request acts for failed");
            Err(StatusCode::SERVICE_UNAVAILABLE.into_response())
        }
    }
}

/// Whom a page or server function acts for: the caller, or the person `for_id` names when a live edge allows
/// `need`. Refused as forbidden otherwise, the same whether the id exists or not.
pub async fn subject_for(
    state: &AppState,
    citizen: &crate::web::caller::Citizen,
    for_id: &str,
    need: Access,
) -> Result<Subject, crate::web::Refusal> {
    let for_id = (!for_id.is_empty()).then_some(for_id);
    match service::subject(&state.db, &citizen.account_id, for_id, need, now()).await {
        Ok(Some(subject)) => Ok(subject),
        Ok(None) => Err(crate::web::Refusal::Forbidden),
        Err(e) => Err(crate::web::Refusal::unavailable("checking whom a request acts for", e)),
    }
}
