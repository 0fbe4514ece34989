//! Moving an account to a new number: the work of each form of the move pages, for their server functions
//! (`super::api`), with its limits, audit lines and messages to both numbers, the link sent to the old number to
//! cancel an assisted move (`/move/cancel/{token}`), and the loop that applies assisted moves once their waiting
//! period is over. A form's work fills in what its page shows next (the number as parsed, the step's token) and
//! answers with a notice, or why it did nothing.
use leptos::prelude::use_context;

use super::api::MoveFormError;
use super::domain::{IdentityCheck, RecoveryCode, mismatched_fields};
use super::service::{self, HelperRecord, Move, RecoveryError};
use super::{
    AssistMoveInput, AssistMovePageData, CancelPageData, ChangePageData, MoveField, MoveNotice, MovePath, MoveProblem,
    RecoverPageData,
};
use crate::access::Role;
use crate::access::guard::{Denied, Principal};
use crate::identity::domain::{CitizenId, Date, FullName, PhoneNumber, Sex};
use crate::identity::otp::{self, OtpError, OtpPolicy};
use crate::identity::registry::{Verdict, VerifyRequest};
use crate::identity::web::{format_time, issue_and_send, now, otp_notice};
use crate::identity::{Notice, OtpPurpose, Problem};
use crate::units::UnitsVersion;
use crate::web::caller::{Citizen, Client, caller};
use crate::web::{AppState, Refusal};

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

/// A refused move as the form's notice; our side failing is logged, and answered as unavailable.
impl From<RecoveryError> for MoveFormError {
    fn from(e: RecoveryError) -> Self {
        let notice = match e {
            RecoveryError::PhoneTaken | RecoveryError::SamePhone => MoveNotice::PhoneTaken,
            RecoveryError::WrongCode => MoveNotice::WrongRecovery,
            RecoveryError::Locked => MoveNotice::Locked,
            RecoveryError::StepOver => MoveNotice::StepOver,
            RecoveryError::HelperLimit => MoveNotice::HelperLimit,
            RecoveryError::Db(e) => return Refusal::unavailable("a phone move", e).into(),
        };
        MoveFormError::Notice(notice)
    }
}

/// One field that breaks a rule.
fn invalid(field: MoveField, problem: MoveProblem) -> MoveFormError {
    MoveFormError::Invalid { problems: vec![(field, problem)] }
}

/// A code's answer about the whole form.
fn code_refused(notice: Notice) -> MoveFormError {
    MoveFormError::Notice(MoveNotice::Code(notice))
}

/// Starts and applies a move in one go (paths 1 and 2, once every code was right), and tells both numbers.
async fn move_now(
    state: &AppState,
    account_id: &str,
    from: &PhoneNumber,
    to: &PhoneNumber,
    path: MovePath,
    now: i64,
) -> Result<(), MoveFormError> {
    let token = service::start(&state.db, account_id, from, to, path, None, now).await?;
    let m = match service::by_token(&state.db, &token, now).await {
        Ok(Some(m)) => m,
        Ok(None) => return Err(RecoveryError::StepOver.into()),
        Err(e) => return Err(RecoveryError::Db(e).into()),
    };
    service::apply(&state.db, &m, "waiting_code", now).await?;
    tracing::info!(path = path.as_str(), "an account moved to a new number");
    tell_moved(state, &m, now).await;
    Ok(())
}

// ---- path 1: the old phone still works ------------------------------------------------------------------------

/// The account's number now.
pub async fn own_phone(state: &AppState, account_id: &str) -> Result<PhoneNumber, Refusal> {
    let phone: Option<String> = state
        .db
        .query("SELECT VALUE phone FROM ONLY type::record('account', $id)")
        .bind(("id", account_id.to_owned()))
        .await
        .and_then(|mut r| r.take::<Option<String>>(0))
        .map_err(|e| Refusal::unavailable("reading the phone", e))?;
    phone
        .and_then(|p| PhoneNumber::parse(&p).ok())
        .ok_or_else(|| Refusal::unavailable("reading the phone", "the account has no valid number"))
}

