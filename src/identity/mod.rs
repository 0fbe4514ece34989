//! Citizen accounts: who a person is (parsed at the edge), one-time codes by SMS, sessions.
pub mod api;
#[cfg(feature = "ssr")]
pub mod account;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod email;
#[cfg(feature = "ssr")]
pub mod mail;
#[cfg(feature = "ssr")]
pub mod mfa;
#[cfg(feature = "ssr")]
pub mod mfa_web;
#[cfg(feature = "ssr")]
pub mod otp;
#[cfg(feature = "ssr")]
pub mod registry;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod sms;
#[cfg(feature = "ssr")]
pub mod totp;
pub mod ui;
#[cfg(feature = "ssr")]
pub mod web;

use serde::{Deserialize, Serialize};

/// What a one-time code is for: a code for one purpose never works for another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OtpPurpose {
    SignUp,
    SignIn,
    /// A resident confirms a registration a community team member made for them.
    Confirm,
    /// A resident lets a team member update their data for a while (never the same code as [`Self::Confirm`]).
    Help,
    /// Moving the account to a new number: the code to the old number, and the one to the new number.
    ChangeOld,
    ChangeNew,
    /// A recovery code was accepted: the code to the new number.
    Recover,
    /// An assisted move at a counter: the code to the new number, read out to the helper.
    MoveNew,
    /// Verifying an e-mail address (the code goes to the address; bound to the account's phone).
    Email,
}

impl OtpPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            OtpPurpose::SignUp => "sign_up",
            OtpPurpose::SignIn => "sign_in",
            OtpPurpose::Confirm => "confirm",
            OtpPurpose::Help => "help",
            OtpPurpose::ChangeOld => "change_old",
            OtpPurpose::ChangeNew => "change_new",
            OtpPurpose::Recover => "recover",
            OtpPurpose::MoveNew => "move_new",
            OtpPurpose::Email => "email",
        }
    }
}

/// The sign-up form as typed (kept to show it back, untouched, next to any error).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SignUpInput {
    pub phone: String,
    pub full_name: String,
    pub birth_date: String,
    pub sex: String,
    pub citizen_id: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Field {
    Phone,
    FullName,
    BirthDate,
    Sex,
    CitizenId,
    Consent,
    Code,
    /// Family forms: how the guardian is related, what a delegation allows, until when.
    Relation,
    Scope,
    Until,
}

/// Why a field was refused; each has its own translated message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Problem {
    Phone(domain::PhoneError),
    Name(domain::NameError),
    Date(domain::DateError),
    SexMissing,
    CitizenId(domain::CitizenIdError),
    ConsentMissing,
    /// A dependant child is under 14 (older children sign up themselves).
    NotAChild,
    /// One of the offered choices must be picked.
    ChoiceMissing,
    /// An end date must be after today and at most five years away.
    UntilInvalid,
    /// A person registering with their own phone is 14 or older (younger ones are added under a parent).
    TooYoung,
    /// The same ID number twice in one form.
    Repeated,
}

/// A message about the whole form (not one field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Notice {
    PhoneTaken,
    CitizenIdTaken,
    CodeSent,
    CodeWrong { tries_left: i64 },
    CodeExpired,
    CodeDead,
    NoCode,
    ResendTooSoon { seconds: i64 },
    TooManyCodes { minutes: i64 },
    SmsFailed,
    SignUpExpired,
    SessionRevoked,
    SignedOutEverywhere,
    /// The authenticator app's code was wrong (with the tries left at sign-in).
    AppCodeWrong { tries_left: Option<i64> },
    AppEnabled,
    AppDisabled,
    /// Staff keep their authenticator app.
    StaffKeepsApp,
    /// Five wrong authenticator codes ended the sign-in.
    SecondFactorFailed,
    /// "Lost phone": every QR code revoked and every session ended.
    LostPhoneDone,
    /// Sign-up details filled from the chip ID card's QR code (to check before going on).
    CardRead,
    /// No QR code could be read in the card photo.
    CardUnreadable,
    /// A QR code was read, but it is not a chip ID card's.
    NotACardCode,
    /// The account moved to a new number; every session ended.
    PhoneMoved,
    /// A sign-in code went to the verified e-mail address, if the account has one (the same answer either way).
    EmailCodeSent,
    /// The e-mail address is verified / removed.
    EmailVerified,
    EmailRemoved,
    /// The address typed is not an e-mail address.
    EmailInvalid,
    /// E-mail is not set up on this server.
    EmailUnavailable,
}

