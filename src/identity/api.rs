//! Server functions of the account pages: signing up (the form, the consent step), signing in (the number, the
//! code, the authenticator app's code), my account, the devices signed in, ending one of them or all, signing out.
//! A form posted by a browser without JavaScript is answered with a redirect (303): on to the next step, or back
//! to its page with what was typed and why kept in the flash; a script gets the result, and a refusal's status.
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::{
    AccountView, Field, FormState, Notice, Problem, SecondFactorPageData, SessionsPageData, SignUpInput, VerifyPageData,
};
use crate::web::Refusal;

/// Why a sign-up or sign-in form did not go on: the caller, fields that break a rule (nothing was done), or a
/// notice about the whole form (a number already taken, a wrong code, codes asked for too often, ...).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, thiserror::Error)]
pub enum SignFormError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// Fields that break a rule, each with why.
    #[error("some fields break a rule")]
    Invalid { problems: Vec<(Field, Problem)> },
    #[error("refused: {0:?}")]
    Notice(Notice),
}

impl leptos::server_fn::error::FromServerFnError for SignFormError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(e: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        SignFormError::Refused(e.into())
    }
}

impl crate::web::FormFailure for SignFormError {
    fn refusal(&self) -> Option<Refusal> {
        match self {
            SignFormError::Refused(r) => Some(*r),
            _ => None,
        }
    }

    /// A script is told what the pages always answered: 409 for a number or ID number that has an account, 429 for
    /// codes asked for too often, 410 for a sign-up that waited too long, 503 for a code that could not be sent,
    /// 404 where e-mail is not set up; 422 for the rest of the form's own problems.
    fn status(&self) -> u16 {
        match self {
            SignFormError::Refused(r) => r.status(),
            SignFormError::Notice(Notice::PhoneTaken | Notice::CitizenIdTaken) => 409,
            SignFormError::Notice(Notice::ResendTooSoon { .. } | Notice::TooManyCodes { .. }) => 429,
            SignFormError::Notice(Notice::SignUpExpired) => 410,
            SignFormError::Notice(Notice::SmsFailed) => 503,
            SignFormError::Notice(Notice::EmailUnavailable) => 404,
            SignFormError::Invalid { .. } | SignFormError::Notice(_) => 422,
        }
    }
}

// ---- signing up -------------------------------------------------------------------------------------------------

/// The sign-up page's data: the form as its last answer left it (refused, or filled from the ID card's photo), or
/// empty.
#[server(prefix = "/api", endpoint = "signup/page", input = GetUrl)]
pub async fn signup_page() -> Result<FormState, Refusal> {
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    reply::no_store();
    Ok(flash::take::<FormState>(&state, super::web::SIGNUP_FLASH).await.unwrap_or_default())
}

/// Every field checked, and whether the phone or ID number has an account; then the consent step, which shows what
/// was typed.
#[server(prefix = "", endpoint = "signup")]
pub async fn sign_up(#[server(flatten)] input: SignUpInput) -> Result<(), SignFormError> {
    let state = crate::web::caller::state()?;
    super::web::sign_up(&state, input).await
}

/// The consent step's data: the sign-up as typed (or as its last answer left it). None: nothing was typed (a
/// reload, an address reached the wrong way); the page then sends the person to the form.
#[server(prefix = "/api", endpoint = "signup/consent", input = GetUrl)]
pub async fn consent_page() -> Result<Option<FormState>, Refusal> {
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    reply::no_store();
    Ok(flash::take::<FormState>(&state, super::web::CONSENT_FLASH).await)
}

/// The explicit agreement (`consent=yes`) with the sign-up (in hidden fields): the sign-up waits for its code,
/// which goes to the phone; then the code page.
#[server(prefix = "", endpoint = "signup/consent")]
pub async fn give_consent(
    #[server(flatten)] input: SignUpInput,
    #[server(default)] consent: String,
) -> Result<Notice, SignFormError> {
    let state = crate::web::caller::state()?;
    super::web::consent(&state, input, &consent).await
}

// ---- signing in -------------------------------------------------------------------------------------------------

/// The sign-in page's data: the form as its last answer left it, or the notice of the page the person comes from
/// (`signed_out` = "everywhere" | "lost", `moved`, `second_factor`).
#[server(prefix = "/api", endpoint = "signin/page", input = GetUrl)]
pub async fn signin_page(
    #[server(default)] signed_out: String,
    #[server(default)] moved: bool,
    #[server(default)] second_factor: bool,
) -> Result<FormState, Refusal> {
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    reply::no_store();
    if let Some(kept) = flash::take::<FormState>(&state, super::web::SIGNIN_FLASH).await {
        return Ok(kept);
    }
    let notice = match signed_out.as_str() {
        "everywhere" => Some(Notice::SignedOutEverywhere),
        "lost" => Some(Notice::LostPhoneDone),
        _ if moved => Some(Notice::PhoneMoved),
        _ if second_factor => Some(Notice::SecondFactorFailed),
        _ => None,
    };
    Ok(FormState { notice, ..FormState::default() })
}

