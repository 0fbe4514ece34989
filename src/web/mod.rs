//! The kit every slice stands on: the application state, who is calling (extractors usable by handlers, pages and
//! server functions), the refusal every slice's error can carry, the flash that keeps a refused form's input
//! across the redirect a browser without JavaScript follows, and how a page or server function sets its answer.
//! A slice imports this kit and the slices below it; never `app.rs` or `server/`.
mod refusal;

#[cfg(feature = "ssr")]
pub mod caller;
#[cfg(feature = "ssr")]
pub mod flash;
pub mod reply;
#[cfg(feature = "ssr")]
mod state;

pub use refusal::{FormFailure, Refusal};
#[cfg(feature = "ssr")]
pub use state::AppState;

use serde::{Deserialize, Serialize};

/// Words an island gets from its page, translated by the page (the island carries no locale): a struct of
/// `String`s that travels in the island's props as a JSON array, in field order. Every such struct then shares one
/// decoder (a `Vec<String>`) in the WASM, where a derived decoder per struct costs kilobytes.
macro_rules! island_words {
    ($(#[$meta:meta])* $vis:vis struct $name:ident { $($(#[$field_meta:meta])* pub $field:ident,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        $vis struct $name { $($(#[$field_meta])* pub $field: String,)* }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq([$(self.$field.as_str()),*])
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let words = <Vec<String> as serde::Deserialize>::deserialize(deserializer)?;
                let expected = [$(stringify!($field)),*].len();
                if words.len() != expected {
                    return Err(<D::Error as serde::de::Error>::invalid_length(words.len(), &stringify!($name)));
                }
                let mut words = words.into_iter();
                Ok($name { $($field: words.next().unwrap_or_default(),)* })
            }
        }
    };
}
pub(crate) use island_words;

/// Facts about this deployment that the page shows (provided by the server as context).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteInfo {
    /// Development helpers on (`--dev`): shows the banner pointing at the SMS outbox.
    pub dev: bool,
}

/// The form an island wraps: islands take a page's `<ActionForm>` as children (plain HTML, its events come up to
/// the island's element), so the browser code finds the form inside that element.
#[cfg(feature = "hydrate")]
pub fn form_in(wrapper: &web_sys::HtmlDivElement) -> Option<web_sys::HtmlFormElement> {
    use wasm_bindgen::JsCast;
    wrapper.query_selector("form").ok().flatten()?.dyn_into().ok()
}

/// The value of `name` in the current page's query string (empty when absent), read once.
pub fn query_value(name: &str) -> String {
    use leptos::prelude::WithUntracked;
    leptos_router::hooks::use_query_map().with_untracked(|q| q.get(name).unwrap_or_default())
}

/// Percent-encodes a value for a query string (the path of the current page).
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
