//! Recovery codes (stored as HMACs, each works once), their limits, and moving an account to a new number. A move
//! is one record that goes `waiting_code` (the new phone's code is awaited) → `waiting` (assisted: the waiting
//! period, cancellable from the old number) → `done`, or `cancelled`. Applying it changes the number, ends every
//! session, revokes every QR code issued to the old phone (offline batches included) and kills live codes, in one
//! transaction; the audit trail and the person's "who saw my data" record it.
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

use super::domain::{
    CODE_LEN, IdentityCheck, MAX_ASSISTED_PER_HELPER_PER_DAY, MAX_MISMATCHES_PER_HELPER_PER_HOUR,
    MAX_WRONG_PER_ACCOUNT_PER_DAY, MAX_WRONG_PER_CLIENT_PER_HOUR, RecoveryCode, SET_SIZE, STEP_SECONDS,
};
use super::MovePath;
use crate::access::service::audit;
use crate::db::{Db, DbError};
use crate::identity::domain::PhoneNumber;
use crate::identity::session::{hash_token, new_token};
use crate::privacy::SeenWhat;
use crate::privacy::service::record_as;
use crate::secret::SecretKey;

#[derive(Debug)]
pub enum RecoveryError {
    /// The new number already has an account.
    PhoneTaken,
    /// The new number is the account's number now.
    SamePhone,
    /// Wrong recovery code, or no account with that number (the same answer).
    WrongCode,
    /// Too many wrong recovery codes for this account (24 hours) or from this client (an hour).
    Locked,
    /// The form's step is over (expired, done, or another move replaced it).
    StepOver,
    /// The helper reached a limit (moves started today, details that did not match this hour).
    HelperLimit,
    Db(DbError),
}

impl From<DbError> for RecoveryError {
    fn from(e: DbError) -> Self {
        RecoveryError::Db(e)
    }
}

impl From<surrealdb::Error> for RecoveryError {
    fn from(e: surrealdb::Error) -> Self {
        RecoveryError::Db(DbError::Query(e))
    }
}

fn random_code() -> Result<RecoveryCode, DbError> {
    let mut indices = [0u8; CODE_LEN];
    let mut filled = 0;
    while filled < CODE_LEN {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| DbError::Connect(e.to_string()))?;
        // 248 = 8 × 31: every character equally likely
        for b in bytes.into_iter().filter(|b| *b < 248) {
            if filled < CODE_LEN {
                indices[filled] = b % 31;
                filled += 1;
            }
        }
    }
    Ok(RecoveryCode::from_indices(&indices))
}

fn code_mac(key: &SecretKey, account_id: &str, code: &RecoveryCode) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else { return String::new() };
    mac.update(b"cds-recovery-v1\0");
    mac.update(account_id.as_bytes());
    mac.update(b"\0");
    mac.update(code.as_str().as_bytes());
    data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
}

/// A new set of ten codes for the account (the codes of any earlier set stop working). The plain codes are
/// returned once, to be shown once; only their HMACs are kept.
pub async fn new_set(db: &Db, key: &SecretKey, account_id: &str, now: i64) -> Result<Vec<RecoveryCode>, DbError> {
    let codes = (0..SET_SIZE).map(|_| random_code()).collect::<Result<Vec<_>, _>>()?;
    let macs: Vec<String> = codes.iter().map(|c| code_mac(key, account_id, c)).collect();
    db.query(
        "BEGIN TRANSACTION;
         LET $a = type::record('account', $account);
         UPDATE recovery_code SET retired_at = $now WHERE account = $a AND used_at = NONE AND retired_at = NONE RETURN NONE;
         FOR $mac IN $macs { CREATE recovery_code SET account = $a, code_mac = $mac, created_at = $now RETURN NONE; };
         COMMIT TRANSACTION;",
    )
    .bind(("account", account_id.to_owned()))
    .bind(("macs", macs))
    .bind(("now", now))
    .await?
    .check()?;
    audit(db, Some(account_id), "recovery_codes_made", Some(account_id), "", now).await?;
    Ok(codes)
}

/// How many codes of the current set are still unused, and when the set was made.
pub async fn codes_left(db: &Db, account_id: &str) -> Result<(i64, Option<i64>), DbError> {
    let mut res = db
        .query(
            "SELECT VALUE created_at FROM recovery_code
             WHERE account = type::record('account', $account) AND used_at = NONE AND retired_at = NONE",
        )
        .bind(("account", account_id.to_owned()))
        .await?;
    let made: Vec<i64> = res.take(0)?;
    Ok((made.len() as i64, made.into_iter().max()))
}

