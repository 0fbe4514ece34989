//! The QR page: pick what to show, show it big, a new code every minute with a countdown, and a moving bar so a
//! screenshot is easy to tell from the live page.
use leptos::prelude::*;

use super::counter_scan::{CounterCheck, CounterWords};
use super::pages::{AddPlace, CheckCode, IssueCard, RevokeCard, RevokeCodes};
use super::{
    CardNotice, CardPageData, ChecksPageData, CounterOutcome, CounterPageData, CounterProblem, Direction, PlaceNotice,
    Preset, Purpose, QrPageData, Reason,
};
use crate::family::ActingFor;
use crate::family::ui::{ActingBanner, PersonNav, PersonPage};
use crate::i18n::*;
use crate::shell::ErrorNotice;

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

/// `/me/qr[?preset=…][&for=…]`: loads its data through [`qr_page`](super::pages::qr_page) before it answers.
#[component]
pub fn QrPage() -> impl IntoView {
    let asked = (crate::web::query_value("preset"), crate::web::query_value("for"));
    crate::shell::loaded_with_islands(asked, |(preset, for_id)| super::pages::qr_page(preset, for_id), qr_view)
}

fn qr_view(state: QrPageData) -> impl IntoView {
    let i18n = use_i18n();
    let current = state.preset;
    let count = state.verified_count;
    let acting = state.acting.clone();
    // `&for=…` when showing a dependant's code from the guardian's phone
    let for_param = acting.as_ref().map(|a| format!("&for={}", a.id)).unwrap_or_default();
    let own = acting.is_none();
    let checks = if own { "/me/qr/checks".to_owned() } else { format!("/me/privacy{}", ActingFor::query(&acting)) };
    view! {
        <ActingBanner acting=acting.clone() />
        <h1>{t!(i18n, qr.title)}</h1>
        {(!own).then(|| view! { <PersonNav acting=acting.clone() current=PersonPage::Qr /> })}
        {state.failed.then(|| view! { <ErrorNotice /> })}
        <nav class="tabs" aria-label=t_string!(i18n, qr.preset_label)>
            {Preset::ALL
                .into_iter()
                .map(|p| {
                    let here = p == current;
                    view! {
                        <a href=format!("/me/qr?preset={}{for_param}", p.as_str()) class="tab" aria-current=here.then_some("page")>
                            {preset_name(i18n, p)}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
        <section class="card qr-card" aria-labelledby="qr-shows">
            <p id="qr-shows" class="qr-card__shows">{preset_shows(i18n, current)}</p>
            <QrRotator
                query=format!("preset={}{for_param}", current.as_str())
                alt=t_string!(i18n, qr.image_alt).to_owned()
                waiting=t_string!(i18n, qr.next_in).to_owned()
            />
            // the day's codes kept on the phone for use without network; only the phone owner's own codes: a
            // dependant's would replace them
            {own.then(|| view! {
                <KeepOfflineCodes preset=current template=t_string!(i18n, qr.saved_offline).to_owned() />
            })}
            <div class="live-bar" aria-hidden="true"><span></span></div>
            <p class="hint">{t!(i18n, qr.rotates)}</p>
            <p>
                <a href=format!("/me/qr?preset={}{for_param}", current.as_str())>{t!(i18n, qr.new_code)}</a>
            </p>
            <p class="meta" data-testid="qr-verified">
                {t!(i18n, qr.verified_count, count = move || count)} " "
                <a href=checks>{t!(i18n, qr.checks_link)}</a>
            </p>
        </section>
        {own.then(|| view! {
            <p>
                <a href="/me/qr/card">{t!(i18n, qr.card_link)}</a>
            </p>
            <ActionForm action={ServerAction::<RevokeCodes>::new()} attr:class="card">
                <h2>{t!(i18n, qr.lost_title)}</h2>
                <p>{t!(i18n, qr.lost_body)}</p>
                <button type="submit" class="button button--danger">{t!(i18n, qr.lost_button)}</button>
            </ActionForm>
        })}
        <p>
            <a href="/me">{t!(i18n, sessions.back)}</a>
        </p>
    }
}

/// The QR image, fetched again every minute, with a countdown. Without JavaScript it is the image of the moment
/// the page loaded (and the "new code" link fetches another).
#[island]
fn QrRotator(query: String, alt: String, waiting: String) -> impl IntoView {
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
        0 => format!("/me/qr.svg?{query}"),
        n => format!("/me/qr.svg?{query}&n={n}"),
    };
    view! {
        <img class="qr__img" src=src alt=alt width="300" height="300" data-testid="citizen-qr" />
        <p class="meta qr__next">
            {move || awake.get().then(|| waiting.replace("{s}", &remaining.get().to_string()))}
        </p>
    }
}

/// "Saved for N hours": keeps the day's codes of the chosen preset on the phone for use without network (see
/// [`super::batch`]), and fetches a new batch when the kept one is for another preset or older than
/// [`REFRESH_AFTER`](super::batch::REFRESH_AFTER). Without JavaScript it stays empty: online, the page needs none.
#[island]
fn KeepOfflineCodes(preset: Preset, template: String) -> impl IntoView {
    let saved = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            let template = template.clone();
            leptos::task::spawn_local(async move {
                if let Some(hours) = phone::keep_fresh(preset).await {
                    saved.set(Some(template.replace("{h}", &hours.to_string())));
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (preset, &template);
    });
    view! { <p class="meta" data-testid="qr-offline">{move || saved.get()}</p> }
}

/// The words of the offline QR page, translated by the page for its island.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OfflineWords {
    /// Nothing kept (or nothing readable).
    pub none: String,
    /// The kept codes have all ended.
    pub ended: String,
    /// "{preset}: this code works until {time}."
    pub until: String,
    /// The name of each preset.
    pub presets: Vec<(Preset, String)>,
}

/// `/offline/qr`: the service worker opens it instead of `/me/qr` when there is no network (from its cache, with
/// the WASM of the same build). Its island shows the code of the current window from the batch kept on the phone.
#[component]
pub fn OfflineQrPage() -> impl IntoView {
    let i18n = use_i18n();
    let words = OfflineWords {
        none: t_string!(i18n, qr.offline_none).to_owned(),
        ended: t_string!(i18n, qr.offline_ended).to_owned(),
        until: t_string!(i18n, qr.offline_until).to_owned(),
        presets: Preset::ALL.into_iter().map(|p| (p, preset_name(i18n, p).to_owned())).collect(),
    };
    view! {
        <h1>{t!(i18n, qr.offline_title)}</h1>
        <section class="card qr-card">
            <p>{t!(i18n, qr.offline_intro)}</p>
            <OfflineCode
                alt=t_string!(i18n, qr.image_alt).to_owned()
                opening=t_string!(i18n, qr.offline_opening).to_owned()
                words=words
            />
            <crate::shell::IslandScripts />
            <div class="live-bar" aria-hidden="true"><span></span></div>
            <p class="hint">{t!(i18n, qr.offline_rotates)}</p>
        </section>
        <p>
            <a href="/me/qr" rel="external">{t!(i18n, qr.offline_online)}</a>
        </p>
    }
}

/// The code of the current window from the batch kept on the phone, drawn again every 10 seconds (a window lasts
/// half an hour), or why there is none. Whatever is under the key, damaged or foreign, reads as "none".
#[island]
fn OfflineCode(alt: String, opening: String, words: OfflineWords) -> impl IntoView {
    let drawn = RwSignal::new(None::<String>);
    let note = RwSignal::new(opening);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            let words = words.clone();
            let show = move || {
                let (svg, text) = phone::kept_now(&words);
                drawn.set(svg);
                note.set(text);
            };
            show();
            let every = StoredValue::new_local(Some(gloo_timers::callback::Interval::new(10_000, show)));
            // dropping the interval stops it
            on_cleanup(move || every.update_value(|interval| *interval = None));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &words;
    });
    view! {
        <div
            class="qr__img qr__drawn"
            role="img"
            aria-label=alt
            data-testid="citizen-qr"
            hidden=move || drawn.with(Option::is_none)
            inner_html=move || drawn.get().unwrap_or_default()
        ></div>
        <p class="meta" data-testid="qr-offline-note">{move || note.get()}</p>
    }
}

/// The phone's side of the offline batch: its storage, the network and its clock (browser only).
#[cfg(feature = "hydrate")]
mod phone {
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    use super::OfflineWords;
    use crate::qr::Preset;
    use crate::qr::batch::{Batch, Kept, STORAGE_KEY};

    pub fn unix_now() -> i64 {
        (js_sys::Date::now() / 1000.0).floor() as i64
    }

    /// localStorage, when the browser lets the page have it (a private mode or a setting may not). Not gloo-storage:
    /// its `LocalStorage` throws when there is none, and it keeps values as JSON, where the batch is kept as its
    /// own text.
    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok().flatten()
    }

    fn kept() -> Option<String> {
        storage()?.get_item(STORAGE_KEY).ok().flatten()
    }

    /// Keeps the day's batch for `preset` (fetched again when the kept one is for another preset or too old), and
    /// answers for how many whole hours it has codes; nothing when it could not be kept.
    pub async fn keep_fresh(preset: Preset) -> Option<i64> {
        let storage = storage()?;
        let now = unix_now();
        let have = storage.get_item(STORAGE_KEY).ok().flatten();
        if let Some(batch) = have.as_deref().and_then(Batch::parse).filter(|b| b.fresh_for(preset, now)) {
            return batch.hours_left(now);
        }
        let text = fetch_text(&format!("/me/qr/batch.txt?preset={}", preset.as_str())).await?;
        // a sign-in page (the session ended) or a damaged answer is not kept
        let batch = Batch::parse(&text)?;
        storage.set_item(STORAGE_KEY, &text).ok()?;
        batch.hours_left(unix_now())
    }

    /// A same-origin GET with the session cookie (fetch's default credentials); the body when the answer is 2xx.
    async fn fetch_text(url: &str) -> Option<String> {
        let response = JsFuture::from(web_sys::window()?.fetch_with_str(url)).await.ok()?;
        let response: web_sys::Response = response.dyn_into().ok()?;
        if !response.ok() {
            return None;
        }
        JsFuture::from(response.text().ok()?).await.ok()?.as_string()
    }

    /// What the offline page shows now: the drawn code (none to hide it) and the note under it.
    pub fn kept_now(words: &OfflineWords) -> (Option<String>, String) {
        match Kept::at(kept().as_deref(), unix_now()) {
            Kept::Nothing => (None, words.none.clone()),
            Kept::Ended => (None, words.ended.clone()),
            Kept::Current { preset, until, svg } => {
                let name = words.presets.iter().find(|(p, _)| *p == preset).map_or("", |(_, name)| name.as_str());
                (Some(svg), words.until.replace("{preset}", name).replace("{time}", &local_time(until)))
            }
        }
    }

    /// "HH:MM" in the phone's own time zone.
    fn local_time(at: i64) -> String {
        let date = js_sys::Date::new(&JsValue::from_f64(at as f64 * 1000.0));
        format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
    }
}

