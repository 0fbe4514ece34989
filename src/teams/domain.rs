//! The rules of an assisted registration, as plain functions.
use super::{AssistInput, DependantInput, Who};
use crate::family::{ChildInput, Relation};
use crate::identity::account::{self, SignUpDetails};
use crate::identity::domain::{CitizenId, Date, FullName, Sex};
use crate::identity::{Field, Problem, SignUpInput};

/// A family member registered with the resident, after every rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DependantDetails {
    pub full_name: FullName,
    pub birth_date: Date,
    pub sex: Sex,
    pub citizen_id: Option<CitizenId>,
    pub relation: Relation,
}

/// An assisted registration that passed every rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssistDetails {
    pub key: String,
    pub resident: SignUpDetails,
    pub street: Option<String>,
    /// Unix seconds: when the member saved it (the consent was recorded then).
    pub recorded_at: i64,
    pub dependants: Vec<DependantDetails>,
}

/// An idempotency key as devices make them (a UUID, or 16–64 letters, digits and dashes).
pub fn valid_key(key: &str) -> bool {
    (16..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// When the registration was made on the device: its clock in milliseconds, believed only within the last 30
/// days and never in the future (a wrong phone clock must not move the figures).
pub fn recorded_at(typed: &str, now: i64) -> i64 {
    match typed.trim().parse::<i64>() {
        Ok(ms) if ms / 1000 <= now && ms / 1000 >= now - 30 * 86_400 => ms / 1000,
        _ => now,
    }
}

/// A child under 14 (the family rules), or an older person without a phone (an elder): then the ID number is
/// required, since everyone from 14 holds a card, and the resident is their guardian.
pub fn validate_dependant(input: &DependantInput, today: Date) -> Result<DependantDetails, Vec<(Field, Problem)>> {
    let child = ChildInput {
        full_name: input.full_name.clone(),
        birth_date: input.birth_date.clone(),
        sex: input.sex.clone(),
        citizen_id: input.citizen_id.clone(),
        relation: input.relation.clone(),
    };
    let birth = Date::parse_birth_date(&input.birth_date, today).ok();
    let adult = birth.is_some_and(|b| b.age_on(today) > crate::family::CHILD_MAX_AGE);
    if !adult {
        return crate::family::service::validate_child(&child, today).map(|c| DependantDetails {
            full_name: c.full_name,
            birth_date: c.birth_date,
            sex: c.sex,
            citizen_id: c.citizen_id,
            relation: c.relation,
        });
    }
    let mut problems = Vec::new();
    let full_name =
        FullName::parse(&input.full_name).map_err(|e| problems.push((Field::FullName, Problem::Name(e)))).ok();
    let sex = Sex::parse(&input.sex);
    if sex.is_none() {
        problems.push((Field::Sex, Problem::SexMissing));
    }
    let citizen_id = match (sex, birth) {
        (Some(sex), Some(birth)) => CitizenId::parse_for(&input.citizen_id, sex, birth),
        _ => CitizenId::parse(&input.citizen_id),
    }
    .map_err(|e| problems.push((Field::CitizenId, Problem::CitizenId(e))))
    .ok();
    match (full_name, birth, sex, citizen_id) {
        (Some(full_name), Some(birth_date), Some(sex), Some(citizen_id)) if problems.is_empty() => {
            Ok(DependantDetails { full_name, birth_date, sex, citizen_id: Some(citizen_id), relation: Relation::Guardian })
        }
        _ => Err(problems),
    }
}

/// Every problem of the form at once (the resident's and each family member's), or the parsed details.
pub fn validate(input: &AssistInput, now: i64) -> Result<AssistDetails, Vec<(Who, Field, Problem)>> {
    let today = Date::from_unix_vietnam(now);
    let mut problems = Vec::new();
    let resident = SignUpInput {
        phone: input.phone.clone(),
        full_name: input.full_name.clone(),
        birth_date: input.birth_date.clone(),
        sex: input.sex.clone(),
        citizen_id: input.citizen_id.clone(),
    };
    let resident = account::validate(&resident, today)
        .map_err(|p| problems.extend(p.into_iter().map(|(f, p)| (Who::Resident, f, p))))
        .ok();
    if let Some(r) = &resident
        && r.birth_date.age_on(today) < 14
    {
        // from 14 a person holds a card and a phone of their own; younger ones are registered under a parent
        problems.push((Who::Resident, Field::BirthDate, Problem::TooYoung));
    }
    if !input.consent {
        problems.push((Who::Resident, Field::Consent, Problem::ConsentMissing));
    }
    let mut dependants = Vec::new();
    for (i, d) in input.dependants.iter().enumerate() {
        if d.is_blank() {
            continue;
        }
        match validate_dependant(d, today) {
            Ok(details) => dependants.push(details),
            Err(p) => problems.extend(p.into_iter().map(|(f, p)| (Who::Dependant(i + 1), f, p))),
        }
    }
    // one person twice in the same visit
    let mut seen = std::collections::HashSet::new();
    for (i, d) in input.dependants.iter().enumerate() {
        let cid: String = d.citizen_id.chars().filter(|c| c.is_ascii_digit()).collect();
        if !cid.is_empty() && (!seen.insert(cid.clone()) || resident.as_ref().is_some_and(|r| r.citizen_id.as_str() == cid)) {
            problems.push((Who::Dependant(i + 1), Field::CitizenId, Problem::Repeated));
        }
    }
    let street = input.street.split_whitespace().collect::<Vec<_>>().join(" ");
    match resident {
        Some(resident) if problems.is_empty() => Ok(AssistDetails {
            key: if valid_key(&input.key) { input.key.clone() } else { String::new() },
            resident,
            street: (!street.is_empty()).then_some(street),
            recorded_at: recorded_at(&input.recorded_at, now),
            dependants,
        }),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-24 10:00 in Vietnam
    const NOW: i64 = 1_795_489_200;

    fn good() -> AssistInput {
        AssistInput {
            key: "0f8e2b4c-1d3a-4e5f-9a8b-7c6d5e4f3a2b".into(),
            full_name: "Trần Thị Lan".into(),
            citizen_id: "048186000123".into(),
            birth_date: "02/03/1986".into(),
            sex: "female".into(),
            phone: "0905 123 456".into(),
            street: " 12  Lê Duẩn ".into(),
            consent: true,
            recorded_at: String::new(),
            dependants: vec![],
        }
    }

    fn child() -> DependantInput {
        DependantInput {
            full_name: "Nguyễn Bé Na".into(),
            birth_date: "01/06/2019".into(),
            sex: "female".into(),
            citizen_id: String::new(),
            relation: "parent".into(),
        }
    }

    #[test]
    fn a_complete_form_passes_and_is_cleaned() {
        let details = validate(&good(), NOW).expect("valid");
        assert_eq!(details.resident.phone.e164(), "+84905123456");
        assert_eq!(details.street.as_deref(), Some("12 Lê Duẩn"));
        assert_eq!(details.recorded_at, NOW);
        assert!(details.dependants.is_empty());
    }

    #[test]
    fn every_problem_is_reported_at_once_with_whose_it_is() {
        let mut input = good();
        input.phone = "12345".into();
        input.consent = false;
        input.dependants = vec![DependantInput::default(), DependantInput { full_name: "X".into(), ..child() }];
        let problems = validate(&input, NOW).expect_err("invalid");
        assert!(problems.iter().any(|(w, f, _)| *w == Who::Resident && *f == Field::Phone));
        assert!(problems.iter().any(|(w, f, _)| *w == Who::Resident && *f == Field::Consent));
        // the blank first slot is ignored; the second is dependant 2
        assert!(problems.iter().any(|(w, f, _)| *w == Who::Dependant(2) && *f == Field::FullName));
        assert!(!problems.iter().any(|(w, _, _)| *w == Who::Dependant(1)));
    }

    #[test]
    fn children_and_elders_follow_their_rules() {
        let today = Date::from_unix_vietnam(NOW);
        let c = validate_dependant(&child(), today).expect("a child");
        assert_eq!(c.relation, Relation::Parent);
        // an elder needs the ID number, and the resident becomes the guardian whatever was chosen
        let elder = DependantInput {
            full_name: "Lê Văn Cả".into(),
            birth_date: "05/05/1940".into(),
            sex: "male".into(),
            citizen_id: String::new(),
            relation: "parent".into(),
        };
        let problems = validate_dependant(&elder, today).expect_err("no ID");
        assert!(problems.iter().any(|(f, _)| *f == Field::CitizenId));
        let elder = DependantInput { citizen_id: "048040000456".into(), ..elder };
        assert_eq!(validate_dependant(&elder, today).expect("elder").relation, Relation::Guardian);
    }

    #[test]
    fn a_resident_is_at_least_14_and_nobody_appears_twice() {
        let mut young = good();
        young.birth_date = "01/01/2015".into();
        young.citizen_id = "048315000123".into();
        assert!(validate(&young, NOW).expect_err("too young").iter().any(|(_, f, _)| *f == Field::BirthDate));
        let mut twice = good();
        twice.dependants = vec![DependantInput {
            full_name: "Trần Thị Lan".into(),
            birth_date: "02/03/1986".into(),
            sex: "female".into(),
            citizen_id: "048186000123".into(),
            relation: "guardian".into(),
        }];
        let problems = validate(&twice, NOW).expect_err("the resident twice");
        assert!(problems.iter().any(|(w, f, _)| *w == Who::Dependant(1) && *f == Field::CitizenId));
    }

    #[test]
    fn form_fields_map_to_dependants_by_number() {
        let pairs: Vec<(String, String)> = [
            ("full_name", "Trần Thị Lan"),
            ("d2_name", "Bé Hai"),
            ("d1_name", "Bé Một"),
            ("d1_relation", "parent"),
            ("d9_name", "ignored"),
            ("consent", "yes"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let input = AssistInput::from_pairs(&pairs);
        assert_eq!(input.dependants.len(), 2);
        assert_eq!(input.dependants[0].full_name, "Bé Một");
        assert_eq!(input.dependants[1].full_name, "Bé Hai");
        assert!(input.consent);
    }

    #[test]
    fn keys_and_device_times_are_checked() {
        assert!(valid_key("0f8e2b4c-1d3a-4e5f-9a8b-7c6d5e4f3a2b"));
        assert!(!valid_key("short"));
        assert!(!valid_key("0f8e2b4c'1d3a-4e5f-9a8b-7c6d5e4f3a2b"));
        assert_eq!(recorded_at(&((NOW - 600) * 1000).to_string(), NOW), NOW - 600);
        assert_eq!(recorded_at(&((NOW + 600) * 1000).to_string(), NOW), NOW);
        assert_eq!(recorded_at(&((NOW - 40 * 86_400) * 1000).to_string(), NOW), NOW);
        assert_eq!(recorded_at("soon", NOW), NOW);
    }
}
