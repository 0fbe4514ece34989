//! The chip ID card scan beside a form (`/team/register`, `/assist/move`, `/signup`): the card's QR code, read by the
//! camera where the browser reads QR codes itself (BarcodeDetector), or typed into a text box by a handheld scanner
//! (they act as keyboards) or pasted, fills the form around it through the parser the server uses
//! ([`parse_card_qr`](super::cccd::parse_card_qr)). Without WASM the box stays hidden and the form is typed by hand.
//!
//! The text box has no `name`: the code's text (with the ID number in it) is never posted, queued or kept as a
//! draft, and it is emptied once the form is filled. Nothing here needs the network.
use leptos::prelude::*;

use super::cccd::CardQrError;
use crate::i18n::*;
use crate::identity::domain::CitizenIdError;

crate::web::island_words! {
    /// The words of the card scan in the page's language (translated by the page: the island carries no locale).
    pub struct CardScanText {
        pub start,
        pub stop,
        pub no_camera,
        pub label,
        pub hint,
        /// What was filled: `%fields%` stands for the names below, of the fields the form has.
        pub filled,
        pub full_name,
        pub citizen_id,
        pub birth_date,
        pub sex,
        pub street,
        pub err_format,
        pub err_id_empty,
        pub err_id_digits,
        pub err_id_province,
        pub err_id_sex_century,
        pub err_id_year,
        pub err_name,
        pub err_birth_date,
        pub err_sex,
    }
}

impl CardScanText {
    pub fn new(i18n: leptos_i18n::I18nContext<Locale>) -> Self {
        let s = |t: &str| t.to_owned();
        CardScanText {
            start: s(t_string!(i18n, team.scan_start)),
            stop: s(t_string!(i18n, team.scan_stop)),
            no_camera: s(t_string!(i18n, team.scan_no_camera)),
            label: s(t_string!(i18n, team.scan_field_label)),
            hint: s(t_string!(i18n, team.scan_field_hint)),
            filled: s(t_string!(i18n, team.scan_filled)),
            full_name: s(t_string!(i18n, team.scan_f_name)),
            citizen_id: s(t_string!(i18n, team.scan_f_id)),
            birth_date: s(t_string!(i18n, team.scan_f_birth)),
            sex: s(t_string!(i18n, team.scan_f_sex)),
            street: s(t_string!(i18n, team.scan_f_street)),
            err_format: s(t_string!(i18n, team.scan_err_format)),
            err_id_empty: s(t_string!(i18n, team.scan_err_id_empty)),
            err_id_digits: s(t_string!(i18n, team.scan_err_id_digits)),
            err_id_province: s(t_string!(i18n, team.scan_err_id_province)),
            err_id_sex_century: s(t_string!(i18n, team.scan_err_id_sex_century)),
            err_id_year: s(t_string!(i18n, team.scan_err_id_year)),
            err_name: s(t_string!(i18n, team.scan_err_name)),
            err_birth_date: s(t_string!(i18n, team.scan_err_birth_date)),
            err_sex: s(t_string!(i18n, team.scan_err_sex)),
        }
    }

    /// Why a text is not a chip card's code, for the person.
    pub fn reason(&self, error: CardQrError) -> &str {
        match error {
            CardQrError::Format => &self.err_format,
            CardQrError::CitizenId(CitizenIdError::Empty) => &self.err_id_empty,
            CardQrError::CitizenId(CitizenIdError::NotTwelveDigits) => &self.err_id_digits,
            CardQrError::CitizenId(CitizenIdError::UnknownProvince) => &self.err_id_province,
            CardQrError::CitizenId(CitizenIdError::SexCenturyMismatch) => &self.err_id_sex_century,
            CardQrError::CitizenId(CitizenIdError::BirthYearMismatch) => &self.err_id_year,
            CardQrError::Name => &self.err_name,
            CardQrError::BirthDate => &self.err_birth_date,
            CardQrError::Sex => &self.err_sex,
        }
    }

