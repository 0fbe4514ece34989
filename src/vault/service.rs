//! The vault's rules and SurrealQL. Every query names the owner next to the document id, so a guessed id of
//! someone else's document finds nothing. A file is written to the blob store first and recorded second; when the
//! record fails, the blob is removed again, so nothing half-stored is left.
use serde::Deserialize;

use super::store::BlobStore;
use super::{DocField, DocKind, DocProblem, DocumentInput, DocumentView, Expiry, MediaType, VersionView, crypto};
use super::EXPIRY_WARNING_DAYS;
use crate::db::{Db, DbError};
use crate::family::service::{Subject, is_record_key, new_key};
use crate::identity::domain::Date;
use crate::secret::SecretKey;

/// A document's details that passed every rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentDetails {
    pub kind: DocKind,
    pub title: String,
    pub number: String,
    pub issuer: String,
    pub issued_on: Option<Date>,
    pub expires_on: Option<Date>,
}

fn text(value: &str, max: usize, field: DocField, problems: &mut Vec<(DocField, DocProblem)>) -> String {
    let clean = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if clean.chars().count() > max {
        problems.push((field, DocProblem::TooLong));
    }
    clean
}

fn optional_date(value: &str, field: DocField, problems: &mut Vec<(DocField, DocProblem)>) -> Option<Date> {
    if value.trim().is_empty() {
        return None;
    }
    Date::parse_dmy(value).map_err(|e| problems.push((field, DocProblem::Date(e)))).ok()
}

/// Every problem of the document form at once, or the details.
pub fn validate(input: &DocumentInput, today: Date) -> Result<DocumentDetails, Vec<(DocField, DocProblem)>> {
    let mut problems = Vec::new();
    let kind = DocKind::parse(&input.kind);
    if kind.is_none() {
        problems.push((DocField::Kind, DocProblem::KindMissing));
    }
    let title = text(&input.title, 120, DocField::Title, &mut problems);
    let number = text(&input.number, 40, DocField::Number, &mut problems);
    let issuer = text(&input.issuer, 120, DocField::Issuer, &mut problems);
    let issued_on = optional_date(&input.issued_on, DocField::IssuedOn, &mut problems);
    let expires_on = optional_date(&input.expires_on, DocField::ExpiresOn, &mut problems);
    if issued_on.is_some_and(|d| d > today) {
        problems.push((DocField::IssuedOn, DocProblem::IssuedInFuture));
    }
    if let (Some(issued), Some(expires)) = (issued_on, expires_on)
        && expires < issued
    {
        problems.push((DocField::ExpiresOn, DocProblem::ExpiresBeforeIssue));
    }
    match kind {
        Some(kind) if problems.is_empty() => Ok(DocumentDetails { kind, title, number, issuer, issued_on, expires_on }),
        _ => Err(problems),
    }
}

/// The file's type from its bytes, within the size limit.
pub fn check_file(bytes: &[u8], max_bytes: u64) -> Result<MediaType, DocProblem> {
    if bytes.is_empty() {
        return Err(DocProblem::FileMissing);
    }
    if bytes.len() as u64 > max_bytes {
        return Err(DocProblem::FileTooLarge { max_mb: max_bytes / (1024 * 1024) });
    }
    MediaType::sniff(bytes).ok_or(DocProblem::FileType)
}

/// Whether a document is valid, soon to expire, or expired, on `today`.
pub fn expiry(expires_on: Option<Date>, today: Date) -> Expiry {
    let Some(expires) = expires_on else { return Expiry::None };
    let days = (expires.start_unix_vietnam() - today.start_unix_vietnam()) / 86_400;
    if days < 0 {
        Expiry::Expired
    } else if days <= EXPIRY_WARNING_DAYS {
        Expiry::Soon { days }
    } else {
        Expiry::Valid
    }
}

/// A file as uploaded: its bytes and the name it had on the phone.
pub struct Upload {
    pub bytes: Vec<u8>,
    pub file_name: String,
    pub media_type: MediaType,
}

