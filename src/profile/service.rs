//! Reading and saving a profile. A save writes the changed fields and one history line per change in one
//! transaction, so the history is never behind the profile.
use serde::Deserialize;

use super::domain::changes;
use super::{ChangeLine, PField, ProfileInput};
use crate::db::{Db, DbError};
use crate::family::service::Subject;
use crate::identity::domain::{CitizenId, Date, PhoneNumber};

/// A profile as stored, with what the page needs around it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stored {
    pub values: ProfileInput,
    pub level: i64,
    pub citizen_id: Option<String>,
    pub phone: Option<String>,
}

#[derive(Deserialize)]
struct AccountRow {
    full_name: String,
    birth_date: Option<String>,
    sex: Option<String>,
    level: i64,
    citizen_id: Option<String>,
    phone: Option<String>,
}

pub async fn load(db: &Db, id: &str) -> Result<Option<Stored>, DbError> {
    let mut res = db
        .query(
            "SELECT full_name, birth_date, sex, level, citizen_id, phone FROM ONLY type::record('account', $id);
             SELECT * OMIT id FROM ONLY type::record('profile', $id);",
        )
        .bind(("id", id.to_owned()))
        .await?;
    let account: Option<AccountRow> = crate::db::take_row(&mut res, 0)?;
    let Some(account) = account else { return Ok(None) };
    let profile: Option<serde_json::Value> = res.take(1)?;
    let mut values = ProfileInput {
        full_name: account.full_name,
        birth_date: account.birth_date.as_deref().and_then(Date::parse_iso).map(|d| d.dmy()).unwrap_or_default(),
        sex: account.sex.unwrap_or_default(),
        ..ProfileInput::default()
    };
    if let Some(profile) = profile {
        for field in PField::DECLARED {
            if let Some(value) = profile[field.name()].as_str() {
                values.set(field, value.to_owned());
            }
        }
    }
    Ok(Some(Stored { values, level: account.level, citizen_id: account.citizen_id, phone: account.phone }))
}

/// Saves the cleaned values for the subject (the identity fields too when `identity`), with one history line per
/// changed field. Returns how many fields changed.
pub async fn save(
    db: &Db,
    subject: &Subject,
    old: &ProfileInput,
    new: &ProfileInput,
    identity: bool,
    now: i64,
) -> Result<usize, DbError> {
    let changed = changes(old, new, identity);
    if changed.is_empty() {
        return Ok(0);
    }
    let sets: Vec<String> = PField::DECLARED
        .iter()
        .map(|f| format!("{0} = IF ${0} {{ ${0} }} ELSE {{ NONE }}", f.name()))
        .collect();
    let identity_sql = if identity {
        "UPDATE $acc SET full_name = $full_name, name_folded = $folded, birth_date = $birth_iso, sex = $sex RETURN NONE;"
    } else {
        ""
    };
    let sql = format!(
        "BEGIN TRANSACTION;
         LET $acc = type::record('account', $id);
         UPSERT type::record('profile', $id) SET {}, updated_at = $now RETURN NONE;
         {identity_sql}
         FOR $c IN $changes {{
             CREATE profile_change SET account = $acc, field = $c[0], old = IF $c[1] {{ $c[1] }} ELSE {{ NONE }},
                 new = IF $c[2] {{ $c[2] }} ELSE {{ NONE }}, by = type::record('account', $by), at = $now RETURN NONE;
         }};
         COMMIT TRANSACTION;",
        sets.join(", ")
    );
    let mut query = db.query(sql).bind(("id", subject.id().to_owned())).bind(("by", subject.actor().to_owned())).bind(("now", now));
    for field in PField::DECLARED {
        query = query.bind((field.name(), new.get(field).to_owned()));
    }
    if identity {
        let folded = crate::identity::domain::FullName::parse(&new.full_name).map(|n| n.folded()).unwrap_or_default();
        let birth = Date::parse_dmy(&new.birth_date).map(|d| d.iso()).unwrap_or_default();
        query = query
            .bind(("full_name", new.full_name.clone()))
            .bind(("folded", folded))
            .bind(("birth_iso", birth))
            .bind(("sex", new.sex.clone()));
    }
    let lines: Vec<Vec<String>> = changed.iter().map(|(f, o, n)| vec![f.name().to_owned(), o.clone(), n.clone()]).collect();
    let mut res = query.bind(("changes", lines)).await?;
    let errors = res.take_errors();
    if let Some(e) = errors.values().next() {
        return Err(DbError::Migration { name: "profile", cause: e.message().to_owned() });
    }
    Ok(changed.len())
}

