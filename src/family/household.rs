//! Households: one per digital address, a head, members as `member_of` edges. Each rule checks, inside its query,
//! that the caller is the head (or the member themselves, to leave). A confirmed membership writes the household's
//! address into the member's profile (with a history line), so the two never disagree.
use serde::Deserialize;

use super::{HOUSEHOLD_RELATIONS, HouseholdView, MemberLine};
use crate::db::{Db, DbError};
use crate::family::service::{is_record_key, new_key};

#[derive(Debug)]
pub enum HouseholdError {
    /// The address already has a household.
    AddressTaken,
    NoSuchAddress,
    /// The person already belongs to (or asked to join) a household.
    AlreadyMember,
    /// Not the head, or no such membership.
    NotAllowed,
    Db(DbError),
}

impl From<surrealdb::Error> for HouseholdError {
    fn from(e: surrealdb::Error) -> Self {
        HouseholdError::Db(DbError::Query(e))
    }
}

impl From<DbError> for HouseholdError {
    fn from(e: DbError) -> Self {
        HouseholdError::Db(e)
    }
}

/// A relationship a member may have to the head.
pub fn relation_ok(relation: &str) -> bool {
    HOUSEHOLD_RELATIONS.contains(&relation)
}

fn failed(messages: Vec<String>) -> HouseholdError {
    if messages.iter().any(|m| m.contains("household_address")) {
        HouseholdError::AddressTaken
    } else if messages.iter().any(|m| m.contains("member_of_account")) {
        HouseholdError::AlreadyMember
    } else {
        HouseholdError::Db(DbError::Migration { name: "household", cause: messages.join("; ") })
    }
}

fn check(mut res: surrealdb::IndexedResults) -> Result<surrealdb::IndexedResults, HouseholdError> {
    let errors = res.take_errors();
    if errors.is_empty() { Ok(res) } else { Err(failed(errors.values().map(|e| e.message().to_owned()).collect())) }
}

/// Writes the address into a member's profile, with a history line by `by` (nothing when it is already there).
async fn note_address(db: &Db, member: &str, by: &str, address: &str, now: i64) -> Result<(), DbError> {
    db.query(
        "LET $old = (SELECT VALUE household_address FROM ONLY type::record('profile', $member));
         IF $old != $address {
             UPSERT type::record('profile', $member) SET household_address = $address, updated_at = $now RETURN NONE;
             CREATE profile_change SET account = type::record('account', $member), field = 'household_address',
                 old = $old, new = $address, by = type::record('account', $by), at = $now RETURN NONE;
         };",
    )
    .bind(("member", member.to_owned()))
    .bind(("by", by.to_owned()))
    .bind(("address", address.to_owned()))
    .bind(("now", now))
    .await?
    .check()?;
    Ok(())
}

/// A new household at `address` with `me` as its head.
pub async fn create(db: &Db, me: &str, address: &str, now: i64) -> Result<(), HouseholdError> {
    let id = new_key()?;
    let res = db
        .query(
            "BEGIN TRANSACTION;
             LET $h = type::record('household', $id);
             LET $me = type::record('account', $me_id);
             CREATE $h CONTENT { address: $address, head: $me, created_at: $now } RETURN NONE;
             RELATE $me->member_of->$h CONTENT { relation: 'head', confirmed: true, added_by: $me, created_at: $now }
                 RETURN NONE;
             COMMIT TRANSACTION;",
        )
        .bind(("id", id))
        .bind(("me_id", me.to_owned()))
        .bind(("address", address.to_owned()))
        .bind(("now", now))
        .await?;
    check(res)?;
    note_address(db, me, me, address, now).await?;
    Ok(())
}

