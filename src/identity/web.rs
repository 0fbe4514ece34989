//! HTTP for accounts: the form posts (sign-up, consent, code, sign-in, sign-out, sessions), the pages that need
//! data first, and the development outbox. Handlers parse, call the services, and either redirect (303) or
//! render the page again with what was typed and what is wrong.
use std::collections::HashMap;

use axum::Form;
use axum::body::Body;
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use leptos::prelude::provide_context;

use super::account::{self, AccountError};
use super::domain::{Date, PhoneNumber};
use super::otp::{self, OtpError, OtpPolicy};
use super::session::{self, COOKIE};
use super::sms;
use super::{
    Field, FormState, Notice, OtpPurpose, OutboxState, Problem, SignUpInput, VerifyState,
};
use crate::web::AppState;

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

pub(crate) fn today() -> Date {
    Date::from_unix_vietnam(now())
}

/// Renders `path` of the app with extra context (the page reads it), e.g. a form with its errors.
pub(crate) async fn render<C: Clone + Send + Sync + 'static>(
    state: &AppState,
    path: &str,
    headers: &HeaderMap,
    context: C,
    status: StatusCode,
) -> Response {
    let mut request = Request::builder().uri(path);
    for name in [header::COOKIE, header::ACCEPT_LANGUAGE, header::USER_AGENT] {
        if let Some(value) = headers.get(&name) {
            request = request.header(name, value);
        }
    }
    let Ok(request) = request.body(Body::empty()) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let for_context = state.clone();
    let options = state.leptos_options.clone();
    let handler = leptos_axum::render_app_to_stream_with_context(
        move || {
            crate::server::provide_request_context(&for_context);
            provide_context(context.clone());
        },
        move || crate::app::shell(options.clone()),
    );
    let mut response = handler(request).await.into_response();
    *response.status_mut() = status;
    response
}

/// 503 for a failure on our side (logged with what failed; the person is told to try again).
pub(crate) fn unavailable(what: &str, e: impl std::fmt::Debug) -> Response {
    tracing::error!(error = ?e, "{what} failed");
    StatusCode::SERVICE_UNAVAILABLE.into_response()
}

pub(crate) fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// The client's address for per-client limits and the sessions list: the peer, or, when the peer is a trusted
/// reverse proxy, the address that proxy reported (X-Forwarded-For, read from the right).
pub(crate) fn client_of(state: &AppState, peer: std::net::SocketAddr, headers: &HeaderMap) -> String {
    let forwarded: Vec<&str> = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
    client_address(peer.ip(), &forwarded.join(","), &state.trusted_proxies).to_string()
}

