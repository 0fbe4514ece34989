//! Folding changes into the counters, the daily refresh of people turning 18, the monthly freeze, the dashboard's
//! reads (about a hundred counter rows, never the citizens), population figures, and the reports' life: draft,
//! submitted (then never changed: the database refuses it too), corrected as a new version with its reason.
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Deserialize;

use super::domain::{
    Contribution, Counts, Figures, Month, PopulationRow, UNKNOWN_WARD, deltas, is_adult, is_late, residence,
    turning_adult_on,
};
use super::history::HistoryRow;
use super::{Population, ReportLine, ReportVersion, StatsNotice, WardRow};
use crate::access::guard::{CityAdmin, Granter};
use crate::access::service::audit;
use crate::db::{Db, DbError, take_rows};
use crate::identity::domain::Date;
use crate::identity::web::format_time;
use crate::units::UnitsVersion;
use crate::units::service::UnitDirectory;

/// Changes folded per transaction.
pub const FOLD_BATCH: usize = 2000;

fn failed(res: &mut surrealdb::IndexedResults, what: &'static str) -> Result<(), DbError> {
    let errors = res.take_errors();
    match errors.into_values().next() {
        None => Ok(()),
        Some(e) => Err(DbError::Migration { name: what, cause: e.to_string() }),
    }
}

#[derive(Deserialize)]
struct Dirty {
    /// The second the change was made (the first part of its key).
    second: i64,
    kind: String,
    account: Option<String>,
    ward: Option<String>,
    team: Option<String>,
    #[serde(default)]
    delta: i64,
    at: Option<i64>,
}

/// How far the fold cursor stays behind the database's clock, in seconds: longer than any transaction may run
/// (queries are cut off after 30 s), so no change older than the cursor can still appear.
pub const CURSOR_LAG: i64 = 120;

/// Where the folder reads on from next: never back, never past `now - CURSOR_LAG`; after a full batch, not past the
/// last change it read (the rest of that second still waits).
pub fn next_cursor(old: i64, now: i64, last_read: Option<i64>, batch_full: bool) -> i64 {
    let settled = now - CURSOR_LAG;
    let reached = match (batch_full, last_read) {
        (true, Some(last)) => last.min(settled),
        _ => settled,
    };
    old.max(reached)
}

#[derive(Deserialize)]
struct AccountRow {
    id: String,
    level: Option<i64>,
    status: Option<String>,
    /// Staff made on the server may have no birth date: counted, not as adults.
    birth_date: Option<String>,
    purged_at: Option<i64>,
}

#[derive(Deserialize)]
struct ProfileRow {
    id: String,
    current_unit: Option<String>,
    permanent_unit: Option<String>,
    epayment: Option<String>,
}

#[derive(Deserialize)]
struct MemberRow {
    id: String,
    #[serde(flatten)]
    contribution: Contribution,
}

#[derive(Default)]
struct MonthDelta {
    qr: i64,
    assisted: i64,
    confirmed: i64,
}

/// Folds up to `limit` waiting changes into the counters, in one transaction; returns how many it folded.
/// `today` decides who is an adult. Only one folder should run per database (the server runs one).
pub async fn fold(db: &Db, today: Date, limit: usize) -> Result<usize, DbError> {
    Ok(fold_after(db, today, limit, None).await?.0)
}

/// Up to `$limit` waiting changes from the second `$start` on, in key order. The range goes through `type::record`
/// on purpose: SurrealDB 3.3 reads a literal range (`stat_dirty:[$start]..`) whole before it applies LIMIT, so each
/// batch cost as much as the queue was long (15 s at 1 million citizens); a computed source has the LIMIT in its
/// storage scan.
const QUEUE_BATCH: &str = "SELECT id, meta::id(id)[0] AS second, kind, ward, delta, at,
        IF account = NONE { NONE } ELSE { meta::id(account) } AS account,
        IF team = NONE { NONE } ELSE { meta::id(team) } AS team
    FROM type::record('stat_dirty', [$start]..) LIMIT $limit";

