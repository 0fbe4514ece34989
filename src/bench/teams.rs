//! `congdanso bench-teams`: synced assisted registrations per second (a member's queue arriving when the network
//! comes back: `POST /team/register` with `Accept: application/json`, each a resident and a child, code sent to the
//! development outbox), the same queue sent again (every item answered "received before"), and organization
//! enrolment rows per second (a CSV upload processed to the end). The real router over loopback HTTP on embedded
//! SurrealKV; the load generator shares the cores with the server, so the figures are a floor.
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::db::Db;

/// Members sending their queues at once.
const MEMBERS: usize = 4;

/// A valid resident for row `i`: phone 09xx, an ID number consistent with a female born in 1986.
fn resident(i: u64) -> (String, String) {
    (format!("09{:08}", 30_000_000 + i), format!("048186{:06}", i))
}

fn body(key: &str, i: u64) -> String {
    let (phone, cid) = resident(i);
    format!(
        "key={key}&full_name=Tr%E1%BA%A7n+Th%E1%BB%8B+Lan&citizen_id={cid}&birth_date=02%2F03%2F1986&sex=female\
         &phone={phone}&street=12+L%C3%AA+Du%E1%BA%A9n&consent=yes&d1_name=Nguy%E1%BB%85n+B%C3%A9+Na\
         &d1_birth=01%2F06%2F2019&d1_sex=female&d1_relation=parent"
    )
}

async fn staff(db: &Db, phone: &str, role: &str, scope: &str, now: i64) -> Result<String, String> {
    let mut res = db
        .query(
            "CREATE ONLY account CONTENT { phone: $phone, full_name: 'Lê Văn Tổ', name_folded: 'le van to', level: 1,
                 created_at: $now } RETURN VALUE meta::id(id)",
        )
        .bind(("phone", phone.to_owned()))
        .bind(("now", now))
        .await
        .map_err(|e| e.to_string())?;
    let id: Option<String> = res.take(0).map_err(|e| e.to_string())?;
    let id = id.ok_or("no bench account")?;
    db.query("CREATE role_grant CONTENT { account: type::record('account', $a), role: $role, scope: $scope, granted_at: 0 }")
        .bind(("a", id.clone()))
        .bind(("role", role.to_owned()))
        .bind(("scope", scope.to_owned()))
        .await
        .map_err(|e| e.to_string())?;
    let policy = crate::identity::session::SessionPolicy::STAFF;
    let session = crate::identity::session::create(db, &id, policy, "bench", "127.0.0.1", now).await.map_err(|e| e.to_string())?;
    crate::identity::session::mark_second_factor(db, &session.id, now).await.map_err(|e| e.to_string())?;
    Ok(format!("cds_session={}", session.token))
}

