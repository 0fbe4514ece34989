//! The registration queue a team member's phone keeps for `/team/register` (IndexedDB database `cds-assist`, store
//! `queue`, one record per registration under its idempotency key `key`): the record's shape, read leniently (a
//! record the old `assist.js` left, a truncated or a foreign one) and written back in that very shape, what each
//! server answer makes of a record, and the order the list shows. Plain Rust for both targets: the island
//! (`super::islands`) runs it in the browser and the server's tests check it.
use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::api::{RegistrationReply, TeamError};
use super::{TeamNotice, Who};
use crate::identity::{Field, Problem};
use crate::web::Refusal;

/// Where the queue lives on the phone: the names the old script used, so a phone that still holds unsent
/// registrations when this build lands keeps them (and this build sends them).
pub const DATABASE: &str = "cds-assist";
pub const VERSION: u32 = 1;
pub const STORE: &str = "queue";
/// The store's key path: each record's idempotency key.
pub const KEY_PATH: &str = "key";
/// What is being typed, kept in localStorage under this prefix and the member's account id (signing out removes
/// every key with this prefix: `app::FORGET_KEPT_CODES`).
pub const DRAFT_PREFIX: &str = "cds-assist-draft:";
/// Confirmed registrations leave the phone a week after they were saved.
pub const KEEP_CONFIRMED_MS: f64 = 7.0 * 24.0 * 3600.0 * 1000.0;
/// How often the queue tries again by itself (also when the network comes back).
pub const RETRY_EVERY_MS: u32 = 30_000;
/// A pause in typing this long saves the draft.
pub const DRAFT_PAUSE_MS: u32 = 300;

/// Where a registration kept on the phone stands, by the names the records carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Saved on the phone, not sent yet.
    Waiting,
    /// On its way (a phone that stopped mid-way sends it again: the key makes that the same registration).
    Sending,
    /// The server has it; the resident's code confirms it.
    Pending,
    Confirmed,
    /// The resident (or a family member) has an account already.
    Conflict,
    /// Fields break a rule: the problems are kept with the fields, to fix.
    Rejected,
}

impl State {
    pub const ALL: [State; 6] =
        [State::Waiting, State::Sending, State::Pending, State::Confirmed, State::Conflict, State::Rejected];

    /// The record's `state` (and the list item's `data-state`).
    pub fn name(self) -> &'static str {
        match self {
            State::Waiting => "waiting",
            State::Sending => "sending",
            State::Pending => "pending",
            State::Confirmed => "confirmed",
            State::Conflict => "conflict",
            State::Rejected => "rejected",
        }
    }

    pub fn parse(name: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Still to be sent.
    pub fn to_send(self) -> bool {
        matches!(self, State::Waiting | State::Sending)
    }
}

/// A field's name as the form posts it (a family member's without its `d{n}_`), as the records name it.
pub fn field_name(field: Field) -> &'static str {
    match field {
        Field::Phone => "phone",
        Field::FullName => "full_name",
        Field::BirthDate => "birth_date",
        Field::Sex => "sex",
        Field::CitizenId => "citizen_id",
        Field::Consent => "consent",
        Field::Code => "code",
        Field::Relation => "relation",
        Field::Scope => "scope",
        Field::Until => "until",
    }
}

pub fn field_of(name: &str) -> Option<Field> {
    [
        Field::Phone,
        Field::FullName,
        Field::BirthDate,
        Field::Sex,
        Field::CitizenId,
        Field::Consent,
        Field::Code,
        Field::Relation,
        Field::Scope,
        Field::Until,
    ]
    .into_iter()
    .find(|f| field_name(*f) == name)
}

/// One registration kept on the phone.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// The idempotency key (the store's key).
    pub key: String,
    /// The member's account id: a shared phone keeps each member's queue apart.
    pub member: String,
    /// The form's fields as posted, in form order; dropped once the server has answered for good.
    pub fields: Vec<(String, String)>,
    /// The resident's name, as the list shows it.
    pub name: String,
    pub state: State,
    /// When it was saved on the phone (Unix milliseconds).
    pub saved_at: f64,
    /// The registration's id on the server (pending, confirmed).
    pub id: Option<String>,
    /// Who has an account already (conflict).
    pub conflict: Option<TeamNotice>,
    /// Whose field breaks which rule (rejected); the rule may be unknown to this build.
    pub problems: Vec<(Who, Field, Option<Problem>)>,
}