/// `/me/phone`: a code to the caller's number and one to the new number `typed`.
pub async fn change_send(
    state: &AppState,
    typed: &str,
    page: &mut ChangePageData,
) -> Result<MoveNotice, MoveFormError> {
    let citizen: Citizen = caller(state).await?;
    let current = own_phone(state, &citizen.account_id).await?;
    let new_phone = match PhoneNumber::parse(typed) {
        Ok(p) if p == current => return Err(invalid(MoveField::NewPhone, MoveProblem::SamePhone)),
        Ok(p) => p,
        Err(e) => return Err(invalid(MoveField::NewPhone, e.into())),
    };
    match crate::identity::account::find_by_phone(&state.db, &new_phone).await {
        Ok(Some(_)) => return Err(MoveFormError::Notice(MoveNotice::PhoneTaken)),
        Ok(None) => {}
        Err(e) => return Err(Refusal::unavailable("checking the new number", e).into()),
    }
    let Client(client) = caller(state).await?;
    let policy = OtpPolicy::default();
    let old = issue_and_send(state, &current, OtpPurpose::ChangeOld, &client, &policy, Some(&old_code_text)).await;
    let new = issue_and_send(state, &new_phone, OtpPurpose::ChangeNew, &client, &policy, Some(&code_text)).await;
    page.new_phone = new_phone.national();
    // a code sent a moment ago is still good: the second step is shown with the answer
    let (sent, answer) = match (old, new) {
        (Ok(()), Ok(())) => (true, Ok(MoveNotice::CodesSent)),
        (Err(n), _) => (matches!(n, Notice::ResendTooSoon { .. }), Err(MoveNotice::CodeOld(n))),
        (_, Err(n)) => (matches!(n, Notice::ResendTooSoon { .. }), Err(MoveNotice::CodeNew(n))),
    };
    page.sent = sent;
    answer.map_err(MoveFormError::Notice)
}

/// `/me/phone/confirm`: both codes; then the account moves and every session ends. A new number that does not
/// parse (the form was not the page's) is a bad request.
pub async fn change_confirm(
    state: &AppState,
    typed: &str,
    code_old: &str,
    code_new: &str,
    page: &mut ChangePageData,
) -> Result<(), MoveFormError> {
    let citizen: Citizen = caller(state).await?;
    let current = own_phone(state, &citizen.account_id).await?;
    let new_phone = PhoneNumber::parse(typed).map_err(|_| Refusal::BadRequest)?;
    page.new_phone = new_phone.national();
    let now = now();
    let policy = OtpPolicy::default();
    let key = &state.secret;
    // both are checked before either is used: a typo in one does not waste the other
    let old = otp::check(&state.db, key, &policy, &current, OtpPurpose::ChangeOld, code_old, now).await;
    let new = otp::check(&state.db, key, &policy, &new_phone, OtpPurpose::ChangeNew, code_new, now).await;
    let ids = match (old, new) {
        (Ok(a), Ok(b)) => vec![a, b],
        (Err(e), _) => return Err(MoveFormError::Notice(MoveNotice::CodeOld(otp_notice(&e)))),
        (_, Err(e)) => return Err(MoveFormError::Notice(MoveNotice::CodeNew(otp_notice(&e)))),
    };
    otp::consume(&state.db, &ids, now).await.map_err(|e| code_refused(otp_notice(&e)))?;
    move_now(state, &citizen.account_id, &current, &new_phone, MovePath::OldPhone, now).await
}

/// `/me/phone/cancel`: the owner, signed in, cancels the assisted move waiting on their account. False: none was
/// waiting.
pub async fn cancel_own(state: &AppState) -> Result<bool, Refusal> {
    let citizen: Citizen = caller(state).await?;
    let waiting = service::waiting_for(&state.db, &citizen.account_id)
        .await
        .map_err(|e| Refusal::unavailable("reading a move", e))?;
    let Some(m) = waiting else { return Ok(false) };
    service::cancel(&state.db, &m, now()).await.map_err(|e| Refusal::unavailable("cancelling a move", e))?;
    Ok(true)
}

// ---- path 2: recovery code + the new phone's code -------------------------------------------------------------

