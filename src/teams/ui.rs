//! The team's pages: register a resident (works offline through its island, `super::islands::AssistQueue`), one
//! registration with its code box, helping an existing resident, and the work figures. Each loads its data through its server function
//! (`super::api`), which also refuses anyone who may not see it; each form posts to a server function.
use leptos::prelude::*;

use super::api::{AskHelp, ConfirmHelp, ConfirmRegistration, RegisterResident, ResendRegistrationCode, SetLeader};
use super::islands::{AssistQueue, QueueTexts, QueueWords};
use super::{AssistPageData, FORM_DEPENDANT_SLOTS, HelpPageData, RegistrationPageData, TeamNotice, Who, WorkPageData};
use crate::family::ui::radios;
use crate::i18n::*;
use crate::identity::domain::{CitizenIdError, DateError, NameError, PhoneError};
use crate::identity::ui::{NoticeBox, problem_text};
use crate::identity::{Field, Problem};
use crate::qr::card_scan::{CardScan, CardScanText};
use crate::shell::{Input, code_input, input, notice, optional_text};

/// The notice of a team page; a code's answer is worded as on the sign-in pages (the same `NoticeBox`).
fn show_notice(i18n: leptos_i18n::I18nContext<Locale>, n: Option<TeamNotice>) -> impl IntoView {
    let s = |t: &str| t.to_owned();
    n.map(|n| {
        let (text, error) = match n {
            TeamNotice::Code(code) => return view! { <NoticeBox notice=Some(code) /> }.into_any(),
            TeamNotice::Registered => (s(t_string!(i18n, team.registered)), false),
            TeamNotice::AlreadyReceived => (s(t_string!(i18n, team.already_received)), false),
            TeamNotice::PhoneTaken => (s(t_string!(i18n, team.phone_taken)), true),
            TeamNotice::CitizenIdTaken => (s(t_string!(i18n, team.id_taken)), true),
            TeamNotice::DependantTaken(n) => (t_string!(i18n, team.dependant_taken).replace("%n%", &n.to_string()), true),
            TeamNotice::Confirmed => (s(t_string!(i18n, team.confirmed)), false),
            TeamNotice::CodeSent => (s(t_string!(i18n, team.code_sent)), false),
            TeamNotice::NoSuchResident => (s(t_string!(i18n, team.no_such_resident)), true),
            TeamNotice::LeaderSet => (s(t_string!(i18n, team.leader_set)), false),
            TeamNotice::Failed => (s(t_string!(i18n, team.failed)), true),
        };
        notice(text, error).into_any()
    })
}

/// A labelled text input whose name is made at run time (a family member's fields).
fn numbered_field(id: String, label: &'static str, value: String, error: Option<&'static str>, inputmode: Option<&'static str>) -> impl IntoView {
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:field--error=error.is_some()>
            <label for=id.clone()>{label}</label>
            {error.map(|e| view! { <span class="error" id=error_id.clone()>{e}</span> })}
            <input
                id=id.clone()
                name=id
                type="text"
                value=value
                autocomplete="off"
                inputmode=inputmode
                aria-describedby=error.map(|_| error_id.clone())
                aria-invalid=error.map(|_| "true")
            />
        </div>
    }
}

/// Every rule a registration's field can break, for the queue's words (a rejected registration kept on the phone
/// says why).
const PROBLEMS: [Problem; 25] = [
    Problem::Phone(PhoneError::Empty),
    Problem::Phone(PhoneError::NotDigits),
    Problem::Phone(PhoneError::WrongLength),
    Problem::Phone(PhoneError::NotMobile),
    Problem::Name(NameError::Empty),
    Problem::Name(NameError::OneWord),
    Problem::Name(NameError::TooLong),
    Problem::Name(NameError::BadCharacters),
    Problem::Date(DateError::Empty),
    Problem::Date(DateError::Format),
    Problem::Date(DateError::NoSuchDay),
    Problem::Date(DateError::InFuture),
    Problem::Date(DateError::TooOld),
    Problem::SexMissing,
    Problem::CitizenId(CitizenIdError::Empty),
    Problem::CitizenId(CitizenIdError::NotTwelveDigits),
    Problem::CitizenId(CitizenIdError::UnknownProvince),
    Problem::CitizenId(CitizenIdError::SexCenturyMismatch),
    Problem::CitizenId(CitizenIdError::BirthYearMismatch),
    Problem::ConsentMissing,
    Problem::NotAChild,
    Problem::ChoiceMissing,
    Problem::UntilInvalid,
    Problem::TooYoung,
    Problem::Repeated,
];

