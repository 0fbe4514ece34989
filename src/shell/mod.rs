//! Pages of the shell itself: home, the area overviews, not found, offline.
use leptos::prelude::*;
use leptos_router::components::A;

use crate::web::Refusal;
use crate::web::reply::{redirect_page, set_status};
use crate::i18n::*;

/// The areas of the platform, one per kind of user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    Citizen,
    Team,
    Ward,
    City,
    Counter,
}

impl Area {
    pub const ALL: [Area; 5] = [Area::Citizen, Area::Team, Area::Ward, Area::City, Area::Counter];

    pub fn path(self) -> &'static str {
        match self {
            Area::Citizen => "/citizen",
            Area::Team => "/team",
            Area::Ward => "/ward",
            Area::City => "/city",
            Area::Counter => "/counter",
        }
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="hero" aria-labelledby="home-title">
            <h1 id="home-title">{t!(i18n, home.title)}</h1>
            <p class="lead">{t!(i18n, home.lead)}</p>
            <div class="actions">
                <a href="/signup" class="button">{t!(i18n, home.start)}</a>
                <a href="/signin" class="button button--secondary">{t!(i18n, home.signin)}</a>
            </div>
        </section>
        <h2>{t!(i18n, home.features_title)}</h2>
        <ul class="cards">
            <li class="card">
                <h3>{t!(i18n, home.f_declare_title)}</h3>
                <p>{t!(i18n, home.f_declare_body)}</p>
            </li>
            <li class="card">
                <h3>{t!(i18n, home.f_qr_title)}</h3>
                <p>{t!(i18n, home.f_qr_body)}</p>
            </li>
            <li class="card">
                <h3>{t!(i18n, home.f_consent_title)}</h3>
                <p>{t!(i18n, home.f_consent_body)}</p>
            </li>
            <li class="card">
                <h3>{t!(i18n, home.f_family_title)}</h3>
                <p>{t!(i18n, home.f_family_body)}</p>
            </li>
        </ul>
        <section class="card" aria-labelledby="steps-title">
            <h2 id="steps-title">{t!(i18n, home.steps_title)}</h2>
            <ol class="steps">
                <li>{t!(i18n, home.step_1)}</li>
                <li>{t!(i18n, home.step_2)}</li>
                <li>{t!(i18n, home.step_3)}</li>
            </ol>
        </section>
        <section class="notice notice--info" aria-labelledby="help-title">
            <h2 id="help-title">{t!(i18n, home.help_title)}</h2>
            <p>{t!(i18n, home.help_body)}</p>
            <p>{t!(i18n, home.install_hint)}</p>
        </section>
    }
}

/// What an area will offer, until its slice lands (each line names a function that is built in its own issue).
#[component]
pub fn AreaPage(area: Area) -> impl IntoView {
    let i18n = use_i18n();
    // Plain strings (not per-key views) keep the WASM small: one text type for every area.
    let text = move || match area {
        Area::Citizen => (
            t_string!(i18n, area.citizen_title),
            vec![
                t_string!(i18n, area.citizen_1),
                t_string!(i18n, area.citizen_2),
                t_string!(i18n, area.citizen_3),
                t_string!(i18n, area.citizen_4),
            ],
        ),
        Area::Team => (
            t_string!(i18n, area.team_title),
            vec![t_string!(i18n, area.team_1), t_string!(i18n, area.team_2), t_string!(i18n, area.team_3)],
        ),
        Area::Ward => (
            t_string!(i18n, area.ward_title),
            vec![t_string!(i18n, area.ward_1), t_string!(i18n, area.ward_2), t_string!(i18n, area.ward_3)],
        ),
        Area::City => (
            t_string!(i18n, area.city_title),
            vec![t_string!(i18n, area.city_1), t_string!(i18n, area.city_2), t_string!(i18n, area.city_3)],
        ),
        Area::Counter => (
            t_string!(i18n, area.counter_title),
            vec![t_string!(i18n, area.counter_1), t_string!(i18n, area.counter_2), t_string!(i18n, area.counter_3)],
        ),
    };
    view! {
        <h1>{move || text().0}</h1>
        {(area == Area::Citizen)
            .then(|| {
                view! {
                    <div class="actions">
                        <a href="/signup" class="button">{t!(i18n, home.start)}</a>
                        <a href="/signin" class="button button--secondary">{t!(i18n, home.signin)}</a>
                    </div>
                }
            })}
        {(area == Area::Counter)
            .then(|| {
                view! {
                    <div class="actions">
                        <a href="/counter/scan" class="button">{t!(i18n, counter.open)}</a>
                        <a href="/org" class="button button--secondary">{t!(i18n, counter.enrol_link)}</a>
                    </div>
                }
            })}
        {(area == Area::Team)
            .then(|| {
                view! {
                    <div class="actions">
                        <a href="/team/register" class="button">{t!(i18n, team.register_title)}</a>
                        <a href="/team/work" class="button button--secondary">{t!(i18n, team.work_title)}</a>
                        <a href="/team/help" class="button button--secondary">{t!(i18n, team.help_title)}</a>
                    </div>
                }
            })}
        {matches!(area, Area::Ward | Area::City)
            .then(|| {
                view! {
                    <div class="actions">
                        <a href="/admin" class="button">{t!(i18n, admin.title)}</a>
                        <a href="/team/work" class="button button--secondary">{t!(i18n, team.work_title)}</a>
                    </div>
                }
            })}
        // the citizen's, the counter's and the teams' functions are built; the others still grow issue by issue
        {(!matches!(area, Area::Citizen | Area::Counter | Area::Team))
            .then(|| view! { <p class="notice notice--info">{t!(i18n, area.coming)}</p> })}
        <ul class="cards">
            {move || text().1.into_iter().map(|item| view! { <li class="card">{item}</li> }).collect_view()}
        </ul>
        <p>
            <A href="/">{t!(i18n, area.back_home)}</A>
        </p>
    }
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    let i18n = use_i18n();
    set_status(404);
    view! {
        <section class="status-page">
            <p class="big" aria-hidden="true">"404"</p>
            <h1>{t!(i18n, not_found.title)}</h1>
            <p>{t!(i18n, not_found.body)}</p>
            <A href="/" attr:class="button">{t!(i18n, not_found.home)}</A>
        </section>
    }
}

