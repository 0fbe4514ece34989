//! Accounts: sign-up details checked field by field, the sign-up waiting for its code, and the account itself.
use serde::Deserialize;

use super::domain::{CitizenId, Date, FullName, PhoneNumber, Sex};
use super::{AccountView, Field, Problem, SignUpInput};
use crate::db::{Db, DbError};

/// Sign-up details that passed every rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignUpDetails {
    pub phone: PhoneNumber,
    pub full_name: FullName,
    pub birth_date: Date,
    pub sex: Sex,
    pub citizen_id: CitizenId,
}

/// Every problem of the form at once (so the person fixes them in one go), or the parsed details.
pub fn validate(input: &SignUpInput, today: Date) -> Result<SignUpDetails, Vec<(Field, Problem)>> {
    let mut problems = Vec::new();
    let phone = PhoneNumber::parse(&input.phone).map_err(|e| problems.push((Field::Phone, Problem::Phone(e)))).ok();
    let full_name =
        FullName::parse(&input.full_name).map_err(|e| problems.push((Field::FullName, Problem::Name(e)))).ok();
    let birth_date = Date::parse_birth_date(&input.birth_date, today)
        .map_err(|e| problems.push((Field::BirthDate, Problem::Date(e))))
        .ok();
    let sex = Sex::parse(&input.sex);
    if sex.is_none() {
        problems.push((Field::Sex, Problem::SexMissing));
    }
    let citizen_id = match (sex, birth_date) {
        (Some(sex), Some(birth)) => CitizenId::parse_for(&input.citizen_id, sex, birth),
        _ => CitizenId::parse(&input.citizen_id),
    }
    .map_err(|e| problems.push((Field::CitizenId, Problem::CitizenId(e))))
    .ok();
    match (phone, full_name, birth_date, sex, citizen_id) {
        (Some(phone), Some(full_name), Some(birth_date), Some(sex), Some(citizen_id)) if problems.is_empty() => {
            Ok(SignUpDetails { phone, full_name, birth_date, sex, citizen_id })
        }
        _ => Err(problems),
    }
}

#[derive(Debug)]
pub enum AccountError {
    /// The phone number already has an account.
    PhoneTaken,
    /// The citizen ID number already has an account.
    CitizenIdTaken,
    /// No sign-up is waiting for this phone (expired or never started).
    NoPendingSignUp,
    Db(DbError),
}

impl From<surrealdb::Error> for AccountError {
    fn from(e: surrealdb::Error) -> Self {
        AccountError::Db(DbError::Query(e))
    }
}

/// Whether the phone or the citizen ID number already has an account (checked before any code is sent).
pub async fn check_available(db: &Db, details: &SignUpDetails) -> Result<(), AccountError> {
    let mut res = db
        .query(
            "SELECT VALUE count() FROM account WHERE phone = $phone GROUP ALL;
             SELECT VALUE count() FROM account WHERE citizen_id = $cid GROUP ALL;",
        )
        .bind(("phone", details.phone.e164().to_owned()))
        .bind(("cid", details.citizen_id.as_str().to_owned()))
        .await?;
    let phones: Option<i64> = res.take(0)?;
    let ids: Option<i64> = res.take(1)?;
    if phones.unwrap_or(0) > 0 {
        return Err(AccountError::PhoneTaken);
    }
    if ids.unwrap_or(0) > 0 {
        return Err(AccountError::CitizenIdTaken);
    }
    Ok(())
}

/// Keeps the details (after consent) until the code sent to the phone comes back.
pub async fn save_pending(db: &Db, details: &SignUpDetails, consent_at: i64, now: i64) -> Result<(), AccountError> {
    db.query(
        "UPSERT type::record('pending_signup', $phone) CONTENT {
             full_name: $name, birth_date: $birth, sex: $sex, citizen_id: $cid, consent_at: $consent, created_at: $now
         }",
    )
    .bind(("phone", details.phone.e164().to_owned()))
    .bind(("name", details.full_name.as_str().to_owned()))
    .bind(("birth", details.birth_date.iso()))
    .bind(("sex", details.sex.as_str()))
    .bind(("cid", details.citizen_id.as_str().to_owned()))
    .bind(("consent", consent_at))
    .bind(("now", now))
    .await?
    .check()?;
    Ok(())
}

