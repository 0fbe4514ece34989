//! The printed card, for people without a smartphone: a long-lived QR code with only the citizen code, the card's
//! number and a tag (HMAC-SHA256 under a key derived from the server secret, cut to 8 bytes). It says nothing by
//! itself: a counter resolves it online, which shows the person's basic claims and records the check. Revoking it
//! makes every copy useless; a new card gets the next number.
//!
//! ```text
//! "CDSC:" base45( citizen code [10] | card number u16 | tag [8] )
//! ```
use subtle::ConstantTimeEq;

use super::keys::KeyRing;
use super::service::{Via, Verification, record};
use super::token::base45;
use super::{PersonFacts, Preset, Reason, disclose};
use crate::db::{Db, DbError};
use crate::identity::domain::{Date, Sex};

pub const PREFIX: &str = super::token::CARD_PREFIX;
const TAG_LEN: usize = 8;
/// What `qr_verification.preset` says for a check of a printed card.
pub const CHECK_LABEL: &str = "card";

fn tag(key: &[u8; 32], code: &[u8; 10], number: u16) -> [u8; TAG_LEN] {
    let mut context = ring::hmac::Context::with_key(&ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key));
    context.update(b"congdanso/card/v1/");
    context.update(code);
    context.update(&number.to_be_bytes());
    let full = context.sign();
    let mut out = [0u8; TAG_LEN];
    out.copy_from_slice(&full.as_ref()[..TAG_LEN]);
    out
}

/// The text the card's QR code carries.
pub fn text(key: &[u8; 32], code: &[u8; 10], number: u16) -> String {
    let mut bytes = code.to_vec();
    bytes.extend_from_slice(&number.to_be_bytes());
    bytes.extend_from_slice(&tag(key, code, number));
    format!("{PREFIX}{}", base45::encode(&bytes))
}

/// The citizen code and card number of a genuine card text.
pub fn authentic(key: &[u8; 32], text: &str) -> Result<([u8; 10], u16), Reason> {
    let body = text.trim().strip_prefix(PREFIX).ok_or(Reason::Malformed)?;
    let bytes = base45::decode(body).ok_or(Reason::Malformed)?;
    if bytes.len() != 10 + 2 + TAG_LEN {
        return Err(Reason::Malformed);
    }
    let code: [u8; 10] = bytes[..10].try_into().map_err(|_| Reason::Malformed)?;
    let number = u16::from_be_bytes([bytes[10], bytes[11]]);
    if bool::from(tag(key, &code, number).ct_eq(&bytes[12..])) {
        Ok((code, number))
    } else {
        Err(Reason::BadSignature)
    }
}

/// The person's card as the print view shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Card {
    pub text: String,
    pub number: u16,
    pub issued_at: i64,
    pub full_name: String,
    /// The citizen code in groups of four, printed under the QR code for typing.
    pub code: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    None,
    Active(Card),
    /// The last card was revoked (its number); a new one can be issued.
    Revoked(u16),
}

#[derive(serde::Deserialize)]
struct CardRow {
    full_name: String,
    citizen_code: Option<String>,
    card_number: Option<i64>,
    card_issued_at: Option<i64>,
    card_revoked_at: Option<i64>,
}

fn parse_code(hex: &str) -> Option<[u8; 10]> {
    data_encoding::HEXLOWER.decode(hex.as_bytes()).ok()?.try_into().ok()
}

