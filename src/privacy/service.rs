//! Recording reads by others, the timeline, the export and the deletion of a person's data.
use serde::Deserialize;

use super::{SeenLine, SeenRole, SeenWhat};
use crate::db::{Db, DbError};
use crate::family::service::Subject;
use crate::formats::zip::ZipWriter;
use crate::secret::SecretKey;
use crate::vault::store::BlobStore;

/// Records that the subject's data was read by someone acting for them (nothing when they read their own).
/// Callers record before they answer: a read that cannot be recorded is not served.
pub async fn record(db: &Db, subject: &Subject, what: SeenWhat, detail: &str, now: i64) -> Result<(), DbError> {
    let Some(role) = subject.role() else { return Ok(()) };
    record_as(db, subject.id(), subject.actor(), role, what, detail, now).await
}

/// Records a read of `subject`'s data by `actor` in `role` (guardian, delegate, staff).
pub async fn record_as(
    db: &Db,
    subject: &str,
    actor: &str,
    role: &str,
    what: SeenWhat,
    detail: &str,
    now: i64,
) -> Result<(), DbError> {
    // One line per visit: the same read by the same person within five minutes (a page and its preview image, a
    // reload) is not written again.
    db.query(
        "LET $subject_record = type::record('account', $subject);
         LET $actor_record = type::record('account', $actor);
         IF array::len(SELECT id FROM data_access WHERE subject = $subject_record AND at > $now - 300
                 AND actor = $actor_record AND what = $what AND detail = $detail LIMIT 1) = 0 {
             CREATE data_access:ulid() SET subject = $subject_record, actor = $actor_record,
                 role = $role, what = $what, detail = $detail, at = $now RETURN NONE;
         };",
    )
    .bind(("subject", subject.to_owned()))
    .bind(("actor", actor.to_owned()))
    .bind(("role", role.to_owned()))
    .bind(("what", what.as_str()))
    .bind(("detail", detail.chars().take(120).collect::<String>()))
    .bind(("now", now))
    .await?
    .check()?;
    Ok(())
}

#[derive(Deserialize)]
struct AccessRow {
    at: i64,
    who: Option<String>,
    role: String,
    what: String,
    detail: String,
}

/// Who saw the person's data, newest first: reads by others and QR checks, merged (at most `limit` of each).
pub async fn timeline(db: &Db, subject: &str, limit: i64) -> Result<Vec<(i64, SeenLine)>, DbError> {
    let mut res = db
        .query(
            "SELECT at, actor.full_name AS who, role, what, detail, meta::id(id) AS seq FROM data_access
             WHERE subject = type::record('account', $id) ORDER BY at DESC, seq DESC LIMIT $limit",
        )
        .bind(("id", subject.to_owned()))
        .bind(("limit", limit))
        .await?;
    let rows: Vec<AccessRow> = crate::db::take_rows(&mut res, 0)?;
    let mut lines: Vec<(i64, SeenLine)> = rows
        .into_iter()
        .map(|r| {
            let role = match r.role.as_str() {
                "guardian" => SeenRole::Guardian,
                "delegate" => SeenRole::Delegate,
                "helper" => SeenRole::Helper,
                "self" => SeenRole::Owner,
                _ => SeenRole::Staff,
            };
            let line = SeenLine {
                at: crate::identity::web::format_time(r.at),
                who: r.who.unwrap_or_default(),
                role,
                what: SeenWhat::parse(&r.what).unwrap_or(SeenWhat::Profile),
                detail: r.detail,
            };
            (r.at, line)
        })
        .collect();
    for check in crate::qr::service::checks_of(db, subject, limit).await? {
        lines.push((
            check.at,
            SeenLine {
                at: crate::identity::web::format_time(check.at),
                who: check.organization.unwrap_or_default(),
                role: SeenRole::Organization,
                what: SeenWhat::QrCheck,
                detail: check.purpose.unwrap_or_default(),
            },
        ));
    }
    lines.sort_by_key(|line| std::cmp::Reverse(line.0));
    Ok(lines)
}

