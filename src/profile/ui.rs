//! The profile page: how complete it is and what is missing, the form (verified fields locked), the history.
use leptos::prelude::*;

use super::api::SaveProfile;
use super::{PField, PProblem, ProfileNotice, ProfilePageData};
use crate::family::ui::{ActingBanner, PersonNav, PersonPage, radios};
use crate::i18n::*;
use crate::shell::{Input, input, notice};

pub fn field_label(i18n: leptos_i18n::I18nContext<Locale>, field: PField) -> &'static str {
    match field {
        PField::FullName => t_string!(i18n, auth.name_label),
        PField::BirthDate => t_string!(i18n, auth.birth_label),
        PField::Sex => t_string!(i18n, auth.sex_label),
        PField::Nationality => t_string!(i18n, profile.f_nationality),
        PField::Ethnicity => t_string!(i18n, profile.f_ethnicity),
        PField::Email => t_string!(i18n, profile.f_email),
        PField::PermanentUnit => t_string!(i18n, profile.f_permanent_unit),
        PField::PermanentStreet => t_string!(i18n, profile.f_permanent_street),
        PField::CurrentUnit => t_string!(i18n, profile.f_current_unit),
        PField::CurrentStreet => t_string!(i18n, profile.f_current_street),
        PField::Occupation => t_string!(i18n, profile.f_occupation),
        PField::Workplace => t_string!(i18n, profile.f_workplace),
        PField::HealthInsurance => t_string!(i18n, profile.f_health_insurance),
        PField::TaxCode => t_string!(i18n, profile.f_tax_code),
        PField::Epayment => t_string!(i18n, profile.f_epayment),
        PField::EpaymentProvider => t_string!(i18n, profile.f_epayment_provider),
        PField::HouseholdAddress => t_string!(i18n, profile.f_household_address),
    }
}

fn why(i18n: leptos_i18n::I18nContext<Locale>, field: PField) -> &'static str {
    match field {
        PField::Email => t_string!(i18n, profile.why_email),
        PField::PermanentUnit => t_string!(i18n, profile.why_permanent),
        PField::CurrentUnit => t_string!(i18n, profile.why_current),
        PField::Occupation => t_string!(i18n, profile.why_occupation),
        PField::HealthInsurance => t_string!(i18n, profile.why_health_insurance),
        PField::TaxCode => t_string!(i18n, profile.why_tax_code),
        PField::Epayment => t_string!(i18n, profile.why_epayment),
        PField::HouseholdAddress => t_string!(i18n, profile.why_household),
        _ => t_string!(i18n, profile.why_ethnicity),
    }
}

fn problem_text(i18n: leptos_i18n::I18nContext<Locale>, problem: PProblem) -> &'static str {
    match problem {
        PProblem::Name(e) => crate::identity::ui::problem_text(i18n, crate::identity::Problem::Name(e)),
        PProblem::Date(e) => crate::identity::ui::problem_text(i18n, crate::identity::Problem::Date(e)),
        PProblem::SexMissing => t_string!(i18n, auth.err_sex),
        PProblem::IdMismatch => t_string!(i18n, profile.err_id_mismatch),
        PProblem::TooLong => t_string!(i18n, profile.err_too_long),
        PProblem::Email => t_string!(i18n, profile.err_email),
        PProblem::UnknownUnit => t_string!(i18n, profile.err_unit),
        PProblem::HealthInsurance => t_string!(i18n, profile.err_health_insurance),
        PProblem::TaxCode => t_string!(i18n, profile.err_tax_code),
        PProblem::HouseholdAddress => t_string!(i18n, profile.err_household),
        PProblem::Choice => t_string!(i18n, family.err_choice),
    }
}

