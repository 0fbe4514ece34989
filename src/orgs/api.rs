//! Server functions of enrolment: the organization page's data (/org), one enrolment's data
//! (/org/enrolments/{id}), and the employee's answer to an invitation (on their own page, /me). The upload (a
//! multipart file) and the results as CSV stay plain handlers in `web.rs`.
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use super::{EnrolmentPageData, OrgPageData};
use crate::web::Refusal;

/// The flash of /org: why the last upload imported nothing (kept by the upload handler).
#[cfg(feature = "ssr")]
pub const FLASH: &str = "org";

/// The /org page's data: the caller's organization, its employees, its latest uploads, and what the last upload
/// answered when it imported nothing.
#[server(prefix = "/api", endpoint = "org/page", input = GetUrl)]
pub async fn org_page() -> Result<OrgPageData, Refusal> {
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    let principal: crate::access::guard::Principal = caller::caller(&state).await?;
    let admin = glue::org_admin(&state, &principal).await?;
    reply::no_store();
    let (enrolments, employees, invited) =
        super::service::overview(&state.db, &admin).await.map_err(|e| Refusal::unavailable("reading enrolments", e))?;
    let kept: Option<super::UploadError> = flash::take(&state, FLASH).await;
    Ok(OrgPageData {
        organization: admin.org_name().to_owned(),
        employees,
        invited,
        enrolments,
        problem: match kept {
            Some(super::UploadError::File(problem)) => Some(problem),
            _ => None,
        },
        failed: matches!(kept, Some(super::UploadError::Refused(_))),
    })
}

/// One enrolment of the caller's organization with its progress, counts and first rows. Forbidden for another
/// organization's, the same whether it exists or not.
#[server(prefix = "/api", endpoint = "org/enrolment", input = GetUrl)]
pub async fn enrolment_page(#[server(default)] id: String) -> Result<EnrolmentPageData, Refusal> {
    use crate::web::{caller, reply};
    let state = caller::state()?;
    let principal: crate::access::guard::Principal = caller::caller(&state).await?;
    let admin = glue::org_admin(&state, &principal).await?;
    reply::no_store();
    let enrolment = super::service::enrolment(&state.db, &admin, &id, glue::PAGE_ROWS)
        .await
        .map_err(|e| Refusal::unavailable("reading an enrolment", e))?
        .ok_or(Refusal::Forbidden)?;
    Ok(EnrolmentPageData { organization: admin.org_name().to_owned(), enrolment })
}

/// How the person answered an invitation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EmployerAnswer {
    Confirmed,
    Declined,
}

/// The person confirms (`answer=confirm`) or declines (`answer=decline`) an invitation of theirs (`edge`), then
/// goes back to their page, which says what they did (`/me?employer=confirmed|declined`).
#[server(prefix = "", endpoint = "me/employers/answer")]
pub async fn answer_employer(
    #[server(default)] edge: String,
    #[server(default)] answer: String,
) -> Result<EmployerAnswer, Refusal> {
    use crate::web::{caller, reply};
    let state = caller::state()?;
    let result: Result<EmployerAnswer, Refusal> = async {
        let citizen: caller::Citizen = caller::caller(&state).await?;
        let accept = match answer.as_str() {
            "confirm" => true,
            "decline" => false,
            _ => return Err(Refusal::BadRequest),
        };
        let answered = super::service::answer(&state.db, &citizen.account_id, &edge, accept, crate::identity::web::now())
            .await
            .map_err(|e| Refusal::unavailable("answering an invitation", e))?;
        match (answered, accept) {
            (false, _) => Err(Refusal::Forbidden),
            (true, true) => Ok(EmployerAnswer::Confirmed),
            (true, false) => Ok(EmployerAnswer::Declined),
        }
    }
    .await;
    match &result {
        Ok(EmployerAnswer::Confirmed) => reply::see_other("/me?employer=confirmed"),
        Ok(EmployerAnswer::Declined) => reply::see_other("/me?employer=declined"),
        // a browser without JavaScript goes where the page would send it (sign in, forbidden), or back to its page
        Err(refusal) if reply::native_form_post() => reply::see_other(refusal.page().unwrap_or("/me")),
        Err(refusal) => reply::set_status(refusal.status()),
    }
    result
}

#[cfg(feature = "ssr")]
mod glue {
    use crate::access::Role;
    use crate::access::guard::Principal;
    use crate::orgs::service::OrgAdmin;
    use crate::web::{AppState, Refusal};

    /// Rows shown on the enrolment page (the CSV has them all).
    pub const PAGE_ROWS: i64 = 500;

    /// The organization the caller administers (an organization administrator who passed the second factor).
    pub async fn org_admin(state: &AppState, principal: &Principal) -> Result<OrgAdmin, Refusal> {
        let scoped = principal.scoped(Role::OrgAdmin)?;
        OrgAdmin::of(&state.db, &scoped, None)
            .await
            .map_err(|e| Refusal::unavailable("reading the caller's organization", e))?
            .ok_or(Refusal::Forbidden)
    }
}

#[cfg(feature = "ssr")]
pub use glue::org_admin;
