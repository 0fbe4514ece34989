//! HTTP for the family page, and [`subject_of`]: how every page that may act for someone turns `?for=` into a
//! checked [`Subject`].
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::household::{self, HouseholdError};
use super::service::{self, Access, FamilyError, Subject};
use super::{ChildInput, DelegateInput, FamilyNotice, FamilyState, HouseholdInput, HouseholdNotice};
use crate::access::guard::Denied;
use crate::identity::domain::Date;
use crate::identity::web::{current_session, no_store, now, render, see_other};
use crate::server::AppState;

/// `?for=<id>` (or a form's hidden `for` field): whom the request acts for; absent means oneself.
#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct ForQuery {
    #[serde(rename = "for")]
    pub for_id: String,
}

impl ForQuery {
    pub fn get(&self) -> Option<&str> {
        (!self.for_id.is_empty()).then_some(self.for_id.as_str())
    }
}

/// The subject of this request: the signed-in person, or the person they act for when a live edge allows `need`.
/// The answer otherwise: the sign-in page, or 403 (the same whether the id exists or not).
pub async fn subject_of(state: &AppState, headers: &HeaderMap, for_id: Option<&str>, need: Access) -> Result<Subject, Response> {
    let Some(active) = current_session(state, headers).await else { return Err(see_other("/signin")) };
    match service::subject(&state.db, &active.account_id, for_id, need, now()).await {
        Ok(Some(subject)) => Ok(subject),
        Ok(None) => Err(Denied::Forbidden.response(state, headers).await),
        Err(e) => {
            tracing::error!(error = %e, "checking whom a request acts for failed");
            Err(StatusCode::SERVICE_UNAVAILABLE.into_response())
        }
    }
}