#[derive(Deserialize)]
struct PendingRow {
    full_name: String,
    birth_date: String,
    sex: String,
    citizen_id: String,
    consent_at: i64,
    created_at: i64,
}

/// Turns the pending sign-up of this phone into an account at level 1. Call only after its code was verified.
pub async fn create_from_pending(db: &Db, phone: &PhoneNumber, now: i64) -> Result<String, AccountError> {
    let mut res = db
        .query("SELECT * FROM ONLY type::record('pending_signup', $phone)")
        .bind(("phone", phone.e164().to_owned()))
        .await?;
    let row: Option<serde_json::Value> = res.take(0)?;
    let Some(row) = row.and_then(|v| serde_json::from_value::<PendingRow>(v).ok()) else {
        return Err(AccountError::NoPendingSignUp);
    };
    // a pending sign-up lives as long as a code could (plus the resend window)
    if now - row.created_at > 3600 {
        return Err(AccountError::NoPendingSignUp);
    }
    let name = FullName::parse(&row.full_name).map_err(|_| AccountError::NoPendingSignUp)?;
    let created = db
        .query(
            "BEGIN TRANSACTION;
             CREATE account CONTENT {
                 phone: $phone, citizen_id: $cid, full_name: $name, name_folded: $folded, birth_date: $birth,
                 sex: $sex, level: 1, consent_at: $consent, created_at: $now
             } RETURN VALUE meta::id(id);
             DELETE type::record('pending_signup', $phone);
             COMMIT TRANSACTION;",
        )
        .bind(("phone", phone.e164().to_owned()))
        .bind(("cid", row.citizen_id))
        .bind(("name", name.as_str().to_owned()))
        .bind(("folded", name.folded()))
        .bind(("birth", row.birth_date))
        .bind(("sex", row.sex))
        .bind(("consent", row.consent_at))
        .bind(("now", now))
        .await;
    let mut res = created?;
    let errors = res.take_errors();
    if !errors.is_empty() {
        // a failed transaction reports every statement; the unique index names the cause
        let messages: Vec<String> = errors.values().map(|e| e.message().to_owned()).collect();
        return Err(if messages.iter().any(|m| m.contains("account_phone")) {
            AccountError::PhoneTaken
        } else if messages.iter().any(|m| m.contains("account_citizen_id")) {
            AccountError::CitizenIdTaken
        } else {
            AccountError::Db(DbError::Migration { name: "account", cause: messages.join("; ") })
        });
    }
    let id: Option<String> = res.take(1)?;
    id.ok_or(AccountError::NoPendingSignUp)
}

pub async fn find_by_phone(db: &Db, phone: &PhoneNumber) -> Result<Option<String>, DbError> {
    let mut res = db
        .query("SELECT VALUE meta::id(id) FROM account WHERE phone = $phone LIMIT 1")
        .bind(("phone", phone.e164().to_owned()))
        .await?;
    Ok(res.take::<Option<String>>(0)?)
}

/// The account's phone number as people write it (0912 345 678).
pub async fn phone_of(db: &Db, account_id: &str) -> Result<Option<String>, DbError> {
    let mut res = db
        .query("SELECT VALUE phone FROM ONLY type::record('account', $id)")
        .bind(("id", account_id.to_owned()))
        .await?;
    let phone: Option<String> = res.take(0)?;
    Ok(phone.and_then(|p| PhoneNumber::parse(&p).ok()).map(|p| p.national()))
}

