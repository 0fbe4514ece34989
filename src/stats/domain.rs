//! The rules of the coverage figures: what one account adds to its ward, who counts as an adult and on which day
//! they become one, months in Vietnam time, the programme's targets, report deadlines, and reading the
//! population file (with figures under the 2025-01 units mapped onto the 2025-07 ones).
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::identity::domain::Date;

/// The city's targets: adults with a digital citizen account, adults with an e-payment account, households with a
/// digital address.
pub const TARGET_ACCOUNTS: f64 = 0.9;
pub const TARGET_EPAY: f64 = 0.9;
pub const TARGET_ADDRESS: f64 = 0.5;
/// The ward for accounts without a declared address (the city sees them; no ward officer does).
pub const UNKNOWN_WARD: &str = "unknown";
/// A month's report is due by this day of the next month.
pub const DEADLINE_DAY: u8 = 5;
pub const ADULT_AGE: i32 = 18;

/// A calendar month in Vietnam time, stored as `yyyy-mm`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Month {
    pub year: i32,
    pub month: u8,
}

impl Month {
    pub fn of(date: Date) -> Self {
        Month { year: date.year, month: date.month }
    }

    pub fn of_unix(seconds: i64) -> Self {
        Month::of(Date::from_unix_vietnam(seconds))
    }

    pub fn parse(s: &str) -> Option<Self> {
        let (y, m) = s.split_once('-')?;
        let (year, month) = (y.parse().ok()?, m.parse().ok()?);
        (y.len() == 4 && m.len() == 2 && (1..=12).contains(&month) && (2000..=2100).contains(&year))
            .then_some(Month { year, month })
    }

    /// `2026-11`
    pub fn key(&self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }

    /// `11/2026`
    pub fn label(&self) -> String {
        format!("{:02}/{:04}", self.month, self.year)
    }

    pub fn previous(&self) -> Self {
        if self.month == 1 { Month { year: self.year - 1, month: 12 } } else { Month { year: self.year, month: self.month - 1 } }
    }

    pub fn next(&self) -> Self {
        if self.month == 12 { Month { year: self.year + 1, month: 1 } } else { Month { year: self.year, month: self.month + 1 } }
    }

    /// The last day a report for this month is on time.
    pub fn deadline(&self) -> Date {
        let next = self.next();
        Date { year: next.year, month: next.month, day: DEADLINE_DAY }
    }
}

/// "87,5%": one decimal with a comma, the Vietnamese way.
pub fn percent(fraction: f64) -> String {
    let tenths = if fraction.is_finite() { (fraction * 1000.0).round() as i64 } else { 0 };
    // Sign from the rounded figure, so a tiny negative never prints as "-0,0%".
    let sign = if tenths < 0 { "-" } else { "" };
    let t = tenths.unsigned_abs();
    format!("{sign}{},{}%", t / 10, t % 10)
}

/// "1.234.567": thousands separated by dots, the Vietnamese way.
pub fn number(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// Whether a person born on `birth` is an adult on `today`.
pub fn is_adult(birth: Date, today: Date) -> bool {
    birth.age_on(today) >= ADULT_AGE
}

/// The birth dates (ISO) of the people who become adults on `day`: 18 years ago to the day, and in a common year
/// those born on 29 February, who become adults on 1 March.
pub fn turning_adult_on(day: Date) -> Vec<String> {
    let before = Date::from_unix_vietnam(day.start_unix_vietnam() - 86_400);
    let mut candidates = vec![Date::new(day.year - ADULT_AGE, day.month, day.day)];
    if (day.month, day.day) == (3, 1) {
        candidates.push(Date::new(day.year - ADULT_AGE, 2, 29));
    }
    candidates
        .into_iter()
        .flatten()
        .filter(|b| is_adult(*b, day) && !is_adult(*b, before))
        .map(|b| b.iso())
        .collect()
}

/// The ward an account counts in: where the person lives now, else their permanent address.
pub fn residence(current_unit: Option<&str>, permanent_unit: Option<&str>) -> String {
    current_unit.or(permanent_unit).filter(|c| !c.is_empty()).unwrap_or(UNKNOWN_WARD).to_owned()
}

/// What one account adds to its ward's counters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contribution {
    pub ward: String,
    /// An active account whose personal data was not deleted.
    pub counted: bool,
    pub adult: bool,
    pub level: i64,
    pub epay: bool,
    pub households: i64,
    pub documents: i64,
}

