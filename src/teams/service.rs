//! Assisted registrations, their confirmation, a resident's help, team figures and leaders. Every function takes
//! the caller's guard value ([`Member`], or the access slice's guards), and every query names the team or ward it
//! is confined to.
use serde::Deserialize;

use super::domain::AssistDetails;
use super::{HELP_SECONDS, MemberFigures, RegistrationLine, TeamFigures};
use crate::access::guard::{Granter, Scoped};
use crate::access::{Role, service::audit};
use crate::db::{Db, DbError};
use crate::family::service::new_key;
use crate::identity::domain::{Date, PhoneNumber};
use crate::identity::web::format_time;
use crate::privacy::SeenWhat;
use crate::privacy::service::record_as;

/// Proof that the caller is a member of this team (and works in its ward). Made only by [`Member::of`].
#[derive(Clone, Debug)]
pub struct Member {
    account_id: String,
    team_id: String,
    team_name: String,
    ward: String,
}

impl Member {
    /// The caller's team: `team` when they are a member of it, else the first team they belong to.
    pub async fn of(db: &Db, scoped: &Scoped, team: Option<&str>) -> Result<Option<Member>, DbError> {
        if scoped.role() != Role::TeamMember {
            return Ok(None);
        }
        let team_id = match team.filter(|t| !t.is_empty()) {
            Some(t) if scoped.covers(t) => t.to_owned(),
            Some(_) => return Ok(None),
            None => match scoped.scopes().first() {
                Some(t) => t.clone(),
                None => return Ok(None),
            },
        };
        let mut res = db
            .query("SELECT name, ward FROM ONLY type::record('team', $id)")
            .bind(("id", team_id.clone()))
            .await?;
        #[derive(Deserialize)]
        struct Row {
            name: String,
            ward: String,
        }
        let row: Option<Row> = crate::db::take_row(&mut res, 0)?;
        Ok(row.map(|r| Member { account_id: scoped.account_id().to_owned(), team_id, team_name: r.name, ward: r.ward }))
    }

    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    pub fn team_id(&self) -> &str {
        &self.team_id
    }

    pub fn team_name(&self) -> &str {
        &self.team_name
    }

    pub fn ward(&self) -> &str {
        &self.ward
    }

    #[cfg(test)]
    pub fn for_tests(account_id: &str, team_id: &str, ward: &str) -> Self {
        Member { account_id: account_id.into(), team_id: team_id.into(), team_name: "Tổ 1".into(), ward: ward.into() }
    }
}

#[derive(Debug)]
pub enum AssistError {
    /// The resident's phone number has an account already.
    PhoneTaken,
    /// The resident's ID number has an account already.
    CitizenIdTaken,
    /// Family member n (from 1) has an account already.
    DependantTaken(usize),
    Db(DbError),
}

impl From<DbError> for AssistError {
    fn from(e: DbError) -> Self {
        AssistError::Db(e)
    }
}

impl From<surrealdb::Error> for AssistError {
    fn from(e: surrealdb::Error) -> Self {
        AssistError::Db(DbError::Query(e))
    }
}

/// What a registration sent to the server became.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Registered {
    /// New: the accounts exist (pending) and the resident's code is to be sent.
    Created { id: String, phone: PhoneNumber },
    /// The same key was received before: nothing new; its id and state.
    Again { id: String, state: String },
}

async fn by_key(db: &Db, member: &Member, key: &str) -> Result<Option<(String, String)>, DbError> {
    if key.is_empty() {
        return Ok(None);
    }
    let mut res = db
        .query(
            "SELECT meta::id(id) AS id, state FROM assisted
             WHERE member = type::record('account', $member) AND key = $key LIMIT 1",
        )
        .bind(("member", member.account_id.clone()))
        .bind(("key", key.to_owned()))
        .await?;
    #[derive(Deserialize)]
    struct Row {
        id: String,
        state: String,
    }
    let rows: Vec<Row> = crate::db::take_rows(&mut res, 0)?;
    Ok(rows.into_iter().next().map(|r| (r.id, r.state)))
}