/// The words of the registration queue (translated here, carried by the island).
fn queue_texts(i18n: leptos_i18n::I18nContext<Locale>) -> QueueTexts {
    let s = |t: &str| t.to_owned();
    QueueTexts {
        words: QueueWords {
            title: s(t_string!(i18n, team.queue_title)),
            send_now: s(t_string!(i18n, team.send_now)),
            empty: s(t_string!(i18n, team.q_empty)),
            waiting: s(t_string!(i18n, team.q_waiting)),
            sending: s(t_string!(i18n, team.q_sending)),
            pending: s(t_string!(i18n, team.q_pending)),
            confirmed: s(t_string!(i18n, team.q_confirmed)),
            conflict: s(t_string!(i18n, team.q_conflict)),
            rejected: s(t_string!(i18n, team.q_rejected)),
            broken: s(t_string!(i18n, team.q_broken)),
            broken_why: s(t_string!(i18n, team.q_broken_why)),
            fix: s(t_string!(i18n, team.q_fix)),
            remove: s(t_string!(i18n, team.q_remove)),
            open: s(t_string!(i18n, team.q_open)),
            online: s(t_string!(i18n, team.q_online)),
            offline: s(t_string!(i18n, team.q_offline)),
            signed_out: s(t_string!(i18n, team.q_signed_out)),
            saved: s(t_string!(i18n, team.q_saved)),
            code_label: s(t_string!(i18n, team.code_label)),
            confirm: s(t_string!(i18n, team.confirm_button)),
            code_wrong: s(t_string!(i18n, team.q_code_wrong)),
            conflict_phone: s(t_string!(i18n, team.phone_taken)),
            conflict_id: s(t_string!(i18n, team.id_taken)),
            conflict_dependant: s(t_string!(i18n, team.dependant_taken)),
            dependant: s(t_string!(i18n, team.d_title)),
        },
        fields: vec![
            (Field::FullName, s(t_string!(i18n, auth.name_label))),
            (Field::CitizenId, s(t_string!(i18n, auth.id_label))),
            (Field::BirthDate, s(t_string!(i18n, auth.birth_label))),
            (Field::Sex, s(t_string!(i18n, auth.sex_label))),
            (Field::Phone, s(t_string!(i18n, team.phone_label))),
            (Field::Consent, s(t_string!(i18n, team.consent_short))),
            (Field::Relation, s(t_string!(i18n, team.d_relation))),
        ],
        problems: PROBLEMS.into_iter().map(|p| (p, s(problem_text(i18n, p)))).collect(),
    }
}

/// GET /team/register: for team members; loads its data through [`assist_page`](super::api::assist_page). The
/// form posts to [`register_resident`](super::api::register_resident), natively, or its island keeps it on the
/// phone and calls that server function with the form's fields when there is network.
#[component]
pub fn AssistPage() -> impl IntoView {
    view! {
        {crate::shell::loaded((), |_| super::api::assist_page(), assist_view)}
        <crate::shell::IslandScripts staff=true />
    }
}