pub async fn view_own(db: &Db, account_id: &str) -> Result<Option<AccountView>, DbError> {
    let mut res = db
        .query(
            "SELECT full_name, phone, birth_date, citizen_id, level, registry_status, registry_mismatch
             FROM ONLY type::record('account', $id)",
        )
        .bind(("id", account_id.to_owned()))
        .await?;
    let row: Option<serde_json::Value> = res.take(0)?;
    Ok(row.map(|r| {
        let text = |k: &str| r[k].as_str().unwrap_or_default().to_owned();
        let phone = PhoneNumber::parse(&text("phone")).map(|p| p.national()).unwrap_or_default();
        let birth = Date::parse_iso(&text("birth_date")).map(|d| d.dmy()).unwrap_or_default();
        let cid = CitizenId::parse(&text("citizen_id")).map(|c| c.masked()).unwrap_or_default();
        AccountView {
            full_name: text("full_name"),
            phone,
            birth_date: birth,
            citizen_id_masked: cid,
            level: r["level"].as_i64().unwrap_or(1),
            registry_status: text("registry_status"),
            registry_mismatch: r["registry_mismatch"]
                .as_array()
                .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                .unwrap_or_default(),
            expiring_documents: 0,
            employer_invitations: Vec::new(),
            employer_answer: None,
            recovery_codes_left: 0,
            waiting_move: None,
            move_cancelled: false,
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::connect_memory;

    const NOW: i64 = 1_795_400_000;

    fn today() -> Date {
        Date::new(2026, 11, 23).expect("date")
    }

    fn input() -> SignUpInput {
        SignUpInput {
            phone: "0912 345 678".into(),
            full_name: "nguyễn văn an".into(),
            birth_date: "12/03/1985".into(),
            sex: "male".into(),
            citizen_id: "048085001234".into(),
        }
    }

    #[test]
    fn every_field_problem_is_reported_at_once() {
        let bad = SignUpInput {
            phone: "123".into(),
            full_name: "An".into(),
            birth_date: "31/02/1985".into(),
            sex: String::new(),
            citizen_id: "12".into(),
        };
        let problems = validate(&bad, today()).expect_err("invalid");
        let fields: Vec<Field> = problems.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, [Field::Phone, Field::FullName, Field::BirthDate, Field::Sex, Field::CitizenId]);
        assert!(validate(&input(), today()).is_ok());
    }

    #[tokio::test]
    async fn an_account_is_created_from_the_pending_sign_up_once() {
        let db = connect_memory().await.expect("db");
        let details = validate(&input(), today()).expect("valid");
        check_available(&db, &details).await.expect("free");
        save_pending(&db, &details, NOW, NOW).await.expect("pending");
        let id = create_from_pending(&db, &details.phone, NOW + 30).await.expect("created");
        let view = view_own(&db, &id).await.expect("view").expect("exists");
        assert_eq!(view.full_name, "Nguyễn Văn An");
        assert_eq!(view.phone, "0912 345 678");
        assert_eq!(view.birth_date, "12/03/1985");
        assert_eq!(view.citizen_id_masked, "048*******34");
        assert_eq!(view.level, 1);
        assert!(matches!(check_available(&db, &details).await, Err(AccountError::PhoneTaken)));
        assert!(matches!(create_from_pending(&db, &details.phone, NOW + 31).await, Err(AccountError::NoPendingSignUp)));
        assert_eq!(find_by_phone(&db, &details.phone).await.expect("find"), Some(id));
    }

    #[tokio::test]
    async fn one_citizen_id_cannot_open_two_accounts() {
        let db = connect_memory().await.expect("db");
        let first = validate(&input(), today()).expect("valid");
        save_pending(&db, &first, NOW, NOW).await.expect("pending");
        create_from_pending(&db, &first.phone, NOW).await.expect("created");
        let second = validate(&SignUpInput { phone: "0987654321".into(), ..input() }, today()).expect("valid");
        assert!(matches!(check_available(&db, &second).await, Err(AccountError::CitizenIdTaken)));
        // even if the check was skipped (two sign-ups at once), the unique index refuses it
        save_pending(&db, &second, NOW, NOW).await.expect("pending");
        assert!(matches!(create_from_pending(&db, &second.phone, NOW).await, Err(AccountError::CitizenIdTaken)));
    }
}
