//! The move rules against a real (in-memory) SurrealDB: codes work once and are stored hashed, wrong codes count,
//! a move ends sessions and QR codes, an assisted move waits and can be cancelled, wards confine helpers.
use super::*;
use crate::db::connect_memory;
use crate::identity::SignUpInput;
use crate::identity::account::{create_from_pending, save_pending, validate};
use crate::identity::domain::Date;
use crate::identity::otp::{self, OtpPolicy};
use crate::identity::{OtpPurpose, session};

const NOW: i64 = 1_795_489_200;
const WARD_A: &str = "20194";
const WARD_B: &str = "20197";

async fn citizen(db: &Db, phone: &str, cid: &str, ward: &str) -> String {
    let input = SignUpInput {
        phone: phone.into(),
        full_name: "Lê Thị Hoa".into(),
        birth_date: "04/05/1990".into(),
        sex: "female".into(),
        citizen_id: cid.into(),
    };
    let details = validate(&input, Date::new(2026, 11, 24).expect("today")).expect("valid");
    save_pending(db, &details, NOW, NOW).await.expect("pending");
    let id = create_from_pending(db, &details.phone, NOW).await.expect("account");
    db.query("UPSERT type::record('profile', $id) CONTENT { current_unit: $ward, updated_at: 0 }")
        .bind(("id", id.clone()))
        .bind(("ward", ward.to_owned()))
        .await
        .expect("profile")
        .check()
        .expect("profile");
    id
}

fn phone(p: &str) -> PhoneNumber {
    PhoneNumber::parse(p).expect("phone")
}

async fn setup() -> (Db, SecretKey) {
    (connect_memory().await.expect("db"), SecretKey::generate().expect("key"))
}

async fn account_phone(db: &Db, id: &str) -> String {
    let mut res = db.query("SELECT VALUE phone FROM ONLY type::record('account', $id)").bind(("id", id.to_owned())).await.expect("q");
    res.take::<Option<String>>(0).expect("phone").expect("phone")
}

#[tokio::test]
async fn recovery_codes_are_stored_hashed_and_each_works_once() {
    let (db, key) = setup().await;
    let id = citizen(&db, "0912000001", "048190000011", WARD_A).await;
    let codes = new_set(&db, &key, &id, NOW).await.expect("set");
    assert_eq!(codes.len(), 10);
    let distinct: std::collections::HashSet<_> = codes.iter().map(|c| c.as_str().to_owned()).collect();
    assert_eq!(distinct.len(), 10);
    let dump = format!("{:?}", db.query("SELECT * FROM recovery_code").await.expect("q").take::<Vec<serde_json::Value>>(0));
    assert!(codes.iter().all(|c| !dump.contains(c.as_str())), "a plain code is stored");
    assert_eq!(codes_left(&db, &id).await.expect("left").0, 10);

    use_code(&db, &key, Some(&id), &codes[3], "c1", NOW + 1).await.expect("a right code works");
    assert_eq!(codes_left(&db, &id).await.expect("left").0, 9);
    let again = use_code(&db, &key, Some(&id), &codes[3], "c1", NOW + 2).await;
    assert!(matches!(again, Err(RecoveryError::WrongCode)), "a used code worked again: {again:?}");

    // a new set retires the old one
    let fresh = new_set(&db, &key, &id, NOW + 10).await.expect("set");
    assert!(matches!(use_code(&db, &key, Some(&id), &codes[4], "c1", NOW + 11).await, Err(RecoveryError::WrongCode)));
    use_code(&db, &key, Some(&id), &fresh[0], "c1", NOW + 12).await.expect("the new set works");
}

#[tokio::test]
async fn wrong_recovery_codes_count_per_account_and_per_client() {
    let (db, key) = setup().await;
    let id = citizen(&db, "0912000002", "048190000012", WARD_A).await;
    let codes = new_set(&db, &key, &id, NOW).await.expect("set");
    let wrong = RecoveryCode::parse("AAAAA-AAAAA").expect("format");
    for i in 0..5 {
        let r = use_code(&db, &key, Some(&id), &wrong, &format!("client{i}"), NOW + i).await;
        assert!(matches!(r, Err(RecoveryError::WrongCode)), "{r:?}");
    }
    // five wrong codes from five places: the account is locked for a day, even for the right code
    let locked = use_code(&db, &key, Some(&id), &codes[0], "another", NOW + 10).await;
    assert!(matches!(locked, Err(RecoveryError::Locked)), "{locked:?}");
    use_code(&db, &key, Some(&id), &codes[0], "another", NOW + 86_401).await.expect("a day later");

    // one client trying many accounts (or numbers without an account) is stopped after ten
    let other = citizen(&db, "0912000003", "048190000013", WARD_A).await;
    let other_codes = new_set(&db, &key, &other, NOW).await.expect("set");
    for i in 0..10 {
        let r = use_code(&db, &key, None, &wrong, "scanner", NOW + i).await;
        assert!(matches!(r, Err(RecoveryError::WrongCode)), "{r:?}");
    }
    let r = use_code(&db, &key, Some(&other), &other_codes[0], "scanner", NOW + 20).await;
    assert!(matches!(r, Err(RecoveryError::Locked)), "{r:?}");
}

