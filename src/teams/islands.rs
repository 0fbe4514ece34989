//! The offline registration queue of `/team/register` as an island: around the plain form (which still posts
//! natively without WASM), each registration is first kept on the phone (IndexedDB, with an idempotency key made
//! on the phone; the record format of [`super::queue`]), listed with its state, and sent through the slice's own
//! server functions ([`register_resident`](super::api::register_resident),
//! [`confirm_registration`](super::api::confirm_registration)) when there is network: at start, when the browser
//! says it is back, every 30 seconds and on "Send now". The key makes a resend (a dropped answer, a queue sent
//! twice) land on the same registration, never a second account. What is being typed is kept as a draft
//! (gloo-storage). Nothing at start needs the network: the page the service worker kept hydrates offline.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::queue::{CodeAnswer, Entry, Record, State, field_name, plain_id};
use super::{TeamNotice, Who};
use crate::identity::{Field, Problem};

crate::web::island_words! {
    /// The words of the queue in the page's language (translated by the page: the island carries no locale).
    pub struct QueueWords {
        pub title,
        pub send_now,
        pub empty,
        pub waiting,
        pub sending,
        pub pending,
        pub confirmed,
        pub conflict,
        pub rejected,
        /// The badge of a record that cannot be read.
        pub broken,
        /// What happened to it and what to do.
        pub broken_why,
        pub fix,
        pub remove,
        pub open,
        pub online,
        pub offline,
        pub signed_out,
        pub saved,
        pub code_label,
        pub confirm,
        pub code_wrong,
        pub conflict_phone,
        pub conflict_id,
        /// `%n%` stands for the family member's number.
        pub conflict_dependant,
        /// "Member %n%".
        pub dependant,
    }
}

/// What the queue shows: its words and the names of the form's fields and rules.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueTexts {
    pub words: QueueWords,
    /// The fields' labels.
    pub fields: Vec<(Field, String)>,
    /// Why a field was refused, for every rule the form has.
    pub problems: Vec<(Problem, String)>,
}

impl std::ops::Deref for QueueTexts {
    type Target = QueueWords;
    fn deref(&self) -> &QueueWords {
        &self.words
    }
}

impl QueueTexts {
    pub fn state(&self, state: State) -> &str {
        match state {
            State::Waiting => &self.waiting,
            State::Sending => &self.sending,
            State::Pending => &self.pending,
            State::Confirmed => &self.confirmed,
            State::Conflict => &self.conflict,
            State::Rejected => &self.rejected,
        }
    }

    /// Who has an account already.
    pub fn conflict_text(&self, notice: TeamNotice) -> String {
        match notice {
            TeamNotice::PhoneTaken => self.conflict_phone.clone(),
            TeamNotice::DependantTaken(n) => self.conflict_dependant.replace("%n%", &n.to_string()),
            _ => self.conflict_id.clone(),
        }
    }

    /// Whose field breaks which rule: "Phone: not 10 digits; Member 2 · Full name: …" (a rule this build does not
    /// know shows the field alone).
    pub fn problems_text(&self, problems: &[(Who, Field, Option<Problem>)]) -> String {
        let lines: Vec<String> = problems
            .iter()
            .map(|(who, field, problem)| {
                let label = self.fields.iter().find(|(f, _)| f == field).map_or(field_name(*field), |(_, l)| l.as_str());
                let mut line = String::new();
                if let Who::Dependant(n) = who {
                    line.push_str(&self.dependant.replace("%n%", &n.to_string()));
                    line.push_str(" · ");
                }
                line.push_str(label);
                if let Some(why) = problem.and_then(|p| self.problems.iter().find(|(q, _)| *q == p)) {
                    line.push_str(": ");
                    line.push_str(&why.1);
                }
                line
            })
            .collect();
        lines.join("; ")
    }

    pub fn code_text(&self, answer: CodeAnswer) -> &str {
        match answer {
            CodeAnswer::Confirmed => "",
            CodeAnswer::Wrong => &self.code_wrong,
            CodeAnswer::Offline => &self.offline,
            CodeAnswer::SignedOut => &self.signed_out,
        }
    }
}

/// What the status line says besides online / offline (until the network comes or goes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Said {
    Nothing,
    Saved,
    SignedOut,
}

