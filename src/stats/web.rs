//! The server side of the statistics pages and the plain handlers around them: each page's data (the dashboard:
//! ward officers see their wards, the city every ward, ranked; the month's reports; one ward's report) with the
//! charts drawn here as SVG, the checks behind the forms (population figures; a report's comment, submission and
//! correction), the two file uploads (population figures, earlier months), and every table as CSV and XLSX. The
//! pages and their forms are server functions in `api.rs`; an upload is a plain multipart form that sends the
//! browser back to its page with the outcome in the same flash the page reads.
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::api::StatsError;
use super::chart::{self, Bar, Point};
use super::domain::{self, Month, PopulationRow, Ranking, TARGET_ACCOUNTS, UNKNOWN_WARD, is_late};
use super::service::{self, ReportError};
use super::{
    Figures, PopulationInput, ReportFlash, ReportsPageData, StatsFlash, StatsNotice, StatsPageData, WardReportPageData, WardRow,
};
use crate::access::guard::{CityAdmin, Granter, Principal};
use crate::formats::{self, Cell, xlsx};
use crate::identity::web::{format_time, no_store, now, see_other, today, unavailable};
use crate::web::caller::caller;
use crate::web::{AppState, Refusal};
use crate::units::UnitsVersion;

/// Largest population file read.
const MAX_FILE_BYTES: usize = 256 * 1024;

/// The dashboard's flash (/stats): what the population form or the population file answered.
pub const DASHBOARD_FLASH: &str = "stats";
/// The flash of the month's reports (/stats/reports): what the import of earlier figures answered.
pub const REPORTS_FLASH: &str = "stats-reports";

/// The flash of one ward's report: one per report, so an outcome never shows on another report's page.
pub fn report_flash(month: Month, ward: &str) -> String {
    format!("stats-report:{}:{ward}", month.key())
}

async fn granter(state: &AppState, headers: &HeaderMap) -> Result<Granter, Response> {
    let principal = match Principal::of_request(state, headers).await {
        Ok(p) => p,
        Err(denied) => return Err(denied.response(state, headers).await),
    };
    match principal.granter() {
        Ok(g) => Ok(g),
        Err(denied) => Err(denied.response(state, headers).await),
    }
}

/// The city administrator (the population file, the figures of earlier months).
async fn city(state: &AppState, headers: &HeaderMap) -> Result<CityAdmin, Response> {
    let principal = match Principal::of_request(state, headers).await {
        Ok(p) => p,
        Err(denied) => return Err(denied.response(state, headers).await),
    };
    match principal.city_admin() {
        Ok(a) => Ok(a),
        Err(denied) => Err(denied.response(state, headers).await),
    }
}

/// English column names when the person reads the site in English.
fn english(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| c.split(';').any(|kv| kv.trim() == "i18n_pref_locale=en"))
}

/// Whether the caller of this page or server function reads the site in English (the charts' labels).
fn english_here() -> bool {
    leptos::prelude::use_context::<axum::http::request::Parts>().is_some_and(|parts| english(&parts.headers))
}