#[derive(Debug)]
pub enum VaultError {
    /// No such document of this owner (or it is in the bin).
    NotFound,
    Store(String),
    Db(DbError),
}

impl std::fmt::Display for VaultError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VaultError::NotFound => write!(f, "no such document"),
            VaultError::Store(e) => write!(f, "blob store: {e}"),
            VaultError::Db(e) => write!(f, "{e}"),
        }
    }
}

impl From<DbError> for VaultError {
    fn from(e: DbError) -> Self {
        VaultError::Db(e)
    }
}

impl From<surrealdb::Error> for VaultError {
    fn from(e: surrealdb::Error) -> Self {
        VaultError::Db(DbError::Query(e))
    }
}

/// A file name safe to keep and to send back: no path, no control characters, at most 100 characters.
pub fn clean_file_name(name: &str, media_type: MediaType) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base.chars().filter(|c| !c.is_control() && !matches!(c, '"' | ';')).take(100).collect();
    let clean = clean.trim();
    if clean.is_empty() { format!("tai-lieu.{}", media_type.extension()) } else { clean.to_owned() }
}

/// Encrypts and stores the file; returns the blob key and the wrapped key.
async fn put_file(blobs: &BlobStore, secret: &SecretKey, bytes: Vec<u8>) -> Result<(String, String), VaultError> {
    let blob = new_key()?;
    let sealed = {
        let (secret, blob) = (secret.clone(), blob.clone());
        tokio::task::spawn_blocking(move || crypto::seal(&secret, &blob, bytes))
            .await
            .map_err(|e| VaultError::Store(e.to_string()))?
            .map_err(VaultError::Store)?
    };
    blobs.put(&blob, sealed.bytes).await.map_err(VaultError::Store)?;
    Ok((blob, sealed.wrapped_key))
}

/// The outcome of recording a stored blob: when the record failed, the blob goes too.
async fn kept_or_undone(
    blobs: &BlobStore,
    blob: &str,
    recorded: Result<surrealdb::IndexedResults, surrealdb::Error>,
    what: &'static str,
) -> Result<(), VaultError> {
    let failure = match recorded {
        Ok(mut res) => match res.take_errors().into_values().next() {
            None => return Ok(()),
            Some(e) => VaultError::Db(DbError::Migration { name: what, cause: e.message().to_owned() }),
        },
        Err(e) => VaultError::from(e),
    };
    if let Err(e) = blobs.delete(blob).await {
        tracing::error!(error = %e, "removing the blob of a failed upload failed");
    }
    Err(failure)
}

/// A new document with its first file, owned by the subject, uploaded by the actor.
pub async fn create(
    db: &Db,
    blobs: &BlobStore,
    secret: &SecretKey,
    subject: &Subject,
    details: &DocumentDetails,
    file: Upload,
    now: i64,
) -> Result<String, VaultError> {
    let id = new_key()?;
    let size = file.bytes.len() as i64;
    let (blob, wrapped) = put_file(blobs, secret, file.bytes).await?;
    let recorded = db
        .query(
            "BEGIN TRANSACTION;
             CREATE type::record('document', $id) CONTENT {
                 owner: type::record('account', $owner), kind: $kind, title: $title,
                 number: IF $number { $number } ELSE { NONE }, issuer: IF $issuer { $issuer } ELSE { NONE },
                 issued_on: IF $issued { $issued } ELSE { NONE }, expires_on: IF $expires { $expires } ELSE { NONE },
                 version: 1, media_type: $media, size: $size, created_at: $now, updated_at: $now
             } RETURN NONE;
             CREATE document_file CONTENT {
                 document: type::record('document', $id), version: 1, blob: $blob, wrapped_key: $wrapped,
                 media_type: $media, size: $size, file_name: $file_name,
                 uploaded_by: type::record('account', $actor), uploaded_at: $now
             } RETURN NONE;
             COMMIT TRANSACTION;",
        )
        .bind(("id", id.clone()))
        .bind(("owner", subject.id().to_owned()))
        .bind(("actor", subject.actor().to_owned()))
        .bind(("kind", details.kind.as_str()))
        .bind(("title", details.title.clone()))
        .bind(("number", details.number.clone()))
        .bind(("issuer", details.issuer.clone()))
        .bind(("issued", details.issued_on.map(|d| d.iso()).unwrap_or_default()))
        .bind(("expires", details.expires_on.map(|d| d.iso()).unwrap_or_default()))
        .bind(("blob", blob.clone()))
        .bind(("wrapped", wrapped))
        .bind(("media", file.media_type.mime()))
        .bind(("size", size))
        .bind(("file_name", file.file_name))
        .bind(("now", now))
        .await;
    kept_or_undone(blobs, &blob, recorded, "document").await.map(|()| id)
}