    /// "Filled in from the card: …" naming the form fields that were filled (by their form names, in the order of
    /// [`FILLED_FIELDS`]).
    pub fn filled_message(&self, fields: &[&str]) -> String {
        let words: Vec<&str> = fields
            .iter()
            .filter_map(|f| match *f {
                "full_name" => Some(self.full_name.as_str()),
                "citizen_id" => Some(self.citizen_id.as_str()),
                "birth_date" => Some(self.birth_date.as_str()),
                "sex" => Some(self.sex.as_str()),
                "street" => Some(self.street.as_str()),
                _ => None,
            })
            .collect();
        self.filled.replace("%fields%", &words.join(", "))
    }
}

/// The form fields a card fills, by name; a form fills those it has (`street` is on the team's form only).
pub const FILLED_FIELDS: [&str; 5] = ["full_name", "citizen_id", "birth_date", "sex", "street"];

/// The card scan: a camera button (only where the browser reads QR codes), a text box for a handheld scanner or a
/// paste, and a status line. Render it inside the form it fills, on a page that loads the WASM (`shell::loaded_with_islands`).
#[island]
pub fn CardScan(text: CardScanText) -> impl IntoView {
    let awake = RwSignal::new(false);
    let camera = RwSignal::new(false);
    let running = RwSignal::new(false);
    let status = RwSignal::new(String::new());
    let field = NodeRef::<leptos::html::Input>::new();
    let video = NodeRef::<leptos::html::Video>::new();
    let (start, stop) = (text.start.clone(), text.stop.clone());
    let (label, hint) = (text.label.clone(), text.hint.clone());
    #[cfg(feature = "hydrate")]
    let scan = browser::Scan::new(text, status, running, field, video);
    // the camera is let go when the island goes (a page left in the app)
    #[cfg(feature = "hydrate")]
    on_cleanup(move || scan.stop_camera());
    Effect::new(move |_| {
        awake.set(true);
        #[cfg(feature = "hydrate")]
        camera.set(browser::camera_available());
    });
    let on_camera = move |_: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        scan.toggle_camera();
    };
    let on_input = move |_: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        scan.typed();
    };
    let on_change = move |_: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        scan.changed();
    };
    let on_key = move |event: leptos::ev::KeyboardEvent| {
        #[cfg(feature = "hydrate")]
        scan.key(&event);
        #[cfg(not(feature = "hydrate"))]
        let _ = event;
    };
    view! {
        <div class="scan" id="card-scan" hidden=move || !awake.get()>
            <div class="scan__camera" hidden=move || !camera.get()>
                <button type="button" class="button button--secondary" on:click=on_camera>
                    {move || if running.get() { stop.clone() } else { start.clone() }}
                </button>
                <video node_ref=video playsinline muted hidden=move || !running.get()></video>
            </div>
            <div class="field">
                <label for="card-qr-text">{label}</label>
                <span class="hint" id="card-qr-text-hint">{hint}</span>
                <input
                    id="card-qr-text"
                    type="text"
                    autocomplete="off"
                    autocapitalize="off"
                    spellcheck="false"
                    enterkeyhint="done"
                    aria-describedby="card-qr-text-hint"
                    node_ref=field
                    on:input=on_input
                    on:change=on_change
                    on:keydown=on_key
                />
            </div>
            <p class="meta" role="status" data-testid="card-scan-status">{move || status.get()}</p>
        </div>
    }
}

/// The browser's side: reading the text box, filling the form, the camera. Nothing from the page, the camera or the
/// person can panic here: every failure ends in a message or in nothing. The camera's QR reading is shared with the
/// counter's island (`super::counter_scan`).
#[cfg(feature = "hydrate")]
pub(super) mod browser {
    use leptos::prelude::*;
    use wasm_bindgen::prelude::wasm_bindgen;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{
        Event, EventInit, HtmlFormControlsCollection, HtmlFormElement, HtmlInputElement, HtmlVideoElement,
        KeyboardEvent, MediaStream, MediaStreamConstraints, MediaStreamTrack, RadioNodeList,
    };

    use super::{CardScanText, FILLED_FIELDS};
    use crate::qr::cccd::{CardQr, parse_card_qr};

