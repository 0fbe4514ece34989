//! `congdanso-bench`: the benchmarks `make bench` runs (built only with the `bench` feature, so none of this is in
//! the production server).
use std::process::ExitCode;

use clap::Parser;
use congdanso::bench::{BenchCli, run};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = BenchCli::parse();
    let filter = match tracing_subscriber::EnvFilter::try_new(&cli.log) {
        Ok(filter) => filter,
        Err(e) => {
            eprintln!("congdanso-bench: --log: {e}");
            return ExitCode::from(2);
        }
    };
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_writer(std::io::stderr).try_init();
    match run(&cli).await {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(line) => {
            eprintln!("congdanso-bench: {line}");
            ExitCode::FAILURE
        }
    }
}