/// Registers a resident (pending until they confirm) and their family members under them, in one transaction.
/// The same device key twice gives the first registration back (a retry after a dropped connection, a queue sent
/// twice); a resident who has an account already is a conflict, never a second account.
pub async fn register(db: &Db, member: &Member, d: &AssistDetails, now: i64) -> Result<Registered, AssistError> {
    if let Some((id, state)) = by_key(db, member, &d.key).await? {
        return Ok(Registered::Again { id, state });
    }
    let dependant_ids: Vec<String> = d.dependants.iter().filter_map(|x| x.citizen_id.as_ref()).map(|c| c.as_str().to_owned()).collect();
    let mut res = db
        .query(
            "RETURN count(SELECT VALUE id FROM account WHERE phone = $phone);
             RETURN count(SELECT VALUE id FROM account WHERE citizen_id = $cid);
             SELECT VALUE citizen_id FROM account WHERE citizen_id IN $dependants;",
        )
        .bind(("phone", d.resident.phone.e164().to_owned()))
        .bind(("cid", d.resident.citizen_id.as_str().to_owned()))
        .bind(("dependants", dependant_ids))
        .await?;
    let phones: Option<i64> = res.take(0)?;
    let ids: Option<i64> = res.take(1)?;
    let taken: Vec<String> = res.take(2)?;
    if phones.unwrap_or(0) > 0 {
        return Err(AssistError::PhoneTaken);
    }
    if ids.unwrap_or(0) > 0 {
        return Err(AssistError::CitizenIdTaken);
    }
    if let Some(n) = d.dependants.iter().position(|x| x.citizen_id.as_ref().is_some_and(|c| taken.iter().any(|t| t == c.as_str()))) {
        return Err(AssistError::DependantTaken(n + 1));
    }
    let resident = new_key()?;
    let id = new_key()?;
    let key = if d.key.is_empty() { new_key()? } else { d.key.clone() };
    let mut deps = Vec::new();
    for x in &d.dependants {
        deps.push(serde_json::json!({
            "id": new_key()?,
            "cid": x.citizen_id.as_ref().map(|c| c.as_str().to_owned()).unwrap_or_default(),
            "name": x.full_name.as_str(),
            "folded": x.full_name.folded(),
            "birth": x.birth_date.iso(),
            "sex": x.sex.as_str(),
            "kind": x.relation.as_str(),
        }));
    }
    let mut res = db
        .query(
            "BEGIN TRANSACTION;
             CREATE type::record('account', $resident) CONTENT {
                 phone: $phone, citizen_id: $cid, full_name: $name, name_folded: $folded, birth_date: $birth,
                 sex: $sex, level: 1, consent_at: $consent, created_at: $now, status: 'pending'
             } RETURN NONE;
             UPSERT type::record('profile', $resident) CONTENT {
                 current_unit: $ward, current_street: IF $street { $street } ELSE { NONE }, updated_at: $now
             } RETURN NONE;
             CREATE type::record('assisted', $id) CONTENT {
                 key: $key, member: type::record('account', $member), team: type::record('team', $team), ward: $ward,
                 resident: type::record('account', $resident), dependants: [], state: 'pending',
                 consent_at: $consent, recorded_at: $consent, created_at: $now
             } RETURN NONE;
             FOR $d IN $deps {
                 LET $to = type::record('account', $d.id);
                 CREATE $to CONTENT {
                     citizen_id: IF $d.cid { $d.cid } ELSE { NONE }, full_name: $d.name, name_folded: $d.folded,
                     birth_date: $d.birth, sex: $d.sex, level: 1, consent_at: $consent, created_at: $now,
                     status: 'pending'
                 } RETURN NONE;
                 UPSERT type::record('profile', $d.id) CONTENT {
                     current_unit: $ward, current_street: IF $street { $street } ELSE { NONE }, updated_at: $now
                 } RETURN NONE;
                 LET $from = type::record('account', $resident);
                 RELATE $from->guardian_of->$to CONTENT { kind: $d.kind, can_manage: true, created_at: $now } RETURN NONE;
                 UPDATE type::record('assisted', $id) SET dependants += $to RETURN NONE;
             };
             COMMIT TRANSACTION;",
        )
        .bind(("resident", resident.clone()))
        .bind(("id", id.clone()))
        .bind(("key", key))
        .bind(("member", member.account_id.clone()))
        .bind(("team", member.team_id.clone()))
        .bind(("ward", member.ward.clone()))
        .bind(("phone", d.resident.phone.e164().to_owned()))
        .bind(("cid", d.resident.citizen_id.as_str().to_owned()))
        .bind(("name", d.resident.full_name.as_str().to_owned()))
        .bind(("folded", d.resident.full_name.folded()))
        .bind(("birth", d.resident.birth_date.iso()))
        .bind(("sex", d.resident.sex.as_str()))
        .bind(("street", d.street.clone().unwrap_or_default()))
        .bind(("consent", d.recorded_at))
        .bind(("deps", serde_json::Value::Array(deps)))
        .bind(("now", now))
        .await?;
    let errors = res.take_errors();
    if !errors.is_empty() {
        // the same registration may have arrived twice at once (whichever index refused it): the other request made it
        if let Some((id, state)) = by_key(db, member, &d.key).await? {
            return Ok(Registered::Again { id, state });
        }
        // an index error quotes the value it refused (a phone, an ID number): only the part before it is kept
        let messages: Vec<String> =
            errors.values().map(|e| e.message().split('\'').next().unwrap_or_default().to_owned()).collect();
        return Err(if messages.iter().any(|m| m.contains("account_phone")) {
            AssistError::PhoneTaken
        } else if messages.iter().any(|m| m.contains("account_citizen_id")) {
            AssistError::CitizenIdTaken
        } else {
            AssistError::Db(DbError::Migration { name: "assisted registration", cause: messages.join("; ") })
        });
    }
    record_as(db, &resident, &member.account_id, "helper", SeenWhat::Registered, &member.team_name, now).await?;
    audit(db, Some(&member.account_id), "assisted_registration", Some(&resident), &format!("{id}:{}", member.team_id), now)
        .await?;
    Ok(Registered::Created { id, phone: d.resident.phone.clone() })
}

