//! The authenticator app: the second sign-in step (its page's data and its form, for the server functions in
//! `super::api`), and the "security" page where a citizen turns the app on or off (staff must keep it).
use axum::http::request::Parts;
use leptos::prelude::use_context;

use super::mfa::{self, MfaError};
use super::session::{self, SessionPolicy, Stage};
use super::totp::TotpSecret;
use super::api::AccountFormError;
use super::web::{any_session, format_time, now, session_cookie, session_token};
use super::{Enrolment, Notice, SecondFactorPageData, SecurityPageData};
use crate::access::domain::is_staff;
use crate::access::service::grants_of;
use crate::web::caller::{Citizen, caller};
use crate::web::{AppState, Refusal, flash, reply};

const ISSUER: &str = "Công Dân Số";

/// The flash's form name: what the second step's page shows after its form.
const SECOND_FACTOR_FLASH: &str = "second_factor";

async fn staff(state: &AppState, account_id: &str) -> bool {
    grants_of(&state.db, account_id).await.map(|g| is_staff(&g)).unwrap_or(true)
}

/// After a right SMS code: a half-open session and the authenticator step when the account has the app; else an
/// open session (staff without the app are sent to set it up before any staff page opens). Sets the session
/// cookie and the next page on the answer being made.
pub async fn open_session(state: &AppState, account_id: &str, agent: &str, client: &str, now: i64) -> Result<(), Refusal> {
    let has_app = mfa::enabled_at(&state.db, account_id)
        .await
        .map_err(|e| Refusal::unavailable("reading the second factor", e))?
        .is_some();
    let staff = staff(state, account_id).await;
    let policy = if staff { SessionPolicy::STAFF } else { SessionPolicy::CITIZEN };
    let (opened, next, max_age) = if has_app {
        let opened = session::create_awaiting_second_factor(&state.db, account_id, agent, client, now).await;
        (opened, "/signin/second-factor", session::SECOND_FACTOR_SECONDS)
    } else {
        let opened = session::create(&state.db, account_id, policy, agent, client, now).await;
        (opened, if staff { "/me/security?required=1" } else { "/me" }, policy.absolute_seconds)
    };
    let new_session = opened.map_err(|e| Refusal::unavailable("opening a session", e))?;
    reply::append_cookie(&session_cookie(state, &new_session.token, max_age));
    reply::see_other(next);
    Ok(())
}

/// The session of this request's cookie, in whatever stage it is.
async fn this_session(state: &AppState) -> Option<session::ActiveSession> {
    let parts = use_context::<Parts>()?;
    any_session(state, &parts.headers).await
}

/// The second step's page data: the notice its last form left. Without a half-open session the person signs in
/// (again); a session past the step is sent on to the account.
pub async fn step_page(state: &AppState) -> Result<SecondFactorPageData, Refusal> {
    match this_session(state).await {
        Some(s) if s.stage == Stage::SecondFactor => {
            let kept: Option<Option<Notice>> = flash::take(state, SECOND_FACTOR_FLASH).await;
            Ok(SecondFactorPageData { notice: kept.flatten(), signed_in: false })
        }
        Some(_) => Ok(SecondFactorPageData { notice: None, signed_in: true }),
        None => Err(Refusal::SignIn),
    }
}

/// `/signin/second-factor`: the app's code opens the session; five wrong codes end it (the sign-in page says
/// why). A wrong code comes back to the step's page with the tries left.
pub async fn second_factor(state: &AppState, code: &str) -> Result<(), AccountFormError> {
    let result = check_step(state, code).await;
    match &result {
        // the session is open: its cookie and the next page are set
        Ok(()) => {}
        Err(AccountFormError::Notice(Notice::SecondFactorFailed)) => {
            reply::append_cookie(&session_cookie(state, "", 0));
            if reply::native_form_post() {
                reply::see_other("/signin?second_factor=failed");
            } else {
                reply::set_status(422);
            }
        }
        Err(e) => {
            let notice = match e {
                AccountFormError::Notice(n) => Some(*n),
                AccountFormError::Refused(_) => Some(Notice::SmsFailed),
            };
            reply::finish_form(state, "/signin/second-factor", SECOND_FACTOR_FLASH, &result, notice).await;
        }
    }
    result
}