fn reason_text(i18n: leptos_i18n::I18nContext<Locale>, reason: Option<Reason>, card: bool) -> &'static str {
    match reason {
        Some(Reason::Revoked) if card => t_string!(i18n, counter.reason_card_revoked),
        Some(Reason::Expired) => t_string!(i18n, counter.reason_expired),
        Some(Reason::NotYetValid) => t_string!(i18n, counter.reason_not_yet),
        Some(Reason::BadSignature) => t_string!(i18n, counter.reason_signature),
        Some(Reason::UnknownKey) => t_string!(i18n, counter.reason_key),
        Some(Reason::Revoked) => t_string!(i18n, counter.reason_revoked),
        Some(Reason::UnknownCitizen) => t_string!(i18n, counter.reason_citizen),
        Some(Reason::Malformed) | None => t_string!(i18n, counter.reason_malformed),
    }
}

pub fn purpose_name(i18n: leptos_i18n::I18nContext<Locale>, purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::Identity => t_string!(i18n, counter.purpose_identity),
        Purpose::Age => t_string!(i18n, counter.purpose_age),
        Purpose::Entry => t_string!(i18n, counter.purpose_entry),
        Purpose::Service => t_string!(i18n, counter.purpose_service),
    }
}

/// "In: Tòa nhà A" / "Out: Tòa nhà A".
fn passage_text(i18n: leptos_i18n::I18nContext<Locale>, place: &str, direction: Direction) -> String {
    let template = match direction {
        Direction::In => t_string!(i18n, counter.passage_in),
        Direction::Out => t_string!(i18n, counter.passage_out),
    };
    template.replace("{place}", place)
}