#[tokio::test]
async fn a_move_ends_every_session_revokes_qr_codes_and_kills_live_codes() {
    let (db, key) = setup().await;
    let id = citizen(&db, "0912000004", "048190000014", WARD_A).await;
    let old = session::create(&db, &id, session::SessionPolicy::CITIZEN, "old phone", "c", NOW).await.expect("session");
    let live = otp::issue(&db, &key, &OtpPolicy::default(), &phone("0912000004"), OtpPurpose::SignIn, "c", NOW)
        .await
        .expect("code");
    let token = start(&db, &id, &phone("0912000004"), &phone("0987000004"), MovePath::OldPhone, None, NOW + 1)
        .await
        .expect("start");
    let m = by_token(&db, &token, NOW + 2).await.expect("q").expect("move");
    apply(&db, &m, "waiting_code", NOW + 3).await.expect("apply");

    assert_eq!(account_phone(&db, &id).await, "+84987000004");
    assert!(session::resolve(&db, &old.token, NOW + 4).await.expect("q").is_none(), "the old session still works");
    let mut res = db.query("SELECT VALUE qr_revoked_at FROM ONLY type::record('account', $id)").bind(("id", id.clone())).await.expect("q");
    assert_eq!(res.take::<Option<i64>>(0).expect("qr"), Some(NOW + 3), "QR codes of the old phone still verify");
    let stale =
        otp::verify(&db, &key, &OtpPolicy::default(), &phone("0912000004"), OtpPurpose::SignIn, &live.code, NOW + 5).await;
    assert!(stale.is_err(), "a code sent to the old number still works");
    // a finished move is never applied twice; the audit trail and the person's timeline show it
    assert!(matches!(apply(&db, &m, "waiting_code", NOW + 6).await, Err(RecoveryError::StepOver)));
    let mut res = db
        .query(
            "SELECT VALUE count() FROM audit_event WHERE action = 'phone_moved' GROUP ALL;
             SELECT VALUE what FROM data_access WHERE subject = type::record('account', $id);",
        )
        .bind(("id", id.clone()))
        .await
        .expect("q");
    assert_eq!(res.take::<Option<i64>>(0).expect("audit"), Some(1));
    assert_eq!(res.take::<Vec<String>>(1).expect("timeline"), ["phone_moved"]);
}

#[tokio::test]
async fn a_number_that_has_an_account_cannot_be_moved_onto() {
    let (db, _) = setup().await;
    let id = citizen(&db, "0912000005", "048190000015", WARD_A).await;
    citizen(&db, "0912000006", "048190000016", WARD_A).await;
    let r = start(&db, &id, &phone("0912000005"), &phone("0912000006"), MovePath::OldPhone, None, NOW).await;
    assert!(matches!(r, Err(RecoveryError::PhoneTaken)), "{r:?}");
    let r = start(&db, &id, &phone("0912000005"), &phone("0912000005"), MovePath::OldPhone, None, NOW).await;
    assert!(matches!(r, Err(RecoveryError::SamePhone)), "{r:?}");
    // taken between the start and the apply: the unique index refuses it
    let token = start(&db, &id, &phone("0912000005"), &phone("0912000007"), MovePath::OldPhone, None, NOW).await.expect("start");
    let m = by_token(&db, &token, NOW + 1).await.expect("q").expect("move");
    citizen(&db, "0912000007", "048190000017", WARD_A).await;
    assert!(matches!(apply(&db, &m, "waiting_code", NOW + 2).await, Err(RecoveryError::PhoneTaken)));
    assert_eq!(account_phone(&db, &id).await, "+84912000005");
}

