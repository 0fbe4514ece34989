//! Organizations enrolling their employees: an organization administrator uploads a CSV (phone, full name, ID
//! number); every row gets a result (created, invited, already registered, invalid: which column), shown with a
//! progress bar while it runs and downloadable as CSV. Employees get an SMS invitation, sign in with the code sent
//! to their phone and confirm (or decline) the employment on their own page.
pub mod domain;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;
#[cfg(feature = "ssr")]
pub mod web;

use domain::FileProblem;

/// What happened to one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A new account (pending until the person signs in) and the invitation.
    Created,
    /// The person had an account: invited to confirm the employment.
    Invited,
    /// Nothing to do: already an employee (or invited), or the same person earlier in the file.
    Already,
    /// A value is wrong, or the phone and the ID number belong to different accounts.
    Invalid,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [Outcome::Created, Outcome::Invited, Outcome::Already, Outcome::Invalid];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Invited => "invited",
            Outcome::Already => "already",
            Outcome::Invalid => "invalid",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// One row's result as the page and the CSV show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowLine {
    pub line: i64,
    pub phone: String,
    pub full_name: String,
    pub outcome: Outcome,
    /// invalid: the wrong columns ("phone citizen_id") or "mismatch"; already: "employee" or "line:N".
    pub field: String,
}

/// One upload, with its progress and (when asked) its rows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnrolmentView {
    pub id: String,
    pub file_name: String,
    pub total: i64,
    pub done: i64,
    pub finished: bool,
    /// dd/mm/yyyy hh:mm
    pub created: String,
    /// (outcome, count)
    pub counts: Vec<(Outcome, i64)>,
    pub rows: Vec<RowLine>,
}

/// The page /org: the organization's uploads and the upload form.
#[derive(Clone, Debug, Default)]
pub struct OrgState {
    pub organization: String,
    pub employees: i64,
    pub invited: i64,
    pub enrolments: Vec<EnrolmentView>,
    pub problem: Option<FileProblem>,
}

/// The page /org/enrolments/{id}.
#[derive(Clone, Debug, Default)]
pub struct EnrolmentState {
    pub organization: String,
    pub enrolment: EnrolmentView,
}
