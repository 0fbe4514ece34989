//! Figures from before the platform: the city's earlier monthly figures per unit, from a CSV file, become the
//! submitted reports of those months (so the trend starts where the programme started). Lines under the 2025-01
//! units are added into the 2025-07 ward each became part of; a unit that only partly went there marks the figures
//! as estimates. Pure rules here; the service writes them.
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::domain::{Figures, Month, PopulationProblem, UnitMap, count_of, positions, read_table, ward_for};

/// One ward's figures for one earlier month.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryRow {
    pub month: Month,
    /// The 2025-07 ward.
    pub ward: String,
    pub figures: Figures,
    /// The 2025-01 units added into this ward.
    pub mapped_from: Vec<String>,
    /// A former unit only partly became this ward.
    pub approximate: bool,
}

/// The columns the file must have, then those it may have.
const NEEDED: [&str; 7] = ["month", "code", "accounts_l1", "accounts_l2", "with_account", "epay", "digital_address"];

fn column(header: &str) -> Option<&'static str> {
    let h = crate::domain::text::fold(header.trim()).replace([' ', '-'], "_");
    Some(match h.as_str() {
        "month" | "thang" | "ky_bao_cao" => "month",
        "code" | "ma" | "ma_don_vi" | "ma_dvhc" | "ward" => "code",
        "version" | "phien_ban" => "version",
        "accounts_l1" | "tai_khoan_muc_1" | "muc_1" => "accounts_l1",
        "accounts_l2" | "tai_khoan_muc_2" | "muc_2" => "accounts_l2",
        "adults_with_account" | "nguoi_truong_thanh_co_tai_khoan" | "tu_18_tuoi_co_tai_khoan" => "with_account",
        "adults_epay" | "co_thanh_toan_dien_tu" | "thanh_toan_dien_tu" => "epay",
        "households_digital_address" | "ho_co_dia_chi_so" | "dia_chi_so" => "digital_address",
        "adult_population" | "dan_so_tu_18_tuoi" => "adults",
        "households" | "so_ho" => "households",
        "documents" | "giay_to" | "giay_to_da_luu" => "documents",
        "qr" | "xac_thuc_qr" | "luot_xac_thuc_qr" => "qr",
        _ => return None,
    })
}

/// `2025-03`, `03/2025` or `3/2025`.
pub fn parse_month(s: &str) -> Option<Month> {
    let s = s.trim();
    match s.split_once('/') {
        Some((m, y)) if (1..=2).contains(&m.len()) => Month::parse(&format!("{y}-{m:0>2}")),
        Some(_) => None,
        None => Month::parse(s),
    }
}