fn assist_view(state: AssistPageData) -> impl IntoView {
    let i18n = use_i18n();
    let err = |who: Who, field: Field| state.problem(who, field).map(|p: Problem| problem_text(i18n, p));
    let input_state = state.input.clone();
    let slots = input_state.dependants.len().max(FORM_DEPENDANT_SLOTS);
    let sex_choices = || vec![("male", t_string!(i18n, auth.sex_male)), ("female", t_string!(i18n, auth.sex_female))];
    let dependants = (1..=slots)
        .map(|n| {
            let d = input_state.dependants.get(n - 1).cloned().unwrap_or_default();
            let who = Who::Dependant(n);
            let open = !d.is_blank() || n == 1;
            view! {
                <details class="card dependant" open=open data-slot=n>
                    <summary>{t_string!(i18n, team.d_title).replace("%n%", &n.to_string())}</summary>
                    {numbered_field(format!("d{n}_name"), t_string!(i18n, auth.name_label), d.full_name, err(who, Field::FullName), None)}
                    {numbered_field(format!("d{n}_birth"), t_string!(i18n, auth.birth_label), d.birth_date, err(who, Field::BirthDate), Some("numeric"))}
                    {radios(format!("d{n}_sex"), t_string!(i18n, auth.sex_label), sex_choices(), d.sex, err(who, Field::Sex))}
                    {numbered_field(format!("d{n}_cid"), t_string!(i18n, team.d_cid), d.citizen_id, err(who, Field::CitizenId), Some("numeric"))}
                    {radios(
                        format!("d{n}_relation"),
                        t_string!(i18n, team.d_relation),
                        vec![("parent", t_string!(i18n, team.d_parent)), ("guardian", t_string!(i18n, team.d_guardian))],
                        d.relation,
                        err(who, Field::Relation),
                    )}
                </details>
            }
        })
        .collect_view();
    let sex_error = err(Who::Resident, Field::Sex);
    let consent_error = err(Who::Resident, Field::Consent);
    let text_field = |id: &'static str, label: &'static str, hint: Option<&'static str>, value: String, field: Field, kind: &'static str, mode: Option<&'static str>| {
        input(Input {
            id,
            label,
            hint,
            value,
            error: err(Who::Resident, field),
            input_type: kind,
            autocomplete: "off",
            inputmode: mode,
            required: false,
        })
    };
    let fields = view! {
        <input type="hidden" name="key" value=input_state.key.clone() />
        <input type="hidden" name="recorded_at" value=input_state.recorded_at.clone() />
        <section class="card">
            <h2>{t!(i18n, team.resident_title)}</h2>
            // the chip ID card's QR code fills the fields below (camera or handheld scanner; hidden without WASM)
            <CardScan text=CardScanText::new(i18n) />
            {text_field("full_name", t_string!(i18n, auth.name_label), None, input_state.full_name.clone(), Field::FullName, "text", None)}
            {text_field("citizen_id", t_string!(i18n, auth.id_label), Some(t_string!(i18n, auth.id_hint)), input_state.citizen_id.clone(), Field::CitizenId, "text", Some("numeric"))}
            {text_field("birth_date", t_string!(i18n, auth.birth_label), Some(t_string!(i18n, auth.birth_hint)), input_state.birth_date.clone(), Field::BirthDate, "text", Some("numeric"))}
            {radios("sex", t_string!(i18n, auth.sex_label), sex_choices(), input_state.sex.clone(), sex_error)}
            {text_field("phone", t_string!(i18n, team.phone_label), Some(t_string!(i18n, team.phone_hint)), input_state.phone.clone(), Field::Phone, "tel", Some("tel"))}
            {optional_text("street", t_string!(i18n, team.street_label), Some(t_string!(i18n, team.street_hint)), input_state.street.clone())}
        </section>
        <h2>{t!(i18n, team.family_title)}</h2>
        <p class="meta">{t!(i18n, team.family_hint)}</p>
        {dependants}
        <div class="card">
            <div class="field" class:field--error=consent_error.is_some()>
                {consent_error.map(|e| view! { <span class="error" id="consent-error">{e}</span> })}
                <label class="choice">
                    <input type="checkbox" name="consent" value="yes" checked=input_state.consent aria-describedby=consent_error.map(|_| "consent-error") />
                    {t!(i18n, team.consent)}
                </label>
            </div>
            <button type="submit" class="button button--wide">{t!(i18n, team.save_button)}</button>
            <p class="meta">{t!(i18n, team.offline_hint)}</p>
        </div>
    };
    // the form as the server sent it back (problems next to the fields, or a conflict): no draft over it
    let keep_typed = !state.problems.is_empty() || state.notice.is_some();
    view! {
        <h1>{t!(i18n, team.register_title)}</h1>
        <p class="meta">{format!("{} · {}", state.team_name, state.ward_name)}</p>
        {show_notice(i18n, state.notice)}
        <AssistQueue member=state.member.clone() keep_typed=keep_typed texts=queue_texts(i18n)>
            <ActionForm action={ServerAction::<RegisterResident>::new()} attr:id="assist-form" attr:class="stack" attr:novalidate=true>
                {fields}
            </ActionForm>
        </AssistQueue>
    }
}

/// GET /team/registrations/{id}: one registration of the member's team, with the code box while it is pending;
/// loads its data through [`registration_page`](super::api::registration_page). Its forms carry the id as a field.
#[component]
pub fn RegistrationPage() -> impl IntoView {
    let id = leptos_router::hooks::use_params_map().with_untracked(|p| p.get("id").unwrap_or_default());
    crate::shell::loaded(id, super::api::registration_page, registration_view)
}

