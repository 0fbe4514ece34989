//! Roles as guard types: a handler obtains a [`Principal`] from the request's session, then asks it for the role
//! it needs ([`Principal::granter`], [`Principal::city_admin`], …). The guard values can only be made here, and the
//! service functions that change anything take them, so a handler that forgets to check does not compile.
//! Staff guards also require that this session passed the authenticator-app step.
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::domain::{is_staff, scopes_of};
use super::{Grant, Role, service};
use crate::identity::session::{self, SessionPolicy};
use crate::web::AppState;

/// Who is asking: a signed-in person with their roles, and whether this session passed the second factor.
#[derive(Clone, Debug)]
pub struct Principal {
    account_id: String,
    session_id: String,
    second_factor: bool,
    grants: Vec<Grant>,
}

/// Why a request was refused, and what the person should do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denied {
    /// Not signed in (or the session ended): sign in.
    SignIn,
    /// A staff role needs the authenticator app in this session: enrol it (or sign in again with it).
    SecondFactor,
    /// Signed in, but without the role or scope for this.
    Forbidden,
    /// The database did not answer.
    Unavailable,
}

impl Principal {
    /// The caller of this request, from the session cookie. Staff sessions are held to the staff idle limit.
    pub async fn of_request(state: &AppState, headers: &HeaderMap) -> Result<Principal, Denied> {
        let active = crate::identity::web::current_session(state, headers).await.ok_or(Denied::SignIn)?;
        let grants = service::grants_of(&state.db, &active.account_id).await.map_err(|e| {
            tracing::error!(error = %e, "reading roles failed");
            Denied::Unavailable
        })?;
        if is_staff(&grants)
            && active.idle_seconds > SessionPolicy::STAFF.idle_seconds
            && let Err(e) = session::tighten(&state.db, &active.id, SessionPolicy::STAFF).await
        {
            tracing::error!(error = %e, "tightening a staff session failed");
        }
        Ok(Principal::from_parts(active.account_id, active.id, active.second_factor, grants))
    }

    pub(crate) fn from_parts(account_id: String, session_id: String, second_factor: bool, grants: Vec<Grant>) -> Self {
        Principal { account_id, session_id, second_factor, grants }
    }

    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    pub fn grants(&self) -> &[Grant] {
        &self.grants
    }

    pub fn passed_second_factor(&self) -> bool {
        self.second_factor
    }

    /// The roles, once this session passed the second factor.
    fn staff_grants(&self) -> Result<&[Grant], Denied> {
        if !is_staff(&self.grants) {
            return Err(Denied::Forbidden);
        }
        if !self.second_factor {
            return Err(Denied::SecondFactor);
        }
        Ok(&self.grants)
    }

    /// Someone who may grant roles and create teams: the city administrator or a ward officer.
    pub fn granter(&self) -> Result<Granter, Denied> {
        let grants = self.staff_grants()?;
        if !grants.iter().any(|g| matches!(g.role, Role::CityAdmin | Role::WardOfficer)) {
            return Err(Denied::Forbidden);
        }
        Ok(Granter { account_id: self.account_id.clone(), grants: grants.to_vec() })
    }

    pub fn city_admin(&self) -> Result<CityAdmin, Denied> {
        let grants = self.staff_grants()?;
        if !grants.iter().any(|g| g.role == Role::CityAdmin) {
            return Err(Denied::Forbidden);
        }
        Ok(CityAdmin { account_id: self.account_id.clone() })
    }

    /// A role with the scopes it holds (team member: teams; org admin: organizations; service operator: relying
    /// parties), for the slices that serve those roles.
    pub fn scoped(&self, role: Role) -> Result<Scoped, Denied> {
        let scopes = scopes_of(self.staff_grants()?, role);
        if scopes.is_empty() {
            return Err(Denied::Forbidden);
        }
        Ok(Scoped { account_id: self.account_id.clone(), role, scopes })
    }
}

/// Proof that the caller may grant roles: the city administrator, or a ward officer (for their wards' teams).
#[derive(Clone, Debug)]
pub struct Granter {
    account_id: String,
    grants: Vec<Grant>,
}

