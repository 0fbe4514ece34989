//! HTTP for the vault: the list with the upload form, one document with its versions and preview, the file
//! itself (decrypted, streamed to the owner and the people acting for them only), the bin.
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::service::{self, Upload, VaultError};
use super::{DocField, DocProblem, DocumentInput, VaultNotice, VaultState};
use crate::family::service::{Access, Subject};
use crate::family::web::{ForQuery, subject_of};
use crate::identity::domain::Date;
use crate::identity::web::{no_store, now, render};
use crate::privacy::SeenWhat;
use crate::web::AppState;

/// The vault's settings: the largest file, how long the bin keeps documents.
#[derive(Clone, Copy, Debug)]
pub struct VaultSettings {
    pub max_bytes: u64,
    pub retention_days: i64,
}

impl Default for VaultSettings {
    fn default() -> Self {
        VaultSettings { max_bytes: 10 * 1024 * 1024, retention_days: 30 }
    }
}

impl VaultSettings {
    /// The request body limit: the file plus room for the form's other fields.
    pub fn body_limit(&self) -> usize {
        self.max_bytes as usize + 256 * 1024
    }
}

fn unavailable(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "the vault failed");
    StatusCode::SERVICE_UNAVAILABLE.into_response()
}

fn today() -> Date {
    Date::from_unix_vietnam(now())
}

async fn list_page(state: &AppState, headers: &HeaderMap, subject: &Subject, mut page: VaultState, status: StatusCode) -> Response {
    let settings = state.vault;
    let (documents, bin) = match (
        service::list(&state.db, subject.id(), false, today(), settings.retention_days).await,
        service::list(&state.db, subject.id(), true, today(), settings.retention_days).await,
    ) {
        (Ok(d), Ok(b)) => (d, b),
        (Err(e), _) | (_, Err(e)) => return unavailable(e),
    };
    if let Err(e) = crate::privacy::service::record(&state.db, subject, SeenWhat::Documents, "", now()).await {
        return unavailable(e);
    }
    page.acting = subject.acting();
    page.documents = documents;
    page.bin = bin;
    page.max_mb = settings.max_bytes / (1024 * 1024);
    page.retention_days = settings.retention_days;
    no_store(render(state, "/me/documents", headers, page, status).await)
}

/// GET /me/documents?for=…
pub async fn list(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<ForQuery>) -> Response {
    match subject_of(&state, &headers, query.get(), Access::Read).await {
        Ok(subject) => list_page(&state, &headers, &subject, VaultState::default(), StatusCode::OK).await,
        Err(response) => response,
    }
}

/// The upload form's fields, and the file (from the file picker or the camera input).
struct Posted {
    for_query: ForQuery,
    input: DocumentInput,
    file: Option<(Vec<u8>, String)>,
    too_large: bool,
}

async fn read_form(mut multipart: Multipart, max_bytes: u64) -> Posted {
    let mut posted = Posted { for_query: ForQuery::default(), input: DocumentInput::default(), file: None, too_large: false };
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                // the body limit cut the request: the file was too large
                posted.too_large = e.status() == StatusCode::PAYLOAD_TOO_LARGE || posted.file.is_none();
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" || name == "photo" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let mut bytes = Vec::new();
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => {
                        if (bytes.len() + chunk.len()) as u64 > max_bytes {
                            posted.too_large = true;
                            break;
                        }
                        bytes.extend_from_slice(&chunk);
                    }
                    Ok(None) => break,
                    Err(_) => {
                        posted.too_large = true;
                        break;
                    }
                }
            }
            if posted.too_large {
                break;
            }
            if !bytes.is_empty() {
                posted.file = Some((bytes, file_name));
            }
            continue;
        }
        let value: String = field.text().await.unwrap_or_default().chars().take(300).collect();
        match name.as_str() {
            "for" => posted.for_query.for_id = value,
            "kind" => posted.input.kind = value,
            "title" => posted.input.title = value,
            "number" => posted.input.number = value,
            "issuer" => posted.input.issuer = value,
            "issued_on" => posted.input.issued_on = value,
            "expires_on" => posted.input.expires_on = value,
            _ => {}
        }
    }
    posted
}

