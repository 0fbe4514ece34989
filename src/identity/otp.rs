//! One-time codes: 6 digits from the OS random generator, valid 5 minutes, single use, bound to a phone and a
//! purpose, dead after 5 wrong tries; at most 10 per phone per hour, 60 s between sends, and a limit per client.
//! Only an HMAC of the code is stored; no code ever reaches a log. The 60 s wait is per phone and purpose; the hourly
//! limit counts every code the phone got.
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::OtpPurpose;
use super::domain::PhoneNumber;
use crate::db::{Db, DbError};
use crate::secret::SecretKey;

#[derive(Clone, Copy, Debug)]
pub struct OtpPolicy {
    pub validity_seconds: i64,
    pub max_wrong_tries: i64,
    pub max_per_phone_per_hour: i64,
    pub resend_wait_seconds: i64,
    pub max_per_client_per_hour: i64,
}

impl Default for OtpPolicy {
    fn default() -> Self {
        OtpPolicy {
            validity_seconds: 300,
            max_wrong_tries: 5,
            max_per_phone_per_hour: 10,
            resend_wait_seconds: 60,
            max_per_client_per_hour: 30,
        }
    }
}

#[derive(Debug)]
pub enum OtpError {
    /// Asked again before the resend wait: retry after so many seconds.
    ResendTooSoon { retry_after: i64 },
    /// The hourly limit for this phone number.
    TooManyForPhone { retry_after: i64 },
    /// The hourly limit for this client (address).
    TooManyFromClient { retry_after: i64 },
    /// No live code (never sent, already used, replaced by a newer one, or dead).
    NoCode,
    Expired,
    /// Wrong code; this many tries remain.
    Wrong { tries_left: i64 },
    /// The fifth wrong try: the code is dead.
    TooManyTries,
    Db(DbError),
}

impl From<DbError> for OtpError {
    fn from(e: DbError) -> Self {
        OtpError::Db(e)
    }
}

impl From<surrealdb::Error> for OtpError {
    fn from(e: surrealdb::Error) -> Self {
        OtpError::Db(DbError::Query(e))
    }
}

/// A freshly issued code: the caller sends it and forgets it.
#[derive(Debug)]
pub struct IssuedOtp {
    pub code: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub resend_at: i64,
}

/// Six uniformly random digits.
pub fn generate_code() -> Result<String, OtpError> {
    loop {
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes).map_err(|e| OtpError::Db(DbError::Connect(e.to_string())))?;
        let n = u32::from_le_bytes(bytes);
        // reject the top sliver so every code is equally likely
        if n < u32::MAX - (u32::MAX % 1_000_000) {
            return Ok(format!("{:06}", n % 1_000_000));
        }
    }
}

