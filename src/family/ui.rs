//! The family page, the "acting for" banner and the menu of a person's pages (own or acted for).
use leptos::prelude::*;

use super::api::{
    AddChild, AddToHousehold, ConfirmHouseholdMember, CreateHousehold, Delegate, RemoveHouseholdMember, RevokeDelegation,
};
use super::{ActingFor, FamilyNotice, FamilyPageData, HOUSEHOLD_RELATIONS, HouseholdNotice, HouseholdView, Relation};
use crate::i18n::*;
use crate::identity::Field;
use crate::identity::ui::problem_text;
use crate::shell::{Input, input, notice};

pub fn relation_name(i18n: leptos_i18n::I18nContext<Locale>, relation: Relation) -> &'static str {
    match relation {
        Relation::Parent => t_string!(i18n, family.rel_parent),
        Relation::Guardian => t_string!(i18n, family.rel_guardian),
        Relation::Delegate => t_string!(i18n, family.rel_delegate),
        Relation::Helper => t_string!(i18n, family.rel_helper),
    }
}

/// Never lets a guardian forget whom they act for: on every page that acts for someone else, at the top.
#[component]
pub fn ActingBanner(acting: Option<ActingFor>) -> impl IntoView {
    let i18n = use_i18n();
    acting.map(|a| {
        view! {
            <div class="acting" role="note" data-testid="acting-banner">
                <p>
                    {t!(i18n, family.acting_for)} " " <strong>{a.name.clone()}</strong>
                    " (" {relation_name(i18n, a.relation)} ")"
                    {a.read_only.then(|| view! { <br /> {t!(i18n, family.read_only)} })}
                </p>
                <a href="/me">{t!(i18n, family.back_to_me)}</a>
            </div>
        }
    })
}

/// Which page of the person's menu is showing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PersonPage {
    Profile,
    Documents,
    Qr,
    Privacy,
}

/// The menu of a person's pages, carrying `?for=` when acting for someone.
#[component]
pub fn PersonNav(acting: Option<ActingFor>, current: PersonPage) -> impl IntoView {
    let i18n = use_i18n();
    let q = ActingFor::query(&acting);
    // a team member helping with the profile sees only the profile
    let helper = acting.as_ref().is_some_and(|a| a.relation == Relation::Helper);
    let link = move |page: PersonPage, path: &str, text: &'static str| {
        let current = (page == current).then_some("page");
        (!helper || page == PersonPage::Profile)
            .then(|| view! { <li><a href=format!("{path}{q}") aria-current=current>{text}</a></li> })
    };
    view! {
        <nav class="person-nav" aria-label=t_string!(i18n, family.person_nav)>
            <ul>
                {link(PersonPage::Profile, "/me/profile", t_string!(i18n, family.nav_profile))}
                {link(PersonPage::Documents, "/me/documents", t_string!(i18n, family.nav_documents))}
                {link(PersonPage::Qr, "/me/qr", t_string!(i18n, family.nav_qr))}
                {link(PersonPage::Privacy, "/me/privacy", t_string!(i18n, family.nav_privacy))}
            </ul>
        </nav>
    }
}

fn notice_text(i18n: leptos_i18n::I18nContext<Locale>, notice: FamilyNotice) -> (&'static str, bool) {
    match notice {
        FamilyNotice::ChildAdded => (t_string!(i18n, family.child_added), false),
        FamilyNotice::DelegationGiven => (t_string!(i18n, family.delegation_given), false),
        FamilyNotice::DelegationRevoked => (t_string!(i18n, family.delegation_revoked), false),
        FamilyNotice::NoSuchPhone => (t_string!(i18n, family.no_such_phone), true),
        FamilyNotice::SelfDelegation => (t_string!(i18n, family.self_delegation), true),
        FamilyNotice::UntilInvalid => (t_string!(i18n, family.err_until), true),
        FamilyNotice::CitizenIdTaken => (t_string!(i18n, family.id_taken), true),
        FamilyNotice::NotForDependants => (t_string!(i18n, family.not_for_dependants), true),
        FamilyNotice::Failed => (t_string!(i18n, family.failed), true),
    }
}