    /// A pause in typing this long ends a code: a handheld scanner's keystrokes come far closer together, a paste is
    /// one input. (Most scanners end with Enter, which reads at once.)
    const TYPING_PAUSE_MS: u32 = 500;
    /// How often the camera picture is looked at.
    const LOOK_EVERY_MS: u32 = 300;

    // web-sys has no BarcodeDetector (Chrome on Android, macOS and ChromeOS, Safari 17+; not Firefox, not Linux).
    #[wasm_bindgen]
    extern "C" {
        pub(crate) type BarcodeDetector;

        #[wasm_bindgen(constructor, catch)]
        pub(crate) fn new(options: &js_sys::Object) -> Result<BarcodeDetector, JsValue>;

        /// Resolves to the codes in sight: `[{ rawValue, format, … }]`.
        #[wasm_bindgen(method, catch)]
        fn detect(this: &BarcodeDetector, source: &HtmlVideoElement) -> Result<js_sys::Promise, JsValue>;
    }

    fn has(target: &JsValue, name: &str) -> bool {
        js_sys::Reflect::has(target, &JsValue::from_str(name)).unwrap_or(false)
    }

    /// Whether this browser can read QR codes from the camera itself.
    pub(crate) fn camera_available() -> bool {
        let Some(window) = web_sys::window() else { return false };
        has(&window, "BarcodeDetector") && has(&window.navigator(), "mediaDevices")
    }

    /// The island's state, as handles (`Copy`) the handlers share.
    #[derive(Clone, Copy)]
    pub(super) struct Scan {
        text: StoredValue<CardScanText>,
        status: RwSignal<String>,
        running: RwSignal<bool>,
        field: NodeRef<leptos::html::Input>,
        video: NodeRef<leptos::html::Video>,
        stream: StoredValue<Option<MediaStream>, LocalStorage>,
        /// Counts the inputs: a pending read is dropped when more was typed since.
        inputs: StoredValue<u32>,
        /// Counts the camera's starts and stops: a scanning loop ends when its run is over.
        runs: StoredValue<u32>,
    }

    impl Scan {
        pub(super) fn new(
            text: CardScanText,
            status: RwSignal<String>,
            running: RwSignal<bool>,
            field: NodeRef<leptos::html::Input>,
            video: NodeRef<leptos::html::Video>,
        ) -> Self {
            Scan {
                text: StoredValue::new(text),
                status,
                running,
                field,
                video,
                stream: StoredValue::new_local(None),
                inputs: StoredValue::new(0),
                runs: StoredValue::new(0),
            }
        }

        fn say(self, message: String) {
            // the same words again are not announced again (the camera sees the same wrong code every look)
            if self.status.try_get_untracked().as_ref() != Some(&message) {
                self.status.set(message);
            }
        }

        fn next_input(self) -> Option<u32> {
            self.inputs.try_update_value(|n| {
                *n = n.wrapping_add(1);
                *n
            })
        }

        /// A keystroke of a handheld scanner, a paste, a deletion: read once the typing has stopped. An emptied box
        /// clears the status.
        pub(super) fn typed(self) {
            let Some(this_input) = self.next_input() else { return };
            let Some(field) = self.field.try_get_untracked().flatten() else { return };
            if field.value().trim().is_empty() {
                self.say(String::new());
                return;
            }
            leptos::task::spawn_local(async move {
                gloo_timers::future::TimeoutFuture::new(TYPING_PAUSE_MS).await;
                if self.inputs.try_get_value() == Some(this_input) {
                    self.read_field(false);
                }
            });
        }

        /// The box was left: read what it holds now.
        pub(super) fn changed(self) {
            self.next_input();
            self.read_field(false);
        }

        /// Enter (most handheld scanners end a code with it) reads the box and never submits the form.
        pub(super) fn key(self, event: &KeyboardEvent) {
            if event.key() == "Enter" && !event.is_composing() {
                event.prevent_default();
                self.next_input();
                self.read_field(true);
            }
        }

