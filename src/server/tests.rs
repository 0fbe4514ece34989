//! HTTP tests against the real router on an in-memory database (no browser: see end2end/ for that).
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use surrealdb::Surreal;
use tower::ServiceExt;

use super::*;
use crate::units::service::seed;

async fn state_with(db: Db) -> AppState {
    let secret = SecretKey::generate().expect("key");
    // the keys live in memory once loaded; a database of their own keeps this working with a broken `db`
    let key_db = db::connect_memory().await.expect("key db");
    let qr_keys = crate::qr::keys::KeyRing::load(&key_db, &secret, 1_795_400_000).await.expect("qr keys");
    standalone_state(Arc::new(db), secret, qr_keys).await.expect("state")
}

async fn app() -> Router {
    let db = db::connect_memory().await.expect("db");
    seed(&db).await.expect("seed");
    router(state_with(db).await)
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

/// A request that does not finish within this is a failure naming it, not a test run that never ends.
const PATIENCE: std::time::Duration = std::time::Duration::from_secs(60);

async fn send(app: &Router, request: Request<Body>) -> Reply {
    let what = format!("{} {}", request.method(), request.uri());
    let response = tokio::time::timeout(PATIENCE, app.clone().oneshot(request))
        .await
        .unwrap_or_else(|_| panic!("{what}: no response in {PATIENCE:?}"))
        .expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = tokio::time::timeout(PATIENCE, response.into_body().collect())
        .await
        .unwrap_or_else(|_| panic!("{what}: {status}, the body did not end in {PATIENCE:?}"))
        .expect("body")
        .to_bytes();
    Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

async fn get(app: &Router, uri: &str) -> Reply {
    send(app, Request::get(uri).body(Body::empty()).expect("request")).await
}

async fn get_with(app: &Router, uri: &str, name: &str, value: &str) -> Reply {
    send(app, Request::get(uri).header(name, value).body(Body::empty()).expect("request")).await
}


/// A new organization (a relying party when `relying_party`); its id.
async fn organization(db: &Db, name: &str, folded: &str, relying_party: bool) -> String {
    let mut res = db
        .query("CREATE ONLY organization CONTENT { name: $name, name_folded: $folded, relying_party: $rp, created_at: 0 } RETURN VALUE meta::id(id)")
        .bind(("name", name.to_owned()))
        .bind(("folded", folded.to_owned()))
        .bind(("rp", relying_party))
        .await
        .expect("org");
    res.take::<Option<String>>(0).expect("id").expect("id")
}

#[tokio::test]
async fn healthz_reports_a_working_database() {
    let app = app().await;
    let reply = get(&app, "/healthz").await;
    assert_eq!(reply.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    assert_eq!(json, serde_json::json!({"status": "ok", "database": "ok"}));
}

#[tokio::test]
async fn healthz_is_503_naming_the_database_when_it_is_unreachable() {
    // A handle that was never connected: every query fails, as with a database server that is gone.
    let app = router(state_with(Surreal::init()).await);
    let reply = get(&app, "/healthz").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    let json: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    assert_eq!(json["database"], "error");
    assert_eq!(json["status"], "unavailable");
}

#[tokio::test]
async fn home_page_is_server_rendered_in_vietnamese_by_default() {
    let app = app().await;
    let reply = get(&app, "/").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains("lang=\"vi\""), "{}", &reply.body[..300.min(reply.body.len())]);
    assert!(reply.body.contains("Một tài khoản cho mọi việc"));
    assert!(reply.body.contains("<title>Công Dân Số</title>"));
    assert!(!reply.body.contains(".wasm") && !reply.body.contains("modulepreload"), "a page without islands loads no WASM");
    assert_eq!(reply.headers[header::CACHE_CONTROL], "private, no-cache");
    assert!(reply.headers.contains_key("x-request-id"));
    assert_eq!(reply.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
}

#[tokio::test]
async fn accept_language_is_the_first_guess_and_the_cookie_wins() {
    let app = app().await;
    let english = get_with(&app, "/", "accept-language", "en-US,en;q=0.9").await;
    assert!(english.body.contains("lang=\"en\""));
    assert!(english.body.contains("One account for everything"));
    let send_cookie = Request::get("/")
        .header("accept-language", "en-US,en;q=0.9")
        .header("cookie", "i18n_pref_locale=vi")
        .body(Body::empty())
        .expect("request");
    let chosen = send(&app, send_cookie).await;
    assert!(chosen.body.contains("Một tài khoản cho mọi việc"));
    // pages never rewrite the language cookie: only /lang/{code} does
    assert!(chosen.headers.get(header::SET_COOKIE).is_none(), "{:?}", chosen.headers);
}

#[tokio::test]
async fn language_switch_sets_the_cookie_and_returns_to_the_page() {
    let app = app().await;
    let reply = get(&app, "/lang/en?next=/units%3Fq%3Dhai").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.headers[header::LOCATION], "/units?q=hai");
    let cookie = reply.headers[header::SET_COOKIE].to_str().expect("ascii");
    assert!(cookie.starts_with("i18n_pref_locale=en; Path=/;"), "{cookie}");
    assert!(!cookie.contains("Secure"));
}

#[tokio::test]
async fn language_switch_never_redirects_off_site() {
    let app = app().await;
    for next in ["//evil.example", "https://evil.example", "/\\evil.example", ""] {
        let reply = get(&app, &format!("/lang/vi?next={}", crate::web::encode_query_value(next))).await;
        assert_eq!(reply.headers[header::LOCATION], "/", "next={next}");
    }
    let reply = get(&app, "/lang/fr").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn unknown_routes_get_the_404_page() {
    let app = app().await;
    let reply = get(&app, "/khong-co-trang-nay").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.body.contains("Không tìm thấy trang"));
    let reply = get(&app, "/pkg/missing.wasm").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_page_renders() {
    let app = app().await;
    for path in ["/", "/citizen", "/team", "/ward", "/city", "/counter", "/units", "/units?q=hai+chau", "/offline", "/offline/qr"] {
        let reply = get(&app, path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert!(reply.body.contains("</html>"), "{path}");
    }
}

#[tokio::test]
async fn units_page_searches_without_diacritics_before_any_javascript() {
    let app = app().await;
    let reply = get(&app, "/units?q=hai+chau").await;
    assert!(reply.body.contains("Phường Hải Châu"));
    assert!(!reply.body.contains("Phường Hòa Cường"));
    let reply = get(&app, "/units?v=2025-01&q=thach+thang").await;
    assert!(reply.body.contains("Phường Thạch Thang"));
    assert!(reply.body.contains("Quận Hải Châu"));
}

#[tokio::test]
async fn units_api_returns_json_and_refuses_bad_input() {
    let app = app().await;
    let reply = get(&app, "/api/v1/units?q=hai%20chau").await;
    assert_eq!(reply.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    assert_eq!(json["version"], "2025-07");
    assert_eq!(json["units"][0]["code"], "20242");
    assert_eq!(json["units"][0]["name"], "Phường Hải Châu");
    let all = get(&app, "/api/v1/units").await;
    let json: serde_json::Value = serde_json::from_str(&all.body).expect("json");
    assert_eq!(json["count"], 94);
    assert_eq!(get(&app, "/api/v1/units?version=1999").await.status, StatusCode::BAD_REQUEST);
    // invalid percent-encoded UTF-8 in the query is decoded lossily: never a 500
    let odd = get(&app, "/api/v1/units?q=%ff%fe").await;
    assert_eq!(odd.status, StatusCode::OK);
    // the wrong method: a 4xx
    let wrong = send(&app, Request::delete("/api/v1/units").body(Body::empty()).expect("request")).await;
    assert_eq!(wrong.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn server_functions_answer_malformed_arguments_with_400() {
    let app = app().await;
    let ok = send(
        &app,
        Request::post("/api/units/search")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("q=hai+chau"))
            .expect("request"),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(ok.body.contains("Phường Hải Châu"));
    let bad = send(
        &app,
        Request::post("/api/units/search")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("nonsense=%%%"))
            .expect("request"),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
}

#[tokio::test]
async fn manifest_and_service_worker_make_the_app_installable() {
    let app = app().await;
    let manifest = get(&app, "/manifest.webmanifest").await;
    assert_eq!(manifest.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&manifest.body).expect("manifest json");
    assert_eq!(json["short_name"], "Công Dân Số");
    assert_eq!(json["display"], "standalone");
    let purposes: Vec<&str> = json["icons"].as_array().expect("icons").iter().filter_map(|i| i["purpose"].as_str()).collect();
    assert!(purposes.contains(&"maskable"));
    let sw = get(&app, "/sw.js").await;
    assert_eq!(sw.status, StatusCode::OK);
    assert_eq!(sw.headers[header::CACHE_CONTROL], "no-cache");
    assert!(sw.body.contains("\"/offline\"") && sw.body.contains("\"/offline/qr\""), "offline pages are precached");
    assert!(!sw.body.contains("__BUILD__") && !sw.body.contains("__PRECACHE__") && !sw.body.contains("__BROWSER_CODE__"));
}

#[tokio::test]
async fn text_responses_are_compressed_for_browsers_that_accept_it() {
    let app = app().await;
    let reply = get_with(&app, "/", "accept-encoding", "br").await;
    assert_eq!(reply.headers[header::CONTENT_ENCODING], "br");
    let reply = get_with(&app, "/", "accept-encoding", "gzip").await;
    assert_eq!(reply.headers[header::CONTENT_ENCODING], "gzip");
}

#[test]
fn only_local_paths_are_accepted_as_return_addresses() {
    assert!(is_local_path("/"));
    assert!(is_local_path("/units?q=hai"));
    assert!(!is_local_path("//evil.example"));
    assert!(!is_local_path("https://evil.example"));
    assert!(!is_local_path("/\\evil.example"));
    assert!(!is_local_path("/a\nb"));
}

#[tokio::test]
async fn cross_site_form_posts_are_refused() {
    let app = app().await;
    let forged = Request::post("/signout")
        .header("origin", "https://evil.example")
        .header("host", "127.0.0.1:3000")
        .body(Body::empty())
        .expect("request");
    assert_eq!(send(&app, forged).await.status, StatusCode::FORBIDDEN);
    let fetched = Request::post("/signout").header("sec-fetch-site", "cross-site").body(Body::empty()).expect("request");
    assert_eq!(send(&app, fetched).await.status, StatusCode::FORBIDDEN);
    let own = Request::post("/signout")
        .header(header::ACCEPT, "text/html")
        .header("origin", "http://127.0.0.1:3000")
        .header("host", "127.0.0.1:3000")
        .header("sec-fetch-site", "same-origin")
        .body(Body::empty())
        .expect("request");
    assert_eq!(send(&app, own).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn account_pages_need_a_session() {
    let app = app().await;
    for path in ["/me", "/me/sessions"] {
        let reply = get(&app, path).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(reply.headers[header::LOCATION], "/signin");
    }
    let forged = get_with(&app, "/me", "cookie", &format!("cds_session={}", "ab".repeat(32))).await;
    assert_eq!(forged.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_outbox_exists_only_in_development_mode() {
    let db = db::connect_memory().await.expect("db");
    let mut state = state_with(db).await;
    state.site = SiteInfo { dev: false };
    let production = router(state);
    assert_eq!(get(&production, "/dev/outbox.json").await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&production, "/dev/outbox").await.status, StatusCode::NOT_FOUND);
    let dev = app().await;
    let reply = get(&dev, "/dev/outbox.json").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "[]");
    let page = get(&dev, "/dev/outbox").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Hộp thư SMS thử nghiệm") && page.body.contains("Chưa có tin nhắn nào."), "{}", page.body);
    assert_eq!(get(&production, "/api/dev/outbox").await.status, StatusCode::NOT_FOUND, "nor its data");
}

#[tokio::test]
async fn sign_up_form_errors_come_back_with_what_was_typed() {
    let app = app().await;
    let typed = "phone=0236382211&full_name=T%C3%BAy%E1%BA%BFt&birth_date=31%2F02%2F1990&sex=&citizen_id=123";
    // a browser without JavaScript is sent back to the form, which shows each problem next to what was typed
    let refused = post_form_natively(&app, "/signup", "", typed).await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER, "{}", refused.body);
    assert_eq!(refused.headers[header::LOCATION], "/signup");
    let flash = set_cookie_of(&refused, crate::web::flash::COOKIE).expect("the form is kept for the page");
    let page = get_with(&app, "/signup", "cookie", &flash).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Đây không phải số di động Việt Nam"));
    assert!(page.body.contains("value=\"0236382211\""));
    assert!(page.body.contains("value=\"31/02/1990\""));
    // shown once
    let again = get_with(&app, "/signup", "cookie", &flash).await;
    assert!(!again.body.contains("Đây không phải số di động Việt Nam"));
    // a script gets the problems as JSON, with 422
    let script = send(
        &app,
        Request::post("/signup")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(typed))
            .expect("request"),
    )
    .await;
    assert_eq!(script.status, StatusCode::UNPROCESSABLE_ENTITY);
    let answer: serde_json::Value = serde_json::from_str(&script.body).expect("json");
    assert!(answer["Invalid"]["problems"].as_array().is_some_and(|p| !p.is_empty()), "{}", script.body);
}

async fn post_json(app: &Router, uri: &str, body: &str) -> Reply {
    let request = Request::post(uri).header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_owned()));
    send(app, request.expect("request")).await
}

#[tokio::test]
async fn qr_verification_answers_malformed_bodies_with_400_and_bad_tokens_with_a_reason() {
    let app = app().await;
    for body in ["", "not json", "[]", r#"{"tok": "x"}"#, r#"{"token": 5}"#, r#"{"token": "x", "extra": 1}"#] {
        let reply = post_json(&app, "/api/v1/qr/verify", body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        let json: serde_json::Value = serde_json::from_str(&reply.body).expect("json error");
        assert!(json["error"].as_str().is_some_and(|e| e.contains("token")), "{}", reply.body);
    }
    let too_long = format!(r#"{{"token": "{}"}}"#, "A".repeat(5000));
    assert_eq!(post_json(&app, "/api/v1/qr/verify", &too_long).await.status, StatusCode::BAD_REQUEST);
    for (token, reason) in [("junk", "malformed"), ("CDS1:", "malformed"), ("CDS1:0000000000000000000000", "malformed")] {
        let reply = post_json(&app, "/api/v1/qr/verify", &format!(r#"{{"token": "{token}"}}"#)).await;
        assert_eq!(reply.status, StatusCode::OK);
        let json: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
        assert_eq!(json, serde_json::json!({"valid": false, "reason": reason}), "{token}");
    }
}

#[tokio::test]
async fn qr_keys_and_the_openapi_document_are_published() {
    let app = app().await;
    let keys = get(&app, "/api/v1/qr/keys").await;
    assert_eq!(keys.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&keys.body).expect("json");
    let list = json["keys"].as_array().expect("keys");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["alg"], "Ed25519");
    assert_eq!(list[0]["kid"].as_str().map(str::len), Some(8));
    assert_eq!(list[0]["public_key"].as_str().map(str::len), Some(43), "32 bytes in base64url");
    let doc = get(&app, "/api/v1/openapi.json").await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(doc.headers[header::CONTENT_TYPE], "application/json");
    let spec: serde_json::Value = serde_json::from_str(&doc.body).expect("valid JSON");
    assert!(spec["paths"]["/api/v1/qr/verify"]["post"].is_object());
    assert!(spec["paths"]["/api/v1/qr/keys"]["get"].is_object());
}

// ---- profile, family, vault, "who saw my data": every endpoint checks whose data it is ----

async fn person(db: &Db, phone: &str, cid: &str, name: &str) -> (String, String) {
    let id = crate::family::service::tests::adult(db, phone, cid, name).await;
    let session = crate::identity::session::create(
        db,
        &id,
        crate::identity::session::SessionPolicy::CITIZEN,
        "test",
        "127.0.0.1",
        crate::identity::web::now(),
    )
    .await
    .expect("session");
    (id, format!("cds_session={}", session.token))
}

async fn as_user(app: &Router, method: &str, uri: &str, cookie: &str, content_type: &str, body: Vec<u8>) -> Reply {
    let mut request = Request::builder().method(method).uri(uri).header("cookie", cookie);
    if !content_type.is_empty() {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    send(app, request.body(Body::from(body)).expect("request")).await
}

const BOUNDARY: &str = "cds-test-boundary";

fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    if let Some((file_name, bytes)) = file {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

#[tokio::test]
async fn guardians_reach_their_dependants_data_and_nobody_else_does() {
    let db = db::connect_memory().await.expect("db");
    seed(&db).await.expect("seed");
    let state = state_with(db).await;
    let app = router(state.clone());
    let (parent, parent_cookie) = person(&state.db, "+84912000001", "048180000001", "Trần Thị Mai").await;
    let (_, stranger_cookie) = person(&state.db, "+84912000002", "048180000002", "Lê Văn Lạ").await;
    let form = "application/x-www-form-urlencoded";
    let data = format!("multipart/form-data; boundary={BOUNDARY}");

    // the parent adds a child and uploads the child's birth certificate
    let added = as_user(&app, "POST", "/me/family/children", &parent_cookie, form,
        "full_name=Nguy%E1%BB%85n+B%C3%A9+Na&birth_date=01%2F06%2F2019&sex=female&citizen_id=&relation=parent".into()).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    assert_eq!(added.body, "\"ChildAdded\"");
    let family = as_user(&app, "GET", "/me/family", &parent_cookie, "", vec![]).await;
    assert!(family.body.contains("Nguyễn Bé Na"));
    let child = crate::family::service::dependants(&state.db, &parent, crate::identity::web::now()).await.expect("list")[0].id.clone();
    let pdf = b"%PDF-1.7 Giay khai sinh Nguyen Be Na".to_vec();
    let uploaded = as_user(&app, "POST", "/me/documents", &parent_cookie, &data,
        multipart(&[("for", &child), ("kind", "birth_certificate"), ("title", "Giấy khai sinh")], Some(("khai-sinh.pdf", &pdf)))).await;
    // back to the child's list (303), whose flash says it was stored
    let list_uri = format!("/me/documents?for={child}");
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
    assert_eq!(uploaded.headers[header::LOCATION], list_uri.as_str());
    let flash = set_cookie_of(&uploaded, crate::web::flash::COOKIE).expect("the notice is kept for the page");
    let list = as_user(&app, "GET", &list_uri, &format!("{parent_cookie}; {flash}"), "", vec![]).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("data-testid=\"acting-banner\""), "the banner says whom the page acts for");
    assert!(list.body.contains("Đã lưu giấy tờ."));
    // the upload form is still a plain multipart form posting where it always did (inside its island, which only
    // takes over where the WASM runs); no page script any more
    assert!(list.body.contains("<leptos-island"), "{}", list.body);
    assert!(list.body.contains("action=\"/me/documents\"") && list.body.contains("enctype=\"multipart/form-data\""));
    assert!(list.body.contains("name=\"file\"") && list.body.contains("name=\"photo\""));
    assert!(!list.body.contains("vault.js"));
    let today = crate::identity::domain::Date::from_unix_vietnam(crate::identity::web::now());
    let doc = crate::vault::service::list(&state.db, &child, false, today, 30).await.expect("docs")[0].id.clone();

    // disguised and oversize files are refused with the form kept, and leave nothing behind
    let blobs_before = state.blobs.files().len();
    let disguised = as_user(&app, "POST", "/me/documents", &parent_cookie, &data,
        multipart(&[("for", &child), ("kind", "diploma"), ("number", "B-123")], Some(("bang.pdf", b"<html><script>alert(1)</script>")))).await;
    assert_eq!(disguised.status, StatusCode::SEE_OTHER);
    assert_eq!(disguised.headers[header::LOCATION], list_uri.as_str(), "nothing typed in the URL");
    let flash = set_cookie_of(&disguised, crate::web::flash::COOKIE).expect("the form is kept for the page");
    let page = as_user(&app, "GET", &list_uri, &format!("{parent_cookie}; {flash}"), "", vec![]).await;
    assert!(page.body.contains("không phải PDF") && page.body.contains("B-123"));
    let huge = vec![b'%'; state.vault.max_bytes as usize + 1024];
    let oversize = as_user(&app, "POST", "/me/documents", &parent_cookie, &data,
        multipart(&[("for", &child), ("kind", "diploma"), ("number", "B-124")], Some(("scan.pdf", &huge)))).await;
    assert_eq!(oversize.status, StatusCode::SEE_OTHER, "{}", &oversize.body[..200.min(oversize.body.len())]);
    let flash = set_cookie_of(&oversize, crate::web::flash::COOKIE).expect("the form is kept for the page");
    let page = as_user(&app, "GET", &list_uri, &format!("{parent_cookie}; {flash}"), "", vec![]).await;
    assert!(page.body.contains("Tệp lớn hơn 10 MB") && page.body.contains("B-124"));
    assert_eq!(state.blobs.files().len(), blobs_before);
    for file in state.blobs.files() {
        let bytes = std::fs::read(file).expect("blob");
        assert!(!bytes.windows(12).any(|w| w == b"Nguyen Be Na"), "no plaintext on disk");
    }

    // the parent downloads it
    let file_uri = format!("/me/documents/{doc}/file?for={child}");
    let download = as_user(&app, "GET", &file_uri, &parent_cookie, "", vec![]).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.headers[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(download.body.as_bytes(), &pdf[..]);

    // a stranger gets nothing, whichever way they ask (guessed ids included)
    let refused = [
        ("GET", format!("/me/profile?for={child}"), "", String::new()),
        ("GET", format!("/me/documents?for={child}"), "", String::new()),
        ("GET", format!("/me/documents/{doc}?for={child}"), "", String::new()),
        ("GET", file_uri.clone(), "", String::new()),
        ("GET", format!("/me/documents/{doc}/file"), "", String::new()),
        ("GET", format!("/me/documents/{doc}"), "", String::new()),
        ("GET", format!("/me/privacy?for={child}"), "", String::new()),
        ("GET", format!("/me/export.zip?for={child}"), "", String::new()),
        ("GET", format!("/me/qr?for={child}"), "", String::new()),
        ("GET", format!("/me/qr.svg?for={child}"), "", String::new()),
        ("POST", "/me/profile".to_owned(), form, format!("for={child}&email=x%40example.vn")),
        ("POST", "/me/documents/delete".to_owned(), form, format!("id={doc}&for={child}")),
        ("POST", "/me/documents/delete".to_owned(), form, format!("id={doc}")),
        ("POST", "/me/documents/restore".to_owned(), form, format!("id={doc}&for={child}")),
    ];
    for (method, uri, content_type, body) in refused {
        let reply = as_user(&app, method, &uri, &stranger_cookie, content_type, body.into_bytes()).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{method} {uri}");
        assert!(!reply.body.contains("Nguyễn Bé Na") && !reply.body.contains("Giay khai sinh"), "{method} {uri}");
    }
    let versions = as_user(&app, "POST", &format!("/me/documents/{doc}/versions"), &stranger_cookie, &data,
        multipart(&[("for", &child)], Some(("x.pdf", b"%PDF-evil")))).await;
    assert_eq!(versions.status, StatusCode::FORBIDDEN);
    let versions = as_user(&app, "POST", &format!("/me/documents/{doc}/versions"), &stranger_cookie, &data,
        multipart(&[], Some(("x.pdf", b"%PDF-evil")))).await;
    assert_eq!(versions.status, StatusCode::FORBIDDEN, "not the stranger's own document either");

    // the child's "who saw my data" shows the parent's reads; the export round-trips
    let seen = as_user(&app, "GET", &format!("/me/privacy?for={child}"), &parent_cookie, "", vec![]).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(seen.body.contains("Trần Thị Mai") && seen.body.contains("đã mở giấy tờ") && seen.body.contains("Giấy khai sinh"));
    let export = app
        .clone()
        .oneshot(Request::get(format!("/me/export.zip?for={child}")).header("cookie", &parent_cookie).body(Body::empty()).expect("req"))
        .await
        .expect("response");
    assert_eq!(export.status(), StatusCode::OK);
    assert_eq!(export.headers()[header::CONTENT_TYPE], "application/zip");
    let zip_bytes = export.into_body().collect().await.expect("body").to_bytes();
    let entries = crate::formats::zip::read(&zip_bytes);
    let json: serde_json::Value = serde_json::from_slice(&entries[0].1).expect("json");
    assert_eq!(json["account"]["full_name"], "Nguyễn Bé Na");
    assert_eq!(json["documents"].as_array().expect("docs").len(), 1);
    assert!(json["who_saw_my_data"].as_array().expect("seen").iter().any(|r| r["who"] == "Trần Thị Mai"));
    assert_eq!(entries[1].1, pdf);
    assert!(entries[1].0.starts_with("giay-to/"));
}

#[tokio::test]
async fn a_delegate_reads_until_the_delegation_is_revoked_and_never_changes_with_a_view_delegation() {
    let db = db::connect_memory().await.expect("db");
    seed(&db).await.expect("seed");
    let state = state_with(db).await;
    let app = router(state.clone());
    let (elder, elder_cookie) = person(&state.db, "+84912000003", "048180000003", "Phạm Thị Bà").await;
    let (_, grandson_cookie) = person(&state.db, "+84912000004", "048180000004", "Phạm Văn Cháu").await;
    let form = "application/x-www-form-urlencoded";
    let given = as_user(&app, "POST", "/me/family/delegations", &elder_cookie, form, "phone=0912000004&scope=view&until=31%2F12%2F2030".into()).await;
    assert_eq!(given.status, StatusCode::OK, "{}", given.body);
    let profile = format!("/me/profile?for={elder}");
    let read = as_user(&app, "GET", &profile, &grandson_cookie, "", vec![]).await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(read.body.contains("Phạm Thị Bà"));
    let write = as_user(&app, "POST", "/me/profile", &grandson_cookie, form, format!("for={elder}&email=a%40b.vn").into_bytes()).await;
    assert_eq!(write.status, StatusCode::FORBIDDEN, "a view delegation changes nothing");
    let edge = crate::family::service::guardians(&state.db, &elder, crate::identity::web::now()).await.expect("g")[0].edge.clone();
    let revoked = as_user(&app, "POST", "/me/family/delegations/revoke", &elder_cookie, form, format!("edge={edge}").into_bytes()).await;
    assert_eq!(revoked.status, StatusCode::OK);
    let after = as_user(&app, "GET", &profile, &grandson_cookie, "", vec![]).await;
    assert_eq!(after.status, StatusCode::FORBIDDEN, "access ends the moment the delegation is revoked");
    // the elder sees the grandson's read
    let seen = as_user(&app, "GET", "/me/privacy", &elder_cookie, "", vec![]).await;
    assert!(seen.body.contains("Phạm Văn Cháu") && seen.body.contains("đã xem hồ sơ"));
}

#[tokio::test]
async fn a_document_goes_to_the_bin_and_back_and_each_page_says_so() {
    let db = db::connect_memory().await.expect("db");
    seed(&db).await.expect("seed");
    let state = state_with(db).await;
    let app = router(state.clone());
    let (me, session) = person(&state.db, "+84912000031", "048180000031", "Vũ Thị Giấy").await;
    let data = format!("multipart/form-data; boundary={BOUNDARY}");
    let uploaded = as_user(&app, "POST", "/me/documents", &session, &data,
        multipart(&[("kind", "diploma"), ("title", "Bằng tốt nghiệp")], Some(("bang.pdf", b"%PDF-1.7 bang")))).await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
    assert_eq!(uploaded.headers[header::LOCATION], "/me/documents");
    let today = crate::identity::domain::Date::from_unix_vietnam(crate::identity::web::now());
    let doc = crate::vault::service::list(&state.db, &me, false, today, 30).await.expect("docs")[0].id.clone();
    let doc_uri = format!("/me/documents/{doc}");

    // a new version that is not a PDF or a picture: back to the document, which names the problem
    let refused = as_user(&app, "POST", &format!("{doc_uri}/versions"), &session, &data, multipart(&[], Some(("v2.pdf", b"<html>")))).await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    assert_eq!(refused.headers[header::LOCATION], doc_uri.as_str());
    let flash = set_cookie_of(&refused, crate::web::flash::COOKIE).expect("flash");
    let page = as_user(&app, "GET", &doc_uri, &format!("{session}; {flash}"), "", vec![]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("không phải PDF"), "{}", page.body);
    assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");

    // without JavaScript: to the bin, and the list says so and offers it back
    let deleted = post_form_natively(&app, "/me/documents/delete", &session, &format!("id={doc}")).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.body);
    assert_eq!(deleted.headers[header::LOCATION], "/me/documents");
    let flash = set_cookie_of(&deleted, crate::web::flash::COOKIE).expect("flash");
    let list = as_user(&app, "GET", "/me/documents", &format!("{session}; {flash}"), "", vec![]).await;
    assert!(list.body.contains("Đã chuyển vào thùng rác."), "{}", list.body);
    assert!(list.body.contains("action=\"/me/documents/restore\""), "the bin offers the document back");
    assert_eq!(as_user(&app, "GET", &doc_uri, &session, "", vec![]).await.status, StatusCode::FORBIDDEN, "in the bin: not shown");

    // and back: on the document, which says so
    let restored = post_form_natively(&app, "/me/documents/restore", &session, &format!("id={doc}")).await;
    assert_eq!(restored.status, StatusCode::SEE_OTHER, "{}", restored.body);
    assert_eq!(restored.headers[header::LOCATION], doc_uri.as_str());
    let flash = set_cookie_of(&restored, crate::web::flash::COOKIE).expect("flash");
    let page = as_user(&app, "GET", &doc_uri, &format!("{session}; {flash}"), "", vec![]).await;
    assert!(page.body.contains("Đã khôi phục giấy tờ."), "{}", page.body);

    // a script is sent on to the list the same way; a document already in the bin is not deleted twice
    let form = "application/x-www-form-urlencoded";
    let script = as_user(&app, "POST", "/me/documents/delete", &session, form, format!("id={doc}").into_bytes()).await;
    assert_eq!(script.status, StatusCode::OK, "{}", script.body);
    assert_eq!(script.body, "\"Deleted\"");
    assert_eq!(script.headers[header::LOCATION], "/me/documents");
    let again = as_user(&app, "POST", "/me/documents/delete", &session, form, format!("id={doc}").into_bytes()).await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);
}

// ---- teams in the field and organizations: a member reaches their own team's work and ward only ----

/// A staff member with one role (their session passed the authenticator step).
async fn staff(db: &Db, phone: &str, cid: &str, name: &str, role: &str, scope: &str) -> (String, String) {
    let id = crate::family::service::tests::adult(db, phone, cid, name).await;
    let now = crate::identity::web::now();
    let session =
        crate::identity::session::create(db, &id, crate::identity::session::SessionPolicy::STAFF, "test", "127.0.0.1", now)
            .await
            .expect("session");
    crate::identity::session::mark_second_factor(db, &session.id, now).await.expect("second factor");
    db.query("CREATE role_grant CONTENT { account: type::record('account', $a), role: $role, scope: $scope, granted_at: 0 }")
        .bind(("a", id.clone()))
        .bind(("role", role.to_owned()))
        .bind(("scope", scope.to_owned()))
        .await
        .expect("grant")
        .check()
        .expect("grant");
    (id, format!("cds_session={}", session.token))
}

async fn new_team(db: &Db, name: &str, ward: &str) -> String {
    let mut res = db
        .query("CREATE ONLY team CONTENT { name: $name, ward: $ward, created_at: 0 } RETURN VALUE meta::id(id)")
        .bind(("name", name.to_owned()))
        .bind(("ward", ward.to_owned()))
        .await
        .expect("team");
    res.take::<Option<String>>(0).expect("id").expect("id")
}

async fn as_json(app: &Router, uri: &str, cookie: &str, body: &str) -> Reply {
    let request = Request::post(uri)
        .header("cookie", cookie)
        .header(header::ACCEPT, "application/json")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .expect("request");
    send(app, request).await
}

async fn last_code(db: &Db, e164: &str) -> String {
    let mut res = db
        .query("SELECT VALUE body FROM sms_outbox WHERE to = $to ORDER BY sent_at DESC LIMIT 1")
        .bind(("to", e164.to_owned()))
        .await
        .expect("outbox");
    let body = res.take::<Vec<String>>(0).expect("rows").into_iter().next().expect("a message");
    body.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).expect("a code").to_owned()
}

const RESIDENT: &str = "key=0f8e2b4c-1d3a-4e5f-9a8b-7c6d5e4f3a2b&full_name=Tr%E1%BA%A7n+Th%E1%BB%8B+Lan&citizen_id=048186000123\
    &birth_date=02%2F03%2F1986&sex=female&phone=0905123456&street=12+L%C3%AA+Du%E1%BA%A9n&consent=yes\
    &d1_name=Nguy%E1%BB%85n+B%C3%A9+Na&d1_birth=01%2F06%2F2019&d1_sex=female&d1_cid=&d1_relation=parent";

#[tokio::test]
async fn an_assisted_registration_is_made_once_and_stays_within_its_team_and_ward() {
    let db = db::connect_memory().await.expect("db");
    seed(&db).await.expect("seed");
    let state = state_with(db).await;
    let app = router(state.clone());
    let team_a = new_team(&state.db, "Tổ 1", "20194").await;
    let team_b = new_team(&state.db, "Tổ 9", "20200").await;
    let (_, a) = staff(&state.db, "+84905000001", "048090000001", "Lê Văn An", "team_member", &team_a).await;
    let (_, b) = staff(&state.db, "+84905000002", "048090000002", "Lê Văn Bình", "team_member", &team_b).await;
    let (_, officer_b) = staff(&state.db, "+84905000003", "048090000003", "Lê Văn Cường", "ward_officer", "20200").await;
    let (_, citizen) = person(&state.db, "+84905000004", "048090000004", "Lê Văn Dân").await;

    // sent, then sent again (a dropped answer): one registration, one account
    let first = as_json(&app, "/team/register", &a, RESIDENT).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let reply: serde_json::Value = serde_json::from_str(&first.body).expect("json");
    let id = reply["id"].as_str().expect("id").to_owned();
    let again = as_json(&app, "/team/register", &a, RESIDENT).await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(again.body.contains(&id) && again.body.contains("\"again\":true"));
    // another key for the same person: a conflict, never a second account
    let other_key = RESIDENT.replace("0f8e2b4c", "1f8e2b4c");
    let conflict = as_json(&app, "/team/register", &a, &other_key).await;
    assert_eq!(conflict.status, StatusCode::CONFLICT);
    assert!(conflict.body.contains("PhoneTaken"), "{}", conflict.body);
    let bad = as_json(&app, "/team/register", &a, &RESIDENT.replace("0905123456", "12345").replace("0f8e2b4c", "2f8e2b4c")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains(r#"["Resident","Phone","#), "{}", bad.body);
    // without JavaScript: back to the form, the problem next to its field and everything typed kept (once)
    let refused = post_form_natively(&app, "/team/register", &a, &RESIDENT.replace("0905123456", "12345").replace("0f8e2b4c", "3f8e2b4c")).await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER, "{}", refused.body);
    assert_eq!(refused.headers[header::LOCATION], "/team/register");
    let flash = set_cookie_of(&refused, crate::web::flash::COOKIE).expect("the form is kept for the page");
    let form_again = as_user(&app, "GET", "/team/register", &format!("{a}; {flash}"), "", vec![]).await;
    assert_eq!(form_again.status, StatusCode::UNPROCESSABLE_ENTITY, "never kept by the service worker");
    assert!(form_again.body.contains("value=\"12345\"") && form_again.body.contains("value=\"Trần Thị Lan\""), "{}", form_again.body);
    assert!(form_again.body.contains("value=\"Nguyễn Bé Na\"") && form_again.body.contains("field--error"));
    assert!(form_again.body.contains("3f8e2b4c-1d3a-4e5f-9a8b-7c6d5e4f3a2b"), "the same key: a second try is the same registration");
    let afresh = as_user(&app, "GET", "/team/register", &format!("{a}; {flash}"), "", vec![]).await;
    assert_eq!(afresh.status, StatusCode::OK);
    assert!(!afresh.body.contains("value=\"12345\""));

    // the member of ward B, its ward officer and a citizen reach none of it
    let form = "application/x-www-form-urlencoded";
    let confirm_uri = "/team/registrations/confirm";
    let code = last_code(&state.db, "+84905123456").await;
    for cookie in [&b, &officer_b, &citizen] {
        assert_eq!(as_user(&app, "GET", &format!("/team/registrations/{id}"), cookie, "", vec![]).await.status, StatusCode::FORBIDDEN);
        let tried = as_user(&app, "POST", confirm_uri, cookie, form, format!("id={id}&code={code}").into_bytes()).await;
        assert_eq!(tried.status, StatusCode::FORBIDDEN);
        let resent = as_user(&app, "POST", "/team/registrations/resend", cookie, form, format!("id={id}").into_bytes()).await;
        assert_eq!(resent.status, StatusCode::FORBIDDEN);
    }
    for cookie in [&officer_b, &citizen] {
        assert_eq!(as_json(&app, "/team/register", cookie, RESIDENT).await.status, StatusCode::FORBIDDEN);
    }
    let work_b = as_user(&app, "GET", "/team/work", &officer_b, "", vec![]).await;
    assert_eq!(work_b.status, StatusCode::OK);
    assert!(work_b.body.contains("Tổ 9") && !work_b.body.contains("Tổ 1<"), "{}", work_b.body);
    assert!(!work_b.body.contains("Trần Thị Lan"));
    assert_eq!(as_user(&app, "GET", "/team/work", &citizen, "", vec![]).await.status, StatusCode::FORBIDDEN);

    // the resident reads the code out to the member of ward A
    let confirmed = as_json(&app, confirm_uri, &a, &format!("id={id}&code={code}")).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    assert!(confirmed.body.contains("confirmed"));
    let work_a = as_user(&app, "GET", "/team/work", &a, "", vec![]).await;
    assert!(work_a.body.contains("Trần Thị Lan"));

    // help: a member of ward B cannot reach the resident of ward A; the member of ward A can, with the code
    let asked = as_user(&app, "POST", "/team/help", &b, form, b"phone=0905123456".to_vec()).await;
    assert_eq!(asked.status, StatusCode::NOT_FOUND);
    // (the registration's code went out just now: the resend wait is over a minute later)
    state.db.query("UPDATE otp SET created_at -= 120; UPDATE sms_outbox SET sent_at -= 120").await.expect("older codes").check().expect("older");
    let asked = as_user(&app, "POST", "/team/help", &a, form, b"phone=0905123456".to_vec()).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    let code = last_code(&state.db, "+84905123456").await;
    let resident = crate::identity::account::find_by_phone(&state.db, &crate::identity::domain::PhoneNumber::parse("0905123456").expect("p"))
        .await
        .expect("q")
        .expect("id");
    let wrong_ward = as_user(&app, "POST", "/team/help/confirm", &b, form, format!("phone=0905123456&code={code}").into_bytes()).await;
    assert_eq!(wrong_ward.status, StatusCode::NOT_FOUND);
    let opened = post_form_natively(&app, "/team/help/confirm", &a, &format!("phone=0905123456&code={code}")).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    assert_eq!(opened.headers[header::LOCATION], format!("/me/profile?for={resident}").as_str());
    let profile = as_user(&app, "GET", &format!("/me/profile?for={resident}"), &a, "", vec![]).await;
    assert_eq!(profile.status, StatusCode::OK);
    // a helper sees the profile and nothing else
    for path in ["/me/documents", "/me/qr", "/me/privacy", "/me/export.zip"] {
        let tried = as_user(&app, "GET", &format!("{path}?for={resident}"), &a, "", vec![]).await;
        assert_eq!(tried.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(as_user(&app, "GET", &format!("/me/profile?for={resident}"), &b, "", vec![]).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_enrolment_file_gives_a_result_per_row_and_a_malformed_file_imports_nothing() {
    let db = db::connect_memory().await.expect("db");
    seed(&db).await.expect("seed");
    let state = state_with(db).await;
    let app = router(state.clone());
    let org = organization(&state.db, "Cấp nước Đà Nẵng", "cap nuoc da nang", false).await;
    let (_, admin) = staff(&state.db, "+84905000011", "048090000011", "Lê Văn Quản", "org_admin", &org).await;
    let (_, other_admin) = staff(&state.db, "+84905000012", "048090000012", "Lê Văn Khác", "org_admin", "someotherorg").await;
    let data = format!("multipart/form-data; boundary={BOUNDARY}");

    let malformed = "Họ và tên,Số điện thoại\nTrần Thị Lan,0905123456\n";
    // a script gets the problem as JSON with 422; a browser without JavaScript is sent back to /org, which names it
    let refused = as_user(&app, "POST", "/org/enrolments", &admin, &data, multipart(&[], Some(("nv.csv", malformed.as_bytes())))).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("CitizenId"), "{}", refused.body);
    let native = Request::post("/org/enrolments")
        .header("cookie", &admin)
        .header(header::CONTENT_TYPE, &data)
        .header(header::ACCEPT, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
        .body(Body::from(multipart(&[], Some(("nv.csv", malformed.as_bytes())))))
        .expect("request");
    let refused = send(&app, native).await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    assert_eq!(refused.headers[header::LOCATION], "/org");
    let flash = set_cookie_of(&refused, crate::web::flash::COOKIE).expect("the problem is kept for the page");
    let org_page = as_user(&app, "GET", "/org", &format!("{admin}; {flash}"), "", vec![]).await;
    assert_eq!(org_page.status, StatusCode::OK);
    assert!(org_page.body.contains("Số định danh"), "{}", org_page.body);
    let mut res = state.db.query("RETURN count(SELECT id FROM enrolment); RETURN count(SELECT id FROM account WHERE status = 'pending')").await.expect("q");
    assert_eq!((res.take::<Option<i64>>(0).expect("n"), res.take::<Option<i64>>(1).expect("n")), (Some(0), Some(0)));

    let file = "Họ và tên;Số điện thoại;Số CCCD\nTrần Thị Lan;0905123456;048186000123\nLê Văn Sai;0905;048186000124\nTrần Thị Lan;0905123456;048186000123\n";
    let uploaded = as_user(&app, "POST", "/org/enrolments", &admin, &data, multipart(&[], Some(("nv.csv", file.as_bytes())))).await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER);
    let location = uploaded.headers[header::LOCATION].to_str().expect("location").to_owned();
    let mut page = as_user(&app, "GET", &location, &admin, "", vec![]).await;
    for _ in 0..100 {
        if page.body.contains("data-finished=\"true\"") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        page = as_user(&app, "GET", &location, &admin, "", vec![]).await;
    }
    assert!(page.body.contains("data-finished=\"true\""), "{}", page.body);
    // the file's old address (the page's plus .csv) sends the browser on to it
    let old_address = as_user(&app, "GET", &format!("{location}.csv"), &admin, "", vec![]).await;
    assert_eq!(old_address.status, StatusCode::SEE_OTHER);
    assert_eq!(old_address.headers[header::LOCATION], format!("{location}/results.csv").as_str());
    let csv = as_user(&app, "GET", &format!("{location}/results.csv"), &admin, "", vec![]).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers[header::CONTENT_TYPE].to_str().expect("type").starts_with("text/csv"));
    let lines: Vec<&str> = csv.body.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines, vec![
        "dong,so_dien_thoai,ho_va_ten,ket_qua,cot",
        "2,0905123456,Trần Thị Lan,created,",
        "3,0905,Lê Văn Sai,invalid,phone",
        "4,0905123456,Trần Thị Lan,already,line:2",
    ]);
    // the invitation went out; another organization's administrator sees nothing
    assert!(last_code_or_text(&state.db, "+84905123456").await.contains("nhan vien"));
    assert_eq!(as_user(&app, "GET", &location, &other_admin, "", vec![]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(as_user(&app, "GET", &format!("{location}/results.csv"), &other_admin, "", vec![]).await.status, StatusCode::FORBIDDEN);
}

async fn last_code_or_text(db: &Db, e164: &str) -> String {
    let mut res = db
        .query("SELECT VALUE body FROM sms_outbox WHERE to = $to ORDER BY sent_at DESC LIMIT 1")
        .bind(("to", e164.to_owned()))
        .await
        .expect("outbox");
    res.take::<Vec<String>>(0).expect("rows").into_iter().next().unwrap_or_default()
}

/// A form post as a browser without JavaScript sends it: it accepts HTML and follows redirects itself.
async fn post_form_natively(app: &Router, uri: &str, cookie: &str, body: &str) -> Reply {
    let request = Request::post(uri)
        .header("cookie", cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
        .body(Body::from(body.to_owned()))
        .expect("request");
    send(app, request).await
}

/// The `name=value` of a Set-Cookie in `reply` for `name`.
fn set_cookie_of(reply: &Reply, name: &str) -> Option<String> {
    reply.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|c| {
        let pair = c.split(';').next()?.trim();
        pair.starts_with(&format!("{name}=")).then(|| pair.to_owned())
    })
}

#[tokio::test]
async fn a_refused_profile_without_javascript_comes_back_with_each_problem_and_everything_typed_once() {
    let db = db::connect_memory().await.expect("db");
    seed(&db).await.expect("seed");
    let state = state_with(db).await;
    let app = router(state.clone());
    let (_, session) = person(&state.db, "+84912000021", "048180000021", "Lê Thị Tuyết").await;
    let refused = post_form_natively(&app, "/me/profile", &session, "full_name=L%C3%AA+Th%E1%BB%8B+Tuy%E1%BA%BFt&birth_date=01%2F01%2F1980&sex=female&email=tuyet%40%40example&occupation=Gi%C3%A1o+vi%C3%AAn&tax_code=12").await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER, "{}", refused.body);
    assert_eq!(refused.headers[header::LOCATION], "/me/profile");
    let flash = set_cookie_of(&refused, crate::web::flash::COOKIE).expect("the outcome is kept for the page");
    assert!(!refused.headers[header::LOCATION].to_str().expect("ascii").contains("Gi"), "nothing typed in the URL");
    let page = as_user(&app, "GET", "/me/profile", &format!("{session}; {flash}"), "", vec![]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Thư điện tử chưa đúng"), "the problem next to its field");
    assert!(page.body.contains("value=\"tuyet@@example\""), "the wrong value as typed");
    assert!(page.body.contains("value=\"Giáo viên\""), "the right values as typed");
    assert!(page.body.contains("Vui lòng sửa các mục được đánh dấu"));
    assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");
    let again = as_user(&app, "GET", "/me/profile", &format!("{session}; {flash}"), "", vec![]).await;
    assert!(!again.body.contains("Thư điện tử chưa đúng") && !again.body.contains("Giáo viên"), "shown once");

    let saved = post_form_natively(&app, "/me/profile", &session, "full_name=L%C3%AA+Th%E1%BB%8B+Tuy%E1%BA%BFt&birth_date=01%2F01%2F1980&sex=female&email=tuyet%40example.vn&occupation=Gi%C3%A1o+vi%C3%AAn").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let flash = set_cookie_of(&saved, crate::web::flash::COOKIE).expect("flash");
    let page = as_user(&app, "GET", "/me/profile", &format!("{session}; {flash}"), "", vec![]).await;
    assert!(page.body.contains("Đã lưu <!>2<!> thay đổi."), "{}", page.body);
    assert!(page.body.contains("value=\"tuyet@example.vn\""));

    // someone else's browser cannot read the outcome with a made-up cookie
    let guessed = format!("{}={}", crate::web::flash::COOKIE, "0".repeat(64));
    let page = as_user(&app, "GET", "/me/profile", &format!("{session}; {guessed}"), "", vec![]).await;
    assert_eq!(page.status, StatusCode::OK);
}

#[tokio::test]
async fn a_script_gets_the_profile_problems_as_json_and_the_statuses_of_the_page() {
    let db = db::connect_memory().await.expect("db");
    seed(&db).await.expect("seed");
    let state = state_with(db).await;
    let app = router(state.clone());
    let (_, session) = person(&state.db, "+84912000022", "048180000022", "Lê Thị Gió").await;
    let json = |uri: &str, cookie: &str, body: &str| {
        Request::post(uri.to_owned())
            .header("cookie", cookie.to_owned())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .body(Body::from(body.to_owned()))
            .expect("request")
    };
    let refused = send(&app, json("/me/profile", &session, "full_name=L%C3%AA+Th%E1%BB%8B+Gi%C3%B3&birth_date=01%2F01%2F1980&sex=female&email=x%40%40y&tax_code=12")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let answer: serde_json::Value = serde_json::from_str(&refused.body).expect("json");
    assert_eq!(answer, serde_json::json!({"Invalid": {"problems": [["Email", "Email"], ["TaxCode", "TaxCode"]]}}));
    let saved = send(&app, json("/me/profile", &session, "full_name=L%C3%AA+Th%E1%BB%8B+Gi%C3%B3&birth_date=01%2F01%2F1980&sex=female&email=gio%40example.vn")).await;
    assert_eq!(saved.status, StatusCode::OK);
    assert_eq!(saved.body, "1");

    // not signed in: 401 for a script, the sign-in page for a browser
    let anonymous = send(&app, json("/me/profile", "", "email=gio%40example.vn")).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let anonymous = post_form_natively(&app, "/me/profile", "", "email=gio%40example.vn").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.headers[header::LOCATION], "/signin");
    assert_eq!(get(&app, "/me/profile").await.headers[header::LOCATION], "/signin");

    // malformed arguments are the caller's fault: 400, never a 500
    let malformed = send(&app, json("/me/profile", &session, "full_name=L%C3%AA+Th%E1%BB%8B+Gi%C3%B3&birth_date=01%2F01%2F1980&sex=female&email[a]=1")).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST, "{}", malformed.body);
    let page_data = as_user(&app, "GET", "/api/profile/page", &session, "", vec![]).await;
    assert_eq!(page_data.status, StatusCode::OK);
    let page_data: serde_json::Value = serde_json::from_str(&page_data.body).expect("json");
    assert_eq!(page_data["input"]["email"], "gio@example.vn");
}

#[tokio::test]
async fn asking_for_deletion_and_cancelling_it_come_back_to_the_page_with_their_notice() {
    let db = db::connect_memory().await.expect("db");
    seed(&db).await.expect("seed");
    let state = state_with(db).await;
    let app = router(state.clone());
    let (_, session) = person(&state.db, "+84912000023", "048180000023", "Đỗ Thị Hoa").await;
    let asked = post_form_natively(&app, "/me/privacy/delete", &session, "").await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER);
    assert_eq!(asked.headers[header::LOCATION], "/me/privacy");
    let flash = set_cookie_of(&asked, crate::web::flash::COOKIE).expect("flash");
    let page = as_user(&app, "GET", "/me/privacy", &format!("{session}; {flash}"), "", vec![]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Đã ghi nhận yêu cầu xoá."), "{}", page.body);
    assert!(page.body.contains("data-testid=\"deletion-due\""));
    // a reload shows the date, not the notice again
    let reload = as_user(&app, "GET", "/me/privacy", &format!("{session}; {flash}"), "", vec![]).await;
    assert!(!reload.body.contains("Đã ghi nhận yêu cầu xoá.") && reload.body.contains("data-testid=\"deletion-due\""));
    let cancelled = post_form_natively(&app, "/me/privacy/cancel", &session, "").await;
    let flash = set_cookie_of(&cancelled, crate::web::flash::COOKIE).expect("flash");
    let page = as_user(&app, "GET", "/me/privacy", &format!("{session}; {flash}"), "", vec![]).await;
    assert!(!page.body.contains("data-testid=\"deletion-due\""));
    // only the person themselves: a script without a session is told to sign in
    let anonymous = as_user(&app, "POST", "/me/privacy/delete", "", "application/x-www-form-urlencoded", vec![]).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_refused_family_form_without_javascript_keeps_what_was_typed_next_to_its_problem() {
    let db = db::connect_memory().await.expect("db");
    seed(&db).await.expect("seed");
    let state = state_with(db).await;
    let app = router(state.clone());
    let (_, session) = person(&state.db, "+84912000024", "048180000024", "Phan Thị Lan").await;
    let refused = post_form_natively(&app, "/me/family/children", &session,
        "full_name=nguy%E1%BB%85n+b%C3%A9+an&birth_date=01%2F06%2F2008&sex=female&citizen_id=&relation=parent").await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    assert_eq!(refused.headers[header::LOCATION], "/me/family");
    let flash = set_cookie_of(&refused, crate::web::flash::COOKIE).expect("flash");
    let page = as_user(&app, "GET", "/me/family", &format!("{session}; {flash}"), "", vec![]).await;
    assert!(page.body.contains("value=\"nguyễn bé an\""), "the name as typed");
    assert!(page.body.contains("Chỉ thêm được con dưới 14 tuổi"), "the problem next to the birth date");
    // the household form: a bad address is named, the relation chosen kept
    let refused = post_form_natively(&app, "/me/family/household/create", &session, "address=12&relation=").await;
    let flash = set_cookie_of(&refused, crate::web::flash::COOKIE).expect("flash");
    let page = as_user(&app, "GET", "/me/family", &format!("{session}; {flash}"), "", vec![]).await;
    assert!(page.body.contains("value=\"12\""), "{}", page.body);
    // taking back a delegation one never gave: the forbidden page for a browser, 403 for a script
    let foreign = post_form_natively(&app, "/me/family/delegations/revoke", &session, "edge=abc").await;
    assert_eq!(foreign.headers[header::LOCATION], "/forbidden");
    let foreign = as_user(&app, "POST", "/me/family/delegations/revoke", &session, "application/x-www-form-urlencoded", b"edge=abc".to_vec()).await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_printed_card_and_lost_phone_forms_work_without_javascript() {
    let db = db::connect_memory().await.expect("db");
    seed(&db).await.expect("seed");
    let state = state_with(db).await;
    let app = router(state.clone());
    let (_, session) = person(&state.db, "+84912000025", "048180000025", "Hồ Thị Thẻ").await;
    let issued = post_form_natively(&app, "/me/qr/card/issue", &session, "").await;
    assert_eq!(issued.status, StatusCode::SEE_OTHER, "{}", issued.body);
    assert_eq!(issued.headers[header::LOCATION], "/me/qr/card");
    let flash = set_cookie_of(&issued, crate::web::flash::COOKIE).expect("flash");
    let page = as_user(&app, "GET", "/me/qr/card", &format!("{session}; {flash}"), "", vec![]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Đã cấp thẻ mới") && page.body.contains("data-testid=\"print-card\""), "{}", page.body);
    // a script gets the outcome as JSON
    let revoked = as_user(&app, "POST", "/me/qr/card/revoke", &session, "application/x-www-form-urlencoded", vec![]).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    assert_eq!(revoked.body, "\"Revoked\"");
    // lost phone: every session ends, and the browser goes to the sign-in page that says so
    let lost = post_form_natively(&app, "/me/qr/revoke", &session, "").await;
    assert_eq!(lost.status, StatusCode::SEE_OTHER);
    assert_eq!(lost.headers[header::LOCATION], "/signin?signed_out=lost");
    assert_eq!(as_user(&app, "GET", "/me/qr", &session, "", vec![]).await.headers[header::LOCATION], "/signin");
    let anonymous = as_user(&app, "POST", "/me/qr/revoke", "", "application/x-www-form-urlencoded", vec![]).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_employee_answers_an_invitation_with_or_without_javascript() {
    let db = db::connect_memory().await.expect("db");
    seed(&db).await.expect("seed");
    let state = state_with(db).await;
    let app = router(state.clone());
    let org = organization(&state.db, "Cấp nước Đà Nẵng", "cap nuoc da nang", false).await;
    let (admin_id, _) = staff(&state.db, "+84905000031", "048090000031", "Lê Văn Quản", "org_admin", &org).await;
    let (me, session) = person(&state.db, "+84912000026", "048180000026", "Võ Thị Làm").await;
    let (_, stranger) = person(&state.db, "+84912000027", "048180000027", "Võ Văn Lạ").await;
    let admin = crate::orgs::service::OrgAdmin::for_tests(&admin_id, &org);
    let now = crate::identity::web::now();
    let enrolment = crate::orgs::service::start(&state.db, &admin, "nv.csv", 1, now).await.expect("start");
    let row = crate::orgs::domain::RawRow { line: 2, phone: "0912000026".into(), full_name: "Võ Thị Làm".into(), citizen_id: "048180000026".into() };
    crate::orgs::service::enrol_row(&state.db, &admin, &enrolment, &row, &mut Default::default(), now).await.expect("row");
    let edge = crate::orgs::service::invitations(&state.db, &me).await.expect("invitations")[0].0.clone();
    // someone else's invitation: the forbidden page for a browser, 403 for a script
    let foreign = post_form_natively(&app, "/me/employers/answer", &stranger, &format!("edge={edge}&answer=confirm")).await;
    assert_eq!(foreign.headers[header::LOCATION], "/forbidden");
    let form = "application/x-www-form-urlencoded";
    let foreign = as_user(&app, "POST", "/me/employers/answer", &stranger, form, format!("edge={edge}&answer=confirm").into_bytes()).await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    let unknown = as_user(&app, "POST", "/me/employers/answer", &session, form, format!("edge={edge}&answer=maybe").into_bytes()).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    // the person confirms: back to their page, which says so
    let confirmed = post_form_natively(&app, "/me/employers/answer", &session, &format!("edge={edge}&answer=confirm")).await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER);
    assert_eq!(confirmed.headers[header::LOCATION], "/me?employer=confirmed");
    assert!(crate::orgs::service::invitations(&state.db, &me).await.expect("invitations").is_empty());
}

#[tokio::test]
async fn the_consent_step_shows_what_was_typed_once_and_a_stray_visit_goes_back_to_the_form() {
    let app = app().await;
    let typed = "phone=0912345678&full_name=Nguy%E1%BB%85n+Th%E1%BB%8B+%C3%81nh&birth_date=05%2F09%2F1990&sex=female&citizen_id=048190345678";
    let valid = post_form_natively(&app, "/signup", "", typed).await;
    assert_eq!(valid.status, StatusCode::SEE_OTHER, "{}", valid.body);
    assert_eq!(valid.headers[header::LOCATION], "/signup/consent");
    let flash = set_cookie_of(&valid, crate::web::flash::COOKIE).expect("the sign-up is kept for the consent step");
    let consent = get_with(&app, "/signup/consent", "cookie", &flash).await;
    assert_eq!(consent.status, StatusCode::OK);
    assert!(consent.body.contains("value=\"048190345678\""), "the typed values travel in hidden fields");
    // no agreement: the consent step again, saying why, the values still there
    let refused = post_form_natively(&app, "/signup/consent", "", typed).await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    assert_eq!(refused.headers[header::LOCATION], "/signup/consent");
    let flash = set_cookie_of(&refused, crate::web::flash::COOKIE).expect("flash");
    let again = get_with(&app, "/signup/consent", "cookie", &flash).await;
    assert!(again.body.contains("id=\"consent-error\"") && again.body.contains("value=\"048190345678\""));
    // a reload (the flash was read) or a stray visit: the form first
    let stray = get_with(&app, "/signup/consent", "cookie", &flash).await;
    assert_eq!(stray.status, StatusCode::SEE_OTHER);
    assert_eq!(stray.headers[header::LOCATION], "/signup");
    // the code page of an address our pages did not make, and the second step without a session: sign in
    for path in ["/verify?phone=abc&purpose=sign_in", "/signin/second-factor"] {
        let reply = get(&app, path).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(reply.headers[header::LOCATION], "/signin", "{path}");
    }
}

// ---- the counter, the move-cancel link, the 403 page of a plain handler ----

#[tokio::test]
async fn the_counter_checks_a_pasted_code_or_a_photo_and_shows_the_verdict_once() {
    let db = db::connect_memory().await.expect("db");
    seed(&db).await.expect("seed");
    let state = state_with(db).await;
    let app = router(state.clone());
    let org = organization(&state.db, "Điện lực Đà Nẵng", "dien luc da nang", true).await;
    let (_, desk) = staff(&state.db, "+84905000041", "048090000041", "Võ Thị Quầy", "service_operator", &org).await;
    let (citizen, session) = person(&state.db, "+84912000041", "048180000041", "Đặng Thị Dân").await;
    let now = crate::identity::web::now();
    let (token, _) = crate::qr::service::issue(&state.db, &state.qr_keys, &citizen, crate::qr::Preset::Basic, now)
        .await
        .expect("issue")
        .expect("account");

    // only a counter operator opens the counter
    assert_eq!(as_user(&app, "GET", "/counter/scan", &session, "", vec![]).await.status, StatusCode::FORBIDDEN);
    let page = as_user(&app, "GET", "/counter/scan", &desk, "", vec![]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Điện lực Đà Nẵng") && !page.body.contains("data-testid=\"verdict\""), "{}", page.body);

    // a pasted code, without JavaScript: back to the counter, which shows the verdict once, with the box empty
    let pasted = format!("token={}&purpose=service&organization={org}&photo=", crate::web::encode_query_value(&token));
    let checked = post_form_natively(&app, "/counter/scan", &desk, &pasted).await;
    assert_eq!(checked.status, StatusCode::SEE_OTHER, "{}", checked.body);
    assert_eq!(checked.headers[header::LOCATION], "/counter/scan");
    let flash = set_cookie_of(&checked, crate::web::flash::COOKIE).expect("the verdict is kept for the page");
    let page = as_user(&app, "GET", "/counter/scan", &format!("{desk}; {flash}"), "", vec![]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("data-testid=\"verdict\"") && page.body.contains("verdict--ok"), "{}", page.body);
    assert!(page.body.contains("Đặng Thị Dân"));
    assert!(!page.body.contains(&token), "the last token does not linger on the counter");
    assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(page.headers["x-keep-offline"], "no", "the copy kept for use without network never has a verdict");
    let again = as_user(&app, "GET", "/counter/scan", &format!("{desk}; {flash}"), "", vec![]).await;
    assert!(!again.body.contains("data-testid=\"verdict\""), "shown once");
    assert!(again.headers.get("x-keep-offline").is_none());
    assert_eq!(crate::qr::service::verification_count(&state.db, &citizen).await.expect("count"), 1);

    // a photo chosen, but the pasted-code button pressed: the page says which button reads photos
    let wrong_button = post_form_natively(&app, "/counter/scan", &desk, "token=&photo=qr.png").await;
    let flash = set_cookie_of(&wrong_button, crate::web::flash::COOKIE).expect("flash");
    let page = as_user(&app, "GET", "/counter/scan", &format!("{desk}; {flash}"), "", vec![]).await;
    assert!(page.body.contains("chỉ đọc mã dạng chữ"), "{}", page.body);

    // the photo button: a file that is not a picture is named, without JavaScript and with a script
    let data = format!("multipart/form-data; boundary={BOUNDARY}");
    let photo = |cookie: &str, accept: &str, fields: &[(&str, &str)]| {
        Request::post("/counter/scan/photo")
            .header("cookie", cookie.to_owned())
            .header(header::CONTENT_TYPE, data.clone())
            .header(header::ACCEPT, accept.to_owned())
            .body(Body::from(multipart(fields, None)))
            .expect("request")
    };
    let html = "text/html,application/xhtml+xml";
    let refused = send(&app, photo(&desk, html, &[("photo", "not a picture"), ("organization", org.as_str())])).await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    assert_eq!(refused.headers[header::LOCATION], "/counter/scan");
    let flash = set_cookie_of(&refused, crate::web::flash::COOKIE).expect("flash");
    let page = as_user(&app, "GET", "/counter/scan", &format!("{desk}; {flash}"), "", vec![]).await;
    assert!(page.body.contains("Tệp này không phải ảnh PNG hoặc JPEG."), "{}", page.body);
    let script = send(&app, photo(&desk, "application/json", &[("token", "")])).await;
    assert_eq!(script.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(script.body, r#"{"Problem":"Nothing"}"#);
    let stranger = send(&app, photo(&session, html, &[("photo", "not a picture")])).await;
    assert_eq!(stranger.headers[header::LOCATION], "/forbidden");

    // a place with entry control: registered for the operator's own organization only
    let added = post_form_natively(&app, "/counter/places", &desk, &format!("name=S%E1%BA%A3nh+ch%C3%ADnh&organization={org}")).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let flash = set_cookie_of(&added, crate::web::flash::COOKIE).expect("flash");
    let page = as_user(&app, "GET", "/counter/scan", &format!("{desk}; {flash}"), "", vec![]).await;
    assert!(page.body.contains("Đã đăng ký địa điểm.") && page.body.contains("Sảnh chính · Điện lực Đà Nẵng"), "{}", page.body);
    let foreign = post_form_natively(&app, "/counter/places", &desk, "name=Qu%E1%BA%A7y+1&organization=someotherorg").await;
    assert_eq!(foreign.headers[header::LOCATION], "/forbidden");
}

#[tokio::test]
async fn the_old_number_cancels_a_waiting_move_from_its_link_without_javascript() {
    use crate::recovery::service;
    let db = db::connect_memory().await.expect("db");
    seed(&db).await.expect("seed");
    let state = state_with(db).await;
    let app = router(state.clone());
    let (resident, _) = person(&state.db, "+84912000051", "048180000051", "Lê Thị Cũ").await;
    let (helper, _) = person(&state.db, "+84912000052", "048180000052", "Lê Văn Giúp").await;
    let record = service::HelperRecord {
        account_id: &helper,
        ward: "20194",
        checked_how: crate::recovery::domain::IdentityCheck::CardInPerson,
        note: "",
    };
    let phone = |p: &str| crate::identity::domain::PhoneNumber::parse(p).expect("phone");
    let now = crate::identity::web::now();
    let step = service::start(&state.db, &resident, &phone("0912000051"), &phone("0987000051"), crate::recovery::MovePath::Assisted, Some(&record), now)
        .await
        .expect("start");
    let waiting = service::by_token(&state.db, &step, now).await.expect("q").expect("move");
    let link = service::schedule(&state.db, &waiting, now + 86_400, now).await.expect("scheduled");

    let page = get(&app, &format!("/move/cancel/{link}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Huỷ yêu cầu chuyển số"), "{}", page.body);
    let cancelled = post_form_natively(&app, "/move/cancel", "", &format!("token={link}")).await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER, "{}", cancelled.body);
    assert_eq!(cancelled.headers[header::LOCATION], format!("/move/cancel/{link}").as_str());
    let flash = set_cookie_of(&cancelled, crate::web::flash::COOKIE).expect("flash");
    let page = get_with(&app, &format!("/move/cancel/{link}"), "cookie", &flash).await;
    assert!(page.body.contains("Đã huỷ yêu cầu chuyển số."), "{}", page.body);
    assert!(service::waiting_for(&state.db, &resident).await.expect("q").is_none());
    let again = get(&app, &format!("/move/cancel/{link}")).await;
    assert!(again.body.contains("Không còn yêu cầu chuyển số nào"), "{}", again.body);
    // a token our messages never wrote goes back to a plain address
    let odd = post_form_natively(&app, "/move/cancel", "", "token=ab%0D%0Aevil").await;
    assert_eq!(odd.headers[header::LOCATION], "/move/cancel/abe");
}

#[tokio::test]
async fn a_plain_handler_refusing_a_browser_answers_with_the_translated_403_page() {
    let db = db::connect_memory().await.expect("db");
    seed(&db).await.expect("seed");
    let state = state_with(db).await;
    let app = router(state.clone());
    let (_, session) = person(&state.db, "+84912000061", "048180000061", "Mai Thị Dân").await;
    let ask = |accept: &str, language: &str| {
        Request::get("/stats/export.csv")
            .header("cookie", session.clone())
            .header(header::ACCEPT, accept.to_owned())
            .header(header::ACCEPT_LANGUAGE, language.to_owned())
            .body(Body::empty())
            .expect("request")
    };
    let page = send(&app, ask("text/html,application/xhtml+xml", "vi")).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("Bạn không có quyền xem trang này") && page.body.contains("</html>"), "{}", page.body);
    let english = send(&app, ask("text/html", "en-US,en;q=0.9")).await;
    assert_eq!(english.status, StatusCode::FORBIDDEN);
    assert!(english.body.contains("You may not open this page"), "{}", english.body);
    let script = send(&app, ask("*/*", "vi")).await;
    assert_eq!(script.status, StatusCode::FORBIDDEN);
    assert_eq!(script.body, "Bạn không có quyền này / Forbidden");
}

/// Whether a page's HTML has islands of its own (every page has the language provider's, which does nothing by
/// itself), and whether it loads the WASM that wakes them: the two go together.
fn islands_and_scripts(body: &str) -> (bool, bool) {
    let own = body.matches("<leptos-island").count() > body.matches("data-component=\"I18nContextProvider_").count();
    (own, body.contains("type=\"module\"") && body.contains(".wasm"))
}

#[tokio::test]
async fn a_page_loads_the_wasm_exactly_when_it_has_islands() {
    let db = db::connect_memory().await.expect("db");
    seed(&db).await.expect("seed");
    let state = state_with(db).await;
    let app = router(state.clone());
    let (_, session) = person(&state.db, "+84912000041", "048180000041", "Vũ Thị Đảo").await;
    for (path, cookie) in [("/signup", ""), ("/me/qr", session.as_str()), ("/me/documents", session.as_str()), ("/offline/qr", "")] {
        let page = as_user(&app, "GET", path, cookie, "", vec![]).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_eq!(islands_and_scripts(&page.body), (true, true), "{path}");
        assert_eq!(page.body.matches("type=\"module\"").count(), 1, "{path}: one hydration script");
    }
    for (path, cookie) in [("/", ""), ("/units", ""), ("/me", session.as_str()), ("/me/profile", session.as_str())] {
        let page = as_user(&app, "GET", path, cookie, "", vec![]).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_eq!(islands_and_scripts(&page.body), (false, false), "{path}");
    }
}
