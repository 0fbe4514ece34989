//! The team's server functions: each page's data (the registration form, one registration of the member's team,
//! helping a resident, the work figures) and each form (register a resident, confirm or resend their code, ask a
//! resident for a code to help them, name a leader). Posted by a browser without JavaScript, a form sends it back
//! (303) to its page with what it answered in the flash; the registration queue's island
//! ([`AssistQueue`](super::islands::AssistQueue)) calls [`register_resident`] and [`confirm_registration`] itself
//! and gets their typed answers ([`RegistrationReply`], [`TeamError`]). Server functions have fixed addresses, so the
//! forms of one registration carry its id as a field.
use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, JsonEncoding};
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use super::{AssistPageData, HelpPageData, RegistrationPageData, TeamNotice, Who, WorkPageData};
use crate::identity::{Field, Notice, Problem};
use crate::web::{FormFailure, Refusal};

/// Why a team form did nothing (or not all it was asked): the caller, fields that break a rule, a code that could
/// not be sent, or a notice about the whole form (a resident with an account already, a code's answer, no such
/// resident). Crosses the wire as itself (JSON, with the status of [`FormFailure::status`]): the island that calls
/// these functions gets this very type back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum TeamError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// Fields that break a rule: whose (the resident's or family member n's), which, and why. Nothing was saved.
    #[error("some fields break a rule")]
    Invalid { problems: Vec<(Who, Field, Problem)> },
    /// A code could not be sent (too soon after the last, too many, the SMS failed).
    #[error("the code was not sent: {0:?}")]
    NotSent(Notice),
    #[error("refused: {0:?}")]
    Notice(TeamNotice),
}

impl FromServerFnError for TeamError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(e: ServerFnErrorErr) -> Self {
        TeamError::Refused(e.into())
    }
}

impl FormFailure for TeamError {
    fn refusal(&self) -> Option<Refusal> {
        match self {
            TeamError::Refused(r) => Some(*r),
            _ => None,
        }
    }

    /// The status a script (the queue's island, a bench) gets: 401 for a session to sign in again (the
    /// authenticator step included: the queue keeps the registration and says so), 422 for fields or a code that
    /// break a rule, 409 for a resident with an account already, 404 for no such resident, 429 for a code that was
    /// not sent.
    fn status(&self) -> u16 {
        match self {
            TeamError::Refused(Refusal::SecondFactor) => 401,
            TeamError::Refused(r) => r.status(),
            TeamError::Invalid { .. } => 422,
            TeamError::NotSent(_) => 429,
            TeamError::Notice(TeamNotice::PhoneTaken | TeamNotice::CitizenIdTaken | TeamNotice::DependantTaken(_)) => 409,
            TeamError::Notice(TeamNotice::NoSuchResident) => 404,
            TeamError::Notice(_) => 422,
        }
    }
}

/// What the server did with a registration: `{"state":"pending","id":…,"code_sent":true|false}` (new),
/// `{"state":"pending"|"confirmed","id":…,"again":true}` (received before), `{"state":"confirmed","id":…}`
/// (confirmed).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RegistrationReply {
    /// pending | confirmed
    pub state: String,
    pub id: String,
    /// A new registration: whether its code went out (false: resend it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_sent: Option<bool>,
    /// The same key was received before: nothing new was created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub again: Option<bool>,
}

impl RegistrationReply {
    /// What the registration's page says after the form was posted.
    pub fn notice(&self) -> TeamNotice {
        if self.again == Some(true) {
            TeamNotice::AlreadyReceived
        } else if self.code_sent == Some(false) {
            TeamNotice::Code(Notice::SmsFailed)
        } else {
            TeamNotice::Registered
        }
    }
}

// ---- registering a resident (`/team/register`) -----------------------------------------------------------------

/// The form's data, for team members only: their team and ward, the form as its last post left it (or blank with
/// a fresh idempotency key, for a browser without JavaScript).
#[server(prefix = "/api", endpoint = "team/register", input = GetUrl)]
pub async fn assist_page() -> Result<AssistPageData, Refusal> {
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    let member = glue::member(&state).await?;
    reply::no_store();
    let kept: Option<AssistPageData> = flash::take(&state, glue::REGISTER_FLASH).await;
    if kept.as_ref().is_some_and(|k| !k.problems.is_empty() || k.notice.is_some()) {
        // The form again, to fix: never a 2xx, so the service worker does not keep this copy of what was typed for
        // use without network (it keeps the blank form), and never a 5xx, which it answers with that blank copy.
        reply::set_status(if kept.as_ref().and_then(|k| k.notice).is_some_and(glue::is_conflict) { 409 } else { 422 });
    }
    Ok(glue::assist_page(&state, &member, kept.unwrap_or_default()))
}