/// What a sign-up or sign-in page shows: the values as typed, the problems, a notice. What the last form left in
/// the flash for its page, in this shape (and what the consent step carries over from the sign-up form).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormState {
    pub input: SignUpInput,
    pub problems: Vec<(Field, Problem)>,
    pub notice: Option<Notice>,
}

impl FormState {
    pub fn problem(&self, field: Field) -> Option<Problem> {
        self.problems.iter().find(|(f, _)| *f == field).map(|(_, p)| *p)
    }
}

/// The page /verify: where the code went and what it is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyPageData {
    pub phone_e164: String,
    pub phone_display: String,
    pub purpose: OtpPurpose,
    pub resend_in: i64,
    pub notice: Option<Notice>,
    /// When the newest code was issued (hh:mm dd/mm/yyyy) and how it went out ("sms", "email", "failed"; None:
    /// shown as sent by SMS, the same for a number without an account).
    pub sent: Option<(String, Option<String>)>,
    /// Codes can also go by e-mail (sign-in, on a server with e-mail set up).
    pub email_channel: bool,
}

/// The page /me/email: the verified address for codes, or the step with its code.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailPageData {
    pub verified: Option<String>,
    /// The address waiting for its code (the code step is shown).
    pub pending: Option<String>,
    pub typed: String,
    pub notice: Option<Notice>,
    /// Whether this server can send e-mail at all.
    pub available: bool,
}

/// What the citizen sees of their own account (the page /me).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub full_name: String,
    pub phone: String,
    pub birth_date: String,
    pub citizen_id_masked: String,
    pub level: i64,
    /// unchecked | pending | match | mismatch | not_found
    pub registry_status: String,
    /// Which fields the registry disagreed on (never the registry's values).
    pub registry_mismatch: Vec<String>,
    /// Documents in the vault that expire within the warning period or have expired (filled by the /me handler).
    #[serde(default)]
    pub expiring_documents: i64,
    /// Organizations that enrolled the person as an employee, waiting for their answer: (invitation, name).
    pub employer_invitations: Vec<(String, String)>,
    /// The answer just given to an invitation: "confirmed" | "declined".
    pub employer_answer: Option<String>,
    /// Unused recovery codes (none: the page asks the person to make them).
    #[serde(default)]
    pub recovery_codes_left: i64,
    /// An assisted move to a new number waiting its period: (new number masked, when it takes effect).
    #[serde(default)]
    pub waiting_move: Option<(String, String)>,
    /// A waiting move was just cancelled.
    #[serde(default)]
    pub move_cancelled: bool,
}

/// The page /me/sessions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionsPageData {
    pub current_id: String,
    pub sessions: Vec<SessionLine>,
    pub notice: Option<Notice>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionLine {
    pub id: String,
    pub device: String,
    pub signed_in: String,
    pub last_seen: String,
}

/// The development outbox (exists only under --dev): (to, text, when), newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxPageData {
    pub messages: Vec<(String, String, String)>,
}

/// The second sign-in step (the authenticator app's code).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondFactorPageData {
    pub notice: Option<Notice>,
    /// This session is past the step already: the page sends the person on to their account.
    pub signed_in: bool,
}

/// The page /me/security: the authenticator app, on or being set up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityPageData {
    /// When the app was turned on (dd/mm/yyyy hh:mm), if it is on.
    pub enabled_on: Option<String>,
    pub staff: bool,
    /// Sent here because a staff page needs the app.
    pub required: bool,
    pub enrol: Option<Enrolment>,
    pub notice: Option<Notice>,
}

/// A new authenticator secret, shown once as a QR code and as text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    pub svg: String,
    pub secret_groups: String,
    pub uri: String,
}
