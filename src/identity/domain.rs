//! The values a person gives us to open an account, parsed once at the edge: phone number, citizen ID number,
//! full name, date of birth, sex. Each failing rule has its own error (and its own translated message).
use serde::{Deserialize, Serialize};

use crate::domain::text::fold;

/// A Vietnamese mobile number, stored as E.164 (`+84` and 9 digits).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PhoneNumber(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PhoneError {
    Empty,
    /// Something other than digits, spaces, dots, dashes, brackets and a leading `+`.
    NotDigits,
    /// Not 10 digits in the national form (0 + 9 digits).
    WrongLength,
    /// A landline or an unassigned prefix.
    NotMobile,
}

/// Mobile prefixes after the 2018 renumbering (Viettel, Vinaphone, MobiFone, Vietnamobile, Gmobile, Itel, Reddi).
const MOBILE_PREFIXES: &[&str] = &[
    "32", "33", "34", "35", "36", "37", "38", "39", "52", "55", "56", "58", "59", "70", "76", "77", "78", "79", "81",
    "82", "83", "84", "85", "86", "87", "88", "89", "90", "91", "92", "93", "94", "96", "97", "98", "99",
];

impl PhoneNumber {
    /// Accepts `0912 345 678`, `+84 912 345 678`, `84912345678`, `(+84) 912.345.678`.
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        let mut digits = String::with_capacity(12);
        for (i, c) in trimmed.char_indices() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '.' | '-' | '(' | ')' => {}
                '+' if digits.is_empty() && (i == 0 || trimmed[..i].chars().all(|p| p == '(')) => {}
                _ => return Err(PhoneError::NotDigits),
            }
        }
        let national = if let Some(rest) = digits.strip_prefix("84").filter(|r| r.len() == 9) {
            rest.to_owned()
        } else if let Some(rest) = digits.strip_prefix('0') {
            rest.to_owned()
        } else {
            return Err(PhoneError::WrongLength);
        };
        if national.len() != 9 {
            return Err(PhoneError::WrongLength);
        }
        if !MOBILE_PREFIXES.contains(&&national[..2]) {
            return Err(PhoneError::NotMobile);
        }
        Ok(PhoneNumber(format!("+84{national}")))
    }

    /// `+84912345678`
    pub fn e164(&self) -> &str {
        &self.0
    }

    /// `0912 345 678`, the way people write it.
    pub fn national(&self) -> String {
        let n = &self.0[3..];
        format!("0{} {} {}", &n[..3], &n[3..6], &n[6..])
    }

    /// For logs: `+8491*****78`.
    pub fn masked(&self) -> String {
        format!("{}*****{}", &self.0[..5], &self.0[10..])
    }

    /// For people (a number shown to someone who may not own it): `0912 *** 678`.
    pub fn partly_hidden(&self) -> String {
        let n = &self.0[3..];
        format!("0{} *** {}", &n[..3], &n[6..])
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn parse(input: &str) -> Option<Self> {
        match fold(input).as_str() {
            "male" | "nam" | "m" => Some(Sex::Male),
            "female" | "nu" | "f" => Some(Sex::Female),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }
}

/// A calendar date (no time zone: a birth date is a day in Vietnam).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DateError {
    Empty,
    /// Not dd/mm/yyyy.
    Format,
    /// 31/02/2000 and the like.
    NoSuchDay,
    /// After today.
    InFuture,
    /// Before 1900.
    TooOld,
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    pub fn new(year: i32, month: u8, day: u8) -> Option<Self> {
        (day >= 1 && day <= days_in_month(year, month)).then_some(Date { year, month, day })
    }

    /// `dd/mm/yyyy` (also `d/m/yyyy`, and `-` or `.` as separators).
    pub fn parse_dmy(input: &str) -> Result<Self, DateError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(DateError::Empty);
        }
        let parts: Vec<&str> = s.split(['/', '-', '.']).collect();
        let [d, m, y] = parts[..] else { return Err(DateError::Format) };
        let all_digits = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit());
        if !(all_digits(d) && all_digits(m) && all_digits(y)) || d.len() > 2 || m.len() > 2 || y.len() != 4 {
            return Err(DateError::Format);
        }
        let (day, month, year) = (d.parse().unwrap_or(0), m.parse().unwrap_or(0), y.parse().unwrap_or(0));
        Date::new(year, month, day).ok_or(DateError::NoSuchDay)
    }

    /// A date of birth: a real day, not in the future, not before 1900.
    pub fn parse_birth_date(input: &str, today: Date) -> Result<Self, DateError> {
        let date = Self::parse_dmy(input)?;
        if date > today {
            return Err(DateError::InFuture);
        }
        if date.year < 1900 {
            return Err(DateError::TooOld);
        }
        Ok(date)
    }

    /// `23/11/2026`
    pub fn dmy(&self) -> String {
        format!("{:02}/{:02}/{:04}", self.day, self.month, self.year)
    }

    /// `2026-11-23` (for storage and sorting).
    pub fn iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    pub fn parse_iso(s: &str) -> Option<Self> {
        let mut it = s.splitn(3, '-');
        let (y, m, d) = (it.next()?.parse().ok()?, it.next()?.parse().ok()?, it.next()?.parse().ok()?);
        Date::new(y, m, d)
    }

    /// The civil date of a Unix time in Vietnam (UTC+7, no daylight saving).
    pub fn from_unix_vietnam(seconds: i64) -> Self {
        let days = (seconds + 7 * 3600).div_euclid(86_400);
        // Howard Hinnant's days-to-civil algorithm.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// The Unix time at which this day starts in Vietnam (00:00 UTC+7): the inverse of [`Self::from_unix_vietnam`].
    pub fn start_unix_vietnam(&self) -> i64 {
        // Howard Hinnant's days-from-civil algorithm.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        days * 86_400 - 7 * 3600
    }

    /// Whole years of age on `today`.
    pub fn age_on(&self, today: Date) -> i32 {
        let had_birthday = (today.month, today.day) >= (self.month, self.day);
        today.year - self.year - i32::from(!had_birthday)
    }
}

