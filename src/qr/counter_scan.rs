//! The counter's check form as an island (`/counter/scan`). Where the browser reads QR codes itself
//! (BarcodeDetector), the camera reads the citizen's code and sends it like a pasted one. With no network, a scanned
//! or pasted code is checked here, in the browser, by the server's own rule ([`super::verify`]: base45, the token
//! layout, the key, the Ed25519 signature through WebCrypto or a verify-only fallback, the time window) with the
//! public keys the page kept (`GET /api/v1/qr/keys`, fetched each time the page opens online); the verdict says that
//! revocation could not be checked and that nothing was recorded. Online, and without WASM, the form posts as a
//! plain form: the server checks, with revocation, and records the check.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::Reason;
use super::verify::{Offline, OfflineRefusal, PublicKey, VerifyingKey};
use crate::i18n::*;

/// Where the counter's device keeps the public keys (the place and shape the page's script used before the island).
pub const KEYS_STORAGE_KEY: &str = "cds-qr-keys";
/// The id of the verdict the island shows (the server's own verdict, from the last form, has none).
const VERDICT_ID: &str = "offline-verdict";

/// The public keys as the counter keeps them: the server's answer, and when it came (ms since 1970).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptKeys {
    pub keys: Vec<PublicKey>,
    #[serde(default)]
    pub at: i64,
}

impl KeptKeys {
    /// The keys to verify with; None when any of them cannot be read (a damaged copy).
    pub fn verifying_keys(&self) -> Option<Vec<VerifyingKey>> {
        self.keys.iter().map(PublicKey::verifying_key).collect()
    }
}

crate::web::island_words! {
    /// The words of the counter's island in the page's language (translated by the page: the island carries no locale).
    pub struct CounterWords {
        pub start,
        pub stop,
        pub looking,
        /// This browser cannot read QR codes itself.
        pub unsupported,
        /// The camera could not be opened.
        pub denied,
        pub valid,
        pub invalid,
        /// Checked with no network: revocation not checked, nothing recorded.
        pub offline_note,
        pub malformed,
        pub expired,
        pub not_yet,
        pub signature,
        /// No key on this device for the code (none kept yet, or a key it never saw).
        pub unknown_key,
        pub card,
        pub no_text,
        pub keys_damaged,
        pub level_1,
        pub level_2,
        pub name,
        pub year,
        pub birth,
        pub sex,
        pub citizen_id,
        pub adult,
        pub male,
        pub female,
        pub adult_yes,
        pub adult_no,
    }
}

impl CounterWords {
    pub fn new(i18n: leptos_i18n::I18nContext<Locale>) -> Self {
        let s = |t: &str| t.to_owned();
        CounterWords {
            start: s(t_string!(i18n, counter.camera_start)),
            stop: s(t_string!(i18n, counter.camera_stop)),
            looking: s(t_string!(i18n, counter.camera_looking)),
            unsupported: s(t_string!(i18n, counter.camera_unsupported)),
            denied: s(t_string!(i18n, counter.camera_denied)),
            valid: s(t_string!(i18n, counter.valid)),
            invalid: s(t_string!(i18n, counter.invalid)),
            offline_note: s(t_string!(i18n, counter.offline_note)),
            malformed: s(t_string!(i18n, counter.reason_malformed)),
            expired: s(t_string!(i18n, counter.reason_expired)),
            not_yet: s(t_string!(i18n, counter.reason_not_yet)),
            signature: s(t_string!(i18n, counter.reason_signature)),
            unknown_key: s(t_string!(i18n, counter.offline_unknown_key)),
            card: s(t_string!(i18n, counter.offline_card)),
            no_text: s(t_string!(i18n, counter.offline_photo)),
            keys_damaged: s(t_string!(i18n, counter.offline_keys_damaged)),
            level_1: s(t_string!(i18n, me.level_1)),
            level_2: s(t_string!(i18n, me.level_2)),
            name: s(t_string!(i18n, counter.claim_name)),
            year: s(t_string!(i18n, counter.claim_year)),
            birth: s(t_string!(i18n, me.birth_date)),
            sex: s(t_string!(i18n, auth.sex_label)),
            citizen_id: s(t_string!(i18n, me.citizen_id)),
            adult: s(t_string!(i18n, counter.claim_adult)),
            male: s(t_string!(i18n, auth.sex_male)),
            female: s(t_string!(i18n, auth.sex_female)),
            adult_yes: s(t_string!(i18n, counter.adult_yes)),
            adult_no: s(t_string!(i18n, counter.adult_no)),
        }
    }

