//! Who is calling, as axum extractors: the same proof for a handler (`citizen: Citizen` in its arguments), a page
//! and a server function ([`caller`]). A refusal says what the caller should do (sign in, ...), never why in detail.
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use leptos::prelude::use_context;

use super::{AppState, Refusal};
use crate::identity::session::{self, Stage};

/// The value of cookie `name` in a request's headers.
pub fn cookie_of(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers.get_all(axum::http::header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(
        |c| {
            let (n, value) = c.trim().split_once('=')?;
            (n == name).then(|| value.to_owned())
        },
    )
}

/// The application state of this request (pages and server functions).
pub fn state() -> Result<AppState, Refusal> {
    use_context::<AppState>().ok_or_else(|| Refusal::unavailable("finding the application state", "not provided"))
}

/// Runs extractor `T` on this request (pages and server functions), keeping its refusal as it is.
pub async fn caller<T>(state: &AppState) -> Result<T, Refusal>
where
    T: FromRequestParts<AppState, Rejection = Refusal>,
{
    let mut parts = use_context::<Parts>().ok_or_else(|| Refusal::unavailable("reading the request", "no parts"))?;
    T::from_request_parts(&mut parts, state).await
}

/// A signed-in person: a live session past every sign-in step. What every personal page and form starts from.
#[derive(Clone, Debug)]
pub struct Citizen {
    pub account_id: String,
    pub session_id: String,
    /// This session passed the authenticator-app step (or enrolled the app).
    pub second_factor: bool,
}

impl FromRequestParts<AppState> for Citizen {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Refusal> {
        let token = crate::identity::web::session_token(&parts.headers).ok_or(Refusal::SignIn)?;
        match session::resolve(&state.db, &token, crate::identity::web::now()).await {
            Ok(Some(active)) if active.stage == Stage::Active => Ok(Citizen {
                account_id: active.account_id,
                session_id: active.id,
                second_factor: active.second_factor,
            }),
            Ok(_) => Err(Refusal::SignIn),
            Err(e) => Err(Refusal::unavailable("reading a session", e)),
        }
    }
}

/// Where the request comes from, for per-client limits and the sessions list: the peer, or the address a trusted
/// reverse proxy reported for it (see `identity::web::client_address`).
#[derive(Clone, Debug)]
pub struct Client(pub String);

impl FromRequestParts<AppState> for Client {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Refusal> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0)
            .ok_or_else(|| Refusal::unavailable("finding the client's address", "no peer address"))?;
        Ok(Client(crate::identity::web::client_of(state, peer, &parts.headers)))
    }
}
