//! The authenticator app as a second factor: enrolment (a secret shown once as a QR code, confirmed by a code
//! from the app), the check at sign-in, and switching it off. The secret is stored sealed (AEAD under a key
//! derived from the server secret, bound to the account), never in the clear.
use super::totp::{self, TotpSecret};
use crate::db::{Db, DbError};
use crate::secret::SecretKey;

const PURPOSE: &str = "totp";
/// A secret shown for enrolment is kept this long; reloading the page meanwhile shows the same QR code.
pub const ENROLMENT_SECONDS: i64 = 15 * 60;

#[derive(Debug)]
pub enum MfaError {
    /// No authenticator app (or no enrolment under way).
    NotEnrolled,
    /// The code is wrong, too old, or was used already.
    WrongCode,
    Db(DbError),
}

impl From<DbError> for MfaError {
    fn from(e: DbError) -> Self {
        MfaError::Db(e)
    }
}

impl From<surrealdb::Error> for MfaError {
    fn from(e: surrealdb::Error) -> Self {
        MfaError::Db(DbError::Query(e))
    }
}

fn bound(account_id: &str) -> String {
    format!("account:{account_id}")
}

#[derive(serde::Deserialize, Default)]
struct TotpRow {
    totp_sealed: Option<String>,
    totp_enabled_at: Option<i64>,
    totp_last_step: Option<i64>,
    totp_pending_sealed: Option<String>,
    totp_pending_at: Option<i64>,
}

async fn row(db: &Db, account_id: &str) -> Result<TotpRow, DbError> {
    let mut res = db
        .query(
            "SELECT totp_sealed, totp_enabled_at, totp_last_step, totp_pending_sealed, totp_pending_at
             FROM ONLY type::record('account', $id)",
        )
        .bind(("id", account_id.to_owned()))
        .await?;
    let value: Option<serde_json::Value> = res.take(0)?;
    Ok(value.and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default())
}

/// When the account turned its authenticator app on, if it has one.
pub async fn enabled_at(db: &Db, account_id: &str) -> Result<Option<i64>, DbError> {
    let row = row(db, account_id).await?;
    Ok(row.totp_sealed.and(row.totp_enabled_at))
}

/// The secret to show as a QR code: the one already shown in the last 15 minutes, or a new one.
pub async fn start_enrolment(db: &Db, key: &SecretKey, account_id: &str, now: i64) -> Result<TotpSecret, MfaError> {
    let row = row(db, account_id).await?;
    if let (Some(sealed), Some(at)) = (&row.totp_pending_sealed, row.totp_pending_at)
        && now - at < ENROLMENT_SECONDS
        && let Some(secret) = open(key, account_id, sealed)
    {
        return Ok(secret);
    }
    let secret = TotpSecret::generate().map_err(|e| MfaError::Db(DbError::Connect(e)))?;
    let sealed = key.seal(PURPOSE, &bound(account_id), secret.bytes()).map_err(|e| MfaError::Db(DbError::Connect(e)))?;
    db.query("UPDATE type::record('account', $id) SET totp_pending_sealed = $sealed, totp_pending_at = $now")
        .bind(("id", account_id.to_owned()))
        .bind(("sealed", sealed))
        .bind(("now", now))
        .await?
        .check()?;
    Ok(secret)
}

fn open(key: &SecretKey, account_id: &str, sealed: &str) -> Option<TotpSecret> {
    let bytes: [u8; 20] = key.open(PURPOSE, &bound(account_id), sealed)?.try_into().ok()?;
    Some(TotpSecret::from_bytes(bytes))
}

/// The first code from the app confirms the enrolment: from now on sign-in asks for the app's code.
pub async fn confirm_enrolment(
    db: &Db,
    key: &SecretKey,
    account_id: &str,
    typed: &str,
    now: i64,
) -> Result<(), MfaError> {
    let row = row(db, account_id).await?;
    let (Some(sealed), Some(at)) = (row.totp_pending_sealed, row.totp_pending_at) else {
        return Err(MfaError::NotEnrolled);
    };
    if now - at >= ENROLMENT_SECONDS {
        return Err(MfaError::NotEnrolled);
    }
    let secret = open(key, account_id, &sealed).ok_or(MfaError::NotEnrolled)?;
    let step = totp::verify(&secret, typed, now, None).ok_or(MfaError::WrongCode)?;
    db.query(
        "UPDATE type::record('account', $id) SET totp_sealed = totp_pending_sealed, totp_enabled_at = $now,
             totp_last_step = $step, totp_pending_sealed = NONE, totp_pending_at = NONE",
    )
    .bind(("id", account_id.to_owned()))
    .bind(("now", now))
    .bind(("step", step))
    .await?
    .check()?;
    Ok(())
}

