//! Community digital-tech teams in the field: a member registers a resident (and the resident's children or
//! elders without a phone) on the resident's behalf, on the member's own phone, with or without network; the
//! resident confirms with the code sent to their own phone. Team dashboards count the work per member and team.
//!
//! The registration form is a plain HTML form posted to a server function (it works without JavaScript); with the
//! WASM, its island (`islands::AssistQueue`) keeps each registration on the device (IndexedDB, the record format of
//! `queue`) with an idempotency key and sends it through the same server function when the network is there.
pub mod api;
#[cfg(feature = "ssr")]
pub mod domain;
pub mod islands;
pub mod queue;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;

use serde::{Deserialize, Serialize};

use crate::identity::domain::PhoneError;
use crate::identity::{Field, Problem};

/// Most dependants registered in one visit.
pub const MAX_DEPENDANTS: usize = 6;
/// Dependant slots the form shows without JavaScript.
pub const FORM_DEPENDANT_SLOTS: usize = 3;
/// How long a resident's "help me update" code lets a member act for them, in seconds.
pub const HELP_SECONDS: i64 = 3600;

/// One family member registered with the resident, as typed (form fields `d{n}_name`, `d{n}_birth`, `d{n}_sex`,
/// `d{n}_cid`, `d{n}_relation`, n from 1).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DependantInput {
    pub full_name: String,
    pub birth_date: String,
    pub sex: String,
    pub citizen_id: String,
    /// parent (the resident is the child's parent) | guardian (cares for a child or an elder)
    pub relation: String,
}

impl DependantInput {
    pub fn is_blank(&self) -> bool {
        [&self.full_name, &self.birth_date, &self.citizen_id].iter().all(|v| v.trim().is_empty())
    }
}

/// The assisted registration form as typed (kept to show it back, untouched, next to any error).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssistInput {
    /// The idempotency key (made by the device, or by the server for a form without JavaScript).
    pub key: String,
    pub full_name: String,
    pub citizen_id: String,
    pub birth_date: String,
    pub sex: String,
    pub phone: String,
    /// House number and street (or the address read from the card).
    pub street: String,
    pub consent: bool,
    /// When the member saved it on the device (Unix milliseconds), if sent later.
    pub recorded_at: String,
    pub dependants: Vec<DependantInput>,
}

impl AssistInput {
    /// From the form's fields, in any order; unknown fields are ignored, values are cut to a sane length.
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut input = AssistInput::default();
        for (name, value) in pairs {
            let value: String = value.chars().take(200).collect();
            match name.as_str() {
                "key" => input.key = value,
                "full_name" => input.full_name = value,
                "citizen_id" => input.citizen_id = value,
                "birth_date" => input.birth_date = value,
                "sex" => input.sex = value,
                "phone" => input.phone = value,
                "street" => input.street = value,
                "consent" => input.consent = !value.is_empty(),
                "recorded_at" => input.recorded_at = value,
                other => {
                    let Some((n, field)) = other.strip_prefix('d').and_then(|rest| rest.split_once('_')) else { continue };
                    let Ok(n) = n.parse::<usize>() else { continue };
                    if n == 0 || n > MAX_DEPENDANTS {
                        continue;
                    }
                    if input.dependants.len() < n {
                        input.dependants.resize(n, DependantInput::default());
                    }
                    let d = &mut input.dependants[n - 1];
                    match field {
                        "name" => d.full_name = value,
                        "birth" => d.birth_date = value,
                        "sex" => d.sex = value,
                        "cid" => d.citizen_id = value,
                        "relation" => d.relation = value,
                        _ => {}
                    }
                }
            }
        }
        input
    }
}

/// Where a problem of the assisted form is: the resident's fields, or dependant n (from 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Who {
    Resident,
    Dependant(usize),
}

impl Who {
    /// As the phone's queue records it: `resident`, or `d1`, `d2`, … (the prefix of a family member's fields).
    pub fn name(self) -> String {
        match self {
            Who::Resident => "resident".to_owned(),
            Who::Dependant(n) => format!("d{n}"),
        }
    }

    pub fn parse(name: &str) -> Option<Who> {
        match name {
            "resident" => Some(Who::Resident),
            other => other.strip_prefix('d')?.parse().ok().map(Who::Dependant),
        }
    }
}

/// A registration as a list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationLine {
    pub id: String,
    pub name: String,
    /// 0912 *** 678
    pub phone_masked: String,
    pub member_name: String,
    /// pending | confirmed
    pub state: String,
    pub dependants: Vec<String>,
    /// dd/mm/yyyy hh:mm, Vietnam time.
    pub created: String,
    pub confirmed: Option<String>,
}

/// What went right or wrong on the team's pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TeamNotice {
    /// Saved; the code went to the resident's phone.
    Registered,
    /// The same registration was received before (sent twice): nothing new was created.
    AlreadyReceived,
    PhoneTaken,
    CitizenIdTaken,
    /// A dependant's ID number has an account already (which dependant).
    DependantTaken(usize),
    Confirmed,
    /// The code went to the resident's phone.
    CodeSent,
    /// Sending or checking a code did not work: the same message as on the sign-in pages.
    Code(crate::identity::Notice),
    /// Help: no resident of this ward has this phone number (the same answer whether the number exists or not).
    NoSuchResident,
    LeaderSet,
    Failed,
}

/// The page /team/register: the member's team, and the form as the last post left it (the flash), or blank.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssistPageData {
    /// The member's account id: the device's queue keeps each member's registrations apart.
    pub member: String,
    pub team_name: String,
    pub ward_name: String,
    pub input: AssistInput,
    pub problems: Vec<(Who, Field, Problem)>,
    pub notice: Option<TeamNotice>,
}

impl AssistPageData {
    pub fn problem(&self, who: Who, field: Field) -> Option<Problem> {
        self.problems.iter().find(|(w, f, _)| *w == who && *f == field).map(|(_, _, p)| *p)
    }
}

/// The page /team/registrations/{id}.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationPageData {
    pub line: RegistrationLine,
    pub notice: Option<TeamNotice>,
}

/// The page /team/help: a member asks a resident of their ward for a code to update their data. What its last
/// form answered comes back in the flash in this shape.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelpPageData {
    pub phone: String,
    /// The code was sent: show the code box.
    pub sent: bool,
    pub notice: Option<TeamNotice>,
    pub phone_problem: Option<PhoneError>,
}

/// One member's figures.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberFigures {
    pub account_id: String,
    pub name: String,
    pub leader: bool,
    pub today: i64,
    pub week: i64,
    pub month: i64,
    pub pending: i64,
}

/// One team's figures, with its members'.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamFigures {
    pub id: String,
    pub name: String,
    pub ward_name: String,
    pub today: i64,
    pub week: i64,
    pub month: i64,
    pub pending: i64,
    pub members: Vec<MemberFigures>,
}

/// The page /team/work: the teams the caller may see, and (for a member) their team's latest registrations.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkPageData {
    pub teams: Vec<TeamFigures>,
    pub recent: Vec<RegistrationLine>,
    /// A team member (may register residents).
    pub member: bool,
    /// May name leaders (ward officer of the team's ward, or the city administrator).
    pub may_set_leader: bool,
    pub notice: Option<TeamNotice>,
}
