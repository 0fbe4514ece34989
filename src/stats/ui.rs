//! The statistics pages: the dashboard (the summary first: targets as progress, the charts; then the ward table
//! and the population figures, each folded until asked for), the month's reports (who submitted, who is late, the
//! city-wide report that prints cleanly), and one ward's report. Each page loads its data through its server
//! function (`api.rs`) before it answers; its forms are `<ActionForm>`s over server functions, plain HTML forms
//! that work without JavaScript (the file uploads stay plain multipart forms).
use leptos::prelude::*;

use super::api::{CorrectReport, SavePopulation, SaveReport, SubmitReport};
use super::domain::{TARGET_ACCOUNTS, TARGET_ADDRESS, TARGET_EPAY, number, percent};
use super::{Figures, PopulationProblem, Ranking, ReportVersion, ReportsPageData, StatsNotice, StatsPageData, WardReportPageData};
use crate::i18n::*;
use crate::shell::{NotFoundPage, RefusedPage, notice};

fn share_text(share: Option<f64>, i18n: leptos_i18n::I18nContext<Locale>) -> String {
    share.map(percent).unwrap_or_else(|| t_string!(i18n, stats.no_population).to_owned())
}

/// One target as a progress bar: how far the share is, and the target.
fn progress(label: &'static str, share: Option<f64>, target: f64, detail: String, i18n: leptos_i18n::I18nContext<Locale>) -> impl IntoView {
    let reached = share.is_some_and(|s| s >= target);
    let width = share.map(|s| (s / target).clamp(0.0, 1.0) * 100.0).unwrap_or(0.0);
    let target_text = format!("{} {}", t_string!(i18n, stats.target), percent(target));
    view! {
        <div class="target" class:target--reached=reached>
            <div class="target__head">
                <span class="target__label">{label}</span>
                <strong class="target__value">{share_text(share, i18n)} {reached.then_some(" ✓")}</strong>
            </div>
            <div
                class="target__bar"
                role="progressbar"
                aria-label=label
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow=format!("{:.0}", width)
                aria-valuetext=format!("{} / {}", share_text(share, i18n), target_text)
            >
                <span style=format!("width:{width:.1}%")></span>
            </div>
            <p class="target__detail">{detail} " · " {target_text}</p>
        </div>
    }
}

fn targets(f: &Figures, i18n: leptos_i18n::I18nContext<Locale>) -> impl IntoView + use<> {
    let of = |part: i64, whole: Option<i64>| match whole {
        Some(w) => format!("{} / {}", number(part), number(w)),
        None => number(part),
    };
    view! {
        <div class="targets" data-testid="targets">
            {progress(t_string!(i18n, stats.target_accounts), f.share_accounts(), TARGET_ACCOUNTS, of(f.adults, f.population_adults), i18n)}
            {progress(t_string!(i18n, stats.target_epay), f.share_epay(), TARGET_EPAY, of(f.adults_epay, f.population_adults), i18n)}
            {progress(t_string!(i18n, stats.target_address), f.share_address(), TARGET_ADDRESS, of(f.households, f.population_households), i18n)}
        </div>
    }
}

/// The counts that are not shares, as a definition list.
fn counts(f: &Figures, month: &str, i18n: leptos_i18n::I18nContext<Locale>) -> impl IntoView + use<> {
    let item = |label: String, value: i64| view! { <div><dt>{label}</dt><dd>{number(value)}</dd></div> };
    let m = |s: &str| s.replace("%m%", month);
    view! {
        <dl class="counts">
            {item(t_string!(i18n, stats.accounts_l1).to_owned(), f.accounts_l1)}
            {item(t_string!(i18n, stats.accounts_l2).to_owned(), f.accounts_l2)}
            {item(t_string!(i18n, stats.documents).to_owned(), f.documents)}
            {item(m(t_string!(i18n, stats.qr_month)), f.qr)}
            {item(m(t_string!(i18n, stats.assisted_month)), f.assisted)}
            {item(m(t_string!(i18n, stats.confirmed_month)), f.confirmed)}
            {item(m(t_string!(i18n, stats.teams_month)), f.active_teams)}
        </dl>
    }
}