/// A text the history shows for a stored value (sex and yes/no in words, units by name).
fn shown_value(i18n: leptos_i18n::I18nContext<Locale>, field: Option<PField>, value: &str, units: &[(String, String)]) -> String {
    match (field, value) {
        (_, "") => "—".to_owned(),
        (Some(PField::Sex), "male") => t_string!(i18n, auth.sex_male).to_owned(),
        (Some(PField::Sex), "female") => t_string!(i18n, auth.sex_female).to_owned(),
        (Some(PField::Epayment), "yes") => t_string!(i18n, profile.epayment_yes).to_owned(),
        (Some(PField::Epayment), "no") => t_string!(i18n, profile.epayment_no).to_owned(),
        (Some(PField::PermanentUnit | PField::CurrentUnit), code) => {
            units.iter().find(|(c, _)| c == code).map(|(_, n)| n.clone()).unwrap_or_else(|| code.to_owned())
        }
        (_, v) => v.to_owned(),
    }
}

/// `/me/profile[?for=…]`: loads its data through [`profile_page`](super::api::profile_page) before it answers.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let for_id = crate::web::query_value("for");
    crate::shell::loaded(for_id, super::api::profile_page, profile_view)
}

fn profile_view(state: ProfilePageData) -> impl IntoView {
    let i18n = use_i18n();
    let (missing, percent) = (state.missing.clone(), state.percent);
    let err = |field: PField| state.problem(field).map(|p| problem_text(i18n, p));
    let value = |field: PField| state.input.get(field).to_owned();
    let text = |field: PField, hint: Option<&'static str>, kind: &'static str, autocomplete: &'static str, mode: Option<&'static str>| {
        input(Input {
            id: field.name(),
            label: field_label(i18n, field),
            hint,
            value: value(field),
            error: err(field),
            input_type: kind,
            autocomplete,
            inputmode: mode,
            required: false,
        })
    };
    let unit_select = |field: PField| {
        let chosen = value(field);
        let error = err(field);
        let id = field.name();
        view! {
            <div class="field" class:field--error=error.is_some()>
                <label for=id>{field_label(i18n, field)}</label>
                {error.map(|e| view! { <span class="error" id=format!("{id}-error")>{e}</span> })}
                <select id=id name=id aria-invalid=error.map(|_| "true")>
                    <option value="" selected=chosen.is_empty()>{t!(i18n, profile.unit_choose)}</option>
                    {state
                        .units
                        .iter()
                        .map(|(code, name)| view! { <option value=code.clone() selected=*code == chosen>{name.clone()}</option> })
                        .collect_view()}
                </select>
            </div>
        }
    };
    let acting = state.acting.clone();
    let for_id = acting.as_ref().map(|a| a.id.clone()).unwrap_or_default();
    let identity = if state.verified {
        let sex = shown_value(i18n, Some(PField::Sex), &state.input.sex, &[]);
        view! {
            <p class="badge badge--ok">{t!(i18n, profile.verified_badge)}</p>
            <p class="hint">{t!(i18n, profile.verified_hint)}</p>
            <dl class="facts">
                <dt>{t!(i18n, auth.name_label)}</dt>
                <dd>{state.input.full_name.clone()}</dd>
                <dt>{t!(i18n, auth.birth_label)}</dt>
                <dd>{state.input.birth_date.clone()}</dd>
                <dt>{t!(i18n, auth.sex_label)}</dt>
                <dd>{sex}</dd>
            </dl>
        }
        .into_any()
    } else {
        view! {
            <p class="badge">{t!(i18n, profile.declared_badge)}</p>
            {text(PField::FullName, None, "text", "name", None)}
            {text(PField::BirthDate, Some(t_string!(i18n, auth.birth_hint)), "text", "bday", Some("numeric"))}
            {radios("sex", t_string!(i18n, auth.sex_label), vec![("male", t_string!(i18n, auth.sex_male)), ("female", t_string!(i18n, auth.sex_female))], value(PField::Sex), err(PField::Sex))}
        }
        .into_any()
    };
    let form_body = view! {
        <input type="hidden" name="for" value=for_id />
        <fieldset disabled=state.read_only>
            <section class="card" aria-labelledby="identity-title">
                <h2 id="identity-title">{t!(i18n, profile.identity_title)}</h2>
                {identity}
                <dl class="facts">
                    <dt>{t!(i18n, me.citizen_id)}</dt>
                    <dd>{if state.citizen_id_masked.is_empty() { "—".to_owned() } else { state.citizen_id_masked.clone() }}</dd>
                    <dt>{t!(i18n, me.phone)}</dt>
                    <dd>{if state.phone.is_empty() { "—".to_owned() } else { state.phone.clone() }}</dd>
                </dl>
                {text(PField::Nationality, None, "text", "off", None)}
                {text(PField::Ethnicity, None, "text", "off", None)}
            </section>
            <section class="card" aria-labelledby="contact-title">
                <h2 id="contact-title">{t!(i18n, profile.contact_title)}</h2>
                {text(PField::Email, None, "email", "email", Some("email"))}
                {unit_select(PField::PermanentUnit)}
                {text(PField::PermanentStreet, Some(t_string!(i18n, profile.street_hint)), "text", "street-address", None)}
                {unit_select(PField::CurrentUnit)}
                {text(PField::CurrentStreet, Some(t_string!(i18n, profile.street_hint)), "text", "street-address", None)}
                {text(PField::HouseholdAddress, Some(t_string!(i18n, profile.household_hint)), "text", "off", Some("numeric"))}
            </section>
            <section class="card" aria-labelledby="work-title">
                <h2 id="work-title">{t!(i18n, profile.work_title)}</h2>
                {text(PField::Occupation, None, "text", "organization-title", None)}
                {text(PField::Workplace, None, "text", "organization", None)}
                {text(PField::HealthInsurance, Some(t_string!(i18n, profile.health_insurance_hint)), "text", "off", None)}
                {text(PField::TaxCode, Some(t_string!(i18n, profile.tax_code_hint)), "text", "off", Some("numeric"))}
                {radios("epayment", t_string!(i18n, profile.f_epayment), vec![("yes", t_string!(i18n, profile.epayment_yes)), ("no", t_string!(i18n, profile.epayment_no))], value(PField::Epayment), err(PField::Epayment))}
                {text(PField::EpaymentProvider, Some(t_string!(i18n, profile.provider_hint)), "text", "off", None)}
            </section>
            {(!state.read_only).then(|| view! { <button type="submit" class="button button--wide">{t!(i18n, profile.save)}</button> })}
        </fieldset>
    };
    let units = state.units.clone();
    view! {
        <ActingBanner acting=acting.clone() />
        <h1>{t!(i18n, profile.title)}</h1>
        <PersonNav acting=acting.clone() current=PersonPage::Profile />
        {state.notice.map(|n| match n {
            ProfileNotice::Saved { changed: 0 } => notice(t_string!(i18n, profile.saved_nothing), false).into_any(),
            ProfileNotice::Saved { changed } => notice(t!(i18n, profile.saved, n = move || changed), false).into_any(),
            ProfileNotice::Failed => notice(t_string!(i18n, profile.failed), true).into_any(),
        })}
        {(!state.problems.is_empty()).then(|| notice(t_string!(i18n, profile.fix_fields), true))}
        <section class="card" aria-labelledby="complete-title">
            <h2 id="complete-title">{t!(i18n, profile.complete_title, percent = move || percent)}</h2>
            <progress class="meter" max="100" value=percent aria-labelledby="complete-title"></progress>
            {(!missing.is_empty()).then(|| view! {
                <ul class="plain-list missing">
                    {missing.into_iter().map(|f| view! { <li><strong>{field_label(i18n, f)}</strong> ": " {why(i18n, f)}</li> }).collect_view()}
                </ul>
            })}
        </section>
        <ActionForm action={ServerAction::<SaveProfile>::new()} attr:novalidate=true attr:class="profile-form">
            {form_body}
        </ActionForm>
        <details class="card history" data-testid="history">
            <summary>{t!(i18n, profile.history_title)}</summary>
            {state.history.is_empty().then(|| view! { <p>{t!(i18n, profile.history_empty)}</p> })}
            <ul class="unit-list">
                {state
                    .history
                    .into_iter()
                    .map(|c| {
                        let label = c.field.map(|f| field_label(i18n, f)).unwrap_or_default();
                        view! {
                            <li>
                                <span>
                                    <strong>{label}</strong> ": " {shown_value(i18n, c.field, &c.old, &units)} " → "
                                    {shown_value(i18n, c.field, &c.new, &units)}
                                    <br />
                                    <span class="meta">{c.at} " · " {c.by}</span>
                                </span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </details>
    }
}
