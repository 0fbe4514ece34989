//! Guardianship edges and the [`Subject`] guard: whose data a request may read or change. A page that takes
//! `?for=<id>` gets a `Subject` from [`subject`], which checks the live edge (not revoked, not expired) inside the
//! query; the services of the profile, the vault and the QR code take a `Subject`, never a bare id from a form.
use serde::Deserialize;

use super::{CHILD_MAX_AGE, ChildInput, DELEGATION_MAX_DAYS, DelegateInput, DependantLine, GuardianLine, Relation};
use super::ActingFor;
use crate::db::{Db, DbError};
use crate::identity::domain::{CitizenId, Date, FullName, PhoneNumber, Sex};
use crate::identity::{Field, Problem};

/// What a request needs to do with the person's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Read anything of the person's (a helper's edge does not count).
    Read,
    /// Change anything of the person's (a helper's edge does not count).
    Manage,
    /// Read the profile: a helper's edge counts too.
    ReadProfile,
    /// Change the profile: a helper's edge counts too.
    ManageProfile,
}

/// Proof that `actor` may read (or manage, when asked) `id`'s data: oneself, or through a live edge. Made only by
/// [`subject`] (and [`Subject::own`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    actor: String,
    id: String,
    acting: Option<ActingFor>,
}

impl Subject {
    /// The signed-in person acting for themselves.
    pub fn own(account_id: &str) -> Self {
        Subject { actor: account_id.to_owned(), id: account_id.to_owned(), acting: None }
    }

    /// Whose data.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Who is asking.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    pub fn is_self(&self) -> bool {
        self.acting.is_none()
    }

    pub fn acting(&self) -> Option<ActingFor> {
        self.acting.clone()
    }

    /// The role a read is recorded under in the person's "who saw my data".
    pub fn role(&self) -> Option<&'static str> {
        self.acting.as_ref().map(|a| match a.relation {
            Relation::Parent | Relation::Guardian => "guardian",
            Relation::Delegate => "delegate",
            Relation::Helper => "helper",
        })
    }
}

#[derive(Deserialize)]
struct EdgeRow {
    name: String,
    kind: String,
    can_manage: bool,
}

/// Whose data a request by `actor` is about: `for_id` when a live edge lets `actor` do `need` for them, oneself
/// when `for_id` is absent (or oneself). `None`: not allowed (or no such person), which callers answer with 403
/// whether the id exists or not.
pub async fn subject(
    db: &Db,
    actor: &str,
    for_id: Option<&str>,
    need: Access,
    now: i64,
) -> Result<Option<Subject>, DbError> {
    let Some(for_id) = for_id.filter(|f| !f.is_empty() && *f != actor) else {
        return Ok(Some(Subject::own(actor)));
    };
    if !is_record_key(for_id) {
        return Ok(None);
    }
    let mut res = db
        .query(
            "SELECT out.full_name AS name, kind, can_manage FROM guardian_of
             WHERE in = type::record('account', $actor) AND out = type::record('account', $subject)
               AND revoked_at = NONE AND (until = NONE OR until > $now)
             LIMIT 1",
        )
        .bind(("actor", actor.to_owned()))
        .bind(("subject", for_id.to_owned()))
        .bind(("now", now))
        .await?;
    let rows: Vec<EdgeRow> = crate::db::take_rows(&mut res, 0)?;
    let Some(edge) = rows.into_iter().next() else { return Ok(None) };
    let relation = Relation::parse(&edge.kind).unwrap_or(Relation::Delegate);
    // a helper reads and changes the profile, nothing else (least privilege: no documents, QR or export)
    let helper_ok = matches!(need, Access::ReadProfile | Access::ManageProfile);
    if relation == Relation::Helper && !helper_ok {
        return Ok(None);
    }
    if matches!(need, Access::Manage | Access::ManageProfile) && !edge.can_manage {
        return Ok(None);
    }
    Ok(Some(Subject {
        actor: actor.to_owned(),
        id: for_id.to_owned(),
        acting: Some(ActingFor { id: for_id.to_owned(), name: edge.name, relation, read_only: !edge.can_manage }),
    }))
}

/// A record key as SurrealDB makes them (letters and digits): anything else is refused before any query.
pub fn is_record_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 40 && key.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A new random record key (20 lowercase letters and digits), for records whose id is needed before they exist.
pub fn new_key() -> Result<String, DbError> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|e| DbError::Connect(e.to_string()))?;
    Ok(bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect())
}