/// A group of radio buttons with its legend and error.
pub fn radios(
    name: impl Into<String>,
    legend: &'static str,
    choices: Vec<(&'static str, &'static str)>,
    chosen: String,
    error: Option<&'static str>,
) -> impl IntoView {
    let name: String = name.into();
    let error_id = format!("{name}-error");
    view! {
        <fieldset class="field" class:field--error=error.is_some() aria-describedby=error.map(|_| error_id.clone())>
            <legend>{legend}</legend>
            {error.map(|e| view! { <span class="error" id=error_id.clone()>{e}</span> })}
            <div class="choices">
                {choices
                    .into_iter()
                    .map(|(value, text)| {
                        view! {
                            <label class="choice">
                                <input type="radio" name=name.clone() value=value checked=chosen == value />
                                {text}
                            </label>
                        }
                    })
                    .collect_view()}
            </div>
        </fieldset>
    }
}

pub fn household_relation(i18n: leptos_i18n::I18nContext<Locale>, relation: &str) -> &'static str {
    match relation {
        "head" => t_string!(i18n, family.hh_head),
        "spouse" => t_string!(i18n, family.hh_spouse),
        "child" => t_string!(i18n, family.hh_child),
        "parent" => t_string!(i18n, family.hh_parent),
        "sibling" => t_string!(i18n, family.hh_sibling),
        _ => t_string!(i18n, family.hh_other),
    }
}

fn household_notice(i18n: leptos_i18n::I18nContext<Locale>, notice: HouseholdNotice) -> (&'static str, bool) {
    match notice {
        HouseholdNotice::Created => (t_string!(i18n, family.hh_created), false),
        HouseholdNotice::JoinRequested => (t_string!(i18n, family.hh_join_requested), false),
        HouseholdNotice::MemberAdded => (t_string!(i18n, family.hh_member_added), false),
        HouseholdNotice::MemberConfirmed => (t_string!(i18n, family.hh_member_confirmed), false),
        HouseholdNotice::MemberRemoved => (t_string!(i18n, family.hh_member_removed), false),
        HouseholdNotice::AddressInvalid => (t_string!(i18n, profile.err_household), true),
        HouseholdNotice::AddressTaken => (t_string!(i18n, family.hh_address_taken), true),
        HouseholdNotice::NoSuchAddress => (t_string!(i18n, family.hh_no_such_address), true),
        HouseholdNotice::AlreadyMember => (t_string!(i18n, family.hh_already_member), true),
        HouseholdNotice::RelationMissing => (t_string!(i18n, family.err_choice), true),
    }
}

/// A `<select>` of the relationships to the head.
fn relation_select(i18n: leptos_i18n::I18nContext<Locale>, id: &'static str, chosen: &str) -> impl IntoView + use<> {
    view! {
        <div class="field">
            <label for=id>{t!(i18n, family.hh_relation_label)}</label>
            <select id=id name="relation">
                <option value="" selected=chosen.is_empty()>{t!(i18n, admin.choose)}</option>
                {HOUSEHOLD_RELATIONS
                    .into_iter()
                    .map(|r| view! { <option value=r selected=chosen == r>{household_relation(i18n, r)}</option> })
                    .collect_view()}
            </select>
        </div>
    }
}