    /// Why a code is refused with no network, for the operator.
    pub fn refusal(&self, refusal: OfflineRefusal) -> &str {
        match refusal {
            OfflineRefusal::Token(Reason::Expired) => &self.expired,
            OfflineRefusal::Token(Reason::NotYetValid) => &self.not_yet,
            OfflineRefusal::Token(Reason::BadSignature) => &self.signature,
            OfflineRefusal::Token(Reason::UnknownKey) => &self.unknown_key,
            // revocation and accounts need the server: the rule with no network never gives these
            OfflineRefusal::Token(Reason::Malformed | Reason::Revoked | Reason::UnknownCitizen) => &self.malformed,
            OfflineRefusal::Card => &self.card,
            OfflineRefusal::NoText => &self.no_text,
            OfflineRefusal::KeysDamaged => &self.keys_damaged,
        }
    }

    /// The verdict as the island shows it: as the server's (title, level, what the citizen disclosed), with the note
    /// that it was checked with no network, or the reason of a refusal.
    pub fn verdict(&self, offline: &Offline) -> Shown {
        let payload = match offline {
            Offline::Valid(payload) => payload,
            Offline::Refused(refusal) => {
                return Shown {
                    name: offline.name(),
                    valid: false,
                    title: format!("✗ {}", self.invalid),
                    level: None,
                    note: self.refusal(*refusal).to_owned(),
                    facts: Vec::new(),
                };
            }
        };
        let claims = &payload.claims;
        let mut facts = Vec::new();
        if let Some(name) = &claims.full_name {
            facts.push((self.name.clone(), name.clone()));
        }
        if let Some(year) = claims.birth_year {
            facts.push((self.year.clone(), year.to_string()));
        }
        if let Some(birth) = claims.birth_date.as_deref().and_then(crate::identity::domain::Date::parse_iso) {
            facts.push((self.birth.clone(), birth.dmy()));
        }
        if let Some(sex) = &claims.sex {
            facts.push((self.sex.clone(), if sex == "male" { self.male.clone() } else { self.female.clone() }));
        }
        if let Some(id) = &claims.citizen_id {
            facts.push((self.citizen_id.clone(), id.clone()));
        }
        if let Some(adult) = claims.over_18 {
            facts.push((self.adult.clone(), if adult { self.adult_yes.clone() } else { self.adult_no.clone() }));
        }
        Shown {
            name: offline.name(),
            valid: true,
            title: format!("✓ {}", self.valid),
            level: Some(if payload.level == 2 { self.level_2.clone() } else { self.level_1.clone() }),
            note: self.offline_note.clone(),
            facts,
        }
    }
}

/// A verdict as the island shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shown {
    /// The verdict's name (the section's `data-verdict`), see [`Offline::name`].
    pub name: &'static str,
    pub valid: bool,
    pub title: String,
    pub level: Option<String>,
    pub note: String,
    /// (what, value) of each claim the citizen disclosed, in the order of the server's verdict.
    pub facts: Vec<(String, String)>,
}

fn verdict_view(shown: Shown) -> impl IntoView {
    let Shown { name, valid, title, level, note, facts } = shown;
    view! {
        <section
            id=VERDICT_ID
            class="verdict"
            class:verdict--ok=valid
            class:verdict--bad=!valid
            role=if valid { "status" } else { "alert" }
            data-testid="verdict"
            data-verdict=name
        >
            <p class="verdict__title">{title}</p>
            {level.map(|level| view! { <p class="badge">{level}</p> })}
            <p>{note}</p>
            {(!facts.is_empty())
                .then(|| {
                    view! {
                        <dl class="facts">
                            {facts.into_iter().map(|(what, value)| view! { <dt>{what}</dt> <dd>{value}</dd> }).collect_view()}
                        </dl>
                    }
                })}
        </section>
    }
}