/// A code to the phone if it has an account (the same answer either way); then the code page.
#[server(prefix = "", endpoint = "signin")]
pub async fn sign_in(#[server(default)] phone: String) -> Result<Notice, SignFormError> {
    let state = crate::web::caller::state()?;
    super::web::sign_in(&state, &phone).await
}

/// The code page's data for the number and purpose in its address (`resent`: a new code just went out).
#[server(prefix = "/api", endpoint = "verify/page", input = GetUrl)]
pub async fn verify_page(
    #[server(default)] phone: String,
    #[server(default)] purpose: String,
    #[server(default)] resent: bool,
) -> Result<VerifyPageData, Refusal> {
    use crate::web::{caller, reply};
    let state = caller::state()?;
    reply::no_store();
    super::web::verify_page_data(&state, &phone, &purpose, resent).await
}

/// The code: a sign-up becomes an account, a sign-in a session (or the authenticator step); then that page.
#[server(prefix = "", endpoint = "verify")]
pub async fn verify_code(
    #[server(default)] phone: String,
    #[server(default)] purpose: String,
    #[server(default)] code: String,
) -> Result<(), SignFormError> {
    let state = crate::web::caller::state()?;
    super::web::verify(&state, &phone, &purpose, &code).await
}

/// A new code after the wait; the code page says it went.
#[server(prefix = "", endpoint = "otp/resend")]
pub async fn resend_code(
    #[server(default)] phone: String,
    #[server(default)] purpose: String,
) -> Result<Notice, SignFormError> {
    let state = crate::web::caller::state()?;
    super::web::resend(&state, &phone, &purpose).await
}

/// A sign-in code to the account's verified e-mail address instead (the same answer whether there is one).
#[server(prefix = "", endpoint = "otp/email")]
pub async fn email_sign_in_code(#[server(default)] phone: String) -> Result<Notice, SignFormError> {
    let state = crate::web::caller::state()?;
    super::web::email_code(&state, &phone).await
}

/// The authenticator step's data (for a session waiting for the app's code).
#[server(prefix = "/api", endpoint = "second-factor/page", input = GetUrl)]
pub async fn second_factor_page() -> Result<SecondFactorPageData, Refusal> {
    use crate::web::{caller, reply};
    let state = caller::state()?;
    reply::no_store();
    super::mfa_web::step_page(&state).await
}

/// The authenticator app's code opens the session; five wrong codes end the sign-in.
#[server(prefix = "", endpoint = "signin/second-factor")]
pub async fn check_second_factor(#[server(default)] code: String) -> Result<(), AccountFormError> {
    let state = crate::web::caller::state()?;
    super::mfa_web::second_factor(&state, &code).await
}

// ---- my account -------------------------------------------------------------------------------------------------

#[cfg(feature = "ssr")]
const SESSIONS_FLASH: &str = "sessions";

/// The caller's sessions, this device marked.
#[server(prefix = "/api", endpoint = "sessions/page", input = GetUrl)]
pub async fn sessions_page() -> Result<SessionsPageData, Refusal> {
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    let citizen: caller::Citizen = caller::caller(&state).await?;
    reply::no_store();
    let notice: Option<Notice> = flash::take(&state, SESSIONS_FLASH).await;
    let list = super::session::list(&state.db, &citizen.account_id, super::web::now())
        .await
        .map_err(|e| Refusal::unavailable("listing sessions", e))?;
    Ok(SessionsPageData {
        current_id: citizen.session_id,
        sessions: list
            .into_iter()
            .map(|s| super::SessionLine {
                id: s.id,
                device: super::web::describe_agent(&s.user_agent),
                signed_in: super::web::format_time(s.created_at),
                last_seen: super::web::format_time(s.last_seen_at),
            })
            .collect(),
        notice,
    })
}