/// The checked upload, or the problem with the file.
fn upload_of(posted: &mut Posted, max_bytes: u64) -> Result<Upload, DocProblem> {
    if posted.too_large {
        return Err(DocProblem::FileTooLarge { max_mb: max_bytes / (1024 * 1024) });
    }
    let (bytes, name) = posted.file.take().ok_or(DocProblem::FileMissing)?;
    let media_type = service::check_file(&bytes, max_bytes)?;
    Ok(Upload { file_name: service::clean_file_name(&name, media_type), bytes, media_type })
}

/// POST /me/documents (multipart): a new document with its file.
pub async fn upload(State(state): State<AppState>, headers: HeaderMap, multipart: Multipart) -> Response {
    let settings = state.vault;
    let mut posted = read_form(multipart, settings.max_bytes).await;
    let subject = match subject_of(&state, &headers, posted.for_query.get(), Access::Manage).await {
        Ok(subject) => subject,
        Err(response) => return response,
    };
    let details = service::validate(&posted.input, today());
    let file = upload_of(&mut posted, settings.max_bytes);
    let (details, file) = match (details, file) {
        (Ok(details), Ok(file)) => (details, file),
        (details, file) => {
            let mut problems = details.err().unwrap_or_default();
            if let Err(problem) = file {
                problems.push((DocField::File, problem));
            }
            let page = VaultState { input: posted.input, problems, ..VaultState::default() };
            return list_page(&state, &headers, &subject, page, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let now = now();
    match service::create(&state.db, &state.blobs, &state.secret, &subject, &details, file, now).await {
        Ok(id) => {
            crate::access::service::audit(&state.db, Some(subject.actor()), "document_uploaded", Some(subject.id()), &id, now)
                .await
                .ok();
            let page = VaultState { notice: Some(VaultNotice::Uploaded), ..VaultState::default() };
            list_page(&state, &headers, &subject, page, StatusCode::OK).await
        }
        Err(e) => {
            tracing::error!(error = %e, "storing a document failed");
            let page = VaultState { input: posted.input, notice: Some(VaultNotice::Failed), ..VaultState::default() };
            list_page(&state, &headers, &subject, page, StatusCode::SERVICE_UNAVAILABLE).await
        }
    }
}

async fn document_page(
    state: &AppState,
    headers: &HeaderMap,
    subject: &Subject,
    id: &str,
    mut page: VaultState,
    status: StatusCode,
) -> Response {
    let found = match service::get(&state.db, subject.id(), id, today()).await {
        Ok(found) => found,
        Err(e) => return unavailable(e),
    };
    let Some((document, versions)) = found else {
        return crate::access::guard::Denied::Forbidden.response(state, headers).await;
    };
    let detail = if document.title.is_empty() { document.kind.as_str().to_owned() } else { document.title.clone() };
    if let Err(e) = crate::privacy::service::record(&state.db, subject, SeenWhat::Document, &detail, now()).await {
        return unavailable(e);
    }
    page.acting = subject.acting();
    page.document = Some(document);
    page.versions = versions;
    page.max_mb = state.vault.max_bytes / (1024 * 1024);
    page.retention_days = state.vault.retention_days;
    let path = format!("/me/documents/{id}");
    no_store(render(state, &path, headers, page, status).await)
}

/// GET /me/documents/{id}?for=…: one document, its preview and versions.
pub async fn document(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<ForQuery>,
) -> Response {
    match subject_of(&state, &headers, query.get(), Access::Read).await {
        Ok(subject) => document_page(&state, &headers, &subject, &id, VaultState::default(), StatusCode::OK).await,
        Err(response) => response,
    }
}

/// POST /me/documents/{id}/versions (multipart): a new file for the document; the earlier ones are kept.
pub async fn add_version(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Response {
    let settings = state.vault;
    let mut posted = read_form(multipart, settings.max_bytes).await;
    let subject = match subject_of(&state, &headers, posted.for_query.get(), Access::Manage).await {
        Ok(subject) => subject,
        Err(response) => return response,
    };
    let file = match upload_of(&mut posted, settings.max_bytes) {
        Ok(file) => file,
        Err(problem) => {
            let page = VaultState { problems: vec![(DocField::File, problem)], ..VaultState::default() };
            return document_page(&state, &headers, &subject, &id, page, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let now = now();
    match service::add_version(&state.db, &state.blobs, &state.secret, &subject, &id, file, now).await {
        Ok(version) => {
            crate::access::service::audit(&state.db, Some(subject.actor()), "document_version", Some(subject.id()), &format!("{id} v{version}"), now)
                .await
                .ok();
            let page = VaultState { notice: Some(VaultNotice::NewVersion), ..VaultState::default() };
            document_page(&state, &headers, &subject, &id, page, StatusCode::OK).await
        }
        Err(VaultError::NotFound) => crate::access::guard::Denied::Forbidden.response(&state, &headers).await,
        Err(e) => {
            tracing::error!(error = %e, "storing a new version failed");
            let page = VaultState { notice: Some(VaultNotice::Failed), ..VaultState::default() };
            document_page(&state, &headers, &subject, &id, page, StatusCode::SERVICE_UNAVAILABLE).await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FileQuery {
    #[serde(rename = "for")]
    for_id: String,
    /// A version number (the current one when absent).
    v: Option<i64>,
    /// 1: shown in the page (an image preview, a PDF in the browser's viewer) instead of downloaded.
    inline: Option<u8>,
}

/// `attachment; filename="…"; filename*=UTF-8''…`: an ASCII fallback and the real (Vietnamese) name.
fn disposition(inline: bool, name: &str) -> String {
    let ascii: String = name.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' }).collect();
    let kind = if inline { "inline" } else { "attachment" };
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{}", crate::web::encode_query_value(name))
}

/// GET /me/documents/{id}/file?for=…&v=…&inline=1: the decrypted file.
pub async fn file(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<FileQuery>,
) -> Response {
    let for_id = (!query.for_id.is_empty()).then_some(query.for_id.as_str());
    let subject = match subject_of(&state, &headers, for_id, Access::Read).await {
        Ok(subject) => subject,
        Err(response) => return response,
    };
    let download = match service::read_file(&state.db, &state.blobs, &state.secret, subject.id(), &id, query.v).await {
        Ok(download) => download,
        Err(VaultError::NotFound) => return crate::access::guard::Denied::Forbidden.response(&state, &headers).await,
        Err(e) => return unavailable(e),
    };
    let detail = if download.title.is_empty() { download.kind.as_str().to_owned() } else { download.title.clone() };
    if let Err(e) = crate::privacy::service::record(&state.db, &subject, SeenWhat::Document, &detail, now()).await {
        return unavailable(e);
    }
    let inline = query.inline == Some(1);
    let mut response = download.bytes.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(download.media_type.mime()));
    if let Ok(value) = HeaderValue::from_str(&disposition(inline, &download.file_name)) {
        h.insert(header::CONTENT_DISPOSITION, value);
    }
    // shown by the browser only, never run: no scripts, no plugins, no embedding elsewhere
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    no_store(response)
}

/// POST /me/documents/{id}/delete and …/restore (form: `for`): to the bin and back.
pub async fn set_deleted(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<ForQuery>,
) -> Response {
    let deleted = match action.as_str() {
        "delete" => true,
        "restore" => false,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let subject = match subject_of(&state, &headers, form.get(), Access::Manage).await {
        Ok(subject) => subject,
        Err(response) => return response,
    };
    let now = now();
    match service::set_deleted(&state.db, subject.id(), &id, deleted, now).await {
        Ok(true) => {
            let action = if deleted { "document_deleted" } else { "document_restored" };
            crate::access::service::audit(&state.db, Some(subject.actor()), action, Some(subject.id()), &id, now).await.ok();
            if deleted {
                let page = VaultState { notice: Some(VaultNotice::Deleted), ..VaultState::default() };
                list_page(&state, &headers, &subject, page, StatusCode::OK).await
            } else {
                let page = VaultState { notice: Some(VaultNotice::Restored), ..VaultState::default() };
                document_page(&state, &headers, &subject, &id, page, StatusCode::OK).await
            }
        }
        Ok(false) => crate::access::guard::Denied::Forbidden.response(&state, &headers).await,
        Err(e) => unavailable(e),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_names_reach_the_browser_in_both_forms() {
        assert_eq!(
            super::disposition(false, "Giấy khai sinh.pdf"),
            "attachment; filename=\"Gi_y khai sinh.pdf\"; filename*=UTF-8''Gi%E1%BA%A5y%20khai%20sinh.pdf"
        );
    }
}
