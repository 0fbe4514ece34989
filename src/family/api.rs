//! Server functions of the family page: its data, adding a child, delegating and taking a delegation back, and
//! the household (create, ask to join, add a dependant, confirm, remove or leave).
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use super::{ChildInput, DelegateInput, FamilyNotice, FamilyPageData, HouseholdInput, HouseholdNotice};
use crate::identity::{Field, Problem};
use crate::web::Refusal;

/// Why a family form changed nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum FamilyFormError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// Fields that break a rule, each with why.
    #[error("some fields break a rule")]
    Invalid { problems: Vec<(Field, Problem)> },
    /// The values are fine, but this cannot be done (e.g. no account has that phone number).
    #[error("refused: {0:?}")]
    Family(FamilyNotice),
    #[error("refused: {0:?}")]
    Household(HouseholdNotice),
}

crate::form_error!(FamilyFormError);


/// The page's data: whom I act for, who acts for me, my household, and what the last form answered.
#[server(prefix = "/api", endpoint = "family/page", input = GetUrl)]
pub async fn family_page() -> Result<FamilyPageData, Refusal> {
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    let citizen: caller::Citizen = caller::caller(&state).await?;
    reply::no_store();
    let forms = flash::take(&state, glue::FLASH).await.unwrap_or_default();
    glue::page(&state, &citizen.account_id, forms).await
}

/// A child under 14 gets their own profile, managed by the person adding them.
#[server(prefix = "", endpoint = "me/family/children")]
pub async fn add_child(#[server(flatten)] input: ChildInput) -> Result<FamilyNotice, FamilyFormError> {
    let state = crate::web::caller::state()?;
    let result = glue::add_child(&state, &input).await;
    glue::finish(&state, &result, |forms, failure| {
        if let Some(e) = failure {
            forms.child = input;
            if let FamilyFormError::Invalid { problems } = e {
                forms.child_problems = problems.clone();
            }
        }
    })
    .await;
    result
}

/// Lets someone (by phone number) read, or manage, my data until a date.
#[server(prefix = "", endpoint = "me/family/delegations")]
pub async fn delegate(#[server(flatten)] input: DelegateInput) -> Result<FamilyNotice, FamilyFormError> {
    let state = crate::web::caller::state()?;
    let result = glue::delegate(&state, &input).await;
    glue::finish(&state, &result, |forms, failure| {
        if let Some(e) = failure {
            forms.delegate = input;
            if let FamilyFormError::Invalid { problems } = e {
                forms.delegate_problems = problems.clone();
            }
        }
    })
    .await;
    result
}

/// Takes a delegation back at once (only one given by the caller).
#[server(prefix = "", endpoint = "me/family/delegations/revoke")]
pub async fn revoke_delegation(#[server(default)] edge: String) -> Result<FamilyNotice, FamilyFormError> {
    let state = crate::web::caller::state()?;
    let result = glue::revoke(&state, &edge).await;
    glue::finish(&state, &result, |_, _| {}).await;
    result
}

/// Creates a household with the address on the house plate; the caller is its head.
#[server(prefix = "", endpoint = "me/family/household/create")]
pub async fn create_household(#[server(flatten)] input: HouseholdInput) -> Result<HouseholdNotice, FamilyFormError> {
    household_form(glue::Household::Create, input).await
}

/// Asks the head of the household at that address to take the caller in.
#[server(prefix = "", endpoint = "me/family/household/join")]
pub async fn join_household(#[server(flatten)] input: HouseholdInput) -> Result<HouseholdNotice, FamilyFormError> {
    household_form(glue::Household::Join, input).await
}

/// The head adds a dependant they manage.
#[server(prefix = "", endpoint = "me/family/household/add")]
pub async fn add_to_household(#[server(flatten)] input: HouseholdInput) -> Result<HouseholdNotice, FamilyFormError> {
    household_form(glue::Household::Add, input).await
}

/// The head confirms someone who asked to join.
#[server(prefix = "", endpoint = "me/family/household/confirm")]
pub async fn confirm_household_member(#[server(flatten)] input: HouseholdInput) -> Result<HouseholdNotice, FamilyFormError> {
    household_form(glue::Household::Confirm, input).await
}

/// The head removes a member, or a member leaves.
#[server(prefix = "", endpoint = "me/family/household/remove")]
pub async fn remove_household_member(#[server(flatten)] input: HouseholdInput) -> Result<HouseholdNotice, FamilyFormError> {
    household_form(glue::Household::Remove, input).await
}

