//! The staff page: the caller's roles, forms to grant roles and create teams and organizations, and the grants
//! they can take back. Plain forms (no script needed); the server decides what each person may do.
use leptos::prelude::*;

use super::api::{CreateOrganization, CreateTeam, GrantRole, RevokeGrant};
use super::{AdminNotice, AdminPageData, Choice, Role};
use crate::i18n::*;
use crate::identity::Problem;
use crate::identity::ui::problem_text;

pub fn role_name(i18n: leptos_i18n::I18nContext<Locale>, role: Role) -> &'static str {
    match role {
        Role::CityAdmin => t_string!(i18n, admin.role_city_admin),
        Role::WardOfficer => t_string!(i18n, admin.role_ward_officer),
        Role::TeamMember => t_string!(i18n, admin.role_team_member),
        Role::OrgAdmin => t_string!(i18n, admin.role_org_admin),
        Role::ServiceOperator => t_string!(i18n, admin.role_service_operator),
    }
}

fn notice_text(i18n: leptos_i18n::I18nContext<Locale>, notice: AdminNotice) -> (&'static str, bool) {
    match notice {
        AdminNotice::Granted => (t_string!(i18n, admin.granted), false),
        AdminNotice::Revoked => (t_string!(i18n, admin.revoked), false),
        AdminNotice::TeamCreated => (t_string!(i18n, admin.team_created), false),
        AdminNotice::OrganizationCreated => (t_string!(i18n, admin.org_created), false),
        AdminNotice::NoSuchAccount => (t_string!(i18n, admin.no_account), true),
        AdminNotice::NotAllowed => (t_string!(i18n, admin.not_allowed), true),
        AdminNotice::LastCityAdmin => (t_string!(i18n, admin.last_city_admin), true),
        AdminNotice::NameTaken => (t_string!(i18n, admin.name_taken), true),
        AdminNotice::NameInvalid => (t_string!(i18n, admin.name_invalid), true),
        AdminNotice::ScopeMissing => (t_string!(i18n, admin.scope_missing), true),
        AdminNotice::Failed => (t_string!(i18n, admin.failed), true),
    }
}

/// A `<select>` over choices, labelled, starting on "choose…" so nothing is picked by accident.
fn choice_field(
    i18n: leptos_i18n::I18nContext<Locale>,
    id: String,
    name: &'static str,
    label: &'static str,
    choices: Vec<Choice>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select id=id name=name required>
                <option value="" selected disabled>{t!(i18n, admin.choose)}</option>
                {choices.into_iter().map(|(value, text)| view! { <option value=value>{text}</option> }).collect_view()}
            </select>
        </div>
    }
}

