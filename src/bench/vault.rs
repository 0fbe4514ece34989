//! `congdanso bench-vault`: the profile page for a signed-in citizen (server-rendered, reading the session, the
//! account, the profile and its history) in requests per second next to `/healthz` in the same run, and document
//! uploads through `POST /me/documents` (multipart, sniff, encrypt, blob write with fsync, record) in MB/s next to
//! the raw encryption speed. The real router over loopback HTTP on embedded SurrealKV; the load generator shares the
//! cores with the server, so the figures are a floor.
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const CONCURRENCY: usize = 16;
const UPLOAD_CLIENTS: usize = 2;
const FILE_BYTES: usize = 2 * 1024 * 1024;

/// Requests per second of GET `url` by CONCURRENCY clients for `seconds` (only 200 answers count).
async fn rate(client: &reqwest::Client, url: &str, cookie: &str, seconds: u64) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let (client, url, cookie, done) = (client.clone(), url.to_owned(), cookie.to_owned(), done.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                if let Ok(response) = client.get(&url).header("cookie", &cookie).send().await
                    && response.status().is_success()
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
    done.load(Ordering::Relaxed) as f64 / seconds as f64
}

fn upload_body(boundary: &str, file: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\ndiploma\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bang.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

pub async fn run(dir: &std::path::Path, seconds: u64) -> Result<String, String> {
    let (db, secret, keys, now) = super::scratch(dir, "bench-vault-db").await?;
    let mut res = db
        .query(
            "CREATE ONLY account CONTENT { phone: '+84912000001', citizen_id: '048085001234', full_name: 'Nguyễn Văn An',
                 name_folded: 'nguyen van an', birth_date: '1985-03-12', sex: 'male', level: 2, created_at: $now }
             RETURN VALUE meta::id(id);",
        )
        .bind(("now", now))
        .await
        .map_err(|e| e.to_string())?;
    let id: Option<String> = res.take(0).map_err(|e| e.to_string())?;
    let id = id.ok_or("no bench account")?;
    db.query(
        "UPSERT type::record('profile', $id) SET email = 'an@example.vn', occupation = 'Giáo viên',
             permanent_unit = '20242', household_address = '0123456789', updated_at = $now",
    )
    .bind(("id", id.clone()))
    .bind(("now", now))
    .await
    .map_err(|e| e.to_string())?
    .check()
    .map_err(|e| e.to_string())?;
    let session = crate::identity::session::create(
        &db,
        &id,
        crate::identity::session::SessionPolicy::CITIZEN,
        "bench",
        "127.0.0.1",
        now,
    )
    .await
    .map_err(|e| e.to_string())?;
    let cookie = format!("cds_session={}", session.token);

    let mut state = crate::server::standalone_state(Arc::new(db), secret.clone(), keys).await?;
    state.blobs = crate::vault::store::BlobStore::filesystem(&dir.join("blobs"))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let app = crate::server::router(state);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await;
    });
    let client = reqwest::Client::builder().pool_max_idle_per_host(CONCURRENCY).build().map_err(|e| e.to_string())?;
    let base = format!("http://{address}");
    let check = client.get(format!("{base}/me/profile")).header("cookie", &cookie).send().await.map_err(|e| e.to_string())?;
    if !check.status().is_success() {
        return Err(format!("the bench profile page answered {}", check.status()));
    }

    let profile = rate(&client, &format!("{base}/me/profile"), &cookie, seconds).await;
    let health = rate(&client, &format!("{base}/healthz"), "", seconds).await;

    // raw encryption of a 2 MB file, one core
    let mut file = vec![0u8; FILE_BYTES];
    getrandom::fill(&mut file).map_err(|e| e.to_string())?;
    file[..8].copy_from_slice(b"%PDF-1.7");
    let started = Instant::now();
    let mut sealed_bytes = 0usize;
    while started.elapsed() < Duration::from_secs(1) {
        sealed_bytes += crate::vault::crypto::seal(&secret, "benchblob0001", file.clone())?.bytes.len();
    }
    let raw_mb_s = sealed_bytes as f64 / (1024.0 * 1024.0) / started.elapsed().as_secs_f64();

    // uploads through the real endpoint
    let boundary = "cds-bench-boundary";
    let body = Arc::new(upload_body(boundary, &file));
    let stored = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..UPLOAD_CLIENTS {
        let (client, url, cookie, body, stored) =
            (client.clone(), format!("{base}/me/documents"), cookie.clone(), body.clone(), stored.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let sent = client
                    .post(&url)
                    .header("cookie", &cookie)
                    .header("content-type", format!("multipart/form-data; boundary={boundary}"))
                    .body(body.as_ref().clone())
                    .send()
                    .await;
                if let Ok(response) = sent
                    && response.status().is_success()
                    && response.bytes().await.is_ok()
                {
                    stored.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let uploads = stored.load(Ordering::Relaxed);
    let upload_mb_s = (uploads as usize * FILE_BYTES) as f64 / (1024.0 * 1024.0) / started.elapsed().as_secs_f64();
    Ok(format!(
        "Profile page SSR (signed in, {CONCURRENCY} clients): {profile:.0} requests/s; /healthz {health:.0}/s; \
         ratio {:.2}\n\
         Document upload, POST /me/documents ({} MB files, {UPLOAD_CLIENTS} clients: multipart + sniff + AES-256-GCM + \
         fsync'd blob + record + page): {upload_mb_s:.1} MB/s ({uploads} files)\n\
         Encryption alone (AES-256-GCM, 1 core): {raw_mb_s:.0} MB/s",
        profile / health.max(1.0),
        FILE_BYTES / (1024 * 1024),
    ))
}
