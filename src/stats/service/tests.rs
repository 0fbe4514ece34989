//! The counters against a real (in-memory) SurrealDB: after any mix of changes they equal a direct count; people
//! turning 18 move into the adults; a submitted report never changes, not even by a direct write; a ward officer
//! sees only their wards' reports.
use super::*;
use crate::access::guard::Principal;
use crate::access::{Grant, Role};
use crate::db::connect_memory;
use crate::stats::generate::generate;

const NOW: i64 = 1_795_489_200; // 25/11/2026 07:00 in Vietnam

fn today() -> Date {
    Date::from_unix_vietnam(NOW)
}

fn granter(id: &str, grants: &[(Role, &str)]) -> Granter {
    let grants = grants.iter().map(|(role, scope)| Grant { role: *role, scope: (*scope).to_owned() }).collect();
    Principal::from_parts(id.into(), "s".into(), true, grants).granter().expect("a granter")
}

async fn setup() -> (Db, UnitDirectory) {
    let db = connect_memory().await.expect("db");
    crate::units::service::seed(&db).await.expect("units");
    let units = UnitDirectory::load(&db).await.expect("units");
    (db, units)
}

/// The figures per ward counted straight from the citizens' records (no counters), on `day`.
async fn direct_count(db: &Db, day: Date) -> HashMap<String, Figures> {
    let mut res = db
        .query(
            "SELECT meta::id(id) AS id, level, status, birth_date, purged_at FROM account;
             SELECT meta::id(id) AS id, current_unit, permanent_unit, epayment FROM profile;
             SELECT meta::id(head) AS head FROM household;
             SELECT meta::id(owner) AS owner FROM document WHERE deleted_at = NONE;
             SELECT meta::id(account) AS account, at FROM qr_verification WHERE account != NONE;
             SELECT ward, meta::id(team) AS team, state, created_at, confirmed_at FROM assisted;",
        )
        .await
        .expect("direct");
    let accounts: Vec<serde_json::Value> = res.take(0).expect("accounts");
    let profiles: Vec<serde_json::Value> = res.take(1).expect("profiles");
    let heads: Vec<serde_json::Value> = res.take(2).expect("households");
    let owners: Vec<serde_json::Value> = res.take(3).expect("documents");
    let checks: Vec<serde_json::Value> = res.take(4).expect("checks");
    let assisted: Vec<serde_json::Value> = res.take(5).expect("assisted");
    let profile = |id: &str| profiles.iter().find(|p| p["id"] == id);
    let mut out: HashMap<String, Figures> = HashMap::new();
    let mut ward_of = HashMap::new();
    let month = Month::of(day).key();
    for a in &accounts {
        let id = a["id"].as_str().expect("id");
        let p = profile(id);
        let unit = |k: &str| p.and_then(|p| p[k].as_str());
        let ward = residence(unit("current_unit"), unit("permanent_unit"));
        ward_of.insert(id.to_owned(), ward.clone());
        if a["status"] != "active" || !a["purged_at"].is_null() {
            continue;
        }
        let f = out.entry(ward).or_default();
        let level = a["level"].as_i64().expect("level");
        let adult = is_adult(Date::parse_iso(a["birth_date"].as_str().expect("birth")).expect("date"), day);
        let epay = p.is_some_and(|p| p["epayment"] == "yes");
        f.accounts_l1 += i64::from(level == 1);
        f.accounts_l2 += i64::from(level == 2);
        f.adults += i64::from(adult);
        f.adults_l2 += i64::from(adult && level == 2);
        f.adults_epay += i64::from(adult && epay);
        f.households += heads.iter().filter(|h| h["head"] == id).count() as i64;
        f.documents += owners.iter().filter(|o| o["owner"] == id).count() as i64;
    }
    for q in &checks {
        let at = q["at"].as_i64().expect("at");
        if Month::of_unix(at).key() == month {
            let ward = ward_of.get(q["account"].as_str().expect("account")).cloned().unwrap_or_else(|| UNKNOWN_WARD.into());
            out.entry(ward).or_default().qr += 1;
        }
    }
    let mut teams = HashSet::new();
    for r in &assisted {
        let ward = r["ward"].as_str().expect("ward").to_owned();
        if Month::of_unix(r["created_at"].as_i64().expect("created")).key() == month {
            out.entry(ward.clone()).or_default().assisted += 1;
            if teams.insert((ward.clone(), r["team"].as_str().expect("team").to_owned())) {
                out.entry(ward.clone()).or_default().active_teams += 1;
            }
        }
        if r["state"] == "confirmed" && r["confirmed_at"].as_i64().is_some_and(|t| Month::of_unix(t).key() == month) {
            out.entry(ward).or_default().confirmed += 1;
        }
    }
    out
}