/// The registration form with its queue: the list of the registrations kept on this phone above the form, whose
/// fields (and the card scan) come as children, rendered by the page. Without WASM, or on a browser without
/// IndexedDB, the list stays hidden and the form posts itself.
#[cfg_attr(any(feature = "ssr", feature = "staff"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "staff")), component)]
pub fn AssistQueue(
    /// The member's account id: each member's queue and draft are their own (a shared phone).
    member: String,
    /// The page shows the form as the server sent it back (problems next to the fields): no draft over it.
    keep_typed: bool,
    texts: QueueTexts,
    children: Children,
) -> impl IntoView {
    let awake = RwSignal::new(false);
    let online = RwSignal::new(true);
    let said = RwSignal::new(Said::Nothing);
    let entries = RwSignal::new(None::<Vec<Entry>>);
    let form = NodeRef::<leptos::html::Div>::new();
    let (title, send_now) = (texts.title.clone(), texts.send_now.clone());
    let texts = StoredValue::new(texts);
    #[cfg(feature = "staff")]
    let actions = {
        let queue = browser::Queue::new(member.clone(), texts, entries, awake, online, said, form);
        // once, when the island wakes up: nothing here waits for the network
        Effect::new(move |_| untrack(move || queue.start(keep_typed)));
        Actions { queue }
    };
    #[cfg(not(feature = "staff"))]
    let actions = {
        let _ = keep_typed;
        Actions {}
    };
    let status = move || {
        if !awake.get() {
            return String::new();
        }
        texts
            .try_with_value(|t| match said.get() {
                Said::Saved => t.saved.clone(),
                Said::SignedOut => t.signed_out.clone(),
                Said::Nothing if online.get() => t.online.clone(),
                Said::Nothing => t.offline.clone(),
            })
            .unwrap_or_default()
    };
    let empty = move || {
        let none = entries.with(|e| e.as_ref().is_some_and(Vec::is_empty));
        none.then(|| view! { <li>{texts.try_with_value(|t| t.empty.clone())}</li> })
    };
    view! {
        <section
            id="assist-queue"
            class="card queue"
            hidden=move || !awake.get()
            data-member=member
            aria-labelledby="queue-title"
        >
            <h2 id="queue-title">{title}</h2>
            <p class="meta" id="assist-network" role="status">{status}</p>
            <ul class="unit-list" id="assist-list" data-testid="queue">
                {empty}
                <For
                    each=move || keyed(entries.get())
                    key=|item: &(String, Entry)| item.0.clone()
                    children=move |(_, entry): (String, Entry)| row(entry, texts, actions)
                />
            </ul>
            <button type="button" class="button button--secondary" id="assist-send" on:click=move |_| actions.send_now()>
                {send_now}
            </button>
        </section>
        // the form is the page's (`#assist-form`, plain HTML, not hydrated): its events come up here
        <div
            node_ref=form
            on:submit=move |ev| actions.submit(ev)
            on:input=move |_| actions.typed()
            on:change=move |_| actions.typed()
        >
            {children()}
        </div>
    }
}

/// The list's items with the key each is drawn under.
fn keyed(entries: Option<Vec<Entry>>) -> Vec<(String, Entry)> {
    entries.unwrap_or_default().into_iter().enumerate().map(|(i, e)| (e.view_key(i), e)).collect()
}