impl Record {
    /// A registration just saved from the form: waiting to be sent.
    pub fn new(key: String, member: String, fields: Vec<(String, String)>, now: f64) -> Record {
        let name = fields.iter().find(|(k, _)| k == "full_name").map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
        Record {
            key,
            member,
            fields,
            name,
            state: State::Waiting,
            saved_at: now,
            id: None,
            conflict: None,
            problems: Vec::new(),
        }
    }

    /// The fields as the registration's server function takes them.
    pub fn form(&self) -> BTreeMap<String, String> {
        self.fields.iter().cloned().collect()
    }

    /// The record as the store keeps it (the old script's shape: `key`, `member`, `fields` as `[name, value]`
    /// pairs, `name`, `state`, `savedAt`, and `id`, `reason`/`dependant` or `problems` where they apply).
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("key".into(), Value::from(self.key.as_str()));
        out.insert("member".into(), Value::from(self.member.as_str()));
        if !self.fields.is_empty() {
            let pairs = self.fields.iter().map(|(k, v)| Value::Array(vec![Value::from(k.as_str()), Value::from(v.as_str())]));
            out.insert("fields".into(), Value::Array(pairs.collect()));
        }
        out.insert("name".into(), Value::from(self.name.as_str()));
        out.insert("state".into(), Value::from(self.state.name()));
        out.insert("savedAt".into(), time_value(self.saved_at));
        if let Some(id) = &self.id {
            out.insert("id".into(), Value::from(id.as_str()));
        }
        if let Some(conflict) = self.conflict {
            let (reason, dependant) = conflict_reason(conflict);
            out.insert("reason".into(), Value::from(reason));
            if let Some(n) = dependant {
                out.insert("dependant".into(), Value::from(n));
            }
        }
        if self.state == State::Rejected {
            let problems = self.problems.iter().map(|(who, field, problem)| {
                let mut p = Map::new();
                p.insert("who".into(), Value::from(who.name()));
                p.insert("field".into(), Value::from(field_name(*field)));
                let why = problem.and_then(|rule| serde_json::to_value(rule).ok());
                p.insert("problem".into(), why.unwrap_or(Value::Null));
                Value::Object(p)
            });
            out.insert("problems".into(), Value::Array(problems.collect()));
        }
        Value::Object(out)
    }
}

/// A time in milliseconds as the old script wrote it (`Date.now()`: a whole number).
fn time_value(ms: f64) -> Value {
    let whole = ms.trunc();
    if whole == ms && whole.abs() < 9.0e15 { Value::from(whole as i64) } else { Value::from(ms) }
}

/// A conflict as the records name it: `phone_taken`, `citizen_id_taken`, or `dependant_taken` with the member's
/// number.
pub fn conflict_reason(notice: TeamNotice) -> (&'static str, Option<usize>) {
    match notice {
        TeamNotice::PhoneTaken => ("phone_taken", None),
        TeamNotice::DependantTaken(n) => ("dependant_taken", Some(n)),
        _ => ("citizen_id_taken", None),
    }
}

/// The conflict a record names (an unknown reason reads as the ID number's, as the old script showed it).
pub fn conflict_of(reason: Option<&str>, dependant: Option<u64>) -> TeamNotice {
    match reason {
        Some("phone_taken") => TeamNotice::PhoneTaken,
        Some("dependant_taken") => TeamNotice::DependantTaken(dependant.and_then(|n| usize::try_from(n).ok()).unwrap_or(0)),
        _ => TeamNotice::CitizenIdTaken,
    }
}

/// A record that cannot be read (truncated, written by something else): the list says so and offers to remove it.
#[derive(Clone, Debug, PartialEq)]
pub struct Broken {
    /// The store's key for it, as JSON (None when the key itself cannot be written as JSON).
    pub key: Option<Value>,
    pub saved_at: f64,
}

