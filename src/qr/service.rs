//! Issuing a citizen's QR token, verifying one online (signature, time, and revocation), revoking them all.
use super::keys::KeyRing;
use super::token::Payload;
pub use super::Purpose;
use super::{Claims, PersonFacts, Preset, Reason, disclose};
use crate::db::{Db, DbError};
use crate::identity::domain::{Date, Sex};

/// How long a token shown on screen is valid: the page shows a new one every minute, with a minute of grace for
/// a slow scan.
pub const SCREEN_TOKEN_SECONDS: i64 = 120;

#[derive(serde::Deserialize)]
struct FactsRow {
    full_name: String,
    birth_date: Option<String>,
    sex: Option<String>,
    citizen_id: Option<String>,
    level: i64,
    citizen_code: Option<String>,
}

/// Gives the account its citizen code if it has none yet.
pub async fn ensure_citizen_code(db: &Db, account_id: &str) -> Result<(), DbError> {
    citizen_code(db, account_id, None).await.map(|_| ())
}

/// The person's citizen code (20 hex digits), created on first use; never the ID number.
async fn citizen_code(db: &Db, account_id: &str, existing: Option<String>) -> Result<[u8; 10], DbError> {
    let parse = |hex: &str| -> Option<[u8; 10]> { data_encoding::HEXLOWER.decode(hex.as_bytes()).ok()?.try_into().ok() };
    if let Some(code) = existing.as_deref().and_then(parse) {
        return Ok(code);
    }
    let mut fresh = [0u8; 10];
    getrandom::fill(&mut fresh).map_err(|e| DbError::Connect(e.to_string()))?;
    let mut res = db
        .query(
            "UPDATE type::record('account', $id) SET citizen_code = $code WHERE citizen_code = NONE;
             SELECT VALUE citizen_code FROM ONLY type::record('account', $id);",
        )
        .bind(("id", account_id.to_owned()))
        .bind(("code", data_encoding::HEXLOWER.encode(&fresh)))
        .await?;
    // two requests at once: whichever wrote first wins, both read the same code back
    let stored: Option<String> = res.take(1)?;
    stored.as_deref().and_then(parse).ok_or_else(|| DbError::Connect("no citizen code".into()))
}

/// Whom a token is about: what the account's tokens may disclose.
struct Subject {
    code: [u8; 10],
    level: u8,
    facts: PersonFacts,
}

async fn subject(db: &Db, account_id: &str) -> Result<Option<Subject>, DbError> {
    let mut res = db
        .query(
            "SELECT full_name, birth_date, sex, citizen_id, level, citizen_code FROM ONLY type::record('account', $id)",
        )
        .bind(("id", account_id.to_owned()))
        .await?;
    let row: Option<serde_json::Value> = res.take(0)?;
    let Some(row) = row.and_then(|v| serde_json::from_value::<FactsRow>(v).ok()) else { return Ok(None) };
    let code = citizen_code(db, account_id, row.citizen_code).await?;
    let facts = PersonFacts {
        full_name: row.full_name,
        birth_date: row.birth_date.as_deref().and_then(Date::parse_iso),
        sex: row.sex.as_deref().and_then(Sex::parse),
        citizen_id: row.citizen_id,
    };
    Ok(Some(Subject { code, level: u8::try_from(row.level).unwrap_or(1), facts }))
}

impl Subject {
    /// A token signed now, valid from `valid_from` (now or later) until `expires_at`.
    fn token(&self, keys: &KeyRing, preset: Preset, now: i64, valid_from: i64, expires_at: i64) -> String {
        let issued_at = now;
        keys.sign(Payload {
            key_id: keys.signing_kid(),
            citizen_code: self.code,
            level: self.level,
            preset,
            issued_at: u32::try_from(issued_at).unwrap_or(0),
            valid_from: u32::try_from(valid_from.max(issued_at)).unwrap_or(0),
            expires_at: u32::try_from(expires_at).unwrap_or(0),
            claims: disclose(preset, &self.facts, Date::from_unix_vietnam(valid_from.max(issued_at))),
        })
    }
}

/// A fresh signed token for the account's chosen preset, and when it expires.
pub async fn issue(
    db: &Db,
    keys: &KeyRing,
    account_id: &str,
    preset: Preset,
    now: i64,
) -> Result<Option<(String, i64)>, DbError> {
    let Some(subject) = subject(db, account_id).await? else { return Ok(None) };
    let expires = now + SCREEN_TOKEN_SECONDS;
    Ok(Some((subject.token(keys, preset, now, now, expires), expires)))
}

/// The offline batch for the account's chosen preset (see [`super::batch`]): tokens for the next 24 hours, each
/// valid only in its own window.
pub async fn issue_batch(
    db: &Db,
    keys: &KeyRing,
    account_id: &str,
    preset: Preset,
    now: i64,
) -> Result<Option<String>, DbError> {
    let Some(subject) = subject(db, account_id).await? else { return Ok(None) };
    Ok(Some(super::batch::write(preset, now, |from, expires| subject.token(keys, preset, now, from, expires))))
}

