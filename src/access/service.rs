//! Grants, teams and organizations in SurrealDB, and the audit trail. Every function that changes something takes
//! the guard that proves the caller may (see [`super::guard`]); the rule is checked here, next to the write.
use serde::Deserialize;

use super::domain::{may_grant, may_manage_ward};
use super::guard::{CityAdmin, Granter};
use super::{Grant, Role, ScopeKind};
use crate::db::{Db, DbError};
use crate::domain::text::fold;
use crate::identity::domain::{FullName, PhoneNumber};
use crate::units::UnitsVersion;
use crate::units::service::UnitDirectory;

#[derive(Debug)]
pub enum AccessError {
    NoSuchAccount,
    NotAllowed,
    LastCityAdmin,
    NameTaken,
    NameInvalid,
    ScopeMissing,
    Db(DbError),
}

impl From<DbError> for AccessError {
    fn from(e: DbError) -> Self {
        AccessError::Db(e)
    }
}

impl From<surrealdb::Error> for AccessError {
    fn from(e: surrealdb::Error) -> Self {
        AccessError::Db(DbError::Query(e))
    }
}

#[derive(Deserialize)]
struct GrantRow {
    role: String,
    scope: String,
}

/// The account's roles now (revoked grants excluded).
pub async fn grants_of(db: &Db, account_id: &str) -> Result<Vec<Grant>, DbError> {
    let mut res = db
        .query("SELECT role, scope FROM role_grant WHERE account = type::record('account', $id) AND revoked_at = NONE")
        .bind(("id", account_id.to_owned()))
        .await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    Ok(rows
        .into_iter()
        .filter_map(|v| serde_json::from_value::<GrantRow>(v).ok())
        .filter_map(|r| Some(Grant { role: Role::parse(&r.role)?, scope: r.scope }))
        .collect())
}

/// Appends to the audit trail. `actor` None: the server itself (a command run on the server).
pub async fn audit(
    db: &Db,
    actor: Option<&str>,
    action: &str,
    subject: Option<&str>,
    detail: &str,
    now: i64,
) -> Result<(), DbError> {
    db.query(
        "CREATE audit_event SET action = $action, detail = $detail, at = $now,
             actor = IF $actor { type::record('account', $actor) } ELSE { NONE },
             subject = IF $subject { type::record('account', $subject) } ELSE { NONE }
         RETURN NONE",
    )
    .bind(("action", action.to_owned()))
    .bind(("detail", detail.to_owned()))
    .bind(("now", now))
    .bind(("actor", actor.map(str::to_owned)))
    .bind(("subject", subject.map(str::to_owned)))
    .await?
    .check()?;
    Ok(())
}

/// Checks that `scope` names something real for `role`; returns the ward of a team scope.
async fn check_scope(
    db: &Db,
    units: &UnitDirectory,
    role: Role,
    scope: &str,
) -> Result<Option<String>, AccessError> {
    if scope.is_empty() && role.scope_kind() != ScopeKind::City {
        return Err(AccessError::ScopeMissing);
    }
    match role.scope_kind() {
        ScopeKind::City if scope.is_empty() => Ok(None),
        ScopeKind::Ward if units.get(scope, UnitsVersion::CURRENT).is_some() => Ok(None),
        ScopeKind::Team => team_ward(db, scope).await?.map(Some).ok_or(AccessError::NotAllowed),
        ScopeKind::Organization | ScopeKind::RelyingParty => {
            let parties_only = role.scope_kind() == ScopeKind::RelyingParty;
            let found = organizations(db).await?.into_iter().any(|o| o.id == scope && (o.relying_party || !parties_only));
            if found { Ok(None) } else { Err(AccessError::NotAllowed) }
        }
        _ => Err(AccessError::NotAllowed),
    }
}

/// Gives `role` for `scope` to the account, if the granter may.
pub async fn grant(
    db: &Db,
    units: &UnitDirectory,
    by: &Granter,
    account_id: &str,
    role: Role,
    scope: &str,
    now: i64,
) -> Result<(), AccessError> {
    let team_ward = check_scope(db, units, role, scope).await?;
    if !may_grant(by.grants(), role, scope, team_ward.as_deref()) {
        return Err(AccessError::NotAllowed);
    }
    write_grant(db, Some(by.account_id()), account_id, role, scope, now).await
}

