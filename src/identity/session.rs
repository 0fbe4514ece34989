//! Sessions: a 256-bit random token in an HttpOnly cookie, stored only as its SHA-256, shared by every app node
//! through the database. Citizens: 30 minutes idle, 12 hours at most; staff: 15 minutes idle.
use sha2::{Digest, Sha256};

use crate::db::{Db, DbError};

pub const COOKIE: &str = "cds_session";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    pub idle_seconds: i64,
    pub absolute_seconds: i64,
}

impl SessionPolicy {
    pub const CITIZEN: SessionPolicy = SessionPolicy { idle_seconds: 30 * 60, absolute_seconds: 12 * 3600 };
    pub const STAFF: SessionPolicy = SessionPolicy { idle_seconds: 15 * 60, absolute_seconds: 12 * 3600 };
}

/// The session just opened: `token` goes into the cookie and nowhere else.
pub struct NewSession {
    pub id: String,
    pub token: String,
}

/// Who a valid cookie belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActiveSession {
    pub id: String,
    pub account_id: String,
}

/// A device as the citizen sees it on "my sessions".
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SessionSummary {
    pub id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub user_agent: String,
    pub client: String,
}

pub fn hash_token(token: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(token.as_bytes()))
}

fn new_token() -> Result<String, DbError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| DbError::Connect(e.to_string()))?;
    Ok(data_encoding::HEXLOWER.encode(&bytes))
}

pub async fn create(
    db: &Db,
    account_id: &str,
    policy: SessionPolicy,
    user_agent: &str,
    client: &str,
    now: i64,
) -> Result<NewSession, DbError> {
    let token = new_token()?;
    let mut res = db
        .query(
            "CREATE session SET account = type::record('account', $account), token_hash = $hash, created_at = $now,
                 last_seen_at = $now, idle_seconds = $idle, absolute_expires_at = $absolute,
                 user_agent = $agent, client = $client
             RETURN VALUE meta::id(id)",
        )
        .bind(("account", account_id.to_owned()))
        .bind(("hash", hash_token(&token)))
        .bind(("now", now))
        .bind(("idle", policy.idle_seconds))
        .bind(("absolute", now + policy.absolute_seconds))
        .bind(("agent", user_agent.chars().take(200).collect::<String>()))
        .bind(("client", client.to_owned()))
        .await?;
    let id: Option<String> = res.take(0)?;
    Ok(NewSession { id: id.unwrap_or_default(), token })
}

#[derive(serde::Deserialize)]
struct SessionRow {
    id: String,
    account_id: String,
    last_seen_at: i64,
    idle_seconds: i64,
    absolute_expires_at: i64,
}

/// The session a cookie token opens, if it is still alive; keeps it alive (at most one write a minute).
pub async fn resolve(db: &Db, token: &str, now: i64) -> Result<Option<ActiveSession>, DbError> {
    if token.len() != 64 {
        return Ok(None);
    }
    let mut res = db
        .query(
            "SELECT meta::id(id) AS id, meta::id(account) AS account_id, last_seen_at, idle_seconds, absolute_expires_at
             FROM session WHERE token_hash = $hash AND revoked_at = NONE LIMIT 1",
        )
        .bind(("hash", hash_token(token)))
        .await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    let Some(row) = rows.into_iter().next().and_then(|v| serde_json::from_value::<SessionRow>(v).ok()) else {
        return Ok(None);
    };
    if now >= row.absolute_expires_at || now - row.last_seen_at >= row.idle_seconds {
        return Ok(None);
    }
    if now - row.last_seen_at >= 60 {
        db.query("UPDATE type::record('session', $id) SET last_seen_at = $now")
            .bind(("id", row.id.clone()))
            .bind(("now", now))
            .await?
            .check()?;
    }
    Ok(Some(ActiveSession { id: row.id, account_id: row.account_id }))
}

/// The account's live sessions, most recent first.
pub async fn list(db: &Db, account_id: &str, now: i64) -> Result<Vec<SessionSummary>, DbError> {
    let mut res = db
        .query(
            "SELECT meta::id(id) AS id, created_at, last_seen_at, user_agent, client FROM session
             WHERE account = type::record('account', $account) AND revoked_at = NONE
               AND absolute_expires_at > $now AND last_seen_at + idle_seconds > $now
             ORDER BY last_seen_at DESC",
        )
        .bind(("account", account_id.to_owned()))
        .bind(("now", now))
        .await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    Ok(rows.into_iter().filter_map(|v| serde_json::from_value(v).ok()).collect())
}