/// The counter's check form: its fields come as children, rendered by the page. Without WASM it is a plain form
/// (the camera block stays hidden); with it, the camera block shows, the public keys are kept for use with no
/// network, and a submit with no network is checked here instead of being sent. Render it on a page that loads the
/// WASM (`shell::loaded_with_islands`).
#[cfg_attr(any(feature = "ssr", feature = "staff"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "staff")), component)]
pub fn CounterCheck(
    words: CounterWords,
    /// The check form (`#counter-form`, an `<ActionForm>` of the page): its submit comes up to the island.
    children: Children,
) -> impl IntoView {
    let awake = RwSignal::new(false);
    let running = RwSignal::new(false);
    let status = RwSignal::new(String::new());
    let verdict = RwSignal::new(None::<Shown>);
    let form = NodeRef::<leptos::html::Div>::new();
    let video = NodeRef::<leptos::html::Video>::new();
    let (start, stop) = (words.start.clone(), words.stop.clone());
    #[cfg(feature = "staff")]
    let desk = browser::Desk::new(words, status, running, verdict, form, video);
    // the camera is let go when the island goes (a page left in the app)
    #[cfg(feature = "staff")]
    on_cleanup(move || desk.stop_camera());
    Effect::new(move |_| {
        awake.set(true);
        #[cfg(feature = "staff")]
        browser::keep_keys();
    });
    let on_camera = move |_: leptos::ev::MouseEvent| {
        #[cfg(feature = "staff")]
        desk.toggle_camera();
    };
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        #[cfg(feature = "staff")]
        desk.submitted(&event);
        #[cfg(not(feature = "staff"))]
        let _ = event;
    };
    view! {
        {move || verdict.get().map(verdict_view)}
        // the form is the page's; its submit event comes up here (the form itself is plain HTML, not hydrated)
        <div node_ref=form class="card" on:submit=on_submit>
            <div id="camera" class="scanner" hidden=move || !awake.get()>
                <button type="button" class="button button--wide" on:click=on_camera>
                    {move || if running.get() { stop.clone() } else { start.clone() }}
                </button>
                <p class="meta" role="status" data-testid="camera-status">{move || status.get()}</p>
                <video node_ref=video class="scanner__video" playsinline muted hidden=move || !running.get()></video>
            </div>
            {children()}
        </div>
    }
}

/// The browser's side: the camera, the kept keys, the check with no network. Nothing from the page, the camera,
/// the storage, the network or the operator can panic here: every failure ends in a message or in nothing.
#[cfg(feature = "staff")]
mod browser {
    use gloo_storage::Storage as _;
    use leptos::prelude::*;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{
        HtmlFormControlsCollection, HtmlFormElement, HtmlTextAreaElement, MediaStream, MediaStreamConstraints,
        SubmitEvent,
    };

    use super::{CounterWords, KEYS_STORAGE_KEY, KeptKeys, Shown, VERDICT_ID};
    use crate::qr::card_scan::browser::{BarcodeDetector, camera_available, code_in_sight, stop_tracks};
    use crate::qr::verify::{self, KeySet, Offline, SignatureCheck, VerifyingKey};

    /// How often the camera picture is looked at.
    const LOOK_EVERY_MS: u32 = 250;
    /// The server's public keys.
    const KEYS_URL: &str = "/api/v1/qr/keys";

    fn online() -> bool {
        web_sys::window().is_none_or(|window| window.navigator().on_line())
    }

    fn unix_now() -> i64 {
        (js_sys::Date::now() / 1000.0).floor() as i64
    }

    /// Whether the browser lets the page keep things (a private mode or a setting may not): gloo-storage throws
    /// without it.
    fn storage_available() -> bool {
        web_sys::window().and_then(|window| window.local_storage().ok().flatten()).is_some()
    }

