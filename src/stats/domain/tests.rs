use super::*;

fn d(y: i32, m: u8, day: u8) -> Date {
    Date::new(y, m, day).expect("a real day")
}

#[test]
fn a_person_becomes_an_adult_on_their_eighteenth_birthday() {
    assert!(!is_adult(d(2008, 12, 3), d(2026, 12, 2)));
    assert!(is_adult(d(2008, 12, 2), d(2026, 12, 2)));
    assert_eq!(turning_adult_on(d(2026, 12, 2)), vec!["2008-12-02".to_owned()]);
}

#[test]
fn those_born_on_29_february_become_adults_on_1_march_in_a_common_year() {
    assert_eq!(turning_adult_on(d(2026, 3, 1)), vec!["2008-03-01".to_owned(), "2008-02-29".to_owned()]);
    assert_eq!(turning_adult_on(d(2026, 2, 28)), vec!["2008-02-28".to_owned()]);
    // 2028 is a leap year, 2010 was not: nobody was born on 29/02/2010.
    assert_eq!(turning_adult_on(d(2028, 2, 29)), Vec::<String>::new());
}

#[test]
fn months_count_in_vietnam_time_and_have_a_deadline() {
    // 30/11/2026 17:00 UTC is already 1 December in Vietnam.
    let december = d(2026, 12, 1).start_unix_vietnam();
    assert_eq!(december, 1_764_522_000 + 365 * 86_400);
    assert_eq!(Month::of_unix(december - 1), Month { year: 2026, month: 11 });
    assert_eq!(Month::of_unix(d(2026, 12, 1).start_unix_vietnam()), Month { year: 2026, month: 12 });
    let jan = Month::parse("2027-01").expect("a month");
    assert_eq!(jan.previous().key(), "2026-12");
    assert_eq!(jan.previous().next(), jan);
    assert_eq!(jan.label(), "01/2027");
    assert_eq!(Month { year: 2026, month: 12 }.deadline(), d(2027, 1, 5));
    assert!(!is_late(Month { year: 2026, month: 11 }, d(2026, 12, 5)));
    assert!(is_late(Month { year: 2026, month: 11 }, d(2026, 12, 6)));
    for bad in ["2026-13", "2026-1", "26-11", "", "abcd-ef", "1999-01"] {
        assert_eq!(Month::parse(bad), None, "{bad}");
    }
}

#[test]
fn an_account_counts_where_its_person_lives_now() {
    assert_eq!(residence(Some("20242"), Some("20257")), "20242");
    assert_eq!(residence(None, Some("20257")), "20257");
    assert_eq!(residence(None, None), UNKNOWN_WARD);
}

#[test]
fn moving_an_account_moves_all_it_adds_and_nothing_else() {
    let old = Contribution { ward: "20242".into(), counted: true, adult: true, level: 2, epay: true, households: 1, documents: 3 };
    let new = Contribution { ward: "20257".into(), ..old.clone() };
    let mut into = HashMap::new();
    deltas(Some(&old), Some(&new), &mut into);
    assert_eq!(into["20242"], [0, -1, -1, -1, -1, -1, -3]);
    assert_eq!(into["20257"], [0, 1, 1, 1, 1, 1, 3]);
    let mut same = HashMap::new();
    deltas(Some(&old), Some(&old), &mut same);
    assert_eq!(same["20242"], [0; 7]);
}

#[test]
fn a_pending_or_deleted_account_adds_nothing_and_a_minor_is_not_an_adult() {
    let pending = Contribution { ward: "20242".into(), counted: false, adult: true, level: 1, epay: true, households: 1, documents: 1 };
    assert_eq!(pending.counts(), [0; 7]);
    let child = Contribution { counted: true, adult: false, ..pending };
    assert_eq!(child.counts(), [1, 0, 0, 0, 0, 1, 1]);
}

#[test]
fn shares_need_a_population_and_a_city_total_needs_every_ward_s() {
    let a = Figures { adults: 90, adults_epay: 45, households: 20, population_adults: Some(100), population_households: Some(50), population_year: Some(2025), ..Figures::default() };
    assert_eq!(a.share_accounts(), Some(0.9));
    assert_eq!(a.share_epay(), Some(0.45));
    assert_eq!(a.share_address(), Some(0.4));
    let b = Figures { adults: 10, ..Figures::default() };
    assert_eq!(b.share_accounts(), None);
    let both = Figures::total([&a, &a]);
    assert_eq!(both.adults, 180);
    assert_eq!(both.share_accounts(), Some(0.9));
    assert_eq!(both.population_year, Some(2025));
    let partial = Figures::total([&a, &b]);
    assert_eq!(partial.adults, 100);
    assert_eq!(partial.share_accounts(), None);
    assert_eq!(Figures::total([]).share_accounts(), None);
}