fn registration_view(state: RegistrationPageData) -> impl IntoView {
    let i18n = use_i18n();
    let l = state.line;
    let pending = l.state == "pending";
    let code_forms = pending.then(|| {
        let confirm_fields = view! {
            <input type="hidden" name="id" value=l.id.clone() />
            <p>{t!(i18n, team.code_intro)}</p>
            {code_input("code", t_string!(i18n, team.code_label), None)}
            <button type="submit" class="button">{t!(i18n, team.confirm_button)}</button>
        };
        let resend_fields = view! {
            <input type="hidden" name="id" value=l.id.clone() />
            <p class="meta">{t!(i18n, team.self_confirm_hint)}</p>
            <button type="submit" class="button button--secondary">{t!(i18n, team.resend_button)}</button>
        };
        view! {
            <ActionForm action={ServerAction::<ConfirmRegistration>::new()} attr:class="card">
                {confirm_fields}
            </ActionForm>
            <ActionForm action={ServerAction::<ResendRegistrationCode>::new()} attr:class="card">
                {resend_fields}
            </ActionForm>
        }
    });
    view! {
        <h1>{l.name.clone()}</h1>
        {show_notice(i18n, state.notice)}
        <section class="card">
            <p>
                <span class=if pending { "badge badge--warn" } else { "badge" } data-testid="state">
                    {if pending { t_string!(i18n, team.q_pending) } else { t_string!(i18n, team.q_confirmed) }}
                </span>
            </p>
            <dl class="facts">
                <dt>{t!(i18n, team.phone_label)}</dt>
                <dd>{l.phone_masked.clone()}</dd>
                <dt>{t!(i18n, team.by_member)}</dt>
                <dd>{l.member_name.clone()}</dd>
                <dt>{t!(i18n, team.received_at)}</dt>
                <dd>{l.created.clone()}</dd>
                {l.confirmed.clone().map(|c| view! { <dt>{t!(i18n, team.confirmed_at)}</dt> <dd>{c}</dd> })}
                {(!l.dependants.is_empty()).then(|| view! { <dt>{t!(i18n, team.family_title)}</dt> <dd>{l.dependants.join(", ")}</dd> })}
            </dl>
        </section>
        {code_forms}
        <p class="actions">
            <a class="button" href="/team/register">{t!(i18n, team.next_resident)}</a>
            <a href="/team/work">{t!(i18n, team.work_title)}</a>
        </p>
    }
}

/// GET /team/help: update an existing resident's data, with the code the resident reads out. For team members;
/// loads what its last form answered through [`help_page`](super::api::help_page).
#[component]
pub fn HelpPage() -> impl IntoView {
    crate::shell::loaded((), |_| super::api::help_page(), help_view)
}

fn help_view(state: HelpPageData) -> impl IntoView {
    let i18n = use_i18n();
    let phone_error = state.phone_problem.map(|e| problem_text(i18n, Problem::Phone(e)));
    let sent = state.sent;
    let send_fields = view! {
        {input(Input {
            id: "phone",
            label: t_string!(i18n, team.phone_label),
            hint: None,
            value: state.phone.clone(),
            error: phone_error,
            input_type: "tel",
            autocomplete: "off",
            inputmode: Some("tel"),
            required: true,
        })}
        <button type="submit" class="button" class:button--secondary=sent>{t!(i18n, team.help_send)}</button>
    };
    let confirm_form = sent.then(|| {
        let fields = view! {
            <input type="hidden" name="phone" value=state.phone.clone() />
            {code_input("code", t_string!(i18n, team.code_label), Some(t_string!(i18n, team.help_code_hint)))}
            <button type="submit" class="button">{t!(i18n, team.help_confirm)}</button>
        };
        view! {
            <ActionForm action={ServerAction::<ConfirmHelp>::new()} attr:class="card">
                {fields}
            </ActionForm>
        }
    });
    view! {
        <h1>{t!(i18n, team.help_title)}</h1>
        <p>{t!(i18n, team.help_intro)}</p>
        {show_notice(i18n, state.notice)}
        <ActionForm action={ServerAction::<AskHelp>::new()} attr:class="card">
            {send_fields}
        </ActionForm>
        {confirm_form}
    }
}

