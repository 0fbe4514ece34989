//! HTTP for the team's pages. The registration form posts as a plain HTML form; `public/assist.js` posts the same
//! fields with `Accept: application/json` from its queue and gets a JSON answer (documented on [`register`]).
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::domain::validate;
use super::service::{self, AssistError, Member, Registered};
use super::{AssistInput, AssistState, HelpState, RegistrationState, TeamNotice, WorkState};
use crate::access::Role;
use crate::access::guard::{Denied, Principal};
use crate::identity::domain::PhoneNumber;
use crate::identity::otp::{self, OtpError, OtpPolicy};
use crate::identity::web::{issue_and_send, no_store, now, otp_notice, render, see_other};
use crate::identity::{Notice, OtpPurpose};
use crate::web::AppState;
use crate::units::UnitsVersion;

/// Codes sent for a team: valid for 30 minutes (a registration sent later, when the network came back, may reach
/// the resident after the member left), at most 120 an hour per member (the per-phone limits stay as they are).
const TEAM_CODES: OtpPolicy = OtpPolicy {
    validity_seconds: 1800,
    max_wrong_tries: 5,
    max_per_phone_per_hour: 10,
    resend_wait_seconds: 60,
    max_per_client_per_hour: 120,
};

/// A form field's name as the form posts it.
fn field_name(field: crate::identity::Field) -> &'static str {
    use crate::identity::Field;
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

fn wants_json(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("application/json"))
}

fn json(status: StatusCode, body: serde_json::Value) -> Response {
    no_store((status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response())
}

/// The caller as a member of a team (their first, or `team` when they belong to it), or the answer to give.
async fn member(state: &AppState, headers: &HeaderMap, team: Option<&str>) -> Result<Member, Response> {
    let refuse = |denied: Denied| async move {
        if wants_json(headers) {
            let (status, what) = match denied {
                Denied::SignIn | Denied::SecondFactor => (StatusCode::UNAUTHORIZED, "signed_out"),
                Denied::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
                Denied::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            };
            json(status, serde_json::json!({ "state": what }))
        } else {
            denied.response(state, headers).await
        }
    };
    let principal = match Principal::of_request(state, headers).await {
        Ok(p) => p,
        Err(denied) => return Err(refuse(denied).await),
    };
    let scoped = match principal.scoped(Role::TeamMember) {
        Ok(s) => s,
        Err(denied) => return Err(refuse(denied).await),
    };
    match Member::of(&state.db, &scoped, team).await {
        Ok(Some(member)) => Ok(member),
        Ok(None) => Err(refuse(Denied::Forbidden).await),
        Err(e) => {
            tracing::error!(error = %e, "reading the caller's team failed");
            Err(refuse(Denied::Unavailable).await)
        }
    }
}

fn ward_name(state: &AppState, code: &str) -> String {
    state.units.get(code, UnitsVersion::CURRENT).map(|u| u.name.clone()).unwrap_or_else(|| code.to_owned())
}

async fn assist_page(state: &AppState, headers: &HeaderMap, member: &Member, mut page: AssistState, status: StatusCode) -> Response {
    page.member = member.account_id().to_owned();
    page.team_name = member.team_name().to_owned();
    page.ward_name = ward_name(state, member.ward());
    if page.input.key.is_empty() {
        page.input.key = crate::family::service::new_key().unwrap_or_default();
    }
    no_store(render(state, "/team/register", headers, page, status).await)
}

/// GET /team/register: the form (kept by the service worker for use without network after one visit).
pub async fn register_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match member(&state, &headers, None).await {
        Ok(member) => assist_page(&state, &headers, &member, AssistState::default(), StatusCode::OK).await,
        Err(response) => response,
    }
}

fn registration_message(code: &str, public_url: &str) -> String {
    format!(
        "Cong Dan So: To cong nghe so cong dong da dang ky tai khoan cho ban. Ma xac nhan {code} (doc cho thanh vien \
         to neu ban dong y, hieu luc 30 phut). Hoac tu xac nhan: dang nhap tai {public_url}/signin / A community team \
         registered you: code {code}."
    )
}