/// One registration kept on the phone: its name, its state and what can be done with it.
fn row(entry: Entry, texts: StoredValue<QueueTexts>, actions: Actions) -> AnyView {
    let t = texts.try_get_value().unwrap_or_default();
    let record = match entry {
        Entry::Kept(record) => record,
        Entry::Broken(broken) => {
            let remove = broken.key.map(|key| {
                view! {
                    <button type="button" class="button button--secondary" on:click=move |_| actions.remove(key.clone())>
                        {t.remove.clone()}
                    </button>
                }
            });
            return view! {
                <li class="person" data-state="broken">
                    <span>
                        <strong>"—"</strong>
                        <br />
                        <span class="badge badge--warn">{t.broken.clone()}</span>
                        <br />
                        <span class="meta">{t.broken_why.clone()}</span>
                    </span>
                    <span class="person__links">{remove}</span>
                </li>
            }
            .into_any();
        }
    };
    let state = record.state;
    let why = match state {
        State::Conflict => record.conflict.map(|c| t.conflict_text(c)),
        State::Rejected => Some(t.problems_text(&record.problems)),
        _ => None,
    };
    let name = if record.name.trim().is_empty() { "—".to_owned() } else { record.name.clone() };
    let link = record
        .id
        .clone()
        .filter(|id| plain_id(id) && matches!(state, State::Pending | State::Confirmed))
        .map(|id| view! { <a href=format!("/team/registrations/{id}")>{t.open.clone()}</a> });
    let code = (state == State::Pending).then(|| code_form(&t, record.clone(), actions));
    let remove = matches!(state, State::Confirmed | State::Conflict).then(|| {
        let key = serde_json::Value::String(record.key.clone());
        view! {
            <button type="button" class="button button--secondary" on:click=move |_| actions.remove(key.clone())>
                {t.remove.clone()}
            </button>
        }
    });
    let fix = (state == State::Rejected).then(|| {
        let kept = record.clone();
        view! {
            <button type="button" class="button button--secondary" on:click=move |_| actions.fix(kept.clone())>
                {t.fix.clone()}
            </button>
        }
    });
    view! {
        <li class="person" data-state=state.name() data-key=record.key.clone()>
            <span>
                <strong>{name}</strong>
                <br />
                <span class=if state == State::Confirmed { "badge" } else { "badge badge--warn" }>
                    {t.state(state).to_owned()}
                </span>
                {why.map(|why| view! { <br /> <span class="meta">{why}</span> })}
            </span>
            {code}
            <span class="person__links">{link} {remove} {fix}</span>
        </li>
    }
    .into_any()
}

/// The code the resident reads out, for a registration the server has.
fn code_form(t: &QueueTexts, record: Record, actions: Actions) -> impl IntoView {
    let said = RwSignal::new(String::new());
    let input = NodeRef::<leptos::html::Input>::new();
    let field = format!("code-{}", record.id.as_deref().unwrap_or_default());
    view! {
        <form class="inline-form" on:submit=move |ev| actions.confirm(ev, input, record.clone(), said)>
            <label for=field.clone()>{t.code_label.clone()}</label>
            <input
                id=field.clone()
                name="code"
                inputmode="numeric"
                autocomplete="one-time-code"
                data-testid=field
                node_ref=input
            />
            <button type="submit" class="button">{t.confirm.clone()}</button>
            <span class="error" role="status">{move || said.get()}</span>
        </form>
    }
}

/// What the list's buttons and the form's events do: the browser's side, or nothing on the server.
#[derive(Clone, Copy)]
struct Actions {
    #[cfg(feature = "staff")]
    queue: browser::Queue,
}

#[cfg_attr(not(feature = "staff"), allow(unused_variables))]
impl Actions {
    fn submit(self, ev: leptos::ev::SubmitEvent) {
        #[cfg(feature = "staff")]
        self.queue.submit(ev);
    }

    fn typed(self) {
        #[cfg(feature = "staff")]
        self.queue.typed();
    }

    fn send_now(self) {
        #[cfg(feature = "staff")]
        self.queue.send_now();
    }

    /// `key`: the store's key of the record, as JSON.
    fn remove(self, key: serde_json::Value) {
        #[cfg(feature = "staff")]
        self.queue.remove(key);
    }

    fn fix(self, record: Record) {
        #[cfg(feature = "staff")]
        self.queue.fix(record);
    }

    fn confirm(
        self,
        ev: leptos::ev::SubmitEvent,
        input: NodeRef<leptos::html::Input>,
        record: Record,
        said: RwSignal<String>,
    ) {
        #[cfg(feature = "staff")]
        {
            ev.prevent_default();
            let code = input.try_get_untracked().flatten().map(|i| i.value()).unwrap_or_default();
            self.queue.confirm(record, code, said);
        }
    }
}

/// The browser's side: IndexedDB (through `idb`), the draft (gloo-storage), the form, the network's comings and
/// goings, and the calls to the server functions. Nothing read from the phone, the page or the network can panic
/// here: a record that cannot be read is listed as such, a storage that fails leaves the plain form post.
#[cfg(feature = "staff")]
mod browser {
    use gloo_storage::Storage as _;
    use gloo_timers::callback::{Interval, Timeout};
    use leptos::prelude::*;
    use serde_json::Value;
    use wasm_bindgen::JsCast;
    use web_sys::{FormData, HtmlFormControlsCollection, HtmlFormElement, HtmlInputElement, RadioNodeList, SubmitEvent};

