//! The vault's server functions: the data of the list (/me/documents) and of one document (/me/documents/{id}),
//! each recorded when someone else reads it, and moving a document to the bin and back. All act for the caller
//! or, with `for`, for someone the caller may act for. The uploads (multipart files) stay plain handlers in
//! `web.rs`; they send the browser back to these pages with the outcome in the same flash the pages read.
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use super::{DocField, DocProblem, DocumentInput, DocumentPageData, DocumentsPageData, VaultNotice};
use crate::web::Refusal;

/// Why a vault form stored or changed nothing: the caller (or our side), or the values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum VaultFormError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// Fields (the file included) that break a rule, each with why (nothing was stored).
    #[error("some fields break a rule")]
    Invalid { problems: Vec<(DocField, DocProblem)> },
}

crate::form_error!(VaultFormError);

/// What a vault form answered, kept for the page the browser is sent back to: the upload form as typed (the file
/// itself cannot be kept), and the notice or why nothing was stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultFlash {
    pub input: DocumentInput,
    pub outcome: Result<VaultNotice, VaultFormError>,
}

/// The list's address for whom `for_id` names (empty: oneself).
#[cfg(feature = "ssr")]
pub(crate) fn list_path(for_id: &str) -> String {
    if for_id.is_empty() { "/me/documents".to_owned() } else { format!("/me/documents?for={for_id}") }
}

/// One document's address.
#[cfg(feature = "ssr")]
pub(crate) fn document_path(for_id: &str, id: &str) -> String {
    if for_id.is_empty() { format!("/me/documents/{id}") } else { format!("/me/documents/{id}?for={for_id}") }
}

/// The list's flash: one per person acted for, so an outcome never shows on another person's page.
#[cfg(feature = "ssr")]
pub(crate) fn list_flash(for_id: &str) -> String {
    format!("vault:{for_id}")
}

/// One document's flash: one per person and document.
#[cfg(feature = "ssr")]
pub(crate) fn document_flash(for_id: &str, id: &str) -> String {
    format!("vault:{for_id}:{id}")
}

/// The list's data: the documents, the bin, and what the last upload or delete answered.
#[server(prefix = "/api", endpoint = "vault/documents", input = GetUrl)]
pub async fn documents_page(
    #[server(rename = "for")]
    #[server(default)]
    for_id: String,
) -> Result<DocumentsPageData, Refusal> {
    use crate::family::service::Access;
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    let citizen: caller::Citizen = caller::caller(&state).await?;
    let subject = crate::family::web::subject_for(&state, &citizen, &for_id, Access::Read).await?;
    reply::no_store();
    let kept: Option<VaultFlash> = flash::take(&state, &list_flash(&for_id)).await;
    glue::documents(&state, &subject, kept).await
}

/// One document of the subject with its versions, and what the last new version or restore answered. Another
/// person's document is forbidden, the same whether it exists or not.
#[server(prefix = "/api", endpoint = "vault/document", input = GetUrl)]
pub async fn document_page(
    #[server(default)] id: String,
    #[server(rename = "for")]
    #[server(default)]
    for_id: String,
) -> Result<DocumentPageData, Refusal> {
    use crate::family::service::Access;
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    let citizen: caller::Citizen = caller::caller(&state).await?;
    let subject = crate::family::web::subject_for(&state, &citizen, &for_id, Access::Read).await?;
    reply::no_store();
    let kept: Option<VaultFlash> = flash::take(&state, &document_flash(&for_id, &id)).await;
    glue::document(&state, &subject, &id, kept).await
}

/// Moves a document to the bin (restorable for the retention period); the browser lands on the list.
#[server(prefix = "", endpoint = "me/documents/delete")]
pub async fn delete_document(
    #[server(default)] id: String,
    #[server(rename = "for")]
    #[server(default)]
    for_id: String,
) -> Result<VaultNotice, VaultFormError> {
    let state = crate::web::caller::state()?;
    let result = glue::set_deleted(&state, &for_id, &id, true).await;
    glue::finish(&state, &for_id, &id, &result, true).await;
    result
}

/// Takes a document out of the bin; the browser lands on the document.
#[server(prefix = "", endpoint = "me/documents/restore")]
pub async fn restore_document(
    #[server(default)] id: String,
    #[server(rename = "for")]
    #[server(default)]
    for_id: String,
) -> Result<VaultNotice, VaultFormError> {
    let state = crate::web::caller::state()?;
    let result = glue::set_deleted(&state, &for_id, &id, false).await;
    glue::finish(&state, &for_id, &id, &result, false).await;
    result
}