/// Checks a recovery code for the account with that number and uses it up. Every attempt counts against the
/// limits, a wrong one for the account (5 in 24 hours) and for the client (10 in an hour); a locked account or
/// client is refused even with a right code. No account, an account of another state, and a wrong code are the
/// same answer.
pub async fn use_code(
    db: &Db,
    key: &SecretKey,
    account_id: Option<&str>,
    code: &RecoveryCode,
    client: &str,
    now: i64,
) -> Result<(), RecoveryError> {
    let mut res = db
        .query(
            "SELECT VALUE count() FROM recovery_try
                 WHERE account = type::record('account', $account) AND ok = false AND at > $day GROUP ALL;
             SELECT VALUE count() FROM recovery_try WHERE client = $client AND ok = false AND at > $hour GROUP ALL;",
        )
        .bind(("account", account_id.unwrap_or("none").to_owned()))
        .bind(("client", client.to_owned()))
        .bind(("day", now - 86_400))
        .bind(("hour", now - 3600))
        .await?;
    let by_account: Option<i64> = res.take(0)?;
    let by_client: Option<i64> = res.take(1)?;
    if by_account.unwrap_or(0) >= MAX_WRONG_PER_ACCOUNT_PER_DAY || by_client.unwrap_or(0) >= MAX_WRONG_PER_CLIENT_PER_HOUR {
        return Err(RecoveryError::Locked);
    }
    let used = match account_id {
        Some(account) => {
            let mut res = db
                .query(
                    "UPDATE recovery_code SET used_at = $now
                     WHERE account = type::record('account', $account) AND code_mac = $mac AND used_at = NONE
                         AND retired_at = NONE
                     RETURN VALUE meta::id(id)",
                )
                .bind(("account", account.to_owned()))
                .bind(("mac", code_mac(key, account, code)))
                .bind(("now", now))
                .await?;
            let ids: Vec<String> = res.take(0)?;
            !ids.is_empty()
        }
        None => false,
    };
    db.query(
        "CREATE recovery_try SET account = IF $account { type::record('account', $account) } ELSE { NONE },
             client = $client, ok = $ok, at = $now RETURN NONE",
    )
    .bind(("account", account_id.map(str::to_owned)))
    .bind(("client", client.to_owned()))
    .bind(("ok", used))
    .bind(("now", now))
    .await?
    .check()?;
    if used { Ok(()) } else { Err(RecoveryError::WrongCode) }
}

/// The active account with this number (pending and deleted accounts cannot be moved).
pub async fn active_account_by_phone(db: &Db, phone: &PhoneNumber) -> Result<Option<String>, DbError> {
    let mut res = db
        .query("SELECT VALUE meta::id(id) FROM account WHERE phone = $phone AND status = 'active' AND purged_at = NONE LIMIT 1")
        .bind(("phone", phone.e164().to_owned()))
        .await?;
    let ids: Vec<String> = res.take(0)?;
    Ok(ids.into_iter().next())
}

/// Who helped with an assisted move, and how they checked the person.
#[derive(Clone, Debug)]
pub struct HelperRecord<'a> {
    pub account_id: &'a str,
    pub ward: &'a str,
    pub checked_how: IdentityCheck,
    pub note: &'a str,
}

/// Starts a move of `account_id` from `from` to `to`, waiting for the new phone's code. Returns the token the
/// form carries to the next step (valid 15 minutes). An earlier unfinished move of the account is replaced.
pub async fn start(
    db: &Db,
    account_id: &str,
    from: &PhoneNumber,
    to: &PhoneNumber,
    path: MovePath,
    helper: Option<&HelperRecord<'_>>,
    now: i64,
) -> Result<String, RecoveryError> {
    if from == to {
        return Err(RecoveryError::SamePhone);
    }
    if crate::identity::account::find_by_phone(db, to).await?.is_some() {
        return Err(RecoveryError::PhoneTaken);
    }
    let token = new_token()?;
    db.query(
        "BEGIN TRANSACTION;
         LET $a = type::record('account', $account);
         UPDATE phone_move SET state = 'cancelled', cancelled_at = $now, token_hash = NONE
             WHERE account = $a AND state = 'waiting_code' RETURN NONE;
         CREATE phone_move SET account = $a, from_phone = $from, to_phone = $to, path = $path, state = 'waiting_code',
             token_hash = $hash, created_at = $now, expires_at = $now + $step,
             helper = IF $helper { type::record('account', $helper) } ELSE { NONE },
             helper_ward = $ward, checked_how = $how, note = $note
             RETURN NONE;
         COMMIT TRANSACTION;",
    )
    .bind(("account", account_id.to_owned()))
    .bind(("from", from.e164().to_owned()))
    .bind(("to", to.e164().to_owned()))
    .bind(("path", path.as_str()))
    .bind(("hash", hash_token(&token)))
    .bind(("now", now))
    .bind(("step", STEP_SECONDS))
    .bind(("helper", helper.map(|h| h.account_id.to_owned())))
    .bind(("ward", helper.map(|h| h.ward.to_owned())))
    .bind(("how", helper.map(|h| h.checked_how.as_str())))
    .bind(("note", helper.map(|h| h.note.chars().take(300).collect::<String>()).filter(|n| !n.is_empty())))
    .await?
    .check()?;
    if let Some(h) = helper {
        audit(db, Some(h.account_id), "phone_move_started", Some(account_id), h.checked_how.as_str(), now).await?;
    }
    Ok(token)
}

