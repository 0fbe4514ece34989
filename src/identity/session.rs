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

/// Where a session stands: between the SMS code and the authenticator code, or open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Active,
    SecondFactor,
}

/// How long the step between the SMS code and the authenticator code may take.
pub const SECOND_FACTOR_SECONDS: i64 = 10 * 60;
/// Wrong authenticator codes before the half-open session is ended.
pub const SECOND_FACTOR_TRIES: i64 = 5;

/// Who a valid cookie belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActiveSession {
    pub id: String,
    pub account_id: String,
    pub stage: Stage,
    /// This session passed the authenticator-app step (or enrolled the app).
    pub second_factor: bool,
    pub idle_seconds: i64,
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

/// 256 random bits, hex: session cookies, and other one-time links and form tokens (stored only as SHA-256).
pub(crate) fn new_token() -> Result<String, DbError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| DbError::Connect(e.to_string()))?;
    Ok(data_encoding::HEXLOWER.encode(&bytes))
}

/// Opens a session (after the SMS code, for an account without an authenticator app).
pub async fn create(
    db: &Db,
    account_id: &str,
    policy: SessionPolicy,
    user_agent: &str,
    client: &str,
    now: i64,
) -> Result<NewSession, DbError> {
    open(db, account_id, Stage::Active, policy, user_agent, client, now).await
}

/// A half-open session for an account with an authenticator app: it opens nothing until
/// [`complete_second_factor`], and dies after ten minutes.
pub async fn create_awaiting_second_factor(
    db: &Db,
    account_id: &str,
    user_agent: &str,
    client: &str,
    now: i64,
) -> Result<NewSession, DbError> {
    let window = SessionPolicy { idle_seconds: SECOND_FACTOR_SECONDS, absolute_seconds: SECOND_FACTOR_SECONDS };
    open(db, account_id, Stage::SecondFactor, window, user_agent, client, now).await
}

async fn open(
    db: &Db,
    account_id: &str,
    stage: Stage,
    window: SessionPolicy,
    user_agent: &str,
    client: &str,
    now: i64,
) -> Result<NewSession, DbError> {
    let token = new_token()?;
    let mut res = db
        .query(
            "CREATE session SET account = type::record('account', $account), token_hash = $hash, created_at = $now,
                 last_seen_at = $now, idle_seconds = $idle, absolute_expires_at = $absolute,
                 user_agent = $agent, client = $client, stage = $stage, wrong_tries = 0
             RETURN VALUE meta::id(id)",
        )
        .bind(("account", account_id.to_owned()))
        .bind(("hash", hash_token(&token)))
        .bind(("now", now))
        .bind(("idle", window.idle_seconds))
        .bind(("absolute", now + window.absolute_seconds))
        .bind(("stage", if stage == Stage::Active { "active" } else { "second_factor" }))
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
    stage: String,
    second_factor_at: Option<i64>,
}

