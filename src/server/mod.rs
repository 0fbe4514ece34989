//! The HTTP server: shared state, the router with its layers (request ids, logs, compression, cache and
//! security headers), health, the no-JavaScript language switch, and graceful shutdown.
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::app::{App, shell};
pub use crate::web::{AppState, SiteInfo};
use crate::web::Refusal;
use crate::db::{self, Db};
use crate::i18n::Locale;
use crate::pwa::{self, ServiceWorker};
use crate::identity::sms::SmsGateway;
use crate::secret::SecretKey;
use crate::units::service::UnitDirectory;

/// A state for a router without a deployment around it (the HTTP tests and `bench-qr`): development mode, the
/// SMS outbox, no registry, assets from `public/`.
#[doc(hidden)]
pub async fn standalone_state(
    db: Arc<Db>,
    secret: SecretKey,
    qr_keys: crate::qr::keys::KeyRing,
) -> Result<AppState, String> {
    let units = UnitDirectory::load(&db).await.unwrap_or_default();
    let leptos_options = LeptosOptions::builder().output_name("congdanso").site_root("public").build();
    let service_worker = ServiceWorker::for_build(&leptos_options)?;
    let blob_dir = std::env::temp_dir().join(format!("congdanso-blobs-{}", crate::family::service::new_key().map_err(|e| e.to_string())?));
    Ok(AppState {
        leptos_options,
        db: db.clone(),
        units,
        site: SiteInfo { dev: true },
        service_worker: Arc::new(service_worker),
        secure_cookies: false,
        secret: Arc::new(secret),
        sms: SmsGateway::DevOutbox(db.clone()),
        mail: Some(crate::identity::mail::MailSender::DevOutbox(db)),
        registry: None,
        trusted_proxies: Default::default(),
        qr_keys: Arc::new(qr_keys),
        blobs: crate::vault::store::BlobStore::filesystem(&blob_dir)?,
        vault: Default::default(),
        deletion_grace_days: 30,
        move_wait_minutes: 24 * 60,
        public_url: "http://localhost:3000".to_owned(),
    })
}

/// The app's routes, listed once per process.
///
/// Listing them runs the app with resource loading suppressed through a process-wide flag, and a resource whose
/// future is first polled meanwhile waits forever (leptos-rs/leptos#4773). A second router built while another
/// one serves (the HTTP tests build one per test, side by side) would leave that request hanging.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The complete application router with its layers, ready to serve (also what the HTTP tests call).
pub fn router(state: AppState) -> Router {
    let routes = route_list();
    let for_routes = state.clone();
    let for_fallback = state.clone();
    let for_refusals = state.clone();
    let options = state.leptos_options.clone();
    // Each slice names its own routes outside the app (uploads, downloads, the public JSON API).
    let slices = [
        crate::identity::web::routes(&state),
        crate::qr::web::routes(),
        crate::vault::web::routes(&state),
        crate::privacy::web::routes(),
        crate::orgs::web::routes(),
        crate::stats::web::routes(),
        crate::units::api::routes(),
    ];
    slices
        .into_iter()
        .fold(Router::new(), |router, slice| router.merge(slice))
        .route("/healthz", get(healthz))
        .route("/sw.js", get(pwa::service_worker))
        .route("/lang/{code}", get(switch_language))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_request_context(&for_routes),
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            move || provide_request_context(&for_fallback),
            shell,
        ))
        .with_state(state)
        .layer(middleware::from_fn_with_state(for_refusals, forbidden_page))
        .layer(middleware::from_fn(same_origin_writes))
        .layer(middleware::from_fn(server_fn_client_errors))
        .layer(middleware::from_fn(cache_headers))
        .layer(CompressionLayer::new().br(true).gzip(true).quality(CompressionLevel::Precise(5)))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(CatchPanicLayer::custom(|_| {
            (StatusCode::INTERNAL_SERVER_ERROR, "Đã có lỗi xảy ra / Something went wrong").into_response()
        }))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<Body>| {
                    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                    // The path only: query strings may one day carry something personal.
                    tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path())
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(SetRequestIdLayer::x_request_id(RequestIds::new()))
}

/// Context every server-rendered page and server function gets.
pub(crate) fn provide_request_context(state: &AppState) {
    provide_context(state.clone());
    provide_context(state.site);
}

/// A plain handler's refusal of a signed-in person (`Refusal::Forbidden` as its response, which marks it) becomes,
/// for a browser, the app's own 403 page in the person's language: the `/forbidden` route, rendered for this
/// request's language cookie and Accept-Language. A script keeps the short answer; pages and server functions
/// answer for themselves.
async fn forbidden_page(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let wants_page =
        req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
    if !wants_page {
        return next.run(req).await;
    }
    let mut page = Request::builder().uri("/forbidden");
    for name in [header::COOKIE, header::ACCEPT_LANGUAGE] {
        for value in req.headers().get_all(&name) {
            page = page.header(name.clone(), value);
        }
    }
    let response = next.run(req).await;
    if response.extensions().get::<Refusal>() != Some(&Refusal::Forbidden) {
        return response;
    }
    let Ok(page) = page.body(Body::empty()) else { return response };
    let options = state.leptos_options.clone();
    let render = leptos_axum::render_app_to_stream_with_context(
        move || provide_request_context(&state),
        move || shell(options.clone()),
    );
    let mut rendered = render(page).await.into_response();
    *rendered.status_mut() = StatusCode::FORBIDDEN;
    rendered
}