/// A move as the pages and the notices need it.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Move {
    pub id: String,
    pub account_id: String,
    pub from_phone: String,
    pub to_phone: String,
    pub path: String,
    pub state: String,
    pub helper_id: Option<String>,
    pub helper_ward: Option<String>,
    pub due_at: Option<i64>,
}

impl Move {
    pub fn to(&self) -> Option<PhoneNumber> {
        PhoneNumber::parse(&self.to_phone).ok()
    }

    pub fn from(&self) -> Option<PhoneNumber> {
        PhoneNumber::parse(&self.from_phone).ok()
    }
}

const MOVE_FIELDS: &str = "meta::id(id) AS id, meta::id(account) AS account_id, from_phone, to_phone, path, state,
    IF helper { meta::id(helper) } ELSE { NONE } AS helper_id, helper_ward, due_at";

/// The move a form's token belongs to, while its step lasts.
pub async fn by_token(db: &Db, token: &str, now: i64) -> Result<Option<Move>, DbError> {
    if token.len() != 64 {
        return Ok(None);
    }
    let mut res = db
        .query(format!(
            "SELECT {MOVE_FIELDS} FROM phone_move WHERE token_hash = $hash AND state = 'waiting_code' AND expires_at > $now LIMIT 1"
        ))
        .bind(("hash", hash_token(token)))
        .bind(("now", now))
        .await?;
    Ok(crate::db::take_rows::<Move>(&mut res, 0)?.into_iter().next())
}

/// The assisted move waiting out its period for this account, if any.
pub async fn waiting_for(db: &Db, account_id: &str) -> Result<Option<Move>, DbError> {
    let mut res = db
        .query(format!(
            "SELECT {MOVE_FIELDS} FROM phone_move WHERE account = type::record('account', $account) AND state = 'waiting' LIMIT 1"
        ))
        .bind(("account", account_id.to_owned()))
        .await?;
    Ok(crate::db::take_rows::<Move>(&mut res, 0)?.into_iter().next())
}

/// The waiting move a cancel link points at.
pub async fn by_cancel_link(db: &Db, token: &str) -> Result<Option<Move>, DbError> {
    if token.len() != 64 {
        return Ok(None);
    }
    let mut res = db
        .query(format!("SELECT {MOVE_FIELDS} FROM phone_move WHERE cancel_hash = $hash AND state = 'waiting' LIMIT 1"))
        .bind(("hash", hash_token(token)))
        .await?;
    Ok(crate::db::take_rows::<Move>(&mut res, 0)?.into_iter().next())
}

/// The new phone's code was right for an assisted move: it now waits until `due_at`. Returns the cancel link's
/// token (for the message to the old number).
pub async fn schedule(db: &Db, m: &Move, due_at: i64, now: i64) -> Result<String, RecoveryError> {
    let cancel = new_token()?;
    let mut res = db
        .query(
            "UPDATE type::record('phone_move', $id) SET state = 'waiting', due_at = $due, token_hash = NONE, cancel_hash = $cancel
             WHERE state = 'waiting_code' RETURN VALUE meta::id(id)",
        )
        .bind(("id", m.id.clone()))
        .bind(("due", due_at))
        .bind(("cancel", hash_token(&cancel)))
        .await?;
    let updated: Vec<String> = res.take(0)?;
    if updated.is_empty() {
        return Err(RecoveryError::StepOver);
    }
    let helper = m.helper_id.as_deref().unwrap_or(&m.account_id);
    audit(db, Some(helper), "phone_move_scheduled", Some(&m.account_id), &due_at.to_string(), now).await?;
    record_as(db, &m.account_id, helper, helper_role(db, m).await?, SeenWhat::PhoneMoveRequested, &masked(&m.to_phone), now)
        .await?;
    Ok(cancel)
}