#[derive(Deserialize)]
struct LineRow {
    id: String,
    name: String,
    phone: Option<String>,
    member_name: Option<String>,
    state: String,
    dependants: Vec<String>,
    created_at: i64,
    confirmed_at: Option<i64>,
}

const LINE: &str = "SELECT meta::id(id) AS id, resident.full_name AS name, resident.phone AS phone,
        member.full_name AS member_name, state, dependants.full_name AS dependants, created_at, confirmed_at
    FROM assisted";

fn line(r: LineRow) -> RegistrationLine {
    RegistrationLine {
        id: r.id,
        name: r.name,
        phone_masked: r.phone.and_then(|p| PhoneNumber::parse(&p).ok()).map(|p| p.masked()).unwrap_or_default(),
        member_name: r.member_name.unwrap_or_default(),
        state: r.state,
        dependants: r.dependants,
        created: format_time(r.created_at),
        confirmed: r.confirmed_at.map(format_time),
    }
}

/// A registration of the member's team (`None` for any other: not found and not theirs look the same), with the
/// resident's phone for sending their code.
pub async fn registration(db: &Db, member: &Member, id: &str) -> Result<Option<(RegistrationLine, Option<PhoneNumber>)>, DbError> {
    if !crate::family::service::is_record_key(id) {
        return Ok(None);
    }
    let mut res = db
        .query(format!("{LINE} WHERE id = type::record('assisted', $id) AND team = type::record('team', $team)"))
        .bind(("id", id.to_owned()))
        .bind(("team", member.team_id.clone()))
        .await?;
    let rows: Vec<LineRow> = crate::db::take_rows(&mut res, 0)?;
    Ok(rows.into_iter().next().map(|r| {
        let phone = r.phone.as_deref().and_then(|p| PhoneNumber::parse(p).ok());
        (line(r), phone)
    }))
}

/// The team's latest registrations.
pub async fn recent(db: &Db, member: &Member, limit: i64) -> Result<Vec<RegistrationLine>, DbError> {
    let mut res = db
        .query(format!("{LINE} WHERE team = type::record('team', $team) ORDER BY created_at DESC LIMIT $limit"))
        .bind(("team", member.team_id.clone()))
        .bind(("limit", limit))
        .await?;
    let rows: Vec<LineRow> = crate::db::take_rows(&mut res, 0)?;
    Ok(rows.into_iter().map(line).collect())
}

const ACTIVATE: &str = "
    UPDATE $a.resident SET status = 'active' RETURN NONE;
    FOR $d IN $a.dependants { UPDATE $d SET status = 'active' RETURN NONE; };
    UPDATE $a.id SET state = 'confirmed', confirmed_at = $now, confirmed_how = $how RETURN NONE;";

/// The resident read out the code sent to their phone (checked by the caller): their account and their family
/// members' become usable. False when the registration is not this team's or not pending.
pub async fn confirm(db: &Db, member: &Member, id: &str, now: i64) -> Result<bool, DbError> {
    if !crate::family::service::is_record_key(id) {
        return Ok(false);
    }
    let mut res = db
        .query(format!(
            "BEGIN TRANSACTION;
             LET $a = (SELECT id, resident, dependants FROM assisted
                 WHERE id = type::record('assisted', $id) AND team = type::record('team', $team) AND state = 'pending')[0];
             IF $a = NONE {{ RETURN false; }};
             {ACTIVATE}
             RETURN true;
             COMMIT TRANSACTION;"
        ))
        .bind(("id", id.to_owned()))
        .bind(("team", member.team_id.clone()))
        .bind(("how", "code_to_member"))
        .bind(("now", now))
        .await?;
    let errors = res.take_errors();
    if let Some(e) = errors.values().next() {
        return Err(DbError::Migration { name: "confirm registration", cause: e.message().to_owned() });
    }
    let confirmed = last_value::<bool>(&mut res).unwrap_or(false);
    if confirmed {
        audit(db, Some(&member.account_id), "assisted_confirmed", None, id, now).await?;
    }
    Ok(confirmed)
}