fn problem_line(p: &PopulationProblem, i18n: leptos_i18n::I18nContext<Locale>) -> String {
    let column = |c: &str| match c {
        "code" => t_string!(i18n, stats.col_code),
        "adults" => t_string!(i18n, stats.col_adults),
        "households" => t_string!(i18n, stats.col_households),
        "year" => t_string!(i18n, stats.col_year),
        "month" => t_string!(i18n, stats.col_month),
        "accounts_l1" => t_string!(i18n, stats.col_accounts_l1),
        "accounts_l2" => t_string!(i18n, stats.col_accounts_l2),
        "with_account" => t_string!(i18n, stats.col_with_account),
        "epay" => t_string!(i18n, stats.col_epay),
        "digital_address" => t_string!(i18n, stats.col_digital_address),
        "documents" => t_string!(i18n, stats.col_documents),
        "qr" => t_string!(i18n, stats.col_qr),
        _ => t_string!(i18n, stats.col_version),
    };
    match p {
        PopulationProblem::Unreadable => t_string!(i18n, stats.file_unreadable).to_owned(),
        PopulationProblem::MissingColumn(c) => t_string!(i18n, stats.file_missing_column).replace("%c%", column(c)),
        PopulationProblem::BadValue { line, column: c } => {
            t_string!(i18n, stats.file_bad_value).replace("%n%", &line.to_string()).replace("%c%", column(c))
        }
        PopulationProblem::UnknownUnit { line, code } => {
            t_string!(i18n, stats.file_unknown_unit).replace("%n%", &line.to_string()).replace("%c%", code)
        }
        PopulationProblem::Repeated { line, code } => {
            t_string!(i18n, stats.file_repeated).replace("%n%", &line.to_string()).replace("%c%", code)
        }
        PopulationProblem::MonthTooLate { line, before } => {
            t_string!(i18n, stats.file_month_too_late).replace("%n%", &line.to_string()).replace("%m%", before)
        }
        PopulationProblem::MonthHasReports(month) => t_string!(i18n, stats.file_month_has_reports).replace("%m%", month),
    }
}

/// What is wrong with a field of the population form (ward, adults, households, year).
fn population_error(i18n: leptos_i18n::I18nContext<Locale>, field: &str) -> &'static str {
    match field {
        "ward" => t_string!(i18n, stats.err_ward),
        "adults" => t_string!(i18n, stats.err_adults),
        "households" => t_string!(i18n, stats.err_households),
        _ => t_string!(i18n, stats.err_year),
    }
}

