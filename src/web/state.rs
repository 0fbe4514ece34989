//! What every request handler, page and server function may need, built once at start-up.
use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::SiteInfo;
use crate::db::Db;
use crate::identity::registry::RegistryClient;
use crate::identity::sms::SmsGateway;
use crate::pwa::ServiceWorker;
use crate::secret::SecretKey;
use crate::units::service::UnitDirectory;

/// Cheap to clone (shared pointers).
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    /// One shared session: cloning a SurrealDB handle opens a new session, so the handle lives behind an Arc.
    pub db: Arc<Db>,
    pub units: UnitDirectory,
    pub site: SiteInfo,
    pub service_worker: Arc<ServiceWorker>,
    /// Secure cookies when the public URL is https.
    pub secure_cookies: bool,
    pub secret: Arc<SecretKey>,
    pub sms: SmsGateway,
    /// The e-mail channel for codes (SMTP, or the development outbox); None: codes go by SMS only.
    pub mail: Option<crate::identity::mail::MailSender>,
    /// The national population registry, when configured (accounts stay at level 1 otherwise).
    pub registry: Option<RegistryClient>,
    /// The QR signing keys (the newest signs; older ones still verify).
    pub qr_keys: Arc<crate::qr::keys::KeyRing>,
    /// Reverse proxies whose X-Forwarded-For is believed (see `identity::web::client_address`).
    pub trusted_proxies: Arc<Vec<std::net::IpAddr>>,
    /// Where the vault's encrypted files live.
    pub blobs: crate::vault::store::BlobStore,
    pub vault: crate::vault::web::VaultSettings,
    /// Days between a deletion request and the deletion (the person can cancel until then).
    pub deletion_grace_days: i64,
    /// Minutes an assisted move to a new number waits (cancellable from the old number meanwhile).
    pub move_wait_minutes: i64,
    /// The address people reach the service at (links in SMS), without a trailing slash.
    pub public_url: String,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