/// GET /team/work: the figures of the teams the caller may see; loads them through
/// [`work_page`](super::api::work_page), which refuses anyone without a team, a ward or the city.
#[component]
pub fn WorkPage() -> impl IntoView {
    crate::shell::loaded((), |_| super::api::work_page(), work_view)
}

fn work_view(state: WorkPageData) -> impl IntoView {
    let i18n = use_i18n();
    let may_set_leader = state.may_set_leader;
    view! {
        <h1>{t!(i18n, team.work_title)}</h1>
        {show_notice(i18n, state.notice)}
        {state.member.then(|| view! {
            <p class="actions">
                <a class="button" href="/team/register">{t!(i18n, team.register_title)}</a>
                <a class="button button--secondary" href="/team/help">{t!(i18n, team.help_title)}</a>
                <a class="button button--secondary" href="/assist/move">{t!(i18n, recovery.team_link)}</a>
            </p>
        })}
        {state.teams.is_empty().then(|| view! { <p>{t!(i18n, team.no_teams)}</p> })}
        {state
            .teams
            .into_iter()
            .map(|t| {
                let team_id = t.id.clone();
                let members = t.members.clone();
                view! {
                    <section class="card" data-testid="team">
                        <h2>{t.name.clone()}</h2>
                        <p class="meta">{t.ward_name.clone()}</p>
                        <div class="table-wrap">
                            <table class="figures">
                                <thead>
                                    <tr>
                                        <th scope="col">{t!(i18n, team.col_member)}</th>
                                        <th scope="col">{t!(i18n, team.col_today)}</th>
                                        <th scope="col">{t!(i18n, team.col_week)}</th>
                                        <th scope="col">{t!(i18n, team.col_month)}</th>
                                        <th scope="col">{t!(i18n, team.col_pending)}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {t.members
                                        .into_iter()
                                        .map(|m| {
                                            let name = if m.name.is_empty() { t_string!(i18n, team.former_member).to_owned() } else { m.name };
                                            view! {
                                                <tr>
                                                    <th scope="row">
                                                        {name}
                                                        {m.leader.then(|| view! { " " <span class="badge">{t!(i18n, team.leader)}</span> })}
                                                    </th>
                                                    <td>{m.today}</td>
                                                    <td>{m.week}</td>
                                                    <td>{m.month}</td>
                                                    <td>{m.pending}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                                <tfoot>
                                    <tr data-testid="team-total">
                                        <th scope="row">{t!(i18n, team.col_total)}</th>
                                        <td>{t.today}</td>
                                        <td>{t.week}</td>
                                        <td>{t.month}</td>
                                        <td>{t.pending}</td>
                                    </tr>
                                </tfoot>
                            </table>
                        </div>
                        {(may_set_leader && !members.is_empty()).then(|| {
                            let fields = view! {
                                <input type="hidden" name="team" value=team_id.clone() />
                                <label for=format!("leader-{team_id}")>{t!(i18n, team.leader_label)}</label>
                                <select id=format!("leader-{team_id}") name="account">
                                    {members
                                        .into_iter()
                                        .filter(|m| !m.name.is_empty())
                                        .map(|m| view! { <option value=m.account_id selected=m.leader>{m.name}</option> })
                                        .collect_view()}
                                </select>
                                <button type="submit" class="button button--secondary">{t!(i18n, team.leader_button)}</button>
                            };
                            view! {
                                <ActionForm action={ServerAction::<SetLeader>::new()} attr:class="inline-form">
                                    {fields}
                                </ActionForm>
                            }
                        })}
                    </section>
                }
            })
            .collect_view()}
        {(!state.recent.is_empty()).then(|| view! {
            <section class="card">
                <h2>{t!(i18n, team.recent_title)}</h2>
                <ul class="unit-list" data-testid="recent">
                    {state
                        .recent
                        .into_iter()
                        .map(|l| {
                            let pending = l.state == "pending";
                            view! {
                                <li class="person">
                                    <span>
                                        <a href=format!("/team/registrations/{}", l.id)><strong>{l.name}</strong></a>
                                        <br />
                                        <span class="meta">{format!("{} · {} · {}", l.phone_masked, l.member_name, l.created)}</span>
                                    </span>
                                    <span class=if pending { "badge badge--warn" } else { "badge" }>
                                        {if pending { t_string!(i18n, team.q_pending) } else { t_string!(i18n, team.q_confirmed) }}
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
