//! The vault's pages: the list with the upload form (a plain multipart form answered by a handler; the
//! [`UploadForm`] island makes large photos smaller and shows a progress bar where WASM runs) and the bin, and one
//! document with its preview and versions. Each loads its data through a server function (`api.rs`) before it
//! answers.
use leptos::prelude::*;

use super::api::{DeleteDocument, RestoreDocument};
use super::islands::{UploadForm, UploadTexts};
use super::{DocField, DocKind, DocProblem, DocumentPageData, DocumentView, DocumentsPageData, Expiry, VaultNotice};
use crate::family::ActingFor;
use crate::family::ui::{ActingBanner, PersonNav, PersonPage};
use crate::i18n::*;
use crate::shell::{Input, input, notice};

pub fn kind_name(i18n: leptos_i18n::I18nContext<Locale>, kind: DocKind) -> &'static str {
    match kind {
        DocKind::CccdFront => t_string!(i18n, vault.k_cccd_front),
        DocKind::CccdBack => t_string!(i18n, vault.k_cccd_back),
        DocKind::BirthCertificate => t_string!(i18n, vault.k_birth_certificate),
        DocKind::MarriageCertificate => t_string!(i18n, vault.k_marriage_certificate),
        DocKind::HealthInsuranceCard => t_string!(i18n, vault.k_health_insurance_card),
        DocKind::Diploma => t_string!(i18n, vault.k_diploma),
        DocKind::LandUseCertificate => t_string!(i18n, vault.k_land_use_certificate),
        DocKind::DrivingLicence => t_string!(i18n, vault.k_driving_licence),
        DocKind::Other => t_string!(i18n, vault.k_other),
    }
}

/// The message for a problem (a file too large: with `%max%` for the limit, filled in by [`file_inputs`]).
fn problem_text(i18n: leptos_i18n::I18nContext<Locale>, problem: DocProblem) -> &'static str {
    match problem {
        DocProblem::KindMissing => t_string!(i18n, vault.err_kind),
        DocProblem::TooLong => t_string!(i18n, profile.err_too_long),
        DocProblem::Date(e) => crate::identity::ui::problem_text(i18n, crate::identity::Problem::Date(e)),
        DocProblem::IssuedInFuture => t_string!(i18n, vault.err_issued_future),
        DocProblem::ExpiresBeforeIssue => t_string!(i18n, vault.err_expires_before),
        DocProblem::FileMissing => t_string!(i18n, vault.err_file_missing),
        DocProblem::FileTooLarge { .. } => t_string!(i18n, vault.err_file_large),
        DocProblem::FileType => t_string!(i18n, vault.err_file_type),
    }
}

fn title_of(i18n: leptos_i18n::I18nContext<Locale>, doc: &DocumentView) -> String {
    if doc.title.is_empty() { kind_name(i18n, doc.kind).to_owned() } else { doc.title.clone() }
}

/// "1,2 MB" / "350 KB"
pub fn size_text(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0)).replace('.', ",")
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

#[component]
fn ExpiryBadge(expiry: Expiry, expires_on: String) -> impl IntoView {
    let i18n = use_i18n();
    match expiry {
        Expiry::None => None,
        Expiry::Valid => Some(view! { <span class="badge">{t!(i18n, vault.valid_until)} " " {expires_on}</span> }.into_any()),
        Expiry::Soon { days } => Some(
            view! { <span class="badge badge--warn">{t!(i18n, vault.expires_soon, days = move || days, date = move || expires_on.clone())}</span> }
                .into_any(),
        ),
        Expiry::Expired => Some(view! { <span class="badge badge--bad">{t!(i18n, vault.expired)} " " {expires_on}</span> }.into_any()),
    }
}

fn notice_of(i18n: leptos_i18n::I18nContext<Locale>, n: VaultNotice) -> impl IntoView {
    match n {
        VaultNotice::Uploaded => notice(t_string!(i18n, vault.uploaded), false),
        VaultNotice::NewVersion => notice(t_string!(i18n, vault.new_version_done), false),
        VaultNotice::Deleted => notice(t_string!(i18n, vault.deleted), false),
        VaultNotice::Restored => notice(t_string!(i18n, vault.restored), false),
        VaultNotice::Failed => notice(t_string!(i18n, vault.failed), true),
    }
}