/// The session a cookie token opens, if it is still alive; keeps it alive (at most one write a minute).
pub async fn resolve(db: &Db, token: &str, now: i64) -> Result<Option<ActiveSession>, DbError> {
    if token.len() != 64 {
        return Ok(None);
    }
    let mut res = db
        .query(
            "SELECT meta::id(id) AS id, meta::id(account) AS account_id, last_seen_at, idle_seconds, absolute_expires_at,
                 stage, second_factor_at
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
    let stage = if row.stage == "active" { Stage::Active } else { Stage::SecondFactor };
    Ok(Some(ActiveSession {
        id: row.id,
        account_id: row.account_id,
        stage,
        second_factor: row.second_factor_at.is_some(),
        idle_seconds: row.idle_seconds,
    }))
}

/// The authenticator code was right: the half-open session opens, with the account's policy from now on.
pub async fn complete_second_factor(db: &Db, session_id: &str, policy: SessionPolicy, now: i64) -> Result<(), DbError> {
    db.query(
        "UPDATE type::record('session', $id) SET stage = 'active', second_factor_at = $now, last_seen_at = $now,
             idle_seconds = $idle, absolute_expires_at = $absolute WHERE revoked_at = NONE",
    )
    .bind(("id", session_id.to_owned()))
    .bind(("now", now))
    .bind(("idle", policy.idle_seconds))
    .bind(("absolute", now + policy.absolute_seconds))
    .await?
    .check()?;
    Ok(())
}

/// An open session proved the authenticator app (it just enrolled one).
pub async fn mark_second_factor(db: &Db, session_id: &str, now: i64) -> Result<(), DbError> {
    db.query("UPDATE type::record('session', $id) SET second_factor_at = $now")
        .bind(("id", session_id.to_owned()))
        .bind(("now", now))
        .await?
        .check()?;
    Ok(())
}

/// Counts a wrong authenticator code against the half-open session; after the fifth it ends. Returns the tries
/// left.
pub async fn wrong_second_factor(db: &Db, session_id: &str, now: i64) -> Result<i64, DbError> {
    let mut res = db
        .query(
            "UPDATE type::record('session', $id) SET wrong_tries += 1;
             UPDATE type::record('session', $id) SET revoked_at = $now WHERE wrong_tries >= $max AND revoked_at = NONE;
             SELECT VALUE wrong_tries FROM ONLY type::record('session', $id);",
        )
        .bind(("id", session_id.to_owned()))
        .bind(("max", SECOND_FACTOR_TRIES))
        .bind(("now", now))
        .await?;
    let tries: Option<i64> = res.take(2)?;
    Ok((SECOND_FACTOR_TRIES - tries.unwrap_or(SECOND_FACTOR_TRIES)).max(0))
}

/// Holds a session to a stricter policy (a citizen's session once they hold a staff role).
pub async fn tighten(db: &Db, session_id: &str, policy: SessionPolicy) -> Result<(), DbError> {
    db.query("UPDATE type::record('session', $id) SET idle_seconds = math::min([idle_seconds, $idle])")
        .bind(("id", session_id.to_owned()))
        .bind(("idle", policy.idle_seconds))
        .await?
        .check()?;
    Ok(())
}

/// The account's live sessions, most recent first.
pub async fn list(db: &Db, account_id: &str, now: i64) -> Result<Vec<SessionSummary>, DbError> {
    let mut res = db
        .query(
            "SELECT meta::id(id) AS id, created_at, last_seen_at, user_agent, client FROM session
             WHERE account = type::record('account', $account) AND revoked_at = NONE AND stage = 'active'
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
    async fn a_half_open_session_opens_with_the_second_factor_or_dies_after_five_wrong_codes() {
        let db = connect_memory().await.expect("db");
        let s = create_awaiting_second_factor(&db, "a1", "ua", "c", NOW).await.expect("create");
        let half = resolve(&db, &s.token, NOW + 1).await.expect("ok").expect("alive");
        assert_eq!((half.stage, half.second_factor), (Stage::SecondFactor, false));
        assert!(list(&db, "a1", NOW + 1).await.expect("list").is_empty(), "not a device yet");
        complete_second_factor(&db, &s.id, SessionPolicy::STAFF, NOW + 30).await.expect("complete");
        let open = resolve(&db, &s.token, NOW + 31).await.expect("ok").expect("alive");
        assert_eq!((open.stage, open.second_factor, open.idle_seconds), (Stage::Active, true, 900));

        let other = create_awaiting_second_factor(&db, "a1", "ua", "c", NOW).await.expect("create");
        for left in (0..SECOND_FACTOR_TRIES).rev() {
            assert_eq!(wrong_second_factor(&db, &other.id, NOW + 2).await.expect("wrong"), left);
        }
        assert!(resolve(&db, &other.token, NOW + 3).await.expect("ok").is_none(), "dead after five");
        let late = create_awaiting_second_factor(&db, "a1", "ua", "c", NOW).await.expect("create");
        assert!(resolve(&db, &late.token, NOW + SECOND_FACTOR_SECONDS).await.expect("ok").is_none(), "ten minutes");
    }

    #[tokio::test]
    async fn a_citizen_session_is_tightened_to_the_staff_limit() {
        let db = connect_memory().await.expect("db");
        let s = create(&db, "a1", SessionPolicy::CITIZEN, "ua", "c", NOW).await.expect("create");
        tighten(&db, &s.id, SessionPolicy::STAFF).await.expect("tighten");
        assert!(resolve(&db, &s.token, NOW + 901).await.expect("ok").is_none());
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