#[cfg(feature = "ssr")]
mod glue {
    use super::super::{DocField, DocProblem, DocumentInput, DocumentPageData, DocumentsPageData, VaultNotice, service};
    use super::{VaultFlash, VaultFormError, document_flash, document_path, list_flash, list_path};
    use crate::family::service::{Access, Subject};
    use crate::identity::domain::Date;
    use crate::identity::web::now;
    use crate::privacy::SeenWhat;
    use crate::web::caller::{Citizen, caller};
    use crate::web::{AppState, Refusal, flash, reply};

    fn unavailable(e: impl std::fmt::Display) -> Refusal {
        Refusal::unavailable("reading documents", e)
    }

    fn today() -> Date {
        Date::from_unix_vietnam(now())
    }

    /// What the page shows of a kept outcome: the input as typed (after a refusal), the problems, the notice.
    fn shown(kept: Option<VaultFlash>) -> (DocumentInput, Vec<(DocField, DocProblem)>, Option<VaultNotice>) {
        match kept {
            Some(VaultFlash { outcome: Ok(notice), .. }) => (DocumentInput::default(), vec![], Some(notice)),
            Some(VaultFlash { input, outcome: Err(VaultFormError::Invalid { problems }) }) => (input, problems, None),
            Some(VaultFlash { input, outcome: Err(VaultFormError::Refused(_)) }) => (input, vec![], Some(VaultNotice::Failed)),
            None => (DocumentInput::default(), vec![], None),
        }
    }

    pub async fn documents(state: &AppState, subject: &Subject, kept: Option<VaultFlash>) -> Result<DocumentsPageData, Refusal> {
        let settings = state.vault;
        let documents = service::list(&state.db, subject.id(), false, today(), settings.retention_days).await.map_err(unavailable)?;
        let bin = service::list(&state.db, subject.id(), true, today(), settings.retention_days).await.map_err(unavailable)?;
        crate::privacy::service::record(&state.db, subject, SeenWhat::Documents, "", now()).await.map_err(unavailable)?;
        let (input, problems, notice) = shown(kept);
        Ok(DocumentsPageData {
            acting: subject.acting(),
            documents,
            bin,
            input,
            problems,
            notice,
            max_mb: settings.max_bytes / (1024 * 1024),
            retention_days: settings.retention_days,
        })
    }

    pub async fn document(state: &AppState, subject: &Subject, id: &str, kept: Option<VaultFlash>) -> Result<DocumentPageData, Refusal> {
        let (document, versions) =
            service::get(&state.db, subject.id(), id, today()).await.map_err(unavailable)?.ok_or(Refusal::Forbidden)?;
        let detail = if document.title.is_empty() { document.kind.as_str().to_owned() } else { document.title.clone() };
        crate::privacy::service::record(&state.db, subject, SeenWhat::Document, &detail, now()).await.map_err(unavailable)?;
        let (_, problems, notice) = shown(kept);
        Ok(DocumentPageData {
            acting: subject.acting(),
            document,
            versions,
            problems,
            notice,
            max_mb: state.vault.max_bytes / (1024 * 1024),
        })
    }

    /// Moves the subject's document to the bin (`deleted`) or back; another person's is forbidden.
    pub async fn set_deleted(state: &AppState, for_id: &str, id: &str, deleted: bool) -> Result<VaultNotice, VaultFormError> {
        let citizen: Citizen = caller(state).await?;
        let subject = crate::family::web::subject_for(state, &citizen, for_id, Access::Manage).await?;
        let now = now();
        match service::set_deleted(&state.db, subject.id(), id, deleted, now).await {
            Ok(true) => {
                let action = if deleted { "document_deleted" } else { "document_restored" };
                crate::access::service::audit(&state.db, Some(subject.actor()), action, Some(subject.id()), id, now).await.ok();
                Ok(if deleted { VaultNotice::Deleted } else { VaultNotice::Restored })
            }
            Ok(false) => Err(Refusal::Forbidden.into()),
            Err(e) => Err(Refusal::unavailable("moving a document to the bin or back", e).into()),
        }
    }

    /// Ends a delete or a restore: after a delete the browser lands on the list, after a restore on the document,
    /// each with the notice in its flash; when our side failed, it goes back to the page of the button, which says
    /// so. A refusal of the caller without JavaScript goes where the page would send it (sign in, forbidden).
    pub async fn finish(state: &AppState, for_id: &str, id: &str, result: &Result<VaultNotice, VaultFormError>, deleted: bool) {
        let (back, form) = if deleted == result.is_ok() {
            (list_path(for_id), list_flash(for_id))
        } else {
            (document_path(for_id, id), document_flash(for_id, id))
        };
        let kept = VaultFlash { input: DocumentInput::default(), outcome: result.clone() };
        reply::finish_form(state, &back, &form, result, &kept).await;
        // a script (the form inside an island) is sent to the same page, which shows the same notice
        if result.is_ok() && !reply::native_form_post() {
            flash::keep(state, &form, &kept).await;
            reply::see_other(&back);
        }
    }
}