/// A new version of one of the subject's documents (the earlier ones are kept).
pub async fn add_version(
    db: &Db,
    blobs: &BlobStore,
    secret: &SecretKey,
    subject: &Subject,
    document: &str,
    file: Upload,
    now: i64,
) -> Result<i64, VaultError> {
    let current = current_version(db, subject.id(), document).await?.ok_or(VaultError::NotFound)?;
    let next = current + 1;
    let size = file.bytes.len() as i64;
    let (blob, wrapped) = put_file(blobs, secret, file.bytes).await?;
    let recorded = db
        .query(
            "BEGIN TRANSACTION;
             LET $doc = type::record('document', $id);
             UPDATE $doc SET version = $next, media_type = $media, size = $size, updated_at = $now
                 WHERE owner = type::record('account', $owner) AND version = $current AND deleted_at = NONE
                 RETURN NONE;
             CREATE document_file CONTENT {
                 document: $doc, version: $next, blob: $blob, wrapped_key: $wrapped, media_type: $media,
                 size: $size, file_name: $file_name, uploaded_by: type::record('account', $actor), uploaded_at: $now
             } RETURN NONE;
             COMMIT TRANSACTION;",
        )
        .bind(("id", document.to_owned()))
        .bind(("owner", subject.id().to_owned()))
        .bind(("actor", subject.actor().to_owned()))
        .bind(("current", current))
        .bind(("next", next))
        .bind(("blob", blob.clone()))
        .bind(("wrapped", wrapped))
        .bind(("media", file.media_type.mime()))
        .bind(("size", size))
        .bind(("file_name", file.file_name))
        .bind(("now", now))
        .await;
    kept_or_undone(blobs, &blob, recorded, "document version").await.map(|()| next)
}

async fn current_version(db: &Db, owner: &str, document: &str) -> Result<Option<i64>, DbError> {
    if !is_record_key(document) {
        return Ok(None);
    }
    let mut res = db
        .query(
            "SELECT VALUE version FROM document
             WHERE id = type::record('document', $id) AND owner = type::record('account', $owner) AND deleted_at = NONE",
        )
        .bind(("id", document.to_owned()))
        .bind(("owner", owner.to_owned()))
        .await?;
    let versions: Vec<i64> = res.take(0)?;
    Ok(versions.into_iter().next())
}

#[derive(Deserialize)]
struct DocumentRow {
    id: String,
    kind: String,
    title: String,
    number: Option<String>,
    issuer: Option<String>,
    issued_on: Option<String>,
    expires_on: Option<String>,
    version: i64,
    media_type: String,
    size: i64,
    updated_at: i64,
    deleted_at: Option<i64>,
}

const DOCUMENT_FIELDS: &str = "meta::id(id) AS id, kind, title, number, issuer, issued_on, expires_on, version,
    media_type, size, updated_at, deleted_at";

fn view(row: DocumentRow, today: Date, retention_days: i64) -> DocumentView {
    let date = |iso: Option<String>| iso.as_deref().and_then(Date::parse_iso);
    let expires = date(row.expires_on.clone());
    DocumentView {
        id: row.id,
        kind: DocKind::parse(&row.kind).unwrap_or(DocKind::Other),
        title: row.title,
        number: row.number.unwrap_or_default(),
        issuer: row.issuer.unwrap_or_default(),
        issued_on: date(row.issued_on).map(|d| d.dmy()).unwrap_or_default(),
        expires_on: expires.map(|d| d.dmy()).unwrap_or_default(),
        expiry: expiry(expires, today),
        version: row.version,
        media_type: MediaType::parse_mime(&row.media_type),
        size: row.size,
        updated: crate::identity::web::format_time(row.updated_at),
        purge_on: row.deleted_at.map(|d| Date::from_unix_vietnam(d + retention_days * 86_400).dmy()),
    }
}

