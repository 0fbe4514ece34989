//! HTTP for the authenticator app: the second sign-in step, and the "security" page where a citizen turns the app
//! on or off (staff must keep it). Plain forms, like the rest of sign-in.
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::mfa::{self, MfaError};
use super::session::{self, SessionPolicy, Stage};
use super::totp::TotpSecret;
use super::api::AccountFormError;
use super::web::{any_session, format_time, no_store, now, render, see_other, set_session_cookie};
use super::{Enrolment, Notice, SecondFactorState, SecurityPageData};
use crate::access::domain::is_staff;
use crate::access::service::grants_of;
use crate::web::caller::{Citizen, caller};
use crate::web::{AppState, Refusal};

const ISSUER: &str = "Công Dân Số";

async fn staff(state: &AppState, account_id: &str) -> bool {
    grants_of(&state.db, account_id).await.map(|g| is_staff(&g)).unwrap_or(true)
}

/// After a right SMS code: a half-open session and the authenticator step when the account has the app; else an
/// open session (staff without the app are sent to set it up before any staff page opens).
pub async fn open_session(state: &AppState, account_id: &str, agent: &str, client: &str, now: i64) -> Response {
    let has_app = match mfa::enabled_at(&state.db, account_id).await {
        Ok(at) => at.is_some(),
        Err(e) => {
            tracing::error!(error = %e, "reading the second factor failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let staff = staff(state, account_id).await;
    let policy = if staff { SessionPolicy::STAFF } else { SessionPolicy::CITIZEN };
    let (opened, next, max_age) = if has_app {
        let opened = session::create_awaiting_second_factor(&state.db, account_id, agent, client, now).await;
        (opened, "/signin/second-factor", session::SECOND_FACTOR_SECONDS)
    } else {
        let opened = session::create(&state.db, account_id, policy, agent, client, now).await;
        (opened, if staff { "/me/security?required=1" } else { "/me" }, policy.absolute_seconds)
    };
    match opened {
        Ok(new_session) => {
            let mut response = see_other(next);
            set_session_cookie(&mut response, state, &new_session.token, max_age);
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "opening a session failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

async fn second_factor_page(state: &AppState, headers: &HeaderMap, notice: Option<Notice>, status: StatusCode) -> Response {
    no_store(render(state, "/signin/second-factor", headers, SecondFactorState { notice }, status).await)
}

/// GET /signin/second-factor
pub async fn second_factor_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match any_session(&state, &headers).await {
        Some(s) if s.stage == Stage::SecondFactor => second_factor_page(&state, &headers, None, StatusCode::OK).await,
        Some(_) => see_other("/me"),
        None => see_other("/signin"),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct AppCodeForm {
    code: String,
}

/// POST /signin/second-factor: the app's code opens the session; five wrong codes end it.
pub async fn second_factor(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<AppCodeForm>) -> Response {
    let Some(half) = any_session(&state, &headers).await.filter(|s| s.stage == Stage::SecondFactor) else {
        return see_other("/signin");
    };
    let now = now();
    match mfa::check(&state.db, &state.secret, &half.account_id, &form.code, now).await {
        Ok(()) => {
            let staff = staff(&state, &half.account_id).await;
            let policy = if staff { SessionPolicy::STAFF } else { SessionPolicy::CITIZEN };
            if let Err(e) = session::complete_second_factor(&state.db, &half.id, policy, now).await {
                tracing::error!(error = %e, "opening the session failed");
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
            let Some(token) = super::web::session_token(&headers) else { return see_other("/signin") };
            let mut response = see_other(if staff { "/admin" } else { "/me" });
            set_session_cookie(&mut response, &state, &token, policy.absolute_seconds);
            response
        }
        Err(MfaError::WrongCode) | Err(MfaError::NotEnrolled) => {
            let left = session::wrong_second_factor(&state.db, &half.id, now).await.unwrap_or(0);
            if left == 0 {
                tracing::warn!("five wrong authenticator codes: the sign-in was ended");
                let mut response = see_other("/signin?second_factor=failed");
                set_session_cookie(&mut response, &state, "", 0);
                return response;
            }
            let notice = Notice::AppCodeWrong { tries_left: Some(left) };
            second_factor_page(&state, &headers, Some(notice), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(MfaError::Db(e)) => {
            tracing::error!(error = %e, "checking an authenticator code failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
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