/// Registers a resident (and family members without a phone of their own: fields `d{n}_…`), once per idempotency
/// key `key`. A browser without JavaScript is sent to the registration's page (the code sent), or back to the form
/// with every problem and everything typed. A script (`Accept` without `text/html`: the queue's island calls this
/// function with the form's fields as the form posts them) gets:
/// - 201 [`RegistrationReply`] `{"state":"pending","id":…,"code_sent":true|false}` created (false: sending the code
///   failed, resend it);
/// - 200 `{"state":"pending"|"confirmed","id":…,"again":true}` the same key was received before;
/// - 409 [`TeamError::Notice`] `PhoneTaken` | `CitizenIdTaken` | `DependantTaken(n)`;
/// - 422 [`TeamError::Invalid`] with every problem: whose ([`Who`]), which field, why;
/// - 401 / 403 / 503 [`TeamError::Refused`]: keep it and try later.
#[server(prefix = "", endpoint = "team/register")]
pub async fn register_resident(#[server(flatten)] fields: BTreeMap<String, String>) -> Result<RegistrationReply, TeamError> {
    use crate::web::reply;
    let state = crate::web::caller::state()?;
    let pairs: Vec<(String, String)> = fields.into_iter().collect();
    let input = super::AssistInput::from_pairs(&pairs);
    let result = glue::register(&state, &input).await;
    match &result {
        Ok(answer) => {
            if answer.again.is_none() && !reply::native_form_post() {
                reply::set_status(201);
            }
            let (back, form) = (glue::registration_path(&answer.id), glue::registration_flash(&answer.id));
            reply::finish_form(&state, &back, &form, &result, Some(answer.notice())).await;
        }
        Err(e) => {
            let (problems, notice) = glue::shown(e);
            let page = AssistPageData { input, problems, notice, ..AssistPageData::default() };
            reply::finish_form(&state, "/team/register", glue::REGISTER_FLASH, &result, page).await;
        }
    }
    result
}

// ---- one registration (`/team/registrations/{id}`) -------------------------------------------------------------

/// One registration of the member's team, and what its last form answered. Another team's registration and one
/// that does not exist are both forbidden.
#[server(prefix = "/api", endpoint = "team/registration", input = GetUrl)]
pub async fn registration_page(#[server(default)] id: String) -> Result<RegistrationPageData, Refusal> {
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    let member = glue::member(&state).await?;
    let (line, _) = glue::registration(&state, &member, &id).await?;
    reply::no_store();
    let kept: Option<Option<TeamNotice>> = flash::take(&state, &glue::registration_flash(&id)).await;
    Ok(RegistrationPageData { line, notice: kept.flatten() })
}

/// The code the resident read out: the registration is confirmed. A script gets 200
/// `{"state":"confirmed","id":…}` (also when it was confirmed before), or 422 for a wrong, expired or used-up code.
#[server(prefix = "", endpoint = "team/registrations/confirm")]
pub async fn confirm_registration(
    #[server(default)] id: String,
    #[server(default)] code: String,
) -> Result<RegistrationReply, TeamError> {
    let state = crate::web::caller::state()?;
    let result = glue::confirm(&state, &id, &code).await;
    let notice = match &result {
        Ok(_) => Some(TeamNotice::Confirmed),
        Err(e) => glue::shown(e).1,
    };
    let (back, form) = (glue::registration_path(&id), glue::registration_flash(&id));
    crate::web::reply::finish_form(&state, &back, &form, &result, notice).await;
    result
}

/// A new code to the resident of a pending registration (after the wait). False: it is confirmed, nothing to send.
#[server(prefix = "", endpoint = "team/registrations/resend")]
pub async fn resend_registration_code(#[server(default)] id: String) -> Result<bool, TeamError> {
    let state = crate::web::caller::state()?;
    let result = glue::resend(&state, &id).await;
    let notice = match &result {
        Ok(true) => Some(TeamNotice::CodeSent),
        Ok(false) => None,
        Err(e) => glue::shown(e).1,
    };
    let (back, form) = (glue::registration_path(&id), glue::registration_flash(&id));
    crate::web::reply::finish_form(&state, &back, &form, &result, notice).await;
    result
}