/// The ward counters in a fixed order: accounts_l1, accounts_l2, adults, adults_l2, adults_epay, households,
/// documents.
pub type Counts = [i64; 7];
pub const COUNT_FIELDS: [&str; 7] =
    ["accounts_l1", "accounts_l2", "adults", "adults_l2", "adults_epay", "households", "documents"];

impl Contribution {
    pub fn counts(&self) -> Counts {
        if !self.counted {
            return [0; 7];
        }
        let b = i64::from;
        let adult = self.adult;
        [
            b(self.level == 1),
            b(self.level == 2),
            b(adult),
            b(adult && self.level == 2),
            b(adult && self.epay),
            self.households,
            self.documents,
        ]
    }
}

/// The changes to apply per ward when contributions move from `old` to `new` (either may be absent).
pub fn deltas(old: Option<&Contribution>, new: Option<&Contribution>, into: &mut HashMap<String, Counts>) {
    for (c, sign) in [(old, -1), (new, 1)] {
        let Some(c) = c else { continue };
        let entry = into.entry(c.ward.clone()).or_insert([0; 7]);
        for (slot, v) in entry.iter_mut().zip(c.counts()) {
            *slot += sign * v;
        }
    }
}

/// The figures of a ward (or of several, added up) as shown and as frozen into a monthly report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Figures {
    pub accounts_l1: i64,
    pub accounts_l2: i64,
    pub adults: i64,
    pub adults_l2: i64,
    pub adults_epay: i64,
    pub households: i64,
    pub documents: i64,
    /// In the month: QR verifications, team registrations, confirmed ones, active teams.
    pub qr: i64,
    pub assisted: i64,
    pub confirmed: i64,
    pub active_teams: i64,
    /// Denominators: adult population and households, and the year they refer to.
    pub population_adults: Option<i64>,
    pub population_households: Option<i64>,
    pub population_year: Option<i32>,
}

fn share(part: i64, whole: Option<i64>) -> Option<f64> {
    whole.filter(|w| *w > 0).map(|w| part as f64 / w as f64)
}

impl Figures {
    pub fn from_counts(c: &Counts) -> Self {
        Figures {
            accounts_l1: c[0],
            accounts_l2: c[1],
            adults: c[2],
            adults_l2: c[3],
            adults_epay: c[4],
            households: c[5],
            documents: c[6],
            ..Figures::default()
        }
    }

    pub fn accounts(&self) -> i64 {
        self.accounts_l1 + self.accounts_l2
    }

    pub fn share_accounts(&self) -> Option<f64> {
        share(self.adults, self.population_adults)
    }

    pub fn share_epay(&self) -> Option<f64> {
        share(self.adults_epay, self.population_adults)
    }

    pub fn share_address(&self) -> Option<f64> {
        share(self.households, self.population_households)
    }

    /// Adds another ward's figures. The sum has denominators only when both had them: a city share over wards
    /// with and without population figures would mean nothing.
    pub fn add(&mut self, o: &Figures) {
        self.add_counts(o);
        self.population_adults = self.population_adults.zip(o.population_adults).map(|(a, b)| a + b);
        self.population_households = self.population_households.zip(o.population_households).map(|(a, b)| a + b);
        self.population_year = self.population_year.zip(o.population_year).map(|(a, b)| a.max(b));
    }

    /// Adds another's counts but not its denominators (the accounts without an address belong to the city's
    /// population, which the wards' figures already make up).
    pub fn add_counts(&mut self, o: &Figures) {
        self.accounts_l1 += o.accounts_l1;
        self.accounts_l2 += o.accounts_l2;
        self.adults += o.adults;
        self.adults_l2 += o.adults_l2;
        self.adults_epay += o.adults_epay;
        self.households += o.households;
        self.documents += o.documents;
        self.qr += o.qr;
        self.assisted += o.assisted;
        self.confirmed += o.confirmed;
        self.active_teams += o.active_teams;
    }