/// Walks X-Forwarded-For from the right (the entries the trusted proxies added), skipping trusted proxies, to
/// the first address nobody trusted vouches for beyond. A client cannot forge its way past this: whatever it
/// wrote itself is on the left of what the proxies appended.
pub fn client_address(peer: std::net::IpAddr, forwarded_for: &str, trusted: &[std::net::IpAddr]) -> std::net::IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let mut client = peer;
    for entry in forwarded_for.rsplit(',') {
        match entry.trim().parse::<std::net::IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !trusted.contains(&ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

fn verify_location(phone: &PhoneNumber, purpose: OtpPurpose) -> String {
    format!("/verify?phone={}&purpose={}", crate::app::encode_query_value(phone.e164()), purpose.as_str())
}

pub(crate) fn otp_notice(e: &OtpError) -> Notice {
    match e {
        OtpError::ResendTooSoon { retry_after } => Notice::ResendTooSoon { seconds: *retry_after },
        OtpError::TooManyForPhone { retry_after } | OtpError::TooManyFromClient { retry_after } => {
            Notice::TooManyCodes { minutes: (retry_after + 59) / 60 }
        }
        OtpError::NoCode => Notice::NoCode,
        OtpError::Expired => Notice::CodeExpired,
        OtpError::Wrong { tries_left } => Notice::CodeWrong { tries_left: *tries_left },
        OtpError::TooManyTries => Notice::CodeDead,
        OtpError::Db(_) => Notice::SmsFailed,
    }
}

fn otp_message(code: &str) -> String {
    format!(
        "Cong Dan So: ma xac thuc cua ban la {code}, hieu luc 5 phut. Khong chia se ma nay cho bat ky ai. \
         / Your code is {code}."
    )
}

/// Issues a code and sends it. `deliver = false` still counts the request against every limit (so the answer
/// for a number without an account looks the same) but sends nothing.
async fn send_code(
    state: &AppState,
    phone: &PhoneNumber,
    purpose: OtpPurpose,
    client: &str,
    deliver: bool,
) -> Result<(), Notice> {
    let text: Option<&(dyn Fn(&str) -> String + Sync)> = if deliver { Some(&otp_message) } else { None };
    issue_and_send(state, phone, purpose, client, &OtpPolicy::default(), text).await
}

/// Issues a code under `policy` and, when `text` is given, sends the message it makes of the code.
pub(crate) async fn issue_and_send(
    state: &AppState,
    phone: &PhoneNumber,
    purpose: OtpPurpose,
    client: &str,
    policy: &OtpPolicy,
    text: Option<&(dyn Fn(&str) -> String + Sync)>,
) -> Result<(), Notice> {
    let now = now();
    let issued = otp::issue(&state.db, &state.secret, policy, phone, purpose, client, now).await.map_err(|e| {
        if let OtpError::Db(cause) = &e {
            tracing::error!(error = %cause, "issuing a code failed");
        }
        otp_notice(&e)
    })?;
    if let Some(text) = text {
        let reference = format!("otp-{}", now);
        let sent = state.sms.send(phone, &text(&issued.code), &reference, now).await;
        let failure = match &sent {
            Ok(()) => None,
            Err(sms::SmsError::Refused(_)) => Some("refused"),
            Err(_) => Some("unavailable"),
        };
        if let Err(e) = sms::record_delivery(&state.db, "sms", purpose.as_str(), failure, now).await {
            tracing::error!(error = %e, "recording a code's delivery failed");
        }
        let how = if failure.is_none() { "sms" } else { "failed" };
        if let Err(e) = otp::mark_delivered(&state.db, phone, purpose, issued.created_at, how).await {
            tracing::error!(error = %e, "recording how a code went out failed");
        }
        if let Err(e) = sent {
            tracing::error!(to = %phone.masked(), error = %e, "the code could not be sent");
            return Err(Notice::SmsFailed);
        }
        tracing::info!(to = %phone.masked(), purpose = purpose.as_str(), "code sent");
    }
    Ok(())
}

/// "This phone / ID number already has an account" as the form's notice.
fn taken_notice(e: &AccountError) -> Option<Notice> {
    match e {
        AccountError::PhoneTaken => Some(Notice::PhoneTaken),
        AccountError::CitizenIdTaken => Some(Notice::CitizenIdTaken),
        _ => None,
    }
}

/// Whether the phone or ID number already has an account, as the notice the form shows (None: free).
async fn availability_notice(state: &AppState, details: &account::SignUpDetails) -> Option<Notice> {
    match account::check_available(&state.db, details).await {
        Ok(()) => None,
        Err(e @ (AccountError::PhoneTaken | AccountError::CitizenIdTaken)) => taken_notice(&e),
        Err(e) => {
            tracing::error!(error = ?e, "sign-up check failed");
            Some(Notice::SmsFailed)
        }
    }
}

/// POST /signup: check every field; then the consent step.
pub async fn signup(State(state): State<AppState>, headers: HeaderMap, Form(input): Form<SignUpInput>) -> Response {
    match account::validate(&input, today()) {
        Err(problems) => {
            let form = FormState { input, problems, notice: None };
            render(&state, "/signup", &headers, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Ok(details) => {
            match availability_notice(&state, &details).await {
                Some(notice) => {
                    let form = FormState { input, problems: vec![], notice: Some(notice) };
                    render(&state, "/signup", &headers, form, StatusCode::CONFLICT).await
                }
                None => {
                    let form = FormState { input, problems: vec![], notice: None };
                    render(&state, "/signup/consent", &headers, form, StatusCode::OK).await
                }
            }
        }
    }
}

/// POST /signup/card (multipart: the sign-up fields as typed, and `card_photo`): reads the QR code on the chip ID
/// card in the photo and fills name, birth date, sex and ID number from it; the phone as typed stays. Nothing
/// typed is lost when the photo cannot be read.
pub async fn signup_card(
    State(state): State<AppState>,
    headers: HeaderMap,
    mut multipart: axum::extract::Multipart,
) -> Response {
    let mut input = SignUpInput::default();
    let mut photo = Vec::new();
    let mut too_big = false;
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "card_photo" {
            match field.bytes().await {
                Ok(bytes) => photo = bytes.to_vec(),
                Err(_) => too_big = true,
            }
            continue;
        }
        let value: String = field.text().await.unwrap_or_default().chars().take(200).collect();
        match name.as_str() {
            "phone" => input.phone = value,
            "full_name" => input.full_name = value,
            "birth_date" => input.birth_date = value,
            "sex" => input.sex = value,
            "citizen_id" => input.citizen_id = value,
            _ => {}
        }
    }
    let read = if too_big || photo.is_empty() {
        Err(Notice::CardUnreadable)
    } else {
        match crate::qr::scan::read_qr(&photo) {
            Ok(text) => crate::qr::cccd::parse_card_qr(&text).map_err(|_| Notice::NotACardCode),
            Err(_) => Err(Notice::CardUnreadable),
        }
    };
    let (notice, status) = match read {
        Ok(card) => {
            input.full_name = card.full_name.as_str().to_owned();
            input.birth_date = card.birth_date.dmy();
            input.sex = card.sex.as_str().to_owned();
            input.citizen_id = card.citizen_id.as_str().to_owned();
            (Notice::CardRead, StatusCode::OK)
        }
        Err(notice) => (notice, StatusCode::UNPROCESSABLE_ENTITY),
    };
    render(&state, "/signup", &headers, FormState { input, problems: vec![], notice: Some(notice) }, status).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ConsentForm {
    #[serde(flatten)]
    input: SignUpInput,
    consent: String,
}

/// POST /signup/consent: the explicit agreement, then the code to the phone.
pub async fn consent(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<ConsentForm>,
) -> Response {
    let details = match account::validate(&form.input, today()) {
        Ok(details) => details,
        Err(problems) => {
            let state_form = FormState { input: form.input, problems, notice: None };
            return render(&state, "/signup", &headers, state_form, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    if form.consent != "yes" {
        let state_form =
            FormState { input: form.input, problems: vec![(Field::Consent, Problem::ConsentMissing)], notice: None };
        return render(&state, "/signup/consent", &headers, state_form, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    if let Some(notice) = availability_notice(&state, &details).await {
        let state_form = FormState { input: form.input, problems: vec![], notice: Some(notice) };
        return render(&state, "/signup", &headers, state_form, StatusCode::CONFLICT).await;
    }
    let now = now();
    if let Err(e) = account::save_pending(&state.db, &details, now, now).await {
        tracing::error!(error = ?e, "saving the pending sign-up failed");
        let state_form = FormState { input: form.input, problems: vec![], notice: Some(Notice::SmsFailed) };
        return render(&state, "/signup/consent", &headers, state_form, StatusCode::SERVICE_UNAVAILABLE).await;
    }
    let client = client_of(&state, peer, &headers);
    match send_code(&state, &details.phone, OtpPurpose::SignUp, &client, true).await {
        Ok(()) => see_other(&verify_location(&details.phone, OtpPurpose::SignUp)),
        // a code sent a moment ago is still good: type it, or wait for a new one
        Err(notice @ Notice::ResendTooSoon { .. }) => {
            verify_page(&state, &headers, &details.phone, OtpPurpose::SignUp, Some(notice), StatusCode::OK).await
        }
        Err(notice) => {
            let state_form = FormState { input: form.input, problems: vec![], notice: Some(notice) };
            render(&state, "/signup/consent", &headers, state_form, StatusCode::TOO_MANY_REQUESTS).await
        }
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct PhoneForm {
    phone: String,
}

/// POST /signin: a code to the phone if it has an account; the same answer either way.
pub async fn signin(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<PhoneForm>,
) -> Response {
    let phone = match PhoneNumber::parse(&form.phone) {
        Ok(phone) => phone,
        Err(e) => {
            let state_form = FormState {
                input: SignUpInput { phone: form.phone, ..SignUpInput::default() },
                problems: vec![(Field::Phone, Problem::Phone(e))],
                notice: None,
            };
            return render(&state, "/signin", &headers, state_form, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let has_account = matches!(account::find_by_phone(&state.db, &phone).await, Ok(Some(_)));
    let client = client_of(&state, peer, &headers);
    match send_code(&state, &phone, OtpPurpose::SignIn, &client, has_account).await {
        Ok(()) => see_other(&verify_location(&phone, OtpPurpose::SignIn)),
        Err(notice @ Notice::ResendTooSoon { .. }) => {
            verify_page(&state, &headers, &phone, OtpPurpose::SignIn, Some(notice), StatusCode::OK).await
        }
        Err(notice) => {
            let state_form = FormState {
                input: SignUpInput { phone: form.phone, ..SignUpInput::default() },
                problems: vec![],
                notice: Some(notice),
            };
            render(&state, "/signin", &headers, state_form, StatusCode::TOO_MANY_REQUESTS).await
        }
    }
}

fn parse_purpose(s: &str) -> Option<OtpPurpose> {
    match s {
        "sign_up" => Some(OtpPurpose::SignUp),
        "sign_in" => Some(OtpPurpose::SignIn),
        _ => None,
    }
}

async fn verify_page(
    state: &AppState,
    headers: &HeaderMap,
    phone: &PhoneNumber,
    purpose: OtpPurpose,
    notice: Option<Notice>,
    status: StatusCode,
) -> Response {
    let latest = otp::latest(&state.db, phone, purpose).await.ok().flatten();
    let resend_in = latest
        .as_ref()
        .map(|(at, _)| (at + OtpPolicy::default().resend_wait_seconds - now()).max(0))
        .unwrap_or(OtpPolicy::default().resend_wait_seconds);
    let context = VerifyState {
        phone_e164: phone.e164().to_owned(),
        phone_display: phone.national(),
        purpose,
        resend_in,
        notice,
        sent: latest.map(|(at, how)| (format_time(at), how)),
        email_channel: state.mail.is_some() && purpose == OtpPurpose::SignIn,
    };
    render(state, &verify_location(phone, purpose), headers, context, status).await
}

/// GET /verify?phone=…&purpose=…: the code entry page.
pub async fn verify_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let phone = query.get("phone").and_then(|p| PhoneNumber::parse(p).ok());
    let purpose = query.get("purpose").and_then(|p| parse_purpose(p));
    match (phone, purpose) {
        (Some(phone), Some(purpose)) => {
            let notice = query.contains_key("resent").then_some(Notice::CodeSent);
            verify_page(&state, &headers, &phone, purpose, notice, StatusCode::OK).await
        }
        _ => see_other("/signin"),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
    phone: String,
    purpose: String,
    code: String,
}

/// POST /verify: the right code creates the account (sign-up) or opens a session (sign-in).
pub async fn verify(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    let (Ok(phone), Some(purpose)) = (PhoneNumber::parse(&form.phone), parse_purpose(&form.purpose)) else {
        return see_other("/signin");
    };
    let now = now();
    if let Err(e) = otp::verify(&state.db, &state.secret, &OtpPolicy::default(), &phone, purpose, &form.code, now).await {
        if let OtpError::Db(cause) = &e {
            tracing::error!(error = %cause, "checking a code failed");
        }
        return verify_page(&state, &headers, &phone, purpose, Some(otp_notice(&e)), StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    }
    let account_id = match purpose {
        OtpPurpose::SignUp => match account::create_from_pending(&state.db, &phone, now).await {
            Ok(id) => {
                tracing::info!(phone = %phone.masked(), "account created at level 1");
                if let Some(registry) = &state.registry {
                    // a slow registry must not hold the citizen up: what does not finish is retried later
                    let check = super::registry::check_account(&state.db, registry, &id, now);
                    if tokio::time::timeout(std::time::Duration::from_secs(3), check).await.is_err() {
                        tracing::warn!("population registry slow; the check will be retried");
                    }
                }
                Some(id)
            }
            Err(e @ (AccountError::PhoneTaken | AccountError::CitizenIdTaken)) => {
                let form = FormState { notice: taken_notice(&e), ..FormState::default() };
                return render(&state, "/signup", &headers, form, StatusCode::CONFLICT).await;
            }
            Err(e) => {
                tracing::warn!(error = ?e, "no pending sign-up after a right code");
                let form = FormState { notice: Some(Notice::SignUpExpired), ..FormState::default() };
                return render(&state, "/signup", &headers, form, StatusCode::GONE).await;
            }
        },
        _ => account::find_by_phone(&state.db, &phone).await.ok().flatten(),
    };
    let Some(account_id) = account_id else {
        return verify_page(&state, &headers, &phone, purpose, Some(Notice::NoCode), StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    };
    // an account a community team registered becomes usable when its owner signs in with the code to their phone
    if let Err(e) = crate::teams::service::confirm_own(&state.db, &account_id, now).await {
        tracing::error!(error = %e, "confirming an assisted registration failed");
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let client = client_of(&state, peer, &headers);
    super::mfa_web::open_session(&state, &account_id, agent, &client, now).await
}

/// POST /otp/resend: a new code after the wait.
pub async fn resend(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    let (Ok(phone), Some(purpose)) = (PhoneNumber::parse(&form.phone), parse_purpose(&form.purpose)) else {
        return see_other("/signin");
    };
    let deliver = match purpose {
        OtpPurpose::SignIn => matches!(account::find_by_phone(&state.db, &phone).await, Ok(Some(_))),
        _ => true,
    };
    let client = client_of(&state, peer, &headers);
    match send_code(&state, &phone, purpose, &client, deliver).await {
        Ok(()) => see_other(&format!("{}&resent=1", verify_location(&phone, purpose))),
        Err(notice) => verify_page(&state, &headers, &phone, purpose, Some(notice), StatusCode::TOO_MANY_REQUESTS).await,
    }
}

/// POST /otp/email (sign-in): a new code to the account's verified e-mail address, when SMS does not arrive. The
/// answer is the same whether the number has an account and an address or not, and the request counts against
/// the same limits (60 s between codes, 10 an hour).
pub async fn email_code(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    let Ok(phone) = PhoneNumber::parse(&form.phone) else { return see_other("/signin") };
    let purpose = OtpPurpose::SignIn;
    let Some(mail) = state.mail.clone() else {
        return verify_page(&state, &headers, &phone, purpose, Some(Notice::EmailUnavailable), StatusCode::NOT_FOUND).await;
    };
    let address = match account::find_by_phone(&state.db, &phone).await {
        Ok(Some(id)) => super::email::verified_of(&state.db, &id).await.ok().flatten(),
        _ => None,
    };
    let now = now();
    let Some(address) = address else {
        // nothing is sent, but the wait between codes is answered the same way
        let policy = OtpPolicy::default();
        let notice = match otp::latest(&state.db, &phone, purpose).await.ok().flatten() {
            Some((at, _)) if now - at < policy.resend_wait_seconds => {
                Notice::ResendTooSoon { seconds: policy.resend_wait_seconds - (now - at) }
            }
            _ => Notice::EmailCodeSent,
        };
        let status = if notice == Notice::EmailCodeSent { StatusCode::OK } else { StatusCode::TOO_MANY_REQUESTS };
        return verify_page(&state, &headers, &phone, purpose, Some(notice), status).await;
    };
    let client = client_of(&state, peer, &headers);
    let issued = match otp::issue(&state.db, &state.secret, &OtpPolicy::default(), &phone, purpose, &client, now).await {
        Ok(issued) => issued,
        Err(e) => {
            if let OtpError::Db(cause) = &e {
                tracing::error!(error = %cause, "issuing a code failed");
            }
            return verify_page(&state, &headers, &phone, purpose, Some(otp_notice(&e)), StatusCode::TOO_MANY_REQUESTS).await;
        }
    };
    {
        let (subject, body) = super::email::code_message(&issued.code);
        let sent = mail.send(&address, &subject, &body, now).await;
        let failure = sent.as_ref().err().map(|_| "unavailable");
        if let Err(e) = sms::record_delivery(&state.db, "email", purpose.as_str(), failure, now).await {
            tracing::error!(error = %e, "recording a code's delivery failed");
        }
        let how = if sent.is_ok() { "email" } else { "failed" };
        let _ = otp::mark_delivered(&state.db, &phone, purpose, issued.created_at, how).await;
        if let Err(e) = sent {
            tracing::error!(error = %e, "an e-mail code could not be sent");
            return verify_page(&state, &headers, &phone, purpose, Some(Notice::SmsFailed), StatusCode::SERVICE_UNAVAILABLE).await;
        }
        tracing::info!(to = %phone.masked(), "code sent by e-mail");
    }
    verify_page(&state, &headers, &phone, purpose, Some(Notice::EmailCodeSent), StatusCode::OK).await
}

/// The session cookie's `Set-Cookie` line (an empty token with max age 0 clears it).
pub(crate) fn session_cookie(state: &AppState, token: &str, max_age: i64) -> String {
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

pub(crate) fn set_session_cookie(response: &mut Response, state: &AppState, token: &str, max_age: i64) {
    let cookie = session_cookie(state, token, max_age);
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

pub(crate) fn session_token(headers: &HeaderMap) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (name, value) = c.trim().split_once('=')?;
        (name == COOKIE).then(|| value.to_owned())
    })
}

/// The signed-in citizen, or None. The proof every protected handler starts from. A session still waiting for
/// its authenticator code is not signed in.
pub async fn current_session(state: &AppState, headers: &HeaderMap) -> Option<session::ActiveSession> {
    any_session(state, headers).await.filter(|s| s.stage == session::Stage::Active)
}

/// The cookie's session in whatever stage it is.
pub(crate) async fn any_session(state: &AppState, headers: &HeaderMap) -> Option<session::ActiveSession> {
    let token = session_token(headers)?;
    match session::resolve(&state.db, &token, now()).await {
        Ok(found) => found,
        Err(e) => {
            tracing::error!(error = %e, "reading a session failed");
            None
        }
    }
}

pub(crate) fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub(crate) fn format_time(seconds: i64) -> String {
    let date = Date::from_unix_vietnam(seconds);
    let local = (seconds + 7 * 3600).rem_euclid(86_400);
    format!("{:02}:{:02} {}", local / 3600, (local % 3600) / 60, date.dmy())
}

/// "Chrome on Android" from a user-agent string (enough to recognise one's own devices).
pub(crate) fn describe_agent(agent: &str) -> String {
    let browser = ["Edg", "Firefox", "Chrome", "Safari"].into_iter().find(|b| agent.contains(b)).unwrap_or("Browser");
    let browser = if browser == "Edg" { "Edge" } else { browser };
    let system =
        ["Android", "iPhone", "iPad", "Windows", "Mac OS", "Linux"].into_iter().find(|s| agent.contains(s)).unwrap_or("");
    if system.is_empty() { browser.to_owned() } else { format!("{browser} · {system}") }
}

/// GET /signin (a plain page; after "sign out everywhere" it says so).
pub async fn signin_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let notice = if query.get("signed_out").map(String::as_str) == Some("everywhere") {
        Some(Notice::SignedOutEverywhere)
    } else if query.get("signed_out").map(String::as_str) == Some("lost") {
        Some(Notice::LostPhoneDone)
    } else if query.contains_key("moved") {
        Some(Notice::PhoneMoved)
    } else if query.contains_key("second_factor") {
        Some(Notice::SecondFactorFailed)
    } else {
        None
    };
    render(&state, "/signin", &headers, FormState { notice, ..FormState::default() }, StatusCode::OK).await
}

/// GET /dev/outbox.json (only with --dev): newest first.
pub async fn outbox_json(State(state): State<AppState>) -> Response {
    match sms::outbox(&state.db, 200).await {
        Ok(messages) => {
            let list: Vec<serde_json::Value> = messages
                .into_iter()
                .map(|m| serde_json::json!({"to": m.to, "body": m.body, "sent_at": iso_utc(m.sent_at)}))
                .collect();
            no_store(axum::Json(list).into_response())
        }
        Err(e) => {
            tracing::error!(error = %e, "reading the outbox failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// GET /dev/outbox (only with --dev)
pub async fn outbox_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let messages = sms::outbox(&state.db, 200).await.unwrap_or_default();
    let context = OutboxState {
        messages: messages.into_iter().map(|m| (m.to, m.body, format_time(m.sent_at))).collect(),
    };
    no_store(render(&state, "/dev/outbox", &headers, context, StatusCode::OK).await)
}

fn iso_utc(seconds: i64) -> String {
    let date = Date::from_unix_vietnam(seconds - 7 * 3600);
    let t = seconds.rem_euclid(86_400);
    format!("{}T{:02}:{:02}:{:02}Z", date.iso(), t / 3600, (t % 3600) / 60, t % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_vietnam_and_exported_in_utc() {
        assert_eq!(format_time(1_795_453_200), "00:00 24/11/2026");
        assert_eq!(iso_utc(1_795_453_200), "2026-11-23T17:00:00Z");
    }

    #[test]
    fn the_client_address_comes_from_trusted_proxies_only() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().expect("ip");
        let proxy = ip("10.0.0.2");
        let trusted = [proxy, ip("10.0.0.3")];
        // no proxy configured, or a peer that is not one: the header is ignored
        assert_eq!(client_address(ip("203.0.113.9"), "1.2.3.4", &[]), ip("203.0.113.9"));
        assert_eq!(client_address(ip("203.0.113.9"), "1.2.3.4", &trusted), ip("203.0.113.9"));
        // through the proxy: the address it appended
        assert_eq!(client_address(proxy, "198.51.100.7", &trusted), ip("198.51.100.7"));
        // a forged entry on the left is not believed; two proxies in a row are skipped
        assert_eq!(client_address(proxy, "6.6.6.6, 198.51.100.7, 10.0.0.3", &trusted), ip("198.51.100.7"));
        // garbage stops the walk at the last good address
        assert_eq!(client_address(proxy, "junk", &trusted), proxy);
        assert_eq!(client_address(proxy, "", &trusted), proxy);
    }

    #[test]
    fn devices_are_named_plainly() {
        let android = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36";
        assert_eq!(describe_agent(android), "Chrome · Android");
        assert_eq!(describe_agent(""), "Browser");
    }
}
