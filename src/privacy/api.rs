//! Server functions of "my data": the page (who saw it, the deletion date), asking for deletion and cancelling it.
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::{PrivacyNotice, PrivacyPageData};
use crate::web::Refusal;

#[cfg(feature = "ssr")]
const FLASH: &str = "privacy";

/// The page's data for the caller or, with `for`, someone whose data the caller may read.
#[server(prefix = "/api", endpoint = "privacy/page", input = GetUrl)]
pub async fn privacy_page(#[server(rename = "for")] #[server(default)] for_id: String) -> Result<PrivacyPageData, Refusal> {
    use crate::family::service::Access;
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    let citizen: caller::Citizen = caller::caller(&state).await?;
    let subject = crate::family::web::subject_for(&state, &citizen, &for_id, Access::Read).await?;
    reply::no_store();
    let unavailable = |e| Refusal::unavailable("reading who saw the data", e);
    let lines = super::service::timeline(&state.db, subject.id(), 200).await.map_err(unavailable)?;
    let deletion_due = if subject.is_self() {
        super::service::deletion_due(&state.db, subject.id()).await.map_err(unavailable)?
    } else {
        None
    };
    let notice = if subject.is_self() { flash::take::<Result<PrivacyNotice, Refusal>>(&state, FLASH).await } else { None };
    Ok(PrivacyPageData {
        acting: subject.acting(),
        lines: lines.into_iter().map(|(_, line)| line).collect(),
        deletion_due: deletion_due.map(|d| crate::identity::domain::Date::from_unix_vietnam(d).dmy()),
        grace_days: state.deletion_grace_days,
        notice: notice.as_ref().and_then(|n| n.as_ref().ok()).copied(),
        failed: notice.is_some_and(|n| n.is_err()),
    })
}

/// Asks for the deletion of the caller's account and data after the grace period (only the person themselves).
#[server(prefix = "", endpoint = "me/privacy/delete")]
pub async fn request_deletion() -> Result<PrivacyNotice, Refusal> {
    use crate::web::{caller, reply};
    let state = caller::state()?;
    let result = async {
        let citizen: caller::Citizen = caller::caller(&state).await?;
        let now = crate::identity::web::now();
        super::service::request_deletion(&state.db, &citizen.account_id, state.deletion_grace_days, now)
            .await
            .map_err(|e| Refusal::unavailable("asking for a deletion", e))?;
        crate::access::service::audit(&state.db, Some(&citizen.account_id), "deletion_requested", Some(&citizen.account_id), "", now)
            .await
            .ok();
        Ok(PrivacyNotice::DeletionRequested)
    }
    .await;
    reply::finish_form(&state, "/me/privacy", FLASH, &result, &result).await;
    result
}

/// Keeps the caller's account after all.
#[server(prefix = "", endpoint = "me/privacy/cancel")]
pub async fn cancel_deletion() -> Result<PrivacyNotice, Refusal> {
    use crate::web::{caller, reply};
    let state = caller::state()?;
    let result = async {
        let citizen: caller::Citizen = caller::caller(&state).await?;
        super::service::cancel_deletion(&state.db, &citizen.account_id)
            .await
            .map_err(|e| Refusal::unavailable("cancelling a deletion", e))?;
        let now = crate::identity::web::now();
        crate::access::service::audit(&state.db, Some(&citizen.account_id), "deletion_cancelled", Some(&citizen.account_id), "", now)
            .await
            .ok();
        Ok(PrivacyNotice::DeletionCancelled)
    }
    .await;
    reply::finish_form(&state, "/me/privacy", FLASH, &result, &result).await;
    result
}