fn show_notice(n: Option<StatsNotice>, i18n: leptos_i18n::I18nContext<Locale>) -> impl IntoView {
    let s = |t: &str| t.to_owned();
    n.map(|n| {
        let (text, error) = match n {
            StatsNotice::PopulationSaved => (s(t_string!(i18n, stats.population_saved)), false),
            StatsNotice::PopulationInvalid(field) => (s(population_error(i18n, &field)), true),
            StatsNotice::Imported(n) => (t_string!(i18n, stats.imported).replace("%n%", &n.to_string()), false),
            StatsNotice::HistoryImported(n, m) => {
                (t_string!(i18n, stats.history_imported).replace("%n%", &n.to_string()).replace("%m%", &m.to_string()), false)
            }
            StatsNotice::ImportRefused(problems) => {
                let lines: Vec<String> = problems.iter().map(|p| problem_line(p, i18n)).collect();
                return view! {
                    <div class="notice notice--error" role="alert">
                        <p>{t!(i18n, stats.import_refused)}</p>
                        <ul>{lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul>
                    </div>
                }
                .into_any();
            }
            StatsNotice::ReportSaved => (s(t_string!(i18n, stats.report_saved)), false),
            StatsNotice::ReportSubmitted => (s(t_string!(i18n, stats.report_submitted)), false),
            StatsNotice::CorrectionStarted => (s(t_string!(i18n, stats.correction_started)), false),
            StatsNotice::AlreadySubmitted => (s(t_string!(i18n, stats.already_submitted)), true),
            StatsNotice::ReasonMissing => (s(t_string!(i18n, stats.reason_missing)), true),
            StatsNotice::TooLong => (s(t_string!(i18n, stats.too_long)), true),
            StatsNotice::Failed => (s(t_string!(i18n, error.unavailable)), true),
        };
        notice(text, error).into_any()
    })
}

/// `/stats[?sort=…]`: loads its data through [`stats_page`](super::api::stats_page) before it answers.
#[component]
pub fn StatsPage() -> impl IntoView {
    let sort = crate::web::query_value("sort");
    // an order was chosen (a link in the ward table): the table shows open
    let sorted = !sort.is_empty();
    let data = Resource::new_blocking(move || sort.clone(), super::api::stats_page);
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => stats_view(page, sorted).into_any(),
                    Err(refusal) => view! { <RefusedPage refusal /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The dashboard: the summary first (the targets, the counts, the charts), then the ward table and the population
/// figures, each folded (`<details>`) until the person chose an order or a population form just answered.
fn stats_view(v: StatsPageData, sorted: bool) -> impl IntoView {
    let i18n = use_i18n();
    let scope = if v.city { t_string!(i18n, stats.scope_city) } else { t_string!(i18n, stats.scope_wards) };
    let ranking = v.ranking;
    let sort_link = move |r: Ranking, label: &'static str| {
        view! {
            <a href=format!("/stats?sort={}#wards", r.as_str()) aria-current=(r == ranking).then_some("true") class="chip">
                {label}
            </a>
        }
    };
    let population_open = v.notice.as_ref().is_some_and(StatsNotice::is_population);
    let population = v.city.then(|| population_section(i18n, &v, population_open));
    let month = v.month.clone();
    view! {
        <h1>{t!(i18n, stats.title)}</h1>
        <p class="lead">{scope} " · " {t!(i18n, stats.month)} " " {v.month.clone()}</p>
        {show_notice(v.notice.clone(), i18n)}
        {v.behind.then(|| view! { <p class="meta" role="status">{t!(i18n, stats.waiting)}</p> })}
        <section class="card" aria-labelledby="total-title">
            <h2 id="total-title">{if v.city { t!(i18n, stats.city_total).into_any() } else { t!(i18n, stats.wards_total).into_any() }}</h2>
            {targets(&v.total, i18n)}
            {counts(&v.total, &month, i18n)}
            {(v.with_population < v.rows.len()).then(|| view! {
                <p class="meta">
                    {t_string!(i18n, stats.population_missing)
                        .replace("%n%", &v.with_population.to_string())
                        .replace("%t%", &v.rows.len().to_string())}
                </p>
            })}
            {v.unknown.as_ref().filter(|u| u.accounts() > 0).map(|u| view! {
                <p class="meta">{t_string!(i18n, stats.unknown_accounts).replace("%n%", &number(u.accounts()))}</p>
            })}
        </section>
        <p class="actions">
            <a class="button" href="/stats/reports">{t!(i18n, stats.reports_link)}</a>
            <a class="button button--secondary" href=format!("/stats/export.csv?sort={}", ranking.as_str()) download>{t!(i18n, stats.export_csv)}</a>
            <a class="button button--secondary" href=format!("/stats/export.xlsx?sort={}", ranking.as_str()) download>{t!(i18n, stats.export_xlsx)}</a>
        </p>
        <section class="card chart" aria-labelledby="trend-title">
            <h2 id="trend-title">{t!(i18n, stats.trend_title)}</h2>
            <div inner_html=v.trend_svg.clone()></div>
        </section>
        {(!v.bars_svg.is_empty()).then(|| view! {
            <section class="card chart" aria-labelledby="bars-title">
                <h2 id="bars-title">{t!(i18n, stats.bars_title)}</h2>
                <div inner_html=v.bars_svg.clone()></div>
            </section>
        })}
        <section id="wards" class="fold" aria-labelledby="wards-title">
            <details open=sorted>
                <summary><h2 id="wards-title">{t!(i18n, stats.wards_title)}</h2></summary>
                <p class="chips" aria-label=t_string!(i18n, stats.rank_by)>
                    {sort_link(Ranking::Name, t_string!(i18n, stats.rank_name))}
                    {sort_link(Ranking::Accounts, t_string!(i18n, stats.rank_accounts))}
                    {sort_link(Ranking::Epay, t_string!(i18n, stats.rank_epay))}
                    {sort_link(Ranking::Address, t_string!(i18n, stats.rank_address))}
                </p>
                <div class="table-wrap" tabindex="0" role="region" aria-labelledby="wards-title">
                    <table class="figures figures--wards">
                        <thead>
                            <tr>
                                <th scope="col">{t!(i18n, stats.col_ward)}</th>
                                <th scope="col">{t!(i18n, stats.col_accounts)}</th>
                                <th scope="col">{t!(i18n, stats.col_share_accounts)}</th>
                                <th scope="col">{t!(i18n, stats.col_share_epay)}</th>
                                <th scope="col">{t!(i18n, stats.col_share_address)}</th>
                                <th scope="col">{t!(i18n, stats.col_population)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {v.rows
                                .iter()
                                .map(|r| {
                                    let f = &r.figures;
                                    let population = r.population.as_ref().map(|p| {
                                        let mut text = format!("{} · {}", number(p.adults), p.year);
                                        if p.approximate {
                                            text.push_str(" *");
                                        }
                                        text
                                    });
                                    view! {
                                        <tr data-ward=r.code.clone()>
                                            <th scope="row">{r.name.clone()}</th>
                                            <td>{number(f.accounts())}</td>
                                            <td>{share_text(f.share_accounts(), i18n)}</td>
                                            <td>{share_text(f.share_epay(), i18n)}</td>
                                            <td>{share_text(f.share_address(), i18n)}</td>
                                            <td>{population.unwrap_or_else(|| "—".to_owned())}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
                <p class="meta">{t!(i18n, stats.approximate_note)}</p>
            </details>
        </section>
        {population}
    }
}

/// The population figures (city administrators): the form, one ward at a time, and the file for many. Folded
/// unless one of them just answered (then open, with what was typed and what is wrong).
fn population_section(i18n: leptos_i18n::I18nContext<Locale>, v: &StatsPageData, open: bool) -> impl IntoView + use<> {
    let invalid = match &v.notice {
        Some(StatsNotice::PopulationInvalid(field)) => Some(field.clone()),
        _ => None,
    };
    let err = |field: &str| invalid.as_deref().filter(|f| *f == field).map(|f| population_error(i18n, f));
    let input = &v.input;
    let ward_error = err("ward");
    let fields = view! {
        <div class="field" class:field--error=ward_error.is_some()>
            <label for="pop-ward">{t!(i18n, stats.col_ward)}</label>
            {ward_error.map(|e| view! { <span class="error" id="pop-ward-error">{e}</span> })}
            <select
                id="pop-ward"
                name="ward"
                required
                aria-invalid=ward_error.map(|_| "true")
                aria-describedby=ward_error.map(|_| "pop-ward-error")
            >
                <option value="">{t!(i18n, stats.choose_ward)}</option>
                {v.wards
                    .iter()
                    .map(|(code, name)| view! { <option value=code.clone() selected={*code == input.ward}>{name.clone()}</option> })
                    .collect_view()}
            </select>
        </div>
        {number_field("pop-adults", "adults", t_string!(i18n, stats.col_adults), input.adults.clone(), err("adults"))}
        {number_field("pop-households", "households", t_string!(i18n, stats.col_households), input.households.clone(), err("households"))}
        {number_field("pop-year", "year", t_string!(i18n, stats.col_year), input.year.clone(), err("year"))}
        <button type="submit" class="button">{t!(i18n, stats.population_save)}</button>
    };
    view! {
        <section class="card fold" id="population" aria-labelledby="population-title">
            <details open=open>
                <summary><h2 id="population-title">{t!(i18n, stats.population_title)}</h2></summary>
                <p>{t!(i18n, stats.population_intro)}</p>
                <ActionForm action={ServerAction::<SavePopulation>::new()} attr:class="stack">
                    {fields}
                </ActionForm>
                <h3>{t!(i18n, stats.import_title)}</h3>
                <p>{t!(i18n, stats.import_intro)}</p>
                <pre class="sample">"ma_don_vi;phien_ban;dan_so_tu_18_tuoi;so_ho;nam\n20242;2025-07;150.000;52.000;2025\n20227;2025-01;12.500;4.100;2024"</pre>
                {upload_form("/stats/population/import", "pop-file", t_string!(i18n, stats.import_file), t_string!(i18n, stats.import_button))}
            </details>
        </section>
    }
}

fn number_field(id: &'static str, name: &'static str, label: &'static str, value: String, error: Option<&'static str>) -> impl IntoView {
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:field--error=error.is_some()>
            <label for=id>{label}</label>
            {error.map(|e| view! { <span class="error" id=error_id.clone()>{e}</span> })}
            <input
                id=id
                name=name
                type="text"
                inputmode="numeric"
                autocomplete="off"
                value=value
                required
                aria-invalid=error.map(|_| "true")
                aria-describedby=error.map(|_| error_id.clone())
            />
        </div>
    }
}

/// `/stats/reports[?month=yyyy-mm]`: loads its data through [`reports_page`](super::api::reports_page).
#[component]
pub fn ReportsPage() -> impl IntoView {
    let month = crate::web::query_value("month");
    crate::shell::loaded(month, super::api::reports_page, reports_view)
}

fn reports_view(v: ReportsPageData) -> impl IntoView {
    let i18n = use_i18n();
    if v.month.is_empty() {
        return view! {
            <h1>{t!(i18n, stats.reports_title)}</h1>
            {show_notice(v.notice.clone(), i18n)}
            <p>{t!(i18n, stats.no_reports)}</p>
            {v.city.then(|| history_form(i18n))}
            <p><a href="/stats">{t!(i18n, stats.back)}</a></p>
        }
        .into_any();
    }
    let month = v.month.clone();
    let status = t_string!(i18n, stats.submitted_count)
        .replace("%s%", &v.submitted.to_string())
        .replace("%t%", &v.lines.len().to_string())
        .replace("%l%", &v.late.to_string());
    view! {
        <h1>{t!(i18n, stats.reports_title)} " " {v.month_label.clone()}</h1>
        <p class="lead">{if v.city { t!(i18n, stats.city_report).into_any() } else { t!(i18n, stats.ward_reports).into_any() }}</p>
        <p class="meta">
            {t_string!(i18n, stats.deadline).replace("%d%", &v.deadline)}
            {v.frozen_at.clone().map(|f| {
                let imported = !v.lines.is_empty() && v.lines.iter().all(|l| l.imported);
                let text = if imported { t_string!(i18n, stats.imported_at) } else { t_string!(i18n, stats.frozen_at) };
                view! { " · " {text.replace("%t%", &f)} }
            })}
        </p>
        <form method="get" action="/stats/reports" class="inline-form no-print">
            <label for="month">{t!(i18n, stats.month)}</label>
            <select id="month" name="month">
                {v.months.iter().map(|(key, label)| view! { <option value=key.clone() selected={*key == month}>{label.clone()}</option> }).collect_view()}
            </select>
            <button type="submit" class="button button--secondary">{t!(i18n, stats.show)}</button>
        </form>
        <p class="actions no-print">
            <button type="button" class="button" onclick="window.print()">{t!(i18n, stats.print)}</button>
            <a class="button button--secondary" href=format!("/stats/reports/export.csv?month={month}") download>{t!(i18n, stats.export_csv)}</a>
            <a class="button button--secondary" href=format!("/stats/reports/export.xlsx?month={month}") download>{t!(i18n, stats.export_xlsx)}</a>
        </p>
        {show_notice(v.notice.clone(), i18n)}
        <p role="status" data-testid="submitted">{status}</p>
        <section class="card" aria-labelledby="month-total">
            <h2 id="month-total">{if v.city { t!(i18n, stats.city_total).into_any() } else { t!(i18n, stats.wards_total).into_any() }}</h2>
            {targets(&v.total, i18n)}
            {counts(&v.total, &v.month_label, i18n)}
        </section>
        <div class="table-wrap" tabindex="0" role="region" aria-labelledby="reports-table">
            <table class="figures figures--wards">
                <caption id="reports-table">{t!(i18n, stats.reports_table)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, stats.col_ward)}</th>
                        <th scope="col">{t!(i18n, stats.col_state)}</th>
                        <th scope="col">{t!(i18n, stats.col_share_accounts)}</th>
                        <th scope="col">{t!(i18n, stats.col_share_epay)}</th>
                        <th scope="col">{t!(i18n, stats.col_share_address)}</th>
                    </tr>
                </thead>
                <tbody>
                    {v.lines
                        .iter()
                        .map(|l| {
                            let state = match (l.state.as_str(), l.late) {
                                ("submitted", _) => t_string!(i18n, stats.state_submitted).replace("%t%", l.submitted_at.as_deref().unwrap_or("")),
                                (_, true) => t_string!(i18n, stats.state_late).to_owned(),
                                _ => t_string!(i18n, stats.state_draft).to_owned(),
                            };
                            let version = (l.version > 1).then(|| format!(" (v{})", l.version));
                            view! {
                                <tr data-ward=l.ward.clone() class:late=l.late>
                                    <th scope="row"><a href=format!("/stats/reports/{month}/{}", l.ward)>{l.name.clone()}</a></th>
                                    <td>
                                        {state}{version}
                                        {l.imported.then(|| view! { <br /><small class="meta">{t!(i18n, stats.imported_badge)}{l.approximate.then_some(" *")}</small> })}
                                    </td>
                                    <td>{share_text(l.figures.share_accounts(), i18n)}</td>
                                    <td>{share_text(l.figures.share_epay(), i18n)}</td>
                                    <td>{share_text(l.figures.share_address(), i18n)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        {v.city.then(|| view! { <div class="no-print">{history_form(i18n)}</div> })}
        <p class="no-print"><a href="/stats">{t!(i18n, stats.back)}</a></p>
    }
    .into_any()
}

/// The city's earlier monthly figures, from a file (city administrators).
fn history_form(i18n: leptos_i18n::I18nContext<Locale>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="history-title">
            <h2 id="history-title">{t!(i18n, stats.history_title)}</h2>
            <p>{t!(i18n, stats.history_intro)}</p>
            <pre class="sample">"thang;ma_don_vi;phien_ban;tai_khoan_muc_1;tai_khoan_muc_2;nguoi_truong_thanh_co_tai_khoan;co_thanh_toan_dien_tu;ho_co_dia_chi_so;dan_so_tu_18_tuoi;so_ho\n03/2025;20227;2025-01;1.000;2.000;2.500;1.200;800;5.000;2.000"</pre>
            {upload_form("/stats/reports/import", "history-file", t_string!(i18n, stats.import_file), t_string!(i18n, stats.history_button))}
        </section>
    }
}

/// A form that posts one CSV file (as a plain multipart form: it works before the WASM has loaded).
fn upload_form(action: &'static str, id: &'static str, label: &'static str, button: &'static str) -> impl IntoView {
    view! {
        <form method="post" action=action enctype="multipart/form-data" class="stack" novalidate>
            <div class="field">
                <label for=id>{label}</label>
                {crate::shell::file_input(id, "file", ".csv,text/csv", false, None)}
            </div>
            <button type="submit" class="button button--secondary">{button}</button>
        </form>
    }
}


/// `/stats/reports/{month}/{ward}`: loads its data through [`ward_report_page`](super::api::ward_report_page),
/// with the month and the ward from its address.
#[component]
pub fn WardReportPage() -> impl IntoView {
    let (month, ward) = leptos_router::hooks::use_params_map()
        .with_untracked(|p| (p.get("month").unwrap_or_default(), p.get("ward").unwrap_or_default()));
    crate::shell::loaded((month.clone(), ward.clone()), |(month, ward)| super::api::ward_report_page(month, ward), ward_report_view)
}

/// The month and the ward a report form acts on (its address has them; the forms post to fixed addresses).
fn report_fields(month: String, ward: String) -> impl IntoView {
    view! {
        <input type="hidden" name="month" value=month />
        <input type="hidden" name="ward" value=ward />
    }
}

/// The newest draft (its ward's officer): the comment, saved as a draft; and, in a form of its own, the submission
/// of the draft with the comment as the page shows it.
fn write_section(i18n: leptos_i18n::I18nContext<Locale>, v: &WardReportPageData, newest: &ReportVersion) -> impl IntoView + use<> {
    let too_long = matches!(v.notice, Some(StatsNotice::TooLong));
    let save_fields = view! {
        {report_fields(v.month.clone(), v.ward.clone())}
        <div class="field" class:field--error=too_long>
            <label for="comment">{t!(i18n, stats.comment)}</label>
            <span class="hint" id="comment-hint">{t!(i18n, stats.comment_hint)}</span>
            <textarea id="comment" name="comment" rows="6" maxlength="4000" aria-describedby="comment-hint">{v.comment.clone()}</textarea>
        </div>
        <p class="actions">
            <button type="submit" class="button button--secondary">{t!(i18n, stats.save)}</button>
        </p>
    };
    let submit_fields = view! {
        {report_fields(v.month.clone(), v.ward.clone())}
        <input type="hidden" name="comment" value=v.comment.clone() />
        <p class="actions">
            <button type="submit" class="button">{t!(i18n, stats.submit)}</button>
        </p>
        <p class="meta">{t!(i18n, stats.submit_note)}</p>
    };
    view! {
        <section class="card" aria-labelledby="write-title">
            <h2 id="write-title">
                {t!(i18n, stats.write_title)}
                {(newest.version > 1).then(|| format!(" (v{})", newest.version))}
            </h2>
            {newest.reason.clone().map(|r| view! { <p class="meta">{t!(i18n, stats.reason)} ": " {r}</p> })}
            <ActionForm action={ServerAction::<SaveReport>::new()} attr:class="stack">
                {save_fields}
            </ActionForm>
            <ActionForm action={ServerAction::<SubmitReport>::new()} attr:class="stack report-submit">
                {submit_fields}
            </ActionForm>
        </section>
    }
}

/// A submitted report (its ward's officer): a correction, with its reason (the browser asks for it first).
fn correct_section(i18n: leptos_i18n::I18nContext<Locale>, v: &WardReportPageData) -> impl IntoView + use<> {
    let missing = matches!(v.notice, Some(StatsNotice::ReasonMissing));
    let fields = view! {
        {report_fields(v.month.clone(), v.ward.clone())}
        <div class="field" class:field--error=missing>
            <label for="reason">{t!(i18n, stats.reason)}</label>
            <textarea id="reason" name="reason" rows="3" maxlength="4000" required>{v.reason.clone()}</textarea>
        </div>
        <button type="submit" class="button button--secondary">{t!(i18n, stats.correct_button)}</button>
    };
    view! {
        <section class="card" aria-labelledby="correct-title">
            <h2 id="correct-title">{t!(i18n, stats.correct_title)}</h2>
            <p>{t!(i18n, stats.correct_intro)}</p>
            <ActionForm action={ServerAction::<CorrectReport>::new()} attr:class="stack">
                {fields}
            </ActionForm>
        </section>
    }
}

fn ward_report_view(v: WardReportPageData) -> impl IntoView {
    let i18n = use_i18n();
    let Some(newest) = v.versions.first().cloned() else { return view! { <NotFoundPage /> }.into_any() };
    let draft = newest.state != "submitted";
    let write = (v.can_edit && draft).then(|| write_section(i18n, &v, &newest));
    let correct = (v.can_edit && !draft).then(|| correct_section(i18n, &v));
    view! {
        <h1>{v.ward_name.clone()} " · " {v.month_label.clone()}</h1>
        <p class="meta">
            {t_string!(i18n, stats.deadline).replace("%d%", &v.deadline)}
            {v.late.then(|| view! { " · " <strong>{t!(i18n, stats.state_late)}</strong> })}
        </p>
        {show_notice(v.notice.clone(), i18n)}
        <section class="card" aria-labelledby="frozen-title">
            <h2 id="frozen-title">
                {if newest.imported {
                    t_string!(i18n, stats.imported_figures).replace("%t%", &newest.frozen_at)
                } else {
                    t_string!(i18n, stats.frozen_figures).replace("%t%", &newest.frozen_at)
                }}
            </h2>
            {(!newest.mapped_from.is_empty()).then(|| view! {
                <p class="meta">
                    {t_string!(i18n, stats.mapped_note).replace("%c%", &newest.mapped_from.join(", "))}
                    {newest.approximate.then(|| view! { " " {t!(i18n, stats.approximate_history)} })}
                </p>
            })}
            {targets(&newest.figures, i18n)}
            {counts(&newest.figures, &v.month_label, i18n)}
        </section>
        {write}
        {correct}
        <section aria-labelledby="versions-title">
            <h2 id="versions-title">{t!(i18n, stats.versions_title)}</h2>
            <ol class="versions" reversed>
                {v.versions
                    .iter()
                    .map(|r| {
                        let state = match (&r.submitted_at, &r.submitted_by) {
                            (Some(at), by) => t_string!(i18n, stats.submitted_by)
                                .replace("%t%", at)
                                .replace("%n%", by.as_deref().unwrap_or("")),
                            _ => t_string!(i18n, stats.state_draft).to_owned(),
                        };
                        view! {
                            <li data-version=r.version.to_string()>
                                <p><strong>{format!("v{}", r.version)}</strong> " · " {state}</p>
                                {r.reason.clone().map(|reason| view! { <p class="meta">{t!(i18n, stats.reason)} ": " {reason}</p> })}
                                {(!r.comment.is_empty()).then(|| view! { <blockquote class="comment">{r.comment.clone()}</blockquote> })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </section>
        <p><a href=format!("/stats/reports?month={}", v.month)>{t!(i18n, stats.back_reports)}</a></p>
    }
    .into_any()
}