async fn write_grant(
    db: &Db,
    actor: Option<&str>,
    account_id: &str,
    role: Role,
    scope: &str,
    now: i64,
) -> Result<(), AccessError> {
    let mut res = db
        .query(
            "IF record::exists(type::record('account', $account)) {
                 UPSERT type::record('role_grant', [$account, $role, $scope]) SET
                     account = type::record('account', $account), role = $role, scope = $scope,
                     granted_by = IF $actor { type::record('account', $actor) } ELSE { NONE },
                     granted_at = $now, revoked_at = NONE, revoked_by = NONE
                 RETURN VALUE true
             } ELSE { RETURN [] };",
        )
        .bind(("account", account_id.to_owned()))
        .bind(("role", role.as_str()))
        .bind(("scope", scope.to_owned()))
        .bind(("actor", actor.map(str::to_owned)))
        .bind(("now", now))
        .await?;
    let written: Vec<bool> = res.take(0)?;
    if written.is_empty() {
        return Err(AccessError::NoSuchAccount);
    }
    audit(db, actor, "role_granted", Some(account_id), &format!("{}:{scope}", role.as_str()), now).await?;
    Ok(())
}

/// Takes a role back (the same rule as granting). The last city administrator cannot be removed.
pub async fn revoke(
    db: &Db,
    by: &Granter,
    account_id: &str,
    role: Role,
    scope: &str,
    now: i64,
) -> Result<bool, AccessError> {
    let team_ward = match role.scope_kind() {
        ScopeKind::Team => team_ward(db, scope).await?,
        _ => None,
    };
    if !may_grant(by.grants(), role, scope, team_ward.as_deref()) {
        return Err(AccessError::NotAllowed);
    }
    if role == Role::CityAdmin {
        let mut res = db
            .query("SELECT VALUE count() FROM role_grant WHERE role = 'city_admin' AND revoked_at = NONE GROUP ALL")
            .await?;
        if res.take::<Option<i64>>(0)?.unwrap_or(0) <= 1 {
            return Err(AccessError::LastCityAdmin);
        }
    }
    let mut res = db
        .query(
            "UPDATE type::record('role_grant', [$account, $role, $scope]) SET revoked_at = $now,
                 revoked_by = type::record('account', $actor)
             WHERE revoked_at = NONE RETURN VALUE true",
        )
        .bind(("account", account_id.to_owned()))
        .bind(("role", role.as_str()))
        .bind(("scope", scope.to_owned()))
        .bind(("actor", by.account_id().to_owned()))
        .bind(("now", now))
        .await?;
    let ended: Vec<bool> = res.take(0)?;
    if ended.is_empty() {
        return Ok(false);
    }
    audit(db, Some(by.account_id()), "role_revoked", Some(account_id), &format!("{}:{scope}", role.as_str()), now)
        .await?;
    Ok(true)
}

/// `congdanso admin create`: makes the person with this phone a city administrator, opening an account for them
/// (phone and name only) when they have none. Returns the account id and whether it is new.
pub async fn bootstrap_city_admin(
    db: &Db,
    phone: &PhoneNumber,
    name: &FullName,
    now: i64,
) -> Result<(String, bool), AccessError> {
    let existing = crate::identity::account::find_by_phone(db, phone).await?;
    let (id, created) = match existing {
        Some(id) => (id, false),
        None => {
            let mut res = db
                .query(
                    "CREATE ONLY account CONTENT {
                         phone: $phone, full_name: $name, name_folded: $folded, level: 1, created_at: $now
                     } RETURN VALUE meta::id(id)",
                )
                .bind(("phone", phone.e164().to_owned()))
                .bind(("name", name.as_str().to_owned()))
                .bind(("folded", name.folded()))
                .bind(("now", now))
                .await?;
            let id: Option<String> = res.take(0)?;
            (id.ok_or(AccessError::NoSuchAccount)?, true)
        }
    };
    let already = grants_of(db, &id).await?.iter().any(|g| g.role == Role::CityAdmin);
    if !already {
        write_grant(db, None, &id, Role::CityAdmin, "", now).await?;
    }
    Ok((id, created))
}