/// [`fold`], reading from the cursor or, within one pass, from `resume` (the second the previous batch stopped
/// at), so a pass does not walk again over what it folded a moment ago. Returns how many it folded and the second
/// of the last change it read.
async fn fold_after(db: &Db, today: Date, limit: usize, resume: Option<i64>) -> Result<(usize, Option<i64>), DbError> {
    let started = std::time::Instant::now();
    let mut res = db
        .query(format!(
            "LET $now = time::unix(time::now());
             LET $from = (SELECT VALUE cursor FROM ONLY stat_state:fold) ?? 0;
             LET $start = math::max([$from - 1, $resume]);
             LET $rows = {QUEUE_BATCH};
             RETURN [$now, $from];
             RETURN $rows;
             RETURN $rows.id;"
        ))
        .bind(("limit", limit))
        .bind(("resume", resume.unwrap_or(-1)))
        .await?;
    failed(&mut res, "reading the waiting changes")?;
    let clock: Vec<i64> = res.take(4)?;
    let (now, from) = (clock.first().copied().unwrap_or_default(), clock.get(1).copied().unwrap_or_default());
    let dirty: Vec<Dirty> = take_rows(&mut res, 5)?;
    let done: Vec<surrealdb::types::RecordId> = res.take(6)?;
    let last = dirty.last().map(|d| d.second);
    let cursor = next_cursor(from, now, last, dirty.len() >= limit);
    if dirty.is_empty() {
        if cursor > from {
            db.query("UPSERT stat_state:fold SET cursor = $cursor RETURN NONE").bind(("cursor", cursor)).await?.check()?;
        }
        return Ok((0, None));
    }
    let queue_read = started.elapsed();
    let accounts: Vec<String> =
        dirty.iter().filter_map(|d| d.account.clone()).collect::<HashSet<_>>().into_iter().collect();
    let mut res = db
        .query(
            "LET $a = array::map($ids, |$i| type::record('account', $i));
             LET $p = array::map($ids, |$i| type::record('profile', $i));
             LET $m = array::map($ids, |$i| type::record('stat_member', $i));
             SELECT meta::id(id) AS id, level, status, birth_date, purged_at FROM $a WHERE id != NONE;
             SELECT meta::id(id) AS id, current_unit, permanent_unit, epayment FROM $p WHERE id != NONE;
             SELECT meta::id(id) AS id, ward, counted, adult, level, epay, households, documents FROM $m WHERE id != NONE;",
        )
        .bind(("ids", accounts.clone()))
        .await?;
    let found: HashMap<String, AccountRow> = take_rows::<AccountRow>(&mut res, 3)?.into_iter().map(|a| (a.id.clone(), a)).collect();
    let profiles: HashMap<String, ProfileRow> =
        take_rows::<ProfileRow>(&mut res, 4)?.into_iter().map(|p| (p.id.clone(), p)).collect();
    let members: HashMap<String, Contribution> =
        take_rows::<MemberRow>(&mut res, 5)?.into_iter().map(|m| (m.id, m.contribution)).collect();

    let mut moved: HashMap<String, (i64, i64)> = HashMap::new();
    for d in &dirty {
        if let Some(a) = &d.account {
            let entry = moved.entry(a.clone()).or_default();
            match d.kind.as_str() {
                "households" => entry.0 += d.delta,
                "documents" => entry.1 += d.delta,
                _ => {}
            }
        }
    }
    let mut ward_deltas: HashMap<String, Counts> = HashMap::new();
    let mut upserts = Vec::new();
    let mut removed = Vec::new();
    let mut now_in: HashMap<String, String> = HashMap::new();
    for id in &accounts {
        let old = members.get(id);
        let new = found.get(id).map(|a| {
            let p = profiles.get(id);
            let (households, documents) = moved.get(id).copied().unwrap_or_default();
            Contribution {
                ward: residence(p.and_then(|p| p.current_unit.as_deref()), p.and_then(|p| p.permanent_unit.as_deref())),
                counted: a.status.as_deref().unwrap_or("active") == "active" && a.purged_at.is_none(),
                adult: a.birth_date.as_deref().and_then(Date::parse_iso).is_some_and(|b| is_adult(b, today)),
                level: a.level.unwrap_or(1),
                epay: p.and_then(|p| p.epayment.as_deref()) == Some("yes"),
                households: old.map_or(0, |o| o.households) + households,
                documents: old.map_or(0, |o| o.documents) + documents,
            }
        });
        deltas(old, new.as_ref(), &mut ward_deltas);
        match (&new, old) {
            (Some(n), _) => {
                now_in.insert(id.clone(), n.ward.clone());
                if old != Some(n) {
                    let mut row = serde_json::to_value(n).unwrap_or_default();
                    row["id"] = serde_json::Value::from(id.as_str());
                    upserts.push(row);
                }
            }
            (None, Some(o)) => {
                now_in.insert(id.clone(), o.ward.clone());
                removed.push(id.clone());
            }
            (None, None) => {}
        }
    }

    let mut months: BTreeMap<(String, String), MonthDelta> = BTreeMap::new();
    let mut teams: BTreeMap<(String, String), String> = BTreeMap::new();
    for d in &dirty {
        let Some(at) = d.at else { continue };
        let month = Month::of_unix(at).key();
        let ward = match d.kind.as_str() {
            "qr" => d.account.as_ref().and_then(|a| now_in.get(a)).cloned().unwrap_or_else(|| UNKNOWN_WARD.to_owned()),
            _ => d.ward.clone().unwrap_or_else(|| UNKNOWN_WARD.to_owned()),
        };
        let entry = months.entry((ward.clone(), month.clone())).or_default();
        match d.kind.as_str() {
            "qr" => entry.qr += 1,
            "assisted" => {
                entry.assisted += 1;
                if let Some(team) = &d.team {
                    teams.insert((month, team.clone()), ward);
                }
            }
            "confirmed" => entry.confirmed += 1,
            _ => {}
        }
    }
    let wards: Vec<serde_json::Value> = ward_deltas
        .into_iter()
        .filter(|(_, d)| d.iter().any(|v| *v != 0))
        .map(|(ward, d)| serde_json::json!({ "ward": ward, "d": d }))
        .collect();
    let months: Vec<serde_json::Value> = months
        .into_iter()
        .map(|((ward, month), m)| {
            serde_json::json!({ "ward": ward, "month": month, "qr": m.qr, "assisted": m.assisted, "confirmed": m.confirmed })
        })
        .collect();
    let teams: Vec<serde_json::Value> = teams
        .into_iter()
        .map(|((month, team), ward)| serde_json::json!({ "month": month, "team": team, "ward": ward }))
        .collect();
    let prepared = started.elapsed();
    let mut res = db
        .query(
            "BEGIN TRANSACTION;
             INSERT INTO stat_member $upserts ON DUPLICATE KEY UPDATE ward = $input.ward, counted = $input.counted,
                 adult = $input.adult, level = $input.level, epay = $input.epay, households = $input.households,
                 documents = $input.documents RETURN NONE;
             LET $gone = array::map($removed, |$i| type::record('stat_member', $i));
             DELETE $gone;
             FOR $w IN $wards {
                 UPSERT type::record('stat_ward', $w.ward) SET accounts_l1 += $w.d[0], accounts_l2 += $w.d[1],
                     adults += $w.d[2], adults_l2 += $w.d[3], adults_epay += $w.d[4], households += $w.d[5],
                     documents += $w.d[6] RETURN NONE;
             };
             FOR $x IN $months {
                 UPSERT type::record('stat_month', [$x.ward, $x.month])
                     SET qr += $x.qr, assisted += $x.assisted, confirmed += $x.confirmed RETURN NONE;
             };
             FOR $t IN $teams {
                 IF !record::exists(type::record('stat_team_month', [$t.month, $t.team])) {
                     CREATE type::record('stat_team_month', [$t.month, $t.team]) SET ward = $t.ward RETURN NONE;
                     UPSERT type::record('stat_month', [$t.ward, $t.month]) SET active_teams += 1 RETURN NONE;
                 };
             };
             DELETE $done;
             UPSERT stat_state:fold SET cursor = $cursor RETURN NONE;
             COMMIT TRANSACTION;",
        )
        .bind(("upserts", upserts))
        .bind(("removed", removed))
        .bind(("wards", wards))
        .bind(("months", months))
        .bind(("teams", teams))
        .bind(("done", done))
        .bind(("cursor", cursor))
        .await?;
    failed(&mut res, "folding statistics")?;
    tracing::debug!(
        changes = dirty.len(),
        queue_ms = queue_read.as_millis() as u64,
        rows_ms = (prepared - queue_read).as_millis() as u64,
        write_ms = (started.elapsed() - prepared).as_millis() as u64,
        "folded a batch"
    );
    Ok((dirty.len(), last))
}

