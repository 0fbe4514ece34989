//! The QR page: pick what to show, show it big, and a moving bar so a screenshot is easy to tell from the live page.
use leptos::prelude::*;
use leptos_meta::Meta;

use super::{Preset, QrPageState};
use crate::i18n::*;
use crate::shell::NotFoundPage;

fn preset_name(i18n: leptos_i18n::I18nContext<Locale>, preset: Preset) -> &'static str {
    match preset {
        Preset::Basic => t_string!(i18n, qr.preset_basic),
        Preset::Adult => t_string!(i18n, qr.preset_adult),
        Preset::Full => t_string!(i18n, qr.preset_full),
    }
}

fn preset_shows(i18n: leptos_i18n::I18nContext<Locale>, preset: Preset) -> &'static str {
    match preset {
        Preset::Basic => t_string!(i18n, qr.shows_basic),
        Preset::Adult => t_string!(i18n, qr.shows_adult),
        Preset::Full => t_string!(i18n, qr.shows_full),
    }
}

#[component]
pub fn QrPage() -> impl IntoView {
    let i18n = use_i18n();
    let Some(state) = use_context::<QrPageState>() else { return view! { <NotFoundPage /> }.into_any() };
    let current = state.preset;
    view! {
        // a new code every minute, without any script
        <Meta http_equiv="refresh" content="60" />
        <h1>{t!(i18n, qr.title)}</h1>
        <nav class="tabs" aria-label=t_string!(i18n, qr.preset_label)>
            {Preset::ALL
                .into_iter()
                .map(|p| {
                    let here = p == current;
                    view! {
                        <a href=format!("/me/qr?preset={}", p.as_str()) class="tab" aria-current=here.then_some("page")>
                            {preset_name(i18n, p)}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
        <section class="card qr-card" aria-labelledby="qr-shows">
            <p id="qr-shows" class="qr-card__shows">{preset_shows(i18n, current)}</p>
            <div class="qr__image qr__image--big" role="img" aria-label=t_string!(i18n, qr.image_alt) data-testid="citizen-qr" data-token=state.token.clone() inner_html=state.svg.clone()></div>
            <div class="live-bar" aria-hidden="true"><span></span></div>
            <p class="meta">{t!(i18n, qr.valid_until)} " " {state.expires_at.clone()}</p>
            <p class="hint">{t!(i18n, qr.rotates)}</p>
            <p class="meta" data-testid="qr-verified">{t!(i18n, qr.verified_count, count = move || state.verified_count)}</p>
        </section>
        <form method="post" action="/me/qr/revoke" class="card">
            <h2>{t!(i18n, qr.lost_title)}</h2>
            <p>{t!(i18n, qr.lost_body)}</p>
            <button type="submit" class="button button--danger">{t!(i18n, qr.lost_button)}</button>
        </form>
        <p>
            <a href="/me">{t!(i18n, sessions.back)}</a>
        </p>
    }
    .into_any()
}
