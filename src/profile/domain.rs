//! The profile's rules as plain functions: each field parsed into its clean form, and what is missing.
use super::{PField, PProblem, ProfileInput};
use crate::identity::domain::{CitizenId, Date, FullName, Sex};

/// The fields the completeness indicator counts (each has a "why it helps" line on the page).
pub const COUNTED: [PField; 9] = [
    PField::Email,
    PField::PermanentUnit,
    PField::CurrentUnit,
    PField::Occupation,
    PField::HealthInsurance,
    PField::TaxCode,
    PField::Epayment,
    PField::HouseholdAddress,
    PField::Ethnicity,
];

/// The counted fields still empty, and the share filled (0–100).
pub fn completeness(input: &ProfileInput) -> (Vec<PField>, u8) {
    let missing: Vec<PField> = COUNTED.into_iter().filter(|f| input.get(*f).trim().is_empty()).collect();
    let filled = COUNTED.len() - missing.len();
    (missing, (filled * 100 / COUNTED.len()) as u8)
}

fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn compact(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace() && *c != '.').collect()
}

/// A plausible e-mail address: one `@`, a dotted domain, no spaces; lower-cased.
pub fn parse_email(s: &str) -> Option<String> {
    let s = s.trim().to_lowercase();
    let (local, domain) = s.split_once('@')?;
    let ok = !local.is_empty()
        && local.len() <= 64
        && s.len() <= 254
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | ',' | ';'));
    ok.then_some(s)
}

/// A social/health insurance number: the 10-digit social insurance code, or the older 15-character card code
/// (2 letters, 13 digits). Upper-cased, spaces removed.
pub fn parse_health_insurance(s: &str) -> Option<String> {
    let s = compact(s).to_uppercase();
    let digits = |t: &str| t.chars().all(|c| c.is_ascii_digit());
    let ok = (s.len() == 10 && digits(&s))
        || (s.len() == 15 && s[..2].chars().all(|c| c.is_ascii_uppercase()) && digits(&s[2..]));
    ok.then_some(s)
}

/// A personal tax code: 10 digits, 10 digits and a 3-digit branch (`0123456789-001`), or, since 07/2025, the
/// 12-digit citizen ID number.
pub fn parse_tax_code(s: &str) -> Option<String> {
    let s = compact(s);
    let digits = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit());
    let ok = match s.split_once('-') {
        Some((main, branch)) => main.len() == 10 && digits(main) && branch.len() == 3 && digits(branch),
        None => (s.len() == 10 || s.len() == 12) && digits(&s),
    };
    ok.then_some(s)
}

/// A household's digital address: 10 digits.
pub fn parse_household_address(s: &str) -> Option<String> {
    let s = compact(s);
    (s.len() == 10 && s.chars().all(|c| c.is_ascii_digit())).then_some(s)
}

/// Every problem at once, or the values in their clean form. When `verified`, the identity fields are not taken
/// from the form (the caller keeps the registry's). `citizen_id` is checked against a changed sex or birth date.
pub fn validate(
    input: &ProfileInput,
    verified: bool,
    citizen_id: Option<&str>,
    today: Date,
    is_unit: impl Fn(&str) -> bool,
) -> Result<ProfileInput, Vec<(PField, PProblem)>> {
    let mut problems = Vec::new();
    let mut clean = ProfileInput::default();
    if !verified {
        match FullName::parse(&input.full_name) {
            Ok(name) => clean.full_name = name.as_str().to_owned(),
            Err(e) => problems.push((PField::FullName, PProblem::Name(e))),
        }
        let birth = Date::parse_birth_date(&input.birth_date, today)
            .map_err(|e| problems.push((PField::BirthDate, PProblem::Date(e))))
            .ok();
        let sex = Sex::parse(&input.sex);
        if sex.is_none() {
            problems.push((PField::Sex, PProblem::SexMissing));
        }
        if let (Some(birth), Some(sex)) = (birth, sex) {
            clean.birth_date = birth.dmy();
            clean.sex = sex.as_str().to_owned();
            if let Some(id) = citizen_id.and_then(|c| CitizenId::parse(c).ok())
                && id.check_person(sex, birth).is_err()
            {
                problems.push((PField::BirthDate, PProblem::IdMismatch));
            }
        }
    }
    let mut text = |field: PField, max: usize| {
        let value = squeeze(input.get(field));
        if value.chars().count() > max || value.chars().any(char::is_control) {
            problems.push((field, PProblem::TooLong));
        }
        clean.set(field, value);
    };
    text(PField::Nationality, 60);
    text(PField::Ethnicity, 40);
    text(PField::PermanentStreet, 200);
    text(PField::CurrentStreet, 200);
    text(PField::Occupation, 120);
    text(PField::Workplace, 160);
    text(PField::EpaymentProvider, 60);
    let mut parsed = |field: PField, parse: fn(&str) -> Option<String>, problem: PProblem| {
        let raw = input.get(field).trim();
        if raw.is_empty() {
            return;
        }
        match parse(raw) {
            Some(value) => clean.set(field, value),
            None => problems.push((field, problem)),
        }
    };
    parsed(PField::Email, parse_email, PProblem::Email);
    parsed(PField::HealthInsurance, parse_health_insurance, PProblem::HealthInsurance);
    parsed(PField::TaxCode, parse_tax_code, PProblem::TaxCode);
    parsed(PField::HouseholdAddress, parse_household_address, PProblem::HouseholdAddress);
    for field in [PField::PermanentUnit, PField::CurrentUnit] {
        let code = input.get(field).trim();
        if code.is_empty() {
            continue;
        }
        if is_unit(code) {
            clean.set(field, code.to_owned());
        } else {
            problems.push((field, PProblem::UnknownUnit));
        }
    }
    match input.epayment.as_str() {
        "" | "yes" | "no" => clean.epayment = input.epayment.clone(),
        _ => problems.push((PField::Epayment, PProblem::Choice)),
    }
    if problems.is_empty() { Ok(clean) } else { Err(problems) }
}