async fn assert_counters_equal_a_direct_count(db: &Db, units: &UnitDirectory, day: Date) {
    let (rows, unknown, behind) = live(db, units, Month::of(day)).await.expect("live");
    assert!(!behind, "everything is folded");
    let left: Vec<serde_json::Value> = db.query("SELECT VALUE id FROM stat_dirty").await.expect("queue").take(0).expect("queue");
    assert!(left.is_empty(), "nothing is left behind the cursor: {left:?}");
    let expected = direct_count(db, day).await;
    let mut seen = 0;
    for row in rows.iter().map(|r| (r.code.clone(), r.figures.clone())).chain([(UNKNOWN_WARD.to_owned(), unknown)]) {
        let want = expected.get(&row.0).cloned().unwrap_or_default();
        assert_eq!(row.1, Figures { population_adults: row.1.population_adults, population_households: row.1.population_households, population_year: row.1.population_year, ..want }, "ward {}", row.0);
        seen += row.1.accounts();
    }
    let all: i64 = expected.values().map(Figures::accounts).sum();
    assert_eq!(seen, all);
    assert!(all > 0, "a population to count");
}

#[tokio::test]
async fn the_counters_equal_a_direct_count_after_any_mix_of_changes() {
    let (db, units) = setup().await;
    generate(&db, &units, 0, 600, 42, NOW).await.expect("generated");
    // A change kept from before the queue was keyed by time sits at its front.
    db.query("CREATE type::record('stat_dirty', [0, rand::uuid()]) SET kind = 'member', account = account:g00000005")
        .await
        .expect("old change")
        .check()
        .expect("old change");
    // Folded in small batches, so an account's changes land in different batches.
    while fold(&db, today(), 97).await.expect("fold") > 0 {}
    assert_counters_equal_a_direct_count(&db, &units, today()).await;

    // Moves, levels, e-payment, deleted documents and households, a purge, a deleted account, a pending one
    // confirmed, a new QR check.
    db.query(
        "UPDATE profile SET current_unit = '20257' WHERE meta::id(id) IN ['g00000001', 'g00000002', 'g00000003'];
         UPDATE profile SET current_unit = NONE, permanent_unit = NONE WHERE meta::id(id) = 'g00000004';
         UPDATE account SET level = 2 WHERE level = 1 AND meta::id(id) < 'g00000100';
         UPDATE profile SET epayment = 'yes' WHERE meta::id(id) < 'g00000050';
         UPDATE document SET deleted_at = 1 WHERE meta::id(owner) < 'g00000200';
         DELETE household WHERE meta::id(head) > 'g00000500';
         UPDATE account SET purged_at = 5 WHERE meta::id(id) IN ['g00000010', 'g00000011'];
         UPDATE account SET status = 'active' WHERE status = 'pending' AND meta::id(id) < 'g00000300';
         UPDATE assisted SET state = 'confirmed', confirmed_at = $now WHERE state = 'pending' AND meta::id(resident) < 'g00000300';
         DELETE document WHERE meta::id(owner) = 'g00000020';
         DELETE account:g00000020;
         CREATE qr_verification SET account = account:g00000030, at = $now, preset = 'identity', valid = true, via = 'api';",
    )
    .bind(("now", NOW))
    .await
    .expect("changes")
    .check()
    .expect("changes");
    fold_all(&db, today(), 100).await.expect("fold");
    assert_counters_equal_a_direct_count(&db, &units, today()).await;
}

#[test]
fn the_fold_cursor_stays_behind_the_clock_and_never_goes_back() {
    assert_eq!(next_cursor(0, 1000, None, false), 1000 - CURSOR_LAG);
    assert_eq!(next_cursor(0, 1000, Some(999), false), 1000 - CURSOR_LAG);
    // A full batch stops at the last change read: the rest of that second still waits.
    assert_eq!(next_cursor(0, 1000, Some(500), true), 500);
    assert_eq!(next_cursor(0, 1000, Some(990), true), 1000 - CURSOR_LAG);
    assert_eq!(next_cursor(900, 1000, Some(500), true), 900);
}