/// The value of the last statement of a multi-statement query that gives one (a transaction's `RETURN`).
fn last_value<T: surrealdb::types::SurrealValue>(res: &mut surrealdb::IndexedResults) -> Option<T> {
    let n = res.num_statements();
    (0..n).rev().find_map(|i| res.take::<Option<T>>(i).ok().flatten())
}

/// The owner of a pending account signed in with the code sent to their own phone: the account (and the family
/// members registered with it) become usable. Nothing happens for an account that is not pending.
pub async fn confirm_own(db: &Db, account_id: &str, now: i64) -> Result<(), DbError> {
    db.query(format!(
        "BEGIN TRANSACTION;
         LET $me = type::record('account', $account);
         IF $me.status = 'pending' {{
             UPDATE $me SET status = 'active' RETURN NONE;
             FOR $a IN (SELECT id, resident, dependants FROM assisted WHERE resident = $me AND state = 'pending') {{
                 LET $a = $a;
                 {ACTIVATE}
             }};
         }};
         COMMIT TRANSACTION;"
    ))
    .bind(("account", account_id.to_owned()))
    .bind(("how", "own_sign_in"))
    .bind(("now", now))
    .await?
    .check()?;
    Ok(())
}

/// Days a pending account (registered by a team member or an organization) waits for its owner to confirm it.
/// After that it is deleted with its family members, so that a registration nobody confirmed cannot hold a
/// person's phone number or ID number for good.
pub const PENDING_DAYS: i64 = 30;

/// Deletes the accounts still pending that were made before `before` (with their profiles, the family links and
/// invitations made with them, and the team's registration of them); returns how many accounts went.
pub async fn expire_pending(db: &Db, before: i64) -> Result<usize, DbError> {
    let mut res = db
        .query(
            "BEGIN TRANSACTION;
             LET $old = SELECT VALUE id FROM account WHERE status = 'pending' AND created_at < $before;
             DELETE assisted WHERE resident IN $old;
             DELETE guardian_of WHERE in IN $old OR out IN $old;
             DELETE employee_of WHERE in IN $old;
             DELETE data_access WHERE subject IN $old;
             FOR $a IN $old { DELETE type::record('profile', meta::id($a)); };
             DELETE account WHERE id IN $old;
             RETURN array::len($old);
             COMMIT TRANSACTION;",
        )
        .bind(("before", before))
        .await?;
    let errors = res.take_errors();
    if let Some(e) = errors.values().next() {
        return Err(DbError::Migration { name: "expire pending accounts", cause: e.message().to_owned() });
    }
    Ok(last_value::<i64>(&mut res).unwrap_or(0) as usize)
}

/// An active account with this phone whose current or permanent address is in the member's ward. Anyone else
/// (no account, another ward, pending) is `None`, and the caller answers them all the same way.
pub async fn resident_in_ward(db: &Db, member: &Member, phone: &PhoneNumber) -> Result<Option<String>, DbError> {
    let mut res = db
        .query(
            "LET $a = (SELECT VALUE id FROM account WHERE phone = $phone AND status = 'active' LIMIT 1)[0];
             LET $p = IF $a { (SELECT current_unit, permanent_unit FROM ONLY type::record('profile', meta::id($a))) } ELSE { NONE };
             RETURN IF $a AND ($p.current_unit = $ward OR $p.permanent_unit = $ward) { meta::id($a) } ELSE { NONE };",
        )
        .bind(("phone", phone.e164().to_owned()))
        .bind(("ward", member.ward.clone()))
        .await?;
    let n = res.num_statements();
    Ok(res.take::<Option<String>>(n - 1)?)
}

/// The resident read out their code: the member may read and update their profile for an hour (a `helper` edge,
/// which opens nothing else), and the resident's "who saw my data" says so.
pub async fn grant_help(db: &Db, member: &Member, resident: &str, now: i64) -> Result<(), DbError> {
    db.query(
        "LET $from = type::record('account', $member);
         LET $to = type::record('account', $resident);
         UPDATE guardian_of SET revoked_at = $now, revoked_by = $from
             WHERE in = $from AND out = $to AND kind = 'helper' AND revoked_at = NONE RETURN NONE;
         RELATE $from->guardian_of->$to CONTENT { kind: 'helper', can_manage: true, until: $until, created_at: $now } RETURN NONE;",
    )
    .bind(("member", member.account_id.clone()))
    .bind(("resident", resident.to_owned()))
    .bind(("until", now + HELP_SECONDS))
    .bind(("now", now))
    .await?
    .check()?;
    record_as(db, resident, &member.account_id, "helper", SeenWhat::HelpGiven, &member.team_name, now).await?;
    audit(db, Some(&member.account_id), "help_granted", Some(resident), &member.team_id, now).await?;
    Ok(())
}