/// Folds until nothing waits (or `max_batches` ran); returns how many changes it folded.
pub async fn fold_all(db: &Db, today: Date, max_batches: usize) -> Result<usize, DbError> {
    Ok(fold_pass(db, today, max_batches).await?.0)
}

/// [`fold_all`], and whether changes may still wait (its last batch was full).
pub async fn fold_pass(db: &Db, today: Date, max_batches: usize) -> Result<(usize, bool), DbError> {
    let (mut total, mut resume) = (0, None);
    for _ in 0..max_batches {
        let (n, last) = fold_after(db, today, FOLD_BATCH, resume).await?;
        total += n;
        if n < FOLD_BATCH {
            return Ok((total, false));
        }
        resume = last;
    }
    Ok((total, true))
}

/// People who turned 18 since the last refresh are folded again (as adults now). The first run only records the day.
pub async fn refresh_adults(db: &Db, today: Date) -> Result<usize, DbError> {
    let mut res = db.query("SELECT VALUE age_day FROM ONLY stat_state:fold").await?;
    let last: Option<String> = res.take(0)?;
    let mut births = Vec::new();
    if let Some(last) = last.as_deref().and_then(Date::parse_iso) {
        if last >= today {
            return Ok(0);
        }
        let mut day = last;
        // A server that was off for over a year catches up on the last 400 days; older gaps were folded fresh.
        for _ in 0..400 {
            if day >= today {
                break;
            }
            day = Date::from_unix_vietnam(day.start_unix_vietnam() + 86_400);
            births.extend(turning_adult_on(day));
        }
    }
    let mut res = db
        .query("RETURN array::flatten(array::map($births, |$b| (SELECT VALUE meta::id(id) FROM account WHERE birth_date = $b)))")
        .bind(("births", births))
        .await?;
    let found: Vec<String> = res.take(0)?;
    let mut res = db
        .query(
            "BEGIN TRANSACTION;
             FOR $a IN $found {
                 CREATE type::record('stat_dirty', fn::stat_key()) SET kind = 'member', account = type::record('account', $a)
                     RETURN NONE;
             };
             UPSERT stat_state:fold SET age_day = $today RETURN NONE;
             COMMIT TRANSACTION;",
        )
        .bind(("found", found.clone()))
        .bind(("today", today.iso()))
        .await?;
    failed(&mut res, "refreshing adults")?;
    Ok(found.len())
}