/// A signed-in person without the role (or the scope) for what they asked: 403, and a way back.
#[component]
pub fn ForbiddenPage() -> impl IntoView {
    let i18n = use_i18n();
    set_status(403);
    view! {
        <section class="status-page">
            <p class="big" aria-hidden="true">"403"</p>
            <h1>{t!(i18n, forbidden.title)}</h1>
            <p>{t!(i18n, forbidden.body)}</p>
            <a href="/me" class="button">{t!(i18n, forbidden.back)}</a>
        </section>
    }
}

/// A page this caller may not see as asked: sent to sign in (or to the second factor), or the 403, 404 or error
/// page with its status. What a page renders when its data function refused.
#[component]
pub fn RefusedPage(refusal: Refusal) -> impl IntoView {
    if let Some(page) = refusal.page().filter(|_| refusal != Refusal::Forbidden) {
        redirect_page(page);
        return ().into_any();
    }
    match refusal {
        Refusal::Forbidden => view! { <ForbiddenPage /> }.into_any(),
        Refusal::NotFound => view! { <NotFoundPage /> }.into_any(),
        _ => {
            set_status(refusal.status());
            view! { <ErrorNotice /> }.into_any()
        }
    }
}

/// A page whose data a server function loads before the response is sent (a blocking resource: the HTML is
/// complete without the WASM). `show` draws the data; a refusal draws its page (sign in, 403, 404, an error).
pub fn loaded<S, T, Fut, V>(source: S, load: impl Fn(S) -> Fut + Send + Sync + 'static, show: fn(T) -> V) -> impl IntoView
where
    S: Clone + PartialEq + Send + Sync + 'static,
    T: Clone + serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<T, Refusal>> + Send + 'static,
    V: IntoView + 'static,
{
    let data = Resource::new_blocking(move || source.clone(), load);
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => show(page).into_any(),
                    Err(refusal) => view! { <RefusedPage refusal /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// [`loaded`] for a page whose content has islands: with the scripts that wake them ([`IslandScripts`]).
pub fn loaded_with_islands<S, T, Fut, V>(
    source: S,
    load: impl Fn(S) -> Fut + Send + Sync + 'static,
    show: fn(T) -> V,
) -> impl IntoView
where
    S: Clone + PartialEq + Send + Sync + 'static,
    T: Clone + serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<T, Refusal>> + Send + 'static,
    V: IntoView + 'static,
{
    view! {
        {loaded(source, load, show)}
        <IslandScripts />
    }
}

/// Shown by the service worker when there is no network (precached with the build's assets).
#[component]
pub fn OfflinePage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="status-page" data-testid="offline-page">
            <h1>{t!(i18n, offline.title)}</h1>
            <p>{t!(i18n, offline.body)}</p>
            // A plain link: reloading the current address works before and without the WASM.
            <a class="button" href="/" rel="external">{t!(i18n, offline.retry)}</a>
            <p>
                <a href="/offline/qr" rel="external">{t!(i18n, offline.qr_link)}</a>
            </p>
        </section>
    }
}

/// The notice after an action: information (announced politely) or an error (red, announced at once).
pub fn notice(text: impl IntoView + 'static, error: bool) -> impl IntoView {
    view! {
        <div class="notice" class:notice--error=error class:notice--info=!error role=if error { "alert" } else { "status" }>
            {text}
        </div>
    }
}

/// A labelled input with its hint and its error, wired for screen readers.
pub struct Input {
    pub id: &'static str,
    pub label: &'static str,
    pub hint: Option<&'static str>,
    pub value: String,
    pub error: Option<&'static str>,
    pub input_type: &'static str,
    pub autocomplete: &'static str,
    pub inputmode: Option<&'static str>,
    pub required: bool,
}

pub fn input(field: Input) -> impl IntoView {
    let Input { id, label, hint, value, error, input_type, autocomplete, inputmode, required } = field;
    let described = match (hint.is_some(), error.is_some()) {
        (true, true) => Some(format!("{id}-hint {id}-error")),
        (true, false) => Some(format!("{id}-hint")),
        (false, true) => Some(format!("{id}-error")),
        (false, false) => None,
    };
    view! {
        <div class="field" class:field--error=error.is_some()>
            <label for=id>{label}</label>
            {hint.map(|h| view! { <span class="hint" id=format!("{id}-hint")>{h}</span> })}
            {error.map(|e| view! { <span class="error" id=format!("{id}-error")>{e}</span> })}
            <input
                id=id
                name=id
                type=input_type
                value=value
                autocomplete=autocomplete
                inputmode=inputmode
                aria-describedby=described
                aria-invalid=error.map(|_| "true")
                required=required
            />
        </div>
    }
}

/// A one-time code field (six digits; phones offer the code from the SMS).
pub fn code_input(id: &'static str, label: &'static str, hint: Option<&'static str>) -> impl IntoView {
    input(Input {
        id,
        label,
        hint,
        value: String::new(),
        error: None,
        input_type: "text",
        autocomplete: "one-time-code",
        inputmode: Some("numeric"),
        required: true,
    })
}

/// An optional free-text field that is never wrong (a note, a street).
pub fn optional_text(id: &'static str, label: &'static str, hint: Option<&'static str>, value: String) -> impl IntoView {
    input(Input {
        id,
        label,
        hint,
        value,
        error: None,
        input_type: "text",
        autocomplete: "off",
        inputmode: None,
        required: false,
    })
}

/// A file input in the page's language. The browser draws its own button and "no file chosen" text in the
/// browser's language (English on many phones), so the native input lies transparent over our button and state
/// text; it stays the control that is clicked, focused and named (by the field's `<label for>`). CSS switches the
/// state with `:valid`: the input is `required`, so it is valid once it holds a file. Forms using it are
/// `novalidate`: the server names a missing file in the page's language.
pub fn file_input(id: &'static str, name: &'static str, accept: &'static str, photo: bool, described_by: Option<&'static str>) -> impl IntoView {
    let i18n = use_i18n();
    let button = if photo { t_string!(i18n, file_photo) } else { t_string!(i18n, file_choose) };
    view! {
        <span class="file">
            <input
                id=id
                name=name
                type="file"
                class="file__input"
                accept=accept
                capture=photo.then_some("environment")
                required=true
                aria-describedby=described_by
            />
            <span class="file__button" aria-hidden="true">{button}</span>
            <span class="file__none" aria-hidden="true">{t!(i18n, file_none)}</span>
            <span class="file__chosen" aria-hidden="true">{t!(i18n, file_chosen)}</span>
        </span>
    }
}

/// Error boundary fallback: a plain message, never the error's internals.
#[component]
pub fn ErrorNotice() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="notice notice--error" role="alert">
            <strong>{t!(i18n, error.title)}</strong>
            <p>{t!(i18n, error.body)}</p>
        </div>
    }
}