/// A plain handler's answer to a form: 303 back to `location`, with `kept` in the flash `form` that page reads.
async fn back_with(state: &AppState, form: &str, kept: &impl serde::Serialize, location: &str) -> Response {
    let mut response = see_other(location);
    if let Some(cookie) = crate::web::flash::keep_for_response(state, form, kept).await {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    no_store(response)
}

/// What the page says about a form's outcome: its notice, or "failed" when the request was refused for a reason
/// the page shows itself (malformed, or our side failed).
pub fn notice_of(result: &Result<StatsNotice, StatsError>) -> StatsNotice {
    match result {
        Ok(notice) | Err(StatsError::Notice(notice)) => notice.clone(),
        Err(StatsError::Refused(_)) => StatsNotice::Failed,
    }
}

/// The wards in the granter's scope, ranked; the total (the city's includes accounts without an address).
fn scoped(granter: &Granter, mut rows: Vec<WardRow>, unknown: &Figures, ranking: Ranking) -> (Vec<WardRow>, Figures, Option<Figures>) {
    let city = granter.is_city_admin();
    rows.retain(|r| service::in_scope(granter, &r.code));
    if ranking != Ranking::Name {
        rows.sort_by(|a, b| {
            let (x, y) = (ranking.value(&a.figures), ranking.value(&b.figures));
            y.partial_cmp(&x).unwrap_or(std::cmp::Ordering::Equal).then_with(|| a.name.cmp(&b.name))
        });
    }
    let mut total = Figures::total(rows.iter().map(|r| &r.figures));
    let unknown = city.then(|| unknown.clone());
    if let Some(u) = &unknown {
        total.add_counts(u);
    }
    (rows, total, unknown)
}

/// The dashboard's data for `granter`, ranked by `ranking`, around what the last population form or file answered.
pub async fn dashboard(state: &AppState, granter: &Granter, ranking: Ranking, kept: StatsFlash) -> Result<StatsPageData, Refusal> {
    let month = Month::of(today());
    let (rows, unknown, behind) = service::live(&state.db, &state.units, month)
        .await
        .map_err(|e| Refusal::unavailable("reading the statistics", e))?;
    let (rows, total, unknown) = scoped(granter, rows, &unknown, ranking);
    let english = english_here();
    let t = |vi: &'static str, en: &'static str| if english { en } else { vi };
    let chart_ranking = if ranking == Ranking::Name { Ranking::Accounts } else { ranking };
    let (target, title) = match chart_ranking {
        Ranking::Epay => (domain::TARGET_EPAY, t("Người trưởng thành có tài khoản thanh toán điện tử", "Adults with an e-payment account")),
        Ranking::Address => (domain::TARGET_ADDRESS, t("Hộ gia đình có địa chỉ số", "Households with a digital address")),
        _ => (TARGET_ACCOUNTS, t("Người trưởng thành có tài khoản công dân số", "Adults with a digital citizen account")),
    };
    let mut bars: Vec<&WardRow> = rows.iter().filter(|r| chart_ranking.value(&r.figures).is_some()).collect();
    bars.sort_by(|a, b| chart_ranking.value(&b.figures).partial_cmp(&chart_ranking.value(&a.figures)).unwrap_or(std::cmp::Ordering::Equal));
    let bars: Vec<Bar> = bars.iter().map(|r| Bar { label: r.name.clone(), value: chart_ranking.value(&r.figures) }).collect();
    let target_label = format!("{} {}", t("Mục tiêu", "Target"), chart::percent(target));
    let bars_svg = if bars.is_empty() {
        String::new()
    } else {
        chart::bars("bars", title, t("Tỷ lệ theo phường, xã có số dân", "Share per ward with population figures"), &bars, target, &target_label, t("chưa có số dân", "no population figure"))
    };
    let trend = service::trend(&state.db, granter).await.map_err(|e| Refusal::unavailable("reading the trend", e))?;
    let mut points: Vec<Point> = trend.iter().map(|(m, f)| Point { label: m.label(), value: f.share_accounts() }).collect();
    points.push(Point { label: month.label(), value: total.share_accounts() });
    let trend_svg = chart::trend(
        "trend",
        t("Tỷ lệ người trưởng thành có tài khoản theo tháng", "Adults with an account, by month"),
        t("Số liệu đã chốt cuối mỗi tháng và tháng này (tạm tính)", "Figures frozen at each month's end, and this month so far"),
        &points,
        TARGET_ACCOUNTS,
        &format!("{} {}", t("Mục tiêu", "Target"), chart::percent(TARGET_ACCOUNTS)),
        t("Chưa có số liệu", "No figures yet"),
    );
    let with_population = rows.iter().filter(|r| r.population.is_some()).count();
    let wards = if granter.is_city_admin() {
        state.units.search("", UnitsVersion::CURRENT).into_iter().map(|u| (u.code, u.name)).collect()
    } else {
        Vec::new()
    };
    Ok(StatsPageData {
        city: granter.is_city_admin(),
        month: month.label(),
        rows,
        total,
        unknown,
        with_population,
        behind,
        ranking,
        bars_svg,
        trend_svg,
        notice: kept.notice,
        input: kept.input,
        wards,
    })
}

/// One ward's denominators (city administrator): every field checked; with a problem nothing is saved and the
/// notice names the field.
pub async fn save_population(state: &AppState, input: &PopulationInput) -> Result<StatsNotice, StatsError> {
    let principal: Principal = caller(state).await?;
    let admin = principal.city_admin().map_err(Refusal::from)?;
    let number = |s: &str| {
        let digits: String = s.chars().filter(|c| !matches!(c, '.' | ' ' | ',')).collect();
        digits.parse::<i64>().ok().filter(|n| (0..1_000_000_000).contains(n))
    };
    let problem = if state.units.get(&input.ward, UnitsVersion::CURRENT).is_none() {
        Some("ward")
    } else if number(&input.adults).is_none() {
        Some("adults")
    } else if number(&input.households).is_none() {
        Some("households")
    } else if number(&input.year).filter(|y| (2000..=i64::from(today().year)).contains(y)).is_none() {
        Some("year")
    } else {
        None
    };
    if let Some(field) = problem {
        return Err(StatsError::Notice(StatsNotice::PopulationInvalid(field.to_owned())));
    }
    let row = PopulationRow {
        ward: input.ward.clone(),
        adults: number(&input.adults).unwrap_or_default(),
        households: number(&input.households).unwrap_or_default(),
        year: number(&input.year).unwrap_or_default() as i32,
        mapped_from: Vec::new(),
        approximate: false,
    };
    service::set_population(&state.db, &admin, &row, "entered", now())
        .await
        .map_err(|e| Refusal::unavailable("saving population figures", e))?;
    Ok(StatsNotice::PopulationSaved)
}

/// POST /stats/population/import (multipart, `file`): all rows or none. The browser goes back to the dashboard,
/// whose flash says how many wards were imported, or each reason the file was refused.
pub async fn import(State(state): State<AppState>, headers: HeaderMap, mut multipart: Multipart) -> Response {
    let admin = match city(&state, &headers).await {
        Ok(admin) => admin,
        Err(r) => return r,
    };
    let bytes = uploaded(&mut multipart).await;
    let (codes, map) = match unit_tables(&state).await {
        Ok(both) => both,
        Err(r) => return r,
    };
    let rows = match bytes {
        Some(bytes) => domain::read_population(&bytes, &codes, &map),
        None => Err(vec![domain::PopulationProblem::Unreadable]),
    };
    let notice = match rows {
        Ok(rows) => match service::set_populations(&state.db, &admin, &rows, "imported", now()).await {
            Ok(()) => StatsNotice::Imported(rows.len()),
            Err(e) => return unavailable("importing population figures", e),
        },
        Err(problems) => StatsNotice::ImportRefused(problems),
    };
    // imported: back to the section; refused: to the top, where the notice lists each reason
    let back = if matches!(notice, StatsNotice::Imported(_)) { "/stats#population" } else { "/stats" };
    let kept = StatsFlash { notice: Some(notice), input: PopulationInput::default() };
    back_with(&state, DASHBOARD_FLASH, &kept, back).await
}

// ---- exports ------------------------------------------------------------------------------------------------

fn pct(share: Option<f64>) -> Cell {
    share.map_or(Cell::Text(String::new()), Cell::Percent)
}

fn opt(n: Option<i64>) -> Cell {
    n.map_or(Cell::Text(String::new()), |n| Cell::Number(n as f64))
}

/// The figures' columns (after the ward's code and name), in both languages.
fn figure_header(english: bool) -> Vec<&'static str> {
    if english {
        vec![
            "Accounts level 1", "Accounts level 2", "Adults with an account", "Adult population", "Share (target 90%)",
            "Adults with e-payment", "Share (target 90%)", "Households with a digital address", "Households",
            "Share (target 50%)", "Documents stored", "QR verifications (month)", "Team registrations (month)",
            "Confirmed (month)", "Active teams (month)", "Population year",
        ]
    } else {
        vec![
            "Tài khoản mức 1", "Tài khoản mức 2", "Người trưởng thành có tài khoản", "Dân số trưởng thành",
            "Tỷ lệ (mục tiêu 90%)", "Có tài khoản thanh toán điện tử", "Tỷ lệ (mục tiêu 90%)", "Hộ có địa chỉ số",
            "Số hộ", "Tỷ lệ (mục tiêu 50%)", "Giấy tờ đã lưu", "Lượt xác thực QR (tháng)", "Đăng ký hỗ trợ (tháng)",
            "Đã xác nhận (tháng)", "Tổ hoạt động (tháng)", "Năm của số dân",
        ]
    }
}