// ---- helping a resident update their data (`/team/help`) -------------------------------------------------------

/// The help page's data, for team members only: what its last form answered, or nothing.
#[server(prefix = "/api", endpoint = "team/help", input = GetUrl)]
pub async fn help_page() -> Result<HelpPageData, Refusal> {
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    glue::member(&state).await?;
    reply::no_store();
    let kept: Option<HelpPageData> = flash::take(&state, glue::HELP_FLASH).await;
    Ok(kept.unwrap_or_default())
}

/// Sends the resident (an active account of the member's ward) a code. Anyone else gets the same answer as a
/// number without an account (404 for a script), and no code.
#[server(prefix = "", endpoint = "team/help")]
pub async fn ask_help(#[server(default)] phone: String) -> Result<(), TeamError> {
    let state = crate::web::caller::state()?;
    let mut page = HelpPageData { phone: phone.clone(), ..HelpPageData::default() };
    let result = glue::ask_help(&state, &phone, &mut page).await;
    let (problems, notice) = match &result {
        Ok(()) => (Vec::new(), Some(TeamNotice::CodeSent)),
        Err(e) => glue::shown(e),
    };
    page.phone_problem = problems.iter().find_map(|(_, _, p)| match p {
        Problem::Phone(e) => Some(*e),
        _ => None,
    });
    page.notice = notice;
    crate::web::reply::finish_form(&state, "/team/help", glue::HELP_FLASH, &result, page).await;
    result
}

/// The resident's code: the member may update the resident's profile for an hour, and is sent there. The answer
/// is the resident's account id.
#[server(prefix = "", endpoint = "team/help/confirm")]
pub async fn confirm_help(#[server(default)] phone: String, #[server(default)] code: String) -> Result<String, TeamError> {
    use crate::web::reply;
    let state = crate::web::caller::state()?;
    let mut page = HelpPageData::default();
    let result = glue::confirm_help(&state, &phone, &code, &mut page).await;
    match &result {
        Ok(resident) => reply::see_other(&format!("/me/profile?for={resident}")),
        Err(e) => {
            page.notice = glue::shown(e).1;
            reply::finish_form(&state, "/team/help", glue::HELP_FLASH, &result, page).await;
        }
    }
    result
}

// ---- the work figures (`/team/work`) ---------------------------------------------------------------------------

/// Residents helped today / this week / this month and pending confirmations, per team and member, for the teams
/// the caller may see (a member's own, a ward officer's wards', every team for the city administrator).
#[server(prefix = "/api", endpoint = "team/work", input = GetUrl)]
pub async fn work_page() -> Result<WorkPageData, Refusal> {
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    let principal: crate::access::guard::Principal = caller::caller(&state).await?;
    let visible = glue::visible_teams(&state, &principal).await?;
    reply::no_store();
    let kept: Option<Option<TeamNotice>> = flash::take(&state, glue::WORK_FLASH).await;
    glue::work(&state, &principal, visible, kept.flatten()).await
}

/// Names a team's leader (the city administrator, or an officer of the team's ward).
#[server(prefix = "", endpoint = "team/leader")]
pub async fn set_leader(#[server(default)] team: String, #[server(default)] account: String) -> Result<(), TeamError> {
    let state = crate::web::caller::state()?;
    let result = glue::set_leader(&state, &team, &account).await;
    let notice = match &result {
        Ok(()) => Some(TeamNotice::LeaderSet),
        Err(e) => glue::shown(e).1,
    };
    crate::web::reply::finish_form(&state, "/team/work", glue::WORK_FLASH, &result, notice).await;
    result
}

#[cfg(feature = "ssr")]
mod glue {
    use super::super::domain::validate;
    use super::super::service::{self, AssistError, Member, Registered};
    use super::super::{AssistInput, AssistPageData, HelpPageData, RegistrationLine, TeamNotice, Who, WorkPageData};
    use super::{RegistrationReply, TeamError};
    use crate::access::Role;
    use crate::access::guard::Principal;
    use crate::identity::domain::PhoneNumber;
    use crate::identity::otp::{self, OtpError, OtpPolicy};
    use crate::identity::web::{issue_and_send, now, otp_notice};
    use crate::identity::{Field, Notice, OtpPurpose, Problem};
    use crate::units::UnitsVersion;
    use crate::web::caller::caller;
    use crate::web::{AppState, Refusal};