#[derive(Deserialize)]
struct ChangeRow {
    field: String,
    old: Option<String>,
    new: Option<String>,
    by: Option<String>,
    at: i64,
}

/// The profile's history, newest first.
pub async fn history(db: &Db, id: &str, limit: i64) -> Result<Vec<ChangeLine>, DbError> {
    let mut res = db
        .query(
            "SELECT field, old, new, by.full_name AS by, at, meta::id(id) AS seq FROM profile_change
             WHERE account = type::record('account', $id) ORDER BY at DESC, seq DESC LIMIT $limit",
        )
        .bind(("id", id.to_owned()))
        .bind(("limit", limit))
        .await?;
    let rows: Vec<ChangeRow> = crate::db::take_rows(&mut res, 0)?;
    Ok(rows
        .into_iter()
        .map(|r| ChangeLine {
            field: PField::parse(&r.field),
            old: r.old.unwrap_or_default(),
            new: r.new.unwrap_or_default(),
            by: r.by.unwrap_or_default(),
            at: crate::identity::web::format_time(r.at),
        })
        .collect())
}

/// The masked ID number and the phone as shown on the page.
pub fn shown_ids(stored: &Stored) -> (String, String) {
    let cid = stored.citizen_id.as_deref().and_then(|c| CitizenId::parse(c).ok()).map(|c| c.masked()).unwrap_or_default();
    let phone = stored.phone.as_deref().and_then(|p| PhoneNumber::parse(p).ok()).map(|p| p.national()).unwrap_or_default();
    (cid, phone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::connect_memory;

    #[tokio::test]
    async fn a_save_keeps_one_history_line_per_changed_field() {
        let db = connect_memory().await.expect("db");
        let id = crate::qr::service::tests::citizen(&db).await;
        let me = Subject::own(&id);
        let before = load(&db, &id).await.expect("load").expect("found");
        assert_eq!(before.values.birth_date, "12/03/1985");
        let mut after = before.values.clone();
        after.email = "an@example.vn".into();
        after.household_address = "0123456789".into();
        assert_eq!(save(&db, &me, &before.values, &after, false, 100).await.expect("save"), 2);
        assert_eq!(save(&db, &me, &after, &after, false, 101).await.expect("same"), 0);
        let mut cleared = after.clone();
        cleared.email = String::new();
        assert_eq!(save(&db, &me, &after, &cleared, false, 102).await.expect("clear"), 1);
        let stored = load(&db, &id).await.expect("load").expect("found");
        assert_eq!(stored.values.email, "");
        assert_eq!(stored.values.household_address, "0123456789");
        let lines = history(&db, &id, 10).await.expect("history");
        assert_eq!(lines.len(), 3);
        assert_eq!((lines[0].field, lines[0].old.as_str(), lines[0].new.as_str()), (Some(PField::Email), "an@example.vn", ""));
        assert_eq!(lines[0].by, "Nguyễn Văn An");
        // identity fields at level 1
        let mut renamed = stored.values.clone();
        renamed.full_name = "Nguyễn Văn Ân".into();
        assert_eq!(save(&db, &me, &stored.values, &renamed, true, 103).await.expect("rename"), 1);
        assert_eq!(load(&db, &id).await.expect("load").expect("found").values.full_name, "Nguyễn Văn Ân");
    }
}