/// The account's card, if it has one.
pub async fn status(db: &Db, keys: &KeyRing, account_id: &str) -> Result<Status, DbError> {
    let mut res = db
        .query(
            "SELECT full_name, citizen_code, card_number, card_issued_at, card_revoked_at
             FROM ONLY type::record('account', $id)",
        )
        .bind(("id", account_id.to_owned()))
        .await?;
    let row: Option<serde_json::Value> = res.take(0)?;
    let Some(row) = row.and_then(|v| serde_json::from_value::<CardRow>(v).ok()) else { return Ok(Status::None) };
    let (Some(number), Some(issued_at), Some(code)) =
        (row.card_number, row.card_issued_at, row.citizen_code.as_deref().and_then(parse_code))
    else {
        return Ok(Status::None);
    };
    let number = u16::try_from(number).unwrap_or(u16::MAX);
    if row.card_revoked_at.is_some() {
        return Ok(Status::Revoked(number));
    }
    let hex = data_encoding::HEXUPPER.encode(&code);
    let grouped: Vec<&str> = (0..hex.len()).step_by(4).map(|i| &hex[i..(i + 4).min(hex.len())]).collect();
    Ok(Status::Active(Card {
        text: text(keys.card_key(), &code, number),
        number,
        issued_at,
        full_name: row.full_name,
        code: grouped.join(" "),
    }))
}

/// Issues a new card: the next number, and every earlier card stops working.
pub async fn issue(db: &Db, account_id: &str, now: i64) -> Result<(), DbError> {
    super::service::ensure_citizen_code(db, account_id).await?;
    db.query(
        "UPDATE type::record('account', $id) SET card_number = (card_number ?? 0) + 1, card_issued_at = $now,
             card_revoked_at = NONE",
    )
    .bind(("id", account_id.to_owned()))
    .bind(("now", now))
    .await?
    .check()?;
    Ok(())
}

/// Revokes the current card (lost or stolen). True when there was one to revoke.
pub async fn revoke(db: &Db, account_id: &str, now: i64) -> Result<bool, DbError> {
    let mut res = db
        .query(
            "UPDATE type::record('account', $id) SET card_revoked_at = $now
             WHERE card_number != NONE AND card_revoked_at = NONE RETURN VALUE meta::id(id)",
        )
        .bind(("id", account_id.to_owned()))
        .bind(("now", now))
        .await?;
    let ids: Vec<String> = res.take(0)?;
    Ok(!ids.is_empty())
}

#[derive(serde::Deserialize)]
struct HolderRow {
    id: String,
    full_name: String,
    birth_date: Option<String>,
    sex: Option<String>,
    level: i64,
    card_number: Option<i64>,
    card_revoked_at: Option<i64>,
}