/// What the list shows for one record.
#[derive(Clone, Debug, PartialEq)]
pub enum Entry {
    Kept(Record),
    Broken(Broken),
}

impl Entry {
    pub fn saved_at(&self) -> f64 {
        match self {
            Entry::Kept(r) => r.saved_at,
            Entry::Broken(b) => b.saved_at,
        }
    }

    pub fn into_record(self) -> Option<Record> {
        match self {
            Entry::Kept(r) => Some(r),
            Entry::Broken(_) => None,
        }
    }

    /// The list item's identity: an item is drawn again when its state changes (a code typed into a pending
    /// item's box survives the queue being read again). `position` tells unreadable records apart.
    pub fn view_key(&self, position: usize) -> String {
        match self {
            Entry::Kept(r) => {
                let mut key = String::with_capacity(r.key.len() + 24);
                key.push_str(&r.key);
                key.push('|');
                key.push_str(r.state.name());
                key.push('|');
                key.push_str(r.id.as_deref().unwrap_or_default());
                key
            }
            Entry::Broken(_) => {
                let mut key = String::from("broken|");
                key.push_str(&position.to_string());
                key
            }
        }
    }
}

/// Reads one stored record for `member`: None when it is another member's (a shared phone), a broken entry when
/// it cannot be read. `key` is the store's key for it and `record` the record, both as JSON (None where the phone
/// holds something JSON cannot say).
pub fn read(key: Option<&Value>, record: Option<&Value>, member: &str) -> Option<Entry> {
    let broken = || {
        let saved_at = record.and_then(|r| r.get("savedAt")).and_then(Value::as_f64).filter(|t| t.is_finite());
        Some(Entry::Broken(Broken { key: key.cloned(), saved_at: saved_at.unwrap_or(0.0) }))
    };
    let Some(Value::Object(fields)) = record else { return broken() };
    match fields.get("member") {
        Some(Value::String(whose)) if whose != member => return None,
        Some(Value::String(_)) => {}
        _ => return broken(),
    }
    match parse(fields, member) {
        Some(record) => Some(Entry::Kept(record)),
        None => broken(),
    }
}

fn parse(r: &Map<String, Value>, member: &str) -> Option<Record> {
    let key = r.get("key")?.as_str().filter(|k| !k.is_empty())?.to_owned();
    let state = State::parse(r.get("state")?.as_str()?)?;
    let saved_at = r.get("savedAt")?.as_f64().filter(|t| t.is_finite())?;
    let name = match r.get("name") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(name)) => name.clone(),
        Some(_) => return None,
    };
    let fields = match r.get("fields") {
        None | Some(Value::Null) => Vec::new(),
        Some(list) => pairs(list)?,
    };
    // what is still to be sent, or to be fixed, needs its fields
    if (state.to_send() || state == State::Rejected) && fields.is_empty() {
        return None;
    }
    let id = match r.get("id") {
        Some(Value::String(id)) if !id.is_empty() => Some(id.clone()),
        _ => None,
    };
    if matches!(state, State::Pending | State::Confirmed) && id.is_none() {
        return None;
    }
    let conflict = (state == State::Conflict)
        .then(|| conflict_of(r.get("reason").and_then(Value::as_str), r.get("dependant").and_then(Value::as_u64)));
    let problems = if state == State::Rejected { problems_of(r.get("problems")) } else { Vec::new() };
    Some(Record { key, member: member.to_owned(), fields, name, state, saved_at, id, conflict, problems })
}

/// `[[name, value], …]`, every pair two strings; None when any is not.
fn pairs(list: &Value) -> Option<Vec<(String, String)>> {
    list.as_array()?
        .iter()
        .map(|pair| match pair.as_array().map(Vec::as_slice) {
            Some([Value::String(name), Value::String(value)]) => Some((name.clone(), value.clone())),
            _ => None,
        })
        .collect()
}