    /// The flash's form names: the registration form, each registration's page, the help page, the work page.
    pub const REGISTER_FLASH: &str = "team_register";
    pub const HELP_FLASH: &str = "team_help";
    pub const WORK_FLASH: &str = "team_work";

    pub fn registration_flash(id: &str) -> String {
        format!("team_registration:{id}")
    }

    /// Where a registration's forms send the browser back (the work page for an id that is not one).
    pub fn registration_path(id: &str) -> String {
        if crate::family::service::is_record_key(id) {
            format!("/team/registrations/{id}")
        } else {
            "/team/work".to_owned()
        }
    }

    /// Codes sent for a team: valid for 30 minutes (a registration sent later, when the network came back, may
    /// reach the resident after the member left), at most 120 an hour per member (the per-phone limits stay).
    const TEAM_CODES: OtpPolicy = OtpPolicy {
        validity_seconds: 1800,
        max_wrong_tries: 5,
        max_per_phone_per_hour: 10,
        resend_wait_seconds: 60,
        max_per_client_per_hour: 120,
    };

    /// What a failed form shows on its page: the problems next to their fields, or a notice (none for a form that
    /// was not the page's: the page afresh).
    pub fn shown(e: &TeamError) -> (Vec<(Who, Field, Problem)>, Option<TeamNotice>) {
        match e {
            TeamError::Invalid { problems } => (problems.clone(), None),
            TeamError::NotSent(n) => (Vec::new(), Some(TeamNotice::Code(*n))),
            TeamError::Notice(n) => (Vec::new(), Some(*n)),
            TeamError::Refused(Refusal::BadRequest) => (Vec::new(), None),
            TeamError::Refused(_) => (Vec::new(), Some(TeamNotice::Failed)),
        }
    }

    /// A resident (or a family member) who has an account already.
    pub fn is_conflict(notice: TeamNotice) -> bool {
        matches!(notice, TeamNotice::PhoneTaken | TeamNotice::CitizenIdTaken | TeamNotice::DependantTaken(_))
    }

    /// The caller as a member of a team (their first), after the authenticator step.
    pub async fn member(state: &AppState) -> Result<Member, Refusal> {
        let principal: Principal = caller(state).await?;
        let scoped = principal.scoped(Role::TeamMember)?;
        Member::of(&state.db, &scoped, None)
            .await
            .map_err(|e| Refusal::unavailable("reading the caller's team", e))?
            .ok_or(Refusal::Forbidden)
    }

    fn ward_name(state: &AppState, code: &str) -> String {
        state.units.get(code, UnitsVersion::CURRENT).map(|u| u.name.clone()).unwrap_or_else(|| code.to_owned())
    }

    /// The registration form's page: the member's team around the form as kept (or blank, with a new key).
    pub fn assist_page(state: &AppState, member: &Member, mut page: AssistPageData) -> AssistPageData {
        page.member = member.account_id().to_owned();
        page.team_name = member.team_name().to_owned();
        page.ward_name = ward_name(state, member.ward());
        if page.input.key.is_empty() {
            page.input.key = crate::family::service::new_key().unwrap_or_default();
        }
        page
    }

    fn registration_message(code: &str, public_url: &str) -> String {
        format!(
            "Cong Dan So: To cong nghe so cong dong da dang ky tai khoan cho ban. Ma xac nhan {code} (doc cho thanh \
             vien to neu ban dong y, hieu luc 30 phut). Hoac tu xac nhan: dang nhap tai {public_url}/signin / A \
             community team registered you: code {code}."
        )
    }

    async fn send_registration_code(state: &AppState, member: &Member, phone: &PhoneNumber) -> Result<(), Notice> {
        let url = state.public_url.clone();
        let text = move |code: &str| registration_message(code, &url);
        let client = format!("member:{}", member.account_id());
        issue_and_send(state, phone, OtpPurpose::Confirm, &client, &TEAM_CODES, Some(&text)).await
    }

