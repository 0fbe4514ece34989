//! The flash: what a form's server function answered, kept for the page a browser without JavaScript is sent back
//! to (its input as typed, its problems, or "saved"). Server-side and short-lived: the cookie holds only a random
//! token; the record is keyed by the token's hash and sealed to the token, so neither the database nor the URL
//! ever holds what was typed in the clear. Read once: the page that shows it deletes it.
use axum::http::HeaderValue;
use leptos::prelude::use_context;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::AppState;
use crate::identity::session::hash_token;

pub const COOKIE: &str = "cds_flash";
/// Long enough for a slow phone to follow the redirect; short enough that a shared phone does not keep it.
pub const LIFETIME_SECONDS: i64 = 300;
const PURPOSE: &str = "flash";

/// Keeps `value` as the outcome of `form` for the next page this browser loads. Best effort: if it cannot be kept,
/// the page simply shows itself afresh (logged).
pub async fn keep(state: &AppState, form: &str, value: &impl Serialize) {
    if let Err(e) = try_keep(state, form, value).await {
        tracing::error!(error = %e, form, "keeping a form's outcome for the next page failed");
    }
}

/// Keeps `value` as the outcome of `form`, for a plain handler that makes its response itself (a multipart
/// upload): returns the `Set-Cookie` value to add to that response. None when it could not be kept (logged): the
/// page then simply shows itself afresh.
pub async fn keep_for_response(state: &AppState, form: &str, value: &impl Serialize) -> Option<HeaderValue> {
    match store(state, form, value).await {
        Ok(token) => HeaderValue::from_str(&cookie(state, &token, LIFETIME_SECONDS)).ok(),
        Err(e) => {
            tracing::error!(error = %e, form, "keeping a form's outcome for the next page failed");
            None
        }
    }
}

async fn try_keep(state: &AppState, form: &str, value: &impl Serialize) -> Result<(), String> {
    let token = store(state, form, value).await?;
    set_cookie(state, &token, LIFETIME_SECONDS);
    Ok(())
}

/// Stores the sealed record and returns the token its cookie carries.
async fn store(state: &AppState, form: &str, value: &impl Serialize) -> Result<String, String> {
    let token = crate::identity::session::new_token().map_err(|e| e.to_string())?;
    let plain = serde_json::to_vec(value).map_err(|e| e.to_string())?;
    let sealed = state.secret.seal(PURPOSE, &token, &plain)?;
    let now = crate::identity::web::now();
    state
        .db
        .query(
            "DELETE flash WHERE expires_at < $now;
             CREATE type::record('flash', $id) SET form = $form, sealed = $sealed, expires_at = $expires;",
        )
        .bind(("now", now))
        .bind(("id", hash_token(&token)))
        .bind(("form", form.to_owned()))
        .bind(("sealed", sealed))
        .bind(("expires", now + LIFETIME_SECONDS))
        .await
        .and_then(|r| r.check())
        .map_err(|e| e.to_string())?;
    Ok(token)
}

/// The outcome kept for `form` by this browser, once: it is deleted as it is read. None when there is none, it
/// expired, it belongs to another form (it stays for that one), or it does not open.
pub async fn take<T: DeserializeOwned>(state: &AppState, form: &str) -> Option<T> {
    let token = cookie_token()?;
    let id = hash_token(&token);
    let now = crate::identity::web::now();
    let deleted = state
        .db
        .query("DELETE type::record('flash', $id) WHERE form = $form RETURN BEFORE")
        .bind(("id", id))
        .bind(("form", form.to_owned()))
        .await
        .and_then(|mut r| r.take::<Vec<serde_json::Value>>(0));
    let row = match deleted {
        Ok(rows) => rows.into_iter().next()?,
        Err(e) => {
            tracing::error!(error = %e, "reading a form's kept outcome failed");
            return None;
        }
    };
    set_cookie(state, "", 0);
    if row["expires_at"].as_i64().is_none_or(|at| at < now) {
        return None;
    }
    let plain = state.secret.open(PURPOSE, &token, row["sealed"].as_str()?)?;
    serde_json::from_slice(&plain).ok()
}

fn cookie_token() -> Option<String> {
    let parts = use_context::<axum::http::request::Parts>()?;
    super::caller::cookie_of(&parts.headers, COOKIE)
        .filter(|value| value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn cookie(state: &AppState, token: &str, max_age: i64) -> String {
    super::reply::cookie_line(state, COOKIE, token, max_age)
}

fn set_cookie(state: &AppState, token: &str, max_age: i64) {
    super::reply::append_cookie(&cookie(state, token, max_age));
}