/// The head adds one of their dependants (already checked by the caller with the guardianship guard).
pub async fn add_dependant(db: &Db, me: &str, dependant: &str, relation: &str, now: i64) -> Result<(), HouseholdError> {
    let mut res = db
        .query(
            "LET $me = type::record('account', $me_id);
             LET $h = (SELECT VALUE id FROM household WHERE head = $me LIMIT 1)[0];
             IF $h {
                 RELATE (type::record('account', $dep))->member_of->$h
                     CONTENT { relation: $relation, confirmed: true, added_by: $me, created_at: $now } RETURN NONE;
             };
             RETURN $h.address;",
        )
        .bind(("me_id", me.to_owned()))
        .bind(("dep", dependant.to_owned()))
        .bind(("relation", relation.to_owned()))
        .bind(("now", now))
        .await?;
    let errors = res.take_errors();
    if !errors.is_empty() {
        return Err(failed(errors.values().map(|e| e.message().to_owned()).collect()));
    }
    let address: Option<String> = res.take(3)?;
    let address = address.ok_or(HouseholdError::NotAllowed)?;
    note_address(db, dependant, me, &address, now).await?;
    Ok(())
}

/// `me` asks to join the household at `address`; the head confirms.
pub async fn ask_to_join(db: &Db, me: &str, address: &str, relation: &str, now: i64) -> Result<(), HouseholdError> {
    let mut found = db
        .query("SELECT VALUE meta::id(id) FROM household WHERE address = $address LIMIT 1")
        .bind(("address", address.to_owned()))
        .await?;
    let ids: Vec<String> = found.take(0)?;
    let household = ids.into_iter().next().ok_or(HouseholdError::NoSuchAddress)?;
    let res = db
        .query(
            "LET $me = type::record('account', $me_id);
             RELATE $me->member_of->(type::record('household', $h))
                 CONTENT { relation: $relation, confirmed: false, added_by: $me, created_at: $now } RETURN NONE;",
        )
        .bind(("me_id", me.to_owned()))
        .bind(("h", household))
        .bind(("relation", relation.to_owned()))
        .bind(("now", now))
        .await?;
    check(res)?;
    Ok(())
}

#[derive(Deserialize)]
struct Confirmed {
    member: String,
    address: String,
}

/// The head confirms a request to join.
pub async fn confirm(db: &Db, me: &str, edge: &str, now: i64) -> Result<(), HouseholdError> {
    if !is_record_key(edge) {
        return Err(HouseholdError::NotAllowed);
    }
    let mut res = db
        .query(
            "UPDATE member_of SET confirmed = true
             WHERE id = type::record('member_of', $edge) AND out.head = type::record('account', $me) AND !confirmed
             RETURN meta::id(in) AS member, out.address AS address",
        )
        .bind(("edge", edge.to_owned()))
        .bind(("me", me.to_owned()))
        .await?;
    let rows: Vec<Confirmed> = crate::db::take_rows(&mut res, 0)?;
    let row = rows.into_iter().next().ok_or(HouseholdError::NotAllowed)?;
    note_address(db, &row.member, me, &row.address, now).await?;
    Ok(())
}

/// The head removes a member, or a member leaves (the head stays: a household is deleted with its last member, not
/// here).
pub async fn remove(db: &Db, me: &str, edge: &str) -> Result<(), HouseholdError> {
    if !is_record_key(edge) {
        return Err(HouseholdError::NotAllowed);
    }
    let mut res = db
        .query(
            "LET $me = type::record('account', $me_id);
             DELETE member_of WHERE id = type::record('member_of', $edge) AND relation != 'head'
                 AND (out.head = $me OR in = $me) RETURN BEFORE;",
        )
        .bind(("edge", edge.to_owned()))
        .bind(("me_id", me.to_owned()))
        .await?;
    let gone: Vec<serde_json::Value> = res.take(1)?;
    if gone.is_empty() { Err(HouseholdError::NotAllowed) } else { Ok(()) }
}

#[derive(Deserialize)]
struct MineRow {
    household: String,
    address: String,
    head: String,
    head_name: String,
    confirmed: bool,
}

#[derive(Deserialize)]
struct MemberRow {
    edge: String,
    member: String,
    name: String,
    relation: String,
    confirmed: bool,
}