/// How many of the owner's documents expire within the warning period or have expired (for the reminder on /me).
pub async fn expiring_count(db: &Db, owner: &str, today: Date) -> Result<i64, DbError> {
    let limit = Date::from_unix_vietnam(today.start_unix_vietnam() + EXPIRY_WARNING_DAYS * 86_400).iso();
    let mut res = db
        .query(
            "RETURN count(SELECT VALUE id FROM document WHERE owner = type::record('account', $owner)
                 AND deleted_at = NONE AND expires_on != NONE AND expires_on <= $limit)",
        )
        .bind(("owner", owner.to_owned()))
        .bind(("limit", limit))
        .await?;
    Ok(res.take::<Option<i64>>(0)?.unwrap_or(0))
}

/// The subject's documents (or those in the bin), newest first.
pub async fn list(
    db: &Db,
    owner: &str,
    in_bin: bool,
    today: Date,
    retention_days: i64,
) -> Result<Vec<DocumentView>, DbError> {
    let filter = if in_bin { "deleted_at != NONE" } else { "deleted_at = NONE" };
    let mut res = db
        .query(format!(
            "SELECT {DOCUMENT_FIELDS} FROM document WHERE owner = type::record('account', $owner) AND {filter}
             ORDER BY updated_at DESC LIMIT 500"
        ))
        .bind(("owner", owner.to_owned()))
        .await?;
    let rows: Vec<DocumentRow> = crate::db::take_rows(&mut res, 0)?;
    Ok(rows.into_iter().map(|r| view(r, today, retention_days)).collect())
}

#[derive(Deserialize)]
struct VersionRow {
    version: i64,
    file_name: String,
    size: i64,
    uploaded_at: i64,
    by: Option<String>,
}

/// One of the owner's documents (not in the bin) with its versions, newest first.
pub async fn get(
    db: &Db,
    owner: &str,
    document: &str,
    today: Date,
) -> Result<Option<(DocumentView, Vec<VersionView>)>, DbError> {
    if !is_record_key(document) {
        return Ok(None);
    }
    let mut res = db
        .query(format!(
            "LET $doc = (SELECT {DOCUMENT_FIELDS}, id AS rid FROM document WHERE id = type::record('document', $id)
                 AND owner = type::record('account', $owner) AND deleted_at = NONE)[0];
             RETURN $doc;
             IF $doc {{ RETURN SELECT version, file_name, size, uploaded_at, uploaded_by.full_name AS by
                 FROM document_file WHERE document = $doc.rid ORDER BY version DESC }} ELSE {{ RETURN [] }};"
        ))
        .bind(("id", document.to_owned()))
        .bind(("owner", owner.to_owned()))
        .await?;
    let row: Option<serde_json::Value> = res.take(1)?;
    let Some(row) = row.and_then(|r| serde_json::from_value::<DocumentRow>(r).ok()) else { return Ok(None) };
    let versions: Vec<VersionRow> = crate::db::take_rows(&mut res, 2)?;
    let versions = versions
        .into_iter()
        .map(|v| VersionView {
            version: v.version,
            file_name: v.file_name,
            size: v.size,
            uploaded: crate::identity::web::format_time(v.uploaded_at),
            uploaded_by: v.by.unwrap_or_default(),
        })
        .collect();
    Ok(Some((view(row, today, 0), versions)))
}

/// A decrypted file of one of the owner's documents.
pub struct Download {
    pub bytes: Vec<u8>,
    pub media_type: MediaType,
    pub file_name: String,
    /// What the owner's "who saw my data" names: the document's title or kind.
    pub title: String,
    pub kind: DocKind,
}