/// The file inputs: choose a file, or take a photo with the camera (the progress bar is the island's own).
fn file_inputs(i18n: leptos_i18n::I18nContext<Locale>, error: Option<&'static str>, max_mb: u64) -> impl IntoView {
    let error = error.map(|e| e.replace("%max%", &max_mb.to_string()));
    let has_error = error.is_some();
    view! {
        <fieldset class="field" class:field--error=has_error aria-describedby="file-hint">
            <legend>{t!(i18n, vault.file_label)}</legend>
            <span class="hint" id="file-hint">{t_string!(i18n, vault.file_hint).replace("%max%", &max_mb.to_string())}</span>
            {error.map(|e| view! { <span class="error" role="alert">{e}</span> })}
            <label for="file" class="file-pick">{t!(i18n, vault.choose_file)}</label>
            {crate::shell::file_input("file", "file", "application/pdf,image/jpeg,image/png,image/webp,.pdf,.jpg,.jpeg,.png,.webp", false, None)}
            <label for="photo" class="file-pick">{t!(i18n, vault.take_photo)}</label>
            {crate::shell::file_input("photo", "photo", "image/*", true, None)}
        </fieldset>
    }
}

/// What the upload island says while it sends a file.
fn upload_texts(i18n: leptos_i18n::I18nContext<Locale>) -> UploadTexts {
    UploadTexts {
        shrinking: t_string!(i18n, vault.shrinking).to_owned(),
        sending: t_string!(i18n, vault.sending).to_owned(),
        failed: t_string!(i18n, vault.send_failed).to_owned(),
        not_shrunk: t_string!(i18n, vault.not_shrunk).to_owned(),
        progress: t_string!(i18n, vault.upload_progress).to_owned(),
    }
}

/// A button that takes a document out of the bin (a form to a fixed address, with the document and whom the page
/// acts for).
fn restore_form(i18n: leptos_i18n::I18nContext<Locale>, id: String, for_id: String) -> impl IntoView {
    view! {
        <ActionForm action={ServerAction::<RestoreDocument>::new()}>
            <input type="hidden" name="id" value=id />
            <input type="hidden" name="for" value=for_id />
            <button type="submit" class="button button--secondary">{t!(i18n, vault.restore)}</button>
        </ActionForm>
    }
}

/// A button that moves the document to the bin.
fn delete_form(i18n: leptos_i18n::I18nContext<Locale>, id: String, for_id: String) -> impl IntoView {
    view! {
        <ActionForm action={ServerAction::<DeleteDocument>::new()} attr:class="actions">
            <input type="hidden" name="id" value=id />
            <input type="hidden" name="for" value=for_id />
            <button type="submit" class="button button--danger">{t!(i18n, vault.delete)}</button>
        </ActionForm>
    }
}

/// `/me/documents[?for=…]`: loads its data through [`documents_page`](super::api::documents_page) before it answers.
#[component]
pub fn DocumentsPage() -> impl IntoView {
    let for_id = crate::web::query_value("for");
    crate::shell::loaded_with_islands(for_id, super::api::documents_page, documents_view)
}