/// Ends one of the caller's sessions (another person's id ends nothing). Ending this device's signs it out.
#[server(prefix = "", endpoint = "me/sessions/revoke")]
pub async fn revoke_session(#[server(default)] id: String) -> Result<bool, Refusal> {
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    let citizen: caller::Citizen = caller::caller(&state).await?;
    let ended = super::session::revoke(&state.db, &citizen.account_id, &id, super::web::now())
        .await
        .map_err(|e| Refusal::unavailable("ending a session", e))?;
    if ended && id == citizen.session_id {
        reply::append_cookie(&super::web::session_cookie(&state, "", 0));
        reply::see_other("/signin");
    } else if reply::native_form_post() {
        if ended {
            flash::keep(&state, SESSIONS_FLASH, &Notice::SessionRevoked).await;
        }
        reply::see_other("/me/sessions");
    }
    Ok(ended)
}

/// Signs the caller out everywhere, this device included.
#[server(prefix = "", endpoint = "me/sessions/revoke-all")]
pub async fn revoke_all_sessions() -> Result<(), Refusal> {
    use crate::web::{caller, reply};
    let state = caller::state()?;
    let citizen: caller::Citizen = caller::caller(&state).await?;
    super::session::revoke_all(&state.db, &citizen.account_id, super::web::now())
        .await
        .map_err(|e| Refusal::unavailable("signing out everywhere", e))?;
    reply::append_cookie(&super::web::session_cookie(&state, "", 0));
    reply::see_other("/signin?signed_out=everywhere");
    Ok(())
}

/// The account page's data. `employer` ("confirmed" | "declined") and `moved` ("cancelled") say what the page the
/// person comes from just did.
#[server(prefix = "/api", endpoint = "me/page", input = GetUrl)]
pub async fn me_page(#[server(default)] employer: String, #[server(default)] moved: String) -> Result<AccountView, Refusal> {
    use crate::web::{caller, reply};
    let state = caller::state()?;
    let citizen: caller::Citizen = caller::caller(&state).await?;
    reply::no_store();
    let me = citizen.account_id.as_str();
    let mut view = super::account::view_own(&state.db, me)
        .await
        .map_err(|e| Refusal::unavailable("reading the account", format!("{e:?}")))?
        .ok_or(Refusal::SignIn)?;
    view.expiring_documents = crate::vault::service::expiring_count(&state.db, me, super::web::today()).await.unwrap_or(0);
    view.employer_invitations = crate::orgs::service::invitations(&state.db, me).await.unwrap_or_default();
    view.employer_answer = Some(employer).filter(|a| matches!(a.as_str(), "confirmed" | "declined"));
    view.recovery_codes_left = crate::recovery::service::codes_left(&state.db, me).await.map(|(n, _)| n).unwrap_or(1);
    view.waiting_move = crate::recovery::service::waiting_for(&state.db, me).await.ok().flatten().map(|m| {
        (m.to().map(|p| p.partly_hidden()).unwrap_or_default(), m.due_at.map(super::web::format_time).unwrap_or_default())
    });
    view.move_cancelled = moved == "cancelled";
    Ok(view)
}

/// Signs this device out (the device also forgets the codes it kept for use without network).
#[server(prefix = "", endpoint = "signout")]
pub async fn sign_out() -> Result<(), Refusal> {
    use crate::web::{caller, reply};
    let state = caller::state()?;
    if let Ok(citizen) = caller::caller::<caller::Citizen>(&state).await {
        let _ = super::session::revoke(&state.db, &citizen.account_id, &citizen.session_id, super::web::now()).await;
    }
    reply::append_cookie(&super::web::session_cookie(&state, "", 0));
    reply::see_other("/?signed_out=1");
    Ok(())
}

/// The development outbox page's data: the messages that would have gone by SMS, newest first. Only with `--dev`:
/// nothing is there otherwise (404).
#[server(prefix = "/api", endpoint = "dev/outbox", input = GetUrl)]
pub async fn outbox_page() -> Result<super::OutboxPageData, Refusal> {
    use crate::web::{caller, reply};
    let state = caller::state()?;
    if !state.site.dev {
        // as if it did not exist, for a script asking for the data too
        reply::set_status(Refusal::NotFound.status());
        return Err(Refusal::NotFound);
    }
    reply::no_store();
    let messages =
        super::sms::outbox(&state.db, 200).await.map_err(|e| Refusal::unavailable("reading the outbox", e))?;
    Ok(super::OutboxPageData {
        messages: messages.into_iter().map(|m| (m.to, m.body, super::web::format_time(m.sent_at))).collect(),
    })
}

#[cfg(feature = "ssr")]
const EMAIL_FLASH: &str = "email";

