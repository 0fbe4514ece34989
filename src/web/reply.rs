//! How a page or a server function shapes its answer: the status, a redirect, no caching, and the one rule for
//! forms: a browser posting natively (no JavaScript) is sent back to the page with the outcome in the flash; a
//! script gets the result itself with a fitting status. All of it is a no-op in the browser.
#[cfg(feature = "ssr")]
use axum::http::{HeaderValue, StatusCode, header};
#[cfg(feature = "ssr")]
use leptos::prelude::use_context;
#[cfg(feature = "ssr")]
use leptos_axum::ResponseOptions;

/// The status of the page or server-function answer being made.
pub fn set_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(options), Ok(status)) = (use_context::<ResponseOptions>(), StatusCode::from_u16(code)) {
        options.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

/// A page sends the browser to `location` (a local path) instead: 303.
pub fn redirect_page(location: &str) {
    #[cfg(feature = "ssr")]
    if let (Some(options), Ok(value)) = (use_context::<ResponseOptions>(), HeaderValue::from_str(location)) {
        options.set_status(StatusCode::SEE_OTHER);
        options.insert_header(header::LOCATION, value);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = location;
}

/// A server function sends the caller on to `location` (a local path): a browser posting natively gets a 303; a
/// script gets its answer with the location in the server-function redirect header (its client follows it).
#[cfg(feature = "ssr")]
pub fn see_other(location: &str) {
    if native_form_post() {
        redirect_page(location);
    } else if let (Some(options), Ok(value)) = (use_context::<ResponseOptions>(), HeaderValue::from_str(location)) {
        options.insert_header(header::LOCATION, value);
        options.insert_header(
            axum::http::HeaderName::from_static(leptos::server_fn::redirect::REDIRECT_HEADER),
            HeaderValue::from_static(""),
        );
    }
}

/// Our cookies' `Set-Cookie` line: whole site, not readable by scripts, sent on same-site navigations, `Secure`
/// when the public URL is https. An empty value with max age 0 clears the cookie.
#[cfg(feature = "ssr")]
pub fn cookie_line(state: &super::AppState, name: &str, value: &str, max_age: i64) -> String {
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

/// Adds a `Set-Cookie` (a whole cookie line) to the answer being made.
#[cfg(feature = "ssr")]
pub fn append_cookie(cookie: &str) {
    if let (Some(options), Ok(value)) = (use_context::<ResponseOptions>(), HeaderValue::from_str(cookie)) {
        options.append_header(header::SET_COOKIE, value);
    }
}

/// Personal pages are never stored by the browser or a proxy.
pub fn no_store() {
    #[cfg(feature = "ssr")]
    if let Some(options) = use_context::<ResponseOptions>() {
        options.insert_header(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// This page shows what its last form answered (at the counter: whose code was checked): the service worker,
/// which keeps some pages for use without network (`pwa/sw.js`), does not keep this answer; its copy stays the
/// page without it.
pub fn not_kept_offline() {
    #[cfg(feature = "ssr")]
    if let Some(options) = use_context::<ResponseOptions>() {
        options.insert_header(axum::http::HeaderName::from_static("x-keep-offline"), HeaderValue::from_static("no"));
    }
}

/// A browser posting a form natively (it asks for HTML), not a script calling a server function (JSON).
#[cfg(feature = "ssr")]
pub fn native_form_post() -> bool {
    use_context::<axum::http::request::Parts>().is_some_and(|parts| {
        parts.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
    })
}

/// Ends a form's server function. Without JavaScript: a refusal of the caller sends them where the page would
/// (sign in, forbidden); any other outcome, success included, is kept in the flash under `form` and the browser is
/// sent back to `back` (post, redirect, get: a reload never posts again). With JavaScript: a failure gets its status.
#[cfg(feature = "ssr")]
pub async fn finish_form<T, E, F>(state: &super::AppState, back: &str, form: &str, result: &Result<T, E>, flash: F)
where
    E: super::FormFailure,
    F: serde::Serialize,
{
    if native_form_post() {
        let refused = result.as_ref().err().and_then(|e| e.refusal()).and_then(|r| r.page());
        match refused {
            Some(page) => see_other(page),
            None => {
                super::flash::keep(state, form, &flash).await;
                see_other(back);
            }
        }
    } else if let Err(e) = result {
        set_status(e.status());
    }
}