/// Start of today, of this week (Monday) and of this month, in Vietnam (Unix seconds).
pub fn periods(now: i64) -> (i64, i64, i64) {
    let today = Date::from_unix_vietnam(now);
    let day = today.start_unix_vietnam();
    // 1970-01-01 was a Thursday: days since a Monday
    let weekday = ((day + 7 * 3600) / 86_400 + 3).rem_euclid(7);
    let week = day - weekday * 86_400;
    let month = Date::new(today.year, today.month, 1).map(|d| d.start_unix_vietnam()).unwrap_or(day);
    (day, week, month)
}

#[derive(Deserialize)]
struct CountRow {
    team: String,
    member: String,
    #[serde(default)]
    today: i64,
    #[serde(default)]
    week: i64,
    #[serde(default)]
    month: i64,
    #[serde(default)]
    pending: i64,
}

#[derive(Deserialize)]
struct MemberRow {
    team: String,
    id: String,
    name: String,
}

/// Figures of these teams (id, name, ward name, leader), per member; grouped in the database (one row per team
/// and member), so a dashboard never reads every registration.
pub async fn figures(db: &Db, teams: &[(String, String, String, Option<String>)], now: i64) -> Result<Vec<TeamFigures>, DbError> {
    let (day, week, month) = periods(now);
    let ids: Vec<String> = teams.iter().map(|t| t.0.clone()).collect();
    let mut res = db
        .query(
            "LET $teams = array::map($ids, |$t| type::record('team', $t));
             SELECT meta::id(team) AS team, meta::id(member) AS member, count(created_at >= $month) AS month,
                 count(created_at >= $week) AS week, count(created_at >= $day) AS today
             FROM assisted WHERE team IN $teams AND created_at >= $since GROUP BY team, member;
             SELECT meta::id(team) AS team, meta::id(member) AS member, count() AS pending
             FROM assisted WHERE team IN $teams AND state = 'pending' GROUP BY team, member;
             SELECT scope AS team, meta::id(account) AS id, account.full_name AS name FROM role_grant
             WHERE role = 'team_member' AND scope IN $ids AND revoked_at = NONE;",
        )
        .bind(("ids", ids))
        .bind(("day", day))
        .bind(("week", week))
        .bind(("month", month))
        .bind(("since", week.min(month)))
        .await?;
    let counts: Vec<CountRow> = crate::db::take_rows(&mut res, 1)?;
    let pending: Vec<CountRow> = crate::db::take_rows(&mut res, 2)?;
    let members: Vec<MemberRow> = crate::db::take_rows(&mut res, 3)?;
    let mut out = Vec::new();
    for (id, name, ward_name, leader) in teams {
        let mut people: Vec<MemberFigures> = members
            .iter()
            .filter(|m| &m.team == id)
            .map(|m| MemberFigures {
                account_id: m.id.clone(),
                name: m.name.clone(),
                leader: leader.as_deref() == Some(m.id.as_str()),
                ..MemberFigures::default()
            })
            .collect();
        for c in counts.iter().chain(pending.iter()).filter(|c| &c.team == id) {
            let i = match people.iter().position(|p| p.account_id == c.member) {
                Some(i) => i,
                None => {
                    // a former member: their work still counts for the team
                    people.push(MemberFigures { account_id: c.member.clone(), ..MemberFigures::default() });
                    people.len() - 1
                }
            };
            let p = &mut people[i];
            p.today += c.today;
            p.week += c.week;
            p.month += c.month;
            p.pending += c.pending;
        }
        people.sort_by(|a, b| b.leader.cmp(&a.leader).then(b.month.cmp(&a.month)).then(a.name.cmp(&b.name)));
        out.push(TeamFigures {
            id: id.clone(),
            name: name.clone(),
            ward_name: ward_name.clone(),
            today: people.iter().map(|p| p.today).sum(),
            week: people.iter().map(|p| p.week).sum(),
            month: people.iter().map(|p| p.month).sum(),
            pending: people.iter().map(|p| p.pending).sum(),
            members: people,
        });
    }
    Ok(out)
}