async fn helper_role(db: &Db, m: &Move) -> Result<&'static str, DbError> {
    let Some(helper) = &m.helper_id else { return Ok("self") };
    let mut res = db
        .query(
            "SELECT VALUE role FROM role_grant
             WHERE account = type::record('account', $helper) AND revoked_at = NONE AND role = 'ward_officer' LIMIT 1",
        )
        .bind(("helper", helper.clone()))
        .await?;
    let officer: Vec<String> = res.take(0)?;
    Ok(if officer.is_empty() { "helper" } else { "staff" })
}

fn masked(e164: &str) -> String {
    PhoneNumber::parse(e164).map(|p| p.partly_hidden()).unwrap_or_default()
}

/// Cancels a waiting move (from the old number's link, or signed in on the account). `by`: who cancelled (the
/// account owner), for the audit.
pub async fn cancel(db: &Db, m: &Move, now: i64) -> Result<bool, DbError> {
    let mut res = db
        .query(
            "UPDATE type::record('phone_move', $id) SET state = 'cancelled', cancelled_at = $now, cancel_hash = NONE
             WHERE state = 'waiting' RETURN VALUE meta::id(id)",
        )
        .bind(("id", m.id.clone()))
        .bind(("now", now))
        .await?;
    let updated: Vec<String> = res.take(0)?;
    if updated.is_empty() {
        return Ok(false);
    }
    audit(db, Some(&m.account_id), "phone_move_cancelled", Some(&m.account_id), &masked(&m.to_phone), now).await?;
    record_as(db, &m.account_id, &m.account_id, "self", SeenWhat::PhoneMoveCancelled, &masked(&m.to_phone), now).await?;
    Ok(true)
}

/// Moves the account now: the number changes; every session ends; every QR code issued so far (the offline
/// batches on the old phone too) stops verifying; live codes of both numbers die; other unfinished moves end.
/// `expect_state`: the state the move must still be in (so a cancelled or finished move is never applied).
pub async fn apply(db: &Db, m: &Move, expect_state: &str, now: i64) -> Result<(), RecoveryError> {
    let mut res = db
        .query(
            "BEGIN TRANSACTION;
             LET $m = (SELECT * FROM ONLY type::record('phone_move', $id));
             IF $m.state != $expect { THROW 'move over' };
             LET $account = $m.account;
             LET $move = $m.id;
             LET $moved = (UPDATE $account SET phone = $m.to_phone, qr_revoked_at = $now
                 WHERE phone = $m.from_phone AND status = 'active' RETURN VALUE id);
             IF array::len($moved) = 0 { THROW 'move over' };
             UPDATE session SET revoked_at = $now WHERE account = $account AND revoked_at = NONE RETURN NONE;
             UPDATE otp SET dead = true WHERE phone IN [$m.from_phone, $m.to_phone] AND used_at = NONE AND dead = false RETURN NONE;
             UPDATE phone_move SET state = 'cancelled', cancelled_at = $now, token_hash = NONE, cancel_hash = NONE
                 WHERE account = $account AND state IN ['waiting_code', 'waiting'] AND id != $move RETURN NONE;
             UPDATE $move SET state = 'done', done_at = $now, token_hash = NONE, cancel_hash = NONE RETURN NONE;
             COMMIT TRANSACTION;",
        )
        .bind(("id", m.id.clone()))
        .bind(("expect", expect_state.to_owned()))
        .bind(("now", now))
        .await?;
    let errors = res.take_errors();
    if !errors.is_empty() {
        // a failed transaction reports every statement; the unique index or our THROW names the cause
        let messages: Vec<String> = errors.values().map(|e| e.message().to_owned()).collect();
        return Err(if messages.iter().any(|m| m.contains("account_phone")) {
            RecoveryError::PhoneTaken
        } else if messages.iter().any(|m| m.contains("move over")) {
            RecoveryError::StepOver
        } else {
            match errors.into_values().next() {
                Some(e) => RecoveryError::Db(DbError::Query(e)),
                None => RecoveryError::StepOver,
            }
        });
    }
    let actor = m.helper_id.as_deref().unwrap_or(&m.account_id);
    let detail = format!("{} → {} ({})", masked(&m.from_phone), masked(&m.to_phone), m.path);
    audit(db, Some(actor), "phone_moved", Some(&m.account_id), &detail, now).await?;
    record_as(db, &m.account_id, actor, helper_role(db, m).await?, SeenWhat::PhoneMoved, &masked(&m.to_phone), now).await?;
    Ok(())
}

