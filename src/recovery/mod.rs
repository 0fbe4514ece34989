//! Lost or changed phone: moving an account to a new number, so that nobody loses their digital identity with
//! their phone and nobody steals one through this door. Three paths:
//! 1. the old phone still works: a code to the old number and one to the new (`/me/phone`);
//! 2. the old phone is lost, the person kept their recovery codes: a recovery code and a code to the new number
//!    (`/recover`); codes are made on `/me/recovery`, shown once, stored as HMACs;
//! 3. no codes: a ward officer or a community team member checks the chip ID card in person (`/assist/move`), the
//!    new phone's code is read out, and the move waits 24 hours (configurable) during which the old number gets a
//!    link to cancel it (`/move/cancel/{token}`), and a signed-in owner can cancel it on `/me`.
//!
//! Every path ends every session, revokes every QR code issued to the old phone, and is recorded in the audit trail
//! and in the person's "who saw my data".
pub mod api;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;
#[cfg(feature = "ssr")]
pub mod web;

use serde::{Deserialize, Serialize};

use crate::identity::domain::PhoneError;
use crate::identity::{Notice, Problem};
use domain::RecoveryCodeError;

/// How an account came to its new number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MovePath {
    OldPhone,
    RecoveryCode,
    Assisted,
}

impl MovePath {
    pub fn as_str(self) -> &'static str {
        match self {
            MovePath::OldPhone => "old_phone",
            MovePath::RecoveryCode => "recovery_code",
            MovePath::Assisted => "assisted",
        }
    }
}

/// The fields of the move forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MoveField {
    /// The account's number (recovery) or the old number.
    Phone,
    NewPhone,
    RecoveryCode,
    CodeOld,
    CodeNew,
    CitizenId,
    FullName,
    BirthDate,
    Sex,
    CheckedHow,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MoveProblem {
    Identity(Problem),
    RecoveryCode(RecoveryCodeError),
    /// The new number is the account's number now.
    SamePhone,
}

impl From<PhoneError> for MoveProblem {
    fn from(e: PhoneError) -> Self {
        MoveProblem::Identity(Problem::Phone(e))
    }
}

/// A message about a whole move form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MoveNotice {
    /// A code's answer, worded as on the sign-in pages.
    Code(Notice),
    /// The same, about the code sent to the old number / to the new number.
    CodeOld(Notice),
    CodeNew(Notice),
    /// Codes went to both numbers (path 1) / to the new number (paths 2 and 3).
    CodesSent,
    CodeSentToNew,
    /// The new number already has an account.
    PhoneTaken,
    /// Wrong recovery code, or no account with that number (one answer for both).
    WrongRecovery,
    /// Too many wrong recovery codes: wait a day, or go to the ward counter.
    Locked,
    /// The form's step is over (15 minutes, or replaced): start again.
    StepOver,
    /// No account with that ID number in the helper's wards (or not active).
    NotInWard,
    /// The card's details differ from the account's (which fields: "full_name", "birth_date", "sex").
    Mismatch(Vec<String>),
    /// The population registry does not confirm the card (level-2 account).
    RegistryMismatch,
    /// The registry could not be asked now (level-2 accounts need it): try later.
    RegistryUnavailable,
    /// The helper reached a limit (moves per day, mismatches per hour).
    HelperLimit,
    /// The assisted move is recorded: (new number masked, when it takes effect).
    Scheduled { to: String, due: String },
    /// Something failed on our side.
    Failed,
}

/// `/me/phone`: change the number while the old phone still works. What its last form answered comes back in the
/// flash in this shape too (the page then puts in the number now).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePageData {
    /// The account's number now (national format).
    pub current: String,
    pub new_phone: String,
    /// Codes were sent to both numbers: the second step is shown.
    pub sent: bool,
    pub problems: Vec<(MoveField, MoveProblem)>,
    pub notice: Option<MoveNotice>,
}

/// `/me/recovery`: the recovery codes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodesPageData {
    /// Unused codes of the current set.
    pub left: i64,
    /// When the current set was made (dd/mm/yyyy).
    pub made_on: Option<String>,
    /// A set just made: shown this once ("ABCDE-FGHJK").
    pub fresh: Vec<String>,
    /// Making a new set failed just now (the old set still works).
    pub failed: bool,
}

/// `/recover`: the old phone is lost; a recovery code and a code to the new number. Nobody is signed in: the page
/// is what its last form answered (the flash), or empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoverPageData {
    pub phone: String,
    pub new_phone: String,
    /// The second step's token (the recovery code was accepted; the new number's code is awaited).
    pub token: Option<String>,
    pub problems: Vec<(MoveField, MoveProblem)>,
    pub notice: Option<MoveNotice>,
}

/// The assisted move form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AssistMoveInput {
    pub citizen_id: String,
    pub full_name: String,
    pub birth_date: String,
    pub sex: String,
    pub new_phone: String,
    pub checked_how: String,
    pub note: String,
}

/// `/assist/move`: a helper moves a resident's account after checking their chip ID card. The page is what its
/// last form answered (the flash), or empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssistMovePageData {
    pub input: AssistMoveInput,
    /// The second step's token (the new number's code is awaited).
    pub token: Option<String>,
    pub problems: Vec<(MoveField, MoveProblem)>,
    pub notice: Option<MoveNotice>,
}

/// `/move/cancel/{token}`: the link sent to the old number, and what its button just did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelPageData {
    pub token: String,
    /// The waiting move: (new number masked, when it takes effect); None: no such move (any more).
    pub waiting: Option<(String, String)>,
    pub cancelled: bool,
    /// The button failed on our side (nothing changed).
    pub failed: bool,
}

/// A problem of `field`, if any.
pub fn problem_of(problems: &[(MoveField, MoveProblem)], field: MoveField) -> Option<MoveProblem> {
    problems.iter().find(|(f, _)| *f == field).map(|(_, p)| *p)
}