/// The e-mail page's data: the verified address, the one waiting for its code, and the last answer.
#[server(prefix = "/api", endpoint = "email/page", input = GetUrl)]
pub async fn email_page() -> Result<super::EmailPageData, Refusal> {
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    let citizen: caller::Citizen = caller::caller(&state).await?;
    reply::no_store();
    let (typed, notice): (String, Option<Notice>) = flash::take(&state, EMAIL_FLASH).await.unwrap_or_default();
    let row = super::email::row(&state.db, &citizen.account_id)
        .await
        .map_err(|e| Refusal::unavailable("reading the e-mail address", e))?
        .ok_or(Refusal::SignIn)?;
    Ok(super::EmailPageData {
        verified: row.email.filter(|_| row.email_verified_at.is_some()),
        pending: row.email_pending,
        typed,
        notice,
        available: state.mail.is_some(),
    })
}

/// Sends a code to the address typed (kept only once the code comes back).
#[server(prefix = "", endpoint = "me/email")]
pub async fn send_email_code(#[server(default)] email: String) -> Result<Notice, AccountFormError> {
    let state = crate::web::caller::state()?;
    let result = super::email::send(&state, &email).await;
    email_reply(&state, email, &result).await;
    result
}

/// The code that went to the address: the address is verified.
#[server(prefix = "", endpoint = "me/email/confirm")]
pub async fn confirm_email(#[server(default)] code: String) -> Result<Notice, AccountFormError> {
    let state = crate::web::caller::state()?;
    let result = super::email::confirm(&state, &code).await;
    email_reply(&state, String::new(), &result).await;
    result
}

/// Removes the address (codes go by SMS only again).
#[server(prefix = "", endpoint = "me/email/remove")]
pub async fn remove_email() -> Result<Notice, AccountFormError> {
    let state = crate::web::caller::state()?;
    let result = super::email::remove(&state).await;
    email_reply(&state, String::new(), &result).await;
    result
}

/// Why an account form (e-mail, authenticator app) changed nothing: the caller, or a reason the page shows (a wrong
/// code, an address that is none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, thiserror::Error)]
pub enum AccountFormError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("refused: {0:?}")]
    Notice(Notice),
}

crate::form_error!(AccountFormError);

/// The e-mail forms' flash: the address as typed when it was refused, and the notice.
#[cfg(feature = "ssr")]
async fn email_reply(state: &crate::web::AppState, typed: String, result: &Result<Notice, AccountFormError>) {
    let flash = match result {
        Ok(notice) => (if *notice == Notice::CodeSent { typed } else { String::new() }, Some(*notice)),
        Err(AccountFormError::Notice(notice)) => (typed, Some(*notice)),
        Err(AccountFormError::Refused(_)) => (typed, Some(Notice::SmsFailed)),
    };
    crate::web::reply::finish_form(state, "/me/email", EMAIL_FLASH, result, flash).await;
}

/// The security page's data: the authenticator app on, or a new secret to set it up with. `required`: a staff
/// page sent the person here.
#[server(prefix = "/api", endpoint = "security/page", input = GetUrl)]
pub async fn security_page(#[server(default)] required: bool) -> Result<super::SecurityPageData, Refusal> {
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    let citizen: caller::Citizen = caller::caller(&state).await?;
    reply::no_store();
    let notice: Option<Notice> = flash::take(&state, SECURITY_FLASH).await;
    super::mfa_web::page_data(&state, &citizen.account_id, required, notice).await
}

#[cfg(feature = "ssr")]
const SECURITY_FLASH: &str = "security";

/// The first code from the app turns it on (and proves it for this session).
#[server(prefix = "", endpoint = "me/security/app")]
pub async fn enable_app(#[server(default)] code: String) -> Result<Notice, AccountFormError> {
    let state = crate::web::caller::state()?;
    let result = super::mfa_web::enable(&state, &code).await;
    crate::web::reply::finish_form(&state, "/me/security", SECURITY_FLASH, &result, notice_of(&result)).await;
    result
}

/// A citizen turns the app off with a current code; staff cannot.
#[server(prefix = "", endpoint = "me/security/app/disable")]
pub async fn disable_app(#[server(default)] code: String) -> Result<Notice, AccountFormError> {
    let state = crate::web::caller::state()?;
    let result = super::mfa_web::disable(&state, &code).await;
    crate::web::reply::finish_form(&state, "/me/security", SECURITY_FLASH, &result, notice_of(&result)).await;
    result
}

/// The notice a form's outcome shows on its page.
#[cfg(feature = "ssr")]
fn notice_of(result: &Result<Notice, AccountFormError>) -> Option<Notice> {
    match result {
        Ok(n) | Err(AccountFormError::Notice(n)) => Some(*n),
        Err(AccountFormError::Refused(_)) => Some(Notice::SmsFailed),
    }
}