/// The answer to a verification.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Verification {
    pub valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preset: Option<Preset>,
    /// Present only when valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims: Option<Claims>,
    /// A printed card (resolved online) rather than a signed token.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub card: bool,
}

impl Verification {
    pub(super) fn refused(reason: Reason) -> Self {
        Verification { valid: false, reason: Some(reason), level: None, preset: None, claims: None, card: false }
    }
}

#[derive(serde::Deserialize)]
struct OwnerRow {
    id: String,
    qr_revoked_at: Option<i64>,
}

/// Where a verification came from: a relying party's system (the API) or a counter (an operator of an
/// organization, with a purpose).
#[derive(Clone, Copy, Debug, Default)]
pub struct Via<'a> {
    pub counter: Option<Counter<'a>>,
}

#[derive(Clone, Copy, Debug)]
pub struct Counter<'a> {
    pub operator: &'a str,
    pub organization: &'a str,
    pub purpose: Purpose,
    /// At a place with entry control: which place, and in or out.
    pub passage: Option<(&'a str, super::Direction)>,
}

/// Verifies a scanned token online: form, key, signature, time, then whether the citizen still exists and has
/// not revoked it. A genuine token's verification is recorded for the citizen to see.
pub async fn verify_online(db: &Db, keys: &KeyRing, text: &str, via: Via<'_>, now: i64) -> Result<Verification, DbError> {
    if text.trim_start().starts_with(super::card::PREFIX) {
        return super::card::resolve(db, keys, text, via, now).await;
    }
    let payload = match keys.authentic(text) {
        Ok(payload) => payload,
        Err(reason) => return Ok(Verification::refused(reason)),
    };
    if let Err(reason) = super::keys::in_time(&payload, now) {
        // genuine but out of time: still worth telling the citizen it was shown
        if let Some(owner) = owner(db, &payload).await? {
            record(db, Some(&owner.id), payload.preset.as_str(), Some(reason), via, now).await?;
        }
        return Ok(Verification::refused(reason));
    }
    let Some(owner) = owner(db, &payload).await? else {
        return Ok(Verification::refused(Reason::UnknownCitizen));
    };
    if owner.qr_revoked_at.is_some_and(|at| i64::from(payload.issued_at) <= at) {
        record(db, Some(&owner.id), payload.preset.as_str(), Some(Reason::Revoked), via, now).await?;
        return Ok(Verification::refused(Reason::Revoked));
    }
    record(db, Some(&owner.id), payload.preset.as_str(), None, via, now).await?;
    Ok(Verification {
        valid: true,
        reason: None,
        level: Some(payload.level),
        preset: Some(payload.preset),
        claims: Some(payload.claims),
        card: false,
    })
}

async fn owner(db: &Db, payload: &Payload) -> Result<Option<OwnerRow>, DbError> {
    let mut res = db
        .query("SELECT meta::id(id) AS id, qr_revoked_at FROM account WHERE citizen_code = $code LIMIT 1")
        .bind(("code", data_encoding::HEXLOWER.encode(&payload.citizen_code)))
        .await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    Ok(rows.into_iter().next().and_then(|v| serde_json::from_value(v).ok()))
}

/// Records a check of a genuine code or card (`preset`: the token's preset, or the card's label).
pub(super) async fn record(
    db: &Db,
    account_id: Option<&str>,
    preset: &str,
    reason: Option<Reason>,
    via: Via<'_>,
    now: i64,
) -> Result<(), DbError> {
    let counter = via.counter;
    db.query(
        "CREATE qr_verification:ulid() SET at = $now, preset = $preset, valid = $valid, via = $via,
             account = IF $account { type::record('account', $account) } ELSE { NONE },
             reason = IF $reason { $reason } ELSE { NONE },
             operator = IF $operator { type::record('account', $operator) } ELSE { NONE },
             organization = IF $operator { type::record('organization', $organization) } ELSE { NONE },
             purpose = IF $operator { $purpose } ELSE { NONE },
             place = IF $place { type::record('place', $place) } ELSE { NONE },
             direction = IF $place { $direction } ELSE { NONE }
         RETURN NONE",
    )
    .bind(("now", now))
    .bind(("preset", preset.to_owned()))
    .bind(("valid", reason.is_none()))
    .bind(("via", if counter.is_some() { "counter" } else { "api" }))
    .bind(("operator", counter.map(|c| c.operator.to_owned())))
    .bind(("organization", counter.map(|c| c.organization.to_owned())))
    .bind(("purpose", counter.map(|c| c.purpose.as_str())))
    .bind(("place", counter.and_then(|c| c.passage).map(|(place, _)| place.to_owned())))
    .bind(("direction", counter.and_then(|c| c.passage).map(|(_, d)| d.as_str())))
    .bind(("account", account_id.map(str::to_owned)))
    .bind(("reason", reason.map(|r| r.as_str())))
    .await?
    .check()?;
    Ok(())
}

