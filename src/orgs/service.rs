//! Enrolment of employees, row by row, and the employee's answer. Every function takes the organization
//! administrator's guard ([`OrgAdmin`]) or the employee's own account id, and every query names the organization.
use std::collections::HashMap;

use serde::Deserialize;

use super::domain::{Column, RawRow, parse_row};
use super::{EnrolmentView, Outcome, RowLine};
use crate::access::guard::Scoped;
use crate::access::{Role, service::audit};
use crate::db::{Db, DbError};
use crate::family::service::{is_record_key, new_key};
use crate::identity::domain::PhoneNumber;
use crate::identity::web::format_time;

/// Proof that the caller administers this organization. Made only by [`OrgAdmin::of`].
#[derive(Clone, Debug)]
pub struct OrgAdmin {
    account_id: String,
    org_id: String,
    org_name: String,
}

impl OrgAdmin {
    /// The caller's organization: `org` when they administer it, else the first they administer.
    pub async fn of(db: &Db, scoped: &Scoped, org: Option<&str>) -> Result<Option<OrgAdmin>, DbError> {
        if scoped.role() != Role::OrgAdmin {
            return Ok(None);
        }
        let org_id = match org.filter(|o| !o.is_empty()) {
            Some(o) if scoped.covers(o) => o.to_owned(),
            Some(_) => return Ok(None),
            None => match scoped.scopes().first() {
                Some(o) => o.clone(),
                None => return Ok(None),
            },
        };
        let mut res =
            db.query("SELECT VALUE name FROM ONLY type::record('organization', $id)").bind(("id", org_id.clone())).await?;
        let name: Option<String> = res.take(0)?;
        Ok(name.map(|org_name| OrgAdmin { account_id: scoped.account_id().to_owned(), org_id, org_name }))
    }

    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    pub fn org_name(&self) -> &str {
        &self.org_name
    }

    #[cfg(test)]
    pub fn for_tests(account_id: &str, org_id: &str) -> Self {
        OrgAdmin { account_id: account_id.into(), org_id: org_id.into(), org_name: "Điện lực".into() }
    }
}

/// Starts an enrolment of `total` rows.
pub async fn start(db: &Db, admin: &OrgAdmin, file_name: &str, total: usize, now: i64) -> Result<String, DbError> {
    let id = new_key()?;
    db.query(
        "CREATE type::record('enrolment', $id) CONTENT {
             organization: type::record('organization', $org), by: type::record('account', $by), file_name: $file,
             total: $total, done: 0, created_at: $now
         } RETURN NONE",
    )
    .bind(("id", id.clone()))
    .bind(("org", admin.org_id.clone()))
    .bind(("by", admin.account_id.clone()))
    .bind(("file", file_name.chars().take(120).collect::<String>()))
    .bind(("total", total as i64))
    .bind(("now", now))
    .await?
    .check()?;
    audit(db, Some(&admin.account_id), "enrolment_started", None, &format!("{id}:{}:{total}", admin.org_id), now).await?;
    Ok(id)
}

/// The people seen earlier in the same file (by phone and by ID number), so a repeated row is reported once.
#[derive(Default)]
pub struct Seen(HashMap<String, usize>);

#[derive(Deserialize)]
struct Holder {
    id: String,
    citizen_id: Option<String>,
}