#[derive(Deserialize)]
struct WardCounters {
    ward: String,
    #[serde(flatten)]
    figures: Figures,
}

#[derive(Deserialize)]
struct MonthCounters {
    ward: String,
    qr: i64,
    assisted: i64,
    confirmed: i64,
    active_teams: i64,
}

#[derive(Deserialize)]
struct PopulationRecord {
    ward: String,
    adults: i64,
    households: i64,
    year: i32,
    source: String,
    #[serde(default)]
    mapped_from: Vec<String>,
    #[serde(default)]
    approximate: bool,
}

/// The live figures: every 2025-07 ward (in the directory's order), the accounts without an address, and whether
/// the folder is behind (its last pass ended with changes still waiting). Point reads only: never the queue.
pub async fn live(db: &Db, units: &UnitDirectory, month: Month) -> Result<(Vec<WardRow>, Figures, bool), DbError> {
    let wards = units.search("", UnitsVersion::CURRENT);
    let codes: Vec<String> = wards.iter().map(|u| u.code.clone()).collect();
    let mut res = db
        .query(
            "SELECT meta::id(id) AS ward, accounts_l1, accounts_l2, adults, adults_l2, adults_epay, households, documents
                 FROM array::map($wards, |$w| type::record('stat_ward', $w)) WHERE id != NONE;
             SELECT meta::id(id)[0] AS ward, qr, assisted, confirmed, active_teams
                 FROM array::map($wards, |$w| type::record('stat_month', [$w, $month])) WHERE id != NONE;
             SELECT meta::id(id) AS ward, adults, households, year, source, mapped_from, approximate FROM stat_population;
             RETURN (SELECT VALUE behind FROM ONLY stat_state:fold) ?? false;",
        )
        .bind(("wards", codes.iter().cloned().chain([UNKNOWN_WARD.to_owned()]).collect::<Vec<_>>()))
        .bind(("month", month.key()))
        .await?;
    failed(&mut res, "reading the statistics")?;
    let counters: HashMap<String, Figures> =
        take_rows::<WardCounters>(&mut res, 0)?.into_iter().map(|c| (c.ward, c.figures)).collect();
    let flows: HashMap<String, MonthCounters> =
        take_rows::<MonthCounters>(&mut res, 1)?.into_iter().map(|m| (m.ward.clone(), m)).collect();
    let population: HashMap<String, PopulationRecord> =
        take_rows::<PopulationRecord>(&mut res, 2)?.into_iter().map(|p| (p.ward.clone(), p)).collect();
    let behind: Option<bool> = res.take(3)?;
    let figures_of = |ward: &str| {
        let mut f = counters.get(ward).cloned().unwrap_or_default();
        if let Some(m) = flows.get(ward) {
            (f.qr, f.assisted, f.confirmed, f.active_teams) = (m.qr, m.assisted, m.confirmed, m.active_teams);
        }
        if let Some(p) = population.get(ward) {
            (f.population_adults, f.population_households, f.population_year) = (Some(p.adults), Some(p.households), Some(p.year));
        }
        f
    };
    let rows = wards
        .into_iter()
        .map(|u| WardRow {
            figures: figures_of(&u.code),
            population: population.get(&u.code).map(|p| Population {
                adults: p.adults,
                households: p.households,
                year: p.year,
                source: p.source.clone(),
                mapped_from: p.mapped_from.clone(),
                approximate: p.approximate,
            }),
            code: u.code,
            name: u.name,
        })
        .collect();
    Ok((rows, figures_of(UNKNOWN_WARD), behind.unwrap_or(false)))
}

