//! The citizen's QR code: a compact token signed with the server's Ed25519 key, carrying only the claims the
//! citizen chose to disclose; its verification online (with revocation) through a JSON API, and with no network at
//! a counter by the same rule compiled to WASM; and the parser of the QR printed on chip ID cards, and the island
//! that fills a form from one.
pub mod batch;
#[cfg(feature = "ssr")]
pub mod card;
pub mod card_scan;
pub mod cccd;
#[cfg(feature = "ssr")]
pub mod counter;
pub mod counter_scan;
#[cfg(feature = "ssr")]
pub mod places;
#[cfg(feature = "ssr")]
pub mod scan;
pub mod token;
#[cfg(feature = "ssr")]
pub mod api;
#[cfg(feature = "ssr")]
pub mod keys;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;
pub mod verify;
#[cfg(feature = "ssr")]
pub mod web;

use serde::{Deserialize, Serialize};

/// What the citizen chooses to show. Nothing outside the preset is ever put into the token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// Name, year of birth (and, once the profile has one, a photo reference).
    Basic,
    /// Only whether the person is 18 or older: no name, no birth date.
    Adult,
    /// Name, date of birth, sex and citizen ID number.
    Full,
}

impl Preset {
    pub const ALL: [Preset; 3] = [Preset::Basic, Preset::Adult, Preset::Full];

    pub fn as_str(self) -> &'static str {
        match self {
            Preset::Basic => "basic",
            Preset::Adult => "adult",
            Preset::Full => "full",
        }
    }

    pub fn parse(s: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn code(self) -> u8 {
        match self {
            Preset::Basic => 1,
            Preset::Adult => 2,
            Preset::Full => 3,
        }
    }

    pub fn from_code(code: u8) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.code() == code)
    }
}

/// The disclosed claims; a field is present only when its preset discloses it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_year: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub over_18: Option<bool>,
    /// yyyy-mm-dd
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// male | female
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sex: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub citizen_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub photo: Option<String>,
}

/// Why a token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Not a Công Dân Số token, cut short, or damaged beyond reading.
    Malformed,
    /// Signed with a key we do not know (or no longer publish).
    UnknownKey,
    /// The signature does not match: the token was altered or forged.
    BadSignature,
    Expired,
    /// Issued in the future (a clock far off, or a forgery).
    NotYetValid,
    /// The citizen revoked their codes (lost phone) after this one was issued.
    Revoked,
    /// No account carries this citizen code any more.
    UnknownCitizen,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Malformed => "malformed",
            Reason::UnknownKey => "unknown_key",
            Reason::BadSignature => "bad_signature",
            Reason::Expired => "expired",
            Reason::NotYetValid => "not_yet_valid",
            Reason::Revoked => "revoked",
            Reason::UnknownCitizen => "unknown_citizen",
        }
    }
}

/// Why a counter checks a code (recorded and shown to the citizen).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    Identity,
    Age,
    Entry,
    Service,
}

impl Purpose {
    pub const ALL: [Purpose; 4] = [Purpose::Identity, Purpose::Age, Purpose::Entry, Purpose::Service];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Identity => "identity",
            Purpose::Age => "age",
            Purpose::Entry => "entry",
            Purpose::Service => "service",
        }
    }

    pub fn parse(s: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// Going in or out of a place with entry control.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    In,
    Out,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }

    pub fn parse(s: &str) -> Option<Direction> {
        [Direction::In, Direction::Out].into_iter().find(|d| d.as_str() == s)
    }
}

/// What the counter shows after a check: green with the disclosed claims, or red with the reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterOutcome {
    pub valid: bool,
    pub reason: Option<Reason>,
    pub level: Option<u8>,
    pub preset: Option<Preset>,
    pub claims: Option<Claims>,
    /// A printed card, resolved online.
    pub card: bool,
    /// Recorded as going in or out of this place (its name).
    pub passage: Option<(String, Direction)>,
}

/// Why the counter could not even check (nothing to check).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CounterProblem {
    /// Neither a photo nor a pasted code.
    Nothing,
    /// The file is not a PNG or JPEG picture.
    NotAPicture,
    /// No readable QR code in the picture.
    NoCode,
    /// A photo was chosen, but the pasted-code button pressed: the photo was not sent.
    PhotoNotSent,
}

/// The counter page (/counter/scan): the operator's organizations and places, and what the last form answered
/// (the choices as the form had them, and the verdict or why there was none).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterPageData {
    /// The relying parties the operator works for: (id, name).
    pub organizations: Vec<(String, String)>,
    pub organization: String,
    pub purpose: Option<Purpose>,
    pub outcome: Option<CounterOutcome>,
    pub problem: Option<CounterProblem>,
    /// The last form failed on our side (nothing was checked or registered).
    pub failed: bool,
    pub typed: String,
    /// The places with entry control of the operator's organizations: (id, "place · organization").
    pub places: Vec<(String, String)>,
    /// The chosen place ("" at a counter).
    pub place: String,
    pub direction: Option<Direction>,
    /// The outcome of registering a place.
    pub place_notice: Option<PlaceNotice>,
    /// The place name as typed, kept when it was refused.
    pub place_typed: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlaceNotice {
    Added,
    NameInvalid,
    NameTaken,
}

