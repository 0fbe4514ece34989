//! Công Dân Số: the crate shared by the server (feature `ssr`) and the browser bundle (feature `hydrate`).
#![recursion_limit = "256"]

#[allow(deprecated)]
mod generated_i18n {
    leptos_i18n::load_locales!();
}
pub use generated_i18n::i18n;

pub mod access;
pub mod app;
pub mod domain;
pub mod family;
pub mod identity;
pub mod orgs;
pub mod privacy;
pub mod profile;
pub mod qr;
pub mod recovery;
pub mod shell;
pub mod stats;
pub mod teams;
pub mod units;
pub mod vault;
pub mod web;

#[cfg(feature = "bench")]
pub mod bench;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod formats;
#[cfg(feature = "ssr")]
pub mod pwa;
#[cfg(feature = "ssr")]
pub mod secret;
#[cfg(feature = "ssr")]
pub mod server;

/// The browser entry point: wakes up the interactive islands of the server-rendered page (the rest is plain HTML
/// that works without any WASM).
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // A panic stops every island of the page (the WASM aborts): at least the console says where and why.
    std::panic::set_hook(Box::new(|info| leptos::logging::error!("{info}")));
    leptos::mount::hydrate_islands();
    // Lets tests (and curious developers) know the page is interactive now.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