fn units() -> (Vec<String>, UnitMap) {
    let units07 = vec!["20242".to_owned(), "20197".to_owned(), "20257".to_owned()];
    let mut map = UnitMap::new();
    map.insert("20227".into(), ("20242".into(), true));
    map.insert("20236".into(), ("20242".into(), true));
    map.insert("20296".into(), ("20197".into(), false));
    (units07, map)
}

#[test]
fn a_population_file_maps_former_units_onto_the_new_wards() {
    let (units07, map) = units();
    let file = "\u{feff}Mã đơn vị;Phiên bản;Dân số từ 18 tuổi;Số hộ;Năm\r\n20227;2025-01;10.000;3.000;2024\r\n20236;2025-01;5.500;1.500;2024\r\n20296;2025-01;4000;1200;2024\r\n20257;;20 000;6000;2025\r\n";
    let rows = read_population(file.as_bytes(), &units07, &map).expect("readable");
    assert_eq!(rows.len(), 3);
    let hai_chau = rows.iter().find(|r| r.ward == "20242").expect("Hải Châu");
    assert_eq!((hai_chau.adults, hai_chau.households, hai_chau.year), (15_500, 4_500, 2024));
    assert_eq!(hai_chau.mapped_from, vec!["20227".to_owned(), "20236".to_owned()]);
    assert!(!hai_chau.approximate);
    let lien_chieu = rows.iter().find(|r| r.ward == "20197").expect("Liên Chiểu");
    assert!(lien_chieu.approximate, "Hòa Liên only partly became Liên Chiểu");
    let hoa_cuong = rows.iter().find(|r| r.ward == "20257").expect("Hòa Cường");
    assert_eq!((hoa_cuong.adults, hoa_cuong.year, hoa_cuong.mapped_from.len()), (20_000, 2025, 0));
}

#[test]
fn a_bad_population_file_is_refused_whole_with_each_reason() {
    let (units07, map) = units();
    let missing = "code,adults,year\n20242,100,2025\n";
    assert_eq!(read_population(missing.as_bytes(), &units07, &map), Err(vec![PopulationProblem::MissingColumn("households".into())]));
    let bad = "code,version,adults,households,year\n20242,,abc,10,2025\n99999,,1,1,2025\n20257,,1,1,1800\n20257,,1,1,2025\n20257,,1,1,2025\n20197,,5,5,2025\n20296,2025-01,5,5,2025\n";
    let problems = read_population(bad.as_bytes(), &units07, &map).expect_err("refused");
    assert_eq!(
        problems,
        vec![
            PopulationProblem::BadValue { line: 2, column: "adults".into() },
            PopulationProblem::UnknownUnit { line: 3, code: "99999".into() },
            PopulationProblem::BadValue { line: 4, column: "year".into() },
            PopulationProblem::Repeated { line: 6, code: "20257".into() },
            PopulationProblem::Repeated { line: 7, code: "20197".into() },
        ]
    );
    assert_eq!(read_population(&[0xff, 0xfe, 0x00], &units07, &map), Err(vec![PopulationProblem::Unreadable]));
}

#[test]
fn wards_rank_by_the_chosen_share_and_unknown_names_fall_back_to_name_order() {
    assert_eq!(Ranking::parse("epay"), Ranking::Epay);
    assert_eq!(Ranking::parse("bogus"), Ranking::Name);
    let f = Figures { adults_epay: 1, population_adults: Some(4), ..Figures::default() };
    assert_eq!(Ranking::Epay.value(&f), Some(0.25));
    assert_eq!(Ranking::Name.value(&f), None);
}

#[test]
fn numbers_and_shares_are_written_the_vietnamese_way() {
    assert_eq!(number(1_234_567), "1.234.567");
    assert_eq!(number(999), "999");
    assert_eq!(number(-1000), "-1.000");
    assert_eq!(percent(0.875), "87,5%");
}