/// Teams with their leader: of some wards, or all.
pub async fn teams_with_leader(db: &Db, wards: Option<&[String]>, ids: Option<&[String]>) -> Result<Vec<(String, String, String, Option<String>)>, DbError> {
    let filter = match (wards, ids) {
        (_, Some(_)) => "WHERE meta::id(id) IN $ids",
        (Some(_), None) => "WHERE ward IN $wards",
        (None, None) => "",
    };
    let mut res = db
        .query(format!(
            "SELECT meta::id(id) AS id, name, ward, IF leader {{ meta::id(leader) }} ELSE {{ NONE }} AS leader FROM team {filter} ORDER BY ward, name"
        ))
        .bind(("wards", wards.map(<[String]>::to_vec).unwrap_or_default()))
        .bind(("ids", ids.map(<[String]>::to_vec).unwrap_or_default()))
        .await?;
    #[derive(Deserialize)]
    struct Row {
        id: String,
        name: String,
        ward: String,
        leader: Option<String>,
    }
    let rows: Vec<Row> = crate::db::take_rows(&mut res, 0)?;
    Ok(rows.into_iter().map(|r| (r.id, r.name, r.ward, r.leader)).collect())
}

/// Names a team's leader (one of its members). The city administrator, or an officer of the team's ward.
pub async fn set_leader(db: &Db, by: &Granter, team: &str, account: &str, now: i64) -> Result<bool, DbError> {
    if !crate::family::service::is_record_key(team) || !crate::family::service::is_record_key(account) {
        return Ok(false);
    }
    let Some(ward) = crate::access::service::team_ward(db, team).await? else { return Ok(false) };
    if !crate::access::domain::may_manage_ward(by.grants(), &ward) {
        return Ok(false);
    }
    let mut res = db
        .query(
            "IF array::len(SELECT id FROM role_grant WHERE account = type::record('account', $account)
                    AND role = 'team_member' AND scope = $team AND revoked_at = NONE) = 0 { RETURN false; };
             UPDATE type::record('team', $team) SET leader = type::record('account', $account) RETURN NONE;
             RETURN true;",
        )
        .bind(("team", team.to_owned()))
        .bind(("account", account.to_owned()))
        .await?;
    let done = last_value::<bool>(&mut res).unwrap_or(false);
    if done {
        audit(db, Some(by.account_id()), "team_leader_set", Some(account), team, now).await?;
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::connect_memory;
    use crate::teams::domain::validate;
    use crate::teams::{AssistInput, DependantInput};

    const NOW: i64 = 1_795_489_200;

    async fn team(db: &Db, ward: &str) -> String {
        let mut res = db
            .query("CREATE ONLY team CONTENT { name: 'Tổ 1', ward: $ward, created_at: 0 } RETURN VALUE meta::id(id)")
            .bind(("ward", ward.to_owned()))
            .await
            .expect("team");
        res.take::<Option<String>>(0).expect("id").expect("id")
    }

    fn input(key: &str, phone: &str, cid: &str) -> AssistInput {
        AssistInput {
            key: key.into(),
            full_name: "Trần Thị Lan".into(),
            citizen_id: cid.into(),
            birth_date: "02/03/1986".into(),
            sex: "female".into(),
            phone: phone.into(),
            street: "12 Lê Duẩn".into(),
            consent: true,
            recorded_at: String::new(),
            dependants: vec![DependantInput {
                full_name: "Nguyễn Bé Na".into(),
                birth_date: "01/06/2019".into(),
                sex: "female".into(),
                citizen_id: String::new(),
                relation: "parent".into(),
            }],
        }
    }

    async fn status(db: &Db, phone: &str) -> Option<String> {
        let mut res = db.query("SELECT VALUE status FROM account WHERE phone = $p").bind(("p", phone.to_owned())).await.expect("q");
        res.take::<Vec<String>>(0).expect("rows").into_iter().next()
    }

    #[tokio::test]
    async fn a_registration_is_pending_once_and_the_same_key_never_makes_a_second() {
        let db = connect_memory().await.expect("db");
        let t = team(&db, "20194").await;
        let member_id = crate::family::service::tests::adult(&db, "+84905000111", "048090000111", "Lê Văn Tổ").await;
        let member = Member::for_tests(&member_id, &t, "20194");
        let details = validate(&input("key-0000000000000001", "0905123456", "048186000123"), NOW).expect("valid");
        let first = register(&db, &member, &details, NOW).await.expect("first");
        let Registered::Created { id, .. } = first else { panic!("created") };
        // the same queue sent again, and the same key at once from two requests
        let (a, b) = tokio::join!(register(&db, &member, &details, NOW + 5), register(&db, &member, &details, NOW + 5));
        for again in [a, b] {
            assert_eq!(again.expect("again"), Registered::Again { id: id.clone(), state: "pending".into() });
        }
        let mut res = db.query("RETURN count(SELECT id FROM account WHERE phone = '+84905123456'); RETURN count(SELECT id FROM assisted); RETURN count(SELECT id FROM guardian_of)").await.expect("q");
        assert_eq!(res.take::<Option<i64>>(0).expect("n"), Some(1));
        assert_eq!(res.take::<Option<i64>>(1).expect("n"), Some(1));
        assert_eq!(res.take::<Option<i64>>(2).expect("n"), Some(1));
        assert_eq!(status(&db, "+84905123456").await.as_deref(), Some("pending"));
        // another key with the same resident: a conflict, not a second account
        let other = validate(&input("key-0000000000000002", "0905123456", "048186000123"), NOW).expect("valid");
        assert!(matches!(register(&db, &member, &other, NOW).await, Err(AssistError::PhoneTaken)));
        let other = validate(&input("key-0000000000000003", "0905999999", "048186000123"), NOW).expect("valid");
        assert!(matches!(register(&db, &member, &other, NOW).await, Err(AssistError::CitizenIdTaken)));
        // the resident's "who saw my data" names the team
        let mut res = db.query("SELECT VALUE what FROM data_access WHERE subject.phone = '+84905123456'").await.expect("q");
        assert_eq!(res.take::<Vec<String>>(0).expect("rows"), vec!["registered".to_owned()]);
    }

    #[tokio::test]
    async fn confirming_activates_the_family_and_only_the_team_may() {
        let db = connect_memory().await.expect("db");
        let t = team(&db, "20194").await;
        let other_team = team(&db, "20200").await;
        let member_id = crate::family::service::tests::adult(&db, "+84905000111", "048090000111", "Lê Văn Tổ").await;
        let member = Member::for_tests(&member_id, &t, "20194");
        let stranger = Member::for_tests(&member_id, &other_team, "20200");
        let details = validate(&input("key-0000000000000001", "0905123456", "048186000123"), NOW).expect("valid");
        let Registered::Created { id, .. } = register(&db, &member, &details, NOW).await.expect("reg") else { panic!() };
        assert!(registration(&db, &stranger, &id).await.expect("q").is_none());
        assert!(!confirm(&db, &stranger, &id, NOW).await.expect("q"));
        assert_eq!(status(&db, "+84905123456").await.as_deref(), Some("pending"));
        assert!(confirm(&db, &member, &id, NOW + 60).await.expect("q"));
        assert!(!confirm(&db, &member, &id, NOW + 61).await.expect("q"), "once");
        assert_eq!(status(&db, "+84905123456").await.as_deref(), Some("active"));
        let mut res = db.query("SELECT VALUE status FROM account WHERE phone = NONE").await.expect("q");
        assert_eq!(res.take::<Vec<String>>(0).expect("rows"), vec!["active".to_owned()]);
        let (line, _) = registration(&db, &member, &id).await.expect("q").expect("line");
        assert_eq!(line.state, "confirmed");
        assert_eq!(line.dependants, vec!["Nguyễn Bé Na".to_owned()]);
    }

    #[tokio::test]
    async fn signing_in_confirms_ones_own_pending_account() {
        let db = connect_memory().await.expect("db");
        let t = team(&db, "20194").await;
        let member_id = crate::family::service::tests::adult(&db, "+84905000111", "048090000111", "Lê Văn Tổ").await;
        let member = Member::for_tests(&member_id, &t, "20194");
        let details = validate(&input("key-0000000000000001", "0905123456", "048186000123"), NOW).expect("valid");
        let Registered::Created { id, .. } = register(&db, &member, &details, NOW).await.expect("reg") else { panic!() };
        let resident = crate::identity::account::find_by_phone(&db, &PhoneNumber::parse("0905123456").expect("p")).await.expect("q").expect("id");
        confirm_own(&db, &resident, NOW + 100).await.expect("confirm");
        confirm_own(&db, &member_id, NOW + 100).await.expect("an active account: nothing happens");
        assert_eq!(status(&db, "+84905123456").await.as_deref(), Some("active"));
        assert_eq!(registration(&db, &member, &id).await.expect("q").expect("line").0.state, "confirmed");
    }

    #[tokio::test]
    async fn a_registration_nobody_confirms_goes_after_its_time_and_frees_the_numbers() {
        let db = connect_memory().await.expect("db");
        let t = team(&db, "20194").await;
        let member_id = crate::family::service::tests::adult(&db, "+84905000111", "048090000111", "Lê Văn Tổ").await;
        let member = Member::for_tests(&member_id, &t, "20194");
        let old = validate(&input("key-0000000000000001", "0905123456", "048186000123"), NOW).expect("valid");
        let Registered::Created { .. } = register(&db, &member, &old, NOW).await.expect("reg") else { panic!() };
        let kept = validate(&input("key-0000000000000002", "0905123457", "048186000124"), NOW).expect("valid");
        let Registered::Created { id: kept_id, .. } = register(&db, &member, &kept, NOW + 86_400).await.expect("reg") else { panic!() };
        let confirmed = validate(&input("key-0000000000000003", "0905123458", "048186000125"), NOW).expect("valid");
        let Registered::Created { id: confirmed_id, .. } = register(&db, &member, &confirmed, NOW).await.expect("reg") else { panic!() };
        assert!(confirm(&db, &member, &confirmed_id, NOW + 10).await.expect("confirm"));
        // the first and its child go; the younger pending one and the confirmed family stay; the member stays
        assert_eq!(expire_pending(&db, NOW + 1).await.expect("expire"), 2);
        let mut res = db
            .query("RETURN count(SELECT id FROM account); RETURN count(SELECT id FROM assisted); RETURN count(SELECT id FROM guardian_of); RETURN count(SELECT id FROM profile)")
            .await
            .expect("q");
        assert_eq!(res.take::<Option<i64>>(0).expect("n"), Some(5), "member + 2 residents + 2 children");
        assert_eq!(res.take::<Option<i64>>(1).expect("n"), Some(2));
        assert_eq!(res.take::<Option<i64>>(2).expect("n"), Some(2));
        assert_eq!(res.take::<Option<i64>>(3).expect("n"), Some(4));
        assert!(registration(&db, &member, &kept_id).await.expect("q").is_some());
        // the numbers are free again: the same resident can be registered anew
        let again = validate(&input("key-0000000000000004", "0905123456", "048186000123"), NOW).expect("valid");
        assert!(matches!(register(&db, &member, &again, NOW + 2).await, Ok(Registered::Created { .. })));
    }

    #[tokio::test]
    async fn figures_count_per_member_and_period_and_help_stays_in_the_ward() {
        let db = connect_memory().await.expect("db");
        let t = team(&db, "20194").await;
        let member_id = crate::family::service::tests::adult(&db, "+84905000111", "048090000111", "Lê Văn Tổ").await;
        db.query("CREATE role_grant CONTENT { account: type::record('account', $a), role: 'team_member', scope: $t, granted_at: 0 }")
            .bind(("a", member_id.clone()))
            .bind(("t", t.clone()))
            .await
            .expect("grant");
        let member = Member::for_tests(&member_id, &t, "20194");
        let (day, _, month) = periods(NOW);
        for (i, (phone, cid)) in [("0905123451", "048186000121"), ("0905123452", "048186000122")].into_iter().enumerate() {
            let details = validate(&input(&format!("key-000000000000000{i}"), phone, cid), NOW).expect("valid");
            let at = if i == 0 { NOW } else { month - 86_400 };
            register(&db, &member, &details, at).await.expect("reg");
        }
        let figures = figures(&db, &[(t.clone(), "Tổ 1".into(), "Hải Châu".into(), Some(member_id.clone()))], NOW).await.expect("figures");
        let f = &figures[0];
        assert_eq!((f.today, f.month, f.pending), (1, 1, 2));
        assert_eq!(f.members.len(), 1);
        assert!(f.members[0].leader);
        assert!(day >= month);
        // help: a resident of the ward, only once they are active
        let phone = PhoneNumber::parse("0905123451").expect("p");
        assert!(resident_in_ward(&db, &member, &phone).await.expect("q").is_none(), "pending");
        let resident = crate::identity::account::find_by_phone(&db, &phone).await.expect("q").expect("id");
        confirm_own(&db, &resident, NOW).await.expect("confirm");
        assert_eq!(resident_in_ward(&db, &member, &phone).await.expect("q"), Some(resident.clone()));
        let elsewhere = Member::for_tests(&member_id, &t, "20200");
        assert!(resident_in_ward(&db, &elsewhere, &phone).await.expect("q").is_none());
        grant_help(&db, &member, &resident, NOW).await.expect("help");
        use crate::family::service::{Access, subject};
        assert!(subject(&db, &member_id, Some(&resident), Access::ManageProfile, NOW + 10).await.expect("q").is_some());
        assert!(subject(&db, &member_id, Some(&resident), Access::Read, NOW + 10).await.expect("q").is_none(), "profile only");
        assert!(subject(&db, &member_id, Some(&resident), Access::ReadProfile, NOW + HELP_SECONDS + 1).await.expect("q").is_none(), "an hour");
    }

    #[test]
    fn periods_start_in_vietnam_on_monday_and_the_first() {
        // Tuesday 24/11/2026 10:00 in Vietnam
        let (day, week, month) = periods(NOW);
        assert_eq!(Date::from_unix_vietnam(day).dmy(), "24/11/2026");
        assert_eq!(Date::from_unix_vietnam(week).dmy(), "23/11/2026");
        assert_eq!(Date::from_unix_vietnam(month).dmy(), "01/11/2026");
        assert_eq!(day - week, 86_400);
    }
}