fn documents_view(state: DocumentsPageData) -> impl IntoView {
    let i18n = use_i18n();
    let acting = state.acting.clone();
    let q = ActingFor::query(&acting);
    let read_only = acting.as_ref().is_some_and(|a| a.read_only);
    let for_id = acting.as_ref().map(|a| a.id.clone()).unwrap_or_default();
    let err = |field| state.problem(field).map(|p| problem_text(i18n, p));
    let lost_file = !state.problems.is_empty() && state.problem(DocField::File).is_none();
    let typed = state.input.clone();
    let text = |id: &'static str, label: &'static str, hint: Option<&'static str>, value: String, field: DocField, mode: Option<&'static str>| {
        let error = state.problem(field).map(|p| problem_text(i18n, p));
        input(Input { id, label, hint, value, error, input_type: "text", autocomplete: "off", inputmode: mode, required: false })
    };
    let kind_error = err(DocField::Kind);
    let chosen_kind = typed.kind.clone();
    // a multipart upload: a plain handler answers it (303 back here, with the notice or the problems)
    let upload = (!read_only).then(|| {
        let fields = view! {
            <input type="hidden" name="for" value=for_id.clone() />
            <div class="field" class:field--error=kind_error.is_some()>
                <label for="kind">{t!(i18n, vault.kind_label)}</label>
                {kind_error.map(|e| view! { <span class="error" id="kind-error">{e}</span> })}
                <select id="kind" name="kind" required aria-invalid=kind_error.as_ref().map(|_| "true")>
                    <option value="" selected=chosen_kind.is_empty()>{t!(i18n, admin.choose)}</option>
                    {DocKind::ALL
                        .into_iter()
                        .map(|k| view! { <option value=k.as_str() selected=chosen_kind == k.as_str()>{kind_name(i18n, k)}</option> })
                        .collect_view()}
                </select>
            </div>
            {text("title", t_string!(i18n, vault.title_label), Some(t_string!(i18n, vault.title_hint)), typed.title.clone(), DocField::Title, None)}
            {text("number", t_string!(i18n, vault.number_label), None, typed.number.clone(), DocField::Number, None)}
            {text("issuer", t_string!(i18n, vault.issuer_label), None, typed.issuer.clone(), DocField::Issuer, None)}
            {text("issued_on", t_string!(i18n, vault.issued_label), Some(t_string!(i18n, auth.birth_hint)), typed.issued_on.clone(), DocField::IssuedOn, Some("numeric"))}
            {text("expires_on", t_string!(i18n, vault.expires_label), Some(t_string!(i18n, vault.expires_hint)), typed.expires_on.clone(), DocField::ExpiresOn, Some("numeric"))}
            {file_inputs(i18n, err(DocField::File), state.max_mb)}
        };
        view! {
            <section class="card" aria-labelledby="upload-title">
                <h2 id="upload-title">{t!(i18n, vault.upload_title)}</h2>
                {lost_file.then(|| view! { <p class="hint">{t!(i18n, vault.choose_again)}</p> })}
                <UploadForm
                    action="/me/documents".to_owned()
                    submit_label=t_string!(i18n, vault.upload_submit).to_owned()
                    submit_class="button button--wide".to_owned()
                    texts=upload_texts(i18n)
                >
                    {fields}
                </UploadForm>
            </section>
        }
    });
    let retention = state.retention_days;
    let bin = state
        .bin
        .iter()
        .map(|d| {
            let restore = (!read_only).then(|| restore_form(i18n, d.id.clone(), for_id.clone()));
            view! {
                <li>
                    <span>
                        <strong>{title_of(i18n, d)}</strong>
                        <br />
                        <span class="meta">{t!(i18n, vault.purge_on)} " " {d.purge_on.clone().unwrap_or_default()}</span>
                    </span>
                    {restore}
                </li>
            }
        })
        .collect_view();
    let in_bin = state.bin.len();
    view! {
        <ActingBanner acting=acting.clone() />
        <h1>{t!(i18n, vault.title)}</h1>
        <PersonNav acting=acting.clone() current=PersonPage::Documents />
        {state.notice.map(|n| notice_of(i18n, n))}
        <p>{t!(i18n, vault.intro)}</p>
        {state.documents.is_empty().then(|| view! { <p class="notice notice--info">{t!(i18n, vault.empty)}</p> })}
        <ul class="unit-list doc-list" data-testid="documents">
            {state
                .documents
                .iter()
                .map(|d| {
                    let title = title_of(i18n, d);
                    let href = format!("/me/documents/{}{q}", d.id);
                    view! {
                        <li>
                            <span>
                                <a href=href><strong>{title}</strong></a>
                                <br />
                                <span class="meta">
                                    {kind_name(i18n, d.kind)}
                                    {(!d.number.is_empty()).then(|| format!(" · {}", d.number))}
                                    " · " {size_text(d.size)}
                                    {(d.version > 1).then(|| format!(" · v{}", d.version))}
                                </span>
                                <br />
                                <ExpiryBadge expiry=d.expiry expires_on=d.expires_on.clone() />
                            </span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        {upload}
        {(in_bin > 0).then(|| view! {
            <details class="card">
                <summary>{t!(i18n, vault.bin_title)} " (" {in_bin} ")"</summary>
                <p class="hint">{t_string!(i18n, vault.bin_hint).replace("%days%", &retention.to_string())}</p>
                <ul class="unit-list">{bin}</ul>
            </details>
        })}
    }
}

/// `/me/documents/{id}[?for=…]`: loads its data through [`document_page`](super::api::document_page) before it
/// answers.
#[component]
pub fn DocumentPage() -> impl IntoView {
    let id = leptos_router::hooks::use_params_map().with_untracked(|p| p.get("id").unwrap_or_default());
    let for_id = crate::web::query_value("for");
    crate::shell::loaded_with_islands((id, for_id), |(id, for_id)| super::api::document_page(id, for_id), document_view)
}

fn document_view(state: DocumentPageData) -> impl IntoView {
    let i18n = use_i18n();
    let file_error = state.problem(DocField::File).map(|p| problem_text(i18n, p));
    let DocumentPageData { acting, document: doc, versions, notice: kept_notice, max_mb, .. } = state;
    let read_only = acting.as_ref().is_some_and(|a| a.read_only);
    let for_id = acting.as_ref().map(|a| a.id.clone()).unwrap_or_default();
    let for_param = acting.as_ref().map(|a| format!("&for={}", a.id)).unwrap_or_default();
    let q = ActingFor::query(&acting);
    let file_url = format!("/me/documents/{}/file{q}", doc.id);
    let inline_url = format!("/me/documents/{}/file?inline=1{for_param}", doc.id);
    let title = title_of(i18n, &doc);
    let preview = match doc.media_type {
        Some(m) if m.is_image() => view! {
            <img class="preview" src=inline_url.clone() alt=t_string!(i18n, vault.preview_alt) loading="lazy" data-testid="preview" />
        }
        .into_any(),
        _ => view! {
            <p><a class="button button--secondary" href=inline_url.clone() target="_blank" rel="noopener">{t!(i18n, vault.open_pdf)}</a></p>
        }
        .into_any(),
    };
    let dash = |s: &str| if s.is_empty() { "—".to_owned() } else { s.to_owned() };
    // a multipart upload: a plain handler answers it (303 back here, with the notice or the problem)
    let manage = (!read_only).then(|| {
        let fields = view! {
            <input type="hidden" name="for" value=for_id.clone() />
            {file_inputs(i18n, file_error, max_mb)}
        };
        view! {
            <section class="card" aria-labelledby="new-version-title">
                <h2 id="new-version-title">{t!(i18n, vault.new_version_title)}</h2>
                <UploadForm
                    action=format!("/me/documents/{}/versions", doc.id)
                    submit_label=t_string!(i18n, vault.new_version_submit).to_owned()
                    submit_class="button".to_owned()
                    texts=upload_texts(i18n)
                >
                    {fields}
                </UploadForm>
            </section>
            {delete_form(i18n, doc.id.clone(), for_id.clone())}
        }
    });
    view! {
        <ActingBanner acting=acting.clone() />
        <h1>{title}</h1>
        <PersonNav acting=acting.clone() current=PersonPage::Documents />
        {kept_notice.map(|n| notice_of(i18n, n))}
        <section class="card">
            {preview}
            <ExpiryBadge expiry=doc.expiry expires_on=doc.expires_on.clone() />
            <dl class="facts">
                <dt>{t!(i18n, vault.kind_label)}</dt>
                <dd>{kind_name(i18n, doc.kind)}</dd>
                <dt>{t!(i18n, vault.number_label)}</dt>
                <dd>{dash(&doc.number)}</dd>
                <dt>{t!(i18n, vault.issuer_label)}</dt>
                <dd>{dash(&doc.issuer)}</dd>
                <dt>{t!(i18n, vault.issued_label)}</dt>
                <dd>{dash(&doc.issued_on)}</dd>
                <dt>{t!(i18n, vault.expires_label)}</dt>
                <dd>{dash(&doc.expires_on)}</dd>
                <dt>{t!(i18n, vault.updated)}</dt>
                <dd>{doc.updated.clone()}</dd>
            </dl>
            <a class="button button--wide" href=file_url download data-testid="download">{t!(i18n, vault.download)}</a>
        </section>
        <section class="card" aria-labelledby="versions-title">
            <h2 id="versions-title">{t!(i18n, vault.versions_title)}</h2>
            <ul class="unit-list" data-testid="versions">
                {versions
                    .into_iter()
                    .map(|v| {
                        let href = format!("/me/documents/{}/file?v={}{for_param}", doc.id, v.version);
                        view! {
                            <li>
                                <span>
                                    <strong>"v" {v.version}</strong> " · " {v.file_name} " · " {size_text(v.size)}
                                    <br />
                                    <span class="meta">{v.uploaded} " · " {v.uploaded_by}</span>
                                </span>
                                <a href=href download>{t!(i18n, vault.download_short)}</a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
        {manage}
        <p><a href=format!("/me/documents{q}")>{t!(i18n, vault.back)}</a></p>
    }
}