/// The problems a record names; one that does not say whose or which field is left out.
fn problems_of(list: Option<&Value>) -> Vec<(Who, Field, Option<Problem>)> {
    let Some(list) = list.and_then(Value::as_array) else { return Vec::new() };
    list.iter()
        .filter_map(|p| {
            let who = Who::parse(p.get("who")?.as_str()?)?;
            let field = field_of(p.get("field")?.as_str()?)?;
            let problem = p.get("problem").and_then(|v| serde_json::from_value::<Problem>(v.clone()).ok());
            Some((who, field, problem))
        })
        .collect()
}

/// What the list shows, newest first, and the keys of the confirmed registrations older than a week (they
/// leave the phone).
pub fn arrange(entries: Vec<Entry>, now: f64) -> (Vec<Entry>, Vec<String>) {
    let mut old = Vec::new();
    let mut shown: Vec<Entry> = entries
        .into_iter()
        .filter(|e| match e {
            Entry::Kept(r) if r.state == State::Confirmed && now - r.saved_at > KEEP_CONFIRMED_MS => {
                old.push(r.key.clone());
                false
            }
            _ => true,
        })
        .collect();
    by_time(&mut shown, |e| -e.saved_at());
    (shown, old)
}

/// The records to send now, oldest first.
pub fn to_send(entries: Vec<Entry>) -> Vec<Record> {
    let mut todo: Vec<Record> = entries.into_iter().filter_map(Entry::into_record).filter(|r| r.state.to_send()).collect();
    by_time(&mut todo, |r| r.saved_at);
    todo
}

