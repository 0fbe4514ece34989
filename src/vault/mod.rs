//! The document vault: a person's papers (ID card sides, birth certificate, insurance card, diplomas, …) as
//! typed documents with versions, stored encrypted ([`crypto`], [`store`]), readable only by their owner and the
//! people who act for them; every such read by someone else lands in the owner's "who saw my data".
pub mod api;
#[cfg(feature = "ssr")]
pub mod crypto;
pub mod islands;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod ui;
#[cfg(feature = "ssr")]
pub mod web;

use serde::{Deserialize, Serialize};

use crate::family::ActingFor;

/// The kinds of documents a citizen keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    CccdFront,
    CccdBack,
    BirthCertificate,
    MarriageCertificate,
    HealthInsuranceCard,
    Diploma,
    LandUseCertificate,
    DrivingLicence,
    Other,
}

impl DocKind {
    pub const ALL: [DocKind; 9] = [
        DocKind::CccdFront,
        DocKind::CccdBack,
        DocKind::BirthCertificate,
        DocKind::MarriageCertificate,
        DocKind::HealthInsuranceCard,
        DocKind::Diploma,
        DocKind::LandUseCertificate,
        DocKind::DrivingLicence,
        DocKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::CccdFront => "cccd_front",
            DocKind::CccdBack => "cccd_back",
            DocKind::BirthCertificate => "birth_certificate",
            DocKind::MarriageCertificate => "marriage_certificate",
            DocKind::HealthInsuranceCard => "health_insurance_card",
            DocKind::Diploma => "diploma",
            DocKind::LandUseCertificate => "land_use_certificate",
            DocKind::DrivingLicence => "driving_licence",
            DocKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        DocKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The file types the vault takes, decided from the bytes (never from the name or the browser's word).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MediaType {
    Pdf,
    Jpeg,
    Png,
    Webp,
}

impl MediaType {
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"%PDF-") {
            Some(MediaType::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(MediaType::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(MediaType::Png)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(MediaType::Webp)
        } else {
            None
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
            MediaType::Webp => "image/webp",
        }
    }

    pub fn parse_mime(s: &str) -> Option<Self> {
        [MediaType::Pdf, MediaType::Jpeg, MediaType::Png, MediaType::Webp].into_iter().find(|m| m.mime() == s)
    }

    pub fn extension(self) -> &'static str {
        match self {
            MediaType::Pdf => "pdf",
            MediaType::Jpeg => "jpg",
            MediaType::Png => "png",
            MediaType::Webp => "webp",
        }
    }

    pub fn is_image(self) -> bool {
        self != MediaType::Pdf
    }
}

/// Whether a document is still valid, soon to expire, or expired.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Expiry {
    None,
    Valid,
    /// Expires within [`EXPIRY_WARNING_DAYS`]: the person is told ahead of time.
    Soon { days: i64 },
    Expired,
}

pub const EXPIRY_WARNING_DAYS: i64 = 60;

/// A document in the list or on its own page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentView {
    pub id: String,
    pub kind: DocKind,
    pub title: String,
    pub number: String,
    pub issuer: String,
    /// dd/mm/yyyy or empty.
    pub issued_on: String,
    pub expires_on: String,
    pub expiry: Expiry,
    pub version: i64,
    pub media_type: Option<MediaType>,
    pub size: i64,
    pub updated: String,
    /// Set when the document is in the bin (restorable until this date).
    pub purge_on: Option<String>,
}

/// One stored version of a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionView {
    pub version: i64,
    pub file_name: String,
    pub size: i64,
    pub uploaded: String,
    pub uploaded_by: String,
}

/// The document form as typed (the file itself cannot be shown back; the page says to choose it again).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DocumentInput {
    pub kind: String,
    pub title: String,
    pub number: String,
    pub issuer: String,
    pub issued_on: String,
    pub expires_on: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DocField {
    Kind,
    Title,
    Number,
    Issuer,
    IssuedOn,
    ExpiresOn,
    File,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DocProblem {
    KindMissing,
    TooLong,
    Date(crate::identity::domain::DateError),
    /// Issued after today.
    IssuedInFuture,
    /// Expires before it was issued.
    ExpiresBeforeIssue,
    FileMissing,
    /// Larger than the limit (in MB).
    FileTooLarge { max_mb: u64 },
    /// Not a PDF, JPEG, PNG or WebP, whatever its name says.
    FileType,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum VaultNotice {
    Uploaded,
    NewVersion,
    Deleted,
    Restored,
    Failed,
}

/// What the page /me/documents shows (its server function loads it): the list, the bin, and the upload form as
/// typed when it was refused.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentsPageData {
    pub acting: Option<ActingFor>,
    pub documents: Vec<DocumentView>,
    pub bin: Vec<DocumentView>,
    pub input: DocumentInput,
    pub problems: Vec<(DocField, DocProblem)>,
    pub notice: Option<VaultNotice>,
    pub max_mb: u64,
    pub retention_days: i64,
}

impl DocumentsPageData {
    pub fn problem(&self, field: DocField) -> Option<DocProblem> {
        problem_of(&self.problems, field)
    }
}

/// What the page /me/documents/{id} shows (its server function loads it): one document, its versions, and what
/// the last new version or restore answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentPageData {
    pub acting: Option<ActingFor>,
    pub document: DocumentView,
    pub versions: Vec<VersionView>,
    /// The new version's file, refused (nothing was stored).
    pub problems: Vec<(DocField, DocProblem)>,
    pub notice: Option<VaultNotice>,
    pub max_mb: u64,
}

impl DocumentPageData {
    pub fn problem(&self, field: DocField) -> Option<DocProblem> {
        problem_of(&self.problems, field)
    }
}

fn problem_of(problems: &[(DocField, DocProblem)], field: DocField) -> Option<DocProblem> {
    problems.iter().find(|(f, _)| *f == field).map(|(_, p)| *p)
}

#[cfg(test)]
mod tests {
    use super::MediaType;

    #[test]
    fn file_types_come_from_the_bytes() {
        assert_eq!(MediaType::sniff(b"%PDF-1.4\n"), Some(MediaType::Pdf));
        assert_eq!(MediaType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some(MediaType::Jpeg));
        assert_eq!(MediaType::sniff(b"\x89PNG\r\n\x1a\n\0\0"), Some(MediaType::Png));
        assert_eq!(MediaType::sniff(b"RIFF\x24\0\0\0WEBPVP8 "), Some(MediaType::Webp));
        // a program, a web page and a zip renamed to .pdf are all refused
        for disguised in [&b"MZ\x90\0"[..], b"<html><script>", b"PK\x03\x04", b"RIFF\0\0\0\0WAVE", b""] {
            assert_eq!(MediaType::sniff(disguised), None);
        }
    }
}
