//! Citizen accounts: who a person is (parsed at the edge), one-time codes by SMS, sessions.
pub mod domain;
#[cfg(feature = "ssr")]
pub mod otp;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod sms;

use serde::{Deserialize, Serialize};

/// What a one-time code is for: a code for one purpose never works for another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OtpPurpose {
    SignUp,
    SignIn,
    Confirm,
}

impl OtpPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            OtpPurpose::SignUp => "sign_up",
            OtpPurpose::SignIn => "sign_in",
            OtpPurpose::Confirm => "confirm",
        }
    }
}