/// `/recover`: the account's number, a recovery code and the new number; then a code to the new number.
pub async fn recover_start(
    state: &AppState,
    phone: &str,
    recovery_code: &str,
    new_phone: &str,
    page: &mut RecoverPageData,
) -> Result<MoveNotice, MoveFormError> {
    let mut problems: Vec<(MoveField, MoveProblem)> = Vec::new();
    let phone = PhoneNumber::parse(phone).map_err(|e| problems.push((MoveField::Phone, e.into()))).ok();
    let code = RecoveryCode::parse(recovery_code)
        .map_err(|e| problems.push((MoveField::RecoveryCode, MoveProblem::RecoveryCode(e))))
        .ok();
    let new_phone = PhoneNumber::parse(new_phone).map_err(|e| problems.push((MoveField::NewPhone, e.into()))).ok();
    if let (Some(a), Some(b)) = (&phone, &new_phone)
        && a == b
    {
        problems.push((MoveField::NewPhone, MoveProblem::SamePhone));
    }
    let (Some(phone), Some(code), Some(new_phone)) = (phone, code, new_phone) else {
        return Err(MoveFormError::Invalid { problems });
    };
    if !problems.is_empty() {
        return Err(MoveFormError::Invalid { problems });
    }
    // a number that has an account already is refused before any recovery code is used up
    match crate::identity::account::find_by_phone(&state.db, &new_phone).await {
        Ok(Some(_)) => return Err(MoveFormError::Notice(MoveNotice::PhoneTaken)),
        Ok(None) => {}
        Err(e) => return Err(Refusal::unavailable("checking the new number", e).into()),
    }
    let now = now();
    let Client(client) = caller(state).await?;
    let account = service::active_account_by_phone(&state.db, &phone)
        .await
        .map_err(|e| Refusal::unavailable("finding an account", e))?;
    service::use_code(&state.db, &state.secret, account.as_deref(), &code, &client, now).await?;
    let account = account.as_deref().unwrap_or_default();
    let token = service::start(&state.db, account, &phone, &new_phone, MovePath::RecoveryCode, None, now).await?;
    let sent =
        issue_and_send(state, &new_phone, OtpPurpose::Recover, &client, &OtpPolicy::default(), Some(&code_text)).await;
    page.token = Some(token);
    page.new_phone = new_phone.national();
    Ok(match sent {
        Ok(()) => MoveNotice::CodeSentToNew,
        Err(n) => MoveNotice::Code(n),
    })
}

/// `/recover/resend`: the new number's code again (after the 60 s wait), without using another recovery code.
pub async fn recover_resend(
    state: &AppState,
    token: &str,
    page: &mut RecoverPageData,
) -> Result<MoveNotice, MoveFormError> {
    let to = match service::by_token(&state.db, token, now()).await {
        Ok(Some(m)) if m.path == MovePath::RecoveryCode.as_str() => m.to(),
        Ok(_) => None,
        Err(e) => return Err(Refusal::unavailable("reading a move", e).into()),
    };
    let Some(to) = to else { return Err(MoveFormError::Notice(MoveNotice::StepOver)) };
    let Client(client) = caller(state).await?;
    let sent = issue_and_send(state, &to, OtpPurpose::Recover, &client, &OtpPolicy::default(), Some(&code_text)).await;
    page.token = Some(token.to_owned());
    page.new_phone = to.national();
    sent.map(|()| MoveNotice::CodeSentToNew).map_err(code_refused)
}

/// `/recover/confirm`: the new number's code; then the account moves and every session ends.
pub async fn recover_confirm(
    state: &AppState,
    token: &str,
    code: &str,
    page: &mut RecoverPageData,
) -> Result<(), MoveFormError> {
    let now = now();
    let m = match service::by_token(&state.db, token, now).await {
        Ok(Some(m)) if m.path == MovePath::RecoveryCode.as_str() => m,
        Ok(_) => return Err(MoveFormError::Notice(MoveNotice::StepOver)),
        Err(e) => return Err(Refusal::unavailable("reading a move", e).into()),
    };
    let to = m.to().ok_or_else(|| Refusal::unavailable("reading a move", "its new number does not parse"))?;
    let policy = OtpPolicy::default();
    if let Err(e) = otp::verify(&state.db, &state.secret, &policy, &to, OtpPurpose::Recover, code, now).await {
        page.new_phone = to.national();
        // a code that died of wrong tries ends the step: the page starts again
        if !matches!(e, OtpError::TooManyTries) {
            page.token = Some(token.to_owned());
        }
        return Err(code_refused(otp_notice(&e)));
    }
    service::apply(&state.db, &m, "waiting_code", now).await?;
    tracing::info!(path = m.path.as_str(), "an account moved to a new number");
    tell_moved(state, &m, now).await;
    Ok(())
}

// ---- path 3: assisted, at a ward counter or with a community team member --------------------------------------

/// Proof that the caller helps residents of these wards: a community team member (their teams' wards) or a ward
/// officer (their wards). Made only by [`helper`].
pub struct Helper {
    account_id: String,
    wards: Vec<String>,
}

/// The access guard's refusal, as the web kit says it.
fn refusal(denied: Denied) -> Refusal {
    match denied {
        Denied::SignIn => Refusal::SignIn,
        Denied::SecondFactor => Refusal::SecondFactor,
        Denied::Forbidden => Refusal::Forbidden,
        Denied::Unavailable => Refusal::Unavailable,
    }
}