    /// `/team/register`: every rule checked at once; then the accounts (pending) and the code to the resident, or
    /// the registration received before with the same key.
    pub async fn register(state: &AppState, input: &AssistInput) -> Result<RegistrationReply, TeamError> {
        let member = member(state).await?;
        let now = now();
        let details = validate(input, now).map_err(|problems| TeamError::Invalid { problems })?;
        match service::register(&state.db, &member, &details, now).await {
            Ok(Registered::Created { id, phone }) => {
                let sent = send_registration_code(state, &member, &phone).await;
                tracing::info!(team = member.team_id(), "assisted registration received");
                Ok(RegistrationReply { state: "pending".to_owned(), id, code_sent: Some(sent.is_ok()), again: None })
            }
            Ok(Registered::Again { id, state: reg_state }) => {
                Ok(RegistrationReply { state: reg_state, id, code_sent: None, again: Some(true) })
            }
            Err(AssistError::PhoneTaken) => Err(TeamError::Notice(TeamNotice::PhoneTaken)),
            Err(AssistError::CitizenIdTaken) => Err(TeamError::Notice(TeamNotice::CitizenIdTaken)),
            Err(AssistError::DependantTaken(n)) => Err(TeamError::Notice(TeamNotice::DependantTaken(n))),
            Err(AssistError::Db(e)) => Err(Refusal::unavailable("an assisted registration", e).into()),
        }
    }

    /// One registration of the member's team, with the resident's number while it is pending.
    pub async fn registration(
        state: &AppState,
        member: &Member,
        id: &str,
    ) -> Result<(RegistrationLine, Option<PhoneNumber>), Refusal> {
        service::registration(&state.db, member, id)
            .await
            .map_err(|e| Refusal::unavailable("reading a registration", e))?
            .ok_or(Refusal::Forbidden)
    }

    /// `/team/registrations/confirm`: the code the resident read out.
    pub async fn confirm(state: &AppState, id: &str, code: &str) -> Result<RegistrationReply, TeamError> {
        let member = member(state).await?;
        let now = now();
        let confirmed = RegistrationReply { state: "confirmed".to_owned(), id: id.to_owned(), ..RegistrationReply::default() };
        let phone = match registration(state, &member, id).await? {
            (line, _) if line.state == "confirmed" => return Ok(confirmed),
            (_, Some(phone)) => phone,
            (_, None) => return Err(Refusal::Forbidden.into()),
        };
        if let Err(e) = otp::verify(&state.db, &state.secret, &TEAM_CODES, &phone, OtpPurpose::Confirm, code, now).await {
            if let OtpError::Db(cause) = &e {
                tracing::error!(error = %cause, "checking a code failed");
            }
            return Err(TeamError::Notice(TeamNotice::Code(otp_notice(&e))));
        }
        service::confirm(&state.db, &member, id, now).await.map_err(|e| Refusal::unavailable("confirming a registration", e))?;
        Ok(confirmed)
    }

    /// `/team/registrations/resend`: a new code to the resident while the registration is pending.
    pub async fn resend(state: &AppState, id: &str) -> Result<bool, TeamError> {
        let member = member(state).await?;
        let phone = match registration(state, &member, id).await? {
            (line, Some(phone)) if line.state == "pending" => phone,
            _ => return Ok(false),
        };
        send_registration_code(state, &member, &phone).await.map_err(TeamError::NotSent)?;
        Ok(true)
    }

    /// `/team/help`: a code to the resident of the member's ward with this number; the page then shows the code
    /// box (also when the code could not be sent now: one sent a moment ago still works).
    pub async fn ask_help(state: &AppState, typed: &str, page: &mut HelpPageData) -> Result<(), TeamError> {
        let member = member(state).await?;
        let phone = PhoneNumber::parse(typed)
            .map_err(|e| TeamError::Invalid { problems: vec![(Who::Resident, Field::Phone, Problem::Phone(e))] })?;
        let found = service::resident_in_ward(&state.db, &member, &phone)
            .await
            .map_err(|e| Refusal::unavailable("finding a resident", e))?;
        if found.is_none() {
            return Err(TeamError::Notice(TeamNotice::NoSuchResident));
        }
        let text = |code: &str| {
            format!(
                "Cong Dan So: thanh vien to cong nghe so muon giup ban cap nhat thong tin. Neu ban dong y, doc ma \
                 {code} cho ho (hieu luc 30 phut, cho phep cap nhat ho so trong 1 gio). / Code {code} lets a team \
                 member update your profile for one hour."
            )
        };
        let client = format!("member:{}", member.account_id());
        let sent = issue_and_send(state, &phone, OtpPurpose::Help, &client, &TEAM_CODES, Some(&text)).await;
        page.phone = phone.national();
        page.sent = true;
        sent.map_err(TeamError::NotSent)
    }

