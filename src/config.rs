//! The server's own settings: command-line flags with matching environment variables, checked once at start-up.
//! Leptos's runtime options (site root, package dir) come from `Leptos.toml` (see `main.rs`).
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;

#[derive(Debug, Parser)]
#[command(name = "congdanso", version, about = "Công Dân Số: digital citizen platform server")]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app (the default when no command is given).
    Serve,
    /// Apply the schema migrations and seed data, then exit.
    Migrate,
    /// Add COUNT synthetic citizens (fictional, in the 2025-07 wards) to this server's database and fold them into
    /// the statistics: for trying the dashboards at scale. Never on a real city's database.
    StatsGenerate {
        #[arg(long, default_value_t = 10_000)]
        count: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// QR signing keys.
    Qr {
        #[command(subcommand)]
        action: QrCommand,
    },
    /// Server administration (run on the server itself).
    Admin {
        #[command(subcommand)]
        action: AdminCommand,
    },
    /// Run a simulator of the population registry's HTTP contract on --bind, answering from a CSV file
    /// (citizen_id,full_name,date_of_birth) and expecting --registry-key.
    RegistrySim {
        /// CSV file: citizen_id,full_name,date_of_birth (dd/mm/yyyy or yyyy-mm-dd)
        #[arg(long, value_name = "FILE")]
        data: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum QrCommand {
    /// Make a new signing key; the old ones keep verifying their codes (and stay published) for 24 hours.
    /// Running servers pick the new key up when restarted.
    RotateKey,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Make the person with this phone number a city administrator (opening an account for them if they have
    /// none). They sign in with an SMS code and must set up an authenticator app before any staff page opens.
    Create {
        /// Mobile phone number, e.g. 0912345678
        #[arg(long)]
        phone: String,
        /// Full name, with diacritics
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address and port to listen on.
    #[arg(long, env = "CONGDANSO_BIND", value_name = "ADDR", default_value = "127.0.0.1:3000", global = true)]
    pub bind: SocketAddr,

    /// Database: mem:// (throw-away), surrealkv://PATH (embedded, on disk) or ws://HOST:PORT (a SurrealDB server).
    /// Default: surrealkv://DATA_DIR/db.
    #[arg(long, env = "CONGDANSO_DATABASE_URL", value_name = "URL", value_parser = parse_database_url, global = true)]
    pub database_url: Option<DatabaseUrl>,

    /// SurrealDB namespace.
    #[arg(long, env = "CONGDANSO_DB_NAMESPACE", value_name = "NAME", default_value = "congdanso", value_parser = parse_name, global = true)]
    pub db_namespace: String,

    /// SurrealDB database.
    #[arg(long, env = "CONGDANSO_DB_DATABASE", value_name = "NAME", default_value = "main", value_parser = parse_name, global = true)]
    pub db_database: String,

    /// User for a remote SurrealDB server (root user); embedded databases need none.
    #[arg(long, env = "CONGDANSO_DB_USERNAME", value_name = "USER", global = true)]
    pub db_username: Option<String>,

    /// Password for --db-username.
    #[arg(long, env = "CONGDANSO_DB_PASSWORD", value_name = "PASSWORD", value_parser = parse_secret, hide_env_values = true, global = true)]
    pub db_password: Option<SecretString>,

    /// Directory for the embedded database, the secret key and stored files.
    #[arg(long, env = "CONGDANSO_DATA_DIR", value_name = "DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,

    /// The address citizens use to reach the service (decides Secure cookies and links in messages).
    /// Default: http://BIND.
    #[arg(long, env = "CONGDANSO_PUBLIC_URL", value_name = "URL", value_parser = parse_public_url, global = true)]
    pub public_url: Option<PublicUrl>,

    /// File with the server's 32-byte secret key (hex); created with 0600 permissions if absent.
    /// Default: DATA_DIR/secret.key.
    #[arg(long, env = "CONGDANSO_SECRET_KEY_FILE", value_name = "FILE", global = true)]
    pub secret_key_file: Option<PathBuf>,

    /// SMS gateway endpoint (JSON POST; contract in the README). Required unless --dev.
    #[arg(long, env = "CONGDANSO_SMS_GATEWAY_URL", value_name = "URL", value_parser = parse_http_url, global = true)]
    pub sms_gateway_url: Option<String>,

    /// API key sent to the SMS gateway in the X-Api-Key header.
    #[arg(long, env = "CONGDANSO_SMS_GATEWAY_KEY", value_name = "KEY", value_parser = parse_secret, hide_env_values = true, global = true)]
    pub sms_gateway_key: Option<SecretString>,

    /// SMTP server for e-mail codes (the second channel): smtps://USER:PASSWORD@HOST[:465],
    /// smtp://USER:PASSWORD@HOST[:587] (STARTTLS required) or smtp://HOST:PORT?tls=none (a local relay). Without it
    /// (and without --dev) codes go by SMS only.
    #[arg(long, env = "CONGDANSO_SMTP_URL", value_name = "URL", value_parser = parse_secret, hide_env_values = true, global = true)]
    pub smtp_url: Option<SecretString>,

    /// The sender address of e-mail codes.
    #[arg(long, env = "CONGDANSO_MAIL_FROM", value_name = "ADDRESS", default_value = "no-reply@congdanso.danang.gov.vn", global = true)]
    pub mail_from: String,

    /// The national population registry (POST /v1/verify; contract in the README). Without it accounts stay at
    /// level 1 (self-declared).
    #[arg(long, env = "CONGDANSO_REGISTRY_URL", value_name = "URL", value_parser = parse_http_url, global = true)]
    pub registry_url: Option<String>,

    /// API key for the population registry (X-Api-Key); also the key `registry-sim` expects.
    #[arg(long, env = "CONGDANSO_REGISTRY_KEY", value_name = "KEY", value_parser = parse_secret, hide_env_values = true, global = true)]
    pub registry_key: Option<SecretString>,

    /// Reverse proxies (IP addresses, comma-separated) whose X-Forwarded-For header gives the client's address,
    /// for per-client limits and the sessions list. Without it the peer address is used.
    #[arg(long, env = "CONGDANSO_TRUSTED_PROXIES", value_name = "IP,...", value_delimiter = ',', global = true)]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    /// Largest document a citizen can upload to the vault, in MB.
    #[arg(long, env = "CONGDANSO_MAX_UPLOAD_MB", value_name = "MB", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=100), global = true)]
    pub max_upload_mb: u64,

    /// Days a deleted document stays in the bin (restorable) before its files are purged.
    #[arg(long, env = "CONGDANSO_DOCUMENT_RETENTION_DAYS", value_name = "DAYS", default_value_t = 30, value_parser = clap::value_parser!(i64).range(1..=3650), global = true)]
    pub document_retention_days: i64,

    /// Days between a citizen's request to delete their data and the deletion (they can cancel until then).
    #[arg(long, env = "CONGDANSO_DELETION_GRACE_DAYS", value_name = "DAYS", default_value_t = 30, value_parser = clap::value_parser!(i64).range(0..=365), global = true)]
    pub deletion_grace_days: i64,

    /// Minutes an assisted move to a new phone number waits before it takes effect (the old number and the owner
    /// can cancel it until then).
    #[arg(long, env = "CONGDANSO_MOVE_WAIT_MINUTES", value_name = "MINUTES", default_value_t = 24 * 60, value_parser = clap::value_parser!(i64).range(0..=30 * 24 * 60), global = true)]
    pub move_wait_minutes: i64,

    /// Leptos runtime configuration.
    #[arg(long, env = "CONGDANSO_LEPTOS_CONFIG", value_name = "FILE", default_value = "Leptos.toml", global = true)]
    pub leptos_config: PathBuf,

    /// Development helpers (SMS outbox pages, a banner on every page). Never in production.
    #[arg(long, env = "CONGDANSO_DEV", global = true)]
    pub dev: bool,

    /// Development only (needs --dev): also trust, and publish with the server's own keys, this Ed25519 public key
    /// (32 bytes, base64url without padding) for QR codes. The browser journeys give it the fixed key of the shared
    /// token vectors (src/qr/token_vectors.json, "trusted"). Never in production.
    #[arg(long, env = "CONGDANSO_DEV_TRUST_QR_KEY", value_name = "BASE64URL", global = true)]
    pub dev_trust_qr_key: Option<String>,

    /// Log filter (tracing's EnvFilter syntax), e.g. "info,congdanso=debug".
    #[arg(long, env = "CONGDANSO_LOG", value_name = "FILTER", default_value = "info,surreal=warn", global = true)]
    pub log: String,
}

impl Settings {
    pub fn database_url(&self) -> DatabaseUrl {
        self.database_url.clone().unwrap_or_else(|| DatabaseUrl::SurrealKv(self.data_dir.join("db")))
    }

    pub fn public_url(&self) -> PublicUrl {
        self.public_url.clone().unwrap_or_else(|| PublicUrl(format!("http://{}", self.bind)))
    }

    pub fn secret_key_file(&self) -> PathBuf {
        self.secret_key_file.clone().unwrap_or_else(|| self.data_dir.join("secret.key"))
    }
}

/// Where the data lives. Parsed from `mem://`, `surrealkv://PATH` or `ws://HOST:PORT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Memory,
    SurrealKv(PathBuf),
    Remote(String),
}

impl DatabaseUrl {
    /// The URL in the form SurrealDB's `engine::any` expects.
    pub fn engine_url(&self) -> String {
        match self {
            DatabaseUrl::Memory => "mem://".to_owned(),
            DatabaseUrl::SurrealKv(path) => format!("surrealkv://{}", path.display()),
            DatabaseUrl::Remote(url) => url.clone(),
        }
    }

    /// For logs: never includes credentials.
    pub fn describe(&self) -> String {
        match self {
            DatabaseUrl::Memory => "in memory (mem://)".to_owned(),
            DatabaseUrl::SurrealKv(path) => format!("embedded SurrealKV at {}", path.display()),
            DatabaseUrl::Remote(url) => format!("SurrealDB server at {url}"),
        }
    }

    pub fn local_path(&self) -> Option<&Path> {
        match self {
            DatabaseUrl::SurrealKv(path) => Some(path),
            _ => None,
        }
    }
}

pub fn parse_database_url(s: &str) -> Result<DatabaseUrl, String> {
    let s = s.trim();
    if s == "mem://" || s == "memory" {
        return Ok(DatabaseUrl::Memory);
    }
    if let Some(path) = s.strip_prefix("surrealkv://") {
        if path.is_empty() {
            return Err("surrealkv:// needs a path, e.g. surrealkv://data/db".to_owned());
        }
        return Ok(DatabaseUrl::SurrealKv(PathBuf::from(path)));
    }
    for scheme in ["ws://", "wss://"] {
        if let Some(rest) = s.strip_prefix(scheme) {
            let host = rest.split('/').next().unwrap_or_default();
            if host.is_empty() || host.contains('@') {
                return Err(format!("{scheme} needs HOST:PORT (credentials go in --db-username/--db-password)"));
            }
            if scheme == "wss://" {
                return Err("wss:// is not built in; put TLS in front of the database network or use ws:// on a private link".to_owned());
            }
            return Ok(DatabaseUrl::Remote(s.to_owned()));
        }
    }
    Err("expected mem://, surrealkv://PATH or ws://HOST:PORT".to_owned())
}

/// The public base URL, without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Cookies get the Secure flag when the service is reached over https.
    pub fn is_https(&self) -> bool {
        self.0.starts_with("https://")
    }
}

pub fn parse_public_url(s: &str) -> Result<PublicUrl, String> {
    let s = s.trim().trim_end_matches('/');
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .ok_or_else(|| "expected an http:// or https:// URL".to_owned())?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() || rest.contains(char::is_whitespace) || rest.contains(['?', '#', '@']) {
        return Err("expected a URL like https://congdanso.danang.gov.vn".to_owned());
    }
    Ok(PublicUrl(s.to_owned()))
}

fn parse_http_url(s: &str) -> Result<String, String> {
    parse_public_url(s).map(|u| u.as_str().to_owned())
}

/// A password, an API key or a URL holding one: kept out of `Debug` (settings are printed `[REDACTED]` there) and
/// exposed only where it is used.
fn parse_secret(s: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(s.to_owned()))
}

fn parse_name(s: &str) -> Result<String, String> {
    if !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        Ok(s.to_owned())
    } else {
        Err("expected 1–64 letters, digits, '_' or '-'".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn database_urls_pick_the_engine() {
        assert_eq!(parse_database_url("mem://"), Ok(DatabaseUrl::Memory));
        assert_eq!(parse_database_url("surrealkv://data/db"), Ok(DatabaseUrl::SurrealKv("data/db".into())));
        assert_eq!(parse_database_url("ws://127.0.0.1:8000"), Ok(DatabaseUrl::Remote("ws://127.0.0.1:8000".into())));
        assert!(parse_database_url("postgres://x").is_err());
        assert!(parse_database_url("surrealkv://").is_err());
        assert!(parse_database_url("ws://root:root@host:8000").is_err());
    }

    #[test]
    fn public_url_must_be_http_or_https() {
        assert_eq!(parse_public_url("https://cds.example.vn/").map(|u| u.is_https()), Ok(true));
        assert_eq!(parse_public_url("http://127.0.0.1:3000").map(|u| u.is_https()), Ok(false));
        assert!(parse_public_url("cds.example.vn").is_err());
        assert!(parse_public_url("https://").is_err());
    }

    #[test]
    fn defaults_derive_from_the_data_dir_and_bind_address() {
        let cli = Cli::try_parse_from(["congdanso", "--data-dir", "/srv/cds"]).expect("defaults parse");
        let s = cli.settings;
        assert_eq!(s.database_url(), DatabaseUrl::SurrealKv("/srv/cds/db".into()));
        assert_eq!(s.secret_key_file(), PathBuf::from("/srv/cds/secret.key"));
        assert_eq!(s.public_url().as_str(), "http://127.0.0.1:3000");
        assert!(!s.dev);
    }

    #[test]
    fn secrets_never_show_when_the_settings_are_printed() {
        let cli = Cli::try_parse_from([
            "congdanso",
            "--db-username",
            "root",
            "--db-password",
            "db-pass-4f1c",
            "--sms-gateway-key",
            "sms-key-8d2e",
            "--smtp-url",
            "smtps://noreply:smtp-pass-77a0@mail.example.vn",
            "--registry-key",
            "registry-key-3b9a",
        ])
        .expect("parses");
        let printed = format!("{cli:?} {:#?}", cli.settings);
        for secret in ["db-pass-4f1c", "sms-key-8d2e", "smtp-pass-77a0", "registry-key-3b9a"] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
        assert!(printed.contains("root") && printed.contains("REDACTED"), "{printed}");
        // and each is there, whole, where it is used
        let exposed = |secret: &Option<SecretString>| secret.as_ref().map(|s| s.expose_secret().to_owned());
        let s = &cli.settings;
        assert_eq!(exposed(&s.db_password).as_deref(), Some("db-pass-4f1c"));
        assert_eq!(exposed(&s.sms_gateway_key).as_deref(), Some("sms-key-8d2e"));
        assert_eq!(exposed(&s.smtp_url).as_deref(), Some("smtps://noreply:smtp-pass-77a0@mail.example.vn"));
        assert_eq!(exposed(&s.registry_key).as_deref(), Some("registry-key-3b9a"));
    }

    #[test]
    fn a_malformed_flag_is_refused_with_its_name() {
        let err = Cli::try_parse_from(["congdanso", "--bind", "not-an-address"]).expect_err("must fail");
        assert!(err.to_string().contains("--bind"), "{err}");
        let err = Cli::try_parse_from(["congdanso", "--database-url", "mysql://x"]).expect_err("must fail");
        assert!(err.to_string().contains("--database-url"), "{err}");
    }
}
