//! The organization's enrolment pages. Each loads its data through a server function (`api.rs`) before it answers.
use leptos::prelude::*;

use super::domain::{Column, FileProblem};
use super::{EnrolmentPageData, OrgPageData, Outcome};
use crate::i18n::*;
use crate::shell::{ErrorNotice, NotFoundPage, notice};

fn column_name(i18n: leptos_i18n::I18nContext<Locale>, c: Column) -> &'static str {
    match c {
        Column::Phone => t_string!(i18n, org.col_phone),
        Column::FullName => t_string!(i18n, org.col_name),
        Column::CitizenId => t_string!(i18n, org.col_id),
    }
}

fn problem_text(i18n: leptos_i18n::I18nContext<Locale>, p: FileProblem) -> String {
    match p {
        FileProblem::Empty => t_string!(i18n, org.err_empty).to_owned(),
        FileProblem::TooBig => t_string!(i18n, org.err_too_big).to_owned(),
        FileProblem::TooManyRows => t_string!(i18n, org.err_too_many).to_owned(),
        FileProblem::NotUtf8 => t_string!(i18n, org.err_encoding).to_owned(),
        FileProblem::MissingColumn(c) => t_string!(i18n, org.err_column).replace("%column%", column_name(i18n, c)),
        FileProblem::UnclosedQuote { line } => t_string!(i18n, org.err_quote).replace("%line%", &line.to_string()),
        FileProblem::ShortRow { line } => t_string!(i18n, org.err_short).replace("%line%", &line.to_string()),
    }
}

pub fn outcome_name(i18n: leptos_i18n::I18nContext<Locale>, o: Outcome) -> &'static str {
    match o {
        Outcome::Created => t_string!(i18n, org.o_created),
        Outcome::Invited => t_string!(i18n, org.o_invited),
        Outcome::Already => t_string!(i18n, org.o_already),
        Outcome::Invalid => t_string!(i18n, org.o_invalid),
    }
}

