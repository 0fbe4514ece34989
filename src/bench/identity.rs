//! `congdanso bench-sign-ins`: completed sign-ins per second on the embedded database, through the same services
//! the web handlers call (code issued and stored, SMS written to the outbox, code verified, session opened).
use std::sync::Arc;
use std::time::Instant;

use crate::identity::OtpPurpose;
use crate::identity::domain::PhoneNumber;
use crate::identity::otp::{self, OtpPolicy};
use crate::identity::session::{self, SessionPolicy};
use crate::identity::sms::SmsGateway;
use crate::db::{self, Db};
use crate::secret::SecretKey;

/// Runs `count` sign-ins against a fresh SurrealKV database in `dir`; returns the printed report.
pub async fn run(dir: &std::path::Path, count: u32) -> Result<String, String> {
    let url = format!("surrealkv://{}", dir.join("bench-db").display());
    let db: Db = db::connect_scratch(&url, "bench").await.map_err(|e| e.to_string())?;
    let db = Arc::new(db);
    let key = SecretKey::generate()?;
    let policy = OtpPolicy::default();
    let sms = SmsGateway::DevOutbox(db.clone());
    let phones: Vec<PhoneNumber> = (0..count)
        .map(|i| PhoneNumber::parse(&format!("0912{:06}", i)).map_err(|e| format!("{e:?}")))
        .collect::<Result<_, _>>()?;
    let now = 1_795_400_000;
    let started = Instant::now();
    for (i, phone) in phones.iter().enumerate() {
        let client = format!("10.0.{}.{}", i / 250, i % 250);
        let issued = otp::issue(&db, &key, &policy, phone, OtpPurpose::SignIn, &client, now)
            .await
            .map_err(|e| format!("{e:?}"))?;
        sms.send(phone, &issued.code, "bench", now).await.map_err(|e| e.to_string())?;
        otp::verify(&db, &key, &policy, phone, OtpPurpose::SignIn, &issued.code, now + 5)
            .await
            .map_err(|e| format!("{e:?}"))?;
        session::create(&db, &format!("bench{i}"), SessionPolicy::CITIZEN, "bench", &client, now + 5)
            .await
            .map_err(|e| e.to_string())?;
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(format!(
        "sign-ins (code + SMS outbox + verify + session), embedded SurrealKV: {count} in {seconds:.2} s = {:.0}/s",
        f64::from(count) / seconds
    ))
}