/// A child's details that passed every rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildDetails {
    pub full_name: FullName,
    pub birth_date: Date,
    pub sex: Sex,
    pub citizen_id: Option<CitizenId>,
    pub relation: Relation,
}

/// Every problem of the "add a child" form at once, or the parsed details.
pub fn validate_child(input: &ChildInput, today: Date) -> Result<ChildDetails, Vec<(Field, Problem)>> {
    let mut problems = Vec::new();
    let full_name =
        FullName::parse(&input.full_name).map_err(|e| problems.push((Field::FullName, Problem::Name(e)))).ok();
    let birth_date = match Date::parse_birth_date(&input.birth_date, today) {
        Ok(date) if date.age_on(today) > CHILD_MAX_AGE => {
            problems.push((Field::BirthDate, Problem::NotAChild));
            None
        }
        Ok(date) => Some(date),
        Err(e) => {
            problems.push((Field::BirthDate, Problem::Date(e)));
            None
        }
    };
    let sex = Sex::parse(&input.sex);
    if sex.is_none() {
        problems.push((Field::Sex, Problem::SexMissing));
    }
    let citizen_id = if input.citizen_id.trim().is_empty() {
        None
    } else {
        match (sex, birth_date) {
            (Some(sex), Some(birth)) => CitizenId::parse_for(&input.citizen_id, sex, birth),
            _ => CitizenId::parse(&input.citizen_id),
        }
        .map_err(|e| problems.push((Field::CitizenId, Problem::CitizenId(e))))
        .ok()
    };
    let relation = match Relation::parse(&input.relation) {
        Some(r @ (Relation::Parent | Relation::Guardian)) => Some(r),
        _ => {
            problems.push((Field::Relation, Problem::ChoiceMissing));
            None
        }
    };
    match (full_name, birth_date, sex, relation) {
        (Some(full_name), Some(birth_date), Some(sex), Some(relation)) if problems.is_empty() => {
            Ok(ChildDetails { full_name, birth_date, sex, citizen_id, relation })
        }
        _ => Err(problems),
    }
}

/// A delegation that passed every rule: to whom, whether they may change things, and until when (Unix seconds:
/// the end of the chosen day in Vietnam).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DelegationDetails {
    pub phone: PhoneNumber,
    pub can_manage: bool,
    pub until: i64,
}

pub fn validate_delegation(input: &DelegateInput, today: Date) -> Result<DelegationDetails, Vec<(Field, Problem)>> {
    let mut problems = Vec::new();
    let phone = PhoneNumber::parse(&input.phone).map_err(|e| problems.push((Field::Phone, Problem::Phone(e)))).ok();
    let can_manage = match input.scope.as_str() {
        "view" => Some(false),
        "manage" => Some(true),
        _ => {
            problems.push((Field::Scope, Problem::ChoiceMissing));
            None
        }
    };
    let until = match Date::parse_dmy(&input.until) {
        Ok(date) => {
            let days = (date.start_unix_vietnam() - today.start_unix_vietnam()) / 86_400;
            if !(1..=DELEGATION_MAX_DAYS).contains(&days) {
                problems.push((Field::Until, Problem::UntilInvalid));
                None
            } else {
                Some(date.start_unix_vietnam() + 86_400)
            }
        }
        Err(e) => {
            problems.push((Field::Until, Problem::Date(e)));
            None
        }
    };
    match (phone, can_manage, until) {
        (Some(phone), Some(can_manage), Some(until)) if problems.is_empty() => {
            Ok(DelegationDetails { phone, can_manage, until })
        }
        _ => Err(problems),
    }
}

#[derive(Debug)]
pub enum FamilyError {
    CitizenIdTaken,
    NoSuchPhone,
    SelfDelegation,
    Db(DbError),
}

impl From<DbError> for FamilyError {
    fn from(e: DbError) -> Self {
        FamilyError::Db(e)
    }
}

impl From<surrealdb::Error> for FamilyError {
    fn from(e: surrealdb::Error) -> Self {
        FamilyError::Db(DbError::Query(e))
    }
}