#[tokio::test]
async fn the_queue_is_read_on_from_the_cursor() {
    let (db, units) = setup().await;
    generate(&db, &units, 0, 30, 5, NOW).await.expect("generated");
    fold_all(&db, today(), 10).await.expect("fold");
    let mut res = db.query("RETURN [time::unix(time::now()), stat_state:fold.cursor]").await.expect("cursor");
    let clock: Vec<i64> = res.take(0).expect("cursor");
    assert!(clock[1] > 0 && clock[1] <= clock[0] - CURSOR_LAG, "{clock:?}");
    // A change made now is found, counted, and gone from the queue.
    db.query("UPDATE profile:g00000003 SET current_unit = '20257'").await.expect("move").check().expect("move");
    let waiting: Vec<serde_json::Value> = db.query("SELECT VALUE id FROM stat_dirty").await.expect("queue").take(0).expect("queue");
    assert_eq!(waiting.len(), 1);
    assert_eq!(fold_all(&db, today(), 10).await.expect("fold"), 1);
    assert_counters_equal_a_direct_count(&db, &units, today()).await;
}

#[tokio::test]
async fn people_turning_18_are_counted_as_adults_from_that_day() {
    let (db, units) = setup().await;
    generate(&db, &units, 0, 50, 7, NOW).await.expect("generated");
    let tomorrow = Date::from_unix_vietnam(NOW + 86_400);
    let birth = Date::new(tomorrow.year - 18, tomorrow.month, tomorrow.day).expect("day");
    db.query("UPDATE account SET birth_date = $b, status = 'active', purged_at = NONE WHERE meta::id(id) = 'g00000001'")
        .bind(("b", birth.iso()))
        .await
        .expect("birth")
        .check()
        .expect("birth");
    assert_eq!(refresh_adults(&db, today()).await.expect("first refresh"), 0);
    fold_all(&db, today(), 10).await.expect("fold");
    assert_counters_equal_a_direct_count(&db, &units, today()).await;
    let adults = |(rows, unknown, _): (Vec<WardRow>, Figures, bool)| rows.iter().map(|r| r.figures.adults).sum::<i64>() + unknown.adults;
    let before = adults(live(&db, &units, Month::of(today())).await.expect("live"));
    assert_eq!(refresh_adults(&db, tomorrow).await.expect("refresh"), 1);
    fold_all(&db, tomorrow, 10).await.expect("fold");
    assert_counters_equal_a_direct_count(&db, &units, tomorrow).await;
    assert_eq!(adults(live(&db, &units, Month::of(today())).await.expect("live")), before + 1);
}

#[tokio::test]
async fn a_submitted_report_never_changes_and_a_correction_is_a_new_version() {
    let (db, units) = setup().await;
    generate(&db, &units, 0, 100, 3, NOW).await.expect("generated");
    tick(&db, &units, NOW).await.expect("tick");
    let november = Month::of(today()).previous();
    assert_eq!(freeze(&db, &units, november, NOW).await.expect("again"), 0, "frozen once");
    let ward = "20242";
    let officer = granter("officer1", &[(Role::WardOfficer, ward)]);
    let first = versions(&db, &officer, ward, november).await.expect("read").expect("in scope");
    assert_eq!((first.len(), first[0].state.as_str()), (1, "draft"));

    write(&db, &officer, ward, november, "Đã rà soát, số liệu khớp.", false, NOW).await.expect("saved");
    write(&db, &officer, ward, november, "Đã rà soát, số liệu khớp với sổ hộ khẩu.", true, NOW + 60).await.expect("submitted");
    let refused = write(&db, &officer, ward, november, "Sửa lại", true, NOW + 120).await;
    assert!(matches!(refused, Err(ReportError::Refused(StatsNotice::AlreadySubmitted))));

    // Not even a direct write gets past the database.
    let mut res = db
        .query("UPDATE type::record('ward_report', [$w, $m, 1]) SET comment = 'đã sửa', figures = '{}'")
        .bind(("w", ward))
        .bind(("m", november.key()))
        .await
        .expect("query");
    assert!(!res.take_errors().is_empty(), "the database refuses to change a submitted report");
    let mut res = db.query("DELETE type::record('ward_report', [$w, $m, 1])").bind(("w", ward)).bind(("m", november.key())).await.expect("query");
    assert!(!res.take_errors().is_empty(), "nor to delete it");

    assert!(matches!(correct(&db, &officer, ward, november, "  ", NOW).await, Err(ReportError::Refused(StatsNotice::ReasonMissing))));
    correct(&db, &officer, ward, november, "Thiếu số hộ của tổ 5", NOW + 180).await.expect("correction");
    let all = versions(&db, &officer, ward, november).await.expect("read").expect("in scope");
    assert_eq!(all.len(), 2);
    assert_eq!((all[0].version, all[0].state.as_str(), all[0].reason.as_deref()), (2, "draft", Some("Thiếu số hộ của tổ 5")));
    assert_eq!(all[0].figures, all[1].figures, "the same frozen figures");
    assert_eq!((all[1].state.as_str(), all[1].comment.as_str()), ("submitted", "Đã rà soát, số liệu khớp với sổ hộ khẩu."));
    write(&db, &officer, ward, november, "Bổ sung số hộ của tổ 5.", true, NOW + 240).await.expect("v2 submitted");
}

