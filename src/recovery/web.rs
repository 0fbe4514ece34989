//! HTTP for moving an account to a new number and for recovery codes. Every form is a plain HTML post; a handler
//! parses, calls the service, and renders the page again with what was typed and what is wrong, or redirects.
use axum::Form;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::domain::{IdentityCheck, RecoveryCode, mismatched_fields};
use super::service::{self, HelperRecord, Move, RecoveryError};
use super::{
    AssistMoveInput, AssistMoveState, CancelState, ChangeState, CodesState, MoveField, MoveNotice, MovePath,
    MoveProblem, RecoverState,
};
use crate::access::Role;
use crate::access::guard::{Denied, Principal};
use crate::identity::domain::{CitizenId, Date, FullName, PhoneNumber, Sex};
use crate::identity::otp::{self, OtpError, OtpPolicy};
use crate::identity::registry::{Verdict, VerifyRequest};
use crate::identity::web::{
    client_of, current_session, format_time, issue_and_send, no_store, now, otp_notice, render, see_other,
    set_session_cookie, unavailable,
};
use crate::identity::{OtpPurpose, Problem};
use crate::server::AppState;
use crate::units::UnitsVersion;

fn code_text(code: &str) -> String {
    format!(
        "Cong Dan So: ma {code} de chuyen tai khoan sang so dien thoai moi, hieu luc 5 phut. Khong dua ma nay cho ai \
         ngoai can bo dang giup ban tai quay. / Code {code} moves your account to a new number."
    )
}

fn old_code_text(code: &str) -> String {
    format!(
        "Cong Dan So: ma {code} xac nhan doi so dien thoai cua tai khoan, hieu luc 5 phut. Neu ban khong yeu cau, \
         dung dua ma cho ai. / Code {code} confirms changing your account's number."
    )
}

/// Sends a notice (not a code) by SMS; a failure is logged, the move goes on.
async fn tell(state: &AppState, to: Option<PhoneNumber>, text: String, now: i64) {
    let Some(to) = to else { return };
    if let Err(e) = state.sms.send(&to, &text, &format!("move-{now}"), now).await {
        tracing::error!(to = %to.masked(), error = %e, "a phone-move notice could not be sent");
    }
}

/// Tells the account's verified e-mail address, if it has one and the server sends e-mail.
async fn tell_email(state: &AppState, account_id: &str, subject: &str, body: String, now: i64) {
    let (Some(mail), Ok(Some(address))) = (&state.mail, crate::identity::email::verified_of(&state.db, account_id).await)
    else {
        return;
    };
    if let Err(e) = mail.send(&address, subject, &body, now).await {
        tracing::error!(error = %e, "a phone-move notice could not be e-mailed");
    }
}

/// Both numbers (and the e-mail address) are told once an account has moved.
async fn tell_moved(state: &AppState, m: &Move, now: i64) {
    let to = m.to().map(|p| p.partly_hidden()).unwrap_or_default();
    let when = format_time(now);
    let old = format!(
        "Cong Dan So: tai khoan cua ban da chuyen sang so {to} luc {when}. Neu khong phai ban, hay den bo phan mot cua \
         phuong ngay. / Your account moved to {to}."
    );
    tell(state, m.from(), old, now).await;
    let new = "Cong Dan So: tai khoan cua ban da chuyen sang so dien thoai nay. Hay dang nhap lai. / Your account now \
               uses this number."
        .to_owned();
    tell(state, m.to(), new, now).await;
    let body = format!(
        "Tài khoản Công Dân Số của bạn đã chuyển sang số điện thoại {to} lúc {when}. Nếu không phải bạn, hãy đến bộ phận một cửa của phường ngay.\nYour Công Dân Số account moved to {to}."
    );
    tell_email(state, &m.account_id, "Tài khoản Công Dân Số đã chuyển sang số mới", body, now).await;
}

/// Signed out (the move ended every session): the sign-in page says why.
fn moved_response(state: &AppState) -> Response {
    let mut response = see_other("/signin?moved=1");
    set_session_cookie(&mut response, state, "", 0);
    response
}

