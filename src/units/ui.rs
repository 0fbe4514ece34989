//! The units page: a search that works as a plain GET form before (or without) the WASM.
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::api::search_units;
use super::{AdminUnit, UnitKind, UnitsVersion};
use crate::web::encode_query_value;
use crate::i18n::*;
use crate::shell::ErrorNotice;

#[component]
pub fn UnitsPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let version = move || {
        query.read().get("v").as_deref().and_then(UnitsVersion::parse).unwrap_or(UnitsVersion::CURRENT)
    };
    let results = Resource::new(
        move || (q(), version()),
        |(q, version)| search_units(q, Some(version.as_str().to_owned())),
    );
    let version_link = move |v: UnitsVersion| {
        let label = move || match v {
            UnitsVersion::V2025_07 => t_string!(i18n, units.v2025_07),
            UnitsVersion::V2025_01 => t_string!(i18n, units.v2025_01),
        };
        view! {
            <li>
                <a
                    href=move || format!("/units?v={}&q={}", v.as_str(), encode_query_value(&q()))
                    aria-current=move || (version() == v).then_some("true")
                >
                    {label}
                </a>
            </li>
        }
    };
    view! {
        <h1>{t!(i18n, units.title)}</h1>
        <p>{t!(i18n, units.intro)}</p>
        <form method="get" action="/units">
            <input type="hidden" name="v" value=move || version().as_str() />
            <div class="field">
                <label for="unit-q">{t!(i18n, units.search_label)}</label>
                <div class="search-row">
                    <input id="unit-q" type="search" name="q" value=q autocomplete="off" maxlength="100" />
                    <button type="submit" class="button">{t!(i18n, units.search_button)}</button>
                </div>
            </div>
        </form>
        <ul class="segmented" aria-label=move || t_string!(i18n, units.version_label)>
            {version_link(UnitsVersion::V2025_07)}
            {version_link(UnitsVersion::V2025_01)}
        </ul>
        <Suspense fallback=move || view! { <p class="count">{t!(i18n, units.loading)}</p> }>
            <ErrorBoundary fallback=|_| view! { <ErrorNotice /> }>
                {move || Suspend::new(async move { results.await.map(|units| view! { <UnitList units /> }) })}
            </ErrorBoundary>
        </Suspense>
    }
}

#[component]
fn UnitList(units: Vec<AdminUnit>) -> impl IntoView {
    let i18n = use_i18n();
    let count = units.len();
    let none = (count == 0).then(|| view! { <p class="notice" role="status">{t!(i18n, units.none)}</p> });
    let list = (count != 0).then(move || view! {
        <p class="count" role="status">{t!(i18n, units.count, count = move || count)}</p>
        <ul class="unit-list" data-testid="unit-list">
            {units
                .into_iter()
                .map(|unit| {
                    let kind = move || match unit.kind {
                        UnitKind::Ward => t_string!(i18n, units.kind_ward),
                        UnitKind::Commune => t_string!(i18n, units.kind_commune),
                        UnitKind::SpecialZone => t_string!(i18n, units.kind_special_zone),
                    };
                    view! {
                        <li>
                            <span>
                                <strong>{unit.name}</strong>
                                {unit.district.map(|d| view! { <br /><span class="meta">{d}</span> })}
                            </span>
                            <span class="meta">{kind} " · " {t!(i18n, units.code)} " " {unit.code}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    });
    view! { {none} {list} }
}