/// The wards a granter sees: all for the city administrator, else the wards they are officer of.
pub fn in_scope(granter: &Granter, ward: &str) -> bool {
    granter.is_city_admin() || granter.wards().iter().any(|w| w == ward)
}

/// Sets one ward's denominators.
pub async fn set_population(db: &Db, admin: &CityAdmin, row: &PopulationRow, source: &str, now: i64) -> Result<(), DbError> {
    set_populations(db, admin, std::slice::from_ref(row), source, now).await
}

/// Sets the denominators of several wards at once (all or none).
pub async fn set_populations(db: &Db, admin: &CityAdmin, rows: &[PopulationRow], source: &str, now: i64) -> Result<(), DbError> {
    let mut res = db
        .query(
            "BEGIN TRANSACTION;
             FOR $r IN $rows {
                 UPSERT type::record('stat_population', $r.ward) CONTENT {
                     adults: $r.adults, households: $r.households, year: $r.year, source: $source,
                     mapped_from: $r.mapped_from, approximate: $r.approximate,
                     updated_by: type::record('account', $by), updated_at: $now
                 } RETURN NONE;
             };
             COMMIT TRANSACTION;",
        )
        .bind(("rows", serde_json::to_value(rows).map_err(|e| DbError::Migration { name: "population", cause: e.to_string() })?))
        .bind(("source", source.to_owned()))
        .bind(("by", admin.account_id().to_owned()))
        .bind(("now", now))
        .await?;
    failed(&mut res, "saving population figures")?;
    let wards: Vec<&str> = rows.iter().map(|r| r.ward.as_str()).collect();
    audit(db, Some(admin.account_id()), "stats.population", None, &format!("{source}: {}", wards.join(",")), now).await
}

/// Where each 2025-01 unit went, for reading population files.
pub async fn unit_map(db: &Db) -> Result<super::domain::UnitMap, DbError> {
    let mut res = db.query("SELECT in.code AS from, out.code AS to, share FROM became").await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let text = |k: &str| r[k].as_str().map(str::to_owned);
            Some((text("from")?, (text("to")?, r["share"].as_str() == Some("whole"))))
        })
        .collect())
}

// ---- monthly reports ----------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct ReportRow {
    ward: String,
    month: String,
    version: i64,
    figures: String,
    frozen_at: i64,
    state: String,
    comment: String,
    reason: Option<String>,
    submitted_at: Option<i64>,
    submitted_by: Option<String>,
    /// NONE for reports frozen before imports existed.
    source: Option<String>,
    #[serde(default)]
    mapped_from: Option<Vec<String>>,
    #[serde(default)]
    approximate: Option<bool>,
}

impl ReportRow {
    fn imported(&self) -> bool {
        self.source.as_deref() == Some("imported")
    }
}

const REPORT_FIELDS: &str = "ward, month, version, figures, frozen_at, state, comment, reason, submitted_at,
    submitted_by.full_name AS submitted_by, source, mapped_from, approximate";

fn figures_of(row: &ReportRow) -> Figures {
    serde_json::from_str(&row.figures).unwrap_or_default()
}