/// The form's notice for a refused move; None: our side failed (logged), answer 503.
fn recovery_notice(e: RecoveryError) -> Option<MoveNotice> {
    match e {
        RecoveryError::PhoneTaken | RecoveryError::SamePhone => Some(MoveNotice::PhoneTaken),
        RecoveryError::WrongCode => Some(MoveNotice::WrongRecovery),
        RecoveryError::Locked => Some(MoveNotice::Locked),
        RecoveryError::StepOver => Some(MoveNotice::StepOver),
        RecoveryError::HelperLimit => Some(MoveNotice::HelperLimit),
        RecoveryError::Db(e) => {
            tracing::error!(error = ?e, "a phone move failed");
            None
        }
    }
}

// ---- path 1: the old phone still works ------------------------------------------------------------------------

async fn change_page(state: &AppState, headers: &HeaderMap, page: ChangeState, status: StatusCode) -> Response {
    no_store(render(state, "/me/phone", headers, page, status).await)
}

async fn own_phone(state: &AppState, account_id: &str) -> Result<PhoneNumber, Response> {
    let mut res = state
        .db
        .query("SELECT VALUE phone FROM ONLY type::record('account', $id)")
        .bind(("id", account_id.to_owned()))
        .await
        .map_err(|e| unavailable("reading the phone", e))?;
    let phone: Option<String> = res.take(0).map_err(|e| unavailable("reading the phone", e))?;
    phone.and_then(|p| PhoneNumber::parse(&p).ok()).ok_or_else(|| StatusCode::SERVICE_UNAVAILABLE.into_response())
}

