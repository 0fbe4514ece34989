//! Server functions of the staff page (/admin): its data, giving and taking back roles, creating teams and
//! organizations. Each obtains its guard from the caller first; the service checks the rule again by the write.
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use super::{AdminNotice, AdminPageData};
use crate::web::Refusal;

/// Why a staff action changed nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AdminError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The phone number typed is not one.
    #[error("the phone number is not valid")]
    Phone(crate::identity::domain::PhoneError),
    /// The rules refused it (no such account, outside the caller's scope, the last city administrator, …).
    #[error("refused: {0:?}")]
    Notice(AdminNotice),
}

crate::form_error!(AdminError);


/// The page's data: my roles, what I may grant, the grants I can see.
#[server(prefix = "/api", endpoint = "admin/page", input = GetUrl)]
pub async fn admin_page() -> Result<AdminPageData, Refusal> {
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    let principal: super::guard::Principal = caller::caller(&state).await?;
    let granter = super::web::may_see(&principal)?;
    reply::no_store();
    let typed = flash::take(&state, glue::FLASH).await.unwrap_or_default();
    Ok(super::web::page_data(&state, &principal, granter.as_ref().ok(), typed).await)
}

/// Gives a role, by the holder's phone number.
#[server(prefix = "", endpoint = "admin/grants")]
pub async fn grant_role(
    #[server(default)] phone: String,
    #[server(default)] role: String,
    #[server(default)] scope: String,
) -> Result<AdminNotice, AdminError> {
    let state = crate::web::caller::state()?;
    let result = glue::grant(&state, &phone, &role, &scope).await;
    let typed = super::AdminTyped {
        phone: if result.is_err() { phone } else { String::new() },
        role: super::Role::parse(&role).filter(|_| result.is_err()),
        phone_problem: match result {
            Err(AdminError::Phone(p)) => Some(p),
            _ => None,
        },
        ..super::AdminTyped::default()
    };
    glue::finish(&state, &result, typed).await;
    result
}

/// Takes a role back.
#[server(prefix = "", endpoint = "admin/grants/revoke")]
pub async fn revoke_grant(
    #[server(default)] account: String,
    #[server(default)] role: String,
    #[server(default)] scope: String,
) -> Result<AdminNotice, AdminError> {
    let state = crate::web::caller::state()?;
    let result = glue::revoke(&state, &account, &role, &scope).await;
    glue::finish(&state, &result, super::AdminTyped::default()).await;
    result
}

/// A community digital-tech team in a ward.
#[server(prefix = "", endpoint = "admin/teams")]
pub async fn create_team(#[server(default)] name: String, #[server(default)] ward: String) -> Result<AdminNotice, AdminError> {
    let state = crate::web::caller::state()?;
    let result = glue::create_team(&state, &name, &ward).await;
    let typed = super::AdminTyped { team_name: if result.is_err() { name } else { String::new() }, ..Default::default() };
    glue::finish(&state, &result, typed).await;
    result
}

/// An organization (and whether it is a relying party that checks citizens' QR codes). City administrators only.
#[server(prefix = "", endpoint = "admin/organizations")]
pub async fn create_organization(
    #[server(default)] name: String,
    #[server(default)] relying_party: String,
) -> Result<AdminNotice, AdminError> {
    let state = crate::web::caller::state()?;
    let result = glue::create_organization(&state, &name, relying_party == "yes").await;
    let typed = super::AdminTyped { org_name: if result.is_err() { name } else { String::new() }, ..Default::default() };
    glue::finish(&state, &result, typed).await;
    result
}

#[cfg(feature = "ssr")]
mod glue {
    use super::super::guard::{Granter, Principal};
    use super::super::service::{self, AccessError};
    use super::super::{AdminNotice, AdminTyped, Role};
    use super::AdminError;
    use crate::identity::account::find_by_phone;
    use crate::identity::domain::PhoneNumber;
    use crate::identity::web::now;
    use crate::web::caller::caller;
    use crate::web::{AppState, Refusal};

    pub const FLASH: &str = "admin";

    /// The outcome's notice joins what was typed in the flash of /admin.
    pub async fn finish(state: &AppState, result: &Result<AdminNotice, AdminError>, mut typed: AdminTyped) {
        typed.notice = match result {
            Ok(n) | Err(AdminError::Notice(n)) => Some(*n),
            Err(AdminError::Phone(_)) => None,
            Err(AdminError::Refused(_)) => Some(AdminNotice::Failed),
        };
        crate::web::reply::finish_form(state, "/admin", FLASH, result, typed).await;
    }

    async fn granter(state: &AppState) -> Result<Granter, AdminError> {
        let principal: Principal = caller(state).await?;
        Ok(principal.granter().map_err(Refusal::from)?)
    }

    fn refused(e: AccessError) -> AdminError {
        AdminError::Notice(super::super::web::access_notice(&e))
    }

    pub async fn grant(state: &AppState, phone: &str, role: &str, scope: &str) -> Result<AdminNotice, AdminError> {
        let granter = granter(state).await?;
        let role = Role::parse(role).ok_or(Refusal::BadRequest)?;
        let phone = PhoneNumber::parse(phone).map_err(AdminError::Phone)?;
        let account = find_by_phone(&state.db, &phone).await.map_err(|e| refused(e.into()))?.ok_or(refused(AccessError::NoSuchAccount))?;
        service::grant(&state.db, &state.units, &granter, &account, role, scope, now()).await.map_err(refused)?;
        tracing::info!(role = role.as_str(), to = %phone.masked(), "role granted");
        Ok(AdminNotice::Granted)
    }

    pub async fn revoke(state: &AppState, account: &str, role: &str, scope: &str) -> Result<AdminNotice, AdminError> {
        let granter = granter(state).await?;
        let role = Role::parse(role).ok_or(Refusal::BadRequest)?;
        service::revoke(&state.db, &granter, account, role, scope, now()).await.map_err(refused)?;
        Ok(AdminNotice::Revoked)
    }

    pub async fn create_team(state: &AppState, name: &str, ward: &str) -> Result<AdminNotice, AdminError> {
        let granter = granter(state).await?;
        service::create_team(&state.db, &state.units, &granter, name, ward, now()).await.map_err(refused)?;
        Ok(AdminNotice::TeamCreated)
    }

    pub async fn create_organization(state: &AppState, name: &str, relying_party: bool) -> Result<AdminNotice, AdminError> {
        let principal: Principal = caller(state).await?;
        let admin = principal.city_admin().map_err(Refusal::from)?;
        service::create_organization(&state.db, &admin, name, relying_party, now()).await.map_err(refused)?;
        Ok(AdminNotice::OrganizationCreated)
    }
}