/// The caller as a helper (pages and server functions), refused as the access guard would: sign in, the second
/// factor, or forbidden.
pub async fn helper(state: &AppState) -> Result<Helper, Refusal> {
    let parts = use_context::<axum::http::request::Parts>()
        .ok_or_else(|| Refusal::unavailable("reading the request", "no parts"))?;
    let principal = Principal::of_request(state, &parts.headers).await.map_err(refusal)?;
    let mut wards = Vec::new();
    let mut refused = Denied::Forbidden;
    match principal.granter() {
        Ok(granter) if !granter.wards().is_empty() => {
            wards.extend(granter.wards());
        }
        Ok(_) => {}
        Err(d) => refused = d,
    }
    match principal.scoped(Role::TeamMember) {
        Ok(scoped) => {
            for team in scoped.scopes() {
                match crate::access::service::team_ward(&state.db, team).await {
                    Ok(Some(ward)) => wards.push(ward),
                    Ok(None) => {}
                    Err(e) => return Err(Refusal::unavailable("reading a team's ward", e)),
                }
            }
        }
        Err(Denied::SecondFactor) => refused = Denied::SecondFactor,
        Err(_) => {}
    }
    wards.sort();
    wards.dedup();
    if wards.is_empty() {
        return Err(refusal(refused));
    }
    Ok(Helper { account_id: principal.account_id().to_owned(), wards })
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

/// `/assist/move`: the card's details must be an active account of the helper's wards (and, at level 2, the
/// population registry's); then a code goes to the new number, which the person reads out.
pub async fn assist_start(
    state: &AppState,
    input: &AssistMoveInput,
    page: &mut AssistMovePageData,
) -> Result<MoveNotice, MoveFormError> {
    let helper = helper(state).await?;
    let now = now();
    let mut problems = Vec::new();
    let Some(card) = parse_card(input, &mut problems) else { return Err(MoveFormError::Invalid { problems }) };
    match service::helper_may_start(&state.db, &helper.account_id, now).await {
        Ok(true) => {}
        Ok(false) => return Err(MoveFormError::Notice(MoveNotice::HelperLimit)),
        Err(e) => return Err(Refusal::unavailable("reading a helper's limits", e).into()),
    }
    let facts = match service::account_in_wards(&state.db, card.citizen_id.as_str(), &helper.wards).await {
        Ok(Some(f)) => f,
        Ok(None) => {
            let _ = service::record_mismatch(&state.db, &helper.account_id, "not_in_ward", now).await;
            return Err(MoveFormError::Notice(MoveNotice::NotInWard));
        }
        Err(e) => return Err(Refusal::unavailable("finding an account", e).into()),
    };
    let differing = mismatched_fields(
        (&facts.full_name, facts.birth_date.as_deref(), facts.sex.as_deref()),
        (&card.full_name, card.birth_date, card.sex),
    );
    if !differing.is_empty() {
        let _ = service::record_mismatch(&state.db, &helper.account_id, &differing.join(","), now).await;
        let fields = differing.into_iter().map(str::to_owned).collect();
        return Err(MoveFormError::Notice(MoveNotice::Mismatch(fields)));
    }
    if facts.level >= 2 {
        let Some(registry) = &state.registry else {
            return Err(MoveFormError::Notice(MoveNotice::RegistryUnavailable));
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
                return Err(MoveFormError::Notice(MoveNotice::RegistryMismatch));
            }
            Err(cause) => {
                tracing::warn!(cause = %cause, "the population registry could not check a move");
                return Err(MoveFormError::Notice(MoveNotice::RegistryUnavailable));
            }
        }
    }
    let from = PhoneNumber::parse(&facts.phone)
        .map_err(|_| Refusal::unavailable("reading the account's number", "it does not parse"))?;
    let record = HelperRecord {
        account_id: &helper.account_id,
        ward: &facts.ward,
        checked_how: card.checked_how,
        note: &input.note,
    };
    let started = service::start(&state.db, &facts.id, &from, &card.new_phone, MovePath::Assisted, Some(&record), now).await;
    let token = match started {
        Ok(token) => token,
        Err(RecoveryError::SamePhone) => return Err(invalid(MoveField::NewPhone, MoveProblem::SamePhone)),
        Err(e) => return Err(e.into()),
    };
    let client = format!("helper:{}", helper.account_id);
    let sent =
        issue_and_send(state, &card.new_phone, OtpPurpose::MoveNew, &client, &OtpPolicy::default(), Some(&code_text)).await;
    page.token = Some(token);
    page.input.new_phone = card.new_phone.national();
    Ok(match sent {
        Ok(()) => MoveNotice::CodeSentToNew,
        Err(n) => MoveNotice::Code(n),
    })
}