/// Applies every assisted move whose waiting period is over; returns them (for the messages to both numbers).
pub async fn apply_due(db: &Db, now: i64) -> Result<Vec<Move>, DbError> {
    let mut res = db
        .query(format!("SELECT {MOVE_FIELDS} FROM phone_move WHERE state = 'waiting' AND due_at <= $now LIMIT 100"))
        .bind(("now", now))
        .await?;
    let due: Vec<Move> = crate::db::take_rows(&mut res, 0)?;
    let mut moved = Vec::new();
    for m in due {
        match apply(db, &m, "waiting", now).await {
            Ok(()) => moved.push(m),
            Err(RecoveryError::Db(e)) => return Err(e),
            Err(e) => {
                // the number was taken meanwhile, or the account changed: the move cannot happen
                tracing::warn!(cause = ?e, "a due phone move could not be applied");
                db.query("UPDATE type::record('phone_move', $id) SET state = 'failed', cancel_hash = NONE WHERE state = 'waiting'")
                    .bind(("id", m.id.clone()))
                    .await?
                    .check()?;
            }
        }
    }
    Ok(moved)
}

/// An active account with this ID number whose current or permanent address is in one of `wards`, with the
/// details the card is compared with. Anyone else is `None` (the caller answers all of them the same way).
pub async fn account_in_wards(db: &Db, citizen_id: &str, wards: &[String]) -> Result<Option<AccountFacts>, DbError> {
    let mut res = db
        .query(
            "LET $a = (SELECT * FROM account WHERE citizen_id = $cid AND status = 'active' AND purged_at = NONE LIMIT 1)[0];
             LET $p = IF $a { (SELECT current_unit, permanent_unit FROM ONLY type::record('profile', meta::id($a.id))) } ELSE { NONE };
             LET $ward = IF $a AND $p.current_unit IN $wards { $p.current_unit }
                 ELSE IF $a AND $p.permanent_unit IN $wards { $p.permanent_unit } ELSE { NONE };
             RETURN IF $ward {
                 (SELECT meta::id(id) AS id, phone, full_name, birth_date, sex, level, $ward AS ward FROM ONLY $a.id)
             } ELSE { NONE };",
        )
        .bind(("cid", citizen_id.to_owned()))
        .bind(("wards", wards.to_vec()))
        .await?;
    let n = res.num_statements();
    crate::db::take_row(&mut res, n - 1)
}

#[derive(Clone, Debug, Deserialize)]
pub struct AccountFacts {
    pub id: String,
    pub phone: String,
    pub full_name: String,
    pub birth_date: Option<String>,
    pub sex: Option<String>,
    pub level: i64,
    pub ward: String,
}

/// Whether the helper may start another assisted move (moves started in 24 hours, mismatches this hour).
pub async fn helper_may_start(db: &Db, helper: &str, now: i64) -> Result<bool, DbError> {
    let mut res = db
        .query(
            "SELECT VALUE count() FROM audit_event WHERE actor = type::record('account', $helper)
                 AND action = 'phone_move_started' AND at > $day GROUP ALL;
             SELECT VALUE count() FROM audit_event WHERE actor = type::record('account', $helper)
                 AND action = 'phone_move_mismatch' AND at > $hour GROUP ALL;",
        )
        .bind(("helper", helper.to_owned()))
        .bind(("day", now - 86_400))
        .bind(("hour", now - 3600))
        .await?;
    let started: Option<i64> = res.take(0)?;
    let mismatches: Option<i64> = res.take(1)?;
    Ok(started.unwrap_or(0) < MAX_ASSISTED_PER_HELPER_PER_DAY && mismatches.unwrap_or(0) < MAX_MISMATCHES_PER_HELPER_PER_HOUR)
}

/// Records a lookup that found no account of the helper's wards, or details that did not match (counted).
pub async fn record_mismatch(db: &Db, helper: &str, detail: &str, now: i64) -> Result<(), DbError> {
    audit(db, Some(helper), "phone_move_mismatch", None, detail, now).await
}

#[cfg(test)]
mod tests;
