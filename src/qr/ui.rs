//! The QR page: pick what to show, show it big, a new code every minute with a countdown, and a moving bar so a
//! screenshot is easy to tell from the live page.
use leptos::prelude::*;

use super::{Preset, QrPageState};
use crate::i18n::*;
use crate::shell::NotFoundPage;

/// Seconds between two codes on screen (each is valid for two minutes: a slow scan still works).
pub const ROTATE_SECONDS: i64 = 60;

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
    let count = state.verified_count;
    view! {
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
            <QrRotator
                preset=current.as_str().to_owned()
                alt=t_string!(i18n, qr.image_alt).to_owned()
                waiting=t_string!(i18n, qr.next_in).to_owned()
            />
            <div class="live-bar" aria-hidden="true"><span></span></div>
            <p class="hint">{t!(i18n, qr.rotates)}</p>
            <p>
                <a href=format!("/me/qr?preset={}", current.as_str())>{t!(i18n, qr.new_code)}</a>
            </p>
            <p class="meta" data-testid="qr-verified">{t!(i18n, qr.verified_count, count = move || count)}</p>
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

/// The QR image, fetched again every minute, with a countdown. Without JavaScript it is the image of the moment
/// the page loaded (and the "new code" link fetches another).
#[island]
fn QrRotator(preset: String, alt: String, waiting: String) -> impl IntoView {
    let round = RwSignal::new(0u32);
    let remaining = RwSignal::new(ROTATE_SECONDS);
    let awake = RwSignal::new(false);
    Effect::new(move |_| {
        awake.set(true);
        if let Ok(handle) = set_interval_with_handle(
            move || {
                let left = remaining.get_untracked() - 1;
                if left <= 0 {
                    round.update(|n| *n += 1);
                    remaining.set(ROTATE_SECONDS);
                } else {
                    remaining.set(left);
                }
            },
            std::time::Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    let src = move || match round.get() {
        0 => format!("/me/qr.svg?preset={preset}"),
        n => format!("/me/qr.svg?preset={preset}&n={n}"),
    };
    view! {
        <img class="qr__img" src=src alt=alt width="300" height="300" data-testid="citizen-qr" />
        <p class="meta qr__next">
            {move || awake.get().then(|| waiting.replace("{s}", &remaining.get().to_string()))}
        </p>
    }
}
