//! HTTP for "my data" outside the app: the export, a file download.
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{SeenWhat, service};
use crate::family::service::Access;
use crate::family::web::{ForQuery, subject_of};
use crate::identity::domain::Date;
use crate::identity::web::{no_store, now};
use crate::web::AppState;

fn unavailable(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "reading or changing personal data rights failed");
    StatusCode::SERVICE_UNAVAILABLE.into_response()
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

/// The privacy slice's route outside the app: the personal data export (a ZIP download).
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/me/export.zip", axum::routing::get(export))
}