/// The household: its members (confirm, remove, leave), or the forms to create one or ask to join.
fn household_section(
    i18n: leptos_i18n::I18nContext<Locale>,
    household: Option<HouseholdView>,
    dependants: Vec<(String, String)>,
    typed: super::HouseholdInput,
) -> impl IntoView {
    let body = match household {
        Some(h) if h.waiting => view! {
            <p class="notice notice--info" role="status">{t_string!(i18n, family.hh_waiting).replace("%address%", &h.address).replace("%head%", &h.head_name)}</p>
        }
        .into_any(),
        Some(h) => {
            let head = h.i_am_head;
            view! {
                <p>{t!(i18n, family.hh_address)} " " <strong data-testid="household-address">{h.address.clone()}</strong></p>
                <ul class="unit-list" data-testid="household">
                    {h.members
                        .into_iter()
                        .map(|m| {
                            let (confirm_edge, remove_edge) = (m.edge.clone(), m.edge.clone());
                            let can_remove = m.relation != "head" && (head || m.is_me);
                            view! {
                                <li class="person">
                                    <span>
                                        <strong>{m.name}</strong>
                                        <br />
                                        <span class="meta">
                                            {household_relation(i18n, &m.relation)}
                                            {(!m.confirmed).then(|| format!(" · {}", t_string!(i18n, family.hh_asks)))}
                                        </span>
                                    </span>
                                    <span class="person__links">
                                        {(head && !m.confirmed).then(|| view! {
                                            <ActionForm action={ServerAction::<ConfirmHouseholdMember>::new()}>
                                                <input type="hidden" name="edge" value=confirm_edge />
                                                <button type="submit" class="button">{t!(i18n, family.hh_confirm)}</button>
                                            </ActionForm>
                                        })}
                                        {can_remove.then(|| view! {
                                            <ActionForm action={ServerAction::<RemoveHouseholdMember>::new()}>
                                                <input type="hidden" name="edge" value=remove_edge />
                                                <button type="submit" class="button button--secondary">
                                                    {if m.is_me { t!(i18n, family.hh_leave).into_any() } else { t!(i18n, family.hh_remove).into_any() }}
                                                </button>
                                            </ActionForm>
                                        })}
                                    </span>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
                {(head && !dependants.is_empty()).then(|| view! {
                    <ActionForm action={ServerAction::<AddToHousehold>::new()}>
                        <div class="field">
                            <label for="hh-member">{t!(i18n, family.hh_add_label)}</label>
                            <select id="hh-member" name="member">
                                {dependants.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                            </select>
                        </div>
                        {relation_select(i18n, "hh-add-relation", "child")}
                        <button type="submit" class="button button--secondary">{t!(i18n, family.hh_add_submit)}</button>
                    </ActionForm>
                })}
            }
            .into_any()
        }
        None => {
            let fields = view! {
                {input(Input { id: "address", label: t_string!(i18n, profile.f_household_address), hint: Some(t_string!(i18n, profile.household_hint)), value: typed.address.clone(), error: None, input_type: "text", autocomplete: "off", inputmode: Some("numeric"), required: true })}
                <button type="submit" class="button">{t!(i18n, family.hh_create)}</button>
                <p class="hint">{t!(i18n, family.hh_or_join)}</p>
                {relation_select(i18n, "hh-join-relation", &typed.relation)}
                <button type="submit" class="button button--secondary" formaction="/me/family/household/join">{t!(i18n, family.hh_join)}</button>
            };
            view! {
                <p class="hint">{t!(i18n, family.hh_none)}</p>
                <ActionForm action={ServerAction::<CreateHousehold>::new()} attr:novalidate=true>
                    {fields}
                </ActionForm>
            }
            .into_any()
        }
    };
    view! {
        <section class="card" aria-labelledby="household-title">
            <h2 id="household-title">{t!(i18n, family.hh_title)}</h2>
            {body}
        </section>
    }
}

#[component]
pub fn FamilyPage() -> impl IntoView {
    crate::shell::loaded((), |_| super::api::family_page(), family_view)
}

fn family_view(page: FamilyPageData) -> impl IntoView {
    let i18n = use_i18n();
    let FamilyPageData { household, dependants, guardians, forms: state } = page;
    let child_err = |field| {
        state.child_problems.iter().find(|(f, _)| *f == field).map(|(_, p)| problem_text(i18n, *p))
    };
    let delegate_err = |field| {
        state.delegate_problems.iter().find(|(f, _)| *f == field).map(|(_, p)| problem_text(i18n, *p))
    };
    let child = state.child.clone();
    let delegate = state.delegate.clone();
    let child_form = view! {
        {input(Input { id: "full_name", label: t_string!(i18n, auth.name_label), hint: None, value: child.full_name, error: child_err(Field::FullName), input_type: "text", autocomplete: "off", inputmode: None, required: true })}
        {input(Input { id: "birth_date", label: t_string!(i18n, auth.birth_label), hint: Some(t_string!(i18n, auth.birth_hint)), value: child.birth_date, error: child_err(Field::BirthDate), input_type: "text", autocomplete: "off", inputmode: Some("numeric"), required: true })}
        {radios("sex", t_string!(i18n, auth.sex_label), vec![("male", t_string!(i18n, auth.sex_male)), ("female", t_string!(i18n, auth.sex_female))], child.sex, child_err(Field::Sex))}
        {input(Input { id: "citizen_id", label: t_string!(i18n, family.child_id_label), hint: Some(t_string!(i18n, family.child_id_hint)), value: child.citizen_id, error: child_err(Field::CitizenId), input_type: "text", autocomplete: "off", inputmode: Some("numeric"), required: false })}
        {radios("relation", t_string!(i18n, family.relation_label), vec![("parent", t_string!(i18n, family.rel_parent)), ("guardian", t_string!(i18n, family.rel_guardian))], child.relation, child_err(Field::Relation))}
        <button type="submit" class="button">{t!(i18n, family.child_submit)}</button>
    };
    let delegate_form = view! {
        {input(Input { id: "phone", label: t_string!(i18n, family.delegate_phone), hint: None, value: delegate.phone, error: delegate_err(Field::Phone), input_type: "tel", autocomplete: "off", inputmode: Some("tel"), required: true })}
        {radios("scope", t_string!(i18n, family.scope_label), vec![("view", t_string!(i18n, family.scope_view)), ("manage", t_string!(i18n, family.scope_manage))], delegate.scope, delegate_err(Field::Scope))}
        {input(Input { id: "until", label: t_string!(i18n, family.until_label), hint: Some(t_string!(i18n, family.until_hint)), value: delegate.until, error: delegate_err(Field::Until), input_type: "text", autocomplete: "off", inputmode: Some("numeric"), required: true })}
        <button type="submit" class="button">{t!(i18n, family.delegate_submit)}</button>
    };
    view! {
        <h1>{t!(i18n, family.title)}</h1>
        <p>{t!(i18n, family.intro)}</p>
        {state.notice.map(|n| {
            let (text, error) = notice_text(i18n, n);
            notice(text, error)
        })}
        {state.household_notice.map(|n| {
            let (text, error) = household_notice(i18n, n);
            notice(text, error)
        })}
        {household_section(
            i18n,
            household,
            dependants.iter().filter(|d| !matches!(d.relation, Relation::Delegate | Relation::Helper)).map(|d| (d.id.clone(), d.name.clone())).collect(),
            state.household_input.clone(),
        )}
        <section class="card" aria-labelledby="dependants-title">
            <h2 id="dependants-title">{t!(i18n, family.dependants_title)}</h2>
            {dependants.is_empty().then(|| view! { <p>{t!(i18n, family.dependants_empty)}</p> })}
            <ul class="unit-list" data-testid="dependants">
                {dependants
                    .into_iter()
                    .map(|d| {
                        let q = format!("?for={}", d.id);
                        view! {
                            <li class="person">
                                <span>
                                    <strong>{d.name}</strong>
                                    <br />
                                    <span class="meta">
                                        {relation_name(i18n, d.relation)}
                                        {(!d.birth_date.is_empty()).then(|| format!(" · {}", d.birth_date))}
                                        {d.until.map(|u| format!(" · {} {u}", t_string!(i18n, family.until_short)))}
                                    </span>
                                </span>
                                <span class="person__links">
                                    <a href=format!("/me/profile{q}")>{t!(i18n, family.nav_profile)}</a>
                                    {(d.relation != Relation::Helper).then(|| {
                                        view! {
                                            <a href=format!("/me/documents{q}")>{t!(i18n, family.nav_documents)}</a>
                                            {d.can_manage.then(|| view! { <a href=format!("/me/qr{q}")>{t!(i18n, family.nav_qr)}</a> })}
                                            <a href=format!("/me/privacy{q}")>{t!(i18n, family.nav_privacy)}</a>
                                        }
                                    })}
                                </span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
        <section class="card" aria-labelledby="child-title">
            <h2 id="child-title">{t!(i18n, family.child_title)}</h2>
            <p class="hint">{t!(i18n, family.child_hint)}</p>
            <ActionForm action={ServerAction::<AddChild>::new()} attr:novalidate=true>
                {child_form}
            </ActionForm>
        </section>
        <section class="card" aria-labelledby="guardians-title">
            <h2 id="guardians-title">{t!(i18n, family.guardians_title)}</h2>
            {guardians.is_empty().then(|| view! { <p>{t!(i18n, family.guardians_empty)}</p> })}
            <ul class="unit-list" data-testid="guardians">
                {guardians
                    .into_iter()
                    .map(|g| {
                        let scope = if g.can_manage { t_string!(i18n, family.scope_manage) } else { t_string!(i18n, family.scope_view) };
                        view! {
                            <li>
                                <span>
                                    <strong>{g.name}</strong> " " <span class="meta">{g.phone}</span>
                                    <br />
                                    <span class="meta">
                                        {relation_name(i18n, g.relation)} " · " {scope}
                                        {g.until.map(|u| format!(" · {} {u}", t_string!(i18n, family.until_short)))}
                                    </span>
                                </span>
                                {(g.relation == Relation::Delegate).then(|| view! {
                                    <ActionForm action={ServerAction::<RevokeDelegation>::new()}>
                                        <input type="hidden" name="edge" value=g.edge />
                                        <button type="submit" class="button button--danger">{t!(i18n, family.revoke)}</button>
                                    </ActionForm>
                                })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
        <section class="card" aria-labelledby="delegate-title">
            <h2 id="delegate-title">{t!(i18n, family.delegate_title)}</h2>
            <p class="hint">{t!(i18n, family.delegate_hint)}</p>
            <ActionForm action={ServerAction::<Delegate>::new()} attr:novalidate=true>
                {delegate_form}
            </ActionForm>
        </section>
    }
}