/// The verdict, big and unambiguous: green with what the citizen disclosed, or red with the reason.
fn outcome_view(i18n: leptos_i18n::I18nContext<Locale>, outcome: CounterOutcome) -> impl IntoView {
    if !outcome.valid {
        return view! {
            <section class="verdict verdict--bad" role="alert" data-testid="verdict">
                <p class="verdict__title">"✗ " {t!(i18n, counter.invalid)}</p>
                <p>{reason_text(i18n, outcome.reason, outcome.card)}</p>
            </section>
        }
        .into_any();
    }
    let card = outcome.card;
    let passage = outcome.passage;
    let claims = outcome.claims.unwrap_or_default();
    let level = if outcome.level == Some(2) { t_string!(i18n, me.level_2) } else { t_string!(i18n, me.level_1) };
    let sex = claims.sex.as_deref().map(|s| if s == "male" { t_string!(i18n, auth.sex_male) } else { t_string!(i18n, auth.sex_female) });
    let birth = claims.birth_date.as_deref().and_then(crate::identity::domain::Date::parse_iso).map(|d| d.dmy());
    let adult = claims.over_18.map(|a| if a { t_string!(i18n, counter.adult_yes) } else { t_string!(i18n, counter.adult_no) });
    view! {
        <section class="verdict verdict--ok" role="status" data-testid="verdict">
            <p class="verdict__title">"✓ " {t!(i18n, counter.valid)}</p>
            <p class="badge">{level}</p>
            {card.then(|| view! { <p>{t!(i18n, counter.card)}</p> })}
            {passage.map(|(place, direction)| view! { <p class="verdict__passage">{passage_text(i18n, &place, direction)}</p> })}
            <dl class="facts">
                {claims.full_name.map(|n| view! { <dt>{t!(i18n, counter.claim_name)}</dt> <dd>{n}</dd> })}
                {claims.birth_year.map(|y| view! { <dt>{t!(i18n, counter.claim_year)}</dt> <dd>{y}</dd> })}
                {birth.map(|b| view! { <dt>{t!(i18n, me.birth_date)}</dt> <dd>{b}</dd> })}
                {sex.map(|s| view! { <dt>{t!(i18n, auth.sex_label)}</dt> <dd>{s}</dd> })}
                {claims.citizen_id.map(|c| view! { <dt>{t!(i18n, me.citizen_id)}</dt> <dd>{c}</dd> })}
                {adult.map(|a| view! { <dt>{t!(i18n, counter.claim_adult)}</dt> <dd>{a}</dd> })}
            </dl>
        </section>
    }
    .into_any()
}

