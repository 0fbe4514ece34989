//! HTTP for accounts: the work of the sign-up and sign-in forms for their server functions (`super::api`), the
//! chip ID card photo of the sign-up form (a multipart upload, plain axum), the development outbox as JSON, and
//! what the other slices share: the clock, sessions from cookies, the client's address, codes by SMS.
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use leptos::prelude::use_context;

use super::account::{self, AccountError};
use super::api::SignFormError;
use super::domain::{Date, PhoneNumber};
use super::otp::{self, OtpError, OtpPolicy};
use super::session::{self, COOKIE};
use super::sms;
use super::{Field, FormState, Notice, OtpPurpose, Problem, SignUpInput, VerifyPageData};
use crate::web::caller::{Client, caller};
use crate::web::{AppState, Refusal, flash, reply};

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

pub(crate) fn today() -> Date {
    Date::from_unix_vietnam(now())
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
    format!("/verify?phone={}&purpose={}", crate::web::encode_query_value(phone.e164()), purpose.as_str())
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

/// POST /signup/card (multipart: the sign-up fields as typed, and `card_photo`): reads the QR code on the chip ID
/// card in the photo and fills name, birth date, sex and ID number from it; the phone as typed stays. Nothing
/// typed is lost when the photo cannot be read. Back to `/signup` (303), with the form and the notice in the flash
/// the page reads.
pub async fn signup_card(State(state): State<AppState>, mut multipart: axum::extract::Multipart) -> Response {
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
    let notice = match read {
        Ok(card) => {
            input.full_name = card.full_name.as_str().to_owned();
            input.birth_date = card.birth_date.dmy();
            input.sex = card.sex.as_str().to_owned();
            input.citizen_id = card.citizen_id.as_str().to_owned();
            Notice::CardRead
        }
        Err(notice) => notice,
    };
    let form = FormState { input, problems: vec![], notice: Some(notice) };
    let mut response = see_other("/signup");
    if let Some(cookie) = flash::keep_for_response(&state, SIGNUP_FLASH, &form).await {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

// ---- the sign-up and sign-in forms, for their server functions (`super::api`) -------------------------------
//
// Each form's work ends its answer here: a step that goes on sends the caller to the next page (the code page, the
// consent step, the account); a refused form sends a browser without JavaScript back to its page with what was
// typed and why in the flash, and gives a script the failure with its status.

/// The flash's form names: what the sign-in, sign-up and consent pages show after their form.
pub(crate) const SIGNIN_FLASH: &str = "signin";
pub(crate) const SIGNUP_FLASH: &str = "signup";
pub(crate) const CONSENT_FLASH: &str = "consent";

/// The code page's flash: one per number and purpose, so an answer never shows on another number's page.
fn verify_flash(phone: &PhoneNumber, purpose: OtpPurpose) -> String {
    format!("verify:{}:{}", phone.e164(), purpose.as_str())
}

/// What a refusal shows on its page: the problems next to their fields, or a notice (our side failing is said as
/// "could not send", as on the other account forms).
fn shown(e: &SignFormError) -> (Vec<(Field, Problem)>, Option<Notice>) {
    match e {
        SignFormError::Invalid { problems } => (problems.clone(), None),
        SignFormError::Notice(notice) => (Vec::new(), Some(*notice)),
        SignFormError::Refused(_) => (Vec::new(), Some(Notice::SmsFailed)),
    }
}

/// Ends a sign-up or sign-in form that did not go on: back to `back` with `input` as typed (see
/// [`reply::finish_form`]).
async fn refused(state: &AppState, back: &str, form: &str, e: &SignFormError, input: SignUpInput) {
    let (problems, notice) = shown(e);
    reply::finish_form(state, back, form, &Err::<(), _>(e.clone()), FormState { input, problems, notice }).await;
}

/// Ends a code-page form that did not go on: back to the code page with the notice.
async fn refused_on_verify(state: &AppState, phone: &PhoneNumber, purpose: OtpPurpose, e: &SignFormError) {
    let notice = shown(e).1;
    let result = Err::<(), _>(e.clone());
    reply::finish_form(state, &verify_location(phone, purpose), &verify_flash(phone, purpose), &result, notice).await;
}

/// On to the code page; `notice` (a code sent a moment ago is still good) goes with it in the flash.
async fn to_verify(state: &AppState, phone: &PhoneNumber, purpose: OtpPurpose, notice: Option<Notice>) {
    if notice.is_some() {
        flash::keep(state, &verify_flash(phone, purpose), &notice).await;
    }
    reply::see_other(&verify_location(phone, purpose));
}

/// A code form whose number or purpose our pages did not make: sign-in starts again (a script is told 400).
fn start_again<T>() -> Result<T, SignFormError> {
    if reply::native_form_post() {
        reply::see_other("/signin");
    } else {
        reply::set_status(400);
    }
    Err(SignFormError::Refused(Refusal::BadRequest))
}

/// The browser's user agent (named on "my sessions").
fn user_agent() -> String {
    use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned))
        .unwrap_or_default()
}

/// Whether the phone or ID number already has an account, as the notice the form shows (None: free).
async fn availability_notice(state: &AppState, details: &account::SignUpDetails) -> Option<Notice> {
    match account::check_available(&state.db, details).await {
        Ok(()) => None,
        Err(AccountError::PhoneTaken) => Some(Notice::PhoneTaken),
        Err(AccountError::CitizenIdTaken) => Some(Notice::CitizenIdTaken),
        Err(e) => {
            tracing::error!(error = ?e, "sign-up check failed");
            Some(Notice::SmsFailed)
        }
    }
}

/// `/signup`: every field checked, then whether the phone or ID number has an account; then the consent step,
/// which shows what was typed (carried in the flash).
pub(crate) async fn sign_up(state: &AppState, input: SignUpInput) -> Result<(), SignFormError> {
    let result = match account::validate(&input, today()) {
        Err(problems) => Err(SignFormError::Invalid { problems }),
        Ok(details) => match availability_notice(state, &details).await {
            Some(notice) => Err(SignFormError::Notice(notice)),
            None => Ok(()),
        },
    };
    match &result {
        Ok(()) => {
            flash::keep(state, CONSENT_FLASH, &FormState { input, ..FormState::default() }).await;
            reply::see_other("/signup/consent");
        }
        Err(e) => refused(state, "/signup", SIGNUP_FLASH, e, input).await,
    }
    result
}

/// Which sign-up page shows a refusal of the consent form.
enum Step {
    /// The form (a field, or a phone or ID number that has an account).
    Form,
    /// The consent step itself (no agreement, or the code could not be sent).
    Consent,
}

/// `/signup/consent`: the explicit agreement, then the code to the phone and on to the code page.
pub(crate) async fn consent(state: &AppState, input: SignUpInput, consent: &str) -> Result<Notice, SignFormError> {
    match agree(state, &input, consent).await {
        Ok((phone, notice)) => {
            to_verify(state, &phone, OtpPurpose::SignUp, notice).await;
            Ok(notice.unwrap_or(Notice::CodeSent))
        }
        Err((step, e)) => {
            match step {
                Step::Form => refused(state, "/signup", SIGNUP_FLASH, &e, input).await,
                Step::Consent => refused(state, "/signup/consent", CONSENT_FLASH, &e, input).await,
            }
            Err(e)
        }
    }
}

/// The sign-up checked again (it comes back in hidden fields), the agreement, the pending sign-up saved and the
/// code sent: the number it went to, and a notice when a code sent a moment ago is still good.
async fn agree(
    state: &AppState,
    input: &SignUpInput,
    consent: &str,
) -> Result<(PhoneNumber, Option<Notice>), (Step, SignFormError)> {
    let details =
        account::validate(input, today()).map_err(|problems| (Step::Form, SignFormError::Invalid { problems }))?;
    if consent != "yes" {
        let problems = vec![(Field::Consent, Problem::ConsentMissing)];
        return Err((Step::Consent, SignFormError::Invalid { problems }));
    }
    if let Some(notice) = availability_notice(state, &details).await {
        return Err((Step::Form, SignFormError::Notice(notice)));
    }
    let now = now();
    if let Err(e) = account::save_pending(&state.db, &details, now, now).await {
        let refusal = Refusal::unavailable("saving the pending sign-up", format!("{e:?}"));
        return Err((Step::Consent, refusal.into()));
    }
    let Client(client) = caller(state).await.map_err(|r| (Step::Consent, SignFormError::Refused(r)))?;
    let sent = send_code(state, &details.phone, OtpPurpose::SignUp, &client, true).await;
    match sent {
        Ok(()) => Ok((details.phone, None)),
        // a code sent a moment ago is still good: type it, or wait for a new one
        Err(notice @ Notice::ResendTooSoon { .. }) => Ok((details.phone, Some(notice))),
        Err(notice) => Err((Step::Consent, SignFormError::Notice(notice))),
    }
}

/// `/signin`: a code to the phone if it has an account; the same answer either way. On to the code page, or back
/// to the form with the number as typed.
pub(crate) async fn sign_in(state: &AppState, typed: &str) -> Result<Notice, SignFormError> {
    match send_sign_in_code(state, typed).await {
        Ok((phone, notice)) => {
            to_verify(state, &phone, OtpPurpose::SignIn, notice).await;
            Ok(notice.unwrap_or(Notice::CodeSent))
        }
        Err(e) => {
            let input = SignUpInput { phone: typed.to_owned(), ..SignUpInput::default() };
            refused(state, "/signin", SIGNIN_FLASH, &e, input).await;
            Err(e)
        }
    }
}

async fn send_sign_in_code(state: &AppState, typed: &str) -> Result<(PhoneNumber, Option<Notice>), SignFormError> {
    let phone = PhoneNumber::parse(typed)
        .map_err(|e| SignFormError::Invalid { problems: vec![(Field::Phone, Problem::Phone(e))] })?;
    let has_account = matches!(account::find_by_phone(&state.db, &phone).await, Ok(Some(_)));
    let Client(client) = caller(state).await?;
    let sent = send_code(state, &phone, OtpPurpose::SignIn, &client, has_account).await;
    match sent {
        Ok(()) => Ok((phone, None)),
        // a code sent a moment ago is still good: type it, or wait for a new one
        Err(notice @ Notice::ResendTooSoon { .. }) => Ok((phone, Some(notice))),
        Err(notice) => Err(SignFormError::Notice(notice)),
    }
}

fn parse_purpose(s: &str) -> Option<OtpPurpose> {
    match s {
        "sign_up" => Some(OtpPurpose::SignUp),
        "sign_in" => Some(OtpPurpose::SignIn),
        _ => None,
    }
}

/// The code page's data for `phone` and `purpose` (from its address): when the newest code went out and how, how
/// long until a new one may be asked for, and the notice its last form left (or "sent again" after a resend).
pub(crate) async fn verify_page_data(
    state: &AppState,
    phone: &str,
    purpose: &str,
    resent: bool,
) -> Result<VerifyPageData, Refusal> {
    let (Ok(phone), Some(purpose)) = (PhoneNumber::parse(phone), parse_purpose(purpose)) else {
        // an address our pages did not make: sign-in starts again
        return Err(Refusal::SignIn);
    };
    let kept: Option<Option<Notice>> = flash::take(state, &verify_flash(&phone, purpose)).await;
    let notice = kept.flatten().or(resent.then_some(Notice::CodeSent));
    let latest = otp::latest(&state.db, &phone, purpose).await.ok().flatten();
    let resend_in = latest
        .as_ref()
        .map(|(at, _)| (at + OtpPolicy::default().resend_wait_seconds - now()).max(0))
        .unwrap_or(OtpPolicy::default().resend_wait_seconds);
    Ok(VerifyPageData {
        phone_e164: phone.e164().to_owned(),
        phone_display: phone.national(),
        purpose,
        resend_in,
        notice,
        sent: latest.map(|(at, how)| (format_time(at), how)),
        email_channel: state.mail.is_some() && purpose == OtpPurpose::SignIn,
    })
}

/// `/verify`: the right code creates the account (sign-up) or opens a session (sign-in).
pub(crate) async fn verify(state: &AppState, phone: &str, purpose: &str, code: &str) -> Result<(), SignFormError> {
    let (Ok(phone), Some(purpose)) = (PhoneNumber::parse(phone), parse_purpose(purpose)) else {
        return start_again();
    };
    let result = check_code(state, &phone, purpose, code).await;
    match &result {
        // the session is open: its cookie and the next page are set
        Ok(()) => {}
        // the sign-up itself cannot go on: the form again, with why
        Err(e @ SignFormError::Notice(Notice::PhoneTaken | Notice::CitizenIdTaken | Notice::SignUpExpired)) => {
            refused(state, "/signup", SIGNUP_FLASH, e, SignUpInput::default()).await;
        }
        Err(e) => refused_on_verify(state, &phone, purpose, e).await,
    }
    result
}

async fn check_code(state: &AppState, phone: &PhoneNumber, purpose: OtpPurpose, code: &str) -> Result<(), SignFormError> {
    let now = now();
    if let Err(e) = otp::verify(&state.db, &state.secret, &OtpPolicy::default(), phone, purpose, code, now).await {
        if let OtpError::Db(cause) = &e {
            tracing::error!(error = %cause, "checking a code failed");
        }
        return Err(SignFormError::Notice(otp_notice(&e)));
    }
    let account_id = match purpose {
        OtpPurpose::SignUp => match account::create_from_pending(&state.db, phone, now).await {
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
            Err(AccountError::PhoneTaken) => return Err(SignFormError::Notice(Notice::PhoneTaken)),
            Err(AccountError::CitizenIdTaken) => return Err(SignFormError::Notice(Notice::CitizenIdTaken)),
            Err(e) => {
                tracing::warn!(error = ?e, "no pending sign-up after a right code");
                return Err(SignFormError::Notice(Notice::SignUpExpired));
            }
        },
        _ => account::find_by_phone(&state.db, phone).await.ok().flatten(),
    };
    let Some(account_id) = account_id else { return Err(SignFormError::Notice(Notice::NoCode)) };
    // an account a community team registered becomes usable when its owner signs in with the code to their phone
    crate::teams::service::confirm_own(&state.db, &account_id, now)
        .await
        .map_err(|e| Refusal::unavailable("confirming an assisted registration", e))?;
    let Client(client) = caller(state).await?;
    super::mfa_web::open_session(state, &account_id, &user_agent(), &client, now).await?;
    Ok(())
}

/// `/otp/resend`: a new code after the wait, and the code page again ("sent again").
pub(crate) async fn resend(state: &AppState, phone: &str, purpose: &str) -> Result<Notice, SignFormError> {
    let (Ok(phone), Some(purpose)) = (PhoneNumber::parse(phone), parse_purpose(purpose)) else {
        return start_again();
    };
    let result = send_again(state, &phone, purpose).await;
    match &result {
        Ok(_) => reply::see_other(&format!("{}&resent=1", verify_location(&phone, purpose))),
        Err(e) => refused_on_verify(state, &phone, purpose, e).await,
    }
    result
}

async fn send_again(state: &AppState, phone: &PhoneNumber, purpose: OtpPurpose) -> Result<Notice, SignFormError> {
    let deliver = match purpose {
        OtpPurpose::SignIn => matches!(account::find_by_phone(&state.db, phone).await, Ok(Some(_))),
        _ => true,
    };
    let Client(client) = caller(state).await?;
    send_code(state, phone, purpose, &client, deliver).await.map_err(SignFormError::Notice)?;
    Ok(Notice::CodeSent)
}

/// `/otp/email` (sign-in): a new code to the account's verified e-mail address, when SMS does not arrive. The
/// answer is the same whether the number has an account and an address or not, and the request counts against
/// the same limits (60 s between codes, 10 an hour). Back to the code page with the answer.
pub(crate) async fn email_code(state: &AppState, phone: &str) -> Result<Notice, SignFormError> {
    let Ok(phone) = PhoneNumber::parse(phone) else { return start_again() };
    let purpose = OtpPurpose::SignIn;
    let result = mail_code(state, &phone).await;
    let notice = match &result {
        Ok(notice) => Some(*notice),
        Err(e) => shown(e).1,
    };
    reply::finish_form(state, &verify_location(&phone, purpose), &verify_flash(&phone, purpose), &result, notice).await;
    result
}

async fn mail_code(state: &AppState, phone: &PhoneNumber) -> Result<Notice, SignFormError> {
    let purpose = OtpPurpose::SignIn;
    let Some(mail) = state.mail.clone() else { return Err(SignFormError::Notice(Notice::EmailUnavailable)) };
    let address = match account::find_by_phone(&state.db, phone).await {
        Ok(Some(id)) => super::email::verified_of(&state.db, &id).await.ok().flatten(),
        _ => None,
    };
    let now = now();
    let Some(address) = address else {
        // nothing is sent, but the wait between codes is answered the same way
        let policy = OtpPolicy::default();
        return match otp::latest(&state.db, phone, purpose).await.ok().flatten() {
            Some((at, _)) if now - at < policy.resend_wait_seconds => {
                Err(SignFormError::Notice(Notice::ResendTooSoon { seconds: policy.resend_wait_seconds - (now - at) }))
            }
            _ => Ok(Notice::EmailCodeSent),
        };
    };
    let Client(client) = caller(state).await?;
    let issued = otp::issue(&state.db, &state.secret, &OtpPolicy::default(), phone, purpose, &client, now)
        .await
        .map_err(|e| {
            if let OtpError::Db(cause) = &e {
                tracing::error!(error = %cause, "issuing a code failed");
            }
            SignFormError::Notice(otp_notice(&e))
        })?;
    let (subject, body) = super::email::code_message(&issued.code);
    let sent = mail.send(&address, &subject, &body, now).await;
    let failure = sent.as_ref().err().map(|_| "unavailable");
    if let Err(e) = sms::record_delivery(&state.db, "email", purpose.as_str(), failure, now).await {
        tracing::error!(error = %e, "recording a code's delivery failed");
    }
    let how = if sent.is_ok() { "email" } else { "failed" };
    let _ = otp::mark_delivered(&state.db, phone, purpose, issued.created_at, how).await;
    if let Err(e) = sent {
        tracing::error!(error = %e, "an e-mail code could not be sent");
        return Err(SignFormError::Notice(Notice::SmsFailed));
    }
    tracing::info!(to = %phone.masked(), "code sent by e-mail");
    Ok(Notice::EmailCodeSent)
}

/// The session cookie's `Set-Cookie` line (an empty token with max age 0 clears it).
pub(crate) fn session_cookie(state: &AppState, token: &str, max_age: i64) -> String {
    crate::web::reply::cookie_line(state, COOKIE, token, max_age)
}

pub(crate) fn session_token(headers: &HeaderMap) -> Option<String> {
    crate::web::caller::cookie_of(headers, COOKIE)
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

fn iso_utc(seconds: i64) -> String {
    let date = Date::from_unix_vietnam(seconds - 7 * 3600);
    let t = seconds.rem_euclid(86_400);
    format!("{}T{:02}:{:02}:{:02}Z", date.iso(), t / 3600, (t % 3600) / 60, t % 60)
}

/// The accounts slice's routes outside the app: the chip ID card photo of the sign-up form (multipart), and the
/// development outbox as JSON (only under `--dev`).
pub fn routes(state: &AppState) -> axum::Router<AppState> {
    use axum::routing::{get, post};
    let router = axum::Router::new().route(
        "/signup/card",
        post(signup_card).layer(axum::extract::DefaultBodyLimit::max(crate::qr::counter::MAX_UPLOAD)),
    );
    if state.site.dev { router.route("/dev/outbox.json", get(outbox_json)) } else { router }
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