/// A team or an organization as the staff page lists it.
#[derive(Clone, Debug, Deserialize)]
pub struct Team {
    pub id: String,
    pub name: String,
    pub ward: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub relying_party: bool,
}

/// A team for a residential group of a ward (the city administrator, or an officer of that ward).
pub async fn create_team(
    db: &Db,
    units: &UnitDirectory,
    by: &Granter,
    name: &str,
    ward: &str,
    now: i64,
) -> Result<String, AccessError> {
    let name = clean_name(name)?;
    if ward.is_empty() {
        return Err(AccessError::ScopeMissing);
    }
    if units.get(ward, UnitsVersion::CURRENT).is_none() || !may_manage_ward(by.grants(), ward) {
        return Err(AccessError::NotAllowed);
    }
    let res = db
        .query(
            "CREATE ONLY team CONTENT {
                 name: $name, ward: $ward, created_by: type::record('account', $actor), created_at: $now
             } RETURN VALUE meta::id(id)",
        )
        .bind(("name", name.clone()))
        .bind(("ward", ward.to_owned()))
        .bind(("actor", by.account_id().to_owned()))
        .bind(("now", now))
        .await?;
    let id = created_id(res, "team_name")?;
    audit(db, Some(by.account_id()), "team_created", None, &format!("{id}:{ward}:{name}"), now).await?;
    Ok(id)
}

/// An agency or business (a relying party when it checks citizens' QR codes). City administrators only.
pub async fn create_organization(
    db: &Db,
    by: &CityAdmin,
    name: &str,
    relying_party: bool,
    now: i64,
) -> Result<String, AccessError> {
    let name = clean_name(name)?;
    let res = db
        .query(
            "CREATE ONLY organization CONTENT {
                 name: $name, name_folded: $folded, relying_party: $party,
                 created_by: type::record('account', $actor), created_at: $now
             } RETURN VALUE meta::id(id)",
        )
        .bind(("folded", fold(&name)))
        .bind(("name", name.clone()))
        .bind(("party", relying_party))
        .bind(("actor", by.account_id().to_owned()))
        .bind(("now", now))
        .await?;
    let id = created_id(res, "organization_name")?;
    audit(db, Some(by.account_id()), "organization_created", None, &format!("{id}:{name}"), now).await?;
    Ok(id)
}

pub(crate) fn clean_name(name: &str) -> Result<String, AccessError> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.chars().count() < 2 || name.chars().count() > 120 {
        return Err(AccessError::NameInvalid);
    }
    Ok(name)
}

/// The id a CREATE returned, or NameTaken when the unique index `index` refused it.
pub(crate) fn created_id(mut res: surrealdb::IndexedResults, index: &str) -> Result<String, AccessError> {
    let errors = res.take_errors();
    if let Some(e) = errors.values().next() {
        if e.message().contains(index) {
            return Err(AccessError::NameTaken);
        }
        return Err(AccessError::Db(DbError::Migration { name: "create", cause: e.message().to_owned() }));
    }
    let id: Option<String> = res.take(0)?;
    id.ok_or(AccessError::NameInvalid)
}

/// Teams, of some wards only when `wards` is given.
pub async fn teams(db: &Db, wards: Option<&[String]>) -> Result<Vec<Team>, DbError> {
    let sql = match wards {
        Some(_) => "SELECT meta::id(id) AS id, name, ward FROM team WHERE ward IN $wards ORDER BY ward, name",
        None => "SELECT meta::id(id) AS id, name, ward FROM team ORDER BY ward, name",
    };
    let mut res = db.query(sql).bind(("wards", wards.map(<[String]>::to_vec).unwrap_or_default())).await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    Ok(rows.into_iter().filter_map(|v| serde_json::from_value(v).ok()).collect())
}

pub async fn team_ward(db: &Db, team_id: &str) -> Result<Option<String>, DbError> {
    if team_id.is_empty() {
        return Ok(None);
    }
    let mut res = db
        .query("SELECT VALUE ward FROM ONLY type::record('team', $id)")
        .bind(("id", team_id.to_owned()))
        .await?;
    Ok(res.take::<Option<String>>(0).unwrap_or(None))
}

