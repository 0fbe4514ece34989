//! The application shell: document head, layout, navigation, language switch and the route table.
use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, Html, Meta, MetaTags, Title};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::{SsrMode, path};

use crate::i18n::*;
use crate::access::ui::AdminPage;
use crate::qr::ui::{CardPage, ChecksPage, CounterPage, OfflineQrPage, QrPage};
use crate::identity::ui::{
    ConsentPage, MePage, OutboxPage, SecondFactorPage, SecurityPage, SessionsPage, SignInPage, SignUpPage, VerifyPage,
};
use crate::family::ui::FamilyPage;
use crate::privacy::ui::PrivacyPage;
use crate::profile::ui::ProfilePage;
use crate::vault::ui::{DocumentPage, DocumentsPage};
use crate::shell::{Area, AreaPage, ErrorNotice, ForbiddenPage, HomePage, NotFoundPage, OfflinePage};
use crate::units::ui::UnitsPage;

pub use crate::web::SiteInfo;

/// The HTML document around the app (server only: the browser hydrates `<body>`).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // Outside islands nothing is hydrated: no hydration markers in the HTML. (`HydrationScripts` says so when it is
    // in the head; here it is rendered only by pages that have islands, see `shell::IslandScripts`.)
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    provide_context(options.clone());
    provide_context(crate::shell::IslandScriptsSent::default());
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover" />
                <meta name="theme-color" content="#0b4f9c" />
                <link rel="manifest" href="/manifest.webmanifest" />
                <link rel="icon" type="image/png" sizes="192x192" href="/icons/icon-192.png" />
                <link rel="apple-touch-icon" href="/icons/apple-touch-icon.png" />
                <HashedStylesheet options=options.clone() id="leptos" />
                <script inner_html=SW_REGISTRATION></script>
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Registers the service worker without waiting for the WASM (it must work on pages that never hydrate).
const SW_REGISTRATION: &str = "if('serviceWorker' in navigator){addEventListener('load',function(){navigator.serviceWorker.register('/sw.js').catch(function(){})})}";

#[component]
pub fn App() -> impl IntoView {
    // lang/dir are set by Layout with plain values (see there), not by the provider's reactive attributes.
    view! {
        <I18nContextProvider set_lang_attr_on_html=false set_dir_attr_on_html=false>
            <Layout />
        </I18nContextProvider>
    }
}