    /// Fetches the server's public keys and keeps them, when the page opens online. An answer that is not a key set
    /// (a sign-in page, a proxy's error page, a damaged body) is not kept; the keys kept before stay.
    pub(super) fn keep_keys() {
        if !online() || !storage_available() {
            return;
        }
        leptos::task::spawn_local(async {
            if let Some(set) = fetch_keys().await {
                let kept = KeptKeys { keys: set.keys, at: js_sys::Date::now() as i64 };
                let _ = gloo_storage::LocalStorage::set(KEYS_STORAGE_KEY, &kept);
            }
        });
    }

    async fn fetch_keys() -> Option<KeySet> {
        let response = JsFuture::from(web_sys::window()?.fetch_with_str(KEYS_URL)).await.ok()?;
        let response: web_sys::Response = response.dyn_into().ok()?;
        if !response.ok() {
            return None;
        }
        let text = JsFuture::from(response.text().ok()?).await.ok()?.as_string()?;
        let set: KeySet = serde_json::from_str(&text).ok()?;
        if set.verifying_keys().is_none_or(|keys| keys.is_empty()) {
            return None;
        }
        Some(set)
    }

    /// The keys this page kept: nothing kept (or no storage) reads as no keys; None when what is kept cannot be
    /// read.
    fn kept_keys() -> Option<Vec<VerifyingKey>> {
        if !storage_available() {
            return Some(Vec::new());
        }
        let kept: Result<KeptKeys, gloo_storage::errors::StorageError> = gloo_storage::LocalStorage::get(KEYS_STORAGE_KEY);
        match kept {
            Ok(kept) => kept.verifying_keys(),
            Err(gloo_storage::errors::StorageError::KeyNotFound(_)) => Some(Vec::new()),
            Err(_) => None,
        }
    }

    /// The check with no network: the shared rule, the keys kept, the phone's clock, the browser's Ed25519.
    async fn check_here(text: &str) -> Offline {
        let keys = kept_keys();
        verify::verify_offline(text, keys.as_deref(), unix_now(), &Browser).await
    }

    /// Ed25519 in the browser: WebCrypto where it has Ed25519 (Chrome 137+, Firefox 129+, Safari 17+, in a secure
    /// context), the verify-only fallback elsewhere.
    struct Browser;

    impl SignatureCheck for Browser {
        fn genuine(&self, public: &[u8; 32], message: &[u8], signature: &[u8]) -> impl std::future::Future<Output = bool> {
            check_signature(public, message, signature)
        }
    }

    async fn check_signature(public: &[u8; 32], message: &[u8], signature: &[u8]) -> bool {
        match webcrypto(public, message, signature).await {
            Ok(genuine) => genuine,
            // no Ed25519 in this WebCrypto, or no WebCrypto at all (a page not served over HTTPS)
            Err(_) => fallback(public, message, signature),
        }
    }

    async fn webcrypto(public: &[u8; 32], message: &[u8], signature: &[u8]) -> Result<bool, JsValue> {
        let subtle = web_sys::window().ok_or(JsValue::NULL)?.crypto()?.subtle();
        let usages = js_sys::Array::of1(&JsValue::from_str("verify"));
        let raw = js_sys::Uint8Array::from(&public[..]);
        let imported = subtle.import_key_with_str("raw", &raw, "Ed25519", false, &usages)?;
        let key: web_sys::CryptoKey = JsFuture::from(imported).await?.dyn_into()?;
        let checked = subtle.verify_with_str_and_u8_array_and_u8_array("Ed25519", &key, signature, message)?;
        Ok(JsFuture::from(checked).await?.as_bool() == Some(true))
    }

    fn fallback(public: &[u8; 32], message: &[u8], signature: &[u8]) -> bool {
        let Ok(signature) = ed25519_compact::Signature::from_slice(signature) else { return false };
        ed25519_compact::PublicKey::new(*public).verify(message, &signature).is_ok()
    }

