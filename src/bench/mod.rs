//! The benchmarks behind `make bench` (the `congdanso-bench` binary, feature `bench`): each measures one part on a
//! fresh embedded database and prints its figures. Not part of the production server.
use clap::{Parser, Subcommand};

use crate::db::Db;
use crate::secret::SecretKey;

pub mod identity;
pub mod qr;
pub mod stats;
pub mod teams;
pub mod vault;

#[derive(Parser, Debug)]
#[command(name = "congdanso-bench", about = "Công Dân Số benchmarks (for make bench)")]
pub struct BenchCli {
    /// Where the fresh benchmark databases are made.
    #[arg(long, global = true, default_value = "./bench-data")]
    pub data_dir: std::path::PathBuf,
    /// Log filter (e.g. warn).
    #[arg(long, global = true, default_value = "warn")]
    pub log: String,
    #[command(subcommand)]
    pub command: Bench,
}

#[derive(Subcommand, Debug)]
pub enum Bench {
    /// Completed sign-ins per second.
    BenchSignIns {
        #[arg(long, default_value_t = 500)]
        count: u32,
    },
    /// Load COUNT synthetic citizens, fold them into the counters, and time the city dashboard.
    BenchStats {
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
    },
    /// QR verifications per second through the API next to raw Ed25519.
    BenchQr {
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// The profile page for a signed-in citizen against /healthz, and upload+encrypt throughput.
    BenchVault {
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// Synced assisted registrations per second and CSV enrolment rows per second.
    BenchTeams {
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        #[arg(long, default_value_t = 2000)]
        rows: u64,
    },
}

/// Runs one benchmark and returns its report.
pub async fn run(cli: &BenchCli) -> Result<String, String> {
    let dir = &cli.data_dir;
    match cli.command {
        Bench::BenchSignIns { count } => identity::run(dir, count).await,
        Bench::BenchStats { count } => stats::run(dir, count).await,
        Bench::BenchQr { seconds } => qr::run(dir, seconds).await,
        Bench::BenchVault { seconds } => vault::run(dir, seconds).await,
        Bench::BenchTeams { seconds, rows } => teams::run(dir, seconds, rows).await,
    }
}

/// A fresh SurrealKV database at `dir/name` for a benchmark, with the units seeded, a new secret key, QR keys and
/// the time it was made.
pub async fn scratch(
    dir: &std::path::Path,
    name: &str,
) -> Result<(Db, SecretKey, crate::qr::keys::KeyRing, i64), String> {
    let url = format!("surrealkv://{}", dir.join(name).display());
    let db: Db = crate::db::connect_scratch(&url, "bench").await.map_err(|e| e.to_string())?;
    crate::units::service::seed(&db).await.map_err(|e| e.to_string())?;
    let secret = SecretKey::generate()?;
    let now = crate::identity::web::now();
    let keys = crate::qr::keys::KeyRing::load(&db, &secret, now).await.map_err(|e| e.to_string())?;
    Ok((db, secret, keys, now))
}