/// Creates the child's own account (no phone: nobody signs in as the child) and the edge from the guardian, in
/// one transaction. The guardian's consent stands for the child's.
pub async fn add_child(db: &Db, guardian: &str, child: &ChildDetails, now: i64) -> Result<String, FamilyError> {
    let id = new_key()?;
    let mut res = db
        .query(
            "BEGIN TRANSACTION;
             CREATE type::record('account', $id) CONTENT {
                 citizen_id: IF $cid { $cid } ELSE { NONE }, full_name: $name, name_folded: $folded, birth_date: $birth, sex: $sex, level: 1,
                 consent_at: $now, created_at: $now
             } RETURN NONE;
             LET $from = type::record('account', $guardian);
             LET $to = type::record('account', $id);
             RELATE $from->guardian_of->$to CONTENT { kind: $kind, can_manage: true, created_at: $now } RETURN NONE;
             COMMIT TRANSACTION;",
        )
        .bind(("id", id.clone()))
        .bind(("guardian", guardian.to_owned()))
        .bind(("cid", child.citizen_id.as_ref().map(|c| c.as_str().to_owned()).unwrap_or_default()))
        .bind(("name", child.full_name.as_str().to_owned()))
        .bind(("folded", child.full_name.folded()))
        .bind(("birth", child.birth_date.iso()))
        .bind(("sex", child.sex.as_str()))
        .bind(("kind", child.relation.as_str()))
        .bind(("now", now))
        .await?;
    let errors = res.take_errors();
    if !errors.is_empty() {
        let messages: Vec<String> = errors.values().map(|e| e.message().to_owned()).collect();
        if messages.iter().any(|m| m.contains("account_citizen_id")) {
            return Err(FamilyError::CitizenIdTaken);
        }
        return Err(FamilyError::Db(DbError::Migration { name: "add child", cause: messages.join("; ") }));
    }
    Ok(id)
}

#[derive(Deserialize)]
struct DependantRow {
    id: String,
    name: String,
    birth: Option<String>,
    kind: String,
    can_manage: bool,
    until: Option<i64>,
}

fn until_text(until: Option<i64>) -> Option<String> {
    // stored as the start of the next day: the last day it works is the one before
    until.map(|u| Date::from_unix_vietnam(u - 1).dmy())
}

/// The people `me` may act for now.
pub async fn dependants(db: &Db, me: &str, now: i64) -> Result<Vec<DependantLine>, DbError> {
    let mut res = db
        .query(
            "SELECT meta::id(out) AS id, out.full_name AS name, out.birth_date AS birth, kind, can_manage, until,
                 created_at
             FROM guardian_of
             WHERE in = type::record('account', $me) AND revoked_at = NONE AND (until = NONE OR until > $now)
             ORDER BY created_at",
        )
        .bind(("me", me.to_owned()))
        .bind(("now", now))
        .await?;
    let rows: Vec<DependantRow> = crate::db::take_rows(&mut res, 0)?;
    Ok(rows
        .into_iter()
        .map(|r| DependantLine {
            id: r.id,
            name: r.name,
            birth_date: r.birth.as_deref().and_then(Date::parse_iso).map(|d| d.dmy()).unwrap_or_default(),
            relation: Relation::parse(&r.kind).unwrap_or(Relation::Delegate),
            can_manage: r.can_manage,
            until: until_text(r.until),
        })
        .collect())
}

#[derive(Deserialize)]
struct GuardianRow {
    edge: String,
    name: String,
    phone: Option<String>,
    kind: String,
    can_manage: bool,
    until: Option<i64>,
}

/// The people who may act for `me` now.
pub async fn guardians(db: &Db, me: &str, now: i64) -> Result<Vec<GuardianLine>, DbError> {
    let mut res = db
        .query(
            "SELECT meta::id(id) AS edge, in.full_name AS name, in.phone AS phone, kind, can_manage, until, created_at
             FROM guardian_of
             WHERE out = type::record('account', $me) AND revoked_at = NONE AND (until = NONE OR until > $now)
             ORDER BY created_at",
        )
        .bind(("me", me.to_owned()))
        .bind(("now", now))
        .await?;
    let rows: Vec<GuardianRow> = crate::db::take_rows(&mut res, 0)?;
    Ok(rows
        .into_iter()
        .map(|r| GuardianLine {
            edge: r.edge,
            name: r.name,
            phone: r.phone.as_deref().and_then(|p| PhoneNumber::parse(p).ok()).map(|p| p.masked()).unwrap_or_default(),
            relation: Relation::parse(&r.kind).unwrap_or(Relation::Delegate),
            can_manage: r.can_manage,
            until: until_text(r.until),
        })
        .collect())
}

