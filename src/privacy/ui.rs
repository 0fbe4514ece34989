//! "My data": who saw it (a timeline in plain words), the export, correction and deletion.
use leptos::prelude::*;

use super::api::{CancelDeletion, RequestDeletion};
use super::{PrivacyNotice, PrivacyPageData, SeenRole, SeenWhat};
use crate::family::ActingFor;
use crate::family::ui::{ActingBanner, PersonNav, PersonPage};
use crate::i18n::*;
use crate::shell::{ErrorNotice, notice};

fn role_text(i18n: leptos_i18n::I18nContext<Locale>, role: SeenRole) -> &'static str {
    match role {
        SeenRole::Guardian => t_string!(i18n, privacy.role_guardian),
        SeenRole::Delegate => t_string!(i18n, privacy.role_delegate),
        SeenRole::Staff => t_string!(i18n, privacy.role_staff),
        SeenRole::Organization => t_string!(i18n, privacy.role_organization),
        SeenRole::Helper => t_string!(i18n, privacy.role_helper),
        SeenRole::Owner => t_string!(i18n, privacy.role_self),
    }
}

fn what_text(i18n: leptos_i18n::I18nContext<Locale>, what: SeenWhat) -> &'static str {
    match what {
        SeenWhat::Profile => t_string!(i18n, privacy.what_profile),
        SeenWhat::History => t_string!(i18n, privacy.what_history),
        SeenWhat::Documents => t_string!(i18n, privacy.what_documents),
        SeenWhat::Document => t_string!(i18n, privacy.what_document),
        SeenWhat::Qr => t_string!(i18n, privacy.what_qr),
        SeenWhat::Export => t_string!(i18n, privacy.what_export),
        SeenWhat::QrCheck => t_string!(i18n, privacy.what_qr_check),
        SeenWhat::Registered => t_string!(i18n, privacy.what_registered),
        SeenWhat::HelpGiven => t_string!(i18n, privacy.what_help_given),
        SeenWhat::PhoneMoved => t_string!(i18n, privacy.what_phone_moved),
        SeenWhat::PhoneMoveRequested => t_string!(i18n, privacy.what_phone_move_requested),
        SeenWhat::PhoneMoveCancelled => t_string!(i18n, privacy.what_phone_move_cancelled),
    }
}

#[component]
pub fn PrivacyPage() -> impl IntoView {
    let for_id = crate::web::query_value("for");
    crate::shell::loaded(for_id, super::api::privacy_page, privacy_view)
}

fn privacy_view(state: PrivacyPageData) -> impl IntoView {
    let i18n = use_i18n();
    let acting = state.acting.clone();
    let is_self = acting.is_none();
    let can_export = !acting.as_ref().is_some_and(|a| a.read_only);
    let q = ActingFor::query(&acting);
    let grace = state.grace_days;
    let deletion = is_self.then(|| match state.deletion_due.clone() {
        Some(due) => view! {
            <div class="notice notice--error" role="status" data-testid="deletion-due">
                <p>{t!(i18n, privacy.deletion_due, date = move || due.clone())}</p>
                <ActionForm action={ServerAction::<CancelDeletion>::new()}>
                    <button type="submit" class="button">{t!(i18n, privacy.deletion_cancel)}</button>
                </ActionForm>
            </div>
        }
        .into_any(),
        None => view! {
            <p>{t_string!(i18n, privacy.deletion_body).replace("%days%", &grace.to_string())}</p>
            <p class="hint">{t!(i18n, privacy.deletion_kept)}</p>
            <ActionForm action={ServerAction::<RequestDeletion>::new()}>
                <button type="submit" class="button button--danger">{t!(i18n, privacy.deletion_request)}</button>
            </ActionForm>
        }
        .into_any(),
    });
    view! {
        <ActingBanner acting=acting.clone() />
        <h1>{t!(i18n, privacy.title)}</h1>
        <PersonNav acting=acting.clone() current=PersonPage::Privacy />
        {state.notice.map(|n| match n {
            PrivacyNotice::DeletionRequested => notice(t_string!(i18n, privacy.deletion_requested), false),
            PrivacyNotice::DeletionCancelled => notice(t_string!(i18n, privacy.deletion_cancelled), false),
        })}
        {state.failed.then(|| view! { <ErrorNotice /> })}
        <section class="card" aria-labelledby="seen-title">
            <h2 id="seen-title">{t!(i18n, privacy.seen_title)}</h2>
            <p>{t!(i18n, privacy.seen_intro)}</p>
            {state.lines.is_empty().then(|| view! { <p class="notice notice--info">{t!(i18n, privacy.seen_empty)}</p> })}
            <ol class="unit-list timeline" data-testid="seen">
                {state
                    .lines
                    .into_iter()
                    .map(|l| {
                        let who = if l.who.is_empty() { t_string!(i18n, privacy.someone).to_owned() } else { l.who };
                        view! {
                            <li>
                                <span>
                                    <strong>{who}</strong> " (" {role_text(i18n, l.role)} ") " {what_text(i18n, l.what)}
                                    {(!l.detail.is_empty()).then(|| {
                                        // a document without a name of its own is recorded by its kind
                                        // and a QR check by its purpose
                                        let detail = match l.what {
                                            SeenWhat::QrCheck => crate::qr::Purpose::parse(&l.detail)
                                                .map(|p| crate::qr::ui::purpose_name(i18n, p).to_owned()),
                                            _ => crate::vault::DocKind::parse(&l.detail)
                                                .map(|k| crate::vault::ui::kind_name(i18n, k).to_owned()),
                                        }
                                        .unwrap_or(l.detail);
                                        format!(": {detail}")
                                    })}
                                    <br />
                                    <span class="meta">{l.at}</span>
                                </span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </section>
        {can_export.then(|| view! {
            <section class="card" aria-labelledby="export-title">
                <h2 id="export-title">{t!(i18n, privacy.export_title)}</h2>
                <p>{t!(i18n, privacy.export_body)}</p>
                <a class="button button--secondary" href=format!("/me/export.zip{q}") download data-testid="export">{t!(i18n, privacy.export_button)}</a>
            </section>
        })}
        <section class="card" aria-labelledby="correct-title">
            <h2 id="correct-title">{t!(i18n, privacy.correct_title)}</h2>
            <p>{t!(i18n, privacy.correct_body)}</p>
            <a href=format!("/me/profile{q}")>{t!(i18n, privacy.correct_link)}</a>
        </section>
        {deletion.map(|d| view! {
            <section class="card" aria-labelledby="delete-title">
                <h2 id="delete-title">{t!(i18n, privacy.deletion_title)}</h2>
                {d}
            </section>
        })}
    }
}
