//! The rules of moving an account: what a recovery code looks like, how a helper checked the person, whether the
//! details on a chip ID card are the account's, and the limits. Plain functions, tested here.
use crate::identity::domain::{Date, FullName, Sex};

/// Characters of a recovery code: no 0/O, 1/I/L, so a code copied by hand reads back the same.
pub const ALPHABET: &[u8; 31] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Characters per code (about 50 bits).
pub const CODE_LEN: usize = 10;
/// Codes in a set.
pub const SET_SIZE: usize = 10;
/// Wrong recovery codes for one account in 24 hours before recovery by code stops for that account for a day.
pub const MAX_WRONG_PER_ACCOUNT_PER_DAY: i64 = 5;
/// Wrong recovery codes from one client in an hour, whatever the accounts.
pub const MAX_WRONG_PER_CLIENT_PER_HOUR: i64 = 10;
/// The step with the new phone's code must end within this (seconds).
pub const STEP_SECONDS: i64 = 15 * 60;
/// Assisted moves one helper may start in 24 hours.
pub const MAX_ASSISTED_PER_HELPER_PER_DAY: i64 = 30;
/// Details that did not match, per helper per hour, before the helper's form stops for the hour.
pub const MAX_MISMATCHES_PER_HELPER_PER_HOUR: i64 = 5;

/// A recovery code as typed: spaces, dashes and case do not matter.
#[derive(Clone, PartialEq, Eq)]
pub struct RecoveryCode(String);

impl std::fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryCode(…)")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RecoveryCodeError {
    Empty,
    /// Not ten characters of the code alphabet.
    Format,
}

impl RecoveryCode {
    pub fn parse(input: &str) -> Result<Self, RecoveryCodeError> {
        let cleaned: String =
            input.chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_uppercase).collect();
        if cleaned.is_empty() {
            return Err(RecoveryCodeError::Empty);
        }
        if cleaned.len() != CODE_LEN || !cleaned.bytes().all(|b| ALPHABET.contains(&b)) {
            return Err(RecoveryCodeError::Format);
        }
        Ok(RecoveryCode(cleaned))
    }

    /// From random bytes (one per character, rejection-sampled by the caller's source).
    pub fn from_indices(indices: &[u8; CODE_LEN]) -> Self {
        RecoveryCode(indices.iter().map(|&i| ALPHABET[usize::from(i) % ALPHABET.len()] as char).collect())
    }

    /// The canonical form (what is hashed).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// "ABCDE-FGHJK": how it is shown and printed.
    pub fn display(&self) -> String {
        format!("{}-{}", &self.0[..5], &self.0[5..])
    }
}

/// How a helper made sure the person at the counter is the account's owner (recorded with the move).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentityCheck {
    /// The chip ID card was seen in person and its photo compared with the face.
    CardInPerson,
    /// The card's chip was read (NFC) and its photo compared with the face.
    CardChip,
    /// The person showed their VNeID level-2 account on their own device.
    Vneid,
}

impl IdentityCheck {
    pub const ALL: [IdentityCheck; 3] = [IdentityCheck::CardInPerson, IdentityCheck::CardChip, IdentityCheck::Vneid];

    pub fn as_str(self) -> &'static str {
        match self {
            IdentityCheck::CardInPerson => "card_in_person",
            IdentityCheck::CardChip => "card_chip",
            IdentityCheck::Vneid => "vneid",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Which of the card's details differ from the account's: "full_name", "birth_date", "sex" (empty: all match).
/// Names are compared without case, spacing or diacritics marks being decomposed differently.
pub fn mismatched_fields(
    account: (&str, Option<&str>, Option<&str>),
    card: (&FullName, Date, Sex),
) -> Vec<&'static str> {
    let (name, birth_iso, sex) = account;
    let mut out = Vec::new();
    let same_name = FullName::parse(name).map(|n| n.as_str().to_lowercase()).ok()
        == Some(card.0.as_str().to_lowercase());
    if !same_name {
        out.push("full_name");
    }
    if birth_iso != Some(card.1.iso().as_str()) {
        out.push("birth_date");
    }
    if sex != Some(card.2.as_str()) {
        out.push("sex");
    }
    out
}

/// When an assisted move started now takes effect.
pub fn due_at(now: i64, wait_minutes: i64) -> i64 {
    now + wait_minutes.max(0) * 60
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_read_the_way_people_copy_them() {
        let code = RecoveryCode::parse("abcde-fghjk").expect("code");
        assert_eq!(code.as_str(), "ABCDEFGHJK");
        assert_eq!(code.display(), "ABCDE-FGHJK");
        assert_eq!(RecoveryCode::parse(" ABCDE FGHJK ").expect("spaces"), code);
        assert_eq!(RecoveryCode::parse(""), Err(RecoveryCodeError::Empty));
        assert_eq!(RecoveryCode::parse("ABCDE-FGHJ"), Err(RecoveryCodeError::Format));
        // 0, O, 1, I and L are not in the alphabet: a misread code is a format error, not a wrong try
        assert_eq!(RecoveryCode::parse("ABCDE-FGH0K"), Err(RecoveryCodeError::Format));
        assert_eq!(RecoveryCode::parse("ABCDE-FGHIK"), Err(RecoveryCodeError::Format));
    }

    #[test]
    fn codes_from_random_indices_stay_in_the_alphabet() {
        let code = RecoveryCode::from_indices(&[0, 30, 31, 255, 7, 8, 9, 10, 11, 12]);
        assert_eq!(code.as_str().len(), CODE_LEN);
        assert!(RecoveryCode::parse(code.as_str()).is_ok());
    }

    #[test]
    fn identity_checks_round_trip() {
        for c in IdentityCheck::ALL {
            assert_eq!(IdentityCheck::parse(c.as_str()), Some(c));
        }
        assert_eq!(IdentityCheck::parse("trust_me"), None);
    }

    #[test]
    fn the_card_must_carry_the_accounts_details() {
        let name = FullName::parse("NGUYỄN VĂN AN").expect("name");
        let birth = Date::new(1985, 3, 12).expect("date");
        let same = mismatched_fields(("Nguyễn Văn An", Some("1985-03-12"), Some("male")), (&name, birth, Sex::Male));
        assert!(same.is_empty(), "{same:?}");
        let other = FullName::parse("Nguyễn Văn Ân").expect("name");
        let diff = mismatched_fields(("Nguyễn Văn An", Some("1985-03-13"), None), (&other, birth, Sex::Male));
        assert_eq!(diff, ["full_name", "birth_date", "sex"]);
    }

    #[test]
    fn an_assisted_move_waits_its_period() {
        assert_eq!(due_at(1000, 24 * 60), 1000 + 86_400);
        assert_eq!(due_at(1000, -5), 1000);
    }
}