async fn check_step(state: &AppState, code: &str) -> Result<(), AccountFormError> {
    let half = this_session(state).await.filter(|s| s.stage == Stage::SecondFactor).ok_or(Refusal::SignIn)?;
    let now = now();
    match mfa::check(&state.db, &state.secret, &half.account_id, code, now).await {
        Ok(()) => {
            let staff = staff(state, &half.account_id).await;
            let policy = if staff { SessionPolicy::STAFF } else { SessionPolicy::CITIZEN };
            session::complete_second_factor(&state.db, &half.id, policy, now)
                .await
                .map_err(|e| Refusal::unavailable("opening the session", e))?;
            let token = use_context::<Parts>().and_then(|parts| session_token(&parts.headers)).ok_or(Refusal::SignIn)?;
            reply::append_cookie(&session_cookie(state, &token, policy.absolute_seconds));
            reply::see_other(if staff { "/admin" } else { "/me" });
            Ok(())
        }
        Err(MfaError::WrongCode) | Err(MfaError::NotEnrolled) => {
            let left = session::wrong_second_factor(&state.db, &half.id, now).await.unwrap_or(0);
            if left == 0 {
                tracing::warn!("five wrong authenticator codes: the sign-in was ended");
                return Err(AccountFormError::Notice(Notice::SecondFactorFailed));
            }
            Err(AccountFormError::Notice(Notice::AppCodeWrong { tries_left: Some(left) }))
        }
        Err(MfaError::Db(e)) => Err(Refusal::unavailable("checking an authenticator code", e).into()),
    }
}

/// "ABCD EFGH …": the secret in groups of four, for typing it into an app by hand.
fn grouped(secret: &TotpSecret) -> String {
    let text = secret.base32();
    text.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

/// The security page's data for `account_id`: the app's state, or a fresh enrolment secret.
pub async fn page_data(
    state: &AppState,
    account_id: &str,
    required: bool,
    notice: Option<Notice>,
) -> Result<SecurityPageData, Refusal> {
    let now = now();
    let enabled = mfa::enabled_at(&state.db, account_id).await.map_err(|e| Refusal::unavailable("reading the second factor", e))?;
    let enrol = match enabled {
        Some(_) => None,
        None => {
            let secret = mfa::start_enrolment(&state.db, &state.secret, account_id, now)
                .await
                .map_err(|e| Refusal::unavailable("starting an enrolment", format!("{e:?}")))?;
            let phone = super::account::phone_of(&state.db, account_id).await.ok().flatten().unwrap_or_default();
            let uri = secret.otpauth_uri(ISSUER, &phone);
            Some(Enrolment { svg: crate::qr::web::qr_svg(&uri), secret_groups: grouped(&secret), uri })
        }
    };
    Ok(SecurityPageData { enabled_on: enabled.map(format_time), staff: staff(state, account_id).await, required, enrol, notice })
}

/// The first code from the app turns it on (and proves it for this session).
pub async fn enable(state: &AppState, code: &str) -> Result<Notice, AccountFormError> {
    let citizen: Citizen = caller(state).await?;
    let now = now();
    match mfa::confirm_enrolment(&state.db, &state.secret, &citizen.account_id, code, now).await {
        Ok(()) => {
            if let Err(e) = session::mark_second_factor(&state.db, &citizen.session_id, now).await {
                tracing::error!(error = %e, "marking the session failed");
            }
            crate::access::service::audit(&state.db, Some(&citizen.account_id), "second_factor_enabled", Some(&citizen.account_id), "", now)
                .await
                .ok();
            Ok(Notice::AppEnabled)
        }
        Err(MfaError::Db(e)) => Err(Refusal::unavailable("confirming an enrolment", e).into()),
        Err(_) => Err(AccountFormError::Notice(Notice::AppCodeWrong { tries_left: None })),
    }
}

/// A citizen turns the app off with a current code; staff keep it.
pub async fn disable(state: &AppState, code: &str) -> Result<Notice, AccountFormError> {
    let citizen: Citizen = caller(state).await?;
    if staff(state, &citizen.account_id).await {
        return Err(AccountFormError::Notice(Notice::StaffKeepsApp));
    }
    let now = now();
    match mfa::disable(&state.db, &state.secret, &citizen.account_id, code, now).await {
        Ok(()) => {
            crate::access::service::audit(&state.db, Some(&citizen.account_id), "second_factor_disabled", Some(&citizen.account_id), "", now)
                .await
                .ok();
            Ok(Notice::AppDisabled)
        }
        Err(MfaError::Db(e)) => Err(Refusal::unavailable("disabling the second factor", e).into()),
        Err(_) => Err(AccountFormError::Notice(Notice::AppCodeWrong { tries_left: None })),
    }
}