    /// The sum of many (an empty list sums to zero figures with zero denominators).
    pub fn total<'a>(all: impl IntoIterator<Item = &'a Figures>) -> Figures {
        let mut sum = Figures { population_adults: Some(0), population_households: Some(0), population_year: Some(0), ..Figures::default() };
        for f in all {
            sum.add(f);
        }
        if sum.population_year == Some(0) {
            sum.population_year = None;
        }
        sum
    }
}

/// How the ward table can be ranked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ranking {
    #[default]
    Name,
    Accounts,
    Epay,
    Address,
}

impl Ranking {
    pub const ALL: [Ranking; 4] = [Ranking::Name, Ranking::Accounts, Ranking::Epay, Ranking::Address];

    pub fn parse(s: &str) -> Self {
        Self::ALL.into_iter().find(|r| r.as_str() == s).unwrap_or_default()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Ranking::Name => "name",
            Ranking::Accounts => "accounts",
            Ranking::Epay => "epay",
            Ranking::Address => "address",
        }
    }

    /// The value ranked by (highest first; wards without a figure last).
    pub fn value(self, f: &Figures) -> Option<f64> {
        match self {
            Ranking::Name => None,
            Ranking::Accounts => f.share_accounts(),
            Ranking::Epay => f.share_epay(),
            Ranking::Address => f.share_address(),
        }
    }
}

/// Whether a report for `month` not submitted by `today` is late.
pub fn is_late(month: Month, today: Date) -> bool {
    today > month.deadline()
}

/// One ward's denominators from the population file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PopulationRow {
    /// The 2025-07 ward the figures count for.
    pub ward: String,
    pub adults: i64,
    pub households: i64,
    pub year: i32,
    /// The 2025-01 units added into this ward.
    pub mapped_from: Vec<String>,
    /// A former unit only partly became this ward: the figure is an estimate.
    pub approximate: bool,
}

/// Why a population file (or one of its lines) cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PopulationProblem {
    Unreadable,
    /// A column the file must have: code, adults, households, year.
    MissingColumn(String),
    /// Line n: which column is wrong.
    BadValue { line: usize, column: String },
    /// Line n names a unit that does not exist in its version.
    UnknownUnit { line: usize, code: String },
    /// Two lines for the same unit.
    Repeated { line: usize, code: String },
    /// Line n: earlier figures are only for months before this one (`mm/yyyy`), which the server freezes itself.
    MonthTooLate { line: usize, before: String },
    /// This month (`mm/yyyy`) has reports already: they are never overwritten.
    MonthHasReports(String),
}

/// Where each 2025-01 unit went: code -> (2025-07 code, whole?).
pub type UnitMap = HashMap<String, (String, bool)>;

#[cfg(feature = "ssr")]
fn column(header: &str) -> Option<&'static str> {
    let h = crate::domain::text::fold(header.trim()).replace([' ', '-'], "_");
    Some(match h.as_str() {
        "code" | "ma" | "ma_don_vi" | "ma_dvhc" | "ward" => "code",
        "version" | "phien_ban" | "ban_do" => "version",
        "adults" | "dan_so_truong_thanh" | "nguoi_truong_thanh" | "dan_so_tu_18_tuoi" => "adults",
        "households" | "so_ho" | "ho_gia_dinh" | "so_ho_gia_dinh" => "households",
        "year" | "nam" => "year",
        _ => return None,
    })
}

pub fn count_of(s: &str) -> Option<i64> {
    let digits: String = s.trim().chars().filter(|c| !matches!(c, '.' | ' ' | '\u{a0}')).collect();
    (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) && digits.len() <= 9).then(|| digits.parse().ok())?
}

