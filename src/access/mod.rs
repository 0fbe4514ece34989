//! Staff roles and their scopes: who may do what, and where. A role is granted to an account for one scope (the
//! city, a ward, a team, an organization); every protected handler first obtains a guard value from the caller's
//! session ([`guard`]), and the service functions that change anything take that value.
pub mod api;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod guard;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;
#[cfg(feature = "ssr")]
pub mod web;

use serde::{Deserialize, Serialize};

/// The staff roles. Every signed-in person is also a citizen; that needs no grant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The whole city: grants every role, creates organizations and teams.
    CityAdmin,
    /// One ward (2025-07 unit): its teams and their members.
    WardOfficer,
    /// One community digital-tech team.
    TeamMember,
    /// One organization: enrols its employees.
    OrgAdmin,
    /// One relying party (an organization that checks citizens' QR codes at its counters).
    ServiceOperator,
}

/// What a role's scope names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    City,
    Ward,
    Team,
    Organization,
    RelyingParty,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::CityAdmin, Role::WardOfficer, Role::TeamMember, Role::OrgAdmin, Role::ServiceOperator];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::CityAdmin => "city_admin",
            Role::WardOfficer => "ward_officer",
            Role::TeamMember => "team_member",
            Role::OrgAdmin => "org_admin",
            Role::ServiceOperator => "service_operator",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn scope_kind(self) -> ScopeKind {
        match self {
            Role::CityAdmin => ScopeKind::City,
            Role::WardOfficer => ScopeKind::Ward,
            Role::TeamMember => ScopeKind::Team,
            Role::OrgAdmin => ScopeKind::Organization,
            Role::ServiceOperator => ScopeKind::RelyingParty,
        }
    }
}

/// One role for one scope: `scope` is "" for the city, a ward code, a team id or an organization id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Grant {
    pub role: Role,
    pub scope: String,
}

/// A grant as the staff page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantLine {
    pub account_id: String,
    pub full_name: String,
    pub phone: String,
    pub role: Role,
    pub scope: String,
    /// The scope in words: "Phường Hải Châu", "Tổ 5 · Phường Hòa Cường", "Điện lực Đà Nẵng".
    pub scope_label: String,
    pub granted_at: String,
}

/// A choice in a scope list: (id, label).
pub type Choice = (String, String);

/// What went right or wrong on the staff page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AdminNotice {
    Granted,
    Revoked,
    TeamCreated,
    OrganizationCreated,
    /// The phone number has no account: the person signs up first.
    NoSuchAccount,
    /// The role or scope is outside what the caller may grant.
    NotAllowed,
    /// The last city administrator cannot be removed.
    LastCityAdmin,
    /// A team or organization with that name exists already.
    NameTaken,
    /// A name that is empty or too short.
    NameInvalid,
    /// No ward, team or organization was chosen.
    ScopeMissing,
    Failed,
}

/// What a staff form answered, and what was typed into it when it failed (kept, never lost): the flash of /admin.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminTyped {
    pub notice: Option<AdminNotice>,
    /// The phone number typed into a grant form, and which form (role) it was.
    pub phone: String,
    pub role: Option<Role>,
    pub phone_problem: Option<crate::identity::domain::PhoneError>,
    /// The team or organization name typed.
    pub team_name: String,
    pub org_name: String,
}

/// The staff page (/admin): the caller's own roles, what they may grant, and the grants they can see.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminPageData {
    pub my_roles: Vec<(Role, String)>,
    pub city_admin: bool,
    /// Wards the caller manages (all wards for the city administrator).
    pub wards: Vec<Choice>,
    pub teams: Vec<Choice>,
    pub organizations: Vec<Choice>,
    pub relying_parties: Vec<Choice>,
    pub grants: Vec<GrantLine>,
    /// What the last form answered, with what was typed into it when it failed.
    pub typed: AdminTyped,
    /// Ward officers and team members move residents' accounts to new numbers (a link to that page).
    pub may_move: bool,
    /// City administrators: codes handed to the SMS gateway per hour, last 24 hours ("HH:00", sent, failed).
    pub code_delivery: Vec<(String, i64, i64)>,
}