/// Resolves a card online: genuine, still the person's current card, then their basic claims. Checks of a genuine
/// card are recorded for the person to see.
pub async fn resolve(db: &Db, keys: &KeyRing, text: &str, via: Via<'_>, now: i64) -> Result<Verification, DbError> {
    let (code, number) = match authentic(keys.card_key(), text) {
        Ok(found) => found,
        Err(reason) => return Ok(Verification::refused(reason)),
    };
    let mut res = db
        .query(
            "SELECT meta::id(id) AS id, full_name, birth_date, sex, level, card_number, card_revoked_at FROM account
             WHERE citizen_code = $code LIMIT 1",
        )
        .bind(("code", data_encoding::HEXLOWER.encode(&code)))
        .await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    let Some(holder) = rows.into_iter().next().and_then(|v| serde_json::from_value::<HolderRow>(v).ok()) else {
        return Ok(Verification::refused(Reason::UnknownCitizen));
    };
    if holder.card_number != Some(i64::from(number)) || holder.card_revoked_at.is_some() {
        record(db, Some(&holder.id), CHECK_LABEL, Some(Reason::Revoked), via, now).await?;
        return Ok(Verification { card: true, ..Verification::refused(Reason::Revoked) });
    }
    let facts = PersonFacts {
        full_name: holder.full_name,
        birth_date: holder.birth_date.as_deref().and_then(Date::parse_iso),
        sex: holder.sex.as_deref().and_then(Sex::parse),
        citizen_id: None,
    };
    record(db, Some(&holder.id), CHECK_LABEL, None, via, now).await?;
    Ok(Verification {
        valid: true,
        reason: None,
        level: u8::try_from(holder.level).ok(),
        preset: Some(Preset::Basic),
        claims: Some(disclose(Preset::Basic, &facts, Date::from_unix_vietnam(now))),
        card: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];

    #[test]
    fn a_card_text_is_small_and_only_genuine_when_untouched() {
        let code = *b"\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23";
        let card = text(&KEY, &code, 3);
        assert!(card.starts_with(PREFIX) && card.len() <= 40, "{card}");
        assert_eq!(authentic(&KEY, &card), Ok((code, 3)));
        assert_eq!(authentic(&[8; 32], &card), Err(Reason::BadSignature), "another server's key");
        // the next number with the old tag, or any changed character, is refused
        let bumped = text(&KEY, &code, 4);
        let forged = format!("{}{}", &bumped[..bumped.len() - 12], &card[card.len() - 12..]);
        assert_eq!(authentic(&KEY, &forged).err(), Some(Reason::BadSignature));
        assert_eq!(authentic(&KEY, "CDSC:ABC"), Err(Reason::Malformed));
        assert_eq!(authentic(&KEY, "CDS1:ABC"), Err(Reason::Malformed));
    }

    #[tokio::test]
    async fn a_card_resolves_online_until_revoked_and_a_new_one_replaces_it() {
        use crate::qr::service::{checks_of, verify_online};
        const NOW: i64 = 1_795_400_000;
        let db = crate::db::connect_memory().await.expect("db");
        let keys = KeyRing::load(&db, &crate::secret::SecretKey::generate().expect("secret"), NOW).await.expect("keys");
        let id = crate::qr::service::tests::citizen(&db).await;
        assert_eq!(status(&db, &keys, &id).await.expect("status"), Status::None);
        assert!(!revoke(&db, &id, NOW).await.expect("revoke"), "nothing to revoke");

        issue(&db, &id, NOW).await.expect("issue");
        let Status::Active(first) = status(&db, &keys, &id).await.expect("status") else { panic!("active") };
        assert_eq!((first.number, first.issued_at, first.full_name.as_str()), (1, NOW, "Nguyễn Văn An"));
        assert_eq!(first.code.len(), 24, "20 hex digits in groups of four: {}", first.code);
        let seen = verify_online(&db, &keys, &first.text, Via::default(), NOW + 5).await.expect("verify");
        assert!(seen.valid && seen.card);
        assert_eq!(seen.claims.as_ref().and_then(|c| c.full_name.as_deref()), Some("Nguyễn Văn An"));
        assert_eq!(seen.claims.as_ref().and_then(|c| c.birth_year), Some(1985));
        assert_eq!(seen.claims.as_ref().and_then(|c| c.citizen_id.as_deref()), None, "never the ID number");

        assert!(revoke(&db, &id, NOW + 10).await.expect("revoke"));
        assert_eq!(status(&db, &keys, &id).await.expect("status"), Status::Revoked(1));
        let gone = verify_online(&db, &keys, &first.text, Via::default(), NOW + 11).await.expect("verify");
        assert_eq!((gone.valid, gone.reason, gone.card), (false, Some(Reason::Revoked), true));

        issue(&db, &id, NOW + 20).await.expect("reissue");
        let Status::Active(second) = status(&db, &keys, &id).await.expect("status") else { panic!("active") };
        assert_eq!(second.number, 2);
        assert!(verify_online(&db, &keys, &second.text, Via::default(), NOW + 21).await.expect("verify").valid);
        let old = verify_online(&db, &keys, &first.text, Via::default(), NOW + 22).await.expect("verify");
        assert_eq!(old.reason, Some(Reason::Revoked), "the old card stays dead after a new one");

        // a card of another server (another key) names nobody and is not recorded
        let foreign = text(&[9; 32], &authentic(keys.card_key(), &second.text).expect("genuine").0, 2);
        let forged = verify_online(&db, &keys, &foreign, Via::default(), NOW + 23).await.expect("verify");
        assert_eq!(forged.reason, Some(Reason::BadSignature));
        let checks = checks_of(&db, &id, 10).await.expect("checks");
        assert_eq!(checks.len(), 4);
        assert!(checks.iter().all(|c| c.preset == CHECK_LABEL));
    }
}