    /// The text box of the pasted code.
    fn token_field(form: &HtmlFormElement) -> Option<HtmlTextAreaElement> {
        let controls: HtmlFormControlsCollection = form.elements().unchecked_into();
        controls.named_item("token")?.dyn_into::<HtmlTextAreaElement>().ok()
    }

    /// The verdict of the last form (rendered by the server) goes when the island shows its own.
    fn remove_server_verdicts() {
        let Some(document) = web_sys::window().and_then(|window| window.document()) else { return };
        let selector = format!("[data-testid=verdict]:not(#{VERDICT_ID})");
        while let Ok(Some(old)) = document.query_selector(&selector) {
            old.remove();
        }
    }

    /// The island's state, as handles (`Copy`) the handlers share.
    #[derive(Clone, Copy)]
    pub(super) struct Desk {
        words: StoredValue<CounterWords>,
        status: RwSignal<String>,
        running: RwSignal<bool>,
        verdict: RwSignal<Option<Shown>>,
        form: NodeRef<leptos::html::Div>,
        video: NodeRef<leptos::html::Video>,
        stream: StoredValue<Option<MediaStream>, LocalStorage>,
        /// Counts the camera's starts and stops: a scanning loop ends when its run is over.
        runs: StoredValue<u32>,
        /// Counts the checks: only the last one's verdict is shown.
        checks: StoredValue<u32>,
    }

    impl Desk {
        pub(super) fn new(
            words: CounterWords,
            status: RwSignal<String>,
            running: RwSignal<bool>,
            verdict: RwSignal<Option<Shown>>,
            form: NodeRef<leptos::html::Div>,
            video: NodeRef<leptos::html::Video>,
        ) -> Self {
            Desk {
                words: StoredValue::new(words),
                status,
                running,
                verdict,
                form,
                video,
                stream: StoredValue::new_local(None),
                runs: StoredValue::new(0),
                checks: StoredValue::new(0),
            }
        }

        /// The page's check form, inside the island's element.
        fn form(self) -> Option<HtmlFormElement> {
            crate::web::form_in(&self.form.try_get_untracked().flatten()?)
        }

        fn say(self, pick: fn(&CounterWords) -> &str) {
            if let Some(message) = self.words.try_with_value(|words| pick(words).to_owned()) {
                self.status.set(message);
            }
        }

        fn bump(counter: StoredValue<u32>) -> Option<u32> {
            counter.try_update_value(|n| {
                *n = n.wrapping_add(1);
                *n
            })
        }

        /// The form is sent: online it goes to the server as it is (which checks revocation and records the
        /// check); with no network the code is checked here.
        pub(super) fn submitted(self, event: &SubmitEvent) {
            if online() {
                return;
            }
            event.prevent_default();
            let text = self.form().as_ref().and_then(token_field).map(|field| field.value());
            let Some(check) = Self::bump(self.checks) else { return };
            // the last verdict goes at once: it is not the answer for this code
            self.verdict.set(None);
            leptos::task::spawn_local(async move {
                let verdict = check_here(&text.unwrap_or_default()).await;
                if self.checks.try_get_value() == Some(check) {
                    self.show(&verdict);
                }
            });
        }

        fn show(self, verdict: &Offline) {
            let Some(shown) = self.words.try_with_value(|words| words.verdict(verdict)) else { return };
            remove_server_verdicts();
            self.verdict.set(Some(shown));
            leptos::task::spawn_local(async {
                // after this task the verdict is drawn: bring it into view
                gloo_timers::future::TimeoutFuture::new(0).await;
                let drawn = web_sys::window().and_then(|window| window.document()?.get_element_by_id(VERDICT_ID));
                if let Some(section) = drawn {
                    section.scroll_into_view();
                }
            });
        }

        pub(super) fn toggle_camera(self) {
            if self.running.try_get_untracked().unwrap_or(false) {
                self.stop_camera();
                self.status.set(String::new());
                return;
            }
            if !camera_available() {
                self.say(|words| words.unsupported.as_str());
                return;
            }
            let Some(run) = Self::bump(self.runs) else { return };
            leptos::task::spawn_local(async move {
                match self.open_camera(run).await {
                    Ok(Some(video)) => self.look(run, &video).await,
                    Ok(None) => {}
                    Err(_) => {
                        if self.runs.try_get_value() == Some(run) {
                            self.stop_camera();
                            self.say(|words| words.denied.as_str());
                        }
                    }
                }
            });
        }