/// Everything the platform holds about the person, as a zip: `ho-so.json` (account, profile, its history,
/// family links, documents' details, who saw the data) and every document's current file under `giay-to/`.
pub async fn export(db: &Db, blobs: &BlobStore, secret: &SecretKey, subject: &str) -> Result<Vec<u8>, String> {
    let mut res = db
        .query(
            "LET $me = type::record('account', $id);
             RETURN SELECT full_name, phone, citizen_id, birth_date, sex, level, registry_status, citizen_code,
                 created_at, consent_at, deletion_due_at FROM ONLY $me;
             RETURN SELECT * OMIT id FROM ONLY type::record('profile', $id);
             RETURN SELECT field, old, new, by.full_name AS by, at FROM profile_change WHERE account = $me ORDER BY at;
             RETURN SELECT out.full_name AS person, kind, can_manage, until, created_at, revoked_at FROM guardian_of
                 WHERE in = $me;
             RETURN SELECT in.full_name AS person, kind, can_manage, until, created_at, revoked_at FROM guardian_of
                 WHERE out = $me;
             RETURN SELECT meta::id(id) AS id, kind, title, number, issuer, issued_on, expires_on, version, media_type,
                 size, created_at, updated_at FROM document WHERE owner = $me AND deleted_at = NONE;
             RETURN SELECT actor.full_name AS who, role, what, detail, at FROM data_access WHERE subject = $me ORDER BY at;
             RETURN SELECT at, organization.name AS organization, purpose, preset, valid, via FROM qr_verification
                 WHERE account = $me ORDER BY at;",
        )
        .bind(("id", subject.to_owned()))
        .await
        .map_err(|e| e.to_string())?;
    let one = |res: &mut surrealdb::IndexedResults, i: usize| -> Result<serde_json::Value, String> {
        res.take::<Option<serde_json::Value>>(i).map(|v| v.unwrap_or(serde_json::Value::Null)).map_err(|e| e.to_string())
    };
    let account = one(&mut res, 1)?;
    let profile = one(&mut res, 2)?;
    let mut many = |i: usize| -> Result<serde_json::Value, String> {
        res.take::<Vec<serde_json::Value>>(i).map(serde_json::Value::Array).map_err(|e| e.to_string())
    };
    let json = serde_json::json!({
        "format": "congdanso-export/1",
        "account": account,
        "profile": profile,
        "profile_history": many(3)?,
        "acts_for": many(4)?,
        "may_act_for_me": many(5)?,
        "documents": many(6)?,
        "who_saw_my_data": many(7)?,
        "qr_checks": many(8)?,
    });
    let mut zip = ZipWriter::default();
    zip.add("ho-so.json", serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?.as_bytes());
    for doc in json["documents"].as_array().into_iter().flatten() {
        let id = doc["id"].as_str().unwrap_or_default();
        let file = crate::vault::service::read_file(db, blobs, secret, subject, id, None).await.map_err(|e| e.to_string())?;
        let title = if file.title.is_empty() { file.kind.as_str().to_owned() } else { file.title.clone() };
        let safe: String = title.chars().map(|c| if c.is_alphanumeric() || c == ' ' || c == '-' { c } else { '_' }).collect();
        zip.add(&format!("giay-to/{id}-{safe}.{}", file.media_type.extension()), &file.bytes);
    }
    Ok(zip.finish())
}

/// The person asks for deletion: it happens after `grace_days`, unless they cancel before. Returns the due time.
pub async fn request_deletion(db: &Db, me: &str, grace_days: i64, now: i64) -> Result<i64, DbError> {
    let due = now + grace_days * 86_400;
    db.query(
        "UPDATE type::record('account', $id) SET deletion_requested_at = $now, deletion_due_at = $due
             WHERE deletion_due_at = NONE RETURN NONE",
    )
    .bind(("id", me.to_owned()))
    .bind(("now", now))
    .bind(("due", due))
    .await?
    .check()?;
    Ok(due)
}

pub async fn cancel_deletion(db: &Db, me: &str) -> Result<(), DbError> {
    db.query("UPDATE type::record('account', $id) SET deletion_requested_at = NONE, deletion_due_at = NONE RETURN NONE")
        .bind(("id", me.to_owned()))
        .await?
        .check()?;
    Ok(())
}

/// When the person's deletion is due (Unix seconds), if they asked for one.
pub async fn deletion_due(db: &Db, me: &str) -> Result<Option<i64>, DbError> {
    let mut res = db
        .query("SELECT VALUE deletion_due_at FROM ONLY type::record('account', $id)")
        .bind(("id", me.to_owned()))
        .await?;
    Ok(res.take::<Option<i64>>(0)?)
}