#[tokio::test]
async fn a_ward_officer_sees_and_writes_only_their_wards_reports() {
    let (db, units) = setup().await;
    let november = Month::of(today()).previous();
    freeze(&db, &units, november, NOW).await.expect("frozen");
    let officer = granter("officer1", &[(Role::WardOfficer, "20242")]);
    let city = granter("admin1", &[(Role::CityAdmin, "")]);
    assert!(versions(&db, &officer, "20257", november).await.expect("read").is_none());
    assert!(matches!(write(&db, &officer, "20257", november, "x", true, NOW).await, Err(ReportError::NotFound)));
    assert!(matches!(correct(&db, &officer, "20257", november, "x", NOW).await, Err(ReportError::NotFound)));
    let (lines, _) = month_lines(&db, &units, &officer, november, today()).await.expect("lines");
    assert_eq!(lines.iter().map(|l| l.ward.as_str()).collect::<Vec<_>>(), vec!["20242"]);
    let (all, _) = month_lines(&db, &units, &city, november, today()).await.expect("lines");
    assert_eq!(all.len(), units.count(UnitsVersion::CURRENT));
    // The city administrator reads every ward's report but does not write a ward's.
    assert!(versions(&db, &city, "20257", november).await.expect("read").is_some());
    assert!(matches!(write(&db, &city, "20257", november, "x", true, NOW).await, Err(ReportError::NotOfficer)));
    // Late after the 5th of the next month.
    let (late, _) = month_lines(&db, &units, &city, november, Date::new(2026, 12, 6).expect("day")).await.expect("lines");
    assert!(late.iter().all(|l| l.late));
}

#[tokio::test]
async fn population_figures_give_the_shares_and_an_old_unit_file_lands_in_the_new_wards() {
    let (db, units) = setup().await;
    let map = unit_map(&db).await.expect("map");
    assert_eq!(map.get("20296"), Some(&("20197".to_owned(), false)));
    let codes: Vec<String> = units.search("", UnitsVersion::CURRENT).into_iter().map(|u| u.code).collect();
    let file = "ma_don_vi,phien_ban,dan_so_tu_18_tuoi,so_ho,nam\n20227,2025-01,1000,300,2024\n20236,2025-01,500,100,2024\n";
    let rows = crate::stats::domain::read_population(file.as_bytes(), &codes, &map).expect("file");
    let admin = Principal::from_parts("admin1".into(), "s".into(), true, vec![Grant { role: Role::CityAdmin, scope: String::new() }])
        .city_admin()
        .expect("admin");
    set_populations(&db, &admin, &rows, "imported", NOW).await.expect("saved");
    let (all, _, _) = live(&db, &units, Month::of(today())).await.expect("live");
    let hai_chau = all.iter().find(|r| r.code == "20242").expect("Hải Châu");
    let population = hai_chau.population.clone().expect("population");
    assert_eq!((population.adults, population.households, population.year), (1500, 400, 2024));
    assert_eq!(population.mapped_from, vec!["20227".to_owned(), "20236".to_owned()]);
    assert_eq!(hai_chau.figures.population_adults, Some(1500));
}