fn figure_cells(f: &Figures) -> Vec<Cell> {
    let n = |v: i64| Cell::Number(v as f64);
    vec![
        n(f.accounts_l1), n(f.accounts_l2), n(f.adults), opt(f.population_adults), pct(f.share_accounts()),
        n(f.adults_epay), pct(f.share_epay()), n(f.households), opt(f.population_households), pct(f.share_address()),
        n(f.documents), n(f.qr), n(f.assisted), n(f.confirmed), n(f.active_teams), opt(f.population_year.map(i64::from)),
    ]
}

/// `export.csv` or `export.xlsx`: the kind of download asked for.
fn export_kind(file: &str) -> Option<&str> {
    file.strip_prefix("export.").filter(|k| matches!(*k, "csv" | "xlsx"))
}

/// The table as a download: `kind` is csv or xlsx.
fn download(rows: &[Vec<Cell>], sheet: &str, file: &str, kind: &str) -> Response {
    let (body, mime): (Vec<u8>, &str) = match kind {
        "xlsx" => (xlsx::workbook(sheet, rows), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        _ => (formats::csv::write(rows), "text/csv; charset=utf-8"),
    };
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}.{kind}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    no_store(response)
}

fn ward_table(rows: &[WardRow], total: &Figures, unknown: Option<&Figures>, english: bool) -> Vec<Vec<Cell>> {
    let mut header = vec![if english { "Code" } else { "Mã" }, if english { "Ward / commune" } else { "Phường, xã" }];
    header.extend(figure_header(english));
    let mut table = vec![header.into_iter().map(|h| Cell::Text(h.to_owned())).collect::<Vec<_>>()];
    for r in rows {
        let mut row = vec![Cell::Text(r.code.clone()), Cell::Text(r.name.clone())];
        row.extend(figure_cells(&r.figures));
        table.push(row);
    }
    if let Some(u) = unknown {
        let mut row = vec![Cell::Text(UNKNOWN_WARD.to_owned()), Cell::Text(if english { "No address declared" } else { "Chưa khai báo địa chỉ" }.to_owned())];
        row.extend(figure_cells(u));
        table.push(row);
    }
    let mut row = vec![Cell::Text(String::new()), Cell::Text(if english { "Total" } else { "Tổng cộng" }.to_owned())];
    row.extend(figure_cells(total));
    table.push(row);
    table
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ExportQuery {
    sort: String,
    month: String,
}

/// GET /stats/export.{csv|xlsx}: the dashboard's table.
pub async fn export(State(state): State<AppState>, headers: HeaderMap, Path(file): Path<String>, Query(q): Query<ExportQuery>) -> Response {
    let Some(kind) = export_kind(&file) else { return StatusCode::NOT_FOUND.into_response() };
    let granter = match granter(&state, &headers).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let month = Month::of(today());
    let (rows, unknown, _) = match service::live(&state.db, &state.units, month).await {
        Ok(live) => live,
        Err(e) => return unavailable("reading the statistics", e),
    };
    let (rows, total, unknown) = scoped(&granter, rows, &unknown, Ranking::parse(&q.sort));
    let table = ward_table(&rows, &total, unknown.as_ref(), english(&headers));
    let name = format!("so-lieu-chuyen-doi-so-{}", today().iso());
    download(&table, &format!("Số liệu {}", month.label().replace('/', "-")), &name, kind)
}

// ---- monthly reports ----------------------------------------------------------------------------------------

fn month_or_latest(asked: &str, months: &[Month]) -> Option<Month> {
    Month::parse(asked).or_else(|| months.first().copied())
}

/// The month's reports for `granter` (`month` is `yyyy-mm`; the newest month when empty or unknown), with what the
/// last import of earlier figures answered.
pub async fn reports(state: &AppState, granter: &Granter, month: &str, notice: Option<StatsNotice>) -> Result<ReportsPageData, Refusal> {
    let months = service::months(&state.db).await.map_err(|e| Refusal::unavailable("reading report months", e))?;
    let mut page = ReportsPageData {
        city: granter.is_city_admin(),
        months: months.iter().map(|m| (m.key(), m.label())).collect(),
        notice,
        ..ReportsPageData::default()
    };
    if let Some(month) = month_or_latest(month, &months) {
        let (lines, frozen_at) = service::month_lines(&state.db, &state.units, granter, month, today())
            .await
            .map_err(|e| Refusal::unavailable("reading the month's reports", e))?;
        page.total = Figures::total(lines.iter().map(|l| &l.figures));
        page.submitted = lines.iter().filter(|l| l.state == "submitted").count();
        page.late = lines.iter().filter(|l| l.late).count();
        page.lines = lines;
        page.month = month.key();
        page.month_label = month.label();
        page.deadline = month.deadline().dmy();
        page.frozen_at = frozen_at.map(format_time);
    }
    Ok(page)
}

/// What an uploaded file's unit codes are checked against: the 2025-07 codes, and where each 2025-01 unit went.
async fn unit_tables(state: &AppState) -> Result<(Vec<String>, domain::UnitMap), Response> {
    let codes = state.units.search("", UnitsVersion::CURRENT).into_iter().map(|u| u.code).collect();
    let map = service::unit_map(&state.db).await.map_err(|e| unavailable("reading the unit mapping", e))?;
    Ok((codes, map))
}

/// The uploaded file (the multipart field `file`), or None when there is none or it is too big.
async fn uploaded(multipart: &mut Multipart) -> Option<Vec<u8>> {
    let mut bytes = Vec::new();
    while let Ok(Some(mut field)) = multipart.next_field().await {
        if field.name() != Some("file") {
            continue;
        }
        while let Ok(Some(chunk)) = field.chunk().await {
            if bytes.len() + chunk.len() > MAX_FILE_BYTES {
                return None;
            }
            bytes.extend_from_slice(&chunk);
        }
        break;
    }
    (!bytes.is_empty()).then_some(bytes)
}

/// POST /stats/reports/import (multipart, `file`): the city's earlier monthly figures, all or none. The browser
/// goes back to the reports (of the newest month imported), whose flash says what was imported or why not.
pub async fn import_history(State(state): State<AppState>, headers: HeaderMap, mut multipart: Multipart) -> Response {
    let admin = match city(&state, &headers).await {
        Ok(admin) => admin,
        Err(r) => return r,
    };
    let bytes = uploaded(&mut multipart).await;
    let (codes, map) = match unit_tables(&state).await {
        Ok(both) => both,
        Err(r) => return r,
    };
    // The month that ended last is frozen by the server itself; earlier figures are for the months before it.
    let before = Month::of(today()).previous();
    let rows = match bytes {
        Some(bytes) => super::history::read_history(&bytes, &codes, &map, before),
        None => Err(vec![domain::PopulationProblem::Unreadable]),
    };
    let problems = match rows {
        Ok(rows) if !rows.is_empty() => match service::import_history(&state.db, &admin, &rows, now()).await {
            Ok(Ok(n)) => {
                let months: std::collections::BTreeSet<Month> = rows.iter().map(|r| r.month).collect();
                let newest = months.last().map(Month::key).unwrap_or_default();
                let notice = StatsNotice::HistoryImported(n, months.len());
                return back_with(&state, REPORTS_FLASH, &notice, &format!("/stats/reports?month={newest}")).await;
            }
            Ok(Err(taken)) => taken.into_iter().map(domain::PopulationProblem::MonthHasReports).collect(),
            Err(e) => return unavailable("importing earlier figures", e),
        },
        Ok(_) => vec![domain::PopulationProblem::Unreadable],
        Err(problems) => problems,
    };
    back_with(&state, REPORTS_FLASH, &StatsNotice::ImportRefused(problems), "/stats/reports").await
}

/// GET /stats/reports/export.{csv|xlsx}?month=: the month's reports, one line per ward, and the total.
pub async fn reports_export(State(state): State<AppState>, headers: HeaderMap, Path(file): Path<String>, Query(q): Query<ExportQuery>) -> Response {
    let Some(kind) = export_kind(&file) else { return StatusCode::NOT_FOUND.into_response() };
    let granter = match granter(&state, &headers).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let Some(month) = Month::parse(&q.month) else { return StatusCode::NOT_FOUND.into_response() };
    let (lines, _) = match service::month_lines(&state.db, &state.units, &granter, month, today()).await {
        Ok(l) => l,
        Err(e) => return unavailable("reading the month's reports", e),
    };
    let english = english(&headers);
    let mut header = vec![
        if english { "Code" } else { "Mã" },
        if english { "Ward / commune" } else { "Phường, xã" },
        if english { "Version" } else { "Phiên bản" },
        if english { "State" } else { "Trạng thái" },
        if english { "Submitted at" } else { "Gửi lúc" },
    ];
    header.extend(figure_header(english));
    let mut table = vec![header.into_iter().map(|h| Cell::Text(h.to_owned())).collect::<Vec<_>>()];
    for l in &lines {
        let state_text = match (l.state.as_str(), l.late, english) {
            ("submitted", _, false) => "Đã gửi",
            ("submitted", _, true) => "Submitted",
            (_, true, false) => "Chưa gửi, quá hạn",
            (_, true, true) => "Not submitted, late",
            (_, false, false) => "Chưa gửi",
            (_, false, true) => "Not submitted",
        };
        let mut row = vec![
            Cell::Text(l.ward.clone()),
            Cell::Text(l.name.clone()),
            Cell::Number(l.version as f64),
            Cell::Text(state_text.to_owned()),
            Cell::Text(l.submitted_at.clone().unwrap_or_default()),
        ];
        row.extend(figure_cells(&l.figures));
        table.push(row);
    }
    let total = Figures::total(lines.iter().map(|l| &l.figures));
    let mut row = vec![Cell::Text(String::new()), Cell::Text(if english { "Total" } else { "Tổng cộng" }.to_owned())];
    row.extend([Cell::Text(String::new()), Cell::Text(String::new()), Cell::Text(String::new())]);
    row.extend(figure_cells(&total));
    table.push(row);
    download(&table, &format!("Báo cáo {}", month.label().replace('/', "-")), &format!("bao-cao-{}", month.key()), kind)
}

/// One ward's report for `month` with all its versions, around what its last form answered (`kept`). Another
/// ward's report and a report that does not exist look the same: not found.
pub async fn ward_report(state: &AppState, granter: &Granter, month: Month, ward: &str, kept: ReportFlash) -> Result<WardReportPageData, Refusal> {
    let versions = match service::versions(&state.db, granter, ward, month).await {
        Ok(Some(v)) if !v.is_empty() => v,
        Ok(_) => return Err(Refusal::NotFound),
        Err(e) => return Err(Refusal::unavailable("reading a report", e)),
    };
    let newest = &versions[0];
    let ReportFlash { notice, comment, reason } = kept;
    Ok(WardReportPageData {
        ward: ward.to_owned(),
        ward_name: state.units.get(ward, UnitsVersion::CURRENT).map(|u| u.name.clone()).unwrap_or_else(|| ward.to_owned()),
        month: month.key(),
        month_label: month.label(),
        deadline: month.deadline().dmy(),
        late: newest.state != "submitted" && is_late(month, today()),
        can_edit: granter.wards().iter().any(|w| w == ward),
        // the comment as typed when a form was refused; otherwise as saved
        comment: if notice.is_some() && !comment.is_empty() { comment } else { newest.comment.clone() },
        reason,
        notice,
        versions,
    })
}

/// The month a report form names. A month that does not parse, or a ward that is not a unit code, names no report.
fn report_month(month: &str, ward: &str) -> Result<Month, Refusal> {
    let month = Month::parse(month).ok_or(Refusal::NotFound)?;
    if ward.is_empty() || !ward.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Refusal::NotFound);
    }
    Ok(month)
}