fn code_mac(key: &SecretKey, phone: &PhoneNumber, purpose: OtpPurpose, code: &str) -> Vec<u8> {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else { return Vec::new() };
    mac.update(b"cds-otp-v1\0");
    mac.update(phone.e164().as_bytes());
    mac.update(b"\0");
    mac.update(purpose.as_str().as_bytes());
    mac.update(b"\0");
    mac.update(code.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(bytes)
}

/// Issues a new code (and retires earlier live ones for the same phone and purpose).
pub async fn issue(
    db: &Db,
    key: &SecretKey,
    policy: &OtpPolicy,
    phone: &PhoneNumber,
    purpose: OtpPurpose,
    client: &str,
    now: i64,
) -> Result<IssuedOtp, OtpError> {
    let hour_ago = now - 3600;
    let mut res = db
        .query(
            "SELECT VALUE created_at FROM otp WHERE phone = $phone AND created_at > $since ORDER BY created_at DESC;
             SELECT VALUE created_at FROM otp WHERE client = $client AND created_at > $since ORDER BY created_at ASC;
             SELECT VALUE created_at FROM otp WHERE phone = $phone AND purpose = $purpose AND created_at > $since
                 ORDER BY created_at DESC LIMIT 1;",
        )
        .bind(("phone", phone.e164().to_owned()))
        .bind(("purpose", purpose.as_str()))
        .bind(("client", client.to_owned()))
        .bind(("since", hour_ago))
        .await?;
    let by_phone: Vec<i64> = res.take(0)?;
    let by_client: Vec<i64> = res.take(1)?;
    // the wait is per purpose (a code to confirm a new number right after the sign-up code is fine); the hourly
    // limit counts every code the number got
    let same_purpose: Vec<i64> = res.take(2)?;
    if let Some(last) = same_purpose.first()
        && now - last < policy.resend_wait_seconds
    {
        return Err(OtpError::ResendTooSoon { retry_after: policy.resend_wait_seconds - (now - last) });
    }
    if by_phone.len() as i64 >= policy.max_per_phone_per_hour {
        let oldest = by_phone.last().copied().unwrap_or(now);
        return Err(OtpError::TooManyForPhone { retry_after: (oldest + 3600 - now).max(1) });
    }
    if by_client.len() as i64 >= policy.max_per_client_per_hour {
        let oldest = by_client.first().copied().unwrap_or(now);
        return Err(OtpError::TooManyFromClient { retry_after: (oldest + 3600 - now).max(1) });
    }
    let code = generate_code()?;
    let expires_at = now + policy.validity_seconds;
    db.query(
        "BEGIN TRANSACTION;
         UPDATE otp SET dead = true WHERE phone = $phone AND purpose = $purpose AND used_at = NONE AND dead = false;
         CREATE otp SET phone = $phone, purpose = $purpose, code_mac = $mac, client = $client,
             created_at = $now, expires_at = $expires_at, wrong_tries = 0, dead = false;
         COMMIT TRANSACTION;",
    )
    .bind(("phone", phone.e164().to_owned()))
    .bind(("purpose", purpose.as_str()))
    .bind(("mac", hex(&code_mac(key, phone, purpose, &code))))
    .bind(("client", client.to_owned()))
    .bind(("now", now))
    .bind(("expires_at", expires_at))
    .await?
    .check()?;
    Ok(IssuedOtp { code, created_at: now, expires_at, resend_at: now + policy.resend_wait_seconds })
}

/// Records how the code issued at `created_at` went out: "sms", "email" or "failed".
pub async fn mark_delivered(db: &Db, phone: &PhoneNumber, purpose: OtpPurpose, created_at: i64, how: &str) -> Result<(), DbError> {
    db.query("UPDATE otp SET delivered = $how WHERE phone = $phone AND purpose = $purpose AND created_at = $at RETURN NONE")
        .bind(("how", how.to_owned()))
        .bind(("phone", phone.e164().to_owned()))
        .bind(("purpose", purpose.as_str()))
        .bind(("at", created_at))
        .await?
        .check()?;
    Ok(())
}

/// The newest code for this phone and purpose, still usable: when it was issued and how it went out.
pub async fn latest(db: &Db, phone: &PhoneNumber, purpose: OtpPurpose) -> Result<Option<(i64, Option<String>)>, DbError> {
    let mut res = db
        .query(
            "SELECT created_at, delivered FROM otp WHERE phone = $phone AND purpose = $purpose AND used_at = NONE
             AND dead = false ORDER BY created_at DESC LIMIT 1",
        )
        .bind(("phone", phone.e164().to_owned()))
        .bind(("purpose", purpose.as_str()))
        .await?;
    #[derive(serde::Deserialize)]
    struct Row {
        created_at: i64,
        delivered: Option<String>,
    }
    let rows: Vec<Row> = crate::db::take_rows(&mut res, 0)?;
    Ok(rows.into_iter().next().map(|r| (r.created_at, r.delivered)))
}

#[derive(Debug, serde::Deserialize)]
struct LiveOtp {
    id: String,
    code_mac: String,
    expires_at: i64,
}

/// Checks a code typed by the person; the right code works once.
pub async fn verify(
    db: &Db,
    key: &SecretKey,
    policy: &OtpPolicy,
    phone: &PhoneNumber,
    purpose: OtpPurpose,
    code: &str,
    now: i64,
) -> Result<(), OtpError> {
    let id = check(db, key, policy, phone, purpose, code, now).await?;
    consume(db, &[id], now).await
}

/// Whether `code` is the live code for this phone and purpose, without using it up (a wrong one still counts
/// against the tries). Returns the code's id for [`consume`]. For forms with two codes: both are checked before
/// either is used, so a typo in one does not waste the other.
pub async fn check(
    db: &Db,
    key: &SecretKey,
    policy: &OtpPolicy,
    phone: &PhoneNumber,
    purpose: OtpPurpose,
    code: &str,
    now: i64,
) -> Result<String, OtpError> {
    let mut res = db
        .query(
            "SELECT meta::id(id) AS id, code_mac, expires_at FROM otp
             WHERE phone = $phone AND purpose = $purpose AND used_at = NONE AND dead = false
             ORDER BY created_at DESC LIMIT 1",
        )
        .bind(("phone", phone.e164().to_owned()))
        .bind(("purpose", purpose.as_str()))
        .await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    let Some(live) = rows.into_iter().next().and_then(|v| serde_json::from_value::<LiveOtp>(v).ok()) else {
        return Err(OtpError::NoCode);
    };
    if now >= live.expires_at {
        return Err(OtpError::Expired);
    }
    let typed: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let expected = hex(&code_mac(key, phone, purpose, &typed));
    let matches = typed.len() == 6 && bool::from(expected.as_bytes().ct_eq(live.code_mac.as_bytes()));
    if matches {
        return Ok(live.id);
    }
    // Counted in the database, not read-then-written here: wrong guesses sent at the same moment each count.
    let mut res = db
        .query(
            "UPDATE type::record('otp', $id) SET wrong_tries += 1 WHERE dead = false AND used_at = NONE RETURN VALUE wrong_tries;
             UPDATE type::record('otp', $id) SET dead = true WHERE wrong_tries >= $max RETURN NONE;",
        )
        .bind(("id", live.id))
        .bind(("max", policy.max_wrong_tries))
        .await?;
    let counted: Vec<i64> = res.take(0)?;
    res.check()?;
    match counted.first() {
        Some(&tries) if tries < policy.max_wrong_tries => Err(OtpError::Wrong { tries_left: policy.max_wrong_tries - tries }),
        _ => Err(OtpError::TooManyTries),
    }
}

/// Uses up codes that [`check`] accepted, all or none: of two simultaneous right answers, only one wins.
pub async fn consume(db: &Db, ids: &[String], now: i64) -> Result<(), OtpError> {
    let mut res = db
        .query(
            "BEGIN TRANSACTION;
             LET $records = array::map($ids, |$i| type::record('otp', $i));
             LET $done = (UPDATE $records SET used_at = $now WHERE used_at = NONE AND dead = false RETURN VALUE id);
             IF array::len($done) != array::len($ids) { THROW 'already used' };
             COMMIT TRANSACTION;",
        )
        .bind(("ids", ids.to_vec()))
        .bind(("now", now))
        .await?;
    if res.take_errors().is_empty() { Ok(()) } else { Err(OtpError::NoCode) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::connect_memory;

    const NOW: i64 = 1_795_400_000;

    fn phone() -> PhoneNumber {
        PhoneNumber::parse("0912345678").expect("phone")
    }

    async fn setup() -> (Db, SecretKey, OtpPolicy) {
        (connect_memory().await.expect("db"), SecretKey::generate().expect("key"), OtpPolicy::default())
    }

    #[test]
    fn codes_are_six_digits_and_vary() {
        let codes: Vec<String> = (0..50).map(|_| generate_code().expect("code")).collect();
        assert!(codes.iter().all(|c| c.len() == 6 && c.chars().all(|d| d.is_ascii_digit())));
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert!(distinct.len() > 40, "codes repeat too much: {}", distinct.len());
    }

    #[tokio::test]
    async fn the_right_code_works_once() {
        let (db, key, policy) = setup().await;
        let otp = issue(&db, &key, &policy, &phone(), OtpPurpose::SignIn, "1.2.3.4", NOW).await.expect("issue");
        verify(&db, &key, &policy, &phone(), OtpPurpose::SignIn, &otp.code, NOW + 10).await.expect("first use");
        let again = verify(&db, &key, &policy, &phone(), OtpPurpose::SignIn, &otp.code, NOW + 11).await;
        assert!(matches!(again, Err(OtpError::NoCode)), "{again:?}");
    }

    #[tokio::test]
    async fn otp_is_stored_only_as_an_hmac() {
        let (db, key, policy) = setup().await;
        let otp = issue(&db, &key, &policy, &phone(), OtpPurpose::SignIn, "1.2.3.4", NOW).await.expect("issue");
        let mut res = db.query("SELECT * FROM otp").await.expect("select");
        let rows: Vec<serde_json::Value> = res.take(0).expect("rows");
        let dump = serde_json::to_string(&rows).expect("json");
        assert!(!dump.contains(&otp.code), "plain code stored: {dump}");
    }

    #[tokio::test]
    async fn a_code_expires_after_five_minutes() {
        let (db, key, policy) = setup().await;
        let otp = issue(&db, &key, &policy, &phone(), OtpPurpose::SignIn, "c", NOW).await.expect("issue");
        let late = verify(&db, &key, &policy, &phone(), OtpPurpose::SignIn, &otp.code, NOW + 300).await;
        assert!(matches!(late, Err(OtpError::Expired)), "{late:?}");
    }

    #[tokio::test]
    async fn a_code_is_bound_to_its_phone_and_purpose() {
        let (db, key, policy) = setup().await;
        let otp = issue(&db, &key, &policy, &phone(), OtpPurpose::SignUp, "c", NOW).await.expect("issue");
        let other = PhoneNumber::parse("0987654321").expect("phone");
        assert!(matches!(
            verify(&db, &key, &policy, &other, OtpPurpose::SignUp, &otp.code, NOW + 1).await,
            Err(OtpError::NoCode)
        ));
        assert!(matches!(
            verify(&db, &key, &policy, &phone(), OtpPurpose::SignIn, &otp.code, NOW + 1).await,
            Err(OtpError::NoCode)
        ));
        verify(&db, &key, &policy, &phone(), OtpPurpose::SignUp, &otp.code, NOW + 1).await.expect("right purpose");
    }

    #[tokio::test]
    async fn otp_is_refused_after_five_wrong_tries() {
        let (db, key, policy) = setup().await;
        let otp = issue(&db, &key, &policy, &phone(), OtpPurpose::SignIn, "c", NOW).await.expect("issue");
        let wrong = if otp.code == "000000" { "111111" } else { "000000" };
        for left in (1..=4).rev() {
            let r = verify(&db, &key, &policy, &phone(), OtpPurpose::SignIn, wrong, NOW + 1).await;
            assert!(matches!(r, Err(OtpError::Wrong { tries_left }) if tries_left == left), "{r:?}");
        }
        let fifth = verify(&db, &key, &policy, &phone(), OtpPurpose::SignIn, wrong, NOW + 1).await;
        assert!(matches!(fifth, Err(OtpError::TooManyTries)), "{fifth:?}");
        let right_too_late = verify(&db, &key, &policy, &phone(), OtpPurpose::SignIn, &otp.code, NOW + 2).await;
        assert!(matches!(right_too_late, Err(OtpError::NoCode)), "{right_too_late:?}");
    }

    #[tokio::test]
    async fn a_new_code_waits_sixty_seconds_and_replaces_the_old_one() {
        let (db, key, policy) = setup().await;
        let first = issue(&db, &key, &policy, &phone(), OtpPurpose::SignIn, "c", NOW).await.expect("issue");
        let soon = issue(&db, &key, &policy, &phone(), OtpPurpose::SignIn, "c", NOW + 20).await;
        assert!(matches!(soon, Err(OtpError::ResendTooSoon { retry_after: 40 })), "{soon:?}");
        let second = issue(&db, &key, &policy, &phone(), OtpPurpose::SignIn, "c", NOW + 60).await.expect("resend");
        if first.code != second.code {
            assert!(verify(&db, &key, &policy, &phone(), OtpPurpose::SignIn, &first.code, NOW + 61).await.is_err());
        }
        verify(&db, &key, &policy, &phone(), OtpPurpose::SignIn, &second.code, NOW + 61).await.expect("newest works");
    }

    #[tokio::test]
    async fn at_most_ten_codes_per_phone_per_hour() {
        let (db, key, policy) = setup().await;
        for i in 0..10 {
            issue(&db, &key, &policy, &phone(), OtpPurpose::SignIn, "c", NOW + i * 60).await.expect("within limit");
        }
        let eleventh = issue(&db, &key, &policy, &phone(), OtpPurpose::SignIn, "c", NOW + 600).await;
        assert!(matches!(eleventh, Err(OtpError::TooManyForPhone { retry_after: 3000 })), "{eleventh:?}");
        issue(&db, &key, &policy, &phone(), OtpPurpose::SignIn, "c", NOW + 3601).await.expect("an hour later");
    }

    #[tokio::test]
    async fn one_client_cannot_request_codes_for_many_phones() {
        let (db, key, _) = setup().await;
        let policy = OtpPolicy { max_per_client_per_hour: 3, ..OtpPolicy::default() };
        for n in ["0912000001", "0912000002", "0912000003"] {
            let p = PhoneNumber::parse(n).expect("phone");
            issue(&db, &key, &policy, &p, OtpPurpose::SignIn, "9.9.9.9", NOW).await.expect("within limit");
        }
        let p = PhoneNumber::parse("0912000004").expect("phone");
        let r = issue(&db, &key, &policy, &p, OtpPurpose::SignIn, "9.9.9.9", NOW + 1).await;
        assert!(matches!(r, Err(OtpError::TooManyFromClient { .. })), "{r:?}");
        issue(&db, &key, &policy, &p, OtpPurpose::SignIn, "8.8.8.8", NOW + 1).await.expect("another client");
    }
}