/// One row: checked, then an account and/or an invitation. Returns the row's result and, for created and
/// invited rows, the phone to send the invitation to.
pub async fn enrol_row(
    db: &Db,
    admin: &OrgAdmin,
    enrolment: &str,
    raw: &RawRow,
    seen: &mut Seen,
    now: i64,
) -> Result<(RowLine, Option<PhoneNumber>), DbError> {
    let mut line = RowLine {
        line: raw.line as i64,
        phone: raw.phone.clone(),
        full_name: raw.full_name.clone(),
        outcome: Outcome::Invalid,
        field: String::new(),
    };
    let mut invite = None;
    match parse_row(raw) {
        Err(columns) => line.field = columns.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(" "),
        Ok(e) => {
            let earlier = seen.0.get(e.phone.e164()).or_else(|| seen.0.get(e.citizen_id.as_str())).copied();
            if let Some(first) = earlier {
                line.outcome = Outcome::Already;
                line.field = format!("line:{first}");
            } else {
                seen.0.insert(e.phone.e164().to_owned(), raw.line);
                seen.0.insert(e.citizen_id.as_str().to_owned(), raw.line);
                let mut res = db
                    .query(
                        "SELECT meta::id(id) AS id, citizen_id FROM account WHERE phone = $phone;
                         SELECT meta::id(id) AS id, citizen_id FROM account WHERE citizen_id = $cid;",
                    )
                    .bind(("phone", e.phone.e164().to_owned()))
                    .bind(("cid", e.citizen_id.as_str().to_owned()))
                    .await?;
                let by_phone: Vec<Holder> = crate::db::take_rows(&mut res, 0)?;
                let by_id: Vec<Holder> = crate::db::take_rows(&mut res, 1)?;
                match (by_phone.first(), by_id.first()) {
                    (None, None) => {
                        let account = new_key()?;
                        let mut res = db
                            .query(
                                "BEGIN TRANSACTION;
                                 CREATE type::record('account', $account) CONTENT {
                                     phone: $phone, citizen_id: $cid, full_name: $name, name_folded: $folded, level: 1,
                                     created_at: $now, status: 'pending'
                                 } RETURN NONE;
                                 LET $from = type::record('account', $account);
                                 LET $to = type::record('organization', $org);
                                 RELATE $from->employee_of->$to CONTENT {
                                     state: 'invited', enrolment: type::record('enrolment', $enrolment), created_at: $now
                                 } RETURN NONE;
                                 COMMIT TRANSACTION;",
                            )
                            .bind(("account", account))
                            .bind(("phone", e.phone.e164().to_owned()))
                            .bind(("cid", e.citizen_id.as_str().to_owned()))
                            .bind(("name", e.full_name.as_str().to_owned()))
                            .bind(("folded", e.full_name.folded()))
                            .bind(("org", admin.org_id.clone()))
                            .bind(("enrolment", enrolment.to_owned()))
                            .bind(("now", now))
                            .await?;
                        if res.take_errors().is_empty() {
                            line.outcome = Outcome::Created;
                            invite = Some(e.phone.clone());
                        } else {
                            // someone signed up with this phone or ID number between the check and now
                            line.field = "mismatch".into();
                        }
                    }
                    (Some(p), Some(i)) if p.id == i.id => {
                        let mut res = db
                            .query(
                                "LET $from = type::record('account', $account);
                                 LET $to = type::record('organization', $org);
                                 RELATE $from->employee_of->$to CONTENT {
                                     state: 'invited', enrolment: type::record('enrolment', $enrolment), created_at: $now
                                 } RETURN NONE;",
                            )
                            .bind(("account", p.id.clone()))
                            .bind(("org", admin.org_id.clone()))
                            .bind(("enrolment", enrolment.to_owned()))
                            .bind(("now", now))
                            .await?;
                        if res.take_errors().is_empty() {
                            line.outcome = Outcome::Invited;
                            invite = Some(e.phone.clone());
                        } else {
                            // the unique (person, organization) edge exists: invited or employed already
                            line.outcome = Outcome::Already;
                            line.field = "employee".into();
                        }
                    }
                    (Some(p), _) if p.citizen_id.is_none() => {
                        // an account made with a phone only (staff created on the server): not this file's to fill
                        line.field = Column::CitizenId.as_str().into();
                    }
                    _ => {
                        // the phone and the ID number belong to different people
                        line.field = "mismatch".into();
                    }
                }
            }
        }
    }
    db.query(
        "CREATE enrolment_row CONTENT {
             enrolment: type::record('enrolment', $enrolment), line: $line, phone: $phone, full_name: $name,
             outcome: $outcome, field: IF $field { $field } ELSE { NONE }
         } RETURN NONE;",
    )
    .bind(("enrolment", enrolment.to_owned()))
    .bind(("line", line.line))
    .bind(("phone", line.phone.chars().take(40).collect::<String>()))
    .bind(("name", line.full_name.chars().take(120).collect::<String>()))
    .bind(("outcome", line.outcome.as_str()))
    .bind(("field", line.field.clone()))
    .await?
    .check()?;
    Ok((line, invite))
}

/// Records how many rows are done (and, at the end, that it finished).
pub async fn progress(db: &Db, enrolment: &str, done: usize, finished: Option<i64>) -> Result<(), DbError> {
    db.query(
        "UPDATE type::record('enrolment', $id) SET done = $done,
             finished_at = IF $finished { $finished } ELSE { finished_at } RETURN NONE",
    )
    .bind(("id", enrolment.to_owned()))
    .bind(("done", done as i64))
    .bind(("finished", finished.unwrap_or(0)))
    .await?
    .check()?;
    Ok(())
}

/// At start-up: enrolments a stopped server was running are marked finished where they stopped (their rows so far
/// keep their results; the page says which rows were not processed). Returns how many there were.
pub async fn stop_interrupted(db: &Db, now: i64) -> Result<usize, DbError> {
    let mut res = db
        .query(
            "LET $open = SELECT VALUE id FROM enrolment WHERE finished_at = NONE;
             FOR $e IN $open {
                 UPDATE $e SET done = count(SELECT id FROM enrolment_row WHERE enrolment = $e), finished_at = $now RETURN NONE;
             };
             RETURN array::len($open);",
        )
        .bind(("now", now))
        .await?;
    let n = res.num_statements();
    let stopped: Option<i64> = res.take(n - 1)?;
    Ok(stopped.unwrap_or(0) as usize)
}