    /// `/team/help/confirm`: the resident's code; then the member may update the resident's profile for an hour.
    /// A number that does not parse (the form was not the page's) is a bad request: the page afresh.
    pub async fn confirm_help(state: &AppState, typed: &str, code: &str, page: &mut HelpPageData) -> Result<String, TeamError> {
        let member = member(state).await?;
        let now = now();
        let phone = PhoneNumber::parse(typed).map_err(|_| Refusal::BadRequest)?;
        page.phone = typed.to_owned();
        let resident = service::resident_in_ward(&state.db, &member, &phone)
            .await
            .map_err(|e| Refusal::unavailable("finding a resident", e))?
            .ok_or(TeamError::Notice(TeamNotice::NoSuchResident))?;
        if let Err(e) = otp::verify(&state.db, &state.secret, &TEAM_CODES, &phone, OtpPurpose::Help, code, now).await {
            page.phone = phone.national();
            page.sent = true;
            return Err(TeamError::Notice(TeamNotice::Code(otp_notice(&e))));
        }
        service::grant_help(&state.db, &member, &resident, now).await.map_err(|e| Refusal::unavailable("granting help", e))?;
        Ok(resident)
    }

    /// The teams a caller may see on the work page (id, name, ward's name, leader), whether they are a member, and
    /// whether they may name leaders.
    pub struct Visible {
        teams: Vec<(String, String, String, Option<String>)>,
        member: bool,
        may_set_leader: bool,
    }

    /// A member's own teams, a ward officer's wards' teams, every team for the city administrator; anyone else is
    /// forbidden, and staff need the authenticator step.
    pub async fn visible_teams(state: &AppState, principal: &Principal) -> Result<Visible, Refusal> {
        let grants = principal.grants();
        let city = grants.iter().any(|g| g.role == Role::CityAdmin);
        let wards: Vec<String> = grants.iter().filter(|g| g.role == Role::WardOfficer).map(|g| g.scope.clone()).collect();
        let teams: Vec<String> = grants.iter().filter(|g| g.role == Role::TeamMember).map(|g| g.scope.clone()).collect();
        if !city && wards.is_empty() && teams.is_empty() {
            return Err(Refusal::Forbidden);
        }
        if !principal.passed_second_factor() {
            return Err(Refusal::SecondFactor);
        }
        let db = &state.db;
        let unavailable = |e: crate::db::DbError| Refusal::unavailable("reading teams", e);
        let mut found = if city {
            service::teams_with_leader(db, None, None).await
        } else if wards.is_empty() {
            Ok(Vec::new())
        } else {
            service::teams_with_leader(db, Some(&wards), None).await
        }
        .map_err(unavailable)?;
        let own = service::teams_with_leader(db, None, Some(&teams)).await.map_err(unavailable)?;
        for t in own {
            if !found.iter().any(|f| f.0 == t.0) {
                found.push(t);
            }
        }
        let named = found.into_iter().map(|(id, name, ward, leader)| (id, name, ward_name(state, &ward), leader)).collect();
        Ok(Visible { teams: named, member: !teams.is_empty(), may_set_leader: city || !wards.is_empty() })
    }

    /// The work page: the figures of the visible teams and, for a member, their team's latest registrations.
    pub async fn work(
        state: &AppState,
        principal: &Principal,
        visible: Visible,
        notice: Option<TeamNotice>,
    ) -> Result<WorkPageData, Refusal> {
        let figures = service::figures(&state.db, &visible.teams, now())
            .await
            .map_err(|e| Refusal::unavailable("reading team figures", e))?;
        let mut recent = Vec::new();
        if visible.member
            && let Ok(scoped) = principal.scoped(Role::TeamMember)
            && let Ok(Some(member)) = Member::of(&state.db, &scoped, None).await
        {
            recent = service::recent(&state.db, &member, 20).await.unwrap_or_default();
        }
        Ok(WorkPageData { teams: figures, recent, member: visible.member, may_set_leader: visible.may_set_leader, notice })
    }

