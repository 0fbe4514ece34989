//! Server functions and the public JSON endpoint for administrative units. Public data: no sign-in needed.
use leptos::prelude::*;

use super::AdminUnit;
#[cfg(feature = "ssr")]
use super::UnitsVersion;

/// Units of one version whose name matches `q` (without diacritics is fine); all of them when `q` is empty.
#[server(endpoint = "units/search")]
pub async fn search_units(q: String, version: Option<String>) -> Result<Vec<AdminUnit>, ServerFnError> {
    let state = use_context::<crate::web::AppState>().ok_or_else(|| ServerFnError::new("no state"))?;
    let version = version.as_deref().and_then(UnitsVersion::parse).unwrap_or(UnitsVersion::CURRENT);
    let q: String = q.chars().take(100).collect();
    Ok(state.units.search(&q, version))
}

/// `GET /api/v1/units?q=hai%20chau&version=2025-07`: the same search for other systems, as JSON.
#[cfg(feature = "ssr")]
pub async fn http_list(
    axum::extract::State(state): axum::extract::State<crate::web::AppState>,
    axum::extract::Query(params): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let version = match params.get("version").map(String::as_str) {
        None | Some("") => UnitsVersion::CURRENT,
        Some(v) => match UnitsVersion::parse(v) {
            Some(v) => v,
            None => {
                let body = serde_json::json!({"error": "unknown version", "versions": ["2025-01", "2025-07"]});
                return (axum::http::StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
            }
        },
    };
    let q: String = params.get("q").map(|q| q.chars().take(100).collect()).unwrap_or_default();
    let units = state.units.search(&q, version);
    axum::Json(serde_json::json!({ "version": version, "count": units.len(), "units": units })).into_response()
}

/// The units slice's route outside the app: the public JSON search.
#[cfg(feature = "ssr")]
pub fn routes() -> axum::Router<crate::web::AppState> {
    axum::Router::new().route("/api/v1/units", axum::routing::get(http_list))
}
