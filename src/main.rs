//! Server entry: settings, database, router. Any missing or malformed setting stops start-up with one line.
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use clap::error::ErrorKind;
use secrecy::ExposeSecret;
use congdanso::app::SiteInfo;
use congdanso::config::{AdminCommand, Cli, Command, QrCommand, Settings};
use congdanso::pwa::ServiceWorker;
use congdanso::secret::SecretKey;
use congdanso::server::{AppState, router, shutdown_signal};
use congdanso::units::service::{UnitDirectory, seed};
use congdanso::db;
use congdanso::vault::store::BlobStore;
use congdanso::vault::web::VaultSettings;
use congdanso::identity::registry::{self, RegistryClient, simulator};
use congdanso::identity::mail::{MailSender, SmtpClient};
use congdanso::identity::sms::{HttpSmsGateway, SmsGateway};

/// Every hour: documents in the bin past their retention period, accounts whose deletion is due, and accounts
/// registered for someone who never confirmed them.
async fn purge_loop(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let now = congdanso::identity::web::now();
        let before = now - state.vault.retention_days * 86_400;
        match congdanso::vault::service::purge(&state.db, &state.blobs, before, None).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(documents = n, "purged documents past their retention period"),
            Err(e) => tracing::error!(error = %e, "purging documents failed"),
        }
        match congdanso::privacy::service::purge_due(&state.db, &state.blobs, now).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(accounts = n, "deleted the personal data of accounts as their owners asked"),
            Err(e) => tracing::error!(error = %e, "deleting accounts' data failed"),
        }
        let before = now - congdanso::teams::service::PENDING_DAYS * 86_400;
        match congdanso::teams::service::expire_pending(&state.db, before).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(accounts = n, "deleted registrations their owners never confirmed"),
            Err(e) => tracing::error!(error = %e, "deleting unconfirmed registrations failed"),
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let text = e.render().to_string();
            let line = text.lines().next().unwrap_or("invalid arguments").trim_start_matches("error: ");
            eprintln!("congdanso: {line} (see --help)");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = init_logs(&cli.settings.log) {
        eprintln!("congdanso: --log: {e}");
        return ExitCode::from(2);
    }
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.settings).await,
        Command::Migrate => migrate_only(&cli.settings).await,
        Command::RegistrySim { data } => registry_sim(&cli.settings, &data).await,
        Command::Admin { action: AdminCommand::Create { phone, name } } => admin_create(&cli.settings, &phone, &name).await,
        Command::Qr { action: QrCommand::RotateKey } => rotate_qr_key(&cli.settings).await,
        Command::StatsGenerate { count, seed } => stats_generate(&cli.settings, count, seed).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(line) => {
            eprintln!("congdanso: {line}");
            ExitCode::FAILURE
        }
    }
}

fn init_logs(filter: &str) -> Result<(), String> {
    let filter = tracing_subscriber::EnvFilter::try_new(filter).map_err(|e| e.to_string())?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .try_init().map_err(|e| e.to_string())
}

/// Opens the database and brings it up to date (schema, then seed data).
async fn open_database(settings: &Settings) -> Result<db::Db, String> {
    let url = settings.database_url();
    let db = db::connect(settings).await.map_err(|e| format!("--database-url ({}): {e}", url.describe()))?;
    let applied = db::migrate(&db).await.map_err(|e| e.to_string())?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "schema upgraded");
    }
    if seed(&db).await.map_err(|e| format!("seed data: {e}"))? {
        tracing::info!("administrative units loaded");
    }
    Ok(db)
}

async fn migrate_only(settings: &Settings) -> Result<(), String> {
    let db = open_database(settings).await?;
    drop(db);
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(())
}

