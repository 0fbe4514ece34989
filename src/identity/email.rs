//! A verified e-mail address on the account (`/me/email`): the second channel for sign-in codes, and told when the
//! account is asked to move to a new number. An address is kept only after the code sent to it comes back.
use axum::Form;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::domain::PhoneNumber;
use super::otp::{self, OtpPolicy};
use super::web::{client_of, current_session, no_store, now, otp_notice, render, see_other};
use super::{EmailState, Notice, OtpPurpose};
use crate::db::{Db, DbError};
use crate::server::AppState;

/// The message with a code (subject, body), in Vietnamese then English.
pub fn code_message(code: &str) -> (String, String) {
    (
        format!("Mã xác thực Công Dân Số: {code}"),
        format!(
            "Mã xác thực của bạn là {code}, hiệu lực 5 phút. Không chia sẻ mã này cho bất kỳ ai.\n\
             Your Công Dân Số code is {code}, valid for 5 minutes. Never share it.\n\n\
             Nếu bạn không yêu cầu mã này, hãy bỏ qua thư. / If you did not ask for it, ignore this message."
        ),
    )
}

/// The account's verified address, if any.
pub async fn verified_of(db: &Db, account_id: &str) -> Result<Option<String>, DbError> {
    let mut res = db
        .query("SELECT VALUE email FROM ONLY type::record('account', $id) WHERE email_verified_at != NONE")
        .bind(("id", account_id.to_owned()))
        .await?;
    Ok(res.take::<Option<String>>(0)?)
}

#[derive(serde::Deserialize)]
struct Row {
    phone: Option<String>,
    email: Option<String>,
    email_verified_at: Option<i64>,
    email_pending: Option<String>,
}

async fn row(db: &Db, account_id: &str) -> Result<Option<Row>, DbError> {
    let mut res = db
        .query("SELECT phone, email, email_verified_at, email_pending FROM ONLY type::record('account', $id)")
        .bind(("id", account_id.to_owned()))
        .await?;
    crate::db::take_row(&mut res, 0)
}

async fn page(state: &AppState, headers: &HeaderMap, account_id: &str, typed: String, notice: Option<Notice>, status: StatusCode) -> Response {
    let row = match row(&state.db, account_id).await {
        Ok(Some(r)) => r,
        Ok(None) => return see_other("/signin"),
        Err(e) => {
            tracing::error!(error = %e, "reading the e-mail address failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let page = EmailState {
        verified: row.email.filter(|_| row.email_verified_at.is_some()),
        pending: row.email_pending,
        typed,
        notice,
        available: state.mail.is_some(),
    };
    no_store(render(state, "/me/email", headers, page, status).await)
}

/// GET /me/email
pub async fn form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(active) = current_session(&state, &headers).await else { return see_other("/signin") };
    page(&state, &headers, &active.account_id, String::new(), None, StatusCode::OK).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct EmailForm {
    email: String,
    code: String,
}

/// POST /me/email: a code to the address typed.
pub async fn send(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<EmailForm>,
) -> Response {
    let Some(active) = current_session(&state, &headers).await else { return see_other("/signin") };
    let id = &active.account_id;
    let Some(mail) = state.mail.clone() else {
        return page(&state, &headers, id, form.email, Some(Notice::EmailUnavailable), StatusCode::NOT_FOUND).await;
    };
    let Some(address) = crate::profile::domain::parse_email(&form.email) else {
        return page(&state, &headers, id, form.email, Some(Notice::EmailInvalid), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let phone = match row(&state.db, id).await {
        Ok(Some(Row { phone: Some(p), .. })) => PhoneNumber::parse(&p).ok(),
        _ => None,
    };
    let Some(phone) = phone else { return StatusCode::SERVICE_UNAVAILABLE.into_response() };
    let now = now();
    let client = client_of(&state, peer, &headers);
    let issued = match otp::issue(&state.db, &state.secret, &OtpPolicy::default(), &phone, OtpPurpose::Email, &client, now).await {
        Ok(issued) => issued,
        Err(e) => return page(&state, &headers, id, form.email, Some(otp_notice(&e)), StatusCode::TOO_MANY_REQUESTS).await,
    };
    let (subject, body) = code_message(&issued.code);
    if let Err(e) = mail.send(&address, &subject, &body, now).await {
        tracing::error!(error = %e, "an e-mail code could not be sent");
        let _ = super::sms::record_delivery(&state.db, "email", OtpPurpose::Email.as_str(), Some("unavailable"), now).await;
        return page(&state, &headers, id, form.email, Some(Notice::SmsFailed), StatusCode::SERVICE_UNAVAILABLE).await;
    }
    let _ = super::sms::record_delivery(&state.db, "email", OtpPurpose::Email.as_str(), None, now).await;
    let saved = state
        .db
        .query("UPDATE type::record('account', $id) SET email_pending = $email RETURN NONE")
        .bind(("id", id.clone()))
        .bind(("email", address.clone()))
        .await
        .and_then(|r| r.check());
    if let Err(e) = saved {
        tracing::error!(error = %e, "saving the address waiting for its code failed");
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    page(&state, &headers, id, address, Some(Notice::CodeSent), StatusCode::OK).await
}

/// POST /me/email/confirm: the code that went to the address.
pub async fn confirm(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<EmailForm>) -> Response {
    let Some(active) = current_session(&state, &headers).await else { return see_other("/signin") };
    let id = &active.account_id;
    let Ok(Some(Row { phone: Some(phone), email_pending: Some(pending), .. })) = row(&state.db, id).await else {
        return see_other("/me/email");
    };
    let Ok(phone) = PhoneNumber::parse(&phone) else { return StatusCode::SERVICE_UNAVAILABLE.into_response() };
    let now = now();
    if let Err(e) = otp::verify(&state.db, &state.secret, &OtpPolicy::default(), &phone, OtpPurpose::Email, &form.code, now).await {
        return page(&state, &headers, id, pending, Some(otp_notice(&e)), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let saved = state
        .db
        .query(
            "UPDATE type::record('account', $id) SET email = email_pending, email_verified_at = $now, email_pending = NONE
             RETURN NONE",
        )
        .bind(("id", id.clone()))
        .bind(("now", now))
        .await
        .and_then(|r| r.check());
    if let Err(e) = saved {
        tracing::error!(error = %e, "saving the verified address failed");
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let _ = crate::access::service::audit(&state.db, Some(id), "email_verified", Some(id), "", now).await;
    page(&state, &headers, id, String::new(), Some(Notice::EmailVerified), StatusCode::OK).await
}

/// POST /me/email/remove
pub async fn remove(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(active) = current_session(&state, &headers).await else { return see_other("/signin") };
    let id = &active.account_id;
    let removed = state
        .db
        .query("UPDATE type::record('account', $id) SET email = NONE, email_verified_at = NONE, email_pending = NONE RETURN NONE")
        .bind(("id", id.clone()))
        .await
        .and_then(|r| r.check());
    if let Err(e) = removed {
        tracing::error!(error = %e, "removing the address failed");
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let _ = crate::access::service::audit(&state.db, Some(id), "email_removed", Some(id), "", now()).await;
    page(&state, &headers, id, String::new(), Some(Notice::EmailRemoved), StatusCode::OK).await
}