/// Request ids: a random per-process prefix and a counter, e.g. `3f9a0c1d-0000002a`.
#[derive(Clone)]
struct RequestIds {
    prefix: u32,
    next: Arc<AtomicU64>,
}

impl RequestIds {
    fn new() -> Self {
        let mut bytes = [0u8; 4];
        let _ = getrandom::fill(&mut bytes);
        RequestIds { prefix: u32::from_le_bytes(bytes), next: Arc::new(AtomicU64::new(1)) }
    }
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{:08x}-{n:08x}", self.prefix)).ok().map(RequestId::new)
    }
}

/// `GET /healthz`: 200 `{"status":"ok","database":"ok"}`, or 503 naming the failing part.
async fn healthz(State(state): State<AppState>) -> Response {
    let database = match tokio::time::timeout(Duration::from_secs(3), db::ping(&state.db)).await {
        Ok(Ok(())) => "ok",
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check: the database failed");
            "error"
        }
        Err(_) => {
            tracing::warn!("health check: the database did not answer within 3 s");
            "timeout"
        }
    };
    let (status, overall) = if database == "ok" {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    };
    (status, [(header::CACHE_CONTROL, "no-store")], axum::Json(serde_json::json!({"status": overall, "database": database})))
        .into_response()
}

#[derive(serde::Deserialize)]
struct LanguageQuery {
    next: Option<String>,
}

/// `GET /lang/{vi|en}?next=/path`: keeps the choice in the cookie leptos_i18n reads, then goes back.
/// Works with JavaScript off; `next` must be a local path (no open redirect).
async fn switch_language(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(query): Query<LanguageQuery>,
) -> Response {
    let Ok(locale) = code.parse::<Locale>() else {
        return (StatusCode::BAD_REQUEST, "Unknown language / Ngôn ngữ không hợp lệ").into_response();
    };
    let next = query.next.filter(|n| is_local_path(n)).unwrap_or_else(|| "/".to_owned());
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let cookie = format!("i18n_pref_locale={locale}; Path=/; Max-Age=31536000; SameSite=Lax{secure}");
    let mut response = (StatusCode::SEE_OTHER, [(header::CACHE_CONTROL, "no-store")]).into_response();
    if let (Ok(location), Ok(cookie)) = (HeaderValue::from_str(&next), HeaderValue::from_str(&cookie)) {
        response.headers_mut().insert(header::LOCATION, location);
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// A path on this site: starts with one `/`, no scheme-relative `//` or backslash tricks, no control characters.
pub fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(char::is_control)
        && path.len() <= 2048
}

/// Long-lived caching for content-hashed build files, none for pages (they are personal and per build).
async fn cache_headers(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let mut response = next.run(req).await;
    if !path.starts_with("/lang/") {
        keep_language_cookie_single_writer(response.headers_mut());
    }
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let policy = if is_html {
        response
            .headers_mut()
            .insert(header::VARY, HeaderValue::from_static("Cookie, Accept-Language, Accept-Encoding"));
        "private, no-cache"
    } else if path.starts_with("/pkg/") && response.status().is_success() {
        "public, max-age=31536000, immutable"
    } else if path.starts_with("/icons/") || path == "/manifest.webmanifest" {
        "public, max-age=86400"
    } else if path.starts_with("/api/") {
        "no-store"
    } else {
        return response;
    };
    if !response.headers().contains_key(header::CACHE_CONTROL) {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}

/// leptos_i18n re-sends the language cookie it read on every page, with its own attributes (no `Path=/`, so
/// one cookie per directory would pile up). `/lang/{code}` is the one place that writes it.
fn keep_language_cookie_single_writer(headers: &mut axum::http::HeaderMap) {
    let cookies: Vec<HeaderValue> = headers.get_all(header::SET_COOKIE).iter().cloned().collect();
    if cookies.iter().any(|c| c.as_bytes().starts_with(b"i18n_pref_locale=")) {
        headers.remove(header::SET_COOKIE);
        for cookie in cookies.into_iter().filter(|c| !c.as_bytes().starts_with(b"i18n_pref_locale=")) {
            headers.append(header::SET_COOKIE, cookie);
        }
    }
}

/// Cross-site request forgery: a state-changing request must come from our own pages. Browsers say where a
/// request comes from (`Sec-Fetch-Site`, `Origin`); session cookies are also `SameSite=Lax`.
async fn same_origin_writes(req: Request, next: Next) -> Response {
    let method = req.method();
    if method == axum::http::Method::GET || method == axum::http::Method::HEAD || method == axum::http::Method::OPTIONS {
        return next.run(req).await;
    }
    let headers = req.headers();
    let cross_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v != "same-origin" && v != "none");
    let foreign_origin = match (headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()), headers.get(header::HOST)) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => {
            let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or(origin);
            host.to_str().map(|h| h != origin_host).unwrap_or(true)
        }
        _ => false,
    };
    if cross_site || foreign_origin {
        return (StatusCode::FORBIDDEN, "Yêu cầu bị từ chối / Request refused (cross-site)").into_response();
    }
    next.run(req).await
}

/// Server functions answer every failure with 500; a request whose arguments are missing or malformed is the
/// caller's fault, so it becomes a 400 (a 500 must always mean a fault of ours).
async fn server_fn_client_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR || !response.headers().contains_key("serverfnerror") {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    if [&b"Args|"[..], b"MissingArg|", b"Deserialization|"].iter().any(|p| bytes.starts_with(p)) {
        parts.status = StatusCode::BAD_REQUEST;
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Resolves on SIGTERM or Ctrl-C; axum then stops accepting and lets running requests finish.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing the requests in progress");
}

#[cfg(test)]
mod tests;