#[tokio::test]
async fn an_assisted_move_waits_and_the_old_number_can_cancel_it() {
    let (db, _) = setup().await;
    let id = citizen(&db, "0912000008", "048190000018", WARD_A).await;
    let helper = citizen(&db, "0912000009", "048190000019", WARD_A).await;
    let record = HelperRecord { account_id: &helper, ward: WARD_A, checked_how: IdentityCheck::CardInPerson, note: "" };
    let from = phone("0912000008");

    // the first request is cancelled from the old number's link
    let token = start(&db, &id, &from, &phone("0987000008"), MovePath::Assisted, Some(&record), NOW).await.expect("start");
    let m = by_token(&db, &token, NOW + 1).await.expect("q").expect("move");
    let cancel_link = schedule(&db, &m, NOW + 86_400, NOW + 2).await.expect("scheduled");
    assert_eq!(waiting_for(&db, &id).await.expect("q").map(|w| w.id), Some(m.id.clone()));
    let waiting = by_cancel_link(&db, &cancel_link).await.expect("q").expect("link works");
    assert!(cancel(&db, &waiting, NOW + 3).await.expect("cancel"));
    assert!(by_cancel_link(&db, &cancel_link).await.expect("q").is_none(), "the link works twice");
    assert!(apply_due(&db, NOW + 90_000).await.expect("due").is_empty(), "a cancelled move was applied");
    assert_eq!(account_phone(&db, &id).await, "+84912000008");

    // the second waits out its period, then takes effect
    let token = start(&db, &id, &from, &phone("0987000009"), MovePath::Assisted, Some(&record), NOW + 10).await.expect("start");
    let m = by_token(&db, &token, NOW + 11).await.expect("q").expect("move");
    schedule(&db, &m, NOW + 86_400, NOW + 12).await.expect("scheduled");
    assert!(apply_due(&db, NOW + 86_399).await.expect("due").is_empty(), "applied before its time");
    assert_eq!(apply_due(&db, NOW + 86_400).await.expect("due").len(), 1);
    assert_eq!(account_phone(&db, &id).await, "+84987000009");
    let mut res = db
        .query("SELECT VALUE [what, role] FROM data_access WHERE subject = type::record('account', $id) ORDER BY at")
        .bind(("id", id.clone()))
        .await
        .expect("q");
    let lines: Vec<Vec<String>> = res.take(0).expect("timeline");
    assert!(lines.contains(&vec!["phone_move_requested".to_owned(), "helper".to_owned()]), "{lines:?}");
    assert!(lines.contains(&vec!["phone_move_cancelled".to_owned(), "self".to_owned()]), "{lines:?}");
    assert!(lines.contains(&vec!["phone_moved".to_owned(), "helper".to_owned()]), "{lines:?}");
}

#[tokio::test]
async fn helpers_find_only_accounts_of_their_wards_and_have_limits() {
    let (db, _) = setup().await;
    citizen(&db, "0912000010", "048190000020", WARD_A).await;
    let facts = account_in_wards(&db, "048190000020", &[WARD_A.to_owned()]).await.expect("q").expect("in ward A");
    assert_eq!(facts.ward, WARD_A);
    assert_eq!(facts.birth_date.as_deref(), Some("1990-05-04"));
    assert!(account_in_wards(&db, "048190000020", &[WARD_B.to_owned()]).await.expect("q").is_none(), "ward B sees ward A");
    assert!(account_in_wards(&db, "048190000099", &[WARD_A.to_owned()]).await.expect("q").is_none());

    let helper = citizen(&db, "0912000011", "048190000021", WARD_B).await;
    assert!(helper_may_start(&db, &helper, NOW).await.expect("q"));
    for i in 0..5 {
        record_mismatch(&db, &helper, "not_in_ward", NOW + i).await.expect("recorded");
    }
    assert!(!helper_may_start(&db, &helper, NOW + 10).await.expect("q"), "a helper guessing ID numbers goes on");
    assert!(helper_may_start(&db, &helper, NOW + 3700).await.expect("q"), "an hour later");
}

#[tokio::test]
async fn a_step_token_expires_after_fifteen_minutes() {
    let (db, _) = setup().await;
    let id = citizen(&db, "0912000012", "048190000022", WARD_A).await;
    let token = start(&db, &id, &phone("0912000012"), &phone("0987000012"), MovePath::RecoveryCode, None, NOW).await.expect("start");
    assert!(by_token(&db, &token, NOW + 899).await.expect("q").is_some());
    assert!(by_token(&db, &token, NOW + 900).await.expect("q").is_none());
    assert!(by_token(&db, "not-a-token", NOW).await.expect("q").is_none());
}