#[component]
fn Layout() -> impl IntoView {
    let i18n = use_i18n();
    let site = use_context::<SiteInfo>().unwrap_or_default();
    // Head values are plain strings, read once: leptos_axum renders the head after the page's reactive owner
    // may have moved to another thread, and a reactive read there panics (seen under load).
    let locale = i18n.get_locale_untracked();
    view! {
        <Html attr:lang=locale.as_str() attr:dir="ltr" />
        <Title text=td_string!(locale, app_name) />
        <Meta name="description" content=td_string!(locale, meta_description) />
        <Router>
            <a class="skip-link" href="#main">{t!(i18n, skip_to_content)}</a>
            <Show when=move || site.dev>
                <p class="dev-banner" role="note">
                    {t!(i18n, dev_banner)} " " <a href="/dev/outbox" rel="external">{t!(i18n, dev_outbox)}</a> "."
                </p>
            </Show>
            <ForgetOnSignOut />
            <Header />
            <main id="main" tabindex="-1">
                <ErrorBoundary fallback=|_| view! { <ErrorNotice /> }>
                <Routes fallback=NotFoundPage>
                    <Route path=path!("") view=HomePage />
                    <Route path=path!("citizen") view=|| view! { <AreaPage area=Area::Citizen /> } />
                    <Route path=path!("team") view=|| view! { <AreaPage area=Area::Team /> } />
                    <Route path=path!("ward") view=|| view! { <AreaPage area=Area::Ward /> } />
                    <Route path=path!("city") view=|| view! { <AreaPage area=Area::City /> } />
                    <Route path=path!("counter") view=|| view! { <AreaPage area=Area::Counter /> } />
                    <Route path=path!("units") view=UnitsPage />
                    <Route path=path!("signup") view=SignUpPage ssr=SsrMode::Async />
                    <Route path=path!("signup/consent") view=ConsentPage ssr=SsrMode::Async />
                    <Route path=path!("signin") view=SignInPage ssr=SsrMode::Async />
                    <Route path=path!("verify") view=VerifyPage ssr=SsrMode::Async />
                    <Route path=path!("me") view=MePage ssr=SsrMode::Async />
                    <Route path=path!("me/sessions") view=SessionsPage ssr=SsrMode::Async />
                    <Route path=path!("me/security") view=SecurityPage ssr=SsrMode::Async />
                    <Route path=path!("me/qr") view=QrPage ssr=SsrMode::Async />
                    <Route path=path!("me/qr/checks") view=ChecksPage ssr=SsrMode::Async />
                    <Route path=path!("me/qr/card") view=CardPage ssr=SsrMode::Async />
                    <Route path=path!("me/profile") view=ProfilePage ssr=SsrMode::Async />
                    <Route path=path!("me/family") view=FamilyPage ssr=SsrMode::Async />
                    <Route path=path!("me/documents") view=DocumentsPage ssr=SsrMode::Async />
                    <Route path=path!("me/documents/:id") view=DocumentPage ssr=SsrMode::Async />
                    <Route path=path!("me/privacy") view=PrivacyPage ssr=SsrMode::Async />
                    <Route path=path!("counter/scan") view=CounterPage ssr=SsrMode::Async />
                    <Route path=path!("signin/second-factor") view=SecondFactorPage ssr=SsrMode::Async />
                    <Route path=path!("team/register") view=crate::teams::ui::AssistPage ssr=SsrMode::Async />
                    <Route path=path!("team/registrations/:id") view=crate::teams::ui::RegistrationPage ssr=SsrMode::Async />
                    <Route path=path!("team/help") view=crate::teams::ui::HelpPage ssr=SsrMode::Async />
                    <Route path=path!("team/work") view=crate::teams::ui::WorkPage ssr=SsrMode::Async />
                    <Route path=path!("org") view=crate::orgs::ui::OrgPage ssr=SsrMode::Async />
                    <Route path=path!("org/enrolments/:id") view=crate::orgs::ui::EnrolmentPage ssr=SsrMode::Async />
                    <Route path=path!("me/email") view=crate::identity::ui::EmailPage ssr=SsrMode::Async />
                    <Route path=path!("me/phone") view=crate::recovery::ui::ChangePhonePage ssr=SsrMode::Async />
                    <Route path=path!("me/recovery") view=crate::recovery::ui::RecoveryCodesPage ssr=SsrMode::Async />
                    <Route path=path!("recover") view=crate::recovery::ui::RecoverPage ssr=SsrMode::Async />
                    <Route path=path!("assist/move") view=crate::recovery::ui::AssistMovePage ssr=SsrMode::Async />
                    <Route path=path!("move/cancel/:token") view=crate::recovery::ui::CancelMovePage ssr=SsrMode::Async />
                    <Route path=path!("admin") view=AdminPage ssr=SsrMode::Async />
                    <Route path=path!("stats") view=crate::stats::ui::StatsPage ssr=SsrMode::Async />
                    <Route path=path!("stats/reports") view=crate::stats::ui::ReportsPage ssr=SsrMode::Async />
                    <Route path=path!("stats/reports/:month/:ward") view=crate::stats::ui::WardReportPage ssr=SsrMode::Async />
                    <Route path=path!("forbidden") view=ForbiddenPage />
                    <Route path=path!("dev/outbox") view=OutboxPage ssr=SsrMode::Async />
                    <Route path=path!("offline") view=OfflinePage />
                    <Route path=path!("offline/qr") view=OfflineQrPage />
                </Routes>
                </ErrorBoundary>
            </main>
            <Footer />
        </Router>
    }
}

/// After signing out (`?signed_out=…`), the device forgets what it kept for use without network: the QR codes and
/// the counter page. A plain script: it must run even when the WASM never loads.
#[component]
fn ForgetOnSignOut() -> impl IntoView {
    let signed_out = use_location().query.with_untracked(|q| q.get("signed_out").is_some());
    signed_out.then(|| view! { <script inner_html=FORGET_KEPT_CODES></script> })
}