/// One grant form: the holder's phone, the role (hidden) and, when the role has one, its scope.
fn grant_form(
    i18n: leptos_i18n::I18nContext<Locale>,
    page: &AdminPageData,
    role: Role,
    scope: Option<(&'static str, Vec<Choice>)>,
) -> impl IntoView + use<> {
    let id = format!("phone-{}", role.as_str());
    let this_form = page.typed.role == Some(role);
    let value = if this_form { page.typed.phone.clone() } else { String::new() };
    let error = if this_form { page.typed.phone_problem.map(|p| problem_text(i18n, Problem::Phone(p))) } else { None };
    let error_id = format!("{id}-error");
    let fields = view! {
            <h3>{role_name(i18n, role)}</h3>
            <input type="hidden" name="role" value=role.as_str() />
            {scope.is_none().then(|| view! { <input type="hidden" name="scope" value="" /> })}
            <div class="field" class:field--error=error.is_some()>
                <label for=id.clone()>{t!(i18n, admin.phone_label)}</label>
                {error.map(|e| view! { <span class="error" id=error_id.clone()>{e}</span> })}
                <input
                    id=id
                    name="phone"
                    type="tel"
                    inputmode="tel"
                    autocomplete="off"
                    value=value
                    aria-invalid=error.map(|_| "true")
                    aria-describedby=error.map(|_| error_id.clone())
                    required
                />
            </div>
            {scope.map(|(label, choices)| choice_field(i18n, format!("scope-{}", role.as_str()), "scope", label, choices))}
            <button type="submit" class="button">{t!(i18n, admin.grant_button)}</button>
    };
    view! {
        <ActionForm action={ServerAction::<GrantRole>::new()} attr:class="card" attr:novalidate=true>
            {fields}
        </ActionForm>
    }
}

#[component]
pub fn AdminPage() -> impl IntoView {
    crate::shell::loaded((), |_| super::api::admin_page(), admin_view)
}

fn admin_view(page: AdminPageData) -> impl IntoView {
    let i18n = use_i18n();
    let notice = page.typed.notice.map(|n| notice_text(i18n, n));
    let can_grant = !page.wards.is_empty() || page.city_admin;
    let city = page.city_admin;
    let team_name = page.typed.team_name.clone();
    let org_name = page.typed.org_name.clone();
    let team_fields = view! {
        <div class="field">
            <label for="team-name">{t!(i18n, admin.team_name)}</label>
            <span class="hint" id="team-name-hint">{t!(i18n, admin.team_name_hint)}</span>
            <input id="team-name" name="name" type="text" value=team_name aria-describedby="team-name-hint" required />
        </div>
        {choice_field(i18n, "team-ward".to_owned(), "ward", t_string!(i18n, admin.ward_label), page.wards.clone())}
        <button type="submit" class="button">{t!(i18n, admin.team_button)}</button>
    };
    let grant_forms = can_grant.then(|| {
        view! {
            <section aria-labelledby="grant-title">
                <h2 id="grant-title">{t!(i18n, admin.grant_title)}</h2>
                <p class="hint">{t!(i18n, admin.grant_intro)}</p>
                {city.then(|| grant_form(i18n, &page, Role::CityAdmin, None))}
                {city.then(|| grant_form(i18n, &page, Role::WardOfficer, Some((t_string!(i18n, admin.ward_label), page.wards.clone()))))}
                {(!page.teams.is_empty()).then(|| grant_form(i18n, &page, Role::TeamMember, Some((t_string!(i18n, admin.team_label), page.teams.clone()))))}
                {(city && !page.organizations.is_empty()).then(|| grant_form(i18n, &page, Role::OrgAdmin, Some((t_string!(i18n, admin.org_label), page.organizations.clone()))))}
                {(city && !page.relying_parties.is_empty()).then(|| grant_form(i18n, &page, Role::ServiceOperator, Some((t_string!(i18n, admin.party_label), page.relying_parties.clone()))))}
            </section>
            <section aria-labelledby="team-title">
                <h2 id="team-title">{t!(i18n, admin.team_title)}</h2>
                <ActionForm action={ServerAction::<CreateTeam>::new()} attr:class="card" attr:novalidate=true>
                    {team_fields}
                </ActionForm>
            </section>
        }
    });
    let org_form = city.then(|| {
        view! {
            <section aria-labelledby="org-title">
                <h2 id="org-title">{t!(i18n, admin.org_title)}</h2>
                <ActionForm action={ServerAction::<CreateOrganization>::new()} attr:class="card" attr:novalidate=true>
                    <div class="field">
                        <label for="org-name">{t!(i18n, admin.org_name)}</label>
                        <input id="org-name" name="name" type="text" value=org_name required />
                    </div>
                    <label class="choice">
                        <input type="checkbox" name="relying_party" value="yes" />
                        {t!(i18n, admin.org_party)}
                    </label>
                    <button type="submit" class="button">{t!(i18n, admin.org_button)}</button>
                </ActionForm>
            </section>
        }
    });
    let grants = page.grants.clone();
    let list = can_grant.then(|| {
        view! {
            <section aria-labelledby="grants-title">
                <h2 id="grants-title">{t!(i18n, admin.grants_title)}</h2>
                {grants.is_empty().then(|| view! { <p>{t!(i18n, admin.grants_empty)}</p> })}
                <ul class="unit-list" data-testid="grants">
                    {grants
                        .into_iter()
                        .map(|g| {
                            view! {
                                <li>
                                    <span>
                                        <strong>{g.full_name}</strong> " · " {g.phone}
                                        <br />
                                        {role_name(i18n, g.role)}
                                        {(!g.scope_label.is_empty()).then(|| format!(" · {}", g.scope_label))}
                                        <br />
                                        <span class="meta">{t!(i18n, admin.granted_at)} " " {g.granted_at}</span>
                                    </span>
                                    <ActionForm action={ServerAction::<RevokeGrant>::new()}>
                                        <input type="hidden" name="account" value=g.account_id />
                                        <input type="hidden" name="role" value=g.role.as_str() />
                                        <input type="hidden" name="scope" value=g.scope />
                                        <button type="submit" class="button button--secondary">{t!(i18n, admin.revoke_button)}</button>
                                    </ActionForm>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </section>
        }
    });
    view! {
        <h1>{t!(i18n, admin.title)}</h1>
        {notice.map(|(text, error)| crate::shell::notice(text, error))}
        <section class="card" aria-labelledby="my-roles">
            <h2 id="my-roles">{t!(i18n, admin.my_roles)}</h2>
            <ul class="plain-list" data-testid="my-roles">
                {page
                    .my_roles
                    .iter()
                    .map(|(role, scope)| {
                        let scope = (!scope.is_empty()).then(|| format!(" · {scope}"));
                        view! { <li>{role_name(i18n, *role)} {scope}</li> }
                    })
                    .collect_view()}
            </ul>
        </section>
        {(page.city_admin || page.my_roles.iter().any(|(r, _)| *r == Role::WardOfficer)).then(|| view! {
            <p><a class="button" href="/stats">{t!(i18n, stats.admin_link)}</a></p>
        })}
        {page.may_move.then(|| view! {
            <p><a class="button button--secondary" href="/assist/move">{t!(i18n, recovery.team_link)}</a></p>
        })}
        {grant_forms}
        {org_form}
        {list}
        {city.then(|| delivery_table(i18n, &page.code_delivery))}
    }
}

/// Codes handed to the SMS gateway per hour (city administrators): a failing gateway shows at once.
fn delivery_table(i18n: leptos_i18n::I18nContext<Locale>, hours: &[(String, i64, i64)]) -> impl IntoView + use<> {
    let sent: i64 = hours.iter().map(|h| h.1).sum();
    let failed: i64 = hours.iter().map(|h| h.2).sum();
    let share = |sent: i64, failed: i64| {
        if sent == 0 { "–".to_owned() } else { format!("{:.1} %", (sent - failed) as f64 * 100.0 / sent as f64) }
    };
    let rows: Vec<(String, i64, i64)> = hours.iter().filter(|h| h.1 > 0).cloned().collect();
    view! {
        <section class="card" aria-labelledby="delivery-title" data-testid="code-delivery">
            <h2 id="delivery-title">{t!(i18n, recovery.delivery_title)}</h2>
            {if sent == 0 {
                view! { <p>{t!(i18n, recovery.delivery_none)}</p> }.into_any()
            } else {
                view! {
                    <p>{t_string!(i18n, recovery.delivery_total)
                        .replace("%sent%", &sent.to_string())
                        .replace("%failed%", &failed.to_string())
                        .replace("%share%", &share(sent, failed))}</p>
                    <div class="table-wrap">
                        <table class="figures">
                            <thead>
                                <tr>
                                    <th scope="col">{t!(i18n, recovery.delivery_hour)}</th>
                                    <th scope="col">{t!(i18n, recovery.delivery_sent)}</th>
                                    <th scope="col">{t!(i18n, recovery.delivery_failed)}</th>
                                    <th scope="col">{t!(i18n, recovery.delivery_share)}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {rows.into_iter().map(|(hour, s, f)| view! {
                                    <tr><th scope="row">{hour}</th><td>{s}</td><td>{f}</td><td>{share(s, f)}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                .into_any()
            }}
        </section>
    }
}