/// GET /me/phone
pub async fn change_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(active) = current_session(&state, &headers).await else { return see_other("/signin") };
    let current = match own_phone(&state, &active.account_id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    change_page(&state, &headers, ChangeState { current: current.national(), ..ChangeState::default() }, StatusCode::OK)
        .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChangeForm {
    new_phone: String,
    code_old: String,
    code_new: String,
}

/// POST /me/phone: a code to the old number and one to the new.
pub async fn change_send(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<ChangeForm>,
) -> Response {
    let Some(active) = current_session(&state, &headers).await else { return see_other("/signin") };
    let current = match own_phone(&state, &active.account_id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let mut page = ChangeState { current: current.national(), new_phone: form.new_phone.clone(), ..ChangeState::default() };
    let new_phone = match PhoneNumber::parse(&form.new_phone) {
        Ok(p) if p == current => {
            page.problems.push((MoveField::NewPhone, MoveProblem::SamePhone));
            return change_page(&state, &headers, page, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Ok(p) => p,
        Err(e) => {
            page.problems.push((MoveField::NewPhone, e.into()));
            return change_page(&state, &headers, page, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    match crate::identity::account::find_by_phone(&state.db, &new_phone).await {
        Ok(Some(_)) => {
            page.notice = Some(MoveNotice::PhoneTaken);
            return change_page(&state, &headers, page, StatusCode::CONFLICT).await;
        }
        Ok(None) => {}
        Err(e) => return unavailable("checking the new number", e),
    }
    let client = client_of(&state, peer, &headers);
    let policy = OtpPolicy::default();
    let old = issue_and_send(&state, &current, OtpPurpose::ChangeOld, &client, &policy, Some(&old_code_text)).await;
    let new = issue_and_send(&state, &new_phone, OtpPurpose::ChangeNew, &client, &policy, Some(&code_text)).await;
    page.new_phone = new_phone.national();
    let status = match (old, new) {
        (Ok(()), Ok(())) => {
            page.sent = true;
            page.notice = Some(MoveNotice::CodesSent);
            StatusCode::OK
        }
        // a code sent a moment ago is still good: the second step is shown with the answer
        (Err(n), _) => {
            page.sent = matches!(n, crate::identity::Notice::ResendTooSoon { .. });
            page.notice = Some(MoveNotice::CodeOld(n));
            StatusCode::TOO_MANY_REQUESTS
        }
        (_, Err(n)) => {
            page.sent = matches!(n, crate::identity::Notice::ResendTooSoon { .. });
            page.notice = Some(MoveNotice::CodeNew(n));
            StatusCode::TOO_MANY_REQUESTS
        }
    };
    change_page(&state, &headers, page, status).await
}

/// POST /me/phone/confirm: both codes; then the account moves and every session ends.
pub async fn change_confirm(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<ChangeForm>) -> Response {
    let Some(active) = current_session(&state, &headers).await else { return see_other("/signin") };
    let current = match own_phone(&state, &active.account_id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Ok(new_phone) = PhoneNumber::parse(&form.new_phone) else { return see_other("/me/phone") };
    let now = now();
    let mut page = ChangeState { current: current.national(), new_phone: new_phone.national(), sent: true, ..ChangeState::default() };
    let policy = OtpPolicy::default();
    let key = &state.secret;
    // both are checked before either is used: a typo in one does not waste the other
    let old = otp::check(&state.db, key, &policy, &current, OtpPurpose::ChangeOld, &form.code_old, now).await;
    let new = otp::check(&state.db, key, &policy, &new_phone, OtpPurpose::ChangeNew, &form.code_new, now).await;
    let ids = match (old, new) {
        (Ok(a), Ok(b)) => vec![a, b],
        (Err(e), _) => {
            page.notice = Some(MoveNotice::CodeOld(otp_notice(&e)));
            return change_page(&state, &headers, page, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        (_, Err(e)) => {
            page.notice = Some(MoveNotice::CodeNew(otp_notice(&e)));
            return change_page(&state, &headers, page, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    if let Err(e) = otp::consume(&state.db, &ids, now).await {
        page.notice = Some(MoveNotice::Code(otp_notice(&e)));
        return change_page(&state, &headers, page, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    finish_now(&state, &headers, &active.account_id, &current, &new_phone, MovePath::OldPhone, now, |notice| {
        ChangeState { notice: Some(notice), ..page.clone() }
    })
    .await
}

/// Starts and applies a move in one go (paths 1 and 2, once every code was right).
#[allow(clippy::too_many_arguments)]
async fn finish_now<P: Clone + Send + Sync + 'static>(
    state: &AppState,
    headers: &HeaderMap,
    account_id: &str,
    from: &PhoneNumber,
    to: &PhoneNumber,
    path: MovePath,
    now: i64,
    page: impl Fn(MoveNotice) -> P,
) -> Response {
    let started = service::start(&state.db, account_id, from, to, path, None, now).await;
    let applied = match started {
        Ok(token) => match service::by_token(&state.db, &token, now).await {
            Ok(Some(m)) => service::apply(&state.db, &m, "waiting_code", now).await.map(|()| m),
            Ok(None) => Err(RecoveryError::StepOver),
            Err(e) => Err(RecoveryError::Db(e)),
        },
        Err(e) => Err(e),
    };
    match applied {
        Ok(m) => {
            tracing::info!(path = path.as_str(), "an account moved to a new number");
            tell_moved(state, &m, now).await;
            moved_response(state)
        }
        Err(e) => match recovery_notice(e) {
            Some(notice) => {
                let route = if path == MovePath::OldPhone { "/me/phone" } else { "/recover" };
                no_store(render(state, route, headers, page(notice), StatusCode::CONFLICT).await)
            }
            None => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        },
    }
}

/// POST /me/phone/cancel: the owner, signed in, cancels a waiting assisted move.
pub async fn cancel_own(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(active) = current_session(&state, &headers).await else { return see_other("/signin") };
    match service::waiting_for(&state.db, &active.account_id).await {
        Ok(Some(m)) => match service::cancel(&state.db, &m, now()).await {
            Ok(_) => see_other("/me?move=cancelled"),
            Err(e) => unavailable("cancelling a move", e),
        },
        Ok(None) => see_other("/me"),
        Err(e) => unavailable("reading a move", e),
    }
}

// ---- recovery codes ------------------------------------------------------------------------------------------

async fn codes_state(state: &AppState, account_id: &str, fresh: Vec<String>) -> Result<CodesState, Response> {
    let (left, made) = service::codes_left(&state.db, account_id).await.map_err(|e| unavailable("reading codes", e))?;
    Ok(CodesState { left, made_on: made.map(|t| Date::from_unix_vietnam(t).dmy()), fresh })
}

/// GET /me/recovery
pub async fn codes_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(active) = current_session(&state, &headers).await else { return see_other("/signin") };
    match codes_state(&state, &active.account_id, Vec::new()).await {
        Ok(page) => no_store(render(&state, "/me/recovery", &headers, page, StatusCode::OK).await),
        Err(r) => r,
    }
}

/// POST /me/recovery: a new set of ten codes, shown in this answer only.
pub async fn codes_make(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(active) = current_session(&state, &headers).await else { return see_other("/signin") };
    let codes = match service::new_set(&state.db, &state.secret, &active.account_id, now()).await {
        Ok(codes) => codes,
        Err(e) => return unavailable("making recovery codes", e),
    };
    let fresh = codes.iter().map(RecoveryCode::display).collect();
    match codes_state(&state, &active.account_id, fresh).await {
        Ok(page) => no_store(render(&state, "/me/recovery", &headers, page, StatusCode::OK).await),
        Err(r) => r,
    }
}

// ---- path 2: recovery code + the new phone's code -------------------------------------------------------------

async fn recover_page(state: &AppState, headers: &HeaderMap, page: RecoverState, status: StatusCode) -> Response {
    no_store(render(state, "/recover", headers, page, status).await)
}

/// GET /recover
pub async fn recover_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    recover_page(&state, &headers, RecoverState::default(), StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RecoverForm {
    phone: String,
    recovery_code: String,
    new_phone: String,
    token: String,
    code: String,
}

/// POST /recover: the account's number, a recovery code and the new number; then a code to the new number.
pub async fn recover_start(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<RecoverForm>,
) -> Response {
    let mut page = RecoverState { phone: form.phone.clone(), new_phone: form.new_phone.clone(), ..RecoverState::default() };
    let phone = PhoneNumber::parse(&form.phone).map_err(|e| page.problems.push((MoveField::Phone, e.into()))).ok();
    let code = RecoveryCode::parse(&form.recovery_code)
        .map_err(|e| page.problems.push((MoveField::RecoveryCode, MoveProblem::RecoveryCode(e))))
        .ok();
    let new_phone =
        PhoneNumber::parse(&form.new_phone).map_err(|e| page.problems.push((MoveField::NewPhone, e.into()))).ok();
    if let (Some(a), Some(b)) = (&phone, &new_phone)
        && a == b
    {
        page.problems.push((MoveField::NewPhone, MoveProblem::SamePhone));
    }
    let (Some(phone), Some(code), Some(new_phone)) = (phone, code, new_phone) else {
        return recover_page(&state, &headers, page, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    if !page.problems.is_empty() {
        return recover_page(&state, &headers, page, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    // a number that has an account already is refused before any recovery code is used up
    match crate::identity::account::find_by_phone(&state.db, &new_phone).await {
        Ok(Some(_)) => {
            page.notice = Some(MoveNotice::PhoneTaken);
            return recover_page(&state, &headers, page, StatusCode::CONFLICT).await;
        }
        Ok(None) => {}
        Err(e) => return unavailable("checking the new number", e),
    }
    let now = now();
    let client = client_of(&state, peer, &headers);
    let account = match service::active_account_by_phone(&state.db, &phone).await {
        Ok(a) => a,
        Err(e) => return unavailable("finding an account", e),
    };
    let started = match service::use_code(&state.db, &state.secret, account.as_deref(), &code, &client, now).await {
        Ok(()) => {
            let account = account.as_deref().unwrap_or_default();
            service::start(&state.db, account, &phone, &new_phone, MovePath::RecoveryCode, None, now).await
        }
        Err(e) => Err(e),
    };
    match started {
        Ok(token) => {
            let sent =
                issue_and_send(&state, &new_phone, OtpPurpose::Recover, &client, &OtpPolicy::default(), Some(&code_text))
                    .await;
            page.token = Some(token);
            page.new_phone = new_phone.national();
            page.notice = Some(match sent {
                Ok(()) => MoveNotice::CodeSentToNew,
                Err(n) => MoveNotice::Code(n),
            });
            recover_page(&state, &headers, page, StatusCode::OK).await
        }
        Err(e) => match recovery_notice(e) {
            Some(notice) => {
                page.notice = Some(notice);
                recover_page(&state, &headers, page, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            None => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        },
    }
}

/// POST /recover/resend: the new number's code again (after the 60 s wait), without using another recovery code.
pub async fn recover_resend(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<RecoverForm>,
) -> Response {
    let to = match service::by_token(&state.db, &form.token, now()).await {
        Ok(Some(m)) if m.path == MovePath::RecoveryCode.as_str() => m.to(),
        Ok(_) => None,
        Err(e) => return unavailable("reading a move", e),
    };
    let Some(to) = to else {
        let page = RecoverState { notice: Some(MoveNotice::StepOver), ..RecoverState::default() };
        return recover_page(&state, &headers, page, StatusCode::GONE).await;
    };
    let client = client_of(&state, peer, &headers);
    let sent = issue_and_send(&state, &to, OtpPurpose::Recover, &client, &OtpPolicy::default(), Some(&code_text)).await;
    let status = if sent.is_ok() { StatusCode::OK } else { StatusCode::TOO_MANY_REQUESTS };
    let page = RecoverState {
        token: Some(form.token),
        new_phone: to.national(),
        notice: Some(match sent {
            Ok(()) => MoveNotice::CodeSentToNew,
            Err(n) => MoveNotice::Code(n),
        }),
        ..RecoverState::default()
    };
    recover_page(&state, &headers, page, status).await
}

/// POST /recover/confirm: the new number's code; then the account moves.
pub async fn recover_confirm(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<RecoverForm>) -> Response {
    let now = now();
    let m = match service::by_token(&state.db, &form.token, now).await {
        Ok(Some(m)) if m.path == MovePath::RecoveryCode.as_str() => m,
        Ok(_) => {
            let page = RecoverState { notice: Some(MoveNotice::StepOver), ..RecoverState::default() };
            return recover_page(&state, &headers, page, StatusCode::GONE).await;
        }
        Err(e) => return unavailable("reading a move", e),
    };
    let Some(to) = m.to() else { return StatusCode::SERVICE_UNAVAILABLE.into_response() };
    let mut page = RecoverState { token: Some(form.token.clone()), new_phone: to.national(), ..RecoverState::default() };
    if let Err(e) = otp::verify(&state.db, &state.secret, &OtpPolicy::default(), &to, OtpPurpose::Recover, &form.code, now).await {
        page.notice = Some(MoveNotice::Code(otp_notice(&e)));
        if matches!(e, OtpError::TooManyTries) {
            page.token = None;
        }
        return recover_page(&state, &headers, page, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match service::apply(&state.db, &m, "waiting_code", now).await {
        Ok(()) => {
            tracing::info!(path = m.path.as_str(), "an account moved to a new number");
            tell_moved(&state, &m, now).await;
            moved_response(&state)
        }
        Err(e) => match recovery_notice(e) {
            Some(notice) => {
                let page = RecoverState { notice: Some(notice), ..RecoverState::default() };
                recover_page(&state, &headers, page, StatusCode::CONFLICT).await
            }
            None => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        },
    }
}

// ---- path 3: assisted, at a ward counter or with a community team member --------------------------------------

/// Proof that the caller helps residents of these wards: a community team member (their teams' wards) or a ward
/// officer (their wards). Made only by [`helper`].
pub struct Helper {
    account_id: String,
    wards: Vec<String>,
}

async fn helper(state: &AppState, headers: &HeaderMap) -> Result<Helper, Response> {
    let principal = match Principal::of_request(state, headers).await {
        Ok(p) => p,
        Err(denied) => return Err(denied.response(state, headers).await),
    };
    let mut wards = Vec::new();
    let mut refusal = Denied::Forbidden;
    match principal.granter() {
        Ok(granter) if !granter.wards().is_empty() => {
            wards.extend(granter.wards());
        }
        Ok(_) => {}
        Err(d) => refusal = d,
    }
    match principal.scoped(Role::TeamMember) {
        Ok(scoped) => {
            for team in scoped.scopes() {
                match crate::access::service::team_ward(&state.db, team).await {
                    Ok(Some(ward)) => wards.push(ward),
                    Ok(None) => {}
                    Err(e) => return Err(unavailable("reading a team's ward", e)),
                }
            }
        }
        Err(Denied::SecondFactor) => refusal = Denied::SecondFactor,
        Err(_) => {}
    }
    wards.sort();
    wards.dedup();
    if wards.is_empty() {
        return Err(refusal.response(state, headers).await);
    }
    Ok(Helper { account_id: principal.account_id().to_owned(), wards })
}

async fn assist_page(state: &AppState, headers: &HeaderMap, page: AssistMoveState, status: StatusCode) -> Response {
    no_store(render(state, "/assist/move", headers, page, status).await)
}

/// GET /assist/move
pub async fn assist_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match helper(&state, &headers).await {
        Ok(_) => assist_page(&state, &headers, AssistMoveState::default(), StatusCode::OK).await,
        Err(r) => r,
    }
}

/// The card's details as typed (or scanned), each field checked.
struct CardDetails {
    citizen_id: CitizenId,
    full_name: FullName,
    birth_date: Date,
    sex: Sex,
    new_phone: PhoneNumber,
    checked_how: IdentityCheck,
}

fn parse_card(input: &AssistMoveInput, problems: &mut Vec<(MoveField, MoveProblem)>) -> Option<CardDetails> {
    let mut bad = |field, problem| problems.push((field, MoveProblem::Identity(problem)));
    let full_name = FullName::parse(&input.full_name).map_err(|e| bad(MoveField::FullName, Problem::Name(e))).ok();
    let birth_date = Date::parse_dmy(&input.birth_date).map_err(|e| bad(MoveField::BirthDate, Problem::Date(e))).ok();
    let sex = Sex::parse(&input.sex);
    if sex.is_none() {
        bad(MoveField::Sex, Problem::SexMissing);
    }
    let citizen_id =
        CitizenId::parse(&input.citizen_id).map_err(|e| bad(MoveField::CitizenId, Problem::CitizenId(e))).ok();
    let new_phone = PhoneNumber::parse(&input.new_phone).map_err(|e| bad(MoveField::NewPhone, Problem::Phone(e))).ok();
    let checked_how = IdentityCheck::parse(&input.checked_how);
    if checked_how.is_none() {
        bad(MoveField::CheckedHow, Problem::ChoiceMissing);
    }
    Some(CardDetails {
        citizen_id: citizen_id?,
        full_name: full_name?,
        birth_date: birth_date?,
        sex: sex?,
        new_phone: new_phone?,
        checked_how: checked_how?,
    })
}

/// POST /assist/move: the card's details must be an active account of the helper's wards (and, at level 2, the
/// population registry's); then a code goes to the new number, which the person reads out.
pub async fn assist_start(State(state): State<AppState>, headers: HeaderMap, Form(input): Form<AssistMoveInput>) -> Response {
    let helper = match helper(&state, &headers).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let now = now();
    let mut page = AssistMoveState { input: input.clone(), ..AssistMoveState::default() };
    let Some(card) = parse_card(&input, &mut page.problems) else {
        return assist_page(&state, &headers, page, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    match service::helper_may_start(&state.db, &helper.account_id, now).await {
        Ok(true) => {}
        Ok(false) => {
            page.notice = Some(MoveNotice::HelperLimit);
            return assist_page(&state, &headers, page, StatusCode::TOO_MANY_REQUESTS).await;
        }
        Err(e) => return unavailable("reading a helper's limits", e),
    }
    let facts = match service::account_in_wards(&state.db, card.citizen_id.as_str(), &helper.wards).await {
        Ok(Some(f)) => f,
        Ok(None) => {
            let _ = service::record_mismatch(&state.db, &helper.account_id, "not_in_ward", now).await;
            page.notice = Some(MoveNotice::NotInWard);
            return assist_page(&state, &headers, page, StatusCode::NOT_FOUND).await;
        }
        Err(e) => return unavailable("finding an account", e),
    };
    let differing = mismatched_fields(
        (&facts.full_name, facts.birth_date.as_deref(), facts.sex.as_deref()),
        (&card.full_name, card.birth_date, card.sex),
    );
    if !differing.is_empty() {
        let _ = service::record_mismatch(&state.db, &helper.account_id, &differing.join(","), now).await;
        page.notice = Some(MoveNotice::Mismatch(differing));
        return assist_page(&state, &headers, page, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    if facts.level >= 2 {
        let Some(registry) = &state.registry else {
            page.notice = Some(MoveNotice::RegistryUnavailable);
            return assist_page(&state, &headers, page, StatusCode::SERVICE_UNAVAILABLE).await;
        };
        let request = VerifyRequest {
            citizen_id: card.citizen_id.as_str().to_owned(),
            full_name: card.full_name.as_str().to_owned(),
            date_of_birth: card.birth_date.iso(),
        };
        match registry.verify(&request).await {
            Ok(Verdict::Match) => {}
            Ok(_) => {
                let _ = service::record_mismatch(&state.db, &helper.account_id, "registry", now).await;
                page.notice = Some(MoveNotice::RegistryMismatch);
                return assist_page(&state, &headers, page, StatusCode::UNPROCESSABLE_ENTITY).await;
            }
            Err(cause) => {
                tracing::warn!(cause = %cause, "the population registry could not check a move");
                page.notice = Some(MoveNotice::RegistryUnavailable);
                return assist_page(&state, &headers, page, StatusCode::SERVICE_UNAVAILABLE).await;
            }
        }
    }
    let Ok(from) = PhoneNumber::parse(&facts.phone) else { return StatusCode::SERVICE_UNAVAILABLE.into_response() };
    let record = HelperRecord {
        account_id: &helper.account_id,
        ward: &facts.ward,
        checked_how: card.checked_how,
        note: &input.note,
    };
    match service::start(&state.db, &facts.id, &from, &card.new_phone, MovePath::Assisted, Some(&record), now).await {
        Ok(token) => {
            let client = format!("helper:{}", helper.account_id);
            let sent =
                issue_and_send(&state, &card.new_phone, OtpPurpose::MoveNew, &client, &OtpPolicy::default(), Some(&code_text))
                    .await;
            page.token = Some(token);
            page.input.new_phone = card.new_phone.national();
            page.notice = Some(match sent {
                Ok(()) => MoveNotice::CodeSentToNew,
                Err(n) => MoveNotice::Code(n),
            });
            assist_page(&state, &headers, page, StatusCode::OK).await
        }
        Err(RecoveryError::SamePhone) => {
            page.problems.push((MoveField::NewPhone, MoveProblem::SamePhone));
            assist_page(&state, &headers, page, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => match recovery_notice(e) {
            Some(notice) => {
                page.notice = Some(notice);
                assist_page(&state, &headers, page, StatusCode::CONFLICT).await
            }
            None => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        },
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AssistConfirmForm {
    token: String,
    code: String,
}

/// The move a helper's form token belongs to: only the helper who started it, only in their wards, while the step
/// lasts; with its new number.
async fn helpers_move(
    state: &AppState,
    headers: &HeaderMap,
    helper: &Helper,
    token: &str,
    now: i64,
) -> Result<(Move, PhoneNumber), Response> {
    match service::by_token(&state.db, token, now).await {
        Ok(Some(m))
            if m.helper_id.as_deref() == Some(helper.account_id.as_str())
                && m.helper_ward.as_ref().is_some_and(|w| helper.wards.contains(w)) =>
        {
            let to = m.to().ok_or_else(|| StatusCode::SERVICE_UNAVAILABLE.into_response())?;
            Ok((m, to))
        }
        Ok(_) => {
            let page = AssistMoveState { notice: Some(MoveNotice::StepOver), ..AssistMoveState::default() };
            Err(assist_page(state, headers, page, StatusCode::GONE).await)
        }
        Err(e) => Err(unavailable("reading a move", e)),
    }
}

/// POST /assist/move/resend: the new number's code again (after the 60 s wait), on the same step.
pub async fn assist_resend(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<AssistConfirmForm>) -> Response {
    let helper = match helper(&state, &headers).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let (_, to) = match helpers_move(&state, &headers, &helper, &form.token, now()).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let client = format!("helper:{}", helper.account_id);
    let sent = issue_and_send(&state, &to, OtpPurpose::MoveNew, &client, &OtpPolicy::default(), Some(&code_text)).await;
    let mut page = AssistMoveState { token: Some(form.token), ..AssistMoveState::default() };
    page.input.new_phone = to.national();
    let status = if sent.is_ok() { StatusCode::OK } else { StatusCode::TOO_MANY_REQUESTS };
    page.notice = Some(match sent {
        Ok(()) => MoveNotice::CodeSentToNew,
        Err(n) => MoveNotice::Code(n),
    });
    assist_page(&state, &headers, page, status).await
}

/// POST /assist/move/confirm: the new number's code, read out by the person. The move then waits its period, and
/// the old number gets a link to cancel it.
pub async fn assist_confirm(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<AssistConfirmForm>) -> Response {
    let helper = match helper(&state, &headers).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let now = now();
    let (m, to) = match helpers_move(&state, &headers, &helper, &form.token, now).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    if let Err(e) = otp::verify(&state.db, &state.secret, &OtpPolicy::default(), &to, OtpPurpose::MoveNew, &form.code, now).await {
        let mut page = AssistMoveState { token: Some(form.token.clone()), ..AssistMoveState::default() };
        page.input.new_phone = to.national();
        page.notice = Some(MoveNotice::Code(otp_notice(&e)));
        return assist_page(&state, &headers, page, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let due = super::domain::due_at(now, state.move_wait_minutes);
    let cancel = match service::schedule(&state.db, &m, due, now).await {
        Ok(cancel) => cancel,
        Err(e) => {
            return match recovery_notice(e) {
                Some(notice) => {
                    let page = AssistMoveState { notice: Some(notice), ..AssistMoveState::default() };
                    assist_page(&state, &headers, page, StatusCode::CONFLICT).await
                }
                None => StatusCode::SERVICE_UNAVAILABLE.into_response(),
            };
        }
    };
    let ward = m
        .helper_ward
        .as_deref()
        .and_then(|w| state.units.get(w, UnitsVersion::CURRENT))
        .map(|u| crate::domain::text::fold(&u.name))
        .unwrap_or_default();
    let text = format!(
        "Cong Dan So: co yeu cau chuyen tai khoan cua ban sang so {} tai {}. Tai khoan se chuyen luc {}. Neu khong phai \
         ban, huy ngay: {}/move/cancel/{} / A move of your account to a new number was requested; cancel it with this link.",
        to.partly_hidden(),
        ward,
        format_time(due),
        state.public_url,
        cancel
    );
    tell(&state, m.from(), text, now).await;
    let body = format!(
        "Có yêu cầu chuyển tài khoản Công Dân Số của bạn sang số {} tại {}. Tài khoản sẽ chuyển lúc {}.\n\
         Nếu không phải bạn, hãy huỷ ngay: {}/move/cancel/{}\n\nA move of your account to a new number was requested; \
         cancel it with this link if it was not you.",
        to.partly_hidden(),
        m.helper_ward.as_deref().and_then(|w| state.units.get(w, UnitsVersion::CURRENT)).map(|u| u.name.clone()).unwrap_or_default(),
        format_time(due),
        state.public_url,
        cancel
    );
    tell_email(&state, &m.account_id, "Yêu cầu chuyển tài khoản Công Dân Số sang số mới", body, now).await;
    tracing::info!(ward = m.helper_ward.as_deref().unwrap_or(""), "an assisted phone move is waiting its period");
    let page = AssistMoveState {
        notice: Some(MoveNotice::Scheduled { to: to.partly_hidden(), due: format_time(due) }),
        ..AssistMoveState::default()
    };
    assist_page(&state, &headers, page, StatusCode::OK).await
}

// ---- cancelling from the old number ---------------------------------------------------------------------------

async fn cancel_state(state: &AppState, token: &str) -> Result<CancelState, Response> {
    let waiting = service::by_cancel_link(&state.db, token).await.map_err(|e| unavailable("reading a move", e))?;
    Ok(CancelState {
        token: token.to_owned(),
        waiting: waiting.map(|m| {
            (m.to().map(|p| p.partly_hidden()).unwrap_or_default(), m.due_at.map(format_time).unwrap_or_default())
        }),
        cancelled: false,
    })
}

/// GET /move/cancel/{token}: what is waiting, and a button (a link preview must not cancel anything).
pub async fn cancel_page(State(state): State<AppState>, headers: HeaderMap, Path(token): Path<String>) -> Response {
    match cancel_state(&state, &token).await {
        Ok(page) => no_store(render(&state, "/move/cancel", &headers, page, StatusCode::OK).await),
        Err(r) => r,
    }
}

/// POST /move/cancel/{token}
pub async fn cancel_link(State(state): State<AppState>, headers: HeaderMap, Path(token): Path<String>) -> Response {
    let found = match service::by_cancel_link(&state.db, &token).await {
        Ok(found) => found,
        Err(e) => return unavailable("reading a move", e),
    };
    let cancelled = match found {
        Some(m) => match service::cancel(&state.db, &m, now()).await {
            Ok(done) => done,
            Err(e) => return unavailable("cancelling a move", e),
        },
        None => false,
    };
    let page = CancelState { token, waiting: None, cancelled };
    no_store(render(&state, "/move/cancel", &headers, page, StatusCode::OK).await)
}

/// Applies the assisted moves whose waiting period is over, every `every`, and tells both numbers.
pub async fn move_loop(state: AppState, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let now = now();
        match service::apply_due(&state.db, now).await {
            Ok(moved) => {
                for m in &moved {
                    tracing::info!(path = m.path.as_str(), "an assisted move took effect");
                    tell_moved(&state, m, now).await;
                }
            }
            Err(e) => tracing::error!(error = %e, "applying due phone moves failed"),
        }
    }
}