pub async fn organizations(db: &Db) -> Result<Vec<Organization>, DbError> {
    let mut res = db
        .query("SELECT meta::id(id) AS id, name, relying_party FROM organization ORDER BY name_folded")
        .await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    Ok(rows.into_iter().filter_map(|v| serde_json::from_value(v).ok()).collect())
}

/// A live grant with its holder, for the staff page.
#[derive(Clone, Debug, Deserialize)]
pub struct HeldGrant {
    pub account_id: String,
    pub full_name: String,
    pub phone: String,
    pub role: String,
    pub scope: String,
    pub granted_at: i64,
}

/// The grants this granter can see (and take back): all of them for the city administrator; the members of
/// their wards' teams for a ward officer.
pub async fn visible_grants(db: &Db, by: &Granter) -> Result<Vec<HeldGrant>, DbError> {
    let base = "SELECT meta::id(account) AS account_id, account.full_name AS full_name, account.phone AS phone,
                    role, scope, granted_at FROM role_grant WHERE revoked_at = NONE";
    let mut res = if by.is_city_admin() {
        db.query(format!("{base} ORDER BY granted_at DESC LIMIT 1000")).await?
    } else {
        let team_ids: Vec<String> = teams(db, Some(&by.wards())).await?.into_iter().map(|t| t.id).collect();
        db.query(format!("{base} AND role = 'team_member' AND scope IN $teams ORDER BY granted_at DESC LIMIT 1000"))
            .bind(("teams", team_ids))
            .await?
    };
    let rows: Vec<serde_json::Value> = res.take(0)?;
    Ok(rows.into_iter().filter_map(|v| serde_json::from_value(v).ok()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::guard::Principal;
    use crate::db::connect_memory;

    const NOW: i64 = 1_795_400_000;
    const HAI_CHAU: &str = "20242";

    async fn setup() -> (Db, UnitDirectory) {
        let db = connect_memory().await.expect("db");
        crate::units::service::seed(&db).await.expect("seed");
        let units = UnitDirectory::load(&db).await.expect("units");
        assert!(units.get(HAI_CHAU, UnitsVersion::CURRENT).is_some(), "{HAI_CHAU} is a 2025-07 ward");
        (db, units)
    }

    async fn person(db: &Db, phone: &str, name: &str) -> String {
        let phone = PhoneNumber::parse(phone).expect("phone");
        let name = FullName::parse(name).expect("name");
        // accounts opened by `admin create` have no citizen details; several must coexist
        bootstrap_city_admin(db, &phone, &name, NOW).await.expect("account").0
    }

    async fn granter(db: &Db, account: &str) -> Granter {
        let grants = grants_of(db, account).await.expect("grants");
        Principal::from_parts(account.to_owned(), "s".into(), true, grants).granter().expect("granter")
    }

    #[tokio::test]
    async fn the_first_administrator_grants_a_ward_officer_who_staffs_their_own_ward_only() {
        let (db, units) = setup().await;
        let admin = person(&db, "0905000001", "Trần Văn Quản").await;
        let officer = person(&db, "0905000002", "Lê Thị Phường").await;
        let helper = person(&db, "0905000003", "Phạm Văn Tổ").await;
        // `person` makes everyone an administrator; take it back from the two others
        let by_admin = granter(&db, &admin).await;
        for id in [&officer, &helper] {
            assert!(revoke(&db, &by_admin, id, Role::CityAdmin, "", NOW).await.expect("revoke"));
        }
        assert!(matches!(
            revoke(&db, &by_admin, &admin, Role::CityAdmin, "", NOW).await,
            Err(AccessError::LastCityAdmin)
        ));
        assert!(matches!(
            grant(&db, &units, &by_admin, &officer, Role::WardOfficer, "", NOW).await,
            Err(AccessError::ScopeMissing)
        ));
        grant(&db, &units, &by_admin, &officer, Role::WardOfficer, HAI_CHAU, NOW).await.expect("officer");
        assert!(matches!(
            grant(&db, &units, &by_admin, &officer, Role::WardOfficer, "99999", NOW).await,
            Err(AccessError::NotAllowed)
        ), "a ward that does not exist");

        let by_officer = granter(&db, &officer).await;
        let own = create_team(&db, &units, &by_officer, "Tổ dân phố 5", HAI_CHAU, NOW).await.expect("team");
        assert!(matches!(
            create_team(&db, &units, &by_officer, "Tổ dân phố 5", HAI_CHAU, NOW).await,
            Err(AccessError::NameTaken)
        ));
        let other_ward = units
            .search("", UnitsVersion::CURRENT)
            .into_iter()
            .find(|u| u.code != HAI_CHAU)
            .expect("another ward")
            .code;
        assert!(matches!(
            create_team(&db, &units, &by_officer, "Tổ 1", &other_ward, NOW).await,
            Err(AccessError::NotAllowed)
        ));
        let foreign = create_team(&db, &units, &by_admin, "Tổ 1", &other_ward, NOW).await.expect("admin's team");

        grant(&db, &units, &by_officer, &helper, Role::TeamMember, &own, NOW).await.expect("member");
        assert!(matches!(
            grant(&db, &units, &by_officer, &helper, Role::TeamMember, &foreign, NOW).await,
            Err(AccessError::NotAllowed)
        ));
        assert!(matches!(
            grant(&db, &units, &by_officer, &helper, Role::WardOfficer, HAI_CHAU, NOW).await,
            Err(AccessError::NotAllowed)
        ));
        assert_eq!(grants_of(&db, &helper).await.expect("grants"), [Grant { role: Role::TeamMember, scope: own.clone() }]);
        // the officer sees (and may take back) their ward's team members, nothing else
        let seen = visible_grants(&db, &by_officer).await.expect("visible");
        assert_eq!(seen.iter().map(|g| g.account_id.as_str()).collect::<Vec<_>>(), [helper.as_str()]);
        assert!(visible_grants(&db, &by_admin).await.expect("visible").len() >= 3);
        assert!(revoke(&db, &by_officer, &helper, Role::TeamMember, &own, NOW).await.expect("revoke"));
        assert!(grants_of(&db, &helper).await.expect("grants").is_empty());

        let mut res = db.query("SELECT action FROM audit_event ORDER BY at").await.expect("audit");
        let actions: Vec<serde_json::Value> = res.take(0).expect("rows");
        assert!(actions.len() >= 8, "every grant, revoke and team is in the audit trail: {actions:?}");
    }

    #[tokio::test]
    async fn organizations_scope_their_administrators_and_relying_parties_their_operators() {
        let (db, units) = setup().await;
        let admin = person(&db, "0905000001", "Trần Văn Quản").await;
        let staff = person(&db, "0905000004", "Võ Thị Quầy").await;
        let principal = Principal::from_parts(admin.clone(), "s".into(), true, grants_of(&db, &admin).await.expect("g"));
        let city = principal.city_admin().expect("city admin");
        let by_admin = principal.granter().expect("granter");
        assert!(revoke(&db, &by_admin, &staff, Role::CityAdmin, "", NOW).await.expect("not an administrator"));
        let school = create_organization(&db, &city, "Trường THPT Phan Châu Trinh", false, NOW).await.expect("org");
        let power = create_organization(&db, &city, "Điện lực Đà Nẵng", true, NOW).await.expect("party");
        assert!(matches!(
            create_organization(&db, &city, "điện lực đà nẵng", true, NOW).await,
            Err(AccessError::NameTaken)
        ));
        assert!(matches!(create_organization(&db, &city, " x ", true, NOW).await, Err(AccessError::NameInvalid)));
        grant(&db, &units, &by_admin, &staff, Role::OrgAdmin, &school, NOW).await.expect("org admin");
        grant(&db, &units, &by_admin, &staff, Role::ServiceOperator, &power, NOW).await.expect("operator");
        assert!(matches!(
            grant(&db, &units, &by_admin, &staff, Role::ServiceOperator, &school, NOW).await,
            Err(AccessError::NotAllowed)
        ), "a school is not a relying party");
        assert!(matches!(
            grant(&db, &units, &by_admin, "nobody", Role::OrgAdmin, &school, NOW).await,
            Err(AccessError::NoSuchAccount)
        ));
        let p = Principal::from_parts(staff.clone(), "s".into(), true, grants_of(&db, &staff).await.expect("g"));
        assert!(p.scoped(Role::ServiceOperator).expect("operator").covers(&power));
        assert!(p.scoped(Role::OrgAdmin).expect("org admin").covers(&school));
        assert!(p.granter().is_err());
    }
}