pub const FORGET_KEPT_CODES: &str = "try{localStorage.removeItem('cds-qr');Object.keys(localStorage).forEach(function(k){if(k.indexOf('cds-assist-draft')===0)localStorage.removeItem(k)});caches.keys().then(function(k){k.forEach(function(n){caches.open(n).then(function(c){c.delete('/counter/scan')})})})}catch(e){}";


#[component]
fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let label = move |area: Area| match area {
        Area::Citizen => t_string!(i18n, nav_citizen),
        Area::Team => t_string!(i18n, nav_team),
        Area::Ward => t_string!(i18n, nav_ward),
        Area::City => t_string!(i18n, nav_city),
        Area::Counter => t_string!(i18n, nav_counter),
    };
    view! {
        <header class="site-header">
            <div class="site-header__bar">
                <A href="/" attr:class="brand">
                    <img src="/icons/icon-192.png" alt="" width="36" height="36" />
                    <span>{t!(i18n, app_name)}</span>
                </A>
                <LanguageSwitch />
            </div>
            <nav class="area-nav" aria-label=move || t_string!(i18n, nav_label)>
                <ul>
                    <li>
                        <A href="/" exact=true>
                            {t!(i18n, nav_home)}
                        </A>
                    </li>
                    {Area::ALL
                        .into_iter()
                        .map(|area| view! { <li><A href=area.path()>{move || label(area)}</A></li> })
                        .collect_view()}
                    <li>
                        <A href="/units">{t!(i18n, nav_units)}</A>
                    </li>
                </ul>
            </nav>
        </header>
    }
}

/// Links to `/lang/{vi|en}?next=<this page>`: the server sets the cookie and sends the citizen back to the page
/// they were on. A plain link, so it works the same with or without JavaScript.
#[component]
fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    let next = move || {
        let path = location.pathname.get();
        let query = location.search.get();
        let here = if query.is_empty() { path } else { format!("{path}?{query}") };
        crate::web::encode_query_value(&here)
    };
    let link = move |locale: Locale, short: &'static str, name: &'static str| {
        view! {
            <li>
                <a
                    href=move || format!("/lang/{locale}?next={}", next())
                    rel="nofollow"
                    hreflang=locale.as_str()
                    lang=locale.as_str()
                    title=name
                    aria-current=move || (i18n.get_locale() == locale).then_some("true")
                >
                    <span aria-hidden="true">{short}</span>
                    <span class="visually-hidden">{name}</span>
                </a>
            </li>
        }
    };
    view! {
        <ul class="lang-switch" aria-label=move || t_string!(i18n, lang_label)>
            {link(Locale::vi, "VI", "Tiếng Việt")}
            {link(Locale::en, "EN", "English")}
        </ul>
    }
}


#[component]
fn Footer() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <footer class="site-footer">
            <div>
                <p>{t!(i18n, footer_text)}</p>
                <p>{t!(i18n, footer_privacy)}</p>
            </div>
        </footer>
    }
}


#[cfg(test)]
mod tests {
    use crate::web::encode_query_value;

    fn keys(value: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
        if let Some(map) = value.as_object() {
            for (k, v) in map {
                keys(v, &format!("{prefix}{k}."), out);
            }
        } else {
            out.push(prefix.trim_end_matches('.').to_owned());
        }
    }

    #[test]
    fn every_string_is_translated_in_both_languages() {
        let parse = |text: &str| -> serde_json::Value { serde_json::from_str(text).expect("valid json") };
        let (mut vi, mut en) = (Vec::new(), Vec::new());
        keys(&parse(include_str!("../locales/vi.json")), "", &mut vi);
        keys(&parse(include_str!("../locales/en.json")), "", &mut en);
        vi.sort();
        en.sort();
        assert_eq!(vi, en);
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode_query_value("/units?q=hai chau&v=2025-07"), "/units%3Fq%3Dhai%20chau%26v%3D2025-07");
        assert_eq!(encode_query_value("Hải"), "H%E1%BA%A3i");
    }
}