#[derive(Deserialize)]
struct FileRow {
    blob: String,
    wrapped_key: String,
    media_type: String,
    file_name: String,
    title: String,
    kind: String,
}

/// The file of `version` (the current one when None) of the owner's document.
pub async fn read_file(
    db: &Db,
    blobs: &BlobStore,
    secret: &SecretKey,
    owner: &str,
    document: &str,
    version: Option<i64>,
) -> Result<Download, VaultError> {
    if !is_record_key(document) {
        return Err(VaultError::NotFound);
    }
    let mut res = db
        .query(
            "LET $doc = (SELECT id, version, title, kind FROM document WHERE id = type::record('document', $id)
                 AND owner = type::record('account', $owner) AND deleted_at = NONE)[0];
             IF $doc { RETURN SELECT blob, wrapped_key, media_type, file_name, $doc.title AS title, $doc.kind AS kind
                 FROM document_file WHERE document = $doc.id AND version = (IF $version { $version } ELSE { $doc.version }) }
             ELSE { RETURN [] };",
        )
        .bind(("id", document.to_owned()))
        .bind(("owner", owner.to_owned()))
        .bind(("version", version.unwrap_or(0)))
        .await?;
    let rows: Vec<FileRow> = crate::db::take_rows(&mut res, 1)?;
    let row = rows.into_iter().next().ok_or(VaultError::NotFound)?;
    let media_type = MediaType::parse_mime(&row.media_type).ok_or(VaultError::NotFound)?;
    let sealed = blobs.get(&row.blob).await.map_err(VaultError::Store)?;
    let bytes = {
        let secret = secret.clone();
        let (blob, wrapped) = (row.blob.clone(), row.wrapped_key.clone());
        tokio::task::spawn_blocking(move || crypto::open(&secret, &blob, &wrapped, sealed))
            .await
            .map_err(|e| VaultError::Store(e.to_string()))?
            .ok_or_else(|| VaultError::Store(format!("blob {} does not open", row.blob)))?
    };
    Ok(Download {
        bytes,
        media_type,
        file_name: row.file_name,
        title: row.title,
        kind: DocKind::parse(&row.kind).unwrap_or(DocKind::Other),
    })
}

/// Moves one of the owner's documents to the bin (`restore = false`) or back. False: no such document there.
pub async fn set_deleted(db: &Db, owner: &str, document: &str, deleted: bool, now: i64) -> Result<bool, DbError> {
    if !is_record_key(document) {
        return Ok(false);
    }
    let (set, filter) = if deleted { ("deleted_at = $now", "deleted_at = NONE") } else { ("deleted_at = NONE", "deleted_at != NONE") };
    let mut res = db
        .query(format!(
            "UPDATE document SET {set}, updated_at = $now
             WHERE id = type::record('document', $id) AND owner = type::record('account', $owner) AND {filter}
             RETURN VALUE meta::id(id)"
        ))
        .bind(("id", document.to_owned()))
        .bind(("owner", owner.to_owned()))
        .bind(("now", now))
        .await?;
    let ids: Vec<String> = res.take(0)?;
    Ok(!ids.is_empty())
}