pub async fn run(dir: &std::path::Path, seconds: u64, rows: u64) -> Result<String, String> {
    let (db, secret, keys, now) = super::scratch(dir, "bench-teams-db").await?;
    let mut res = db
        .query(
            "CREATE ONLY team CONTENT { name: 'Tổ dân phố 1', ward: '20194', created_at: 0 } RETURN VALUE meta::id(id);
             CREATE ONLY organization CONTENT { name: 'Cấp nước', name_folded: 'cap nuoc', created_at: 0 } RETURN VALUE meta::id(id);",
        )
        .await
        .map_err(|e| e.to_string())?;
    let team: Option<String> = res.take(0).map_err(|e| e.to_string())?;
    let org: Option<String> = res.take(1).map_err(|e| e.to_string())?;
    let (team, org) = (team.ok_or("no team")?, org.ok_or("no organization")?);
    let mut members = Vec::new();
    for m in 0..MEMBERS {
        members.push(staff(&db, &format!("+8490500{:04}", m), "team_member", &team, now).await?);
    }
    let org_admin = staff(&db, "+84905009999", "org_admin", &org, now).await?;

    let state = crate::server::standalone_state(Arc::new(db), secret, keys).await?;
    let db = state.db.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let app = crate::server::router(state);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await;
    });
    let client = reqwest::Client::builder().pool_max_idle_per_host(MEMBERS).build().map_err(|e| e.to_string())?;
    let base = format!("http://{address}");

    // every member sends their queue for `seconds`; each registration is new
    let next = Arc::new(AtomicU64::new(0));
    let created = Arc::new(AtomicU64::new(0));
    let sent: Arc<std::sync::Mutex<Vec<(String, String, u64)>>> = Arc::default();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for (m, cookie) in members.iter().enumerate() {
        let (client, url, cookie, next, created, sent) =
            (client.clone(), format!("{base}/team/register"), cookie.clone(), next.clone(), created.clone(), sent.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let key = format!("bench-{m}-{i:012}");
                let answer = client
                    .post(&url)
                    .header("cookie", &cookie)
                    .header("accept", "application/json")
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body(&key, i))
                    .send()
                    .await;
                if let Ok(r) = answer
                    && r.status().as_u16() == 201
                {
                    created.fetch_add(1, Ordering::Relaxed);
                    if let Ok(mut s) = sent.lock() {
                        s.push((cookie.clone(), key, i));
                    }
                }
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let made = created.load(Ordering::Relaxed);
    let rate = made as f64 / started.elapsed().as_secs_f64();

    // the same queues again: nothing new may be created
    let again: Vec<(String, String, u64)> = sent.lock().map(|s| s.clone()).unwrap_or_default();
    let started = Instant::now();
    let mut repeated_ok = 0u64;
    for (cookie, key, i) in &again {
        let r = client
            .post(format!("{base}/team/register"))
            .header("cookie", cookie)
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body(key, *i))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if r.status().as_u16() == 200 {
            repeated_ok += 1;
        }
    }
    let again_rate = again.len() as f64 / started.elapsed().as_secs_f64().max(1e-9);
    let mut res = db.query("RETURN count(SELECT id FROM assisted)").await.map_err(|e| e.to_string())?;
    let stored: Option<i64> = res.take(0).map_err(|e| e.to_string())?;

    // an enrolment file of `rows` new employees
    let mut csv = String::from("Họ và tên,Số điện thoại,Số CCCD\n");
    for i in 0..rows {
        let (phone, cid) = resident(500_000 + i);
        csv.push_str(&format!("Trần Thị Lan,{phone},{cid}\n"));
    }
    let boundary = "cds-bench-boundary";
    let mut upload = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"nv.csv\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    upload.extend_from_slice(csv.as_bytes());
    upload.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let started = Instant::now();
    let r = client
        .post(format!("{base}/org/enrolments"))
        .header("cookie", &org_admin)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(upload)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !r.status().is_success() {
        return Err(format!("the enrolment upload answered {}", r.status()));
    }
    loop {
        let mut res = db
            .query("RETURN count(SELECT id FROM enrolment WHERE finished_at != NONE)")
            .await
            .map_err(|e| e.to_string())?;
        if res.take::<Option<i64>>(0).map_err(|e| e.to_string())?.unwrap_or(0) > 0 {
            break;
        }
        if started.elapsed() > Duration::from_secs(600) {
            return Err("the enrolment did not finish in 10 minutes".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let rows_rate = rows as f64 / started.elapsed().as_secs_f64();
    Ok(format!(
        "Assisted registrations synced (POST /team/register JSON, resident + child, code to the outbox, {MEMBERS} \
         members): {rate:.0}/s ({made} in {seconds} s)\n\
         The same queues sent again: {again_rate:.0}/s, {repeated_ok}/{} answered \"received before\"; registrations \
         stored: {} (no duplicates: {})\n\
         Enrolment from CSV ({rows} new employees: account + invitation SMS each): {rows_rate:.0} rows/s",
        again.len(),
        stored.unwrap_or(0),
        stored.unwrap_or(0) as u64 == made,
    ))
}