    use super::{QueueTexts, Said};
    use crate::teams::api::{confirm_registration, register_resident};
    use crate::teams::queue::{self, CodeAnswer, Entry, Next, Record, State};

    /// The island's state, as handles (`Copy`) the handlers share.
    #[derive(Clone, Copy)]
    pub(super) struct Queue {
        member: StoredValue<String>,
        texts: StoredValue<QueueTexts>,
        entries: RwSignal<Option<Vec<Entry>>>,
        awake: RwSignal<bool>,
        online: RwSignal<bool>,
        said: RwSignal<Said>,
        /// Around the page's registration form.
        form: NodeRef<leptos::html::Div>,
        /// A round of sending is under way: another waits for the next.
        busy: StoredValue<bool>,
        /// The draft is saved when the typing pauses; a new keystroke replaces (cancels) the pending save.
        draft_timer: StoredValue<Option<Timeout>, LocalStorage>,
    }

    impl Queue {
        pub(super) fn new(
            member: String,
            texts: StoredValue<QueueTexts>,
            entries: RwSignal<Option<Vec<Entry>>>,
            awake: RwSignal<bool>,
            online: RwSignal<bool>,
            said: RwSignal<Said>,
            form: NodeRef<leptos::html::Div>,
        ) -> Self {
            Queue {
                member: StoredValue::new(member),
                texts,
                entries,
                awake,
                online,
                said,
                form,
                busy: StoredValue::new(false),
                draft_timer: StoredValue::new_local(None),
            }
        }

        fn member(self) -> String {
            self.member.try_get_value().unwrap_or_default()
        }

        fn form(self) -> Option<HtmlFormElement> {
            crate::web::form_in(&self.form.try_get_untracked().flatten()?)
        }

        fn awake(self) -> bool {
            self.awake.try_get_untracked().unwrap_or(false)
        }

        /// Wakes the queue: the list, the draft, the listeners, a first round of sending. A browser without
        /// IndexedDB keeps the plain form.
        pub(super) fn start(self, keep_typed: bool) {
            if !store::available() {
                return;
            }
            self.awake.set(true);
            self.online.set(online_now());
            if !keep_typed {
                self.restore_draft();
            }
            let every = StoredValue::new_local(Some(Interval::new(queue::RETRY_EVERY_MS, move || self.send_now())));
            let listeners = [
                window_event_listener(leptos::ev::online, move |_| {
                    self.said.set(Said::Nothing);
                    self.send_now();
                }),
                window_event_listener(leptos::ev::offline, move |_| {
                    self.said.set(Said::Nothing);
                    leptos::task::spawn_local(self.refresh());
                }),
            ];
            on_cleanup(move || {
                // dropping the interval and the timer stops them
                every.update_value(|interval| *interval = None);
                self.draft_timer.update_value(|timer| *timer = None);
                for listener in listeners {
                    listener.remove();
                }
            });
            self.send_now();
        }

        pub(super) fn send_now(self) {
            leptos::task::spawn_local(self.sync());
        }

        // ---- the draft: nothing typed is lost ---------------------------------------------------------------

        fn draft_key(self) -> String {
            queue::draft_key(&self.member())
        }

        /// The draft as the old script kept it too: `[[name, value], …]` (JSON); a broken one is ignored.
        fn restore_draft(self) {
            let Some(form) = self.form() else { return };
            if !has_storage() {
                return;
            }
            if let Ok(draft) = gloo_storage::LocalStorage::get::<Vec<(String, String)>>(self.draft_key()) {
                fill(&form, &queue::draft_to_fill(draft));
            }
        }

        pub(super) fn typed(self) {
            if !self.awake() {
                return;
            }
            let timer = Timeout::new(queue::DRAFT_PAUSE_MS, move || self.save_draft());
            self.draft_timer.set_value(Some(timer));
        }

        fn save_draft(self) {
            let Some(form) = self.form() else { return };
            if has_storage() {
                // a full storage or a private mode keeps no draft
                let _ = gloo_storage::LocalStorage::set(self.draft_key(), form_fields(&form));
            }
        }