fn report_error(e: ReportError) -> StatsError {
    match e {
        ReportError::NotFound => Refusal::NotFound.into(),
        ReportError::NotOfficer => Refusal::Forbidden.into(),
        ReportError::Refused(notice) => StatsError::Notice(notice),
        ReportError::Db(e) => Refusal::unavailable("changing a report", e).into(),
    }
}

/// Saves the comment on the newest draft, and submits it when `submit` (the ward's own officer only).
pub async fn write_report(state: &AppState, month: &str, ward: &str, comment: &str, submit: bool) -> Result<StatsNotice, StatsError> {
    let principal: Principal = caller(state).await?;
    let granter = principal.granter().map_err(Refusal::from)?;
    let month = report_month(month, ward)?;
    service::write(&state.db, &granter, ward, month, comment, submit, now()).await.map_err(report_error)?;
    Ok(if submit { StatsNotice::ReportSubmitted } else { StatsNotice::ReportSaved })
}

/// Starts a correction of a submitted report, with its reason (the ward's own officer only).
pub async fn correct_report(state: &AppState, month: &str, ward: &str, reason: &str) -> Result<StatsNotice, StatsError> {
    let principal: Principal = caller(state).await?;
    let granter = principal.granter().map_err(Refusal::from)?;
    let month = report_month(month, ward)?;
    service::correct(&state.db, &granter, ward, month, reason, now()).await.map_err(report_error)?;
    Ok(StatsNotice::CorrectionStarted)
}