#[derive(Deserialize)]
struct EnrolmentRow {
    id: String,
    file_name: String,
    total: i64,
    done: i64,
    finished_at: Option<i64>,
    created_at: i64,
}

#[derive(Deserialize)]
struct CountRow {
    outcome: String,
    n: i64,
}

#[derive(Deserialize)]
struct ResultRow {
    line: i64,
    phone: String,
    full_name: String,
    outcome: String,
    field: Option<String>,
}

fn view(r: EnrolmentRow, counts: Vec<CountRow>, rows: Vec<ResultRow>) -> EnrolmentView {
    EnrolmentView {
        id: r.id,
        file_name: r.file_name,
        total: r.total,
        done: r.done,
        finished: r.finished_at.is_some(),
        created: format_time(r.created_at),
        counts: Outcome::ALL
            .into_iter()
            .map(|o| (o, counts.iter().filter(|c| c.outcome == o.as_str()).map(|c| c.n).sum()))
            .collect(),
        rows: rows
            .into_iter()
            .filter_map(|r| {
                Some(RowLine {
                    line: r.line,
                    phone: r.phone,
                    full_name: r.full_name,
                    outcome: Outcome::parse(&r.outcome)?,
                    field: r.field.unwrap_or_default(),
                })
            })
            .collect(),
    }
}

/// One enrolment of the administrator's organization (`None` for another's), with at most `limit` rows.
pub async fn enrolment(db: &Db, admin: &OrgAdmin, id: &str, limit: i64) -> Result<Option<EnrolmentView>, DbError> {
    if !is_record_key(id) {
        return Ok(None);
    }
    let mut res = db
        .query(
            "LET $e = type::record('enrolment', $id);
             SELECT meta::id(id) AS id, file_name, total, done, finished_at, created_at FROM enrolment
                 WHERE id = $e AND organization = type::record('organization', $org);
             SELECT outcome, count() AS n FROM enrolment_row WHERE enrolment = $e GROUP BY outcome;
             SELECT line, phone, full_name, outcome, field FROM enrolment_row WHERE enrolment = $e ORDER BY line LIMIT $limit;",
        )
        .bind(("id", id.to_owned()))
        .bind(("org", admin.org_id.clone()))
        .bind(("limit", limit))
        .await?;
    let found: Vec<EnrolmentRow> = crate::db::take_rows(&mut res, 1)?;
    let Some(row) = found.into_iter().next() else { return Ok(None) };
    let counts: Vec<CountRow> = crate::db::take_rows(&mut res, 2)?;
    let rows: Vec<ResultRow> = crate::db::take_rows(&mut res, 3)?;
    Ok(Some(view(row, counts, rows)))
}

/// The organization's latest uploads (without rows), and its employees: (confirmed, invited).
pub async fn overview(db: &Db, admin: &OrgAdmin) -> Result<(Vec<EnrolmentView>, i64, i64), DbError> {
    let mut res = db
        .query(
            "LET $org = type::record('organization', $org_id);
             SELECT meta::id(id) AS id, file_name, total, done, finished_at, created_at FROM enrolment
                 WHERE organization = $org ORDER BY created_at DESC LIMIT 20;
             RETURN count(SELECT id FROM employee_of WHERE out = $org AND state = 'confirmed');
             RETURN count(SELECT id FROM employee_of WHERE out = $org AND state = 'invited');",
        )
        .bind(("org_id", admin.org_id.clone()))
        .await?;
    let rows: Vec<EnrolmentRow> = crate::db::take_rows(&mut res, 1)?;
    let confirmed: Option<i64> = res.take(2)?;
    let invited: Option<i64> = res.take(3)?;
    Ok((rows.into_iter().map(|r| view(r, Vec::new(), Vec::new())).collect(), confirmed.unwrap_or(0), invited.unwrap_or(0)))
}

/// Invitations waiting for this person's answer: (edge id, organization name).
pub async fn invitations(db: &Db, account: &str) -> Result<Vec<(String, String)>, DbError> {
    let mut res = db
        .query(
            "SELECT meta::id(id) AS id, out.name AS name, created_at FROM employee_of
             WHERE in = type::record('account', $me) AND state = 'invited' ORDER BY created_at",
        )
        .bind(("me", account.to_owned()))
        .await?;
    #[derive(Deserialize)]
    struct Row {
        id: String,
        name: String,
    }
    let rows: Vec<Row> = crate::db::take_rows(&mut res, 0)?;
    Ok(rows.into_iter().map(|r| (r.id, r.name)).collect())
}