/// Orders a phone's few records by a time (stable, ascending). An insertion sort: the queue holds tens of records,
/// and the standard library's sort adds 13 KB to the staff WASM for each of its two uses.
fn by_time<T>(list: &mut [T], time: impl Fn(&T) -> f64) {
    for i in 1..list.len() {
        let mut j = i;
        while j > 0 && time(&list[j - 1]).total_cmp(&time(&list[j])).is_gt() {
            list.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// After an answer: go on with the next record, stop (try again later), or stop and say the session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    Go,
    Stop,
    SignedOut,
}

/// What the server's answer to a sent record makes of it. Received (created, or received before with this key):
/// pending or confirmed, and the phone keeps only the name and the state. A resident with an account: a conflict.
/// Fields that break a rule: rejected, with the problems and the fields to fix. Anything else (no network, the
/// session ended, the server busy or an answer that makes no sense): waiting, to send again with the same key.
pub fn after_send(mut record: Record, answer: Result<RegistrationReply, TeamError>) -> (Record, Next) {
    match answer {
        Ok(reply) if !reply.id.is_empty() => {
            record.state = if reply.state == "confirmed" { State::Confirmed } else { State::Pending };
            record.id = Some(reply.id);
            record.fields.clear();
            record.problems.clear();
            record.conflict = None;
            (record, Next::Go)
        }
        Err(TeamError::Notice(
            notice @ (TeamNotice::PhoneTaken | TeamNotice::CitizenIdTaken | TeamNotice::DependantTaken(_)),
        )) => {
            record.state = State::Conflict;
            record.conflict = Some(notice);
            record.fields.clear();
            record.problems.clear();
            (record, Next::Go)
        }
        Err(TeamError::Invalid { problems }) => {
            record.state = State::Rejected;
            record.problems = problems.into_iter().map(|(who, field, problem)| (who, field, Some(problem))).collect();
            (record, Next::Go)
        }
        Err(TeamError::Refused(Refusal::SignIn | Refusal::SecondFactor)) => {
            record.state = State::Waiting;
            (record, Next::SignedOut)
        }
        _ => {
            record.state = State::Waiting;
            (record, Next::Stop)
        }
    }
}

/// What a pending registration's code box says after the server answered the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeAnswer {
    Confirmed,
    /// A wrong, expired or used-up code (or any other refusal of it).
    Wrong,
    /// No network (or the server is busy): try again.
    Offline,
    SignedOut,
}

pub fn code_answer(answer: &Result<RegistrationReply, TeamError>) -> CodeAnswer {
    match answer {
        Ok(reply) if reply.state == "confirmed" => CodeAnswer::Confirmed,
        Err(TeamError::Refused(Refusal::Unavailable)) => CodeAnswer::Offline,
        Err(TeamError::Refused(Refusal::SignIn | Refusal::SecondFactor)) => CodeAnswer::SignedOut,
        _ => CodeAnswer::Wrong,
    }
}

/// The draft's localStorage key for this member.
pub fn draft_key(member: &str) -> String {
    let mut key = String::with_capacity(DRAFT_PREFIX.len() + member.len());
    key.push_str(DRAFT_PREFIX);
    key.push_str(member);
    key
}

/// A draft as it fills the form: never its key or its time (a draft sent later is a new registration).
pub fn draft_to_fill(pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs.into_iter().filter(|(k, _)| k != "key" && k != "recorded_at").collect()
}

/// The family member a field belongs to: `d2_name` is member 2's.
pub fn slot_of(name: &str) -> Option<usize> {
    let (n, _) = name.strip_prefix('d')?.split_once('_')?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    n.parse().ok().filter(|n| *n > 0)
}

/// A registration id that can go into a link as it is (the server's record keys are letters and digits).
pub fn plain_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// An idempotency key from 16 random bytes: 32 hex digits (the server takes 16–64 letters, digits and dashes).
pub fn key_from(bytes: &[u8; 16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut key = String::with_capacity(32);
    for b in bytes {
        key.push(char::from(HEX[usize::from(b >> 4)]));
        key.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Notice;
    use crate::identity::domain::PhoneError;
    use serde_json::json;

    const MEMBER: &str = "m0001";

    /// A record as the old `assist.js` saved it from the form, waiting to be sent.
    fn old_waiting() -> Value {
        json!({
            "key": "0f8e2b4c-1d3a-4e5f-9a8b-7c6d5e4f3a2b",
            "member": MEMBER,
            "fields": [["key", "0f8e2b4c-1d3a-4e5f-9a8b-7c6d5e4f3a2b"], ["recorded_at", "1767225600000"],
                ["full_name", "Trần Thị Lan"], ["citizen_id", "048186000123"], ["sex", "female"], ["consent", "yes"]],
            "name": "Trần Thị Lan",
            "state": "waiting",
            "savedAt": 1767225600000u64
        })
    }

    fn kept(entry: Option<Entry>) -> Record {
        match entry {
            Some(Entry::Kept(r)) => r,
            other => panic!("not a kept record: {other:?}"),
        }
    }

    #[test]
    fn a_record_left_by_the_old_script_is_read_and_written_back_in_its_shape() {
        let value = old_waiting();
        let record = kept(read(value.get("key"), Some(&value), MEMBER));
        assert_eq!(record.state, State::Waiting);
        assert_eq!(record.name, "Trần Thị Lan");
        assert_eq!(record.form().get("citizen_id").map(String::as_str), Some("048186000123"));
        assert_eq!(record.to_json(), value);
        // each answer the old script stored reads back
        let pending = json!({"key": "k1234567890abcdef", "member": MEMBER, "name": "Lê Văn Hùng", "savedAt": 5,
            "id": "abc123", "state": "pending"});
        let record = kept(read(None, Some(&pending), MEMBER));
        assert_eq!((record.state, record.id.as_deref()), (State::Pending, Some("abc123")));
        assert_eq!(record.to_json(), pending);
        let conflict = json!({"key": "k1234567890abcdef", "member": MEMBER, "name": "A", "savedAt": 5,
            "state": "conflict", "reason": "dependant_taken", "dependant": 2});
        let record = kept(read(None, Some(&conflict), MEMBER));
        assert_eq!(record.conflict, Some(TeamNotice::DependantTaken(2)));
        assert_eq!(record.to_json(), conflict);
        let rejected = json!({"key": "k1234567890abcdef", "member": MEMBER, "name": "A", "savedAt": 5.0,
            "state": "rejected", "fields": [["phone", "12345"]],
            "problems": [{"who": "resident", "field": "phone", "problem": {"Phone": "WrongLength"}},
                         {"who": "d2", "field": "full_name", "problem": "SexMissing"},
                         {"who": "nobody", "field": "phone", "problem": "SexMissing"}]});
        let record = kept(read(None, Some(&rejected), MEMBER));
        assert_eq!(
            record.problems,
            vec![
                (Who::Resident, Field::Phone, Some(Problem::Phone(PhoneError::WrongLength))),
                (Who::Dependant(2), Field::FullName, Some(Problem::SexMissing)),
            ]
        );
    }

    #[test]
    fn another_members_records_are_not_shown_and_unreadable_ones_are_shown_as_broken() {
        let mut theirs = old_waiting();
        theirs["member"] = json!("someone-else");
        assert_eq!(read(theirs.get("key"), Some(&theirs), MEMBER), None);
        let key = json!("garbled-0001");
        let garbled = [
            json!({"key": "garbled-0001", "member": MEMBER, "state": "waiting", "fields": "not a list"}),
            json!({"key": "garbled-0001", "member": MEMBER, "state": "waiting", "savedAt": 1.0}),
            json!({"key": "garbled-0001", "member": MEMBER, "state": "waiting", "savedAt": 1.0, "fields": [["a"]]}),
            json!({"key": "garbled-0001", "member": MEMBER, "state": "flying", "savedAt": 1.0, "fields": [["a", "b"]]}),
            json!({"key": "garbled-0001", "member": MEMBER, "state": "pending", "savedAt": 1.0}),
            json!({"key": "garbled-0001", "member": MEMBER, "state": "waiting", "savedAt": "yesterday", "fields": [["a", "b"]]}),
            json!({"key": "garbled-0001", "member": MEMBER, "state": "waiting", "savedAt": 1.0, "fields": [["a", "b"]], "name": 7}),
            json!({"key": "garbled-0001", "hello": "world"}),
            json!({"key": "garbled-0001", "member": 42}),
            json!("just text"),
            json!(null),
        ];
        for value in garbled {
            match read(Some(&key), Some(&value), MEMBER) {
                Some(Entry::Broken(b)) => assert_eq!(b.key, Some(key.clone()), "{value}"),
                other => panic!("{value}: {other:?}"),
            }
        }
        // a record JSON cannot say (the phone could not stringify it)
        assert!(matches!(read(None, None, MEMBER), Some(Entry::Broken(Broken { key: None, .. }))));
    }

    #[test]
    fn the_list_is_newest_first_and_confirmed_registrations_leave_after_a_week() {
        let now = 100.0 * 86_400_000.0;
        let at = |key: &str, state: &str, saved: f64| {
            let v = json!({"key": key, "member": MEMBER, "state": state, "savedAt": saved, "id": "x1",
                "fields": [["full_name", key]]});
            read(None, Some(&v), MEMBER).expect("ours")
        };
        let entries = vec![
            at("old-confirmed", "confirmed", now - 8.0 * 86_400_000.0),
            at("new-confirmed", "confirmed", now - 86_400_000.0),
            at("waiting-late", "waiting", now - 10.0),
            at("waiting-early", "sending", now - 1000.0),
            at("old-pending", "pending", now - 30.0 * 86_400_000.0),
        ];
        let (shown, old) = arrange(entries.clone(), now);
        assert_eq!(old, vec!["old-confirmed".to_owned()]);
        let keys: Vec<String> = shown.iter().filter_map(|e| e.clone().into_record()).map(|r| r.key).collect();
        assert_eq!(keys, ["waiting-late", "waiting-early", "new-confirmed", "old-pending"]);
        let todo: Vec<String> = to_send(entries).into_iter().map(|r| r.key).collect();
        assert_eq!(todo, ["waiting-early", "waiting-late"]);
    }

    #[test]
    fn each_server_answer_makes_the_record_what_the_old_script_made_it() {
        let record = kept(read(None, Some(&old_waiting()), MEMBER));
        let reply = |state: &str| RegistrationReply { state: state.into(), id: "r1".into(), code_sent: Some(true), again: None };
        let (done, next) = after_send(record.clone(), Ok(reply("pending")));
        assert_eq!((done.state, done.id.as_deref(), next), (State::Pending, Some("r1"), Next::Go));
        assert!(done.fields.is_empty(), "once received, the phone keeps only the name and the state");
        assert_eq!(done.to_json().get("fields"), None);
        assert_eq!(after_send(record.clone(), Ok(reply("confirmed"))).0.state, State::Confirmed);
        let (conflict, next) = after_send(record.clone(), Err(TeamError::Notice(TeamNotice::PhoneTaken)));
        assert_eq!((conflict.state, next), (State::Conflict, Next::Go));
        assert_eq!(conflict.to_json()["reason"], "phone_taken");
        let problems = vec![(Who::Dependant(1), Field::BirthDate, Problem::NotAChild)];
        let (rejected, next) = after_send(record.clone(), Err(TeamError::Invalid { problems }));
        assert_eq!((rejected.state, next), (State::Rejected, Next::Go));
        assert!(!rejected.fields.is_empty(), "the fields stay, to fix");
        let written = rejected.to_json();
        assert_eq!(written["problems"][0], json!({"who": "d1", "field": "birth_date", "problem": "NotAChild"}));
        assert_eq!(kept(read(None, Some(&written), MEMBER)), rejected);
        for (answer, expected) in [
            (Err(TeamError::Refused(Refusal::SignIn)), Next::SignedOut),
            (Err(TeamError::Refused(Refusal::SecondFactor)), Next::SignedOut),
            (Err(TeamError::Refused(Refusal::Unavailable)), Next::Stop),
            (Err(TeamError::Refused(Refusal::BadRequest)), Next::Stop),
            (Err(TeamError::Refused(Refusal::Forbidden)), Next::Stop),
            (Err(TeamError::NotSent(Notice::SmsFailed)), Next::Stop),
            (Ok(RegistrationReply::default()), Next::Stop),
        ] {
            let (kept_back, next) = after_send(record.clone(), answer);
            assert_eq!((kept_back.state, next), (State::Waiting, expected));
            assert_eq!(kept_back.fields, record.fields, "kept whole, to send again with the same key");
        }
    }

    #[test]
    fn a_code_answer_says_confirmed_wrong_offline_or_signed_out() {
        let confirmed = RegistrationReply { state: "confirmed".into(), id: "r1".into(), ..RegistrationReply::default() };
        assert_eq!(code_answer(&Ok(confirmed)), CodeAnswer::Confirmed);
        assert_eq!(code_answer(&Err(TeamError::Notice(TeamNotice::Code(Notice::CodeExpired)))), CodeAnswer::Wrong);
        assert_eq!(code_answer(&Err(TeamError::Refused(Refusal::Unavailable))), CodeAnswer::Offline);
        assert_eq!(code_answer(&Err(TeamError::Refused(Refusal::SignIn))), CodeAnswer::SignedOut);
        assert_eq!(code_answer(&Err(TeamError::Refused(Refusal::Forbidden))), CodeAnswer::Wrong);
    }

    #[test]
    fn drafts_keys_slots_and_links() {
        assert_eq!(draft_key("abc"), "cds-assist-draft:abc");
        let draft = vec![("key".into(), "k".into()), ("recorded_at".into(), "1".into()), ("phone".into(), "0905".into())];
        assert_eq!(draft_to_fill(draft), vec![("phone".to_owned(), "0905".to_owned())]);
        assert_eq!(slot_of("d2_name"), Some(2));
        assert_eq!(slot_of("d12_birth"), Some(12));
        assert_eq!(slot_of("d0_name"), None);
        assert_eq!(slot_of("dx_name"), None);
        assert_eq!(slot_of("d+1_name"), None);
        assert_eq!(slot_of("full_name"), None);
        assert!(plain_id("abc123XYZ"));
        assert!(!plain_id("../admin") && !plain_id(""));
        let key = key_from(&[0x00, 0x1f, 0xa0, 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        assert_eq!(key, "001fa0ff0102030405060708090a0b0c");
        assert!((16..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric()));
        for field in [Field::Phone, Field::FullName, Field::BirthDate, Field::Sex, Field::CitizenId, Field::Consent, Field::Relation] {
            assert_eq!(field_of(field_name(field)), Some(field));
        }
        for state in State::ALL {
            assert_eq!(State::parse(state.name()), Some(state));
        }
    }
}