#[cfg(feature = "ssr")]
async fn household_form(action: glue::Household, input: HouseholdInput) -> Result<HouseholdNotice, FamilyFormError> {
    let state = crate::web::caller::state()?;
    let result = glue::household(&state, action, &input).await;
    glue::finish(&state, &result, |forms, failure| {
        if failure.is_some() {
            forms.household_input = input;
        }
    })
    .await;
    result
}

#[cfg(feature = "ssr")]
mod glue {
    use super::super::household::{self, HouseholdError};
    use super::super::service::{self, Access, FamilyError};
    use super::super::{ChildInput, DelegateInput, FamilyForms, FamilyNotice, FamilyPageData, HouseholdInput, HouseholdNotice};
    use super::FamilyFormError;
    use crate::identity::domain::Date;
    use crate::identity::web::now;
    use crate::web::caller::{Citizen, caller};
    use crate::web::{AppState, Refusal, reply};

    pub const FLASH: &str = "family";

    pub async fn page(state: &AppState, me: &str, forms: FamilyForms) -> Result<FamilyPageData, Refusal> {
        let now = now();
        let unavailable = |e| Refusal::unavailable("reading the family page", e);
        Ok(FamilyPageData {
            household: household::mine(&state.db, me).await.map_err(unavailable)?,
            dependants: service::dependants(&state.db, me, now).await.map_err(unavailable)?,
            guardians: service::guardians(&state.db, me, now).await.map_err(unavailable)?,
            forms,
        })
    }

    /// Ends a family form: for a browser without JavaScript, what the page shows next goes into the flash
    /// (`keep_input` puts back what was typed, and the problems, when the form failed).
    pub async fn finish<N: Copy + Into<Outcome>>(
        state: &AppState,
        result: &Result<N, FamilyFormError>,
        keep_input: impl FnOnce(&mut FamilyForms, Option<&FamilyFormError>),
    ) {
        let mut forms = FamilyForms::default();
        match result {
            Ok(notice) => match (*notice).into() {
                Outcome::Family(n) => forms.notice = Some(n),
                Outcome::Household(n) => forms.household_notice = Some(n),
            },
            // the problems go next to the fields of the form that was sent (`keep_input`)
            Err(FamilyFormError::Invalid { .. }) => {}
            Err(FamilyFormError::Family(n)) => forms.notice = Some(*n),
            Err(FamilyFormError::Household(n)) => forms.household_notice = Some(*n),
            Err(FamilyFormError::Refused(_)) => forms.notice = Some(FamilyNotice::Failed),
        }
        keep_input(&mut forms, result.as_ref().err());
        reply::finish_form(state, "/me/family", FLASH, result, forms).await;
    }

    pub enum Outcome {
        Family(FamilyNotice),
        Household(HouseholdNotice),
    }

    impl From<FamilyNotice> for Outcome {
        fn from(n: FamilyNotice) -> Self {
            Outcome::Family(n)
        }
    }

    impl From<HouseholdNotice> for Outcome {
        fn from(n: HouseholdNotice) -> Self {
            Outcome::Household(n)
        }
    }

    pub async fn add_child(state: &AppState, input: &ChildInput) -> Result<FamilyNotice, FamilyFormError> {
        let citizen: Citizen = caller(state).await?;
        let now = now();
        let details = service::validate_child(input, Date::from_unix_vietnam(now))
            .map_err(|problems| FamilyFormError::Invalid { problems })?;
        match service::add_child(&state.db, &citizen.account_id, &details, now).await {
            Ok(child) => {
                crate::access::service::audit(&state.db, Some(&citizen.account_id), "dependant_added", Some(&child), details.relation.as_str(), now)
                    .await
                    .ok();
                Ok(FamilyNotice::ChildAdded)
            }
            Err(FamilyError::CitizenIdTaken) => Err(FamilyFormError::Family(FamilyNotice::CitizenIdTaken)),
            Err(e) => Err(Refusal::unavailable("adding a child", format!("{e:?}")).into()),
        }
    }