/// The move a helper's form token belongs to: only the helper who started it, only in their wards, while the step
/// lasts; with its new number.
async fn helpers_move(
    state: &AppState,
    helper: &Helper,
    token: &str,
    now: i64,
) -> Result<(Move, PhoneNumber), MoveFormError> {
    match service::by_token(&state.db, token, now).await {
        Ok(Some(m))
            if m.helper_id.as_deref() == Some(helper.account_id.as_str())
                && m.helper_ward.as_ref().is_some_and(|w| helper.wards.contains(w)) =>
        {
            let to = m.to().ok_or_else(|| Refusal::unavailable("reading a move", "its new number does not parse"))?;
            Ok((m, to))
        }
        Ok(_) => Err(MoveFormError::Notice(MoveNotice::StepOver)),
        Err(e) => Err(Refusal::unavailable("reading a move", e).into()),
    }
}

/// `/assist/move/resend`: the new number's code again (after the 60 s wait), on the same step.
pub async fn assist_resend(
    state: &AppState,
    token: &str,
    page: &mut AssistMovePageData,
) -> Result<MoveNotice, MoveFormError> {
    let helper = helper(state).await?;
    let (_, to) = helpers_move(state, &helper, token, now()).await?;
    let client = format!("helper:{}", helper.account_id);
    let sent = issue_and_send(state, &to, OtpPurpose::MoveNew, &client, &OtpPolicy::default(), Some(&code_text)).await;
    page.token = Some(token.to_owned());
    page.input.new_phone = to.national();
    sent.map(|()| MoveNotice::CodeSentToNew).map_err(code_refused)
}

/// `/assist/move/confirm`: the new number's code, read out by the person. The move then waits its period, and the
/// old number gets a link to cancel it.
pub async fn assist_confirm(
    state: &AppState,
    token: &str,
    code: &str,
    page: &mut AssistMovePageData,
) -> Result<MoveNotice, MoveFormError> {
    let helper = helper(state).await?;
    let now = now();
    let (m, to) = helpers_move(state, &helper, token, now).await?;
    let policy = OtpPolicy::default();
    if let Err(e) = otp::verify(&state.db, &state.secret, &policy, &to, OtpPurpose::MoveNew, code, now).await {
        page.token = Some(token.to_owned());
        page.input.new_phone = to.national();
        return Err(code_refused(otp_notice(&e)));
    }
    let due = super::domain::due_at(now, state.move_wait_minutes);
    let cancel = service::schedule(&state.db, &m, due, now).await?;
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
    tell(state, m.from(), text, now).await;
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
    tell_email(state, &m.account_id, "Yêu cầu chuyển tài khoản Công Dân Số sang số mới", body, now).await;
    tracing::info!(ward = m.helper_ward.as_deref().unwrap_or(""), "an assisted phone move is waiting its period");
    Ok(MoveNotice::Scheduled { to: to.partly_hidden(), due: format_time(due) })
}

// ---- cancelling from the old number ---------------------------------------------------------------------------

/// A cancel link's token as our messages write it (64 hexadecimal digits): anything else is dropped, so what goes
/// back into an address is always plain.
pub fn link_token(token: &str) -> String {
    token.chars().filter(char::is_ascii_hexdigit).take(64).collect()
}

/// `/move/cancel/{token}`: what is waiting (or nothing, any more).
pub async fn cancel_page(state: &AppState, token: &str) -> Result<CancelPageData, Refusal> {
    let waiting =
        service::by_cancel_link(&state.db, token).await.map_err(|e| Refusal::unavailable("reading a move", e))?;
    Ok(CancelPageData {
        token: token.to_owned(),
        waiting: waiting.map(|m| {
            (m.to().map(|p| p.partly_hidden()).unwrap_or_default(), m.due_at.map(format_time).unwrap_or_default())
        }),
        ..CancelPageData::default()
    })
}

/// The button of `/move/cancel/{token}`: cancels the waiting move the link names (the link is the proof; no sign-in).
/// True: there was one, and it is cancelled.
pub async fn cancel_link(state: &AppState, token: &str) -> Result<bool, Refusal> {
    let found =
        service::by_cancel_link(&state.db, token).await.map_err(|e| Refusal::unavailable("reading a move", e))?;
    let Some(m) = found else { return Ok(false) };
    service::cancel(&state.db, &m, now()).await.map_err(|e| Refusal::unavailable("cancelling a move", e))
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