/// Freezes every ward's figures for `month` as version 1 of its report (drafts for the officers), unless that
/// month is frozen already. Returns how many reports it made.
pub async fn freeze(db: &Db, units: &UnitDirectory, month: Month, now: i64) -> Result<usize, DbError> {
    let mut res = db.query("SELECT VALUE month FROM ward_report WHERE month = $month LIMIT 1").bind(("month", month.key())).await?;
    let any: Vec<String> = res.take(0)?;
    if !any.is_empty() {
        return Ok(0);
    }
    let (rows, _, _) = live(db, units, month).await?;
    let reports: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| serde_json::json!({ "ward": r.code, "figures": serde_json::to_string(&r.figures).unwrap_or_default() }))
        .collect();
    let mut res = db
        .query(
            "BEGIN TRANSACTION;
             FOR $r IN $reports {
                 CREATE type::record('ward_report', [$r.ward, $month, 1]) CONTENT {
                     ward: $r.ward, month: $month, version: 1, figures: $r.figures, frozen_at: $now, state: 'draft',
                     comment: '', created_at: $now
                 } RETURN NONE;
             };
             UPSERT stat_state:fold SET frozen_month = $month RETURN NONE;
             COMMIT TRANSACTION;",
        )
        .bind(("reports", reports.clone()))
        .bind(("month", month.key()))
        .bind(("now", now))
        .await?;
    failed(&mut res, "freezing the month")?;
    Ok(reports.len())
}

/// Writes the city's earlier monthly figures as the submitted reports of those months. A month that has reports
/// already is never overwritten: `Ok(Err(months))` names them (`mm/yyyy`) and nothing is written.
pub async fn import_history(db: &Db, admin: &CityAdmin, rows: &[HistoryRow], now: i64) -> Result<Result<usize, Vec<String>>, DbError> {
    let months: Vec<String> = rows.iter().map(|r| r.month.key()).collect::<BTreeSet<_>>().into_iter().collect();
    let mut res = db
        .query("SELECT VALUE month FROM ward_report WHERE month IN $months GROUP BY month")
        .bind(("months", months.clone()))
        .await?;
    let taken: Vec<String> = res.take(0)?;
    if !taken.is_empty() {
        return Ok(Err(taken.iter().filter_map(|m| Month::parse(m)).map(|m| m.label()).collect()));
    }
    let reports: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "ward": r.ward, "month": r.month.key(), "figures": serde_json::to_string(&r.figures).unwrap_or_default(),
                "mapped_from": r.mapped_from, "approximate": r.approximate,
            })
        })
        .collect();
    let mut res = db
        .query(
            "BEGIN TRANSACTION;
             IF array::len(SELECT VALUE month FROM ward_report WHERE month IN $months LIMIT 1) > 0 {
                 THROW 'a month of this file has reports already';
             };
             FOR $r IN $reports {
                 CREATE type::record('ward_report', [$r.ward, $r.month, 1]) CONTENT {
                     ward: $r.ward, month: $r.month, version: 1, figures: $r.figures, frozen_at: $now, state: 'submitted',
                     comment: '', created_by: type::record('account', $by), created_at: $now,
                     submitted_by: type::record('account', $by), submitted_at: $now, source: 'imported',
                     mapped_from: $r.mapped_from, approximate: $r.approximate
                 } RETURN NONE;
             };
             COMMIT TRANSACTION;",
        )
        .bind(("months", months.clone()))
        .bind(("reports", reports))
        .bind(("by", admin.account_id().to_owned()))
        .bind(("now", now))
        .await?;
    failed(&mut res, "importing earlier figures")?;
    let labels: Vec<String> = rows.iter().map(|r| r.month).collect::<BTreeSet<_>>().iter().map(Month::label).collect();
    audit(db, Some(admin.account_id()), "stats.history", None, &format!("{} reports: {}", rows.len(), labels.join(",")), now).await?;
    Ok(Ok(rows.len()))
}

/// What the server does every few seconds: refresh adults once a day, fold what waits, and freeze the month that
/// ended (once everything before it is folded).
pub async fn tick(db: &Db, units: &UnitDirectory, now: i64) -> Result<(), DbError> {
    let today = Date::from_unix_vietnam(now);
    refresh_adults(db, today).await?;
    let (_, behind) = fold_pass(db, today, 50).await?;
    let mut res = db.query("SELECT frozen_month, behind FROM ONLY stat_state:fold").await?;
    let state: Option<serde_json::Value> = res.take(0)?;
    let state = state.unwrap_or_default();
    if state["behind"].as_bool().unwrap_or(false) != behind {
        db.query("UPSERT stat_state:fold SET behind = $behind RETURN NONE").bind(("behind", behind)).await?.check()?;
    }
    if behind {
        return Ok(());
    }
    let ended = Month::of(today).previous();
    if state["frozen_month"].as_str().and_then(Month::parse).is_none_or(|f| f < ended) {
        let n = freeze(db, units, ended, now).await?;
        if n > 0 {
            tracing::info!(month = %ended.key(), wards = n, "the month's figures are frozen for the ward reports");
        }
    }
    Ok(())
}

