//! Family and guardianship: a parent or guardian manages the profile, documents and QR code of a child under 14;
//! an adult may delegate (read only, or manage) to someone they trust until a date, and take it back at any time.
//! Relations are graph edges `account ->guardian_of-> account`. A page that acts for someone else says so in a
//! banner ([`ui::ActingBanner`]) and carries `?for=<id>`; every request checks the edge again.
pub mod api;
#[cfg(feature = "ssr")]
pub mod household;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;
#[cfg(feature = "ssr")]
pub mod web;

use serde::{Deserialize, Serialize};

use crate::identity::{Field, Problem};

/// How the person acting is related to the person acted for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    Parent,
    Guardian,
    Delegate,
    /// A community team member the person let update their profile for an hour (by reading out a code).
    Helper,
}

impl Relation {
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Parent => "parent",
            Relation::Guardian => "guardian",
            Relation::Delegate => "delegate",
            Relation::Helper => "helper",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "parent" => Some(Relation::Parent),
            "guardian" => Some(Relation::Guardian),
            "delegate" => Some(Relation::Delegate),
            "helper" => Some(Relation::Helper),
            _ => None,
        }
    }
}

/// Whom a page acts for, when it is not the signed-in person: drawn as the banner at the top of the page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActingFor {
    pub id: String,
    pub name: String,
    pub relation: Relation,
    /// A read-only delegation: the page hides what would change anything.
    pub read_only: bool,
}

impl ActingFor {
    /// `?for=…` to append to links and form actions of pages that act for this person.
    pub fn query(acting: &Option<ActingFor>) -> String {
        acting.as_ref().map(|a| format!("?for={}", a.id)).unwrap_or_default()
    }
}

/// A person the signed-in person may act for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DependantLine {
    pub id: String,
    pub name: String,
    pub birth_date: String,
    pub relation: Relation,
    pub can_manage: bool,
    /// dd/mm/yyyy, for a delegation.
    pub until: Option<String>,
}

/// Someone who may act for the signed-in person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardianLine {
    /// The edge, to revoke a delegation.
    pub edge: String,
    pub name: String,
    pub phone: String,
    pub relation: Relation,
    pub can_manage: bool,
    pub until: Option<String>,
}

/// The "add a child" form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChildInput {
    pub full_name: String,
    pub birth_date: String,
    pub sex: String,
    /// Optional: children get an ID number at birth registration since 2024, older ones may not have one.
    pub citizen_id: String,
    /// parent | guardian
    pub relation: String,
}

/// The "delegate to someone" form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DelegateInput {
    pub phone: String,
    /// view | manage
    pub scope: String,
    /// dd/mm/yyyy
    pub until: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FamilyNotice {
    ChildAdded,
    DelegationGiven,
    DelegationRevoked,
    /// No account has this phone number.
    NoSuchPhone,
    /// One cannot delegate to oneself.
    SelfDelegation,
    /// The end date is not in the future, or more than five years away.
    UntilInvalid,
    CitizenIdTaken,
    /// A dependant cannot delegate or add children.
    NotForDependants,
    Failed,
}

/// How a household member is related to its head.
pub const HOUSEHOLD_RELATIONS: [&str; 5] = ["spouse", "child", "parent", "sibling", "other"];

/// The household the signed-in person belongs to (or asked to join).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdView {
    pub address: String,
    pub head_name: String,
    pub i_am_head: bool,
    /// Asked to join, waiting for the head.
    pub waiting: bool,
    pub members: Vec<MemberLine>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberLine {
    /// The membership edge (to confirm or remove).
    pub edge: String,
    pub name: String,
    /// head | spouse | child | parent | sibling | other
    pub relation: String,
    pub confirmed: bool,
    pub is_me: bool,
}

/// The household forms as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HouseholdInput {
    pub address: String,
    pub relation: String,
    /// A dependant to add (their account id).
    pub member: String,
    /// A membership to confirm or remove.
    pub edge: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HouseholdNotice {
    Created,
    JoinRequested,
    MemberAdded,
    MemberConfirmed,
    MemberRemoved,
    AddressInvalid,
    AddressTaken,
    NoSuchAddress,
    AlreadyMember,
    RelationMissing,
}

/// The page /me/family: the people and the household, and the outcome of the form just sent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyPageData {
    pub household: Option<HouseholdView>,
    pub dependants: Vec<DependantLine>,
    pub guardians: Vec<GuardianLine>,
    pub forms: FamilyForms,
}

/// What the family forms show after a post: the values as typed where something was refused, the problems, a
/// notice. Kept in the flash for a browser without JavaScript.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyForms {
    pub household_input: HouseholdInput,
    pub household_notice: Option<HouseholdNotice>,
    pub child: ChildInput,
    pub child_problems: Vec<(Field, Problem)>,
    pub delegate: DelegateInput,
    pub delegate_problems: Vec<(Field, Problem)>,
    pub notice: Option<FamilyNotice>,
}

/// Oldest age at which a parent adds a child as a dependant (from 14 a person signs up on their own).
pub const CHILD_MAX_AGE: i32 = 13;
/// Longest delegation, in days.
pub const DELEGATION_MAX_DAYS: i64 = 5 * 366;