impl Granter {
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    pub fn grants(&self) -> &[Grant] {
        &self.grants
    }

    pub fn is_city_admin(&self) -> bool {
        self.grants.iter().any(|g| g.role == Role::CityAdmin)
    }

    /// The wards this granter manages (a city administrator's are all wards; see `is_city_admin`).
    pub fn wards(&self) -> Vec<String> {
        scopes_of(&self.grants, Role::WardOfficer)
    }
}

/// Proof that the caller is a city administrator.
#[derive(Clone, Debug)]
pub struct CityAdmin {
    account_id: String,
}

impl CityAdmin {
    pub fn account_id(&self) -> &str {
        &self.account_id
    }
}

/// Proof of one scoped role, with its scopes.
#[derive(Clone, Debug)]
pub struct Scoped {
    account_id: String,
    role: Role,
    scopes: Vec<String>,
}

impl Scoped {
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    pub fn role(&self) -> Role {
        self.role
    }

    /// The scopes this role is held for (team ids, organization ids).
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// Whether this role holds `scope` (a team id, an organization id).
    pub fn covers(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

impl Denied {
    /// What a plain handler answers (the refusal's own answer, see [`crate::web::Refusal`]): the sign-in page, the
    /// authenticator enrolment page, 403 (a browser gets the translated page, made by the server) or 503. Neither
    /// the state nor the headers are needed any more; they stay so that the handlers calling this need not change.
    pub async fn response(self, _state: &AppState, _headers: &HeaderMap) -> Response {
        crate::web::Refusal::from(self).into_response()
    }
}

impl From<Denied> for crate::web::Refusal {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::SignIn => crate::web::Refusal::SignIn,
            Denied::SecondFactor => crate::web::Refusal::SecondFactor,
            Denied::Forbidden => crate::web::Refusal::Forbidden,
            Denied::Unavailable => crate::web::Refusal::Unavailable,
        }
    }
}

/// The caller with their roles, as an extractor for handlers, pages and server functions.
impl axum::extract::FromRequestParts<AppState> for Principal {
    type Rejection = crate::web::Refusal;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Principal::of_request(state, &parts.headers).await.map_err(Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(second_factor: bool, grants: &[(Role, &str)]) -> Principal {
        let grants = grants.iter().map(|(role, scope)| Grant { role: *role, scope: (*scope).to_owned() }).collect();
        Principal::from_parts("a1".into(), "s1".into(), second_factor, grants)
    }

    #[test]
    fn a_citizen_gets_no_staff_guard() {
        let citizen = principal(true, &[]);
        assert_eq!(citizen.granter().err(), Some(Denied::Forbidden));
        assert_eq!(citizen.city_admin().err(), Some(Denied::Forbidden));
        assert_eq!(citizen.scoped(Role::TeamMember).err(), Some(Denied::Forbidden));
    }

    #[test]
    fn staff_guards_need_the_second_factor_in_this_session() {
        let admin = principal(false, &[(Role::CityAdmin, "")]);
        assert_eq!(admin.city_admin().err(), Some(Denied::SecondFactor));
        assert_eq!(admin.granter().err(), Some(Denied::SecondFactor));
        let admin = principal(true, &[(Role::CityAdmin, "")]);
        assert!(admin.city_admin().is_ok());
        assert!(admin.granter().expect("granter").is_city_admin());
    }

    #[test]
    fn each_guard_needs_its_own_role_and_scope() {
        let officer = principal(true, &[(Role::WardOfficer, "20194")]);
        assert_eq!(officer.city_admin().err(), Some(Denied::Forbidden));
        let granter = officer.granter().expect("a ward officer grants team membership");
        assert!(!granter.is_city_admin());
        assert_eq!(granter.wards(), ["20194"]);
        let member = principal(true, &[(Role::TeamMember, "team1")]);
        assert_eq!(member.granter().err(), Some(Denied::Forbidden));
        let scoped = member.scoped(Role::TeamMember).expect("member");
        assert!(scoped.covers("team1"));
        assert!(!scoped.covers("team2"));
        assert_eq!(member.scoped(Role::ServiceOperator).err(), Some(Denied::Forbidden));
    }
}