/// The person confirms or declines an invitation of theirs (false: not theirs, or already answered).
pub async fn answer(db: &Db, account: &str, edge: &str, accept: bool, now: i64) -> Result<bool, DbError> {
    if !is_record_key(edge) {
        return Ok(false);
    }
    let mut res = db
        .query(
            "UPDATE type::record('employee_of', $edge) SET state = $state, answered_at = $now
             WHERE in = type::record('account', $me) AND state = 'invited' RETURN VALUE meta::id(id)",
        )
        .bind(("edge", edge.to_owned()))
        .bind(("me", account.to_owned()))
        .bind(("state", if accept { "confirmed" } else { "declined" }))
        .bind(("now", now))
        .await?;
    let updated: Vec<String> = res.take(0)?;
    Ok(!updated.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::connect_memory;
    use crate::orgs::domain::read_file;

    const NOW: i64 = 1_795_489_200;

    #[tokio::test]
    async fn each_row_gets_its_result_and_nothing_is_made_twice() {
        let db = connect_memory().await.expect("db");
        let mut res = db.query("CREATE ONLY organization CONTENT { name: 'Điện lực', name_folded: 'dien luc', created_at: 0 } RETURN VALUE meta::id(id)").await.expect("org");
        let org: String = res.take::<Option<String>>(0).expect("id").expect("id");
        let existing = crate::family::service::tests::adult(&db, "+84905000222", "048090000222", "Lê Văn Có").await;
        crate::family::service::tests::adult(&db, "+84905000333", "048090000333", "Lê Văn Ba").await;
        let admin = OrgAdmin::for_tests(&existing, &org);
        let file = "Họ và tên,Số điện thoại,Số CCCD\n\
            Trần Thị Lan,0905123456,048186000123\n\
            Lê Văn Có,0905000222,048090000222\n\
            Sai Số,12345,048186000124\n\
            Trần Thị Lan,0905 123 456,048186000123\n\
            Người Khác,0905000333,048186000999\n";
        let rows = read_file(file.as_bytes()).expect("file");
        let id = start(&db, &admin, "nv.csv", rows.len(), NOW).await.expect("start");
        let mut seen = Seen::default();
        let mut outcomes = Vec::new();
        for row in &rows {
            let (line, invite) = enrol_row(&db, &admin, &id, row, &mut seen, NOW).await.expect("row");
            assert_eq!(invite.is_some(), matches!(line.outcome, Outcome::Created | Outcome::Invited));
            outcomes.push((line.outcome, line.field));
        }
        assert_eq!(
            outcomes,
            vec![
                (Outcome::Created, String::new()),
                (Outcome::Invited, String::new()),
                (Outcome::Invalid, "phone".into()),
                (Outcome::Already, "line:2".into()),
                (Outcome::Invalid, "mismatch".into()),
            ]
        );
        progress(&db, &id, rows.len(), Some(NOW)).await.expect("done");
        let view = enrolment(&db, &admin, &id, 100).await.expect("q").expect("view");
        assert!(view.finished);
        assert_eq!(view.rows.len(), 5);
        assert_eq!(view.counts, vec![(Outcome::Created, 1), (Outcome::Invited, 1), (Outcome::Already, 1), (Outcome::Invalid, 2)]);
        // the same file again: everyone is already there
        let again = start(&db, &admin, "nv.csv", rows.len(), NOW).await.expect("start");
        let mut seen = Seen::default();
        let (line, _) = enrol_row(&db, &admin, &again, &rows[0], &mut seen, NOW).await.expect("row");
        assert_eq!(line.outcome, Outcome::Already);
        // the server stopped during that second run: at start-up it is marked where it stopped (1 of 5 rows)
        assert_eq!(stop_interrupted(&db, NOW + 60).await.expect("stop"), 1);
        let stopped = enrolment(&db, &admin, &again, 100).await.expect("q").expect("view");
        assert!(stopped.finished);
        assert_eq!((stopped.done, stopped.total), (1, 5));
        assert_eq!(stop_interrupted(&db, NOW + 61).await.expect("stop"), 0);
        // another organization's administrator sees nothing of it
        let stranger = OrgAdmin::for_tests(&existing, "someotherorg");
        assert!(enrolment(&db, &stranger, &id, 100).await.expect("q").is_none());
        // the invited person answers once
        let invites = invitations(&db, &existing).await.expect("q");
        assert_eq!(invites.len(), 1);
        assert!(!answer(&db, "someoneelse", &invites[0].0, true, NOW).await.expect("q"));
        assert!(answer(&db, &existing, &invites[0].0, true, NOW).await.expect("q"));
        assert!(!answer(&db, &existing, &invites[0].0, false, NOW).await.expect("q"));
        let (_, confirmed, invited) = overview(&db, &admin).await.expect("q");
        assert_eq!((confirmed, invited), (1, 1));
    }
}