/// A CSV file (comma or semicolon, BOM or not): each header cell's meaning (by `column_of`), then the lines that
/// are not empty, with their numbers.
pub type Table = (Vec<Option<&'static str>>, Vec<(usize, Vec<String>)>);

#[cfg(feature = "ssr")]
pub fn read_table(bytes: &[u8], column_of: fn(&str) -> Option<&'static str>) -> Result<Table, Vec<PopulationProblem>> {
    let records = crate::formats::csv::read(bytes).map_err(|_| vec![PopulationProblem::Unreadable])?;
    let mut lines = records.into_iter();
    let Some((_, header)) = lines.next() else { return Err(vec![PopulationProblem::Unreadable]) };
    Ok((header.iter().map(|h| column_of(h)).collect(), lines.collect()))
}

/// Where each needed column is; every missing one is named.
pub fn positions<const N: usize>(header: &[Option<&'static str>], needed: [&str; N]) -> Result<[usize; N], Vec<PopulationProblem>> {
    let at = |name: &str| header.iter().position(|h| *h == Some(name));
    let missing: Vec<PopulationProblem> =
        needed.iter().filter(|n| at(n).is_none()).map(|n| PopulationProblem::MissingColumn((*n).to_owned())).collect();
    if missing.is_empty() { Ok(needed.map(|n| at(n).unwrap_or(0))) } else { Err(missing) }
}

/// The 2025-07 ward the figures of line `line`'s unit count in, and whether all of the unit went there.
pub fn ward_for(line: usize, code: &str, version: &str, units07: &[String], map: &UnitMap) -> Result<(String, bool), PopulationProblem> {
    let unknown = || PopulationProblem::UnknownUnit { line, code: code.to_owned() };
    match version {
        "2025-07" if units07.iter().any(|c| c == code) => Ok((code.to_owned(), true)),
        "2025-07" => Err(unknown()),
        "2025-01" => map.get(code).cloned().ok_or_else(unknown),
        _ => Err(PopulationProblem::BadValue { line, column: "version".to_owned() }),
    }
}

/// Reads a population file (CSV, comma or semicolon, BOM or not; columns named in Vietnamese or English; numbers
/// may use `.` between thousands). Lines for 2025-01 units are added into the 2025-07 ward they became part of.
/// `units07` are the 2025-07 codes. Everything or nothing: any bad line refuses the file.
#[cfg(feature = "ssr")]
pub fn read_population(
    bytes: &[u8],
    units07: &[String],
    map: &UnitMap,
) -> Result<Vec<PopulationRow>, Vec<PopulationProblem>> {
    let (header, lines) = read_table(bytes, column)?;
    let [code_at, adults_at, households_at, year_at] = positions(&header, ["code", "adults", "households", "year"])?;
    let at = |name: &str| header.iter().position(|h| *h == Some(name));
    let version_at = at("version");
    let mut problems = Vec::new();
    let mut out: Vec<PopulationRow> = Vec::new();
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for (line, record) in lines {
        let cell = |i: usize| record.get(i).map(|s| s.trim()).unwrap_or_default();
        let code = cell(code_at).to_owned();
        let version = version_at.map(cell).filter(|v| !v.is_empty()).unwrap_or("2025-07").to_owned();
        let bad = |column: &str| PopulationProblem::BadValue { line, column: column.to_owned() };
        let (Some(adults), Some(households)) = (count_of(cell(adults_at)), count_of(cell(households_at))) else {
            problems.push(bad(if count_of(cell(adults_at)).is_none() { "adults" } else { "households" }));
            continue;
        };
        let Some(year) = count_of(cell(year_at)).filter(|y| (2000..=2100).contains(y)) else {
            problems.push(bad("year"));
            continue;
        };
        let (ward, whole) = match ward_for(line, &code, &version, units07, map) {
            Ok(found) => found,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        if seen.insert((code.clone(), version.clone()), line).is_some() {
            problems.push(PopulationProblem::Repeated { line, code });
            continue;
        }
        let from_old = version == "2025-01";
        match out.iter_mut().find(|r| r.ward == ward) {
            Some(row) => {
                row.adults += adults;
                row.households += households;
                row.year = row.year.max(year as i32);
                row.approximate |= !whole;
                if from_old {
                    row.mapped_from.push(code);
                }
            }
            None => out.push(PopulationRow {
                ward,
                adults,
                households,
                year: year as i32,
                mapped_from: if from_old { vec![code] } else { Vec::new() },
                approximate: !whole,
            }),
        }
    }
    // A ward given both directly and through its former units would be counted twice.
    for row in &out {
        if !row.mapped_from.is_empty() && seen.contains_key(&(row.ward.clone(), "2025-07".to_owned())) {
            problems.push(PopulationProblem::Repeated { line: seen[&(row.ward.clone(), "2025-07".to_owned())], code: row.ward.clone() });
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

#[cfg(test)]
mod tests;