        // ---- saving: on the phone first, then sent --------------------------------------------------------------

        pub(super) fn submit(self, ev: SubmitEvent) {
            if !self.awake() {
                return;
            }
            let Some(form) = self.form() else { return };
            ev.prevent_default();
            leptos::task::spawn_local(self.save(form));
        }

        /// Keeps the form as a new registration with a new key, empties it, and sends what waits. When the phone
        /// cannot keep it, the form is posted as without WASM.
        async fn save(self, form: HtmlFormElement) {
            let now = js_sys::Date::now();
            let Some(key) = new_key() else { return post_plainly(&form) };
            set_hidden(&form, "key", &key);
            set_hidden(&form, "recorded_at", &(now.floor() as i64).to_string());
            let record = Record::new(key, self.member(), form_fields(&form), now);
            if !store::put(&record.to_json()).await {
                return post_plainly(&form);
            }
            self.draft_timer.set_value(None);
            form.reset();
            if has_storage() {
                gloo_storage::LocalStorage::delete(self.draft_key());
            }
            self.said.set(Said::Saved);
            if let Some(window) = web_sys::window() {
                window.scroll_to_with_x_and_y(0.0, 0.0);
            }
            self.refresh().await;
            self.sync().await;
        }

        /// One round: every record still to send, oldest first, each through the server function with its key,
        /// until one cannot be sent now (it waits for the next round).
        async fn sync(self) {
            if self.busy.try_get_value().unwrap_or(true) || !online_now() {
                self.refresh().await;
                return;
            }
            self.busy.set_value(true);
            let member = self.member();
            if let Some(rows) = store::all().await {
                let entries = rows.iter().filter_map(|(key, value)| queue::read(key.as_ref(), value.as_ref(), &member));
                for mut record in queue::to_send(entries.collect()) {
                    record.state = State::Sending;
                    if !store::put(&record.to_json()).await {
                        break;
                    }
                    self.refresh().await;
                    let answer = register_resident(record.form()).await;
                    let (record, next) = queue::after_send(record, answer);
                    if !store::put(&record.to_json()).await {
                        break;
                    }
                    match next {
                        Next::Go => {}
                        Next::Stop => break,
                        Next::SignedOut => {
                            self.said.set(Said::SignedOut);
                            break;
                        }
                    }
                }
            }
            self.busy.set_value(false);
            self.refresh().await;
        }

        /// Reads the queue again and shows it (confirmed registrations older than a week leave the phone).
        async fn refresh(self) {
            self.online.set(online_now());
            let Some(rows) = store::all().await else { return };
            let member = self.member();
            let entries = rows.iter().filter_map(|(key, value)| queue::read(key.as_ref(), value.as_ref(), &member));
            let (shown, old) = queue::arrange(entries.collect(), js_sys::Date::now());
            for key in old {
                store::delete(&Value::String(key)).await;
            }
            self.entries.set(Some(shown));
        }

        // ---- the list's buttons ------------------------------------------------------------------------------------

        pub(super) fn remove(self, key: Value) {
            leptos::task::spawn_local(async move {
                store::delete(&key).await;
                self.refresh().await;
            });
        }

        /// The rejected registration back into the form. Online, the form is posted as without WASM, so the server
        /// shows its exact words next to each field; offline, the form is refilled to fix.
        pub(super) fn fix(self, record: Record) {
            let Some(form) = self.form() else { return };
            fill(&form, &record.fields);
            leptos::task::spawn_local(async move {
                store::delete(&Value::String(record.key)).await;
                if online_now() {
                    post_plainly(&form);
                } else {
                    self.refresh().await;
                }
            });
        }

        pub(super) fn confirm(self, mut record: Record, code: String, said: RwSignal<String>) {
            let Some(id) = record.id.clone() else { return };
            leptos::task::spawn_local(async move {
                let answer = queue::code_answer(&confirm_registration(id, code).await);
                if answer == CodeAnswer::Confirmed {
                    record.state = State::Confirmed;
                    store::put(&record.to_json()).await;
                    self.refresh().await;
                } else if let Some(text) = self.texts.try_with_value(|t| t.code_text(answer).to_owned()) {
                    said.set(text);
                }
            });
        }
    }

    fn online_now() -> bool {
        web_sys::window().is_none_or(|w| w.navigator().on_line())
    }