/// The page /me/qr/checks: every check of the person's QR code.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecksPageData {
    pub checks: Vec<CheckLine>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckLine {
    /// hh:mm dd/mm/yyyy, Vietnam time
    pub at: String,
    pub preset: Option<Preset>,
    /// A check of the printed card.
    pub card: bool,
    pub valid: bool,
    pub reason: Option<Reason>,
    /// None: a relying party's system through the API.
    pub organization: Option<String>,
    pub purpose: Option<Purpose>,
    /// Going in or out of a place with entry control (its name).
    pub passage: Option<(String, Direction)>,
}

/// The printed card page (/me/qr/card).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardPageData {
    pub card: Option<CardView>,
    /// The number of the last card, when it was revoked.
    pub revoked: Option<u16>,
    /// What the last form (issue, revoke) did.
    pub notice: Option<CardNotice>,
    /// The last form failed on our side (nothing changed).
    pub failed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardView {
    /// The QR code, drawn on the server (SVG).
    pub qr_svg: String,
    pub number: u16,
    /// dd/mm/yyyy
    pub issued_on: String,
    pub full_name: String,
    pub code: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CardNotice {
    Issued,
    Revoked,
}

/// The /me/qr page: the chosen preset (the code itself is an image the page fetches, fresh every minute).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QrPageData {
    pub preset: Preset,
    /// How many times a counter or a relying party verified this person's codes online.
    pub verified_count: i64,
    /// Showing a dependant's code (from the guardian's phone).
    pub acting: Option<crate::family::ActingFor>,
    /// "Lost phone" failed on our side (nothing changed).
    pub failed: bool,
}

/// What the platform knows of the person, from which a preset picks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonFacts {
    pub full_name: String,
    pub birth_date: Option<crate::identity::domain::Date>,
    pub sex: Option<crate::identity::domain::Sex>,
    pub citizen_id: Option<String>,
}

/// The claims of a preset, and nothing else. "18 or older" is computed here, so the birth date never leaves.
pub fn disclose(preset: Preset, facts: &PersonFacts, today: crate::identity::domain::Date) -> Claims {
    match preset {
        Preset::Basic => Claims {
            full_name: Some(facts.full_name.clone()),
            birth_year: facts.birth_date.and_then(|d| u16::try_from(d.year).ok()),
            ..Claims::default()
        },
        Preset::Adult => Claims { over_18: Some(facts.birth_date.is_some_and(|d| d.age_on(today) >= 18)), ..Claims::default() },
        Preset::Full => Claims {
            full_name: Some(facts.full_name.clone()),
            birth_date: facts.birth_date.map(|d| d.iso()),
            sex: facts.sex.map(|s| s.as_str().to_owned()),
            citizen_id: facts.citizen_id.clone(),
            ..Claims::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::domain::{Date, Sex};

    fn facts(birth: Date) -> PersonFacts {
        PersonFacts {
            full_name: "Nguyễn Văn An".into(),
            birth_date: Some(birth),
            sex: Some(Sex::Male),
            citizen_id: Some("048085001234".into()),
        }
    }

    #[test]
    fn presets_never_leak_other_claims() {
        let today = Date::new(2026, 11, 23).expect("date");
        let an = facts(Date::new(1985, 3, 12).expect("date"));
        let basic = disclose(Preset::Basic, &an, today);
        assert_eq!(basic, Claims { full_name: Some("Nguyễn Văn An".into()), birth_year: Some(1985), ..Claims::default() });
        let adult = disclose(Preset::Adult, &an, today);
        assert_eq!(adult, Claims { over_18: Some(true), ..Claims::default() }, "no name, no birth date");
        let json = serde_json::to_string(&adult).expect("json");
        assert_eq!(json, r#"{"over_18":true}"#);
        let full = disclose(Preset::Full, &an, today);
        assert_eq!(full.citizen_id.as_deref(), Some("048085001234"));
        assert_eq!(full.birth_date.as_deref(), Some("1985-03-12"));
        assert_eq!(full.birth_year, None);
    }

    #[test]
    fn eighteen_is_counted_to_the_birthday() {
        let today = Date::new(2026, 11, 23).expect("date");
        let turns_tomorrow = facts(Date::new(2008, 11, 24).expect("date"));
        let turned_today = facts(Date::new(2008, 11, 23).expect("date"));
        assert_eq!(disclose(Preset::Adult, &turns_tomorrow, today).over_18, Some(false));
        assert_eq!(disclose(Preset::Adult, &turned_today, today).over_18, Some(true));
        let unknown = PersonFacts { full_name: "Trần Văn Quản".into(), ..PersonFacts::default() };
        assert_eq!(disclose(Preset::Adult, &unknown, today).over_18, Some(false), "no birth date: not shown as adult");
    }
}
