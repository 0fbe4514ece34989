//! Coverage statistics for ward officers and the city: accounts, e-payment and digital addresses against the
//! programme's targets per ward, kept aggregated as data changes (see `schema/0012_stats.surql`); the monthly
//! report each ward submits to the steering committee (frozen figures, comments, versions); charts drawn on the
//! server as SVG; CSV and XLSX exports; and the 1-million-citizen generator and benchmark.
//! The pages load their data through the server functions of [`api`]; their forms are server functions too (a
//! browser without JavaScript is sent back to the page, which shows the outcome from the flash). The downloads and
//! the file uploads stay plain handlers in [`web`].
pub mod api;
#[cfg(feature = "ssr")]
pub mod generate;
#[cfg(feature = "ssr")]
pub mod chart;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod history;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;
#[cfg(feature = "ssr")]
pub mod web;

use serde::{Deserialize, Serialize};

pub use domain::{Figures, PopulationProblem, Ranking};

/// A ward's denominators as the city set them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Population {
    pub adults: i64,
    pub households: i64,
    pub year: i32,
    /// entered | imported
    pub source: String,
    pub mapped_from: Vec<String>,
    pub approximate: bool,
}

/// One row of the ward table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WardRow {
    pub code: String,
    pub name: String,
    pub figures: Figures,
    pub population: Option<Population>,
}

/// What the city administrator typed into the population form (kept on an error).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PopulationInput {
    pub ward: String,
    pub adults: String,
    pub households: String,
    pub year: String,
}

/// The answer to a form on the statistics pages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StatsNotice {
    PopulationSaved,
    /// The population form: which field is wrong (ward, adults, households, year).
    PopulationInvalid(String),
    /// The population file was imported: how many wards.
    Imported(usize),
    /// The population file was refused, with each reason.
    ImportRefused(Vec<PopulationProblem>),
    /// Earlier monthly figures were imported: how many reports, how many months.
    HistoryImported(usize, usize),
    ReportSaved,
    ReportSubmitted,
    CorrectionStarted,
    /// The report was submitted already (by someone else, or in another tab): nothing was changed.
    AlreadySubmitted,
    /// A correction needs its reason.
    ReasonMissing,
    TooLong,
    /// Our side failed (or the request was malformed): nothing was changed; try again.
    Failed,
}

impl StatsNotice {
    /// An outcome of the population figures (the form or the file): the dashboard opens that section for it.
    pub fn is_population(&self) -> bool {
        matches!(
            self,
            StatsNotice::PopulationSaved
                | StatsNotice::PopulationInvalid(_)
                | StatsNotice::Imported(_)
                | StatsNotice::ImportRefused(_)
                | StatsNotice::Failed
        )
    }
}

/// What the dashboard's forms answered (the population form, the population file), kept in the flash for the
/// page a browser without JavaScript is sent back to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsFlash {
    pub notice: Option<StatsNotice>,
    /// The population form as typed, when it was refused.
    pub input: PopulationInput,
}

/// What a ward report's forms answered, with the comment or the reason as typed when it was refused.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportFlash {
    pub notice: Option<StatsNotice>,
    pub comment: String,
    pub reason: String,
}

/// The dashboard: the wards in the caller's scope with their figures this month.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StatsPageData {
    pub city: bool,
    /// `11/2026`: the month of the monthly figures (QR checks, team registrations).
    pub month: String,
    pub rows: Vec<WardRow>,
    /// The wards added up (the whole city, with accounts without an address, for the city administrator).
    pub total: Figures,
    /// Accounts without a declared address (city only).
    pub unknown: Option<Figures>,
    /// Wards that have population figures, of all in scope.
    pub with_population: usize,
    /// Changes still wait to be counted (the folder's last pass did not reach the end of the queue).
    pub behind: bool,
    pub ranking: Ranking,
    /// Server-drawn SVG: shares per ward, and the monthly trend from the frozen reports.
    pub bars_svg: String,
    pub trend_svg: String,
    /// What the last population form or file answered, and the form as typed when it was refused.
    pub notice: Option<StatsNotice>,
    pub input: PopulationInput,
    /// The 2025-07 wards (code, name) for the population form (city only).
    pub wards: Vec<(String, String)>,
}

/// One ward's report for a month, as the list shows it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportLine {
    pub ward: String,
    pub name: String,
    pub version: i64,
    /// draft | submitted
    pub state: String,
    pub late: bool,
    /// `05/12/2026 09:30`
    pub submitted_at: Option<String>,
    pub figures: Figures,
    /// The city's earlier figures, from a file (not frozen by the server).
    pub imported: bool,
    /// Imported through a former unit that only partly became this ward.
    pub approximate: bool,
}

/// The reports of one month: the city sees every ward (who submitted, who is late) and the city-wide report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportsPageData {
    pub city: bool,
    /// `2026-11` and `11/2026`
    pub month: String,
    pub month_label: String,
    /// Months with frozen reports, newest first: (key, label).
    pub months: Vec<(String, String)>,
    pub lines: Vec<ReportLine>,
    pub total: Figures,
    /// `05/12/2026`
    pub deadline: String,
    pub submitted: usize,
    pub late: usize,
    pub frozen_at: Option<String>,
    pub trend_svg: String,
    pub notice: Option<StatsNotice>,
}

/// One version of a ward's report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportVersion {
    pub version: i64,
    pub state: String,
    pub comment: String,
    pub reason: Option<String>,
    pub frozen_at: String,
    pub submitted_at: Option<String>,
    pub submitted_by: Option<String>,
    pub figures: Figures,
    pub imported: bool,
    /// The 2025-01 units whose imported figures were added into this ward.
    pub mapped_from: Vec<String>,
    pub approximate: bool,
}

/// A ward's report for a month with all its versions (newest first).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WardReportPageData {
    pub ward: String,
    pub ward_name: String,
    pub month: String,
    pub month_label: String,
    pub deadline: String,
    pub late: bool,
    pub versions: Vec<ReportVersion>,
    /// The officer may write in the newest draft or start a correction (the city administrator only reads).
    pub can_edit: bool,
    pub notice: Option<StatsNotice>,
    /// What was typed, kept when a form is refused.
    pub comment: String,
    pub reason: String,
}

/// Longest comment or reason kept.
pub const MAX_COMMENT_CHARS: usize = 4000;