/// A person's full name as written on their ID card, with diacritics.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FullName(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NameError {
    Empty,
    /// A single word: family and given name are both needed.
    OneWord,
    TooLong,
    /// Digits or symbols.
    BadCharacters,
}

impl FullName {
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let words: Vec<&str> = input.split_whitespace().collect();
        if words.is_empty() {
            return Err(NameError::Empty);
        }
        let name = words.join(" ");
        if name.chars().count() > 100 {
            return Err(NameError::TooLong);
        }
        if !name.chars().all(|c| c.is_alphabetic() || c == ' ' || c == '\'' || c == '-' || is_combining(c)) {
            return Err(NameError::BadCharacters);
        }
        if words.len() < 2 {
            return Err(NameError::OneWord);
        }
        // Capitalise each word the way ID cards print names in sentence case ("nguyễn văn an" -> "Nguyễn Văn An").
        let name = words
            .iter()
            .map(|w| {
                let mut chars = w.chars();
                match chars.next() {
                    Some(first) => first.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect::<String>(),
                    None => String::new(),
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
        Ok(FullName(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Without diacritics, lower case: the search key.
    pub fn folded(&self) -> String {
        fold(&self.0)
    }
}

fn is_combining(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}')
}

/// The 12-digit personal identification number printed on the chip ID card (CCCD).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CitizenId(String);

impl std::fmt::Debug for CitizenId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CitizenId({})", self.masked())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CitizenIdError {
    Empty,
    /// Not exactly 12 digits.
    NotTwelveDigits,
    /// The first three digits are not a province code.
    UnknownProvince,
    /// The fourth digit does not match the sex and the century of birth.
    SexCenturyMismatch,
    /// The fifth and sixth digits are not the last two digits of the birth year.
    BirthYearMismatch,
}

const PROVINCES: &str = include_str!("../../schema/seed/cccd-province-codes.tsv");

/// The province (at the time the birth was registered) for a 3-digit code.
pub fn province_name(code: &str) -> Option<&'static str> {
    PROVINCES.lines().skip(1).find_map(|line| {
        let (c, name) = line.split_once('\t')?;
        (c == code).then_some(name.trim())
    })
}

impl CitizenId {
    /// The number alone: 12 digits (spaces allowed) with a real province code.
    pub fn parse(input: &str) -> Result<Self, CitizenIdError> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.is_empty() {
            return Err(CitizenIdError::Empty);
        }
        if digits.len() != 12 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(CitizenIdError::NotTwelveDigits);
        }
        if province_name(&digits[..3]).is_none() {
            return Err(CitizenIdError::UnknownProvince);
        }
        Ok(CitizenId(digits))
    }