/// Ends a report form: a browser without JavaScript goes back to the report's page, whose flash has the outcome
/// and, when it was refused, `typed` (the comment, the reason) as typed.
pub async fn finish_report(state: &AppState, month: &str, ward: &str, result: &Result<StatsNotice, StatsError>, typed: (String, String)) {
    let notice = notice_of(result);
    match report_month(month, ward) {
        Ok(month) => {
            let (comment, reason) = if result.is_err() { typed } else { Default::default() };
            let kept = ReportFlash { notice: Some(notice), comment, reason };
            let back = format!("/stats/reports/{}/{ward}", month.key());
            crate::web::reply::finish_form(state, &back, &report_flash(month, ward), result, kept).await;
        }
        // no such report: the month's reports, which say that nothing changed
        Err(_) => crate::web::reply::finish_form(state, "/stats/reports", REPORTS_FLASH, result, notice).await,
    }
}

/// The statistics slice's routes outside the app: the two file imports and the tables as CSV or XLSX downloads.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/stats/population/import", post(import))
        .route("/stats/{file}", get(export))
        .route("/stats/reports/import", post(import_history))
        .route("/stats/reports/{file}", get(reports_export))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ward_table_has_a_header_every_ward_and_the_total() {
        let row = WardRow { code: "20242".into(), name: "Phường Hải Châu".into(), figures: Figures { adults: 9, population_adults: Some(10), ..Figures::default() }, population: None };
        let table = ward_table(std::slice::from_ref(&row), &row.figures, None, false);
        assert_eq!(table.len(), 3);
        assert_eq!(table[0].len(), table[1].len());
        assert_eq!(table[1][6], Cell::Percent(0.9));
        assert_eq!(table[2][1], Cell::Text("Tổng cộng".into()));
        assert_eq!(ward_table(std::slice::from_ref(&row), &row.figures, None, true)[0][1], Cell::Text("Ward / commune".into()));
    }
}