/// Lost phone: every token issued until now stops verifying online, and every session ends.
pub async fn revoke_all(db: &Db, account_id: &str, now: i64) -> Result<(), DbError> {
    db.query("UPDATE type::record('account', $id) SET qr_revoked_at = $now")
        .bind(("id", account_id.to_owned()))
        .bind(("now", now))
        .await?
        .check()?;
    crate::identity::session::revoke_all(db, account_id, now).await
}

/// How many times the account's QR code was verified online (for the citizen's own page).
pub async fn verification_count(db: &Db, account_id: &str) -> Result<i64, DbError> {
    let mut res = db
        .query("SELECT VALUE count() FROM qr_verification WHERE account = type::record('account', $id) GROUP ALL")
        .bind(("id", account_id.to_owned()))
        .await?;
    Ok(res.take::<Option<i64>>(0)?.unwrap_or(0))
}

/// One check of the person's QR code, as they see it.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct CheckRow {
    pub at: i64,
    pub preset: String,
    pub valid: bool,
    pub reason: Option<String>,
    pub organization: Option<String>,
    pub purpose: Option<String>,
    pub place: Option<String>,
    pub direction: Option<String>,
}

/// The person's QR checks, newest first (at most `limit`): when, by which organization, why, what was shown.
pub async fn checks_of(db: &Db, account_id: &str, limit: i64) -> Result<Vec<CheckRow>, DbError> {
    let mut res = db
        .query(
            "SELECT at, preset, valid, reason, organization.name AS organization, purpose, place.name AS place, direction,
                    meta::id(id) AS seq
             FROM qr_verification WHERE account = type::record('account', $id) ORDER BY at DESC, seq DESC LIMIT $limit",
        )
        .bind(("id", account_id.to_owned()))
        .bind(("limit", limit))
        .await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    Ok(rows.into_iter().filter_map(|v| serde_json::from_value(v).ok()).collect())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::db::connect_memory;
    use crate::secret::SecretKey;

    const NOW: i64 = 1_795_400_000;

    /// Nguyễn Văn An, born 12/03/1985, level 2.
    pub(crate) async fn citizen(db: &Db) -> String {
        let mut res = db
            .query(
                "CREATE ONLY account CONTENT { phone: '+84912345678', citizen_id: '048085001234', full_name: 'Nguyễn Văn An',
                     name_folded: 'nguyen van an', birth_date: '1985-03-12', sex: 'male', level: 2, created_at: 0 }
                 RETURN VALUE meta::id(id)",
            )
            .await
            .expect("create");
        res.take::<Option<String>>(0).expect("id").expect("id")
    }

    #[tokio::test]
    async fn a_token_verifies_online_with_only_its_claims_until_revoked() {
        let db = connect_memory().await.expect("db");
        let keys = KeyRing::load(&db, &SecretKey::generate().expect("secret"), NOW).await.expect("keys");
        let id = citizen(&db).await;
        let (adult, expires) = issue(&db, &keys, &id, Preset::Adult, NOW).await.expect("issue").expect("account");
        assert_eq!(expires, NOW + SCREEN_TOKEN_SECONDS);
        assert!(!adult.contains("048085001234"));
        let seen = verify_online(&db, &keys, &adult, Via::default(), NOW + 5).await.expect("verify");
        assert!(seen.valid);
        assert_eq!(seen.level, Some(2));
        assert_eq!(seen.claims, Some(Claims { over_18: Some(true), ..Claims::default() }));
        let json = serde_json::to_value(&seen).expect("json");
        assert_eq!(json, serde_json::json!({"valid": true, "level": 2, "preset": "adult", "claims": {"over_18": true}}));

        let (full, _) = issue(&db, &keys, &id, Preset::Full, NOW).await.expect("issue").expect("account");
        let full_seen = verify_online(&db, &keys, &full, Via::default(), NOW + 5).await.expect("verify");
        assert_eq!(full_seen.claims.and_then(|c| c.citizen_id).as_deref(), Some("048085001234"));
        // the same person keeps one citizen code
        let (again, _) = issue(&db, &keys, &id, Preset::Basic, NOW + 60).await.expect("issue").expect("account");
        let codes: Vec<[u8; 10]> = [&adult, &again]
            .iter()
            .map(|t| crate::qr::token::parse_text(t).expect("parse").2.citizen_code)
            .collect();
        assert_eq!(codes[0], codes[1]);

        let late = verify_online(&db, &keys, &adult, Via::default(), NOW + SCREEN_TOKEN_SECONDS).await.expect("verify");
        assert_eq!(late.reason, Some(Reason::Expired));

        revoke_all(&db, &id, NOW + 70).await.expect("revoke");
        let revoked = verify_online(&db, &keys, &again, Via::default(), NOW + 71).await.expect("verify");
        assert_eq!((revoked.valid, revoked.reason), (false, Some(Reason::Revoked)));
        let (after, _) = issue(&db, &keys, &id, Preset::Basic, NOW + 80).await.expect("issue").expect("account");
        assert!(verify_online(&db, &keys, &after, Via::default(), NOW + 81).await.expect("verify").valid, "new codes work");
        assert_eq!(verification_count(&db, &id).await.expect("count"), 5, "every genuine scan is recorded");
        let checks = checks_of(&db, &id, 10).await.expect("checks");
        assert_eq!(checks.len(), 5);
        // newest first: the late (expired) check of the adult code was made at NOW + 120
        assert_eq!((checks[0].preset.as_str(), checks[0].reason.as_deref()), ("adult", Some("expired")));
        assert_eq!(checks.iter().filter(|c| c.reason.as_deref() == Some("revoked")).count(), 1);

        // a forged token names nobody: not recorded against the citizen
        let (signed, _, _) = crate::qr::token::parse_text(&after).expect("parse");
        let forged = crate::qr::token::to_text(&signed, &[0u8; 64]);
        assert_eq!(verify_online(&db, &keys, &forged, Via::default(), NOW + 82).await.expect("v").reason, Some(Reason::BadSignature));
        assert_eq!(verification_count(&db, &id).await.expect("count"), 5);
    }

    #[tokio::test]
    async fn the_default_qr_stays_small_enough_for_cheap_cameras() {
        let db = connect_memory().await.expect("db");
        let keys = KeyRing::load(&db, &SecretKey::generate().expect("secret"), NOW).await.expect("keys");
        let id = citizen(&db).await;
        db.query("UPDATE type::record('account', $id) SET full_name = 'Tôn Nữ Hoàng Thị Phương Khánh Ngọc Diệp'")
            .bind(("id", id.clone()))
            .await
            .expect("long name");
        for preset in Preset::ALL {
            let (text, _) = issue(&db, &keys, &id, preset, NOW).await.expect("issue").expect("account");
            let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).expect("qr");
            let qrcode::Version::Normal(version) = code.version() else { panic!("micro QR") };
            assert!(version <= 10, "{preset:?}: version {version} for {} characters", text.len());
        }
    }

    /// Reads a code of an offline batch back as a camera would: drawn four pixels per module, then decoded.
    fn scan(code: &crate::qr::batch::Code) -> String {
        let side = (code.width + 8) * 4;
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| {
            let (mx, my) = ((x / 4).wrapping_sub(4), (y / 4).wrapping_sub(4));
            if mx < code.width && my < code.width && code.dark(mx, my) { 0 } else { 255 }
        });
        let grids = image.detect_grids();
        grids.first().expect("a code").decode().expect("decodes").1
    }

    #[tokio::test]
    async fn an_offline_batch_covers_a_day_window_by_window_and_dies_with_lost_phone() {
        let db = connect_memory().await.expect("db");
        let keys = KeyRing::load(&db, &SecretKey::generate().expect("secret"), NOW).await.expect("keys");
        let id = citizen(&db).await;
        let text = issue_batch(&db, &keys, &id, Preset::Adult, NOW).await.expect("batch").expect("account");
        let batch = crate::qr::batch::Batch::parse(&text).expect("parses");
        assert_eq!(batch.preset, Preset::Adult);
        assert!(batch.until() >= NOW + 24 * 3600);

        let now_code = scan(batch.current(NOW).expect("current"));
        let seen = verify_online(&db, &keys, &now_code, Via::default(), NOW + 5).await.expect("verify");
        assert_eq!((seen.valid, seen.claims), (true, Some(Claims { over_18: Some(true), ..Claims::default() })));

        // a code for later in the day does not work before its window, and does in it
        let later = batch.current(NOW + 5 * 3600).expect("later");
        let later_code = scan(later);
        let early = verify_online(&db, &keys, &later_code, Via::default(), NOW + 5).await.expect("verify");
        assert_eq!(early.reason, Some(Reason::NotYetValid));
        assert!(verify_online(&db, &keys, &later_code, Via::default(), later.from + 1).await.expect("verify").valid);

        // lost phone: even the codes of windows still to come stop working
        revoke_all(&db, &id, NOW + 10).await.expect("revoke");
        let tonight = batch.current(NOW + 10 * 3600).expect("tonight");
        let gone = verify_online(&db, &keys, &scan(tonight), Via::default(), tonight.from + 1).await.expect("verify");
        assert_eq!(gone.reason, Some(Reason::Revoked));
    }
}