/// Reads a file of earlier monthly figures; only months before `before` (the month the server freezes itself and
/// every later one). Everything or nothing: any bad line refuses the file, and each reason is listed.
pub fn read_history(
    bytes: &[u8],
    units07: &[String],
    map: &UnitMap,
    before: Month,
) -> Result<Vec<HistoryRow>, Vec<PopulationProblem>> {
    let (header, lines) = read_table(bytes, column)?;
    let [month_at, code_at, l1_at, l2_at, with_at, epay_at, address_at] = positions(&header, NEEDED)?;
    let at = |name: &str| header.iter().position(|h| *h == Some(name));
    let (version_at, adults_at, households_at, documents_at, qr_at) =
        (at("version"), at("adults"), at("households"), at("documents"), at("qr"));
    let mut problems = Vec::new();
    let mut out: Vec<HistoryRow> = Vec::new();
    let mut seen: HashMap<(Month, String, String), usize> = HashMap::new();
    for (line, record) in lines {
        let cell = |i: usize| record.get(i).map(|s| s.trim()).unwrap_or_default();
        let bad = |column: &str| PopulationProblem::BadValue { line, column: column.to_owned() };
        let Some(month) = parse_month(cell(month_at)) else {
            problems.push(bad("month"));
            continue;
        };
        if month >= before {
            problems.push(PopulationProblem::MonthTooLate { line, before: before.label() });
            continue;
        }
        let needed = [("accounts_l1", l1_at), ("accounts_l2", l2_at), ("with_account", with_at), ("epay", epay_at), ("digital_address", address_at)];
        let mut values = [0; 5];
        let mut wrong = None;
        for (slot, (name, i)) in values.iter_mut().zip(needed) {
            match count_of(cell(i)) {
                Some(v) => *slot = v,
                None => {
                    wrong = Some(name);
                    break;
                }
            }
        }
        if let Some(name) = wrong {
            problems.push(bad(name));
            continue;
        }
        let [l1, l2, with_account, epay, address] = values;
        // Optional columns: empty is "not known"; anything else must be a count.
        let optional = |i: Option<usize>| i.map(cell).filter(|v| !v.is_empty()).map(|v| count_of(v).ok_or(()));
        let (adults, households, documents, qr) = (optional(adults_at), optional(households_at), optional(documents_at), optional(qr_at));
        let wrong = [("adults", &adults), ("households", &households), ("documents", &documents), ("qr", &qr)]
            .into_iter()
            .find(|(_, v)| matches!(v, Some(Err(()))));
        if let Some((name, _)) = wrong {
            problems.push(bad(name));
            continue;
        }
        if with_account > l1 + l2 {
            problems.push(bad("with_account"));
            continue;
        }
        if epay > with_account {
            problems.push(bad("epay"));
            continue;
        }
        let code = cell(code_at).to_owned();
        let version = version_at.map(cell).filter(|v| !v.is_empty()).unwrap_or("2025-07").to_owned();
        let (ward, whole) = match ward_for(line, &code, &version, units07, map) {
            Ok(found) => found,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        if seen.insert((month, code.clone(), version.clone()), line).is_some() {
            problems.push(PopulationProblem::Repeated { line, code });
            continue;
        }
        let known = |v: Option<Result<i64, ()>>| v.and_then(Result::ok);
        let figures = Figures {
            accounts_l1: l1,
            accounts_l2: l2,
            adults: with_account,
            adults_epay: epay,
            households: address,
            documents: known(documents).unwrap_or(0),
            qr: known(qr).unwrap_or(0),
            population_adults: known(adults),
            population_households: known(households),
            population_year: known(adults).map(|_| month.year),
            ..Figures::default()
        };
        let from_old = version == "2025-01";
        match out.iter_mut().find(|r| r.month == month && r.ward == ward) {
            Some(row) => {
                row.figures.add(&figures);
                row.approximate |= !whole;
                if from_old {
                    row.mapped_from.push(code);
                }
            }
            None => out.push(HistoryRow {
                month,
                ward,
                figures,
                mapped_from: if from_old { vec![code] } else { Vec::new() },
                approximate: !whole,
            }),
        }
    }
    // A ward given both directly and through its former units in one month would be counted twice.
    for row in out.iter().filter(|r| !r.mapped_from.is_empty()) {
        if let Some(line) = seen.get(&(row.month, row.ward.clone(), "2025-07".to_owned())) {
            problems.push(PopulationProblem::Repeated { line: *line, code: row.ward.clone() });
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units() -> (Vec<String>, UnitMap) {
        let units07 = vec!["20242".to_owned(), "20257".to_owned()];
        let map: UnitMap = [
            ("20227".to_owned(), ("20242".to_owned(), true)),
            ("20236".to_owned(), ("20242".to_owned(), true)),
            ("20290".to_owned(), ("20257".to_owned(), false)),
        ]
        .into_iter()
        .collect();
        (units07, map)
    }

    const NOV: Month = Month { year: 2026, month: 11 };

    #[test]
    fn months_are_read_in_either_form() {
        assert_eq!(parse_month("2025-03"), Some(Month { year: 2025, month: 3 }));
        assert_eq!(parse_month("03/2025"), Some(Month { year: 2025, month: 3 }));
        assert_eq!(parse_month(" 3/2025 "), Some(Month { year: 2025, month: 3 }));
        assert_eq!(parse_month("13/2025"), None);
        assert_eq!(parse_month("2025/03"), None);
        assert_eq!(parse_month("tháng 3"), None);
    }

    #[test]
    fn earlier_figures_under_the_former_units_are_added_into_the_new_wards() {
        let (units07, map) = units();
        let file = "\u{feff}tháng;mã đơn vị;phiên bản;tài khoản mức 1;tài khoản mức 2;người trưởng thành có tài khoản;\
                    có thanh toán điện tử;hộ có địa chỉ số;dân số từ 18 tuổi;số hộ\n\
                    03/2025;20227;2025-01;1.000;2.000;2.500;1.200;800;5.000;2.000\n\
                    03/2025;20236;2025-01;100;200;250;120;80;500;200\n\
                    03/2025;20290;2025-01;10;20;25;12;8;;\n\
                    2025-09;20242;2025-07;1.500;2.700;3.900;2.000;1.000;5.600;2.300\n";
        let mut rows = read_history(file.as_bytes(), &units07, &map, NOV).expect("readable");
        rows.sort_by(|a, b| (a.month, &a.ward).cmp(&(b.month, &b.ward)));
        assert_eq!(rows.len(), 3);
        let march = &rows[0];
        assert_eq!((march.month, march.ward.as_str()), (Month { year: 2025, month: 3 }, "20242"));
        assert_eq!(march.mapped_from, vec!["20227".to_owned(), "20236".to_owned()]);
        assert!(!march.approximate);
        assert_eq!(
            (march.figures.accounts(), march.figures.adults, march.figures.adults_epay, march.figures.households),
            (3300, 2750, 1320, 880)
        );
        assert_eq!((march.figures.population_adults, march.figures.population_households), (Some(5500), Some(2200)));
        assert_eq!(march.figures.population_year, Some(2025));
        // Only part of 20290 went into 20257, and its population was not given.
        assert!(rows[1].approximate);
        assert_eq!(rows[1].figures.population_adults, None);
        assert_eq!((rows[2].month, rows[2].figures.accounts(), rows[2].mapped_from.len()), (Month { year: 2025, month: 9 }, 4200, 0));
    }

    #[test]
    fn a_bad_history_file_is_refused_whole_with_each_reason() {
        let (units07, map) = units();
        let missing = "month,code,accounts_l1,accounts_l2\n2025-03,20242,1,2\n";
        assert_eq!(
            read_history(missing.as_bytes(), &units07, &map, NOV),
            Err(vec![
                PopulationProblem::MissingColumn("with_account".into()),
                PopulationProblem::MissingColumn("epay".into()),
                PopulationProblem::MissingColumn("digital_address".into()),
            ])
        );
        let header = "month,code,version,accounts_l1,accounts_l2,adults_with_account,adults_epay,households_digital_address,adult_population\n";
        let file = format!(
            "{header}2025-13,20242,,1,1,1,1,1,\n\
             2026-11,20242,,1,1,1,1,1,\n\
             2025-03,20242,,1,1,3,1,1,\n\
             2025-03,20242,,1,1,2,3,1,\n\
             2025-03,99999,,1,1,1,1,1,\n\
             2025-03,20242,,x,1,1,1,1,\n\
             2025-03,20242,,1,1,1,1,1,many\n\
             2025-04,20242,,1,1,1,1,1,\n\
             2025-04,20242,,1,1,1,1,1,\n\
             2025-05,20242,,1,1,1,1,1,\n\
             2025-05,20227,2025-01,1,1,1,1,1,\n"
        );
        assert_eq!(
            read_history(file.as_bytes(), &units07, &map, NOV),
            Err(vec![
                PopulationProblem::BadValue { line: 2, column: "month".into() },
                PopulationProblem::MonthTooLate { line: 3, before: "11/2026".into() },
                PopulationProblem::BadValue { line: 4, column: "with_account".into() },
                PopulationProblem::BadValue { line: 5, column: "epay".into() },
                PopulationProblem::UnknownUnit { line: 6, code: "99999".into() },
                PopulationProblem::BadValue { line: 7, column: "accounts_l1".into() },
                PopulationProblem::BadValue { line: 8, column: "adults".into() },
                PopulationProblem::Repeated { line: 10, code: "20242".into() },
                PopulationProblem::Repeated { line: 11, code: "20242".into() },
            ])
        );
    }
}
