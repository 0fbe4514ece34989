//! The database: one SurrealDB handle picked by URL (mem://, surrealkv://, ws://), and the ordered, recorded
//! schema migrations in `schema/*.surql` that bring any older database up to date at start-up.
use std::time::Duration;

use secrecy::ExposeSecret;
use surrealdb::Surreal;
use surrealdb::engine::any::{self, Any};
use surrealdb::opt::Config;
use surrealdb::opt::auth::Root;

use crate::config::{DatabaseUrl, Settings};

pub type Db = Surreal<Any>;

/// The migrations, in the order they are applied. A test checks that every file in `schema/` is listed here.
pub const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "0001_foundation.surql", sql: include_str!("../schema/0001_foundation.surql") },
    Migration { version: 2, name: "0002_identity.surql", sql: include_str!("../schema/0002_identity.surql") },
    Migration { version: 3, name: "0003_access.surql", sql: include_str!("../schema/0003_access.surql") },
    Migration { version: 4, name: "0004_qr.surql", sql: include_str!("../schema/0004_qr.surql") },
    Migration { version: 5, name: "0005_counter.surql", sql: include_str!("../schema/0005_counter.surql") },
    Migration { version: 6, name: "0006_card.surql", sql: include_str!("../schema/0006_card.surql") },
    Migration { version: 7, name: "0007_place.surql", sql: include_str!("../schema/0007_place.surql") },
    Migration { version: 8, name: "0008_profile.surql", sql: include_str!("../schema/0008_profile.surql") },
    Migration { version: 9, name: "0009_household.surql", sql: include_str!("../schema/0009_household.surql") },
    Migration { version: 10, name: "0010_teams.surql", sql: include_str!("../schema/0010_teams.surql") },
    Migration { version: 11, name: "0011_recovery.surql", sql: include_str!("../schema/0011_recovery.surql") },
    Migration { version: 12, name: "0012_stats.surql", sql: include_str!("../schema/0012_stats.surql") },
    Migration { version: 13, name: "0013_stats_queue_history.surql", sql: include_str!("../schema/0013_stats_queue_history.surql") },
    Migration { version: 14, name: "0014_flash.surql", sql: include_str!("../schema/0014_flash.surql") },
];

#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

impl Migration {
    pub fn checksum(&self) -> String {
        fnv1a_hex(self.sql.as_bytes())
    }
}

#[derive(Debug)]
pub enum DbError {
    Connect(String),
    Migration { name: &'static str, cause: String },
    Query(surrealdb::Error),
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::Connect(cause) => write!(f, "cannot open the database: {cause}"),
            DbError::Migration { name, cause } => write!(f, "schema migration {name} failed: {cause}"),
            DbError::Query(e) => write!(f, "database query failed: {e}"),
        }
    }
}

impl std::error::Error for DbError {}

impl From<surrealdb::Error> for DbError {
    fn from(e: surrealdb::Error) -> Self {
        DbError::Query(e)
    }
}

/// Opens the database named by the settings and selects the namespace and database.
pub async fn connect(settings: &Settings) -> Result<Db, DbError> {
    let url = settings.database_url();
    if let Some(path) = url.local_path()
        && let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|e| DbError::Connect(format!("{}: {e}", parent.display())))?;
    }
    let config = Config::new().query_timeout(Duration::from_secs(30));
    let db = any::connect((url.engine_url(), config)).await.map_err(|e| DbError::Connect(e.to_string()))?;
    if let DatabaseUrl::Remote(_) = url
        && let (Some(username), Some(password)) = (&settings.db_username, &settings.db_password)
    {
        db.signin(Root { username: username.clone(), password: password.expose_secret().to_owned() })
            .await
            .map_err(|e| DbError::Connect(format!("sign-in as {username} refused: {e}")))?;
    }
    db.use_ns(settings.db_namespace.as_str())
        .use_db(settings.db_database.as_str())
        .await
        .map_err(|e| DbError::Connect(e.to_string()))?;
    Ok(db)
}

/// A fresh in-memory database with the schema applied: what every service test starts from.
pub async fn connect_memory() -> Result<Db, DbError> {
    connect_scratch("mem://", "test").await
}

/// A database of its own at `url`, namespace and database `name`, migrated: for tests (`mem://`) and the
/// benchmarks (a fresh `surrealkv://` directory).
pub async fn connect_scratch(url: &str, name: &str) -> Result<Db, DbError> {
    let db = any::connect(url).await.map_err(|e| DbError::Connect(e.to_string()))?;
    db.use_ns(name).use_db(name).await.map_err(|e| DbError::Connect(e.to_string()))?;
    migrate(&db).await?;
    Ok(db)
}

/// Applies every migration not yet recorded, in order. Applying twice changes nothing.
pub async fn migrate(db: &Db) -> Result<Vec<&'static str>, DbError> {
    migrate_to(db, MIGRATIONS).await
}