    /// The number, checked against the person it belongs to.
    pub fn parse_for(input: &str, sex: Sex, birth: Date) -> Result<Self, CitizenIdError> {
        let id = Self::parse(input)?;
        id.check_person(sex, birth)?;
        Ok(id)
    }

    /// Digit 4 encodes sex and century (0/1 = male/female born 1900–1999, 2/3 = 2000–2099, … up to 8/9);
    /// digits 5–6 are the last two digits of the birth year.
    pub fn check_person(&self, sex: Sex, birth: Date) -> Result<(), CitizenIdError> {
        let digit = i32::from(self.0.as_bytes()[3] - b'0');
        let century = birth.year.div_euclid(100) - 19;
        let expected = century * 2 + i32::from(sex == Sex::Female);
        if !(0..=9).contains(&expected) || digit != expected {
            return Err(CitizenIdError::SexCenturyMismatch);
        }
        if self.0[4..6] != format!("{:02}", birth.year.rem_euclid(100)) {
            return Err(CitizenIdError::BirthYearMismatch);
        }
        Ok(())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// For logs and screens that need only a hint: `048*******89`.
    pub fn masked(&self) -> String {
        format!("{}*******{}", &self.0[..3], &self.0[10..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u8, month: u8, year: i32) -> Date {
        Date::new(year, month, day).expect("valid date")
    }

    #[test]
    fn phone_numbers_are_normalised_from_every_common_form() {
        for input in ["0912345678", "0912 345 678", "+84912345678", "+84 912 345 678", "84912345678", "(+84) 912.345.678", "091-234-5678"] {
            assert_eq!(PhoneNumber::parse(input).map(|p| p.e164().to_owned()), Ok("+84912345678".to_owned()), "{input}");
        }
        let p = PhoneNumber::parse("0387 654 321").expect("viettel 038");
        assert_eq!(p.national(), "0387 654 321");
        assert_eq!(p.masked(), "+8438*****21");
        assert_eq!(p.partly_hidden(), "0387 *** 321");
    }

    #[test]
    fn phone_numbers_that_are_not_vietnamese_mobiles_are_refused() {
        assert_eq!(PhoneNumber::parse(""), Err(PhoneError::Empty));
        assert_eq!(PhoneNumber::parse("09123abc78"), Err(PhoneError::NotDigits));
        assert_eq!(PhoneNumber::parse("091234567"), Err(PhoneError::WrongLength));
        assert_eq!(PhoneNumber::parse("09123456789"), Err(PhoneError::WrongLength));
        assert_eq!(PhoneNumber::parse("+1 415 555 0100"), Err(PhoneError::WrongLength));
        // Đà Nẵng landline (0236) and the old 11-digit mobile form
        assert_eq!(PhoneNumber::parse("0236 3822 111"), Err(PhoneError::WrongLength));
        assert_eq!(PhoneNumber::parse("0236382211"), Err(PhoneError::NotMobile));
        assert_eq!(PhoneNumber::parse("01682345678"), Err(PhoneError::WrongLength));
        assert_eq!(PhoneNumber::parse("0212345678"), Err(PhoneError::NotMobile));
        assert_eq!(PhoneNumber::parse("0912+345678"), Err(PhoneError::NotDigits));
    }

    #[test]
    fn citizen_ids_follow_the_province_sex_century_and_year_rules() {
        // 048 = Đà Nẵng; 0 = male born 1900–1999; 85 = 1985
        assert!(CitizenId::parse_for("048085001234", Sex::Male, d(12, 3, 1985)).is_ok());
        // 3 = female born 2000–2099; 01 = 2001; 079 = Hồ Chí Minh
        assert!(CitizenId::parse_for("079301009876", Sex::Female, d(1, 1, 2001)).is_ok());
        assert!(CitizenId::parse_for(" 0481 8500 1234 ", Sex::Female, d(5, 5, 1985)).is_ok());
        assert_eq!(CitizenId::parse(""), Err(CitizenIdError::Empty));
        assert_eq!(CitizenId::parse("04808500123"), Err(CitizenIdError::NotTwelveDigits));
        assert_eq!(CitizenId::parse("04808500123a"), Err(CitizenIdError::NotTwelveDigits));
        // 003 is not a province code (codes skip numbers)
        assert_eq!(CitizenId::parse("003085001234"), Err(CitizenIdError::UnknownProvince));
        assert_eq!(
            CitizenId::parse_for("048085001234", Sex::Female, d(12, 3, 1985)),
            Err(CitizenIdError::SexCenturyMismatch)
        );
        assert_eq!(
            CitizenId::parse_for("048085001234", Sex::Male, d(12, 3, 2085)),
            Err(CitizenIdError::SexCenturyMismatch)
        );
        assert_eq!(
            CitizenId::parse_for("048086001234", Sex::Male, d(12, 3, 1985)),
            Err(CitizenIdError::BirthYearMismatch)
        );
        assert_eq!(province_name("048"), Some("Đà Nẵng"));
    }

    #[test]
    fn citizen_ids_are_masked_in_debug_output() {
        let id = CitizenId::parse("048085001234").expect("valid");
        assert_eq!(format!("{id:?}"), "CitizenId(048*******34)");
    }

    #[test]
    fn birth_dates_are_real_past_days_written_dd_mm_yyyy() {
        let today = d(23, 11, 2026);
        assert_eq!(Date::parse_birth_date("05/09/1990", today), Ok(d(5, 9, 1990)));
        assert_eq!(Date::parse_birth_date("5/9/1990", today), Ok(d(5, 9, 1990)));
        assert_eq!(Date::parse_birth_date("29/02/2000", today), Ok(d(29, 2, 2000)));
        assert_eq!(Date::parse_birth_date("29/02/1900", today), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse_birth_date("31/04/1990", today), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse_birth_date("1990-09-05", today), Err(DateError::Format));
        assert_eq!(Date::parse_birth_date("24/11/2026", today), Err(DateError::InFuture));
        assert_eq!(Date::parse_birth_date("01/01/1899", today), Err(DateError::TooOld));
        assert_eq!(Date::parse_birth_date(" ", today), Err(DateError::Empty));
        assert_eq!(d(5, 9, 1990).dmy(), "05/09/1990");
        assert_eq!(Date::parse_iso("1990-09-05"), Some(d(5, 9, 1990)));
    }

    #[test]
    fn days_start_at_midnight_in_vietnam_both_ways() {
        for date in [d(1, 1, 1970), d(29, 2, 2024), d(31, 12, 1999), d(23, 11, 2026)] {
            let start = date.start_unix_vietnam();
            assert_eq!(Date::from_unix_vietnam(start), date);
            assert_eq!(Date::from_unix_vietnam(start - 1), Date::from_unix_vietnam(start - 86_400));
            assert_ne!(Date::from_unix_vietnam(start - 1), date);
        }
        assert_eq!(d(1, 1, 1970).start_unix_vietnam(), -7 * 3600);
    }

    #[test]
    fn dates_follow_vietnam_time_and_ages_count_birthdays() {
        // 2026-11-23T17:00:00Z is already the 24th in Vietnam (UTC+7)
        assert_eq!(Date::from_unix_vietnam(1_795_453_200), d(24, 11, 2026));
        assert_eq!(Date::from_unix_vietnam(0), d(1, 1, 1970));
        assert_eq!(d(24, 11, 2008).age_on(d(23, 11, 2026)), 17);
        assert_eq!(d(23, 11, 2008).age_on(d(23, 11, 2026)), 18);
    }

    #[test]
    fn full_names_keep_diacritics_and_get_a_search_key() {
        let name = FullName::parse("  nguyễn   thị ánh  TUYẾT ").expect("valid");
        assert_eq!(name.as_str(), "Nguyễn Thị Ánh Tuyết");
        assert_eq!(name.folded(), "nguyen thi anh tuyet");
        assert_eq!(FullName::parse(""), Err(NameError::Empty));
        assert_eq!(FullName::parse("Tuyết"), Err(NameError::OneWord));
        assert_eq!(FullName::parse("Nguyễn Văn 2"), Err(NameError::BadCharacters));
        assert_eq!(FullName::parse(&"A ".repeat(60)), Err(NameError::TooLong));
    }

    #[test]
    fn sex_is_read_in_vietnamese_or_english() {
        assert_eq!(Sex::parse("Nam"), Some(Sex::Male));
        assert_eq!(Sex::parse("Nữ"), Some(Sex::Female));
        assert_eq!(Sex::parse("female"), Some(Sex::Female));
        assert_eq!(Sex::parse("khác"), None);
    }
}