/// Deletes for good the documents (files and records) in the bin since before `before`, or, with `owner`, every
/// document of that person. Returns how many documents went.
pub async fn purge(db: &Db, blobs: &BlobStore, before: i64, owner: Option<&str>) -> Result<usize, VaultError> {
    let filter = if owner.is_some() {
        "owner = type::record('account', $owner)"
    } else {
        "deleted_at != NONE AND deleted_at < $before"
    };
    let mut res = db
        .query(format!(
            "LET $docs = (SELECT VALUE id FROM document WHERE {filter} LIMIT 1000);
             RETURN SELECT VALUE blob FROM document_file WHERE document IN $docs;
             RETURN array::len($docs);"
        ))
        .bind(("before", before))
        .bind(("owner", owner.unwrap_or_default().to_owned()))
        .await?;
    let files: Vec<String> = res.take(1)?;
    let count: Option<usize> = res.take(2)?;
    for blob in &files {
        blobs.delete(blob).await.map_err(VaultError::Store)?;
    }
    db.query(format!(
        "LET $docs = (SELECT VALUE id FROM document WHERE {filter} LIMIT 1000);
         DELETE document_file WHERE document IN $docs;
         DELETE document WHERE id IN $docs;"
    ))
    .bind(("before", before))
    .bind(("owner", owner.unwrap_or_default().to_owned()))
    .await?
    .check()?;
    Ok(count.unwrap_or(0))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::db::connect_memory;

    const NOW: i64 = 1_795_400_000;

    fn today() -> Date {
        Date::from_unix_vietnam(NOW)
    }

    pub(crate) fn temp_store() -> (BlobStore, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("cds-vault-{}", new_key().expect("key")));
        (BlobStore::filesystem(&dir).expect("store"), dir)
    }

    fn input(kind: &str) -> DocumentInput {
        DocumentInput { kind: kind.into(), title: " Giấy khai sinh  của Na ".into(), ..DocumentInput::default() }
    }

    #[test]
    fn document_details_are_checked_field_by_field() {
        let ok = validate(&input("birth_certificate"), today()).expect("valid");
        assert_eq!(ok.title, "Giấy khai sinh của Na");
        assert_eq!(validate(&input("passport"), today()).unwrap_err(), vec![(DocField::Kind, DocProblem::KindMissing)]);
        let mut dates = input("driving_licence");
        dates.issued_on = "01/12/2026".into();
        dates.expires_on = "31/02/2030".into();
        let problems = validate(&dates, today()).unwrap_err();
        assert!(problems.contains(&(DocField::IssuedOn, DocProblem::IssuedInFuture)));
        assert!(matches!(problems[..], [.., (DocField::ExpiresOn, DocProblem::Date(_))] | [(DocField::ExpiresOn, DocProblem::Date(_)), ..]));
        dates.issued_on = "01/01/2020".into();
        dates.expires_on = "01/01/2019".into();
        assert_eq!(validate(&dates, today()).unwrap_err(), vec![(DocField::ExpiresOn, DocProblem::ExpiresBeforeIssue)]);
    }

    #[test]
    fn expiry_is_flagged_ahead_of_time() {
        let d = |s: &str| Date::parse_dmy(s).ok();
        assert_eq!(expiry(None, today()), Expiry::None);
        assert_eq!(expiry(d("22/11/2026"), today()), Expiry::Expired);
        assert_eq!(expiry(d("23/11/2026"), today()), Expiry::Soon { days: 0 });
        assert_eq!(expiry(d("22/01/2027"), today()), Expiry::Soon { days: 60 });
        assert_eq!(expiry(d("23/01/2027"), today()), Expiry::Valid);
    }

    #[test]
    fn oversize_empty_and_disguised_files_are_refused() {
        assert_eq!(check_file(b"%PDF-1.7 ...", 1024), Ok(MediaType::Pdf));
        assert_eq!(check_file(b"", 1024), Err(DocProblem::FileMissing));
        assert_eq!(check_file(&vec![b'%'; 3 * 1024 * 1024], 2 * 1024 * 1024), Err(DocProblem::FileTooLarge { max_mb: 2 }));
        assert_eq!(check_file(b"<svg onload=alert(1)>", 1024), Err(DocProblem::FileType));
        assert_eq!(clean_file_name("C:\\Users\\a\\scan \"1\".pdf", MediaType::Pdf), "scan 1.pdf");
        assert_eq!(clean_file_name("", MediaType::Jpeg), "tai-lieu.jpg");
    }

    #[tokio::test]
    async fn documents_are_stored_encrypted_versioned_and_only_their_owner_finds_them() {
        let db = connect_memory().await.expect("db");
        let (blobs, dir) = temp_store();
        let secret = SecretKey::generate().expect("secret");
        let owner = crate::qr::service::tests::citizen(&db).await;
        let me = Subject::own(&owner);
        let details = validate(&input("birth_certificate"), today()).expect("details");
        let plain = b"%PDF-1.7 Nguyen Be Na sinh ngay 01/06/2019".to_vec();
        let upload = |bytes: &[u8]| Upload { bytes: bytes.to_vec(), file_name: "khai-sinh.pdf".into(), media_type: MediaType::Pdf };
        let id = create(&db, &blobs, &secret, &me, &details, upload(&plain), NOW).await.expect("create");

        // on disk: ciphertext only
        let files = blobs.files();
        assert_eq!(files.len(), 1);
        let on_disk = std::fs::read(&files[0]).expect("read");
        assert!(!on_disk.windows(12).any(|w| w == b"Nguyen Be Na"));

        let got = read_file(&db, &blobs, &secret, &owner, &id, None).await.expect("read");
        assert_eq!(got.bytes, plain);
        assert_eq!(got.media_type, MediaType::Pdf);

        // another person, a guessed id, a malformed id: nothing
        let other = "someoneelse1234";
        assert!(matches!(read_file(&db, &blobs, &secret, other, &id, None).await, Err(VaultError::NotFound)));
        assert!(get(&db, other, &id, today()).await.expect("get").is_none());
        assert!(!set_deleted(&db, other, &id, true, NOW).await.expect("delete"));
        assert!(matches!(
            add_version(&db, &blobs, &secret, &Subject::own(other), &id, upload(b"%PDF-x"), NOW).await,
            Err(VaultError::NotFound)
        ));
        assert!(matches!(read_file(&db, &blobs, &secret, &owner, "x') OR true", None).await, Err(VaultError::NotFound)));
        assert_eq!(blobs.files().len(), 1, "refused uploads leave no blob");

        assert_eq!(expiring_count(&db, &owner, today()).await.expect("count"), 0);
        let mut soon = validate(&input("health_insurance_card"), today()).expect("details");
        soon.expires_on = Date::parse_dmy("31/12/2026").ok();
        let soon_id = create(&db, &blobs, &secret, &me, &soon, upload(b"%PDF-bhyt"), NOW).await.expect("soon");
        assert_eq!(expiring_count(&db, &owner, today()).await.expect("count"), 1);
        assert!(set_deleted(&db, &owner, &soon_id, true, NOW + 40).await.expect("bin"));
        assert_eq!(expiring_count(&db, &owner, today()).await.expect("count"), 0, "the bin does not count");

        // versions are kept
        assert_eq!(add_version(&db, &blobs, &secret, &me, &id, upload(b"%PDF-1.7 v2"), NOW + 10).await.expect("v2"), 2);
        let (doc, versions) = get(&db, &owner, &id, today()).await.expect("get").expect("found");
        assert_eq!(doc.version, 2);
        assert_eq!(versions.iter().map(|v| v.version).collect::<Vec<_>>(), [2, 1]);
        assert_eq!(read_file(&db, &blobs, &secret, &owner, &id, Some(1)).await.expect("v1").bytes, plain);
        assert_eq!(read_file(&db, &blobs, &secret, &owner, &id, None).await.expect("v2").bytes, b"%PDF-1.7 v2");

        // soft deletion, restore, then purge after the retention period
        assert!(set_deleted(&db, &owner, &id, true, NOW + 20).await.expect("delete"));
        assert!(list(&db, &owner, false, today(), 30).await.expect("list").is_empty());
        assert_eq!(list(&db, &owner, true, today(), 30).await.expect("bin").len(), 2);
        assert!(matches!(read_file(&db, &blobs, &secret, &owner, &id, None).await, Err(VaultError::NotFound)));
        assert!(set_deleted(&db, &owner, &id, false, NOW + 30).await.expect("restore"));
        assert!(set_deleted(&db, &owner, &id, true, NOW + 40).await.expect("delete"));
        assert_eq!(purge(&db, &blobs, NOW + 40, None).await.expect("too early"), 0);
        assert_eq!(purge(&db, &blobs, NOW + 41, None).await.expect("purge"), 2);
        assert!(blobs.files().is_empty(), "the files are gone");
        assert!(list(&db, &owner, true, today(), 30).await.expect("bin").is_empty());
        let _ = std::fs::remove_dir_all(dir);
    }
}
