//! Organizations enrolling their employees: an organization administrator uploads a CSV (phone, full name, ID
//! number); every row gets a result (created, invited, already registered, invalid: which column), shown with a
//! progress bar while it runs and downloadable as CSV. Employees get an SMS invitation, sign in with the code sent
//! to their phone and confirm (or decline) the employment on their own page.
pub mod api;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;
#[cfg(feature = "ssr")]
pub mod web;

use serde::{Deserialize, Serialize};

use crate::web::{FormFailure, Refusal};
use domain::{Column, FileProblem};

/// What happened to one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowLine {
    pub line: i64,
    pub phone: String,
    pub full_name: String,
    pub outcome: Outcome,
    /// invalid: the wrong columns ("phone citizen_id") or "mismatch"; already: "employee" or "line:N".
    pub field: String,
}

/// One upload, with its progress and (when asked) its rows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgPageData {
    pub organization: String,
    pub employees: i64,
    pub invited: i64,
    pub enrolments: Vec<EnrolmentView>,
    /// Why the last file was refused (nothing was imported).
    pub problem: Option<UploadProblem>,
    /// The last upload failed on our side (nothing was imported).
    pub failed: bool,
}

/// The page /org/enrolments/{id}.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolmentPageData {
    pub organization: String,
    pub enrolment: EnrolmentView,
}

/// Why a whole file was refused ([`FileProblem`]) as the /org page and a script receive it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UploadProblem {
    Empty,
    TooBig,
    TooManyRows,
    NotUtf8,
    MissingColumn(UploadColumn),
    UnclosedQuote { line: usize },
    ShortRow { line: usize },
}

/// A column of the file ([`Column`]) as the /org page and a script receive it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UploadColumn {
    Phone,
    FullName,
    CitizenId,
}

impl From<FileProblem> for UploadProblem {
    fn from(p: FileProblem) -> Self {
        match p {
            FileProblem::Empty => UploadProblem::Empty,
            FileProblem::TooBig => UploadProblem::TooBig,
            FileProblem::TooManyRows => UploadProblem::TooManyRows,
            FileProblem::NotUtf8 => UploadProblem::NotUtf8,
            FileProblem::MissingColumn(c) => UploadProblem::MissingColumn(match c {
                Column::Phone => UploadColumn::Phone,
                Column::FullName => UploadColumn::FullName,
                Column::CitizenId => UploadColumn::CitizenId,
            }),
            FileProblem::UnclosedQuote { line } => UploadProblem::UnclosedQuote { line },
            FileProblem::ShortRow { line } => UploadProblem::ShortRow { line },
        }
    }
}

impl From<UploadProblem> for FileProblem {
    fn from(p: UploadProblem) -> Self {
        match p {
            UploadProblem::Empty => FileProblem::Empty,
            UploadProblem::TooBig => FileProblem::TooBig,
            UploadProblem::TooManyRows => FileProblem::TooManyRows,
            UploadProblem::NotUtf8 => FileProblem::NotUtf8,
            UploadProblem::MissingColumn(c) => FileProblem::MissingColumn(match c {
                UploadColumn::Phone => Column::Phone,
                UploadColumn::FullName => Column::FullName,
                UploadColumn::CitizenId => Column::CitizenId,
            }),
            UploadProblem::UnclosedQuote { line } => FileProblem::UnclosedQuote { line },
            UploadProblem::ShortRow { line } => FileProblem::ShortRow { line },
        }
    }
}

/// Why an upload imported nothing: the caller, or the file. Kept in the flash of /org for a browser without
/// JavaScript; a script gets it as JSON with its status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum UploadError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("the file cannot be imported: {0:?}")]
    File(UploadProblem),
}

impl FormFailure for UploadError {
    fn refusal(&self) -> Option<Refusal> {
        match self {
            UploadError::Refused(r) => Some(*r),
            UploadError::File(_) => None,
        }
    }

    /// A file too big is 413; any other problem of the file 422.
    fn status(&self) -> u16 {
        match self {
            UploadError::Refused(r) => r.status(),
            UploadError::File(UploadProblem::TooBig) => 413,
            UploadError::File(_) => 422,
        }
    }
}