/// The fields whose value differs between `old` and `new` (the history's lines), in form order.
pub fn changes(old: &ProfileInput, new: &ProfileInput, identity: bool) -> Vec<(PField, String, String)> {
    let fields: Vec<PField> =
        if identity { PField::IDENTITY.into_iter().chain(PField::DECLARED).collect() } else { PField::DECLARED.to_vec() };
    fields
        .into_iter()
        .filter(|f| old.get(*f) != new.get(*f))
        .map(|f| (f, old.get(f).to_owned(), new.get(f).to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        Date::new(2026, 11, 23).expect("date")
    }

    fn filled() -> ProfileInput {
        ProfileInput {
            full_name: "nguyễn   văn an".into(),
            birth_date: "12/03/1985".into(),
            sex: "male".into(),
            nationality: "Việt Nam".into(),
            ethnicity: "Kinh".into(),
            email: " An.Nguyen@Example.VN ".into(),
            permanent_unit: "20242".into(),
            permanent_street: "12 Bạch Đằng".into(),
            current_unit: "20209".into(),
            current_street: "5 Lê Duẩn".into(),
            occupation: "Giáo viên".into(),
            workplace: "Trường THPT Phan Châu Trinh".into(),
            health_insurance: "48 12345 678".into(),
            tax_code: "0123456789-001".into(),
            epayment: "yes".into(),
            epayment_provider: "VNPT Money".into(),
            household_address: "0123 456 789".into(),
        }
    }

    #[test]
    fn a_full_profile_is_cleaned_field_by_field() {
        let clean = validate(&filled(), false, Some("048085001234"), today(), |u| u.starts_with("20")).expect("valid");
        assert_eq!(clean.full_name, "Nguyễn Văn An");
        assert_eq!(clean.email, "an.nguyen@example.vn");
        assert_eq!(clean.health_insurance, "4812345678");
        assert_eq!(clean.household_address, "0123456789");
        assert_eq!(completeness(&clean), (vec![], 100));
    }

    #[test]
    fn bad_values_are_named_and_verified_identity_is_not_taken_from_the_form() {
        let mut bad = filled();
        bad.email = "an@@example".into();
        bad.health_insurance = "123".into();
        bad.tax_code = "01234".into();
        bad.household_address = "12345678901".into();
        bad.permanent_unit = "99999".into();
        bad.epayment = "maybe".into();
        bad.birth_date = "12/03/2001".into(); // the ID number says born in 1985
        let problems = validate(&bad, false, Some("048085001234"), today(), |u| u.starts_with("20")).unwrap_err();
        for expected in [
            (PField::Email, PProblem::Email),
            (PField::HealthInsurance, PProblem::HealthInsurance),
            (PField::TaxCode, PProblem::TaxCode),
            (PField::HouseholdAddress, PProblem::HouseholdAddress),
            (PField::PermanentUnit, PProblem::UnknownUnit),
            (PField::Epayment, PProblem::Choice),
            (PField::BirthDate, PProblem::IdMismatch),
        ] {
            assert!(problems.contains(&expected), "{expected:?} in {problems:?}");
        }
        let mut verified = filled();
        verified.full_name = String::new();
        let clean = validate(&verified, true, None, today(), |_| true).expect("identity ignored");
        assert_eq!(clean.full_name, "");
    }

    #[test]
    fn codes_in_their_accepted_forms() {
        assert_eq!(parse_tax_code("048085001234").as_deref(), Some("048085001234"));
        assert_eq!(parse_tax_code("0123456789").as_deref(), Some("0123456789"));
        assert_eq!(parse_tax_code("0123456789-01"), None);
        assert_eq!(parse_health_insurance("dn4794812345678").as_deref(), Some("DN4794812345678"));
        assert_eq!(parse_email("a b@example.vn"), None);
        assert_eq!(parse_email("an@example"), None);
    }

    #[test]
    fn completeness_names_what_is_missing_and_changes_are_listed() {
        let empty = ProfileInput::default();
        let (missing, percent) = completeness(&empty);
        assert_eq!((missing.len(), percent), (9, 0));
        let mut some = empty.clone();
        some.email = "a@b.vn".into();
        some.tax_code = "0123456789".into();
        some.ethnicity = "Kinh".into();
        assert_eq!(completeness(&some).1, 33);
        let changed = changes(&empty, &some, false);
        assert_eq!(changed.iter().map(|c| c.0).collect::<Vec<_>>(), [PField::Ethnicity, PField::Email, PField::TaxCode]);
        assert_eq!(changed[1], (PField::Email, String::new(), "a@b.vn".to_owned()));
    }
}
