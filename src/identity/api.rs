//! Server functions of the account pages: my account, the devices signed in, ending one of them or all, signing
//! out.
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::{AccountView, Notice, SessionsPageData};
use crate::web::Refusal;

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

impl leptos::server_fn::error::FromServerFnError for AccountFormError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(e: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        AccountFormError::Refused(e.into())
    }
}

impl crate::web::FormFailure for AccountFormError {
    fn refusal(&self) -> Option<Refusal> {
        match self {
            AccountFormError::Refused(r) => Some(*r),
            AccountFormError::Notice(_) => None,
        }
    }
}

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
