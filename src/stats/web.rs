//! HTTP for the statistics: the dashboard (ward officers: their wards; the city: every ward, ranked), population
//! figures (a form and a CSV import), the monthly reports (review, comment, submit, correct), and every table as
//! CSV and XLSX. Pages are plain HTML forms and links; the charts are SVG drawn here.
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::chart::{self, Bar, Point};
use super::domain::{self, Month, PopulationRow, Ranking, TARGET_ACCOUNTS, UNKNOWN_WARD, is_late};
use super::service::{self, ReportError};
use super::xlsx::{self, Cell};
use super::{Figures, PopulationInput, ReportsView, StatsNotice, StatsView, WardReportView, WardRow};
use crate::access::guard::{CityAdmin, Granter, Principal};
use crate::identity::web::{format_time, no_store, now, render, see_other, today, unavailable};
use crate::orgs::domain::csv_field;
use crate::web::AppState;
use crate::units::UnitsVersion;

/// Largest population file read.
const MAX_FILE_BYTES: usize = 256 * 1024;

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

/// The city administrator (for the population figures), with the granter the dashboard is drawn for.
async fn city(state: &AppState, headers: &HeaderMap) -> Result<(Granter, CityAdmin), Response> {
    let principal = match Principal::of_request(state, headers).await {
        Ok(p) => p,
        Err(denied) => return Err(denied.response(state, headers).await),
    };
    match (principal.granter(), principal.city_admin()) {
        (Ok(g), Ok(a)) => Ok((g, a)),
        (Err(denied), _) | (_, Err(denied)) => Err(denied.response(state, headers).await),
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

async fn dashboard(state: &AppState, headers: &HeaderMap, granter: &Granter, ranking: Ranking, notice: Option<StatsNotice>, input: PopulationInput, status: StatusCode) -> Response {
    let month = Month::of(today());
    let (rows, unknown, behind) = match service::live(&state.db, &state.units, month).await {
        Ok(live) => live,
        Err(e) => return unavailable("reading the statistics", e),
    };
    let (rows, total, unknown) = scoped(granter, rows, &unknown, ranking);
    let english = english(headers);
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
    let mut points: Vec<Point> = match service::trend(&state.db, granter).await {
        Ok(t) => t.iter().map(|(m, f)| Point { label: m.label(), value: f.share_accounts() }).collect(),
        Err(e) => return unavailable("reading the trend", e),
    };
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
    let view = StatsView {
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
        notice,
        input,
        wards,
    };
    no_store(render(state, "/stats", headers, view, status).await)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DashboardQuery {
    sort: String,
    saved: String,
}

/// GET /stats
pub async fn page(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<DashboardQuery>) -> Response {
    let granter = match granter(&state, &headers).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let notice = match q.saved.as_str() {
        "" => None,
        "population" => Some(StatsNotice::PopulationSaved),
        n => n.parse().ok().map(StatsNotice::Imported),
    };
    dashboard(&state, &headers, &granter, Ranking::parse(&q.sort), notice, PopulationInput::default(), StatusCode::OK).await
}

/// POST /stats/population: one ward's denominators (city administrator).
pub async fn population(State(state): State<AppState>, headers: HeaderMap, Form(input): Form<PopulationInput>) -> Response {
    let (granter, admin) = match city(&state, &headers).await {
        Ok(both) => both,
        Err(r) => return r,
    };
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
        let notice = Some(StatsNotice::PopulationInvalid(field.to_owned()));
        return dashboard(&state, &headers, &granter, Ranking::Name, notice, input, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let row = PopulationRow {
        ward: input.ward.clone(),
        adults: number(&input.adults).unwrap_or_default(),
        households: number(&input.households).unwrap_or_default(),
        year: number(&input.year).unwrap_or_default() as i32,
        mapped_from: Vec::new(),
        approximate: false,
    };
    match service::set_population(&state.db, &admin, &row, "entered", now()).await {
        Ok(()) => see_other("/stats?saved=population#population"),
        Err(e) => unavailable("saving population figures", e),
    }
}

/// POST /stats/population/import (multipart, `file`): all rows or none.
pub async fn import(State(state): State<AppState>, headers: HeaderMap, mut multipart: Multipart) -> Response {
    let (granter, admin) = match city(&state, &headers).await {
        Ok(both) => both,
        Err(r) => return r,
    };
    let bytes = uploaded(&mut multipart).await;
    let refuse = |problems| StatsNotice::ImportRefused(problems);
    let (codes, map) = match unit_tables(&state).await {
        Ok(both) => both,
        Err(r) => return r,
    };
    let rows = match bytes {
        Some(bytes) => domain::read_population(&bytes, &codes, &map),
        None => Err(vec![domain::PopulationProblem::Unreadable]),
    };
    match rows {
        Ok(rows) => match service::set_populations(&state.db, &admin, &rows, "imported", now()).await {
            Ok(()) => see_other(&format!("/stats?saved={}#population", rows.len())),
            Err(e) => unavailable("importing population figures", e),
        },
        Err(problems) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            dashboard(&state, &headers, &granter, Ranking::Name, Some(refuse(problems)), PopulationInput::default(), status).await
        }
    }
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

fn csv(rows: &[Vec<Cell>]) -> String {
    let mut out = String::from("\u{feff}");
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| match c {
                Cell::Text(t) => csv_field(t),
                Cell::Number(n) => format!("{n}"),
                Cell::Percent(p) => format!("{:.1}%", p * 100.0),
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// `export.csv` or `export.xlsx`: the kind of download asked for.
fn export_kind(file: &str) -> Option<&str> {
    file.strip_prefix("export.").filter(|k| matches!(*k, "csv" | "xlsx"))
}

/// The table as a download: `kind` is csv or xlsx.
fn download(rows: &[Vec<Cell>], sheet: &str, file: &str, kind: &str) -> Response {
    let (body, mime): (Vec<u8>, &str) = match kind {
        "xlsx" => (xlsx::workbook(sheet, rows), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        _ => (csv(rows).into_bytes(), "text/csv; charset=utf-8"),
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

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReportsQuery {
    month: String,
    /// `reports-months` after an import of earlier figures.
    imported: String,
}

/// GET /stats/reports?month=yyyy-mm
pub async fn reports(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<ReportsQuery>) -> Response {
    let granter = match granter(&state, &headers).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let notice = q.imported.split_once('-').and_then(|(r, m)| Some(StatsNotice::HistoryImported(r.parse().ok()?, m.parse().ok()?)));
    reports_page(&state, &headers, &granter, &q.month, notice, StatusCode::OK).await
}

async fn reports_page(state: &AppState, headers: &HeaderMap, granter: &Granter, month: &str, notice: Option<StatsNotice>, status: StatusCode) -> Response {
    let months = match service::months(&state.db).await {
        Ok(m) => m,
        Err(e) => return unavailable("reading report months", e),
    };
    let mut view = ReportsView {
        city: granter.is_city_admin(),
        months: months.iter().map(|m| (m.key(), m.label())).collect(),
        notice,
        ..ReportsView::default()
    };
    if let Some(month) = month_or_latest(month, &months) {
        let (lines, frozen_at) = match service::month_lines(&state.db, &state.units, granter, month, today()).await {
            Ok(l) => l,
            Err(e) => return unavailable("reading the month's reports", e),
        };
        view.total = Figures::total(lines.iter().map(|l| &l.figures));
        view.submitted = lines.iter().filter(|l| l.state == "submitted").count();
        view.late = lines.iter().filter(|l| l.late).count();
        view.lines = lines;
        view.month = month.key();
        view.month_label = month.label();
        view.deadline = month.deadline().dmy();
        view.frozen_at = frozen_at.map(format_time);
    }
    no_store(render(state, "/stats/reports", headers, view, status).await)
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

/// POST /stats/reports/import (multipart, `file`): the city's earlier monthly figures, all or none.
pub async fn import_history(State(state): State<AppState>, headers: HeaderMap, mut multipart: Multipart) -> Response {
    let (granter, admin) = match city(&state, &headers).await {
        Ok(both) => both,
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
                return see_other(&format!("/stats/reports?month={newest}&imported={n}-{}", months.len()));
            }
            Ok(Err(taken)) => taken.into_iter().map(domain::PopulationProblem::MonthHasReports).collect(),
            Err(e) => return unavailable("importing earlier figures", e),
        },
        Ok(_) => vec![domain::PopulationProblem::Unreadable],
        Err(problems) => problems,
    };
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    reports_page(&state, &headers, &granter, "", Some(StatsNotice::ImportRefused(problems)), status).await
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

/// Another ward's report and a report that does not exist look the same.
async fn not_found(state: &AppState, headers: &HeaderMap) -> Response {
    no_store(render(state, "/stats/reports/-/-", headers, WardReportView::default(), StatusCode::NOT_FOUND).await)
}

/// One ward's report page; `typed` is the comment and the reason as typed (kept when a form is refused).
async fn ward_report_page(state: &AppState, headers: &HeaderMap, granter: &Granter, (month, ward): (Month, &str), notice: Option<StatsNotice>, typed: (String, String), status: StatusCode) -> Response {
    let versions = match service::versions(&state.db, granter, ward, month).await {
        Ok(Some(v)) if !v.is_empty() => v,
        Ok(_) => return not_found(state, headers).await,
        Err(e) => return unavailable("reading a report", e),
    };
    let newest = &versions[0];
    let (comment, reason) = typed;
    let view = WardReportView {
        ward: ward.to_owned(),
        ward_name: state.units.get(ward, UnitsVersion::CURRENT).map(|u| u.name.clone()).unwrap_or_else(|| ward.to_owned()),
        month: month.key(),
        month_label: month.label(),
        deadline: month.deadline().dmy(),
        late: newest.state != "submitted" && is_late(month, today()),
        can_edit: granter.wards().iter().any(|w| w == ward),
        comment: if notice.is_some() && !comment.is_empty() { comment } else { newest.comment.clone() },
        reason,
        notice,
        versions,
    };
    no_store(render(state, &format!("/stats/reports/{}/{ward}", month.key()), headers, view, status).await)
}

/// GET /stats/reports/{month}/{ward}
pub async fn ward_report(State(state): State<AppState>, headers: HeaderMap, Path((month, ward)): Path<(String, String)>, Query(q): Query<DashboardQuery>) -> Response {
    let granter = match granter(&state, &headers).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let Some(month) = Month::parse(&month) else { return StatusCode::NOT_FOUND.into_response() };
    let notice = match q.saved.as_str() {
        "saved" => Some(StatsNotice::ReportSaved),
        "submitted" => Some(StatsNotice::ReportSubmitted),
        "correction" => Some(StatsNotice::CorrectionStarted),
        _ => None,
    };
    ward_report_page(&state, &headers, &granter, (month, &ward), notice, Default::default(), StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReportForm {
    comment: String,
    action: String,
    reason: String,
}

async fn report_answer(state: &AppState, headers: &HeaderMap, granter: &Granter, (month, ward): (Month, &str), outcome: Result<(), ReportError>, done: &str, typed: (String, String)) -> Response {
    match outcome {
        Ok(()) => see_other(&format!("/stats/reports/{}/{ward}?saved={done}", month.key())),
        Err(ReportError::NotFound) => not_found(state, headers).await,
        Err(ReportError::NotOfficer) => crate::access::guard::Denied::Forbidden.response(state, headers).await,
        Err(ReportError::Refused(notice)) => {
            ward_report_page(state, headers, granter, (month, ward), Some(notice), typed, StatusCode::CONFLICT).await
        }
        Err(ReportError::Db(e)) => unavailable("changing a report", e),
    }
}

/// POST /stats/reports/{month}/{ward}: save the comment (`action=save`) or submit (`action=submit`).
pub async fn write(State(state): State<AppState>, headers: HeaderMap, Path((month, ward)): Path<(String, String)>, Form(form): Form<ReportForm>) -> Response {
    let granter = match granter(&state, &headers).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let Some(month) = Month::parse(&month) else { return StatusCode::NOT_FOUND.into_response() };
    let submit = form.action == "submit";
    let outcome = service::write(&state.db, &granter, &ward, month, &form.comment, submit, now()).await;
    let done = if submit { "submitted" } else { "saved" };
    report_answer(&state, &headers, &granter, (month, &ward), outcome, done, (form.comment, String::new())).await
}

/// POST /stats/reports/{month}/{ward}/correct: a new version of a submitted report, with the reason.
pub async fn correct(State(state): State<AppState>, headers: HeaderMap, Path((month, ward)): Path<(String, String)>, Form(form): Form<ReportForm>) -> Response {
    let granter = match granter(&state, &headers).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let Some(month) = Month::parse(&month) else { return StatusCode::NOT_FOUND.into_response() };
    let outcome = service::correct(&state.db, &granter, &ward, month, &form.reason, now()).await;
    report_answer(&state, &headers, &granter, (month, &ward), outcome, "correction", (String::new(), form.reason)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_export_keeps_vietnamese_text_and_neutralises_formulas() {
        let rows = vec![
            vec![Cell::Text("Phường, xã".into()), Cell::Text("Tỷ lệ".into())],
            vec![Cell::Text("Phường Hải Châu".into()), Cell::Percent(0.875)],
            vec![Cell::Text("=HYPERLINK(\"x\")".into()), Cell::Number(1234.0)],
        ];
        let text = csv(&rows);
        assert!(text.starts_with('\u{feff}'), "a BOM, so spreadsheets read UTF-8");
        assert_eq!(text.lines().nth(1), Some("Phường Hải Châu,87.5%"));
        assert_eq!(text.lines().nth(2), Some("\"'=HYPERLINK(\"\"x\"\")\",1234"));
        assert_eq!(text.lines().next(), Some("\u{feff}\"Phường, xã\",Tỷ lệ"));
    }

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