    /// localStorage, when the browser lets the page have it (gloo-storage throws when there is none).
    fn has_storage() -> bool {
        web_sys::window().and_then(|w| w.local_storage().ok().flatten()).is_some()
    }

    /// A new idempotency key from the phone's random numbers.
    fn new_key() -> Option<String> {
        let crypto = web_sys::window()?.crypto().ok()?;
        let mut bytes = [0u8; 16];
        crypto.get_random_values_with_u8_array(&mut bytes).ok()?;
        Some(queue::key_from(&bytes))
    }

    /// The plain form post, when the phone cannot keep the registration.
    fn post_plainly(form: &HtmlFormElement) {
        let _ = form.submit();
    }

    /// The form's text fields as it would post them (`FormData`: checked boxes only, files left out), in order.
    fn form_fields(form: &HtmlFormElement) -> Vec<(String, String)> {
        let Ok(data) = FormData::new_with_form(form) else { return Vec::new() };
        let mut fields = Vec::new();
        for entry in data.entries() {
            let Ok(entry) = entry else { break };
            let Ok(pair) = entry.dyn_into::<js_sys::Array>() else { continue };
            let name = pair.get_checked(0).and_then(|n| n.as_string());
            let value = pair.get_checked(1).and_then(|v| v.as_string());
            if let (Some(name), Some(value)) = (name, value) {
                fields.push((name, value));
            }
        }
        fields
    }

    fn set_hidden(form: &HtmlFormElement, name: &str, value: &str) {
        let controls: HtmlFormControlsCollection = form.elements().unchecked_into();
        if let Some(input) = controls.named_item(name).and_then(|item| item.dyn_into::<HtmlInputElement>().ok()) {
            input.set_value(value);
        }
    }

    /// Puts `pairs` back into the form: text boxes get their value, the radio button or box with that value is
    /// checked, hidden fields stay; a family member's box opens when one of their fields has a value.
    fn fill(form: &HtmlFormElement, pairs: &[(String, String)]) {
        let controls: HtmlFormControlsCollection = form.elements().unchecked_into();
        for (name, value) in pairs {
            let Some(item) = controls.named_item(name) else { continue };
            if let Some(group) = item.dyn_ref::<RadioNodeList>() {
                group.set_value(value);
            } else if let Some(input) = item.dyn_ref::<HtmlInputElement>() {
                match input.type_().as_str() {
                    "checkbox" | "radio" => input.set_checked(input.value() == *value),
                    "hidden" => {}
                    _ => input.set_value(value),
                }
            }
            if let Some(slot) = queue::slot_of(name).filter(|_| !value.is_empty())
                && let Ok(Some(details)) = form.query_selector(&format!("details[data-slot=\"{slot}\"]"))
            {
                let _ = details.set_attribute("open", "");
            }
        }
    }

    /// The phone's IndexedDB through `idb`: the database and store the old script made (made here the same way on
    /// a phone that has none), one short transaction per operation. Every failure is an answer (None, false).
    mod store {
        use idb::{Database, DatabaseEvent, Factory, KeyPath, ObjectStore, ObjectStoreParams, TransactionMode, TransactionResult};
        use serde_json::Value;
        use wasm_bindgen::JsValue;

        use crate::teams::queue::{DATABASE, KEY_PATH, STORE, VERSION};

        /// Each record with the store's key for it, both as JSON (None where JSON cannot say it), in key order.
        pub type Rows = Vec<(Option<Value>, Option<Value>)>;

        pub fn available() -> bool {
            Factory::new().is_ok()
        }

        async fn open() -> Option<Database> {
            let factory = Factory::new().ok()?;
            let mut request = factory.open(DATABASE, Some(VERSION)).ok()?;
            request.on_upgrade_needed(|event| {
                let Ok(database) = event.database() else { return };
                if database.store_names().iter().any(|name| name == STORE) {
                    return;
                }
                let mut params = ObjectStoreParams::new();
                params.key_path(Some(KeyPath::new_single(KEY_PATH)));
                let _ = database.create_object_store(STORE, params);
            });
            request.await.ok()
        }

        pub async fn all() -> Option<Rows> {
            let database = open().await?;
            let rows = read_all(&database).await;
            database.close();
            rows
        }

