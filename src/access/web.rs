//! HTTP for the staff page (/admin): grant and take back roles, create teams and organizations. Each handler
//! obtains its guard first; the service checks the rule again next to the write.
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::guard::{Denied, Granter, Principal};
use super::service::{self, AccessError};
use super::{AdminNotice, AdminState, GrantLine, Role};
use crate::identity::account::find_by_phone;
use crate::identity::domain::PhoneNumber;
use crate::identity::web::{format_time, no_store, now, render, see_other};
use crate::server::AppState;
use crate::units::UnitsVersion;

fn ward_name(state: &AppState, code: &str) -> String {
    state.units.get(code, UnitsVersion::CURRENT).map(|u| u.name.clone()).unwrap_or_else(|| code.to_owned())
}

/// What the form left behind when it failed: the phone as typed, for which role, and what was wrong with it.
#[derive(Default)]
struct Typed {
    phone: String,
    role: Option<Role>,
    phone_problem: Option<crate::identity::domain::PhoneError>,
    team_name: String,
    org_name: String,
}

async fn admin_page(
    state: &AppState,
    headers: &HeaderMap,
    principal: &Principal,
    granter: Option<&Granter>,
    notice: Option<AdminNotice>,
    typed: Typed,
    status: StatusCode,
) -> Response {
    let mut page = AdminState {
        notice,
        typed_phone: typed.phone,
        typed_role: typed.role,
        phone_problem: typed.phone_problem,
        typed_team_name: typed.team_name,
        typed_org_name: typed.org_name,
        ..AdminState::default()
    };
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
    no_store(render(state, "/admin", headers, page, status).await)
}

/// The caller and their granter guard; staff without granting roles still see their own roles.
async fn caller(state: &AppState, headers: &HeaderMap) -> Result<(Principal, Result<Granter, Denied>), Response> {
    let principal = match Principal::of_request(state, headers).await {
        Ok(p) => p,
        Err(denied) => return Err(denied.response(state, headers).await),
    };
    let granter = principal.granter();
    match granter {
        Err(Denied::Forbidden) if principal.passed_second_factor() && !principal.grants().is_empty() => {
            Ok((principal, granter))
        }
        Err(denied) => Err(denied.response(state, headers).await),
        Ok(_) => Ok((principal, granter)),
    }
}

/// GET /admin
pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match caller(&state, &headers).await {
        Ok((principal, granter)) => {
            admin_page(&state, &headers, &principal, granter.as_ref().ok(), None, Typed::default(), StatusCode::OK).await
        }
        Err(response) => response,
    }
}

fn access_notice(e: &AccessError) -> (AdminNotice, StatusCode) {
    match e {
        AccessError::NoSuchAccount => (AdminNotice::NoSuchAccount, StatusCode::UNPROCESSABLE_ENTITY),
        AccessError::NotAllowed => (AdminNotice::NotAllowed, StatusCode::FORBIDDEN),
        AccessError::LastCityAdmin => (AdminNotice::LastCityAdmin, StatusCode::CONFLICT),
        AccessError::NameTaken => (AdminNotice::NameTaken, StatusCode::CONFLICT),
        AccessError::NameInvalid => (AdminNotice::NameInvalid, StatusCode::UNPROCESSABLE_ENTITY),
        AccessError::ScopeMissing => (AdminNotice::ScopeMissing, StatusCode::UNPROCESSABLE_ENTITY),
        AccessError::Db(cause) => {
            tracing::error!(error = %cause, "staff action failed");
            (AdminNotice::Failed, StatusCode::SERVICE_UNAVAILABLE)
        }
    }
}

