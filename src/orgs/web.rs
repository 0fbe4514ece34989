//! HTTP for enrolment: the organization page with the upload form, the upload (processed in the background, row
//! by row, so the page can show a progress bar that refreshes itself without any script), one enrolment with its
//! rows, its results as CSV, and the employee's answer on their own page.
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::domain::{self, FileProblem, MAX_FILE_BYTES, csv_field};
use super::service::{self, OrgAdmin, Seen};
use super::{EnrolmentState, OrgState};
use crate::access::Role;
use crate::access::guard::{Denied, Principal};
use crate::identity::web::{current_session, no_store, now, render, see_other};
use crate::web::AppState;

/// Rows shown on the enrolment page (the CSV has them all).
const PAGE_ROWS: i64 = 500;

async fn admin(state: &AppState, headers: &HeaderMap) -> Result<OrgAdmin, Response> {
    let principal = match Principal::of_request(state, headers).await {
        Ok(p) => p,
        Err(denied) => return Err(denied.response(state, headers).await),
    };
    let scoped = match principal.scoped(Role::OrgAdmin) {
        Ok(s) => s,
        Err(denied) => return Err(denied.response(state, headers).await),
    };
    match OrgAdmin::of(&state.db, &scoped, None).await {
        Ok(Some(admin)) => Ok(admin),
        Ok(None) => Err(Denied::Forbidden.response(state, headers).await),
        Err(e) => {
            tracing::error!(error = %e, "reading the caller's organization failed");
            Err(StatusCode::SERVICE_UNAVAILABLE.into_response())
        }
    }
}

async fn org_page(state: &AppState, headers: &HeaderMap, admin: &OrgAdmin, problem: Option<FileProblem>, status: StatusCode) -> Response {
    match service::overview(&state.db, admin).await {
        Ok((enrolments, employees, invited)) => {
            let page = OrgState { organization: admin.org_name().to_owned(), employees, invited, enrolments, problem };
            no_store(render(state, "/org", headers, page, status).await)
        }
        Err(e) => {
            tracing::error!(error = %e, "reading enrolments failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// GET /org
pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match admin(&state, &headers).await {
        Ok(admin) => org_page(&state, &headers, &admin, None, StatusCode::OK).await,
        Err(response) => response,
    }
}

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

/// POST /org/enrolments (multipart, `file`): reads the whole file first; a malformed file is refused with the
/// reason and nothing is imported. Then the rows run in the background and the browser goes to the progress page.
pub async fn upload(State(state): State<AppState>, headers: HeaderMap, mut multipart: Multipart) -> Response {
    let admin = match admin(&state, &headers).await {
        Ok(a) => a,
        Err(response) => return response,
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
    let (bytes, name) = match file {
        _ if too_big => return org_page(&state, &headers, &admin, Some(FileProblem::TooBig), StatusCode::PAYLOAD_TOO_LARGE).await,
        Some(found) => found,
        None => return org_page(&state, &headers, &admin, Some(FileProblem::Empty), StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let rows = match domain::read_file(&bytes) {
        Ok(rows) => rows,
        Err(problem) => return org_page(&state, &headers, &admin, Some(problem), StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let id = match service::start(&state.db, &admin, &name, rows.len(), now()).await {
        Ok(id) => id,
        Err(e) => {
            tracing::error!(error = %e, "starting an enrolment failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    tokio::spawn(run(state.clone(), admin, id.clone(), rows));
    see_other(&format!("/org/enrolments/{id}"))
}

/// GET /org/enrolments/{id}: progress (the page refreshes itself until done), counts and rows.
pub async fn enrolment(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let admin = match admin(&state, &headers).await {
        Ok(a) => a,
        Err(response) => return response,
    };
    if let Some(id) = id.strip_suffix(".csv") {
        return results_csv(&state, &headers, &admin, id).await;
    }
    match service::enrolment(&state.db, &admin, &id, PAGE_ROWS).await {
        Ok(Some(enrolment)) => {
            let page = EnrolmentState { organization: admin.org_name().to_owned(), enrolment };
            no_store(render(&state, &format!("/org/enrolments/{id}"), &headers, page, StatusCode::OK).await)
        }
        Ok(None) => Denied::Forbidden.response(&state, &headers).await,
        Err(e) => {
            tracing::error!(error = %e, "reading an enrolment failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// GET /org/enrolments/{id}.csv: every row's result (UTF-8 with BOM, so spreadsheets show Vietnamese right).
async fn results_csv(state: &AppState, headers: &HeaderMap, admin: &OrgAdmin, id: &str) -> Response {
    let enrolment = match service::enrolment(&state.db, admin, id, domain::MAX_ROWS as i64).await {
        Ok(Some(e)) => e,
        Ok(None) => return Denied::Forbidden.response(state, headers).await,
        Err(e) => {
            tracing::error!(error = %e, "reading an enrolment failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let mut out = String::from("\u{feff}dong,so_dien_thoai,ho_va_ten,ket_qua,cot\r\n");
    for r in &enrolment.rows {
        out.push_str(&format!(
            "{},{},{},{},{}\r\n",
            r.line,
            csv_field(&r.phone),
            csv_field(&r.full_name),
            r.outcome.as_str(),
            csv_field(&r.field)
        ));
    }
    let mut response = out.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"ket-qua-{id}.csv\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    no_store(response)
}

/// POST /me/employers/{edge}/{confirm|decline}: the person answers an invitation of theirs.
pub async fn answer(State(state): State<AppState>, headers: HeaderMap, Path((edge, action)): Path<(String, String)>) -> Response {
    let Some(active) = current_session(&state, &headers).await else { return see_other("/signin") };
    let accept = match action.as_str() {
        "confirm" => true,
        "decline" => false,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    match service::answer(&state.db, &active.account_id, &edge, accept, now()).await {
        Ok(true) => see_other(if accept { "/me?employer=confirmed" } else { "/me?employer=declined" }),
        Ok(false) => Denied::Forbidden.response(&state, &headers).await,
        Err(e) => {
            tracing::error!(error = %e, "answering an invitation failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