/// Runs [`tick`] every `every` for as long as the server runs.
pub async fn fold_loop(db: Db, units: UnitDirectory, every: std::time::Duration) {
    loop {
        if let Err(e) = tick(&db, &units, crate::identity::web::now()).await {
            tracing::error!(error = %e, "updating the statistics failed");
        }
        tokio::time::sleep(every).await;
    }
}

/// Months that have reports, newest first.
pub async fn months(db: &Db) -> Result<Vec<Month>, DbError> {
    let mut res = db.query("SELECT VALUE month FROM ward_report WHERE version = 1 GROUP BY month").await?;
    let all: Vec<String> = res.take(0)?;
    let mut months: Vec<Month> = all.iter().filter_map(|m| Month::parse(m)).collect::<HashSet<_>>().into_iter().collect();
    months.sort_by(|a, b| b.cmp(a));
    Ok(months)
}

/// The newest version of each ward's report for `month`, for the wards the granter sees, with who is late.
pub async fn month_lines(db: &Db, units: &UnitDirectory, granter: &Granter, month: Month, today: Date) -> Result<(Vec<ReportLine>, Option<i64>), DbError> {
    let mut res = db
        .query(format!("SELECT {REPORT_FIELDS} FROM ward_report WHERE month = $month ORDER BY ward, version"))
        .bind(("month", month.key()))
        .await?;
    let rows: Vec<ReportRow> = take_rows(&mut res, 0)?;
    let frozen_at = rows.iter().map(|r| r.frozen_at).min();
    let mut newest: BTreeMap<String, ReportRow> = BTreeMap::new();
    for row in rows.into_iter().filter(|r| in_scope(granter, &r.ward)) {
        newest.insert(row.ward.clone(), row);
    }
    let lines = newest
        .into_values()
        .map(|r| ReportLine {
            name: units.get(&r.ward, UnitsVersion::CURRENT).map(|u| u.name.clone()).unwrap_or_else(|| r.ward.clone()),
            figures: figures_of(&r),
            late: r.state != "submitted" && is_late(month, today),
            submitted_at: r.submitted_at.map(format_time),
            imported: r.imported(),
            approximate: r.approximate.unwrap_or(false),
            version: r.version,
            state: r.state,
            ward: r.ward,
        })
        .collect();
    Ok((lines, frozen_at))
}

/// The city-wide (or the granter's wards') figures per frozen month, oldest first, for the trend chart.
pub async fn trend(db: &Db, granter: &Granter) -> Result<Vec<(Month, Figures)>, DbError> {
    let mut res = db.query(format!("SELECT {REPORT_FIELDS} FROM ward_report ORDER BY month, ward, version")).await?;
    let rows: Vec<ReportRow> = take_rows(&mut res, 0)?;
    let mut newest: BTreeMap<(String, String), ReportRow> = BTreeMap::new();
    for row in rows.into_iter().filter(|r| in_scope(granter, &r.ward)) {
        newest.insert((row.month.clone(), row.ward.clone()), row);
    }
    let mut by_month: BTreeMap<Month, Vec<Figures>> = BTreeMap::new();
    for ((month, _), row) in &newest {
        if let Some(m) = Month::parse(month) {
            by_month.entry(m).or_default().push(figures_of(row));
        }
    }
    Ok(by_month.into_iter().map(|(m, all)| (m, Figures::total(&all))).collect())
}

/// Every version of one ward's report, newest first; None when the granter may not see that ward.
pub async fn versions(db: &Db, granter: &Granter, ward: &str, month: Month) -> Result<Option<Vec<ReportVersion>>, DbError> {
    if !in_scope(granter, ward) {
        return Ok(None);
    }
    let mut res = db
        .query(format!("SELECT {REPORT_FIELDS} FROM ward_report WHERE month = $month AND ward = $ward ORDER BY version DESC"))
        .bind(("month", month.key()))
        .bind(("ward", ward.to_owned()))
        .await?;
    let rows: Vec<ReportRow> = take_rows(&mut res, 0)?;
    Ok(Some(
        rows.iter()
            .map(|r| ReportVersion {
                version: r.version,
                state: r.state.clone(),
                comment: r.comment.clone(),
                reason: r.reason.clone(),
                frozen_at: format_time(r.frozen_at),
                submitted_at: r.submitted_at.map(format_time),
                submitted_by: r.submitted_by.clone(),
                figures: figures_of(r),
                imported: r.imported(),
                mapped_from: r.mapped_from.clone().unwrap_or_default(),
                approximate: r.approximate.unwrap_or(false),
            })
            .collect(),
    ))
}

