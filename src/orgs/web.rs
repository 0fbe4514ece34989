//! HTTP for enrolment outside the app's pages: the upload (a multipart file, processed in the background row by
//! row, so the enrolment page can show a progress bar that refreshes itself without any script) and its results
//! as CSV. The pages and the employee's answer are server functions (`api.rs`).
use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::domain::{self, FileProblem, MAX_FILE_BYTES};
use super::service::{self, OrgAdmin, Seen};
use super::{UploadError, UploadProblem};
use crate::access::guard::Principal;
use crate::formats::{self, Cell};
use crate::identity::web::{no_store, now, see_other};
use crate::web::{AppState, FormFailure, Refusal};

fn invitation_text(public_url: &str) -> String {
    format!(
        "Cong Dan So: mot co quan/doanh nghiep da ghi danh ban la nhan vien. Dang nhap tai {public_url}/signin bang \
         so dien thoai nay de xac nhan hoac tu choi. / An organization enrolled you as an employee: sign in to \
         confirm or decline."
    )
}

/// Processes the rows of an accepted file, recording progress every few rows; invitations go out as rows pass.
async fn run(state: AppState, admin: OrgAdmin, id: String, rows: Vec<domain::RawRow>) {
    let mut seen = Seen::default();
    let text = invitation_text(&state.public_url);
    for (i, row) in rows.iter().enumerate() {
        let now = now();
        match service::enrol_row(&state.db, &admin, &id, row, &mut seen, now).await {
            Ok((_, Some(phone))) => {
                if let Err(e) = state.sms.send(&phone, &text, &format!("enrol-{id}-{}", row.line), now).await {
                    tracing::warn!(to = %phone.masked(), error = %e, "an invitation could not be sent");
                }
            }
            Ok((_, None)) => {}
            Err(e) => {
                tracing::error!(error = %e, line = row.line, "an enrolment row failed; stopping");
                let _ = service::progress(&state.db, &id, i, Some(now)).await;
                return;
            }
        }
        if i % 25 == 24 {
            let _ = service::progress(&state.db, &id, i + 1, None).await;
        }
    }
    if let Err(e) = service::progress(&state.db, &id, rows.len(), Some(now())).await {
        tracing::error!(error = %e, "finishing an enrolment failed");
    }
    tracing::info!(rows = rows.len(), "enrolment finished");
}

/// A browser posting the form natively (it asks for HTML), not a script.
fn native(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
}

/// An upload that imported nothing. A browser without JavaScript: a refusal of the caller sends it where the page
/// would (sign in, forbidden); anything else is kept in the flash of /org and the browser is sent back there. A
/// script: the failure as JSON with its status.
async fn refused(state: &AppState, headers: &HeaderMap, error: UploadError) -> Response {
    if !native(headers) {
        let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
        return match error {
            UploadError::Refused(refusal) => refusal.into_response(),
            UploadError::File(_) => (status, Json(error)).into_response(),
        };
    }
    if let Some(page) = error.refusal().and_then(|r| r.page()) {
        return see_other(page);
    }
    let mut response = see_other("/org");
    if let Some(cookie) = crate::web::flash::keep_for_response(state, super::api::FLASH, &error).await {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// POST /org/enrolments (multipart, `file`): reads the whole file first; a malformed file is refused with the
/// reason and nothing is imported. Then the rows run in the background and the browser goes to the progress page.
pub async fn upload(State(state): State<AppState>, headers: HeaderMap, mut multipart: Multipart) -> Response {
    let principal = match Principal::of_request(&state, &headers).await {
        Ok(p) => p,
        Err(denied) => return refused(&state, &headers, UploadError::Refused(denied.into())).await,
    };
    let admin = match super::api::org_admin(&state, &principal).await {
        Ok(a) => a,
        Err(refusal) => return refused(&state, &headers, UploadError::Refused(refusal)).await,
    };
    let mut file: Option<(Vec<u8>, String)> = None;
    let mut too_big = false;
    while let Ok(Some(mut field)) = multipart.next_field().await {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("nhan-vien.csv").to_owned();
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) if bytes.len() + chunk.len() <= MAX_FILE_BYTES => bytes.extend_from_slice(&chunk),
                Ok(Some(_)) | Err(_) => {
                    too_big = true;
                    break;
                }
                Ok(None) => break,
            }
        }
        file = Some((bytes, name));
        break;
    }
    let problem = |p: FileProblem| UploadError::File(UploadProblem::from(p));
    let (bytes, name) = match file {
        _ if too_big => return refused(&state, &headers, problem(FileProblem::TooBig)).await,
        Some(found) => found,
        None => return refused(&state, &headers, problem(FileProblem::Empty)).await,
    };
    let rows = match domain::read_file(&bytes) {
        Ok(rows) => rows,
        Err(p) => return refused(&state, &headers, problem(p)).await,
    };
    let id = match service::start(&state.db, &admin, &name, rows.len(), now()).await {
        Ok(id) => id,
        Err(e) => return refused(&state, &headers, Refusal::unavailable("starting an enrolment", e).into()).await,
    };
    tokio::spawn(run(state.clone(), admin, id.clone(), rows));
    see_other(&format!("/org/enrolments/{id}"))
}

/// GET /org/enrolments/{id}/results.csv: every row's result (UTF-8 with BOM, so spreadsheets show Vietnamese
/// right). The enrolment page links here (and sends its old address, `/org/enrolments/{id}.csv`, here too).
pub async fn results_csv(State(state): State<AppState>, principal: Principal, Path(id): Path<String>) -> Response {
    let admin = match super::api::org_admin(&state, &principal).await {
        Ok(a) => a,
        Err(refusal) => return refusal.into_response(),
    };
    let enrolment = match service::enrolment(&state.db, &admin, &id, domain::MAX_ROWS as i64).await {
        Ok(Some(e)) => e,
        Ok(None) => return Refusal::Forbidden.into_response(),
        Err(e) => return Refusal::unavailable("reading an enrolment", e).into_response(),
    };
    let titles = ["dong", "so_dien_thoai", "ho_va_ten", "ket_qua", "cot"];
    let mut table = vec![titles.iter().map(|t| Cell::Text((*t).to_owned())).collect::<Vec<_>>()];
    for r in &enrolment.rows {
        table.push(vec![
            Cell::Text(r.line.to_string()),
            Cell::Text(r.phone.clone()),
            Cell::Text(r.full_name.clone()),
            Cell::Text(r.outcome.as_str().to_owned()),
            Cell::Text(r.field.clone()),
        ]);
    }
    let mut response = formats::csv::write(&table).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"ket-qua-{id}.csv\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    no_store(response)
}

/// The organisations slice's routes outside the app: the enrolment file upload and its results as CSV.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(
            "/org/enrolments",
            post(upload).layer(axum::extract::DefaultBodyLimit::max(MAX_FILE_BYTES + 64 * 1024)),
        )
        .route("/org/enrolments/{id}/results.csv", get(results_csv))
}