        async fn read_all(database: &Database) -> Option<Rows> {
            let transaction = database.transaction(&[STORE], TransactionMode::ReadOnly).ok()?;
            let store = transaction.object_store(STORE).ok()?;
            // one transaction: the keys and the values come in the same order
            let keys = store.get_all_keys(None, None).ok()?.await.ok()?;
            let values = store.get_all(None, None).ok()?.await.ok()?;
            if keys.len() != values.len() {
                return None;
            }
            Some(keys.iter().zip(values.iter()).map(|(k, v)| (to_json(k), to_json(v))).collect())
        }

        pub async fn put(record: &Value) -> bool {
            let Some(value) = to_js(record) else { return false };
            write(|store| store.put(&value, None).is_ok()).await
        }

        pub async fn delete(key: &Value) -> bool {
            let Some(key) = to_js(key) else { return false };
            write(|store| store.delete(key).is_ok()).await
        }

        async fn write(work: impl FnOnce(&ObjectStore) -> bool) -> bool {
            let Some(database) = open().await else { return false };
            let done = commit(&database, work).await;
            database.close();
            done
        }

        /// True once the transaction is committed (the record is on the phone).
        async fn commit(database: &Database, work: impl FnOnce(&ObjectStore) -> bool) -> bool {
            let Ok(transaction) = database.transaction(&[STORE], TransactionMode::ReadWrite) else { return false };
            let Ok(store) = transaction.object_store(STORE) else { return false };
            if !work(&store) {
                return false;
            }
            matches!(transaction.await, Ok(TransactionResult::Committed))
        }

        fn to_json(value: &JsValue) -> Option<Value> {
            let text = js_sys::JSON::stringify(value).ok()?;
            serde_json::from_str(&JsValue::from(text).as_string()?).ok()
        }

        fn to_js(value: &Value) -> Option<JsValue> {
            js_sys::JSON::parse(&value.to_string()).ok()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::domain::PhoneError;

    fn named() -> QueueTexts {
        let s = |t: &str| t.to_owned();
        QueueTexts {
            words: QueueWords {
                conflict_phone: s("phone taken"),
                conflict_id: s("id taken"),
                conflict_dependant: s("member %n% taken"),
                dependant: s("Member %n%"),
                code_wrong: s("wrong"),
                offline: s("offline"),
                signed_out: s("signed out"),
                ..QueueWords::default()
            },
            fields: vec![(Field::Phone, s("Phone")), (Field::FullName, s("Full name"))],
            problems: vec![(Problem::Phone(PhoneError::WrongLength), s("not 10 digits"))],
        }
    }

    #[test]
    fn a_rejected_registration_says_whose_field_breaks_which_rule() {
        let t = named();
        let problems = vec![
            (Who::Resident, Field::Phone, Some(Problem::Phone(PhoneError::WrongLength))),
            (Who::Dependant(2), Field::FullName, Some(Problem::SexMissing)),
            (Who::Resident, Field::Consent, None),
        ];
        assert_eq!(t.problems_text(&problems), "Phone: not 10 digits; Member 2 · Full name; consent");
        assert_eq!(t.conflict_text(TeamNotice::DependantTaken(3)), "member 3 taken");
        assert_eq!(t.conflict_text(TeamNotice::PhoneTaken), "phone taken");
        assert_eq!(t.conflict_text(TeamNotice::CitizenIdTaken), "id taken");
        assert_eq!(t.code_text(CodeAnswer::Offline), "offline");
        assert_eq!(t.code_text(CodeAnswer::SignedOut), "signed out");
        assert_eq!(t.code_text(CodeAnswer::Wrong), "wrong");
    }

    #[test]
    fn the_queue_words_exist_in_both_languages() {
        let vi: serde_json::Value = serde_json::from_str(include_str!("../../locales/vi.json")).expect("vi.json");
        let en: serde_json::Value = serde_json::from_str(include_str!("../../locales/en.json")).expect("en.json");
        for key in ["q_broken", "q_broken_why", "q_empty", "q_waiting", "q_sending", "q_pending", "q_confirmed", "q_conflict", "q_rejected"] {
            for (lang, words) in [("vi", &vi), ("en", &en)] {
                let text = words["team"][key].as_str().unwrap_or_default();
                assert!(!text.is_empty(), "{lang}: team.{key} is missing");
            }
        }
    }
}
