//! The staff page's data (/admin) and how a staff action's refusal reads; the forms are server functions in
//! `api.rs`, each obtaining its guard first (the service checks the rule again next to the write).
use super::guard::{Denied, Granter, Principal};
use super::service::{self, AccessError};
use super::{AdminNotice, AdminPageData, AdminTyped, GrantLine, Role};
use crate::identity::domain::PhoneNumber;
use crate::identity::web::format_time;
use crate::web::{AppState, Refusal};
use crate::units::UnitsVersion;

fn ward_name(state: &AppState, code: &str) -> String {
    state.units.get(code, UnitsVersion::CURRENT).map(|u| u.name.clone()).unwrap_or_else(|| code.to_owned())
}

/// The page's data for `principal` (with their granter guard when they may grant), around what the last form
/// answered.
pub async fn page_data(state: &AppState, principal: &Principal, granter: Option<&Granter>, typed: AdminTyped) -> AdminPageData {
    let mut page = AdminPageData { typed, ..AdminPageData::default() };
    let all_teams = service::teams(&state.db, None).await.unwrap_or_default();
    let all_orgs = service::organizations(&state.db).await.unwrap_or_default();
    let team_label = |id: &str| {
        all_teams
            .iter()
            .find(|t| t.id == id)
            .map(|t| format!("{} · {}", t.name, ward_name(state, &t.ward)))
            .unwrap_or_else(|| id.to_owned())
    };
    let org_label = |id: &str| all_orgs.iter().find(|o| o.id == id).map(|o| o.name.clone()).unwrap_or_else(|| id.to_owned());
    let scope_label = |role: Role, scope: &str| match role {
        Role::CityAdmin => String::new(),
        Role::WardOfficer => ward_name(state, scope),
        Role::TeamMember => team_label(scope),
        Role::OrgAdmin | Role::ServiceOperator => org_label(scope),
    };
    page.my_roles = principal.grants().iter().map(|g| (g.role, scope_label(g.role, &g.scope))).collect();
    page.may_move = principal.grants().iter().any(|g| matches!(g.role, Role::WardOfficer | Role::TeamMember));
    if principal.grants().iter().any(|g| g.role == Role::CityAdmin) {
        let now = crate::identity::web::now();
        page.code_delivery = crate::identity::sms::delivery_by_hour(&state.db, now)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|(hour, sent, failed)| (format!("{:02}:00", (hour + 7 * 3600).rem_euclid(86_400) / 3600), sent, failed))
            .collect();
    }
    if let Some(granter) = granter {
        page.city_admin = granter.is_city_admin();
        let wards = granter.wards();
        page.wards = state
            .units
            .search("", UnitsVersion::CURRENT)
            .into_iter()
            .filter(|u| page.city_admin || wards.contains(&u.code))
            .map(|u| (u.code, u.name))
            .collect();
        page.teams = all_teams
            .iter()
            .filter(|t| page.city_admin || wards.contains(&t.ward))
            .map(|t| (t.id.clone(), team_label(&t.id)))
            .collect();
        if page.city_admin {
            page.organizations = all_orgs.iter().map(|o| (o.id.clone(), o.name.clone())).collect();
            page.relying_parties =
                all_orgs.iter().filter(|o| o.relying_party).map(|o| (o.id.clone(), o.name.clone())).collect();
        }
        page.grants = service::visible_grants(&state.db, granter)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter_map(|g| {
                let role = Role::parse(&g.role)?;
                Some(GrantLine {
                    phone: PhoneNumber::parse(&g.phone).map(|p| p.national()).unwrap_or_default(),
                    scope_label: scope_label(role, &g.scope),
                    account_id: g.account_id,
                    full_name: g.full_name,
                    role,
                    scope: g.scope,
                    granted_at: format_time(g.granted_at),
                })
            })
            .collect();
    }
    page
}

/// The caller and their granter guard; staff without granting roles still see their own roles.
pub fn may_see(principal: &Principal) -> Result<Result<Granter, Denied>, Refusal> {
    let granter = principal.granter();
    match granter {
        Err(Denied::Forbidden) if principal.passed_second_factor() && !principal.grants().is_empty() => Ok(granter),
        Err(denied) => Err(denied.into()),
        Ok(_) => Ok(granter),
    }
}

/// What a refused staff action shows.
pub fn access_notice(e: &AccessError) -> AdminNotice {
    match e {
        AccessError::NoSuchAccount => AdminNotice::NoSuchAccount,
        AccessError::NotAllowed => AdminNotice::NotAllowed,
        AccessError::LastCityAdmin => AdminNotice::LastCityAdmin,
        AccessError::NameTaken => AdminNotice::NameTaken,
        AccessError::NameInvalid => AdminNotice::NameInvalid,
        AccessError::ScopeMissing => AdminNotice::ScopeMissing,
        AccessError::Db(cause) => {
            tracing::error!(error = %cause, "staff action failed");
            AdminNotice::Failed
        }
    }
}