        /// Stops the camera (its light goes off) and any scanning loop.
        pub(super) fn stop_camera(self) {
            self.runs.update_value(|n| *n = n.wrapping_add(1));
            self.running.set(false);
            if let Some(Some(stream)) = self.stream.try_update_value(Option::take) {
                stop_tracks(&stream);
            }
            if let Some(video) = self.video.try_get_untracked().flatten() {
                video.set_src_object(None);
            }
        }

        /// Opens the back camera into the video; None when this run was stopped meanwhile (or the island is gone).
        async fn open_camera(self, run: u32) -> Result<Option<web_sys::HtmlVideoElement>, JsValue> {
            let video = self.video.try_get_untracked().flatten().ok_or(JsValue::NULL)?;
            let window = web_sys::window().ok_or(JsValue::NULL)?;
            let wish = js_sys::Object::new();
            js_sys::Reflect::set(&wish, &JsValue::from_str("facingMode"), &JsValue::from_str("environment"))?;
            let constraints = MediaStreamConstraints::new();
            constraints.set_video(&wish);
            let asked = window.navigator().media_devices()?.get_user_media_with_constraints(&constraints)?;
            let stream: MediaStream = JsFuture::from(asked).await?.dyn_into()?;
            if self.runs.try_get_value() != Some(run) {
                // stopped (or the island gone) while the operator was being asked
                stop_tracks(&stream);
                return Ok(None);
            }
            video.set_src_object(Some(&stream));
            let mut fresh = Some(stream);
            if let Some(Some(older)) = self.stream.try_update_value(|kept| std::mem::replace(kept, fresh.take())) {
                stop_tracks(&older);
            }
            if let Some(unkept) = fresh {
                stop_tracks(&unkept);
                return Ok(None);
            }
            self.running.set(true);
            self.say(|words| words.looking.as_str());
            // autoplay refused: the frames still come once the stream runs
            if let Ok(playing) = video.play() {
                let _ = JsFuture::from(playing).await;
            }
            Ok(Some(video))
        }

        /// Looks for a QR code every [`LOOK_EVERY_MS`] until one is read (then it is sent like a pasted one) or
        /// the run is stopped.
        async fn look(self, run: u32, video: &web_sys::HtmlVideoElement) {
            let options = js_sys::Object::new();
            let formats = js_sys::Array::of1(&JsValue::from_str("qr_code"));
            let detector = js_sys::Reflect::set(&options, &JsValue::from_str("formats"), &formats)
                .and_then(|_| BarcodeDetector::new(&options));
            let Ok(detector) = detector else {
                self.stop_camera();
                self.say(|words| words.unsupported.as_str());
                return;
            };
            while self.runs.try_get_value() == Some(run) {
                gloo_timers::future::TimeoutFuture::new(LOOK_EVERY_MS).await;
                if self.runs.try_get_value() != Some(run) {
                    break;
                }
                let Some(text) = code_in_sight(&detector, video).await.filter(|text| !text.is_empty()) else { continue };
                if self.runs.try_get_value() == Some(run) {
                    self.stop_camera();
                    self.status.set(String::new());
                    self.send(&text);
                }
                break;
            }
        }