/// Ends one session of this account (another account's session id does nothing). Returns whether it ended one.
pub async fn revoke(db: &Db, account_id: &str, session_id: &str, now: i64) -> Result<bool, DbError> {
    let mut res = db
        .query(
            "UPDATE session SET revoked_at = $now
             WHERE id = type::record('session', $id) AND account = type::record('account', $account) AND revoked_at = NONE
             RETURN VALUE meta::id(id)",
        )
        .bind(("id", session_id.to_owned()))
        .bind(("account", account_id.to_owned()))
        .bind(("now", now))
        .await?;
    let ended: Vec<String> = res.take(0)?;
    Ok(!ended.is_empty())
}

/// Signs the account out everywhere.
pub async fn revoke_all(db: &Db, account_id: &str, now: i64) -> Result<(), DbError> {
    db.query("UPDATE session SET revoked_at = $now WHERE account = type::record('account', $account) AND revoked_at = NONE")
        .bind(("account", account_id.to_owned()))
        .bind(("now", now))
        .await?
        .check()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::connect_memory;

    const NOW: i64 = 1_795_400_000;

    #[tokio::test]
    async fn a_session_lives_while_used_and_dies_after_thirty_idle_minutes() {
        let db = connect_memory().await.expect("db");
        let s = create(&db, "a1", SessionPolicy::CITIZEN, "Firefox", "1.2.3.4", NOW).await.expect("create");
        assert_eq!(resolve(&db, &s.token, NOW + 1).await.expect("ok").map(|a| a.account_id), Some("a1".into()));
        // used every 20 minutes: alive after an hour
        for t in [1200, 2400, 3600] {
            assert!(resolve(&db, &s.token, NOW + t).await.expect("ok").is_some(), "at +{t}");
        }
        assert!(resolve(&db, &s.token, NOW + 3600 + 1800).await.expect("ok").is_none());
    }

    #[tokio::test]
    async fn a_session_ends_after_twelve_hours_however_active() {
        let db = connect_memory().await.expect("db");
        let s = create(&db, "a1", SessionPolicy::CITIZEN, "ua", "c", NOW).await.expect("create");
        let mut t = 0;
        while t < 12 * 3600 - 600 {
            t += 600;
            assert!(resolve(&db, &s.token, NOW + t).await.expect("ok").is_some(), "at +{t}");
        }
        assert!(resolve(&db, &s.token, NOW + 12 * 3600).await.expect("ok").is_none());
    }

    #[tokio::test]
    async fn staff_sessions_idle_out_after_fifteen_minutes() {
        let db = connect_memory().await.expect("db");
        let s = create(&db, "officer", SessionPolicy::STAFF, "ua", "c", NOW).await.expect("create");
        assert!(resolve(&db, &s.token, NOW + 899).await.expect("ok").is_some());
        assert!(resolve(&db, &s.token, NOW + 899 + 900).await.expect("ok").is_none());
    }

    #[tokio::test]
    async fn tokens_are_stored_hashed_and_wrong_tokens_open_nothing() {
        let db = connect_memory().await.expect("db");
        let s = create(&db, "a1", SessionPolicy::CITIZEN, "ua", "c", NOW).await.expect("create");
        let mut res = db.query("SELECT * FROM session").await.expect("select");
        let dump = serde_json::to_string(&res.take::<Vec<serde_json::Value>>(0).expect("rows")).expect("json");
        assert!(!dump.contains(&s.token));
        assert!(resolve(&db, &"0".repeat(64), NOW).await.expect("ok").is_none());
        assert!(resolve(&db, "short", NOW).await.expect("ok").is_none());
    }

    #[tokio::test]
    async fn a_citizen_revokes_one_device_or_all_but_never_another_persons() {
        let db = connect_memory().await.expect("db");
        let phone = create(&db, "a1", SessionPolicy::CITIZEN, "phone", "c", NOW).await.expect("create");
        let laptop = create(&db, "a1", SessionPolicy::CITIZEN, "laptop", "c", NOW + 5).await.expect("create");
        let stranger = create(&db, "a2", SessionPolicy::CITIZEN, "x", "c", NOW).await.expect("create");
        assert_eq!(list(&db, "a1", NOW + 10).await.expect("list").len(), 2);
        assert!(!revoke(&db, "a1", &stranger.id, NOW + 10).await.expect("revoke"), "revoked another account's session");
        assert!(resolve(&db, &stranger.token, NOW + 11).await.expect("ok").is_some());
        assert!(revoke(&db, "a1", &laptop.id, NOW + 10).await.expect("revoke"));
        assert!(resolve(&db, &laptop.token, NOW + 11).await.expect("ok").is_none());
        assert!(resolve(&db, &phone.token, NOW + 11).await.expect("ok").is_some());
        revoke_all(&db, "a1", NOW + 12).await.expect("all");
        assert!(resolve(&db, &phone.token, NOW + 13).await.expect("ok").is_none());
        assert!(resolve(&db, &stranger.token, NOW + 13).await.expect("ok").is_some());
    }
}
