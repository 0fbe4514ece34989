//! HTTP for the vault outside its pages: the two uploads (multipart: a new document, a new version), which send the
//! browser back to the page (303) with the outcome in the flash the page reads, and the file itself (decrypted,
//! streamed to the owner and the people acting for them only). The pages, delete and restore are server functions
//! (`api.rs`).
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::api::{VaultFlash, VaultFormError, document_flash, document_path, list_flash, list_path};
use super::service::{self, Upload, VaultError};
use super::{DocField, DocProblem, DocumentInput, VaultNotice};
use crate::family::service::{Access, Subject};
use crate::family::web::{ForQuery, subject_of};
use crate::identity::domain::Date;
use crate::identity::web::{no_store, now, see_other};
use crate::privacy::SeenWhat;
use crate::web::{AppState, Refusal};

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

/// A plain handler's answer to an upload: 303 back to the page at `location`, with `kept` in the flash `form` that
/// page reads. The upload island (`islands.rs`) sends the form with XHR, which follows the redirect as the browser
/// would, and shows the page it arrives at (that request took the flash).
async fn back_with(state: &AppState, form: &str, kept: &VaultFlash, location: &str) -> Response {
    let mut response = see_other(location);
    if let Some(cookie) = crate::web::flash::keep_for_response(state, form, kept).await {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    no_store(response)
}

/// Checks and stores a new document: every field and the file checked; with a problem nothing is stored.
async fn store_new(state: &AppState, subject: &Subject, posted: &mut Posted) -> Result<VaultNotice, VaultFormError> {
    let details = service::validate(&posted.input, today());
    let file = upload_of(posted, state.vault.max_bytes);
    let (details, file) = match (details, file) {
        (Ok(details), Ok(file)) => (details, file),
        (details, file) => {
            let mut problems = details.err().unwrap_or_default();
            if let Err(problem) = file {
                problems.push((DocField::File, problem));
            }
            return Err(VaultFormError::Invalid { problems });
        }
    };
    let now = now();
    let id = service::create(&state.db, &state.blobs, &state.secret, subject, &details, file, now)
        .await
        .map_err(|e| Refusal::unavailable("storing a document", e))?;
    crate::access::service::audit(&state.db, Some(subject.actor()), "document_uploaded", Some(subject.id()), &id, now)
        .await
        .ok();
    Ok(VaultNotice::Uploaded)
}

/// POST /me/documents (multipart): a new document with its file. The browser goes back to the list, which says it
/// was stored, or shows the form as typed with each problem next to its field (the file is to be chosen again).
pub async fn upload(State(state): State<AppState>, headers: HeaderMap, multipart: Multipart) -> Response {
    let mut posted = read_form(multipart, state.vault.max_bytes).await;
    let subject = match subject_of(&state, &headers, posted.for_query.get(), Access::Manage).await {
        Ok(subject) => subject,
        Err(response) => return response,
    };
    let outcome = store_new(&state, &subject, &mut posted).await;
    let for_id = posted.for_query.for_id;
    let input = if outcome.is_ok() { DocumentInput::default() } else { posted.input };
    back_with(&state, &list_flash(&for_id), &VaultFlash { input, outcome }, &list_path(&for_id)).await
}

/// Checks and stores a new version of the subject's document; another person's document is forbidden.
async fn store_version(state: &AppState, subject: &Subject, id: &str, posted: &mut Posted) -> Result<VaultNotice, VaultFormError> {
    let file = match upload_of(posted, state.vault.max_bytes) {
        Ok(file) => file,
        Err(problem) => {
            // another person's document is forbidden, whatever the file
            let found = service::get(&state.db, subject.id(), id, today())
                .await
                .map_err(|e| Refusal::unavailable("reading a document", e))?;
            if found.is_none() {
                return Err(Refusal::Forbidden.into());
            }
            return Err(VaultFormError::Invalid { problems: vec![(DocField::File, problem)] });
        }
    };
    let now = now();
    match service::add_version(&state.db, &state.blobs, &state.secret, subject, id, file, now).await {
        Ok(version) => {
            let detail = format!("{id} v{version}");
            crate::access::service::audit(&state.db, Some(subject.actor()), "document_version", Some(subject.id()), &detail, now)
                .await
                .ok();
            Ok(VaultNotice::NewVersion)
        }
        Err(VaultError::NotFound) => Err(Refusal::Forbidden.into()),
        Err(e) => Err(Refusal::unavailable("storing a new version", e).into()),
    }
}

/// POST /me/documents/{id}/versions (multipart): a new file for the document; the earlier ones are kept. The
/// browser goes back to the document, which says it was stored, or why the file was refused. Another person's
/// document: 403, as for every other way of asking.
pub async fn add_version(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Response {
    let mut posted = read_form(multipart, state.vault.max_bytes).await;
    let subject = match subject_of(&state, &headers, posted.for_query.get(), Access::Manage).await {
        Ok(subject) => subject,
        Err(response) => return response,
    };
    let outcome = match store_version(&state, &subject, &id, &mut posted).await {
        Err(VaultFormError::Refused(Refusal::Forbidden)) => {
            return crate::access::guard::Denied::Forbidden.response(&state, &headers).await;
        }
        outcome => outcome,
    };
    let for_id = posted.for_query.for_id;
    let kept = VaultFlash { input: DocumentInput::default(), outcome };
    back_with(&state, &document_flash(&for_id, &id), &kept, &document_path(&for_id, &id)).await
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

/// The vault's routes outside the app: the two uploads (multipart, up to the configured size) and the file itself.
pub fn routes(state: &AppState) -> axum::Router<AppState> {
    use axum::routing::{get, post};
    let limit = axum::extract::DefaultBodyLimit::max(state.vault.body_limit());
    axum::Router::new()
        .route("/me/documents", post(upload).layer(limit))
        .route("/me/documents/{id}/file", get(file))
        .route("/me/documents/{id}/versions", post(add_version).layer(limit))
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
