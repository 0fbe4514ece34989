//! The person's rights over their data (Vietnam's personal data law): "who saw my data" (every read by someone
//! else, and every QR check, as one timeline), an export of everything (profile JSON and documents in a zip), and
//! deletion after a grace period (what must be kept for audit is kept, and the page says so).
pub mod api;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;
#[cfg(feature = "ssr")]
pub mod web;

use crate::family::ActingFor;

/// What someone else looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SeenWhat {
    Profile,
    History,
    Documents,
    Document,
    Qr,
    Export,
    /// A counter or a relying party checked the QR code (see the QR checks page).
    QrCheck,
    /// A community team member registered the person (the detail names the team).
    Registered,
    /// The person let a team member update their profile for an hour.
    HelpGiven,
    /// The account moved to a new phone number (the detail is the new number, masked).
    PhoneMoved,
    /// A helper asked to move the account to a new number; it waits out its period.
    PhoneMoveRequested,
    /// A waiting move was cancelled.
    PhoneMoveCancelled,
}

impl SeenWhat {
    pub fn as_str(self) -> &'static str {
        match self {
            SeenWhat::Profile => "profile",
            SeenWhat::History => "history",
            SeenWhat::Documents => "documents",
            SeenWhat::Document => "document",
            SeenWhat::Qr => "qr",
            SeenWhat::Export => "export",
            SeenWhat::QrCheck => "qr_check",
            SeenWhat::Registered => "registered",
            SeenWhat::HelpGiven => "help_given",
            SeenWhat::PhoneMoved => "phone_moved",
            SeenWhat::PhoneMoveRequested => "phone_move_requested",
            SeenWhat::PhoneMoveCancelled => "phone_move_cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            SeenWhat::Profile,
            SeenWhat::History,
            SeenWhat::Documents,
            SeenWhat::Document,
            SeenWhat::Qr,
            SeenWhat::Export,
            SeenWhat::QrCheck,
            SeenWhat::Registered,
            SeenWhat::HelpGiven,
            SeenWhat::PhoneMoved,
            SeenWhat::PhoneMoveRequested,
            SeenWhat::PhoneMoveCancelled,
        ]
        .into_iter()
        .find(|w| w.as_str() == s)
    }
}

/// In what capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SeenRole {
    Guardian,
    Delegate,
    Staff,
    Organization,
    /// A community team member: registered the person, or helped them update their profile.
    Helper,
    /// The person themselves (account changes that are shown with the rest: a phone move).
    Owner,
}

/// One line of the timeline.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SeenLine {
    pub at: String,
    pub who: String,
    pub role: SeenRole,
    pub what: SeenWhat,
    /// A document's title, or a QR check's purpose.
    pub detail: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PrivacyNotice {
    DeletionRequested,
    DeletionCancelled,
}

/// The page /me/privacy.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PrivacyPageData {
    pub acting: Option<ActingFor>,
    pub lines: Vec<SeenLine>,
    /// dd/mm/yyyy: the day the account will be deleted, when the person asked for it.
    pub deletion_due: Option<String>,
    pub grace_days: i64,
    pub notice: Option<PrivacyNotice>,
    /// The last request failed on our side (nothing changed).
    pub failed: bool,
}