    /// `/team/leader`: the city administrator, or an officer of the team's ward, names its leader.
    pub async fn set_leader(state: &AppState, team: &str, account: &str) -> Result<(), TeamError> {
        let principal: Principal = caller(state).await?;
        let granter = principal.granter().map_err(Refusal::from)?;
        match service::set_leader(&state.db, &granter, team, account, now()).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(Refusal::Forbidden.into()),
            Err(e) => Err(Refusal::unavailable("naming a team leader", e).into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::domain::PhoneError;

    #[test]
    fn a_team_error_crosses_the_wire_as_itself_and_comes_back_whole() {
        let invalid = TeamError::Invalid {
            problems: vec![
                (Who::Resident, Field::Phone, Problem::Phone(PhoneError::WrongLength)),
                (Who::Dependant(2), Field::FullName, Problem::SexMissing),
            ],
        };
        // the island reads it through the server function's own decoder: the enum, not a shape of our own
        let json = serde_json::to_value(&invalid).expect("json");
        assert_eq!(json["Invalid"]["problems"][0], serde_json::json!(["Resident", "Phone", {"Phone": "WrongLength"}]));
        assert_eq!(json["Invalid"]["problems"][1], serde_json::json!([{"Dependant": 2}, "FullName", "SexMissing"]));
        assert_eq!(serde_json::to_value(TeamError::Notice(TeamNotice::DependantTaken(3))).expect("json"), serde_json::json!({"Notice": {"DependantTaken": 3}}));
        for e in [
            invalid,
            TeamError::Notice(TeamNotice::DependantTaken(3)),
            TeamError::Notice(TeamNotice::PhoneTaken),
            TeamError::Refused(Refusal::Forbidden),
            TeamError::Refused(Refusal::SecondFactor),
            TeamError::NotSent(Notice::ResendTooSoon { seconds: 30 }),
            TeamError::Notice(TeamNotice::NoSuchResident),
            TeamError::Notice(TeamNotice::Code(Notice::CodeExpired)),
        ] {
            let back: TeamError = serde_json::from_str(&serde_json::to_string(&e).expect("json")).expect("back");
            assert_eq!(back, e);
            // as the server function's client decodes an error answer
            let decoded = <TeamError as FromServerFnError>::de(serde_json::to_vec(&e).expect("json").into());
            assert_eq!(decoded, e);
        }
        // an answer that is not ours (a proxy's page) is a refusal to try again later, never a panic
        assert_eq!(<TeamError as FromServerFnError>::de(b"<html>".to_vec().into()), TeamError::Refused(Refusal::BadRequest));
    }

    #[test]
    fn a_script_gets_the_statuses_the_queue_acts_on() {
        assert_eq!(TeamError::Refused(Refusal::SignIn).status(), 401);
        assert_eq!(TeamError::Refused(Refusal::SecondFactor).status(), 401);
        assert_eq!(TeamError::Refused(Refusal::Forbidden).status(), 403);
        assert_eq!(TeamError::Invalid { problems: vec![] }.status(), 422);
        assert_eq!(TeamError::Notice(TeamNotice::CitizenIdTaken).status(), 409);
        assert_eq!(TeamError::Notice(TeamNotice::Code(Notice::CodeWrong { tries_left: 2 })).status(), 422);
        assert_eq!(TeamError::NotSent(Notice::SmsFailed).status(), 429);
    }

    #[test]
    fn a_reply_says_what_the_registration_page_shows() {
        let new = RegistrationReply { state: "pending".into(), id: "abc".into(), code_sent: Some(true), again: None };
        assert_eq!(serde_json::to_string(&new).expect("json"), r#"{"state":"pending","id":"abc","code_sent":true}"#);
        assert_eq!(new.notice(), TeamNotice::Registered);
        let again = RegistrationReply { again: Some(true), code_sent: None, ..new.clone() };
        assert_eq!(serde_json::to_string(&again).expect("json"), r#"{"state":"pending","id":"abc","again":true}"#);
        assert_eq!(again.notice(), TeamNotice::AlreadyReceived);
        assert_eq!(RegistrationReply { code_sent: Some(false), ..new }.notice(), TeamNotice::Code(Notice::SmsFailed));
    }
}