/// Why a row is as it is, in words.
fn field_text(i18n: leptos_i18n::I18nContext<Locale>, field: &str) -> String {
    if let Some(line) = field.strip_prefix("line:") {
        return t_string!(i18n, org.same_as_line).replace("%line%", line);
    }
    match field {
        "" => String::new(),
        "employee" => t_string!(i18n, org.already_employee).to_owned(),
        "mismatch" => t_string!(i18n, org.mismatch).to_owned(),
        columns => columns
            .split(' ')
            .filter_map(|c| match c {
                "phone" => Some(column_name(i18n, Column::Phone)),
                "full_name" => Some(column_name(i18n, Column::FullName)),
                "citizen_id" => Some(column_name(i18n, Column::CitizenId)),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn progress_bar(i18n: leptos_i18n::I18nContext<Locale>, done: i64, total: i64) -> impl IntoView {
    let label = t_string!(i18n, org.progress).replace("%done%", &done.to_string()).replace("%total%", &total.to_string());
    view! {
        <div class="progress-line">
            <progress max=total value=done aria-label=label.clone()></progress>
            <span class="meta">{label}</span>
        </div>
    }
}

/// GET /org: loads its data through [`org_page`](super::api::org_page) before it answers.
#[component]
pub fn OrgPage() -> impl IntoView {
    crate::shell::loaded((), |_| super::api::org_page(), org_view)
}

fn org_view(state: OrgPageData) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h1>{t!(i18n, org.title)}</h1>
        <p class="meta">{state.organization.clone()}</p>
        {state.problem.map(|p| notice(problem_text(i18n, p.into()), true))}
        {state.failed.then(|| view! { <ErrorNotice /> })}
        <section class="card">
            <dl class="facts">
                <dt>{t!(i18n, org.employees)}</dt>
                <dd data-testid="employees">{state.employees}</dd>
                <dt>{t!(i18n, org.invited)}</dt>
                <dd data-testid="invited">{state.invited}</dd>
            </dl>
        </section>
        // a multipart upload: a plain handler answers it (303 to the enrolment, or back here with the problem)
        <form method="post" action="/org/enrolments" enctype="multipart/form-data" class="card" novalidate>
            <h2>{t!(i18n, org.upload_title)}</h2>
            <p>{t!(i18n, org.upload_intro)}</p>
            <pre class="sample">"Họ và tên,Số điện thoại,Số CCCD\nTrần Thị Lan,0905123456,048186000123"</pre>
            <div class="field">
                <label for="file">{t!(i18n, org.file_label)}</label>
                {crate::shell::file_input("file", "file", ".csv,text/csv", false, None)}
            </div>
            <button type="submit" class="button">{t!(i18n, org.upload_button)}</button>
        </form>
        {(!state.enrolments.is_empty()).then(|| view! {
            <section class="card">
                <h2>{t!(i18n, org.history_title)}</h2>
                <ul class="unit-list">
                    {state
                        .enrolments
                        .into_iter()
                        .map(|e| {
                            view! {
                                <li class="person">
                                    <span>
                                        <a href=format!("/org/enrolments/{}", e.id)><strong>{e.file_name.clone()}</strong></a>
                                        <br />
                                        <span class="meta">{format!("{} · {}/{}", e.created, e.done, e.total)}</span>
                                    </span>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </section>
        })}
    }
}

/// GET /org/enrolments/{id}: loads its data through [`enrolment_page`](super::api::enrolment_page) before it
/// answers. The results' old address, `/org/enrolments/{id}.csv`, is sent on to the file.
#[component]
pub fn EnrolmentPage() -> impl IntoView {
    let id = leptos_router::hooks::use_params_map().with_untracked(|p| p.get("id").unwrap_or_default());
    if let Some(stem) = id.strip_suffix(".csv") {
        if stem.is_empty() || !stem.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return view! { <NotFoundPage /> }.into_any();
        }
        crate::web::reply::redirect_page(&format!("/org/enrolments/{stem}/results.csv"));
        return ().into_any();
    }
    crate::shell::loaded(id, super::api::enrolment_page, enrolment_view)
    .into_any()
}

fn enrolment_view(state: EnrolmentPageData) -> impl IntoView {
    let i18n = use_i18n();
    let e = state.enrolment;
    let running = !e.finished;
    view! {
        // while it runs, the page asks for itself again every two seconds (no script needed)
        {running.then(|| view! { <meta http-equiv="refresh" content="2" /> })}
        <h1>{t!(i18n, org.enrolment_title)}</h1>
        <p class="meta">{format!("{} · {} · {}", state.organization, e.file_name, e.created)}</p>
        <section class="card" data-testid="progress" data-finished=if running { "false" } else { "true" }>
            {progress_bar(i18n, e.done, e.total)}
            {if running {
                view! { <p role="status">{t!(i18n, org.running)}</p> }.into_any()
            } else if e.done < e.total {
                let (done, total) = (e.done, e.total);
                view! { <p role="alert" class="error">{t!(i18n, org.stopped, done = move || done, total = move || total)}</p> }.into_any()
            } else {
                view! { <p role="status">{t!(i18n, org.finished)}</p> }.into_any()
            }}
            <dl class="facts">
                {e.counts
                    .iter()
                    .map(|(o, n)| view! { <dt>{outcome_name(i18n, *o)}</dt> <dd data-testid=format!("count-{}", o.as_str())>{*n}</dd> })
                    .collect_view()}
            </dl>
            {(!running).then(|| view! {
                <a class="button button--secondary" href=format!("/org/enrolments/{}/results.csv", e.id) download>{t!(i18n, org.download)}</a>
            })}
        </section>
        <section class="card">
            <div class="table-wrap">
                <table class="figures figures--text">
                    <thead>
                        <tr>
                            <th scope="col">{t!(i18n, org.col_line)}</th>
                            <th scope="col">{t!(i18n, org.col_name)}</th>
                            <th scope="col">{t!(i18n, org.col_phone)}</th>
                            <th scope="col">{t!(i18n, org.col_result)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {e.rows
                            .into_iter()
                            .map(|r| {
                                let why = field_text(i18n, &r.field);
                                view! {
                                    <tr data-outcome=r.outcome.as_str()>
                                        <td>{r.line}</td>
                                        <td>{r.full_name}</td>
                                        <td>{r.phone}</td>
                                        <td>
                                            {outcome_name(i18n, r.outcome)}
                                            {(!why.is_empty()).then(|| format!(": {why}"))}
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        <p><a href="/org">{t!(i18n, org.back)}</a></p>
    }
}