/// `/counter/scan` (staff with the service-operator role): loads its data through
/// [`counter_page`](super::pages::counter_page) before it answers. Its check form is an island
/// ([`CounterCheck`]): the camera, and the check with no network.
#[component]
pub fn CounterPage() -> impl IntoView {
    view! {
        {crate::shell::loaded((), |_| super::pages::counter_page(), counter_view)}
        <crate::shell::IslandScripts staff=true />
    }
}

fn counter_view(state: CounterPageData) -> impl IntoView {
    let i18n = use_i18n();
    let problem = state.problem.map(|p| match p {
        CounterProblem::Nothing => t_string!(i18n, counter.problem_nothing),
        CounterProblem::NotAPicture => t_string!(i18n, counter.problem_picture),
        CounterProblem::NoCode => t_string!(i18n, counter.problem_no_code),
        CounterProblem::PhotoNotSent => t_string!(i18n, counter.problem_photo_not_sent),
    });
    let chosen_purpose = state.purpose.unwrap_or(Purpose::Identity);
    let chosen_direction = state.direction.unwrap_or(Direction::In);
    let place_notice = state.place_notice.map(|n| match n {
        PlaceNotice::Added => (t_string!(i18n, counter.place_added), false),
        PlaceNotice::NameInvalid => (t_string!(i18n, counter.place_name_invalid), true),
        PlaceNotice::NameTaken => (t_string!(i18n, counter.place_name_taken), true),
    });
    let organization_options = |chosen: &str| {
        state
            .organizations
            .iter()
            .map(|(id, name)| view! { <option value=id.clone() selected=id == chosen>{name.clone()}</option> })
            .collect_view()
    };
    let place_fields = (!state.places.is_empty()).then(|| {
        view! {
            <div class="field">
                <label for="place">{t!(i18n, counter.place_label)}</label>
                <select id="place" name="place">
                    <option value="">{t!(i18n, counter.place_none)}</option>
                    {state
                        .places
                        .iter()
                        .map(|(id, label)| view! { <option value=id.clone() selected=*id == state.place>{label.clone()}</option> })
                        .collect_view()}
                </select>
            </div>
            <fieldset class="field">
                <legend>{t!(i18n, counter.direction_label)}</legend>
                <div class="choices">
                    <label class="choice">
                        <input type="radio" name="direction" value="in" checked=chosen_direction == Direction::In />
                        {t!(i18n, counter.direction_in)}
                    </label>
                    <label class="choice">
                        <input type="radio" name="direction" value="out" checked=chosen_direction == Direction::Out />
                        {t!(i18n, counter.direction_out)}
                    </label>
                </div>
            </fieldset>
        }
    });
    // One form, two buttons: the photo goes (multipart) to the server, which reads it; the pasted code (or the one
    // the camera read, which the island sends itself) goes to the form's server function. The island
    // `CounterCheck` (the camera, and the check with no network) is around the form.
    let check_fields = view! {
        <div class="field">
            <label for="photo">{t!(i18n, counter.photo_label)}</label>
            <span class="hint" id="photo-hint">{t!(i18n, counter.photo_hint)}</span>
            {crate::shell::file_input("photo", "photo", "image/png,image/jpeg", true, Some("photo-hint"))}
        </div>
        <div class="field">
            <label for="token">{t!(i18n, counter.token_label)}</label>
            <textarea id="token" name="token" rows="3" autocomplete="off" spellcheck="false">{state.typed.clone()}</textarea>
        </div>
        <div class="field">
            <label for="purpose">{t!(i18n, counter.purpose_label)}</label>
            <select id="purpose" name="purpose">
                {Purpose::ALL
                    .into_iter()
                    .map(|p| view! { <option value=p.as_str() selected=p == chosen_purpose>{purpose_name(i18n, p)}</option> })
                    .collect_view()}
            </select>
        </div>
        <div class="field">
            <label for="organization">{t!(i18n, counter.org_label)}</label>
            <select id="organization" name="organization">{organization_options(state.organization.as_str())}</select>
        </div>
        {place_fields}
        <div class="actions">
            <button type="submit" class="button" formaction=PHOTO_CHECK formenctype="multipart/form-data" formnovalidate>
                {t!(i18n, counter.check_photo_button)}
            </button>
            <button type="submit" class="button button--secondary">{t!(i18n, counter.check_text_button)}</button>
        </div>
    };
    let places_form = view! {
        <h2>{t!(i18n, counter.places_title)}</h2>
        <p>{t!(i18n, counter.places_intro)}</p>
        {place_notice.map(|(text, error)| crate::shell::notice(text, error))}
        <ul class="plain-list" data-testid="places">
            {state.places.iter().map(|(_, label)| view! { <li>{label.clone()}</li> }).collect_view()}
        </ul>
        <div class="field">
            <label for="place_name">{t!(i18n, counter.place_name_label)}</label>
            <input id="place_name" name="name" type="text" maxlength="100" value=state.place_typed.clone() autocomplete="off" />
        </div>
        <div class="field">
            <label for="place_organization">{t!(i18n, counter.place_org_label)}</label>
            <select id="place_organization" name="organization">{organization_options(state.organization.as_str())}</select>
        </div>
        <button type="submit" class="button button--secondary">{t!(i18n, counter.place_add)}</button>
    };
    view! {
        <h1>{t!(i18n, counter.title)}</h1>
        {state.outcome.map(|o| outcome_view(i18n, o))}
        {problem.map(|p| view! { <div class="notice notice--error" role="alert">{p}</div> })}
        {state.failed.then(|| view! { <ErrorNotice /> })}
        <CounterCheck words=CounterWords::new(i18n)>
            <ActionForm action={ServerAction::<CheckCode>::new()} attr:id="counter-form" attr:novalidate=true>
                {check_fields}
            </ActionForm>
        </CounterCheck>
        <p class="hint">{t!(i18n, counter.privacy)}</p>
        <ActionForm action={ServerAction::<AddPlace>::new()} attr:id="places" attr:class="card" attr:novalidate=true>
            {places_form}
        </ActionForm>
    }
}