/// Whether this response already carries the scripts that wake its islands (one per request, in its context).
#[derive(Clone, Default)]
pub struct IslandScriptsSent(std::sync::Arc<std::sync::atomic::AtomicBool>);

/// The scripts that load the WASM and wake the page's islands: a page with islands renders it once, in its page
/// component (for a page that loads its data, [`loaded_with_islands`]). Never inside a `Suspense`: the server may
/// build its content more than once and render only the last (leptos-rs/leptos#4688), and only the first one built
/// in a response renders the scripts. A page without islands downloads no WASM at all.
///
/// There are two builds of the WASM: the citizen one (feature `hydrate`: every island a citizen's page has) and the
/// staff one (feature `staff`: those and the islands of the counter and of the team's registration queue, with
/// IndexedDB and Ed25519), so a citizen never downloads the staff pages' code. `staff` picks the second.
#[component]
pub fn IslandScripts(#[prop(optional)] staff: bool) -> impl IntoView {
    let first = use_context::<IslandScriptsSent>()
        .is_some_and(|sent| !sent.0.swap(true, std::sync::atomic::Ordering::Relaxed));
    let options = use_context::<leptos::config::LeptosOptions>().filter(|_| first);
    #[cfg(feature = "ssr")]
    let options = options.map(|options| if staff { staff_options(options) } else { options });
    #[cfg(not(feature = "ssr"))]
    let _ = staff;
    options.map(|options| view! { <HydrationScripts options islands=true /> })
}

/// The options [`leptos::prelude::HydrationScripts`] reads, naming the staff build's files (read from the hash file
/// with the service worker's, `pwa::ServiceWorker::staff_build`; their names carry their hash already, so no second
/// hash is appended). Without a staff build, the citizen one.
#[cfg(feature = "ssr")]
fn staff_options(mut options: leptos::config::LeptosOptions) -> leptos::config::LeptosOptions {
    let name = use_context::<crate::web::AppState>().and_then(|state| state.service_worker.staff_build.clone());
    if let Some(name) = name {
        options.output_name = std::sync::Arc::from(name);
        options.hash_files = false;
    }
    options
}