/// Checks a code from the account's app. A code is accepted once: the step is recorded in the same write that
/// accepts it, so two requests racing with one code cannot both pass.
pub async fn check(db: &Db, key: &SecretKey, account_id: &str, typed: &str, now: i64) -> Result<(), MfaError> {
    let row = row(db, account_id).await?;
    let secret = row.totp_sealed.as_deref().and_then(|s| open(key, account_id, s)).ok_or(MfaError::NotEnrolled)?;
    let step = totp::verify(&secret, typed, now, row.totp_last_step).ok_or(MfaError::WrongCode)?;
    let mut res = db
        .query(
            "UPDATE type::record('account', $id) SET totp_last_step = $step
             WHERE totp_last_step = NONE OR totp_last_step < $step RETURN VALUE true",
        )
        .bind(("id", account_id.to_owned()))
        .bind(("step", step))
        .await?;
    let accepted: Vec<bool> = res.take(0)?;
    if accepted.is_empty() { Err(MfaError::WrongCode) } else { Ok(()) }
}

/// Turns the app off (a current code proves the person still holds it). Staff may not: the caller checks roles.
pub async fn disable(db: &Db, key: &SecretKey, account_id: &str, typed: &str, now: i64) -> Result<(), MfaError> {
    check(db, key, account_id, typed, now).await?;
    db.query(
        "UPDATE type::record('account', $id) SET totp_sealed = NONE, totp_enabled_at = NONE, totp_last_step = NONE",
    )
    .bind(("id", account_id.to_owned()))
    .await?
    .check()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::connect_memory;

    const NOW: i64 = 1_795_400_000;

    async fn account(db: &Db) -> String {
        let mut res = db
            .query("CREATE ONLY account CONTENT { phone: '+84912345678', full_name: 'Lê Thị Hoa', name_folded: 'le thi hoa', level: 1, created_at: 0 } RETURN VALUE meta::id(id)")
            .await
            .expect("create");
        res.take::<Option<String>>(0).expect("id").expect("id")
    }

    #[tokio::test]
    async fn enrolment_is_confirmed_by_a_code_and_the_secret_is_stored_sealed() {
        let db = connect_memory().await.expect("db");
        let key = SecretKey::generate().expect("key");
        let id = account(&db).await;
        assert_eq!(enabled_at(&db, &id).await.expect("read"), None);
        let secret = start_enrolment(&db, &key, &id, NOW).await.expect("start");
        assert_eq!(start_enrolment(&db, &key, &id, NOW + 60).await.expect("again"), secret, "same QR on reload");
        assert!(matches!(confirm_enrolment(&db, &key, &id, "000000", NOW).await, Err(MfaError::WrongCode)));
        confirm_enrolment(&db, &key, &id, &totp::code_at(&secret, NOW), NOW).await.expect("confirm");
        assert_eq!(enabled_at(&db, &id).await.expect("read"), Some(NOW));
        let mut res = db.query("SELECT * FROM account").await.expect("select");
        let dump = serde_json::to_string(&res.take::<Vec<serde_json::Value>>(0).expect("rows")).expect("json");
        assert!(!dump.contains(&secret.base32()), "the secret is never stored in the clear");
        // the enrolment code itself cannot be replayed at sign-in; the next step's code works once
        assert!(matches!(check(&db, &key, &id, &totp::code_at(&secret, NOW), NOW).await, Err(MfaError::WrongCode)));
        let later = NOW + 30;
        check(&db, &key, &id, &totp::code_at(&secret, later), later).await.expect("next code");
        assert!(matches!(check(&db, &key, &id, &totp::code_at(&secret, later), later).await, Err(MfaError::WrongCode)));
    }

    #[tokio::test]
    async fn an_old_enrolment_expires_and_disabling_needs_a_code() {
        let db = connect_memory().await.expect("db");
        let key = SecretKey::generate().expect("key");
        let id = account(&db).await;
        let old = start_enrolment(&db, &key, &id, NOW).await.expect("start");
        let late = NOW + ENROLMENT_SECONDS;
        assert!(matches!(confirm_enrolment(&db, &key, &id, &totp::code_at(&old, late), late).await, Err(MfaError::NotEnrolled)));
        let fresh = start_enrolment(&db, &key, &id, late).await.expect("restart");
        assert_ne!(fresh, old);
        confirm_enrolment(&db, &key, &id, &totp::code_at(&fresh, late), late).await.expect("confirm");
        let t = late + 60;
        assert!(matches!(disable(&db, &key, &id, "123456", t).await, Err(MfaError::WrongCode)));
        disable(&db, &key, &id, &totp::code_at(&fresh, t), t).await.expect("disable");
        assert_eq!(enabled_at(&db, &id).await.expect("read"), None);
        assert!(matches!(check(&db, &key, &id, &totp::code_at(&fresh, t + 30), t + 30).await, Err(MfaError::NotEnrolled)));
    }
}