/// Deletes the personal data of every account whose deletion is due: documents and files, profile and its
/// history, family links and household memberships (a household they head goes with them), sessions, reads and QR
/// checks; the account keeps only its id, a "deleted" mark and the
/// time (the audit trail, which holds ids and actions but no personal details, is kept as the law requires).
pub async fn purge_due(db: &Db, blobs: &BlobStore, now: i64) -> Result<usize, String> {
    let mut res = db
        .query("SELECT VALUE meta::id(id) FROM account WHERE deletion_due_at != NONE AND deletion_due_at <= $now LIMIT 100")
        .bind(("now", now))
        .await
        .map_err(|e| e.to_string())?;
    let due: Vec<String> = res.take(0).map_err(|e| e.to_string())?;
    for id in &due {
        crate::vault::service::purge(db, blobs, now, Some(id)).await.map_err(|e| e.to_string())?;
        db.query(
            "BEGIN TRANSACTION;
             LET $me = type::record('account', $id);
             DELETE type::record('profile', $id);
             DELETE profile_change WHERE account = $me;
             DELETE session WHERE account = $me;
             DELETE data_access WHERE subject = $me;
             DELETE qr_verification WHERE account = $me;
             DELETE guardian_of WHERE in = $me OR out = $me;
             LET $headed = (SELECT VALUE id FROM household WHERE head = $me);
             DELETE member_of WHERE in = $me OR out IN $headed;
             DELETE household WHERE id IN $headed;
             UPDATE $me SET full_name = '', name_folded = '', phone = NONE, citizen_id = NONE, birth_date = NONE,
                 sex = NONE, totp_sealed = NONE, totp_enabled_at = NONE, totp_pending_sealed = NONE,
                 registry_mismatch = [], qr_revoked_at = $now, card_revoked_at = $now,
                 deletion_due_at = NONE, purged_at = $now RETURN NONE;
             CREATE audit_event SET action = 'account_purged', subject = $me, detail = '', at = $now RETURN NONE;
             COMMIT TRANSACTION;",
        )
        .bind(("id", id.clone()))
        .bind(("now", now))
        .await
        .map_err(|e| e.to_string())?
        .check()
        .map_err(|e| e.to_string())?;
    }
    Ok(due.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::connect_memory;

    #[tokio::test]
    async fn a_deletion_waits_out_the_grace_period_then_removes_the_personal_data_and_keeps_the_audit() {
        let db = connect_memory().await.expect("db");
        let (blobs, dir) = crate::vault::service::tests::temp_store();
        let secret = SecretKey::generate().expect("secret");
        let id = crate::qr::service::tests::citizen(&db).await;
        let me = Subject::own(&id);
        let details = crate::vault::service::validate(
            &crate::vault::DocumentInput { kind: "diploma".into(), ..Default::default() },
            crate::identity::domain::Date::from_unix_vietnam(1_795_400_000),
        )
        .expect("details");
        let upload = crate::vault::service::Upload {
            bytes: b"%PDF-1.7 bang".to_vec(),
            file_name: "bang.pdf".into(),
            media_type: crate::vault::MediaType::Pdf,
        };
        crate::vault::service::create(&db, &blobs, &secret, &me, &details, upload, 100).await.expect("doc");
        let due = request_deletion(&db, &id, 30, 1_000).await.expect("request");
        assert_eq!(deletion_due(&db, &id).await.expect("due"), Some(due));
        assert_eq!(purge_due(&db, &blobs, due - 1).await.expect("early"), 0, "not before the grace period ends");
        cancel_deletion(&db, &id).await.expect("cancel");
        assert_eq!(purge_due(&db, &blobs, due + 1).await.expect("cancelled"), 0);
        crate::family::household::create(&db, &id, "0123456789", 1_500).await.expect("household");
        let due = request_deletion(&db, &id, 0, 2_000).await.expect("again");
        assert_eq!(purge_due(&db, &blobs, due).await.expect("purge"), 1);
        assert!(blobs.files().is_empty(), "the files are gone");
        let mut res = db
            .query(
                "SELECT full_name, phone, citizen_id, purged_at FROM ONLY type::record('account', $id);
                 RETURN count(SELECT VALUE id FROM document);
                 SELECT VALUE action FROM audit_event WHERE subject = type::record('account', $id);",
            )
            .bind(("id", id.clone()))
            .await
            .expect("query");
        let account: Option<serde_json::Value> = res.take(0).expect("account");
        let account = account.expect("the account record stays");
        assert_eq!(account["full_name"], "");
        assert!(account["phone"].is_null() && account["citizen_id"].is_null());
        assert_eq!(account["purged_at"], due);
        assert_eq!(res.take::<Option<i64>>(1).expect("count").unwrap_or(0), 0);
        assert_eq!(res.take::<Vec<String>>(2).expect("audit"), ["account_purged"]);
        assert!(crate::family::household::mine(&db, &id).await.expect("household").is_none());
        let _ = std::fs::remove_dir_all(dir);
    }
}