/// Where the counter form's photo button sends the picture (multipart; the server reads the QR code in it).
const PHOTO_CHECK: &str = "/counter/scan/photo";

/// Who checked my QR code: when, which organization (or a system through the API), why, and what it showed.
/// Loads its data through [`qr_checks`](super::pages::qr_checks) before it answers.
#[component]
pub fn ChecksPage() -> impl IntoView {
    crate::shell::loaded((), |_| super::pages::qr_checks(), checks_view)
}

fn checks_view(state: ChecksPageData) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h1>{t!(i18n, qr.checks_title)}</h1>
        <p>{t!(i18n, qr.checks_intro)}</p>
        {state.checks.is_empty().then(|| view! { <p class="notice notice--info">{t!(i18n, qr.checks_empty)}</p> })}
        <ul class="unit-list" data-testid="checks">
            {state
                .checks
                .into_iter()
                .map(|c| {
                    let who = c.organization.unwrap_or_else(|| t_string!(i18n, qr.checks_api).to_owned());
                    let why = match &c.passage {
                        Some((place, direction)) => Some(passage_text(i18n, place, *direction)),
                        None => c.purpose.map(|p| purpose_name(i18n, p).to_owned()),
                    };
                    let shown = if c.card { Some(t_string!(i18n, qr.checks_card)) } else { c.preset.map(|p| preset_name(i18n, p)) };
                    let result = if c.valid { t_string!(i18n, counter.valid) } else { reason_text(i18n, c.reason, c.card) };
                    view! {
                        <li>
                            <span>
                                <strong>{who}</strong>
                                {why.map(|w| format!(" · {w}"))}
                                <br />
                                <span class="meta">{c.at} {shown.map(|s| format!(" · {s}"))}</span>
                                <br />
                                <span class="meta" class:error=!c.valid>{result}</span>
                            </span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        <p>
            <a href="/me/qr">{t!(i18n, qr.back)}</a>
        </p>
    }
}

/// The printed card (/me/qr/card): a print view of an ID-card-sized card, and the actions to revoke or reissue it.
/// Loads its data through [`qr_card`](super::pages::qr_card) before it answers.
#[component]
pub fn CardPage() -> impl IntoView {
    crate::shell::loaded((), |_| super::pages::qr_card(), card_view)
}

fn card_view(state: CardPageData) -> impl IntoView {
    let i18n = use_i18n();
    let notice = state.notice.map(|n| match n {
        CardNotice::Issued => t_string!(i18n, qr.card_issued),
        CardNotice::Revoked => t_string!(i18n, qr.card_revoked),
    });
    let body = match state.card {
        Some(card) => {
            let number = card.number;
            let date = card.issued_on.clone();
            view! {
                <section class="print-card" data-testid="print-card" aria-label=t_string!(i18n, qr.card_title)>
                    <p class="print-card__brand">{t!(i18n, qr.card_brand)}</p>
                    <div class="print-card__body">
                        <div class="print-card__qr" role="img" aria-label=t_string!(i18n, qr.card_qr_alt) data-testid="card-qr" inner_html=card.qr_svg></div>
                        <div>
                            <p class="print-card__name">{card.full_name}</p>
                            <p class="print-card__code">{card.code}</p>
                            <p class="print-card__meta">{t!(i18n, qr.card_meta, number = move || number, date = move || date.clone())}</p>
                        </div>
                    </div>
                </section>
                <div class="no-print">
                    <p>
                        <button type="button" class="button button--wide" onclick="window.print()">{t!(i18n, qr.card_print)}</button>
                    </p>
                    <p class="hint">{t!(i18n, qr.card_print_hint)}</p>
                    <ActionForm action={ServerAction::<RevokeCard>::new()} attr:class="card">
                        <h2>{t!(i18n, qr.card_lost_title)}</h2>
                        <p>{t!(i18n, qr.card_lost_body)}</p>
                        <button type="submit" class="button button--danger">{t!(i18n, qr.card_revoke)}</button>
                    </ActionForm>
                    <ActionForm action={ServerAction::<IssueCard>::new()} attr:class="form-after">
                        <button type="submit" class="button button--secondary">{t!(i18n, qr.card_reissue)}</button>
                    </ActionForm>
                </div>
            }
            .into_any()
        }
        None => {
            let revoked = state.revoked;
            view! {
                {match revoked {
                    Some(number) => view! { <p class="notice notice--info">{t!(i18n, qr.card_was_revoked, number = move || number)}</p> }.into_any(),
                    None => view! { <p>{t!(i18n, qr.card_none)}</p> }.into_any(),
                }}
                <ActionForm action={ServerAction::<IssueCard>::new()}>
                    <button type="submit" class="button button--wide">{t!(i18n, qr.card_issue)}</button>
                </ActionForm>
            }
            .into_any()
        }
    };
    view! {
        <h1 class="no-print">{t!(i18n, qr.card_title)}</h1>
        {notice.map(|n| view! { <p class="notice notice--info no-print" role="status">{n}</p> })}
        {state.failed.then(|| view! { <ErrorNotice /> })}
        <p class="no-print">{t!(i18n, qr.card_intro)}</p>
        {body}
        <p class="no-print">
            <a href="/me/qr">{t!(i18n, qr.back)}</a>
        </p>
    }
}