async fn send_registration_code(state: &AppState, member: &Member, phone: &PhoneNumber) -> Result<(), TeamNotice> {
    let url = state.public_url.clone();
    let text = move |code: &str| registration_message(code, &url);
    let client = format!("member:{}", member.account_id());
    issue_and_send(state, phone, OtpPurpose::Confirm, &client, &TEAM_CODES, Some(&text)).await.map_err(TeamNotice::Code)
}

/// POST /team/register (the form's fields; `d{n}_…` for family members). As an HTML form: the registration's page
/// (the code sent), or the form again with every problem and everything typed. With `Accept: application/json`:
/// - 201 `{"state":"pending","id":…}` created, the code sent (`"code_sent":false` when sending failed: resend);
/// - 200 `{"state":"pending"|"confirmed","id":…,"again":true}` the same key was received before;
/// - 409 `{"state":"conflict","reason":"phone_taken"|"citizen_id_taken"|"dependant_taken","dependant":n}`;
/// - 422 `{"state":"rejected","problems":[{"who":"resident"|"d1"…,"field":"phone"…}]}`;
/// - 401 / 403 / 503 `{"state":"signed_out"|"forbidden"|"unavailable"}`: keep it and try later.
pub async fn register(State(state): State<AppState>, headers: HeaderMap, Form(pairs): Form<Vec<(String, String)>>) -> Response {
    let member = match member(&state, &headers, None).await {
        Ok(m) => m,
        Err(response) => return response,
    };
    let as_json = wants_json(&headers);
    let input = AssistInput::from_pairs(&pairs);
    let now = now();
    let details = match validate(&input, now) {
        Ok(d) => d,
        Err(problems) => {
            if as_json {
                let list: Vec<serde_json::Value> = problems
                    .iter()
                    .map(|(who, field, _)| {
                        let who = match who {
                            super::Who::Resident => "resident".to_owned(),
                            super::Who::Dependant(n) => format!("d{n}"),
                        };
                        serde_json::json!({ "who": who, "field": field_name(*field) })
                    })
                    .collect();
                return json(StatusCode::UNPROCESSABLE_ENTITY, serde_json::json!({ "state": "rejected", "problems": list }));
            }
            let page = AssistState { input, problems, ..AssistState::default() };
            return assist_page(&state, &headers, &member, page, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    match service::register(&state.db, &member, &details, now).await {
        Ok(Registered::Created { id, phone }) => {
            let sent = send_registration_code(&state, &member, &phone).await;
            tracing::info!(team = member.team_id(), "assisted registration received");
            if as_json {
                return json(StatusCode::CREATED, serde_json::json!({ "state": "pending", "id": id, "code_sent": sent.is_ok() }));
            }
            let notice = if sent.is_ok() { "registered" } else { "sms_failed" };
            see_other(&format!("/team/registrations/{id}?notice={notice}"))
        }
        Ok(Registered::Again { id, state: reg_state }) => {
            if as_json {
                return json(StatusCode::OK, serde_json::json!({ "state": reg_state, "id": id, "again": true }));
            }
            see_other(&format!("/team/registrations/{id}?notice=again"))
        }
        Err(AssistError::Db(e)) => {
            tracing::error!(error = %e, "an assisted registration failed");
            if as_json {
                return json(StatusCode::SERVICE_UNAVAILABLE, serde_json::json!({ "state": "unavailable" }));
            }
            let page = AssistState { input, notice: Some(TeamNotice::Failed), ..AssistState::default() };
            assist_page(&state, &headers, &member, page, StatusCode::SERVICE_UNAVAILABLE).await
        }
        Err(conflict) => {
            let (reason, dependant, notice) = match conflict {
                AssistError::PhoneTaken => ("phone_taken", 0, TeamNotice::PhoneTaken),
                AssistError::CitizenIdTaken => ("citizen_id_taken", 0, TeamNotice::CitizenIdTaken),
                AssistError::DependantTaken(n) => ("dependant_taken", n, TeamNotice::DependantTaken(n)),
                AssistError::Db(_) => unreachable!("handled above"),
            };
            if as_json {
                return json(
                    StatusCode::CONFLICT,
                    serde_json::json!({ "state": "conflict", "reason": reason, "dependant": dependant }),
                );
            }
            let page = AssistState { input, notice: Some(notice), ..AssistState::default() };
            assist_page(&state, &headers, &member, page, StatusCode::CONFLICT).await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoticeQuery {
    notice: String,
}

async fn registration_page(
    state: &AppState,
    headers: &HeaderMap,
    member: &Member,
    id: &str,
    notice: Option<TeamNotice>,
    status: StatusCode,
) -> Response {
    match service::registration(&state.db, member, id).await {
        Ok(Some((line, _))) => {
            let path = format!("/team/registrations/{id}");
            no_store(render(state, &path, headers, RegistrationState { line, notice }, status).await)
        }
        Ok(None) => Denied::Forbidden.response(state, headers).await,
        Err(e) => {
            tracing::error!(error = %e, "reading a registration failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// GET /team/registrations/{id}: one registration of the member's team, with the code box while it is pending.
pub async fn registration(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Response {
    let member = match member(&state, &headers, None).await {
        Ok(m) => m,
        Err(response) => return response,
    };
    let notice = match query.notice.as_str() {
        "registered" => Some(TeamNotice::Registered),
        "again" => Some(TeamNotice::AlreadyReceived),
        "sms_failed" => Some(TeamNotice::Code(Notice::SmsFailed)),
        "sent" => Some(TeamNotice::CodeSent),
        _ => None,
    };
    registration_page(&state, &headers, &member, &id, notice, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
    code: String,
}

/// POST /team/registrations/{id}/confirm: the code the resident read out. JSON: 200 `{"state":"confirmed"}`,
/// 422 `{"state":"pending","problem":"wrong"|"expired"|"dead"|"no_code"}`.
pub async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CodeForm>,
) -> Response {
    let member = match member(&state, &headers, None).await {
        Ok(m) => m,
        Err(response) => return response,
    };
    let as_json = wants_json(&headers);
    let now = now();
    let phone = match service::registration(&state.db, &member, &id).await {
        Ok(Some((line, _))) if line.state == "confirmed" => {
            return if as_json {
                json(StatusCode::OK, serde_json::json!({ "state": "confirmed" }))
            } else {
                registration_page(&state, &headers, &member, &id, Some(TeamNotice::Confirmed), StatusCode::OK).await
            };
        }
        Ok(Some((_, Some(phone)))) => phone,
        Ok(_) => return Denied::Forbidden.response(&state, &headers).await,
        Err(e) => {
            tracing::error!(error = %e, "reading a registration failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    if let Err(e) = otp::verify(&state.db, &state.secret, &TEAM_CODES, &phone, OtpPurpose::Confirm, &form.code, now).await {
        if let OtpError::Db(cause) = &e {
            tracing::error!(error = %cause, "checking a code failed");
        }
        let notice = otp_notice(&e);
        if as_json {
            let problem = match notice {
                Notice::CodeWrong { .. } => "wrong",
                Notice::CodeExpired => "expired",
                Notice::CodeDead => "dead",
                _ => "no_code",
            };
            return json(StatusCode::UNPROCESSABLE_ENTITY, serde_json::json!({ "state": "pending", "problem": problem }));
        }
        return registration_page(&state, &headers, &member, &id, Some(TeamNotice::Code(notice)), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match service::confirm(&state.db, &member, &id, now).await {
        Ok(_) if as_json => json(StatusCode::OK, serde_json::json!({ "state": "confirmed" })),
        Ok(_) => registration_page(&state, &headers, &member, &id, Some(TeamNotice::Confirmed), StatusCode::OK).await,
        Err(e) => {
            tracing::error!(error = %e, "confirming a registration failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// POST /team/registrations/{id}/resend: a new code to the resident (after the wait).
pub async fn resend(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let member = match member(&state, &headers, None).await {
        Ok(m) => m,
        Err(response) => return response,
    };
    let phone = match service::registration(&state.db, &member, &id).await {
        Ok(Some((line, Some(phone)))) if line.state == "pending" => phone,
        Ok(Some(_)) => return see_other(&format!("/team/registrations/{id}")),
        Ok(None) => return Denied::Forbidden.response(&state, &headers).await,
        Err(e) => {
            tracing::error!(error = %e, "reading a registration failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    match send_registration_code(&state, &member, &phone).await {
        Ok(()) => see_other(&format!("/team/registrations/{id}?notice=sent")),
        Err(notice) => registration_page(&state, &headers, &member, &id, Some(notice), StatusCode::TOO_MANY_REQUESTS).await,
    }
}

/// The teams the caller may see on the work page: a member's own teams, a ward officer's wards' teams, every team
/// for the city administrator.
async fn visible_teams(state: &AppState, principal: &Principal) -> Result<(Vec<(String, String, String, Option<String>)>, bool, bool), Denied> {
    let grants = principal.grants();
    let city = grants.iter().any(|g| g.role == Role::CityAdmin);
    let wards: Vec<String> = grants.iter().filter(|g| g.role == Role::WardOfficer).map(|g| g.scope.clone()).collect();
    let teams: Vec<String> = grants.iter().filter(|g| g.role == Role::TeamMember).map(|g| g.scope.clone()).collect();
    if !city && wards.is_empty() && teams.is_empty() {
        return Err(Denied::Forbidden);
    }
    if !principal.passed_second_factor() {
        return Err(Denied::SecondFactor);
    }
    let db = &state.db;
    let mut found = if city {
        service::teams_with_leader(db, None, None).await
    } else if wards.is_empty() {
        Ok(Vec::new())
    } else {
        service::teams_with_leader(db, Some(&wards), None).await
    }
    .map_err(|_| Denied::Unavailable)?;
    let own = service::teams_with_leader(db, None, Some(&teams)).await.map_err(|_| Denied::Unavailable)?;
    for t in own {
        if !found.iter().any(|f| f.0 == t.0) {
            found.push(t);
        }
    }
    let named = found.into_iter().map(|(id, name, ward, leader)| (id, name, ward_name(state, &ward), leader)).collect();
    Ok((named, !teams.is_empty(), city || !wards.is_empty()))
}

async fn work_page(state: &AppState, headers: &HeaderMap, notice: Option<TeamNotice>, status: StatusCode) -> Response {
    let principal = match Principal::of_request(state, headers).await {
        Ok(p) => p,
        Err(denied) => return denied.response(state, headers).await,
    };
    let (teams, is_member, may_set_leader) = match visible_teams(state, &principal).await {
        Ok(found) => found,
        Err(denied) => return denied.response(state, headers).await,
    };
    let now = now();
    let figures = match service::figures(&state.db, &teams, now).await {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(error = %e, "reading team figures failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let mut recent = Vec::new();
    if is_member
        && let Ok(scoped) = principal.scoped(Role::TeamMember)
        && let Ok(Some(member)) = Member::of(&state.db, &scoped, None).await
    {
        recent = service::recent(&state.db, &member, 20).await.unwrap_or_default();
    }
    let page = WorkState { teams: figures, recent, member: is_member, may_set_leader, notice };
    no_store(render(state, "/team/work", headers, page, status).await)
}

/// GET /team/work: residents helped today / this week / this month and pending confirmations, per team and member.
pub async fn work(State(state): State<AppState>, headers: HeaderMap) -> Response {
    work_page(&state, &headers, None, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LeaderForm {
    team: String,
    account: String,
}

/// POST /team/leader: names a team's leader (the city administrator, or an officer of the team's ward).
pub async fn set_leader(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<LeaderForm>) -> Response {
    let principal = match Principal::of_request(&state, &headers).await {
        Ok(p) => p,
        Err(denied) => return denied.response(&state, &headers).await,
    };
    let granter = match principal.granter() {
        Ok(g) => g,
        Err(denied) => return denied.response(&state, &headers).await,
    };
    match service::set_leader(&state.db, &granter, &form.team, &form.account, now()).await {
        Ok(true) => work_page(&state, &headers, Some(TeamNotice::LeaderSet), StatusCode::OK).await,
        Ok(false) => Denied::Forbidden.response(&state, &headers).await,
        Err(e) => {
            tracing::error!(error = %e, "naming a team leader failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

async fn help_page(state: &AppState, headers: &HeaderMap, page: HelpState, status: StatusCode) -> Response {
    no_store(render(state, "/team/help", headers, page, status).await)
}

/// GET /team/help: update an existing resident's data, with the code the resident reads out.
pub async fn help_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match member(&state, &headers, None).await {
        Ok(_) => help_page(&state, &headers, HelpState::default(), StatusCode::OK).await,
        Err(response) => response,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct HelpForm {
    phone: String,
    code: String,
}

/// POST /team/help: sends the resident (an active account of the member's ward) a code. Anyone else gets the same
/// answer as a number without an account, and no code.
pub async fn help_send(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<HelpForm>) -> Response {
    let member = match member(&state, &headers, None).await {
        Ok(m) => m,
        Err(response) => return response,
    };
    let phone = match PhoneNumber::parse(&form.phone) {
        Ok(p) => p,
        Err(e) => {
            let page = HelpState { phone: form.phone, phone_problem: Some(e), ..HelpState::default() };
            return help_page(&state, &headers, page, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let found = match service::resident_in_ward(&state.db, &member, &phone).await {
        Ok(found) => found,
        Err(e) => {
            tracing::error!(error = %e, "finding a resident failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let Some(_) = found else {
        let page = HelpState { phone: form.phone, notice: Some(TeamNotice::NoSuchResident), ..HelpState::default() };
        return help_page(&state, &headers, page, StatusCode::NOT_FOUND).await;
    };
    let text = |code: &str| {
        format!(
            "Cong Dan So: thanh vien to cong nghe so muon giup ban cap nhat thong tin. Neu ban dong y, doc ma {code} \
             cho ho (hieu luc 30 phut, cho phep cap nhat ho so trong 1 gio). / Code {code} lets a team member update \
             your profile for one hour."
        )
    };
    let client = format!("member:{}", member.account_id());
    let sent = issue_and_send(&state, &phone, OtpPurpose::Help, &client, &TEAM_CODES, Some(&text)).await;
    let (notice, status) = match sent {
        Ok(()) => (TeamNotice::CodeSent, StatusCode::OK),
        Err(n) => (TeamNotice::Code(n), StatusCode::TOO_MANY_REQUESTS),
    };
    let page = HelpState { phone: phone.national(), sent: true, notice: Some(notice), ..HelpState::default() };
    help_page(&state, &headers, page, status).await
}

/// POST /team/help/confirm: the resident's code; then the member updates the profile (for one hour).
pub async fn help_confirm(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<HelpForm>) -> Response {
    let member = match member(&state, &headers, None).await {
        Ok(m) => m,
        Err(response) => return response,
    };
    let now = now();
    let Ok(phone) = PhoneNumber::parse(&form.phone) else { return see_other("/team/help") };
    let resident = match service::resident_in_ward(&state.db, &member, &phone).await {
        Ok(Some(id)) => id,
        Ok(None) => {
            let page = HelpState { phone: form.phone, notice: Some(TeamNotice::NoSuchResident), ..HelpState::default() };
            return help_page(&state, &headers, page, StatusCode::NOT_FOUND).await;
        }
        Err(e) => {
            tracing::error!(error = %e, "finding a resident failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    if let Err(e) = otp::verify(&state.db, &state.secret, &TEAM_CODES, &phone, OtpPurpose::Help, &form.code, now).await {
        let page = HelpState { phone: phone.national(), sent: true, notice: Some(TeamNotice::Code(otp_notice(&e))), ..HelpState::default() };
        return help_page(&state, &headers, page, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match service::grant_help(&state.db, &member, &resident, now).await {
        Ok(()) => see_other(&format!("/me/profile?for={resident}")),
        Err(e) => {
            tracing::error!(error = %e, "granting help failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