        /// Reads the box: on a card's code the form is filled and the box emptied; otherwise the reason is shown
        /// (and, after Enter, the text selected, so the next scan replaces it).
        fn read_field(self, select_on_refusal: bool) {
            let Some(field) = self.field.try_get_untracked().flatten() else { return };
            let text = field.value();
            if text.trim().is_empty() {
                return;
            }
            if self.read(&text) {
                field.set_value("");
            } else if select_on_refusal {
                field.select();
            }
        }

        /// Fills the form around the island from a card's code, or says why the text is not one. True when the
        /// form was filled.
        fn read(self, text: &str) -> bool {
            let Some(form) = self.field.try_get_untracked().flatten().and_then(|f| f.form()) else { return false };
            let (message, filled) = match parse_card_qr(text) {
                Ok(card) => {
                    let fields = fill(&form, &card);
                    notify(&form);
                    (self.text.try_with_value(|t| t.filled_message(&fields)), true)
                }
                Err(error) => (self.text.try_with_value(|t| t.reason(error).to_owned()), false),
            };
            if let Some(message) = message {
                self.say(message);
            }
            filled
        }

        pub(super) fn toggle_camera(self) {
            if self.running.try_get_untracked().unwrap_or(false) {
                self.stop_camera();
                return;
            }
            let Some(run) = self.runs.try_update_value(|n| {
                *n = n.wrapping_add(1);
                *n
            }) else {
                return;
            };
            self.running.set(true);
            leptos::task::spawn_local(async move {
                if self.scan_camera(run).await.is_err() && self.runs.try_get_value() == Some(run) {
                    self.stop_camera();
                    if let Some(message) = self.text.try_with_value(|t| t.no_camera.clone()) {
                        self.say(message);
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

        /// Opens the back camera and looks for a card's code every [`LOOK_EVERY_MS`] until one fills the form or the
        /// run is stopped.
        async fn scan_camera(self, run: u32) -> Result<(), JsValue> {
            let video = self.video.try_get_untracked().flatten().ok_or(JsValue::NULL)?;
            let window = web_sys::window().ok_or(JsValue::NULL)?;
            let wish = js_sys::Object::new();
            js_sys::Reflect::set(&wish, &JsValue::from_str("facingMode"), &JsValue::from_str("environment"))?;
            let constraints = MediaStreamConstraints::new();
            constraints.set_video(&wish);
            let asked = window.navigator().media_devices()?.get_user_media_with_constraints(&constraints)?;
            let stream: MediaStream = JsFuture::from(asked).await?.dyn_into()?;
            if self.runs.try_get_value() != Some(run) {
                // stopped (or the island gone) while the person was being asked
                stop_tracks(&stream);
                return Ok(());
            }
            video.set_src_object(Some(&stream));
            if let Some(Some(unkept)) = self.stream.try_set_value(Some(stream)) {
                stop_tracks(&unkept);
                return Ok(());
            }
            JsFuture::from(video.play()?).await?;
            let options = js_sys::Object::new();
            let formats = js_sys::Array::of1(&JsValue::from_str("qr_code"));
            js_sys::Reflect::set(&options, &JsValue::from_str("formats"), &formats)?;
            let detector = BarcodeDetector::new(&options)?;
            while self.runs.try_get_value() == Some(run) {
                if let Some(text) = code_in_sight(&detector, &video).await
                    && self.runs.try_get_value() == Some(run)
                    && self.read(&text)
                {
                    self.stop_camera();
                    break;
                }
                gloo_timers::future::TimeoutFuture::new(LOOK_EVERY_MS).await;
            }
            Ok(())
        }
    }

    /// The text of the first QR code in sight, if any.
    pub(crate) async fn code_in_sight(detector: &BarcodeDetector, video: &HtmlVideoElement) -> Option<String> {
        let codes = JsFuture::from(detector.detect(video).ok()?).await.ok()?;
        let first = codes.dyn_into::<js_sys::Array>().ok()?.get_checked(0)?;
        js_sys::Reflect::get(&first, &JsValue::from_str("rawValue")).ok()?.as_string()
    }

    pub(crate) fn stop_tracks(stream: &MediaStream) {
        for track in stream.get_tracks() {
            if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
                track.stop();
            }
        }
    }

    /// Puts the card's details into the form's fields of those names; returns the names of the fields filled.
    fn fill(form: &HtmlFormElement, card: &CardQr) -> Vec<&'static str> {
        let birth_date = card.birth_date.dmy();
        let mut filled = Vec::with_capacity(FILLED_FIELDS.len());
        for name in FILLED_FIELDS {
            let value = match name {
                "full_name" => card.full_name.as_str(),
                "citizen_id" => card.citizen_id.as_str(),
                "birth_date" => birth_date.as_str(),
                "sex" => card.sex.as_str(),
                // a card without an address leaves what was typed
                _ => card.address.as_str(),
            };
            if !value.is_empty() && set_field(form, name, value) {
                filled.push(name);
            }
        }
        filled
    }

    /// Sets a form field by name: a text box gets the value; of a group of radio buttons, the one with that value is
    /// checked. False when the form has no such field.
    fn set_field(form: &HtmlFormElement, name: &str, value: &str) -> bool {
        let controls: HtmlFormControlsCollection = form.elements().unchecked_into();
        let Some(item) = controls.named_item(name) else { return false };
        if let Some(radios) = item.dyn_ref::<RadioNodeList>() {
            radios.set_value(value);
            return true;
        }
        let Some(input) = item.dyn_ref::<HtmlInputElement>() else { return false };
        match input.type_().as_str() {
            "hidden" => return false,
            "radio" | "checkbox" => input.set_checked(input.value() == value),
            _ => input.set_value(value),
        }
        true
    }

    /// Tells the form's other scripts (the team's draft keeping) that it changed, as typing would.
    fn notify(form: &HtmlFormElement) {
        let init = EventInit::new();
        init.set_bubbles(true);
        if let Ok(event) = Event::new_with_event_init_dict("input", &init) {
            let _ = form.dispatch_event(&event);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each field holds its own name, so a mapping can be read back.
    fn named() -> CardScanText {
        let s = |t: &str| t.to_owned();
        CardScanText {
            start: s("start"),
            stop: s("stop"),
            no_camera: s("no_camera"),
            label: s("label"),
            hint: s("hint"),
            filled: s("Filled in: %fields%."),
            full_name: s("name"),
            citizen_id: s("ID"),
            birth_date: s("birth"),
            sex: s("sex"),
            street: s("address"),
            err_format: s("format"),
            err_id_empty: s("id_empty"),
            err_id_digits: s("id_digits"),
            err_id_province: s("id_province"),
            err_id_sex_century: s("id_sex_century"),
            err_id_year: s("id_year"),
            err_name: s("name"),
            err_birth_date: s("birth_date"),
            err_sex: s("sex"),
        }
    }

    #[test]
    fn every_refusal_has_its_own_message_in_both_languages() {
        let text = named();
        let vi: serde_json::Value = serde_json::from_str(include_str!("../../locales/vi.json")).expect("vi.json");
        let en: serde_json::Value = serde_json::from_str(include_str!("../../locales/en.json")).expect("en.json");
        for error in CardQrError::ALL {
            // the field of the words is the kind of the refusal, as the shared vectors and the locale keys name it
            assert_eq!(text.reason(error), error.kind(), "{error:?}");
            let key = format!("scan_err_{}", error.kind());
            for (lang, words) in [("vi", &vi), ("en", &en)] {
                let message = words["team"][key.as_str()].as_str().unwrap_or_default();
                assert!(!message.is_empty(), "{lang}: team.{key} is missing");
            }
        }
    }

    #[test]
    fn the_status_names_the_fields_filled_in_the_form_order() {
        let text = named();
        assert_eq!(text.filled_message(&FILLED_FIELDS), "Filled in: name, ID, birth, sex, address.");
        // the sign-up form has no address field
        assert_eq!(text.filled_message(&["full_name", "citizen_id", "birth_date", "sex"]), "Filled in: name, ID, birth, sex.");
    }
}