/// Why a report could not be changed.
#[derive(Debug)]
pub enum ReportError {
    /// Not the granter's ward (or no such report): both look the same.
    NotFound,
    /// Only the ward's own officer writes its report.
    NotOfficer,
    Refused(StatsNotice),
    Db(DbError),
}

impl From<DbError> for ReportError {
    fn from(e: DbError) -> Self {
        ReportError::Db(e)
    }
}

impl From<surrealdb::Error> for ReportError {
    fn from(e: surrealdb::Error) -> Self {
        ReportError::Db(e.into())
    }
}

async fn newest(db: &Db, granter: &Granter, ward: &str, month: Month) -> Result<ReportVersion, ReportError> {
    if !granter.wards().iter().any(|w| w == ward) {
        return Err(if in_scope(granter, ward) { ReportError::NotOfficer } else { ReportError::NotFound });
    }
    versions(db, granter, ward, month).await?.and_then(|v| v.into_iter().next()).ok_or(ReportError::NotFound)
}

/// Saves the officer's comment on the newest draft, and submits it when `submit`. A submitted report is refused.
pub async fn write(db: &Db, granter: &Granter, ward: &str, month: Month, comment: &str, submit: bool, now: i64) -> Result<(), ReportError> {
    let report = newest(db, granter, ward, month).await?;
    if report.state == "submitted" {
        return Err(ReportError::Refused(StatsNotice::AlreadySubmitted));
    }
    if comment.chars().count() > super::MAX_COMMENT_CHARS {
        return Err(ReportError::Refused(StatsNotice::TooLong));
    }
    let mut res = db
        .query(
            "UPDATE type::record('ward_report', [$ward, $month, $version]) SET comment = $comment,
                 saved_by = type::record('account', $by),
                 state = IF $submit { 'submitted' } ELSE { 'draft' },
                 submitted_at = IF $submit { $now } ELSE { NONE },
                 submitted_by = IF $submit { type::record('account', $by) } ELSE { NONE }
             WHERE state = 'draft' RETURN VALUE state",
        )
        .bind(("ward", ward.to_owned()))
        .bind(("month", month.key()))
        .bind(("version", report.version))
        .bind(("comment", comment.trim().to_owned()))
        .bind(("by", granter.account_id().to_owned()))
        .bind(("submit", submit))
        .bind(("now", now))
        .await?;
    let changed: Vec<String> = res.take(0)?;
    if changed.is_empty() {
        return Err(ReportError::Refused(StatsNotice::AlreadySubmitted));
    }
    if submit {
        let detail = format!("{ward} {} v{}", month.key(), report.version);
        audit(db, Some(granter.account_id()), "stats.report_submitted", None, &detail, now).await?;
    }
    Ok(())
}

/// Starts a correction of a submitted report: a new draft version with the same frozen figures, the comment to
/// amend, and the reason.
pub async fn correct(db: &Db, granter: &Granter, ward: &str, month: Month, reason: &str, now: i64) -> Result<(), ReportError> {
    let report = newest(db, granter, ward, month).await?;
    if report.state != "submitted" {
        return Err(ReportError::Refused(StatsNotice::CorrectionStarted));
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ReportError::Refused(StatsNotice::ReasonMissing));
    }
    if reason.chars().count() > super::MAX_COMMENT_CHARS {
        return Err(ReportError::Refused(StatsNotice::TooLong));
    }
    let mut res = db
        .query(
            "LET $old = type::record('ward_report', [$ward, $month, $version]);
             CREATE type::record('ward_report', [$ward, $month, $version + 1]) CONTENT {
                 ward: $ward, month: $month, version: $version + 1, figures: $old.figures, frozen_at: $old.frozen_at,
                 state: 'draft', comment: $old.comment, reason: $reason, created_by: type::record('account', $by),
                 created_at: $now, source: $old.source ?? 'frozen', mapped_from: $old.mapped_from ?? [],
                 approximate: $old.approximate ?? false
             } RETURN NONE;",
        )
        .bind(("ward", ward.to_owned()))
        .bind(("month", month.key()))
        .bind(("version", report.version))
        .bind(("reason", reason.to_owned()))
        .bind(("by", granter.account_id().to_owned()))
        .bind(("now", now))
        .await?;
    failed(&mut res, "starting a correction")?;
    let detail = format!("{ward} {} v{}: {reason}", month.key(), report.version + 1);
    audit(db, Some(granter.account_id()), "stats.report_corrected", None, &detail, now).await?;
    Ok(())
}

#[cfg(test)]
mod tests;