/// Runs a staff action with the granter guard and shows the page again with its outcome.
async fn act<F, Fut>(state: &AppState, headers: &HeaderMap, typed: Typed, action: F) -> Response
where
    F: FnOnce(Granter) -> Fut,
    Fut: std::future::Future<Output = Result<AdminNotice, AccessError>>,
{
    let (principal, granter) = match caller(state, headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Ok(granter) = granter else {
        return Denied::Forbidden.response(state, headers).await;
    };
    match action(granter.clone()).await {
        Ok(notice) => {
            // the caller may have just given themself a role: the page shows their roles as they are now
            let principal = Principal::of_request(state, headers).await.unwrap_or(principal);
            admin_page(state, headers, &principal, Some(&granter), Some(notice), Typed::default(), StatusCode::OK).await
        }
        Err(e) => {
            let (notice, status) = access_notice(&e);
            admin_page(state, headers, &principal, Some(&granter), Some(notice), typed, status).await
        }
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct GrantForm {
    phone: String,
    role: String,
    scope: String,
}

/// POST /admin/grants: give a role (by the holder's phone number).
pub async fn grant(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<GrantForm>) -> Response {
    let Some(role) = Role::parse(&form.role) else { return see_other("/admin") };
    let phone = match PhoneNumber::parse(&form.phone) {
        Ok(phone) => phone,
        Err(problem) => {
            let typed = Typed { phone: form.phone, role: Some(role), phone_problem: Some(problem), ..Typed::default() };
            return match caller(&state, &headers).await {
                Ok((principal, granter)) => {
                    admin_page(&state, &headers, &principal, granter.as_ref().ok(), None, typed, StatusCode::UNPROCESSABLE_ENTITY)
                        .await
                }
                Err(response) => response,
            };
        }
    };
    let typed = Typed { phone: form.phone.clone(), role: Some(role), ..Typed::default() };
    let db = state.db.clone();
    let units = state.units.clone();
    act(&state, &headers, typed, |granter| async move {
        let account = find_by_phone(&db, &phone).await?.ok_or(AccessError::NoSuchAccount)?;
        service::grant(&db, &units, &granter, &account, role, &form.scope, now()).await?;
        tracing::info!(role = role.as_str(), to = %phone.masked(), "role granted");
        Ok(AdminNotice::Granted)
    })
    .await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct RevokeGrantForm {
    account: String,
    role: String,
    scope: String,
}

/// POST /admin/grants/revoke
pub async fn revoke(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<RevokeGrantForm>) -> Response {
    let Some(role) = Role::parse(&form.role) else { return see_other("/admin") };
    let db = state.db.clone();
    act(&state, &headers, Typed::default(), |granter| async move {
        service::revoke(&db, &granter, &form.account, role, &form.scope, now()).await?;
        Ok(AdminNotice::Revoked)
    })
    .await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct TeamForm {
    name: String,
    ward: String,
}

/// POST /admin/teams
pub async fn create_team(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<TeamForm>) -> Response {
    let db = state.db.clone();
    let units = state.units.clone();
    let typed = Typed { team_name: form.name.clone(), ..Typed::default() };
    act(&state, &headers, typed, |granter| async move {
        service::create_team(&db, &units, &granter, &form.name, &form.ward, now()).await?;
        Ok(AdminNotice::TeamCreated)
    })
    .await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct OrganizationForm {
    name: String,
    relying_party: String,
}

/// POST /admin/organizations (city administrators only)
pub async fn create_organization(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<OrganizationForm>,
) -> Response {
    let principal = match Principal::of_request(&state, &headers).await {
        Ok(p) => p,
        Err(denied) => return denied.response(&state, &headers).await,
    };
    let admin = match principal.city_admin() {
        Ok(admin) => admin,
        Err(denied) => return denied.response(&state, &headers).await,
    };
    let db = state.db.clone();
    let typed = Typed { org_name: form.name.clone(), ..Typed::default() };
    act(&state, &headers, typed, |_| async move {
        service::create_organization(&db, &admin, &form.name, form.relying_party == "yes", now()).await?;
        Ok(AdminNotice::OrganizationCreated)
    })
    .await
}