        /// Puts the code read into the text box and sends the form, as if pasted (with no network, it is checked
        /// here).
        fn send(self, text: &str) {
            let Some(form) = self.form() else { return };
            if let Some(field) = token_field(&form) {
                field.set_value(text);
            }
            let _ = form.request_submit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qr::token::Payload;
    use crate::qr::{Claims, Preset};

    /// Each field holds its own name, so a mapping can be read back.
    fn named() -> CounterWords {
        let s = |t: &str| t.to_owned();
        CounterWords {
            start: s("start"),
            stop: s("stop"),
            looking: s("looking"),
            unsupported: s("unsupported"),
            denied: s("denied"),
            valid: s("valid"),
            invalid: s("invalid"),
            offline_note: s("offline_note"),
            malformed: s("malformed"),
            expired: s("expired"),
            not_yet: s("not_yet_valid"),
            signature: s("bad_signature"),
            unknown_key: s("unknown_key"),
            card: s("card"),
            no_text: s("no_text"),
            keys_damaged: s("keys_damaged"),
            level_1: s("level_1"),
            level_2: s("level_2"),
            name: s("name"),
            year: s("year"),
            birth: s("birth"),
            sex: s("sex"),
            citizen_id: s("citizen_id"),
            adult: s("adult"),
            male: s("male"),
            female: s("female"),
            adult_yes: s("adult_yes"),
            adult_no: s("adult_no"),
        }
    }

    #[test]
    fn every_refusal_with_no_network_has_its_own_words() {
        let words = named();
        let refusals = [
            OfflineRefusal::Token(Reason::Malformed),
            OfflineRefusal::Token(Reason::UnknownKey),
            OfflineRefusal::Token(Reason::BadSignature),
            OfflineRefusal::Token(Reason::Expired),
            OfflineRefusal::Token(Reason::NotYetValid),
            OfflineRefusal::Card,
            OfflineRefusal::NoText,
            OfflineRefusal::KeysDamaged,
        ];
        for refusal in refusals {
            let shown = words.verdict(&Offline::Refused(refusal));
            // the words of a refusal are the verdict's name, as the shared vectors say it
            assert_eq!((shown.note.as_str(), shown.valid), (shown.name, false), "{refusal:?}");
            assert_eq!(shown.title, "✗ invalid");
        }
    }

    #[test]
    fn a_valid_code_shows_what_was_disclosed_and_that_revocation_was_not_checked() {
        let words = named();
        let full = Payload {
            key_id: [1, 2, 3, 4],
            citizen_code: *b"0123456789",
            level: 2,
            preset: Preset::Full,
            issued_at: 1_795_400_000,
            valid_from: 1_795_400_000,
            expires_at: 1_795_400_120,
            claims: Claims {
                full_name: Some("Nguyễn Văn An".into()),
                birth_date: Some("1985-03-12".into()),
                sex: Some("male".into()),
                citizen_id: Some("048085001234".into()),
                ..Claims::default()
            },
        };
        let shown = words.verdict(&Offline::Valid(full.clone()));
        assert_eq!((shown.name, shown.valid, shown.title.as_str()), ("valid", true, "✓ valid"));
        assert_eq!((shown.level.as_deref(), shown.note.as_str()), (Some("level_2"), "offline_note"));
        let facts: Vec<(&str, &str)> = shown.facts.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(
            facts,
            [("name", "Nguyễn Văn An"), ("birth", "12/03/1985"), ("sex", "male"), ("citizen_id", "048085001234")]
        );
        let adult = Payload {
            level: 1,
            preset: Preset::Adult,
            claims: Claims { over_18: Some(false), ..Claims::default() },
            ..full
        };
        let shown = words.verdict(&Offline::Valid(adult));
        assert_eq!(shown.level.as_deref(), Some("level_1"));
        assert_eq!(shown.facts, [("adult".to_owned(), "adult_no".to_owned())]);
    }

    #[test]
    fn keys_kept_by_the_old_script_still_read() {
        let kept: KeptKeys = serde_json::from_str(
            r#"{"keys":[{"kid":"379ac7d1","public_key":"dAhsf0B5ds7jSuWDVxFUw4mH4O0lKZG_mox0Y-UDJls","created_at":1795300000,"alg":"Ed25519"}],"at":1795400000123}"#,
        )
        .expect("kept keys");
        assert_eq!(kept.verifying_keys().map(|keys| keys.len()), Some(1));
        assert_eq!(kept.at, 1_795_400_000_123);
        let damaged: KeptKeys = serde_json::from_str(r#"{"keys":[{"kid":"zz","public_key":"?"}]}"#).expect("shape");
        assert_eq!(damaged.verifying_keys(), None);
    }
}
