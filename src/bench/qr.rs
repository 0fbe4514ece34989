//! `congdanso bench-qr`: verifications per second through `POST /api/v1/qr/verify` (the real router, over
//! loopback HTTP, on embedded SurrealKV), next to raw Ed25519 verifications per second in the same run, and the
//! latency at 70 % of the measured rate. The load generator runs in the same process (and on the same cores) as
//! the server, so the figures are a floor.
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::qr::Preset;

const CONCURRENCY: usize = 16;

pub async fn run(dir: &std::path::Path, seconds: u64) -> Result<String, String> {
    let (db, secret, keys, now) = super::scratch(dir, "bench-qr-db").await?;
    let mut res = db
        .query(
            "CREATE ONLY account CONTENT { phone: '+84912000001', citizen_id: '048085001234', full_name: 'Nguyễn Văn An',
                 name_folded: 'nguyen van an', birth_date: '1985-03-12', sex: 'male', level: 2, created_at: $now }
             RETURN VALUE meta::id(id)",
        )
        .bind(("now", now))
        .await
        .map_err(|e| e.to_string())?;
    let id: Option<String> = res.take(0).map_err(|e| e.to_string())?;
    let id = id.ok_or("no bench account")?;
    let (token, _) = crate::qr::service::issue(&db, &keys, &id, Preset::Basic, now)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no token")?;

    // raw Ed25519: parse + verify, one core
    let started = Instant::now();
    let mut raw = 0u64;
    while started.elapsed() < Duration::from_secs(2) {
        if keys.authentic(&token).is_ok() {
            raw += 1;
        }
    }
    let raw_rate = raw as f64 / started.elapsed().as_secs_f64();

    let state = crate::server::standalone_state(Arc::new(db), secret, keys).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let app = crate::server::router(state);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await;
    });
    let endpoint = format!("http://{address}/api/v1/qr/verify");
    let body = serde_json::json!({ "token": token }).to_string();
    let client = reqwest::Client::builder().pool_max_idle_per_host(CONCURRENCY).build().map_err(|e| e.to_string())?;
    let check = client
        .post(&endpoint)
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    if !check.contains("\"valid\":true") {
        return Err(format!("the bench token did not verify: {check}"));
    }

    // saturation: CONCURRENCY clients back to back
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let (client, endpoint, body, done) = (client.clone(), endpoint.clone(), body.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let ok = client.post(&endpoint).header("content-type", "application/json").body(body.clone()).send().await;
                if let Ok(response) = ok
                    && response.bytes().await.is_ok()
                {
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let api_rate = done.load(Ordering::Relaxed) as f64 / seconds as f64;

    // latency at 70 % of that rate, requests sent on a fixed schedule
    let target = (api_rate * 0.7).max(1.0);
    let interval = Duration::from_secs_f64(1.0 / target);
    let total = (target * seconds as f64) as usize;
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut pending = Vec::with_capacity(total);
    for _ in 0..total {
        ticker.tick().await;
        let (client, endpoint, body) = (client.clone(), endpoint.clone(), body.clone());
        pending.push(tokio::spawn(async move {
            let sent = Instant::now();
            let response = client.post(&endpoint).header("content-type", "application/json").body(body).send().await;
            match response {
                Ok(r) => r.bytes().await.ok().map(|_| sent.elapsed()),
                Err(_) => None,
            }
        }));
    }
    let mut latencies = Vec::with_capacity(total);
    for task in pending {
        if let Ok(Some(latency)) = task.await {
            latencies.push(latency);
        }
    }
    latencies.sort();
    let at = |q: f64| latencies.get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)));
    let ms = |d: Option<&Duration>| d.map(|d| d.as_secs_f64() * 1000.0).unwrap_or(f64::NAN);
    Ok(format!(
        "QR verify, raw Ed25519 (parse + verify, 1 core): {raw_rate:.0}/s\n\
         QR verify, POST /api/v1/qr/verify (HTTP + revocation lookup + record, {CONCURRENCY} clients): {api_rate:.0}/s \
         = {:.1} % of raw\n\
         QR verify at 70 % load ({target:.0}/s for {seconds} s, {} requests): p50 {:.1} ms, p99 {:.1} ms",
        api_rate / raw_rate * 100.0,
        latencies.len(),
        ms(at(0.50)),
        ms(at(0.99)),
    ))
}