/// Applies `migrations` (a prefix of [`MIGRATIONS`] in tests) and returns the names it applied now.
pub async fn migrate_to(db: &Db, migrations: &'static [Migration]) -> Result<Vec<&'static str>, DbError> {
    db.query(
        "DEFINE TABLE IF NOT EXISTS schema_migration SCHEMAFULL;
         DEFINE FIELD IF NOT EXISTS name ON schema_migration TYPE string;
         DEFINE FIELD IF NOT EXISTS checksum ON schema_migration TYPE string;
         DEFINE FIELD IF NOT EXISTS applied_at ON schema_migration TYPE datetime;",
    )
    .await?
    .check()?;

    let mut applied_now = Vec::new();
    for migration in migrations {
        if let Some(sum) = recorded_checksum(db, migration).await? {
            verify(migration, &sum)?;
            continue;
        }
        let sql = format!(
            "BEGIN TRANSACTION;\n{}\n;CREATE type::record('schema_migration', $version) \
             SET name = $name, checksum = $checksum, applied_at = time::now();\nCOMMIT TRANSACTION;",
            migration.sql
        );
        let outcome = db
            .query(sql)
            .bind(("version", migration.version))
            .bind(("name", migration.name))
            .bind(("checksum", migration.checksum()))
            .await
            .and_then(|r| r.check());
        match outcome {
            Ok(_) => applied_now.push(migration.name),
            // Another node may have applied it at the same moment: fine if it is now recorded as ours.
            Err(e) => match recorded_checksum(db, migration).await? {
                Some(sum) => verify(migration, &sum)?,
                None => return Err(DbError::Migration { name: migration.name, cause: e.to_string() }),
            },
        }
    }
    Ok(applied_now)
}

async fn recorded_checksum(db: &Db, migration: &Migration) -> Result<Option<String>, DbError> {
    let mut res = db
        .query("SELECT VALUE checksum FROM ONLY type::record('schema_migration', $version)")
        .bind(("version", migration.version))
        .await?;
    Ok(res.take::<Option<String>>(0)?)
}

fn verify(migration: &Migration, recorded: &str) -> Result<(), DbError> {
    if recorded == migration.checksum() {
        Ok(())
    } else {
        Err(DbError::Migration {
            name: migration.name,
            cause: "the file changed after it was applied; add a new migration instead of editing this one".into(),
        })
    }
}

/// Storage answers (not just the session): used by /healthz.
/// The rows of statement `index` as typed structs (read as JSON: our row types derive serde, not SurrealValue).
pub fn take_rows<T: serde::de::DeserializeOwned>(res: &mut surrealdb::IndexedResults, index: usize) -> Result<Vec<T>, DbError> {
    let values: Vec<serde_json::Value> = res.take(index)?;
    values
        .into_iter()
        .map(serde_json::from_value)
        .collect::<Result<Vec<T>, _>>()
        .map_err(|e| DbError::Migration { name: "reading rows", cause: e.to_string() })
}

/// The one row (or none) of statement `index`, as [`take_rows`].
pub fn take_row<T: serde::de::DeserializeOwned>(res: &mut surrealdb::IndexedResults, index: usize) -> Result<Option<T>, DbError> {
    let value: Option<serde_json::Value> = res.take(index)?;
    value
        .filter(|v| !v.is_null())
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| DbError::Migration { name: "reading a row", cause: e.to_string() })
}

pub async fn ping(db: &Db) -> Result<(), DbError> {
    db.query("INFO FOR DB").await?.check()?;
    Ok(())
}

/// FNV-1a (64 bit): a stable checksum for migration and seed files (not for anything secret).
pub fn fnv1a_hex(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn memory() -> Db {
        let db = any::connect("mem://").await.expect("mem");
        db.use_ns("t").use_db("t").await.expect("ns");
        db
    }

    async fn recorded(db: &Db) -> Vec<(i64, String)> {
        let mut res = db
            .query("SELECT record::id(id) AS version, name FROM schema_migration ORDER BY version")
            .await
            .expect("select");
        let rows: Vec<serde_json::Value> = res.take(0).expect("rows");
        rows.iter()
            .map(|r| (r["version"].as_i64().unwrap_or(-1), r["name"].as_str().unwrap_or_default().to_owned()))
            .collect()
    }

    #[test]
    fn every_schema_file_is_listed_in_order() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .expect("schema dir")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".surql"))
            .collect();
        files.sort();
        let listed: Vec<&str> = MIGRATIONS.iter().map(|m| m.name).collect();
        assert_eq!(files, listed);
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1, "{} has the wrong version", m.name);
            assert!(m.name.starts_with(&format!("{:04}_", m.version)));
        }
    }

    #[tokio::test]
    async fn migrations_apply_once_and_are_recorded() {
        let db = memory().await;
        let first = migrate(&db).await.expect("first run");
        assert_eq!(first.len(), MIGRATIONS.len());
        let second = migrate(&db).await.expect("second run");
        assert!(second.is_empty(), "second run applied {second:?}");
        let rows = recorded(&db).await;
        assert_eq!(rows.len(), MIGRATIONS.len());
        assert_eq!(rows[0], (1, "0001_foundation.surql".to_owned()));
    }

    #[tokio::test]
    async fn an_older_database_upgrades_itself() {
        let db = memory().await;
        let first = migrate_to(&db, &MIGRATIONS[..1]).await.expect("first migration only");
        assert_eq!(first, ["0001_foundation.surql"]);
        assert_eq!(recorded(&db).await.len(), 1);
        let applied = migrate(&db).await.expect("upgrade");
        assert_eq!(applied, MIGRATIONS[1..].iter().map(|m| m.name).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn an_edited_migration_is_refused() {
        static EDITED: &[Migration] = &[Migration { version: 1, name: "0001_foundation.surql", sql: "DEFINE TABLE x;" }];
        let db = memory().await;
        migrate(&db).await.expect("apply");
        let err = migrate_to(&db, EDITED).await.expect_err("edited file must be refused");
        assert!(err.to_string().contains("changed after it was applied"), "{err}");
    }

    #[tokio::test]
    async fn ping_answers_on_a_live_database() {
        let db = memory().await;
        ping(&db).await.expect("ping");
    }

    #[test]
    fn checksum_is_stable() {
        assert_eq!(fnv1a_hex(b""), "cbf29ce484222325");
        assert_eq!(fnv1a_hex(b"a"), "af63dc4c8601ec8c");
    }
}