    pub async fn delegate(state: &AppState, input: &DelegateInput) -> Result<FamilyNotice, FamilyFormError> {
        let citizen: Citizen = caller(state).await?;
        let now = now();
        let details = service::validate_delegation(input, Date::from_unix_vietnam(now))
            .map_err(|problems| FamilyFormError::Invalid { problems })?;
        match service::delegate(&state.db, &citizen.account_id, &details, now).await {
            Ok(()) => {
                let detail = if details.can_manage { "manage" } else { "view" };
                crate::access::service::audit(&state.db, Some(&citizen.account_id), "delegation_given", Some(&citizen.account_id), detail, now)
                    .await
                    .ok();
                Ok(FamilyNotice::DelegationGiven)
            }
            Err(FamilyError::NoSuchPhone) => Err(FamilyFormError::Family(FamilyNotice::NoSuchPhone)),
            Err(FamilyError::SelfDelegation) => Err(FamilyFormError::Family(FamilyNotice::SelfDelegation)),
            Err(e) => Err(Refusal::unavailable("delegating", format!("{e:?}")).into()),
        }
    }

    pub async fn revoke(state: &AppState, edge: &str) -> Result<FamilyNotice, FamilyFormError> {
        let citizen: Citizen = caller(state).await?;
        let now = now();
        match service::revoke(&state.db, &citizen.account_id, edge, now).await {
            Ok(true) => {
                crate::access::service::audit(&state.db, Some(&citizen.account_id), "delegation_revoked", Some(&citizen.account_id), "", now)
                    .await
                    .ok();
                Ok(FamilyNotice::DelegationRevoked)
            }
            Ok(false) => Err(Refusal::Forbidden.into()),
            Err(e) => Err(Refusal::unavailable("revoking a delegation", e).into()),
        }
    }

    #[derive(Clone, Copy)]
    pub enum Household {
        Create,
        Join,
        Add,
        Confirm,
        Remove,
    }

    impl Household {
        fn as_str(self) -> &'static str {
            match self {
                Household::Create => "create",
                Household::Join => "join",
                Household::Add => "add",
                Household::Confirm => "confirm",
                Household::Remove => "remove",
            }
        }
    }

    pub async fn household(state: &AppState, action: Household, input: &HouseholdInput) -> Result<HouseholdNotice, FamilyFormError> {
        let citizen: Citizen = caller(state).await?;
        let me = citizen.account_id.as_str();
        let now = now();
        let address = crate::profile::domain::parse_household_address(&input.address);
        let relation_ok = household::relation_ok(&input.relation);
        let refused = |n| Err(FamilyFormError::Household(n));
        let outcome = match action {
            Household::Create => match &address {
                Some(address) => household::create(&state.db, me, address, now).await.map(|()| HouseholdNotice::Created),
                None => return refused(HouseholdNotice::AddressInvalid),
            },
            Household::Join => match (&address, relation_ok) {
                (None, _) => return refused(HouseholdNotice::AddressInvalid),
                (_, false) => return refused(HouseholdNotice::RelationMissing),
                (Some(address), true) => household::ask_to_join(&state.db, me, address, &input.relation, now)
                    .await
                    .map(|()| HouseholdNotice::JoinRequested),
            },
            Household::Add => {
                // only a dependant the head manages: the same guard as every page acting for them
                match service::subject(&state.db, me, Some(&input.member), Access::Manage, now).await {
                    Ok(Some(dependant)) if !dependant.is_self() && relation_ok => {
                        household::add_dependant(&state.db, me, dependant.id(), &input.relation, now)
                            .await
                            .map(|()| HouseholdNotice::MemberAdded)
                    }
                    Ok(Some(_)) => return refused(HouseholdNotice::RelationMissing),
                    Ok(None) => Err(HouseholdError::NotAllowed),
                    Err(e) => Err(HouseholdError::Db(e)),
                }
            }
            Household::Confirm => household::confirm(&state.db, me, &input.edge, now).await.map(|()| HouseholdNotice::MemberConfirmed),
            Household::Remove => household::remove(&state.db, me, &input.edge).await.map(|()| HouseholdNotice::MemberRemoved),
        };
        match outcome {
            Ok(notice) => {
                let what = format!("household_{}", action.as_str());
                crate::access::service::audit(&state.db, Some(me), &what, Some(me), "", now).await.ok();
                Ok(notice)
            }
            Err(HouseholdError::AddressTaken) => refused(HouseholdNotice::AddressTaken),
            Err(HouseholdError::NoSuchAddress) => refused(HouseholdNotice::NoSuchAddress),
            Err(HouseholdError::AlreadyMember) => refused(HouseholdNotice::AlreadyMember),
            Err(HouseholdError::NotAllowed) => Err(Refusal::Forbidden.into()),
            Err(HouseholdError::Db(e)) => Err(Refusal::unavailable("a household change", e).into()),
        }
    }
}