#[tokio::test]
async fn earlier_figures_become_submitted_reports_and_never_overwrite_a_month() {
    let (db, units) = setup().await;
    let map = unit_map(&db).await.expect("map");
    let codes: Vec<String> = units.search("", UnitsVersion::CURRENT).into_iter().map(|u| u.code).collect();
    let file = "thang,ma_don_vi,phien_ban,tai_khoan_muc_1,tai_khoan_muc_2,nguoi_truong_thanh_co_tai_khoan,co_thanh_toan_dien_tu,ho_co_dia_chi_so,dan_so_tu_18_tuoi,so_ho\n\
                03/2025,20227,2025-01,1000,2000,2500,1200,800,5000,2000\n\
                03/2025,20236,2025-01,100,200,250,120,80,500,200\n\
                04/2025,20242,2025-07,1200,2300,3000,1500,900,5500,2200\n";
    let rows = crate::stats::history::read_history(file.as_bytes(), &codes, &map, Month::of(today()).previous()).expect("file");
    let admin = Principal::from_parts("admin1".into(), "s".into(), true, vec![Grant { role: Role::CityAdmin, scope: String::new() }])
        .city_admin()
        .expect("admin");
    assert_eq!(import_history(&db, &admin, &rows, NOW).await.expect("import"), Ok(2));
    let march = Month { year: 2025, month: 3 };
    assert_eq!(months(&db).await.expect("months"), vec![Month { year: 2025, month: 4 }, march]);
    // The Hải Châu officer sees the March report, submitted, added up from the two former units.
    let officer = granter("o1", &[(Role::WardOfficer, "20242")]);
    let versions = versions(&db, &officer, "20242", march).await.expect("read").expect("in scope");
    assert_eq!(versions.len(), 1);
    let v = &versions[0];
    assert!(v.imported && v.state == "submitted" && !v.approximate);
    assert_eq!(v.mapped_from, vec!["20227".to_owned(), "20236".to_owned()]);
    assert_eq!((v.figures.accounts(), v.figures.adults, v.figures.population_adults), (3300, 2750, Some(5500)));
    let (lines, _) = month_lines(&db, &units, &officer, march, today()).await.expect("lines");
    assert!(lines.len() == 1 && lines[0].imported && !lines[0].late);
    // The trend starts with the imported months.
    let city = granter("admin1", &[(Role::CityAdmin, "")]);
    let trend = trend(&db, &city).await.expect("trend");
    assert_eq!(trend.iter().map(|(m, f)| (m.key(), f.adults)).collect::<Vec<_>>(), vec![("2025-03".into(), 2750), ("2025-04".into(), 3000)]);
    // A month with reports is never imported over; nothing of the file is written.
    let again = "month,code,accounts_l1,accounts_l2,adults_with_account,adults_epay,households_digital_address\n\
                 2025-04,20257,1,1,1,1,1\n2025-05,20257,1,1,1,1,1\n";
    let rows = crate::stats::history::read_history(again.as_bytes(), &codes, &map, Month::of(today()).previous()).expect("file");
    assert_eq!(import_history(&db, &admin, &rows, NOW).await.expect("import"), Err(vec!["04/2025".to_owned()]));
    assert_eq!(months(&db).await.expect("months").len(), 2);
    // An imported report is corrected like any other: a new version, still marked as imported.
    correct(&db, &officer, "20242", march, "Số liệu của phường cũ bị cộng thiếu", NOW).await.expect("correction");
    let versions = versions_of(&db, &officer, "20242", march).await;
    assert!(versions[0].imported && versions[0].version == 2 && versions[0].state == "draft");
}

async fn versions_of(db: &Db, granter: &Granter, ward: &str, month: Month) -> Vec<ReportVersion> {
    versions(db, granter, ward, month).await.expect("read").expect("in scope")
}

#[tokio::test]
async fn a_batch_of_the_queue_is_limited_inside_the_storage_scan() {
    let (db, _) = setup().await;
    let mut res = db.query(format!("EXPLAIN {QUEUE_BATCH}")).bind(("start", 0)).bind(("limit", 5)).await.expect("plan");
    let plan: Option<String> = res.take(0usize).expect("plan");
    let plan = plan.unwrap_or_default();
    // Not a Limit above a scan that reads the whole range first.
    assert!(plan.lines().any(|l| l.contains("Scan") && l.contains("limit")), "{plan}");
}