async fn family_page(state: &AppState, headers: &HeaderMap, me: &str, mut page: FamilyState, status: StatusCode) -> Response {
    let now = now();
    let household = match household::mine(&state.db, me).await {
        Ok(household) => household,
        Err(e) => {
            tracing::error!(error = %e, "reading the household failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    match (service::dependants(&state.db, me, now).await, service::guardians(&state.db, me, now).await) {
        (Ok(dependants), Ok(guardians)) => {
            page.household = household;
            page.dependants = dependants;
            page.guardians = guardians;
            no_store(render(state, "/me/family", headers, page, status).await)
        }
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %e, "reading family links failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// GET /me/family: the people I act for, who may act for me, and the forms to add a child or delegate.
pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(active) = current_session(&state, &headers).await else { return see_other("/signin") };
    family_page(&state, &headers, &active.account_id, FamilyState::default(), StatusCode::OK).await
}

/// POST /me/family/children: a child under 14 gets their own profile, managed by the person adding them.
pub async fn add_child(State(state): State<AppState>, headers: HeaderMap, Form(input): Form<ChildInput>) -> Response {
    let Some(active) = current_session(&state, &headers).await else { return see_other("/signin") };
    let now = now();
    let details = match service::validate_child(&input, Date::from_unix_vietnam(now)) {
        Ok(details) => details,
        Err(problems) => {
            let page = FamilyState { child: input, child_problems: problems, ..FamilyState::default() };
            return family_page(&state, &headers, &active.account_id, page, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let (notice, status, child) = match service::add_child(&state.db, &active.account_id, &details, now).await {
        Ok(child) => {
            crate::access::service::audit(&state.db, Some(&active.account_id), "dependant_added", Some(&child), details.relation.as_str(), now)
                .await
                .ok();
            (FamilyNotice::ChildAdded, StatusCode::OK, ChildInput::default())
        }
        Err(FamilyError::CitizenIdTaken) => (FamilyNotice::CitizenIdTaken, StatusCode::CONFLICT, input),
        Err(e) => {
            tracing::error!(error = ?e, "adding a child failed");
            (FamilyNotice::Failed, StatusCode::SERVICE_UNAVAILABLE, input)
        }
    };
    let page = FamilyState { child, notice: Some(notice), ..FamilyState::default() };
    family_page(&state, &headers, &active.account_id, page, status).await
}

/// POST /me/family/delegations: let someone (by phone number) read, or manage, my data until a date.
pub async fn delegate(State(state): State<AppState>, headers: HeaderMap, Form(input): Form<DelegateInput>) -> Response {
    let Some(active) = current_session(&state, &headers).await else { return see_other("/signin") };
    let now = now();
    let details = match service::validate_delegation(&input, Date::from_unix_vietnam(now)) {
        Ok(details) => details,
        Err(problems) => {
            let page = FamilyState { delegate: input, delegate_problems: problems, ..FamilyState::default() };
            return family_page(&state, &headers, &active.account_id, page, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let (notice, status, kept) = match service::delegate(&state.db, &active.account_id, &details, now).await {
        Ok(()) => {
            let detail = if details.can_manage { "manage" } else { "view" };
            crate::access::service::audit(&state.db, Some(&active.account_id), "delegation_given", Some(&active.account_id), detail, now)
                .await
                .ok();
            (FamilyNotice::DelegationGiven, StatusCode::OK, DelegateInput::default())
        }
        Err(FamilyError::NoSuchPhone) => (FamilyNotice::NoSuchPhone, StatusCode::UNPROCESSABLE_ENTITY, input),
        Err(FamilyError::SelfDelegation) => (FamilyNotice::SelfDelegation, StatusCode::UNPROCESSABLE_ENTITY, input),
        Err(e) => {
            tracing::error!(error = ?e, "delegating failed");
            (FamilyNotice::Failed, StatusCode::SERVICE_UNAVAILABLE, input)
        }
    };
    let page = FamilyState { delegate: kept, notice: Some(notice), ..FamilyState::default() };
    family_page(&state, &headers, &active.account_id, page, status).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RevokeForm {
    edge: String,
}

/// POST /me/family/delegations/revoke: takes a delegation back at once.
pub async fn revoke(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<RevokeForm>) -> Response {
    let Some(active) = current_session(&state, &headers).await else { return see_other("/signin") };
    let now = now();
    let notice = match service::revoke(&state.db, &active.account_id, &form.edge, now).await {
        Ok(true) => {
            crate::access::service::audit(&state.db, Some(&active.account_id), "delegation_revoked", Some(&active.account_id), "", now)
                .await
                .ok();
            FamilyNotice::DelegationRevoked
        }
        Ok(false) => return Denied::Forbidden.response(&state, &headers).await,
        Err(e) => {
            tracing::error!(error = %e, "revoking a delegation failed");
            FamilyNotice::Failed
        }
    };
    family_page(&state, &headers, &active.account_id, FamilyState { notice: Some(notice), ..FamilyState::default() }, StatusCode::OK).await
}

/// POST /me/family/household/{create|join|add|confirm|remove}: the household forms.
pub async fn household(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(action): axum::extract::Path<String>,
    Form(input): Form<HouseholdInput>,
) -> Response {
    let Some(active) = current_session(&state, &headers).await else { return see_other("/signin") };
    let me = active.account_id.as_str();
    let now = now();
    let address = crate::profile::domain::parse_household_address(&input.address);
    let relation_ok = household::relation_ok(&input.relation);
    let outcome = match action.as_str() {
        "create" => match &address {
            Some(address) => household::create(&state.db, me, address, now).await.map(|()| HouseholdNotice::Created),
            None => Ok(HouseholdNotice::AddressInvalid),
        },
        "join" => match (&address, relation_ok) {
            (None, _) => Ok(HouseholdNotice::AddressInvalid),
            (_, false) => Ok(HouseholdNotice::RelationMissing),
            (Some(address), true) => {
                household::ask_to_join(&state.db, me, address, &input.relation, now).await.map(|()| HouseholdNotice::JoinRequested)
            }
        },
        "add" => {
            // only a dependant the head manages: the same guard as every page acting for them
            match service::subject(&state.db, me, Some(&input.member), Access::Manage, now).await {
                Ok(Some(dependant)) if !dependant.is_self() && relation_ok => {
                    household::add_dependant(&state.db, me, dependant.id(), &input.relation, now)
                        .await
                        .map(|()| HouseholdNotice::MemberAdded)
                }
                Ok(Some(_)) => Ok(HouseholdNotice::RelationMissing),
                Ok(None) => Err(HouseholdError::NotAllowed),
                Err(e) => Err(HouseholdError::Db(e)),
            }
        }
        "confirm" => household::confirm(&state.db, me, &input.edge, now).await.map(|()| HouseholdNotice::MemberConfirmed),
        "remove" => household::remove(&state.db, me, &input.edge).await.map(|()| HouseholdNotice::MemberRemoved),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let (notice, status) = match outcome {
        Ok(notice @ (HouseholdNotice::AddressInvalid | HouseholdNotice::RelationMissing)) => {
            (notice, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Ok(notice) => {
            crate::access::service::audit(&state.db, Some(me), &format!("household_{action}"), Some(me), "", now).await.ok();
            (notice, StatusCode::OK)
        }
        Err(HouseholdError::AddressTaken) => (HouseholdNotice::AddressTaken, StatusCode::CONFLICT),
        Err(HouseholdError::NoSuchAddress) => (HouseholdNotice::NoSuchAddress, StatusCode::UNPROCESSABLE_ENTITY),
        Err(HouseholdError::AlreadyMember) => (HouseholdNotice::AlreadyMember, StatusCode::CONFLICT),
        Err(HouseholdError::NotAllowed) => return Denied::Forbidden.response(&state, &headers).await,
        Err(HouseholdError::Db(e)) => {
            tracing::error!(error = %e, "a household change failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let kept = if status.is_success() { HouseholdInput::default() } else { input };
    let page = FamilyState { household_input: kept, household_notice: Some(notice), ..FamilyState::default() };
    family_page(&state, &headers, me, page, status).await
}
