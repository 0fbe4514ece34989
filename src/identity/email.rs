//! A verified e-mail address on the account (`/me/email`): the second channel for sign-in codes, and told when the
//! account is asked to move to a new number. An address is kept only after the code sent to it comes back.
use super::api::AccountFormError;
use super::domain::PhoneNumber;
use super::otp::{self, OtpPolicy};
use super::web::{now, otp_notice};
use super::{Notice, OtpPurpose};
use crate::db::{Db, DbError};
use crate::web::caller::{Citizen, Client, caller};
use crate::web::{AppState, Refusal};

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
pub(crate) struct Row {
    pub phone: Option<String>,
    pub email: Option<String>,
    pub email_verified_at: Option<i64>,
    pub email_pending: Option<String>,
}

pub(crate) async fn row(db: &Db, account_id: &str) -> Result<Option<Row>, DbError> {
    let mut res = db
        .query("SELECT phone, email, email_verified_at, email_pending FROM ONLY type::record('account', $id)")
        .bind(("id", account_id.to_owned()))
        .await?;
    crate::db::take_row(&mut res, 0)
}

/// Sends a code to `email` for the caller's account.
pub async fn send(state: &AppState, email: &str) -> Result<Notice, AccountFormError> {
    let citizen: Citizen = caller(state).await?;
    let Client(client) = caller(state).await?;
    let id = &citizen.account_id;
    let Some(mail) = state.mail.clone() else { return Err(AccountFormError::Notice(Notice::EmailUnavailable)) };
    let Some(address) = crate::profile::domain::parse_email(email) else { return Err(AccountFormError::Notice(Notice::EmailInvalid)) };
    let unavailable = |what: &str, e: String| AccountFormError::Refused(Refusal::unavailable(what, e));
    let phone = row(&state.db, id).await.map_err(|e| unavailable("reading the account's phone", e.to_string()))?;
    let phone = phone
        .and_then(|r| r.phone)
        .and_then(|p| PhoneNumber::parse(&p).ok())
        .ok_or_else(|| unavailable("reading the account's phone", "no phone".to_owned()))?;
    let now = now();
    let issued = otp::issue(&state.db, &state.secret, &OtpPolicy::default(), &phone, OtpPurpose::Email, &client, now)
        .await
        .map_err(|e| AccountFormError::Notice(otp_notice(&e)))?;
    let (subject, body) = code_message(&issued.code);
    if let Err(e) = mail.send(&address, &subject, &body, now).await {
        let _ = super::sms::record_delivery(&state.db, "email", OtpPurpose::Email.as_str(), Some("unavailable"), now).await;
        tracing::error!(error = %e, "an e-mail code could not be sent");
        return Err(AccountFormError::Notice(Notice::SmsFailed));
    }
    let _ = super::sms::record_delivery(&state.db, "email", OtpPurpose::Email.as_str(), None, now).await;
    state
        .db
        .query("UPDATE type::record('account', $id) SET email_pending = $email RETURN NONE")
        .bind(("id", id.clone()))
        .bind(("email", address))
        .await
        .and_then(|r| r.check())
        .map_err(|e| unavailable("saving the address waiting for its code", e.to_string()))?;
    Ok(Notice::CodeSent)
}

/// The code that went to the pending address: it becomes the verified one.
pub async fn confirm(state: &AppState, code: &str) -> Result<Notice, AccountFormError> {
    let citizen: Citizen = caller(state).await?;
    let id = &citizen.account_id;
    let unavailable = |what: &str, e: String| AccountFormError::Refused(Refusal::unavailable(what, e));
    let found = row(&state.db, id).await.map_err(|e| unavailable("reading the account", e.to_string()))?;
    let Some(Row { phone: Some(phone), email_pending: Some(_), .. }) = found else {
        return Err(AccountFormError::Notice(Notice::NoCode));
    };
    let phone = PhoneNumber::parse(&phone).map_err(|_| unavailable("reading the account's phone", "unparsable".to_owned()))?;
    let now = now();
    otp::verify(&state.db, &state.secret, &OtpPolicy::default(), &phone, OtpPurpose::Email, code, now)
        .await
        .map_err(|e| AccountFormError::Notice(otp_notice(&e)))?;
    state
        .db
        .query(
            "UPDATE type::record('account', $id) SET email = email_pending, email_verified_at = $now, email_pending = NONE
             RETURN NONE",
        )
        .bind(("id", id.clone()))
        .bind(("now", now))
        .await
        .and_then(|r| r.check())
        .map_err(|e| unavailable("saving the verified address", e.to_string()))?;
    let _ = crate::access::service::audit(&state.db, Some(id), "email_verified", Some(id), "", now).await;
    Ok(Notice::EmailVerified)
}

/// Removes the caller's address.
pub async fn remove(state: &AppState) -> Result<Notice, AccountFormError> {
    let citizen: Citizen = caller(state).await?;
    let id = &citizen.account_id;
    state
        .db
        .query("UPDATE type::record('account', $id) SET email = NONE, email_verified_at = NONE, email_pending = NONE RETURN NONE")
        .bind(("id", id.clone()))
        .await
        .and_then(|r| r.check())
        .map_err(|e| AccountFormError::Refused(Refusal::unavailable("removing the address", e)))?;
    let _ = crate::access::service::audit(&state.db, Some(id), "email_removed", Some(id), "", now()).await;
    Ok(Notice::EmailRemoved)
}