/// The household `me` belongs to (or asked to join), with its members when confirmed.
pub async fn mine(db: &Db, me: &str) -> Result<Option<HouseholdView>, DbError> {
    let mut res = db
        .query(
            "SELECT meta::id(out) AS household, out.address AS address, meta::id(out.head) AS head,
                 out.head.full_name AS head_name, confirmed
             FROM member_of WHERE in = type::record('account', $me) LIMIT 1",
        )
        .bind(("me", me.to_owned()))
        .await?;
    let rows: Vec<MineRow> = crate::db::take_rows(&mut res, 0)?;
    let Some(row) = rows.into_iter().next() else { return Ok(None) };
    let mut view = HouseholdView {
        address: row.address,
        head_name: row.head_name,
        i_am_head: row.head == me,
        waiting: !row.confirmed,
        members: vec![],
    };
    if row.confirmed {
        let mut res = db
            .query(
                "SELECT meta::id(id) AS edge, meta::id(in) AS member, in.full_name AS name, relation, confirmed, created_at
                 FROM member_of WHERE out = type::record('household', $h) ORDER BY created_at",
            )
            .bind(("h", row.household))
            .await?;
        let members: Vec<MemberRow> = crate::db::take_rows(&mut res, 0)?;
        view.members = members
            .into_iter()
            // people waiting for confirmation are shown to the head only
            .filter(|m| m.confirmed || view.i_am_head)
            .map(|m| MemberLine { edge: m.edge, is_me: m.member == me, name: m.name, relation: m.relation, confirmed: m.confirmed })
            .collect();
    }
    Ok(Some(view))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::connect_memory;
    use crate::family::service::tests::adult;

    #[tokio::test]
    async fn a_household_has_one_head_members_join_when_the_head_confirms_and_the_address_follows() {
        let db = connect_memory().await.expect("db");
        let head = adult(&db, "+84912000011", "048180000011", "Trần Văn Chủ").await;
        let spouse = adult(&db, "+84912000012", "048180000012", "Lê Thị Vợ").await;
        let stranger = adult(&db, "+84912000013", "048180000013", "Ngô Văn Lạ").await;
        create(&db, &head, "0123456789", 10).await.expect("create");
        assert!(matches!(create(&db, &spouse, "0123456789", 11).await, Err(HouseholdError::AddressTaken)));
        assert!(matches!(ask_to_join(&db, &spouse, "0999999999", "spouse", 12).await, Err(HouseholdError::NoSuchAddress)));
        ask_to_join(&db, &spouse, "0123456789", "spouse", 12).await.expect("ask");
        assert!(matches!(ask_to_join(&db, &spouse, "0123456789", "spouse", 13).await, Err(HouseholdError::AlreadyMember)));
        let waiting = mine(&db, &spouse).await.expect("mine").expect("some");
        assert!(waiting.waiting && waiting.members.is_empty(), "no member list before the head confirms");
        let view = mine(&db, &head).await.expect("mine").expect("some");
        assert!(view.i_am_head);
        let request = view.members.iter().find(|m| !m.confirmed).expect("request").edge.clone();
        assert!(matches!(confirm(&db, &stranger, &request, 14).await, Err(HouseholdError::NotAllowed)));
        assert!(matches!(remove(&db, &stranger, &request).await, Err(HouseholdError::NotAllowed)));
        confirm(&db, &head, &request, 15).await.expect("confirm");
        let view = mine(&db, &spouse).await.expect("mine").expect("some");
        assert_eq!(view.members.iter().map(|m| (m.name.as_str(), m.relation.as_str())).collect::<Vec<_>>(),
            [("Trần Văn Chủ", "head"), ("Lê Thị Vợ", "spouse")]);
        let profile = crate::profile::service::load(&db, &spouse).await.expect("load").expect("some");
        assert_eq!(profile.values.household_address, "0123456789");
        // the head cannot be removed; the spouse can leave
        let head_edge = view.members[0].edge.clone();
        assert!(matches!(remove(&db, &head, &head_edge).await, Err(HouseholdError::NotAllowed)));
        remove(&db, &spouse, &view.members[1].edge).await.expect("leave");
        assert!(mine(&db, &spouse).await.expect("mine").is_none());
    }
}