/// `me` lets the account of `details.phone` act for them until the chosen day (a live delegation to the same
/// person is replaced).
pub async fn delegate(db: &Db, me: &str, details: &DelegationDetails, now: i64) -> Result<(), FamilyError> {
    let to = crate::identity::account::find_by_phone(db, &details.phone).await?.ok_or(FamilyError::NoSuchPhone)?;
    if to == me {
        return Err(FamilyError::SelfDelegation);
    }
    db.query(
        "BEGIN TRANSACTION;
         LET $from = type::record('account', $to);
         LET $me = type::record('account', $me_id);
         UPDATE guardian_of SET revoked_at = $now, revoked_by = $me
             WHERE in = $from AND out = $me AND kind = 'delegate' AND revoked_at = NONE;
         RELATE $from->guardian_of->$me
             CONTENT { kind: 'delegate', can_manage: $manage, until: $until, created_at: $now } RETURN NONE;
         COMMIT TRANSACTION;",
    )
    .bind(("to", to))
    .bind(("me_id", me.to_owned()))
    .bind(("manage", details.can_manage))
    .bind(("until", details.until))
    .bind(("now", now))
    .await?
    .check()?;
    Ok(())
}

/// `me` takes back a delegation they gave (only their own, only a delegation: a parent's edge to a child is not
/// the child's to revoke). False: no such live delegation of theirs.
pub async fn revoke(db: &Db, me: &str, edge: &str, now: i64) -> Result<bool, DbError> {
    if !is_record_key(edge) {
        return Ok(false);
    }
    let mut res = db
        .query(
            "UPDATE guardian_of SET revoked_at = $now, revoked_by = type::record('account', $me)
             WHERE id = type::record('guardian_of', $edge) AND out = type::record('account', $me)
               AND kind = 'delegate' AND revoked_at = NONE
             RETURN VALUE meta::id(id)",
        )
        .bind(("me", me.to_owned()))
        .bind(("edge", edge.to_owned()))
        .bind(("now", now))
        .await?;
    let ids: Vec<String> = res.take(0)?;
    Ok(!ids.is_empty())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::db::connect_memory;

    const NOW: i64 = 1_795_400_000; // 23/11/2026
    fn today() -> Date {
        Date::from_unix_vietnam(NOW)
    }

    fn child_input(birth: &str) -> ChildInput {
        ChildInput {
            full_name: "Nguyễn Bé Na".into(),
            birth_date: birth.into(),
            sex: "female".into(),
            citizen_id: String::new(),
            relation: "parent".into(),
        }
    }

    #[test]
    fn a_dependant_child_is_under_14_with_a_relation() {
        assert!(validate_child(&child_input("01/06/2019"), today()).is_ok());
        let too_old = validate_child(&child_input("01/06/2010"), today()).unwrap_err();
        assert_eq!(too_old, vec![(Field::BirthDate, Problem::NotAChild)]);
        let mut no_relation = child_input("01/06/2019");
        no_relation.relation = "delegate".into();
        assert_eq!(validate_child(&no_relation, today()).unwrap_err(), vec![(Field::Relation, Problem::ChoiceMissing)]);
        let mut wrong_id = child_input("01/06/2019");
        wrong_id.citizen_id = "048085001234".into(); // a man born in the 1900s
        assert!(matches!(validate_child(&wrong_id, today()).unwrap_err()[..], [(Field::CitizenId, _)]));
    }

    #[test]
    fn a_delegation_ends_on_a_day_within_five_years() {
        let input = |until: &str| DelegateInput { phone: "0912 000 111".into(), scope: "view".into(), until: until.into() };
        let ok = validate_delegation(&input("31/12/2026"), today()).expect("valid");
        assert!(!ok.can_manage);
        assert_eq!(Date::from_unix_vietnam(ok.until - 1).dmy(), "31/12/2026");
        assert_eq!(Date::from_unix_vietnam(ok.until).dmy(), "01/01/2027");
        for bad in ["23/11/2026", "01/01/2020", "01/01/2040"] {
            assert_eq!(validate_delegation(&input(bad), today()).unwrap_err(), vec![(Field::Until, Problem::UntilInvalid)]);
        }
        let mut no_scope = input("31/12/2026");
        no_scope.scope = "all".into();
        assert_eq!(validate_delegation(&no_scope, today()).unwrap_err(), vec![(Field::Scope, Problem::ChoiceMissing)]);
    }

    /// An adult account (level 1, born 1980) for tests across the slices.
    pub(crate) async fn adult(db: &Db, phone: &str, cid: &str, name: &str) -> String {
        let mut res = db
            .query(
                "CREATE ONLY account CONTENT { phone: $phone, citizen_id: $cid, full_name: $name, name_folded: '',
                     birth_date: '1980-01-01', sex: 'female', level: 1, created_at: 0 } RETURN VALUE meta::id(id)",
            )
            .bind(("phone", phone.to_owned()))
            .bind(("cid", cid.to_owned()))
            .bind(("name", name.to_owned()))
            .await
            .expect("create");
        res.take::<Option<String>>(0).expect("id").expect("id")
    }

    #[tokio::test]
    async fn a_guardian_acts_for_their_children_only_and_a_delegate_until_revoked() {
        let db = connect_memory().await.expect("db");
        let parent = adult(&db, "+84912000001", "048180000001", "Trần Thị Mai").await;
        let other = adult(&db, "+84912000002", "048180000002", "Trần Thị Mai").await;
        let child = validate_child(&child_input("01/06/2019"), today()).expect("child");
        let first = add_child(&db, &parent, &child, NOW).await.expect("first child");
        let second = add_child(&db, &parent, &child, NOW).await.expect("two children without ID numbers");
        assert_ne!(first, second);

        let as_parent = subject(&db, &parent, Some(&first), Access::Manage, NOW).await.expect("q").expect("allowed");
        assert_eq!(as_parent.id(), first);
        assert_eq!(as_parent.acting().expect("acting").name, "Nguyễn Bé Na");
        assert_eq!(as_parent.role(), Some("guardian"));
        assert_eq!(subject(&db, &other, Some(&first), Access::Read, NOW).await.expect("q"), None);
        assert_eq!(subject(&db, &parent, Some(&other), Access::Read, NOW).await.expect("q"), None);
        assert_eq!(subject(&db, &parent, Some("account:x"), Access::Read, NOW).await.expect("q"), None);
        assert!(subject(&db, &parent, None, Access::Manage, NOW).await.expect("q").expect("self").is_self());
        assert_eq!(dependants(&db, &parent, NOW).await.expect("list").len(), 2);

        // `other` lets the parent read their data until the end of the year
        let details = validate_delegation(
            &DelegateInput { phone: "0912000001".into(), scope: "view".into(), until: "31/12/2026".into() },
            today(),
        )
        .expect("delegation");
        delegate(&db, &other, &details, NOW).await.expect("delegate");
        let read = subject(&db, &parent, Some(&other), Access::Read, NOW).await.expect("q").expect("read");
        assert_eq!(read.role(), Some("delegate"));
        assert_eq!(subject(&db, &parent, Some(&other), Access::Manage, NOW).await.expect("q"), None);
        assert_eq!(subject(&db, &parent, Some(&other), Access::Read, details.until).await.expect("q"), None);
        let given = guardians(&db, &other, NOW).await.expect("guardians");
        assert_eq!(given.len(), 1);
        // only the person who gave it can take it back, and the parent's edge to a child is not revocable so
        assert!(!revoke(&db, &parent, &given[0].edge, NOW).await.expect("revoke"));
        let child_edges = guardians(&db, &first, NOW).await.expect("edges");
        assert!(!revoke(&db, &first, &child_edges[0].edge, NOW).await.expect("revoke"));
        assert!(revoke(&db, &other, &given[0].edge, NOW + 1).await.expect("revoke"));
        assert_eq!(subject(&db, &parent, Some(&other), Access::Read, NOW + 2).await.expect("q"), None);
        assert!(matches!(delegate(&db, &other, &DelegationDetails { phone: PhoneNumber::parse("0912000002").expect("p"), ..details.clone() }, NOW).await, Err(FamilyError::SelfDelegation)));
    }
}