async fn admin_create(settings: &Settings, phone: &str, name: &str) -> Result<(), String> {
    use congdanso::identity::domain::{FullName, PhoneNumber};
    let phone = PhoneNumber::parse(phone).map_err(|e| format!("--phone: not a Vietnamese mobile number ({e:?})"))?;
    let name = FullName::parse(name).map_err(|e| format!("--name: not a full name ({e:?})"))?;
    let db = open_database(settings).await?;
    let now = congdanso::identity::web::now();
    let (_, created) = congdanso::access::service::bootstrap_city_admin(&db, &phone, &name, now)
        .await
        .map_err(|e| format!("admin create: {e:?}"))?;
    let account = if created { "a new account" } else { "their existing account" };
    println!(
        "{} ({}) is a city administrator ({account}). Sign in with this number, then set up an authenticator app.",
        name.as_str(),
        phone.national()
    );
    drop(db);
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(())
}

async fn rotate_qr_key(settings: &Settings) -> Result<(), String> {
    let secret_path = settings.secret_key_file();
    let secret = SecretKey::load_or_create(&secret_path)
        .map_err(|e| format!("--secret-key-file {}: {e}", secret_path.display()))?;
    let db = open_database(settings).await?;
    let kid = congdanso::qr::keys::rotate(&db, &secret, congdanso::identity::web::now())
        .await
        .map_err(|e| format!("rotating the QR key: {e}"))?;
    println!("QR codes are now signed with key {kid}; older keys keep verifying for 24 hours. Restart the servers.");
    drop(db);
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(())
}

async fn stats_generate(settings: &Settings, count: u64, seed: u64) -> Result<(), String> {
    let db = open_database(settings).await?;
    let units = congdanso::units::service::UnitDirectory::load(&db).await.map_err(|e| format!("reading the units: {e}"))?;
    let line = congdanso::stats::generate::generate_into(&db, &units, count, seed).await?;
    println!("{line}");
    drop(db);
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(())
}

async fn registry_sim(settings: &Settings, data: &std::path::Path) -> Result<(), String> {
    let text = std::fs::read_to_string(data).map_err(|e| format!("--data {}: {e}", data.display()))?;
    let people = simulator::load_csv(&text).map_err(|e| format!("--data {}: {e}", data.display()))?;
    let key = settings.registry_key.clone().ok_or("--registry-key is required (the key clients must send)")?;
    let listener =
        tokio::net::TcpListener::bind(settings.bind).await.map_err(|e| format!("--bind {}: {e}", settings.bind))?;
    tracing::info!(address = %settings.bind, people = people.len(), "population registry simulator listening");
    axum::serve(listener, simulator::router(people, key))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("simulator error: {e}"))
}

async fn serve(settings: Settings) -> Result<(), String> {
    let config_path = settings.leptos_config.display().to_string();
    let leptos_options = leptos::config::get_configuration(Some(&config_path))
        .map_err(|e| format!("--leptos-config {config_path}: {e}"))?
        .leptos_options;
    let site_root = std::path::Path::new(leptos_options.site_root.as_ref());
    if !site_root.is_dir() {
        return Err(format!(
            "--leptos-config {config_path}: site-root {} does not exist (build the site with `make build`)",
            site_root.display()
        ));
    }
    let service_worker = ServiceWorker::for_build(&leptos_options).map_err(|e| format!("site build: {e}"))?;
    let secret_path = settings.secret_key_file();
    let secret = SecretKey::load_or_create(&secret_path)
        .map_err(|e| format!("--secret-key-file {}: {e}", secret_path.display()))?;
    if settings.sms_gateway_url.is_none() && !settings.dev {
        return Err("--sms-gateway-url is required (or --dev for the development SMS outbox)".to_owned());
    }
    let db = Arc::new(open_database(&settings).await?);
    let units = UnitDirectory::load(&db).await.map_err(|e| e.to_string())?;
    let sms = match &settings.sms_gateway_url {
        Some(url) => {
            let key = settings.sms_gateway_key.clone().ok_or("--sms-gateway-key is required with --sms-gateway-url")?;
            SmsGateway::Http(HttpSmsGateway::new(url.clone(), key).map_err(|e| format!("--sms-gateway-url: {e}"))?)
        }
        None => SmsGateway::DevOutbox(db.clone()),
    };
    let mail = match &settings.smtp_url {
        Some(url) => Some(MailSender::Smtp(Arc::new(
            SmtpClient::new(url.expose_secret(), &settings.mail_from).map_err(|e| format!("--smtp-url: {e}"))?,
        ))),
        None if settings.dev => Some(MailSender::DevOutbox(db.clone())),
        None => None,
    };
    let registry = match &settings.registry_url {
        Some(url) => {
            let key = settings.registry_key.clone().ok_or("--registry-key is required with --registry-url")?;
            let client = RegistryClient::new(url, key).map_err(|e| format!("--registry-url: {e}"))?;
            tokio::spawn(registry::retry_loop(db.clone(), client.clone(), Duration::from_secs(300)));
            Some(client)
        }
        None => None,
    };

    let mut qr_keys = congdanso::qr::keys::KeyRing::load(&db, &secret, congdanso::identity::web::now())
        .await
        .map_err(|e| format!("QR signing keys: {e}"))?;
    if let Some(public) = &settings.dev_trust_qr_key {
        if !settings.dev {
            return Err("--dev-trust-qr-key is for development only: it needs --dev".to_owned());
        }
        qr_keys.trust(public, congdanso::identity::web::now()).map_err(|e| format!("--dev-trust-qr-key: {e}"))?;
        tracing::warn!("development: QR codes signed by the key given with --dev-trust-qr-key are accepted");
    }

    let state = AppState {
        leptos_options,
        db,
        units,
        site: SiteInfo { dev: settings.dev },
        service_worker: Arc::new(service_worker),
        secure_cookies: settings.public_url().is_https(),
        secret: Arc::new(secret),
        sms,
        mail,
        registry,
        trusted_proxies: Arc::new(settings.trusted_proxies.clone()),
        qr_keys: Arc::new(qr_keys),
        blobs: BlobStore::filesystem(&settings.data_dir.join("blobs")).map_err(|e| format!("--data-dir: {e}"))?,
        vault: VaultSettings {
            max_bytes: settings.max_upload_mb * 1024 * 1024,
            retention_days: settings.document_retention_days,
        },
        deletion_grace_days: settings.deletion_grace_days,
        move_wait_minutes: settings.move_wait_minutes,
        public_url: settings.public_url().as_str().to_owned(),
    };
    match congdanso::orgs::service::stop_interrupted(&state.db, congdanso::identity::web::now()).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(enrolments = n, "enrolments interrupted by the last stop are marked where they stopped"),
        Err(e) => tracing::error!(error = %e, "marking interrupted enrolments failed"),
    }
    tokio::spawn(purge_loop(state.clone()));
    tokio::spawn(congdanso::stats::service::fold_loop((*state.db).clone(), state.units.clone(), Duration::from_secs(5)));
    tokio::spawn(congdanso::recovery::web::move_loop(state.clone(), Duration::from_secs(5)));
    let app = router(state.clone());
    let listener = tokio::net::TcpListener::bind(settings.bind)
        .await
        .map_err(|e| format!("--bind {}: {e}", settings.bind))?;
    tracing::info!(
        address = %settings.bind,
        public_url = settings.public_url().as_str(),
        database = %settings.database_url().describe(),
        build = %state.service_worker.build_id,
        dev = settings.dev,
        "Công Dân Số is listening"
    );
    if settings.dev {
        tracing::warn!("development mode: helpers such as the SMS outbox are on; never use --dev in production");
    }
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))?;
    // The embedded database flushes and closes when its last handle is dropped, in a background task.
    drop(state);
    tokio::time::sleep(Duration::from_millis(500)).await;
    tracing::info!("stopped");
    Ok(())
}
