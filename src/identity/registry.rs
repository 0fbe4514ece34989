//! The national population registry: a client for its HTTP contract, the service that raises an account to
//! level 2 on a match (and retries later when the registry is down), and a simulator of the contract
//! (`congdanso registry-sim`) that tests start as a separate process.
//!
//! Contract: `POST {url}/v1/verify`, header `X-Api-Key`, body `{"citizen_id", "full_name", "date_of_birth"}`
//! (date as yyyy-mm-dd) → 200 `{"result": "match" | "mismatch" | "not_found", "mismatched_fields": [...]}`.
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::db::{Db, DbError};

/// `Debug` shows the address, never the key.
#[derive(Clone, Debug)]
pub struct RegistryClient {
    client: reqwest::Client,
    url: String,
    api_key: SecretString,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyRequest {
    pub citizen_id: String,
    pub full_name: String,
    pub date_of_birth: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyResponse {
    pub result: String,
    #[serde(default)]
    pub mismatched_fields: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Match,
    Mismatch(Vec<String>),
    NotFound,
}

impl RegistryClient {
    pub fn new(url: &str, api_key: SecretString) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_secs(3))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(RegistryClient { client, url: format!("{}/v1/verify", url.trim_end_matches('/')), api_key })
    }

    /// Asks the registry; retries network errors and 5xx (3 attempts). `Err` means "could not tell".
    pub async fn verify(&self, request: &VerifyRequest) -> Result<Verdict, String> {
        let body = serde_json::to_vec(request).map_err(|e| e.to_string())?;
        let mut last = String::new();
        for attempt in 0..3u64 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(300 * attempt)).await;
            }
            let sent = self
                .client
                .post(&self.url)
                .header("content-type", "application/json")
                .header("x-api-key", self.api_key.expose_secret())
                .body(body.clone())
                .send()
                .await;
            match sent {
                Ok(response) if response.status().is_success() => {
                    let bytes = response.bytes().await.map_err(|e| e.to_string())?;
                    let parsed: VerifyResponse = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
                    return match parsed.result.as_str() {
                        "match" => Ok(Verdict::Match),
                        "mismatch" => Ok(Verdict::Mismatch(parsed.mismatched_fields)),
                        "not_found" => Ok(Verdict::NotFound),
                        other => Err(format!("unknown result {other}")),
                    };
                }
                Ok(response) if response.status().is_client_error() => {
                    return Err(format!("refused: HTTP {}", response.status().as_u16()));
                }
                Ok(response) => last = format!("HTTP {}", response.status().as_u16()),
                Err(e) => last = e.to_string(),
            }
        }
        Err(last)
    }
}

/// Checks one account and records the outcome; a registry that cannot answer leaves it "pending" for later.
pub async fn check_account(db: &Db, registry: &RegistryClient, account_id: &str, now: i64) -> Result<(), DbError> {
    let mut res = db
        .query("SELECT citizen_id, full_name, birth_date FROM ONLY type::record('account', $id)")
        .bind(("id", account_id.to_owned()))
        .await?;
    let Some(row) = res.take::<Option<serde_json::Value>>(0)? else { return Ok(()) };
    let request = VerifyRequest {
        citizen_id: row["citizen_id"].as_str().unwrap_or_default().to_owned(),
        full_name: row["full_name"].as_str().unwrap_or_default().to_owned(),
        date_of_birth: row["birth_date"].as_str().unwrap_or_default().to_owned(),
    };
    let (status, level_two, mismatch) = match registry.verify(&request).await {
        Ok(Verdict::Match) => ("match", true, vec![]),
        Ok(Verdict::Mismatch(fields)) => ("mismatch", false, fields),
        Ok(Verdict::NotFound) => ("not_found", false, vec![]),
        Err(cause) => {
            tracing::warn!(cause = %cause, "population registry unavailable; the check will be retried");
            ("pending", false, vec![])
        }
    };
    db.query(
        "UPDATE type::record('account', $id) SET registry_status = $status, registry_mismatch = $mismatch,
             registry_checked_at = $now, level = IF $level_two THEN 2 ELSE level END",
    )
    .bind(("id", account_id.to_owned()))
    .bind(("status", status))
    .bind(("mismatch", mismatch))
    .bind(("now", now))
    .bind(("level_two", level_two))
    .await?
    .check()?;
    Ok(())
}

/// Accounts whose check could not be made yet (the registry was down), oldest first. An account a team member
/// registered is not sent to the registry before its owner has confirmed it.
pub async fn pending_accounts(db: &Db, limit: i64) -> Result<Vec<String>, DbError> {
    let mut res = db
        .query(
            "SELECT VALUE meta::id(id) FROM account WHERE registry_status IN ['pending', 'unchecked'] AND status = 'active'
             ORDER BY created_at LIMIT $limit",
        )
        .bind(("limit", limit))
        .await?;
    Ok(res.take(0)?)
}

/// Retries pending checks every `every` until the process stops.
pub async fn retry_loop(db: std::sync::Arc<Db>, registry: RegistryClient, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        match pending_accounts(&db, 100).await {
            Ok(ids) => {
                for id in ids {
                    let now = crate::identity::web::now();
                    if let Err(e) = check_account(&db, &registry, &id, now).await {
                        tracing::error!(error = %e, "registry re-check failed");
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "listing pending registry checks failed"),
        }
    }
}

/// The simulator: answers the contract from a CSV of `citizen_id,full_name,date_of_birth` (dd/mm/yyyy or ISO).
pub mod simulator {
    use std::collections::HashMap;
    use std::sync::Arc;

    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::{IntoResponse, Response};
    use secrecy::{ExposeSecret, SecretString};

    use super::{VerifyRequest, VerifyResponse};

    fn same_name(a: &str, b: &str) -> bool {
        let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        norm(a) == norm(b)
    }
    use crate::identity::domain::Date;

    #[derive(Clone)]
    struct Registry {
        people: Arc<HashMap<String, (String, String)>>,
        api_key: Arc<SecretString>,
    }

    pub fn load_csv(text: &str) -> Result<HashMap<String, (String, String)>, String> {
        let mut people = HashMap::new();
        for (line, fields) in crate::formats::csv::read(text.as_bytes()).map_err(|e| e.to_string())? {
            if line == 1 && fields.first().is_some_and(|f| f.starts_with("citizen_id")) {
                continue;
            }
            let [id, name, birth] = &fields[..] else { return Err(format!("line {line}: expected 3 columns")) };
            let birth = Date::parse_dmy(birth)
                .ok()
                .or_else(|| Date::parse_iso(birth))
                .ok_or_else(|| format!("line {line}: bad date {birth}"))?;
            people.insert(id.clone(), (name.clone(), birth.iso()));
        }
        Ok(people)
    }

    pub fn router(people: HashMap<String, (String, String)>, api_key: SecretString) -> axum::Router {
        axum::Router::new()
            .route("/v1/verify", axum::routing::post(verify))
            .with_state(Registry { people: Arc::new(people), api_key: Arc::new(api_key) })
    }

    async fn verify(State(registry): State<Registry>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
        if headers.get("x-api-key").and_then(|v| v.to_str().ok()) != Some(registry.api_key.expose_secret()) {
            return (StatusCode::UNAUTHORIZED, axum::Json(serde_json::json!({"error": "bad api key"}))).into_response();
        }
        let Ok(request) = serde_json::from_slice::<VerifyRequest>(&body) else {
            return (StatusCode::BAD_REQUEST, axum::Json(serde_json::json!({"error": "bad request"}))).into_response();
        };
        let answer = match registry.people.get(&request.citizen_id) {
            None => VerifyResponse { result: "not_found".into(), mismatched_fields: vec![] },
            Some((name, birth)) => {
                let mut fields = Vec::new();
                // exact up to case and spacing: "Ân" is not "An"
                if !same_name(name, &request.full_name) {
                    fields.push("full_name".to_owned());
                }
                if *birth != request.date_of_birth {
                    fields.push("date_of_birth".to_owned());
                }
                let result = if fields.is_empty() { "match" } else { "mismatch" };
                VerifyResponse { result: result.into(), mismatched_fields: fields }
            }
        };
        axum::Json(answer).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::connect_memory;

    async fn start_simulator() -> String {
        let people = simulator::load_csv(
            "citizen_id,full_name,date_of_birth\n048085001234,Nguyễn Văn An,12/03/1985\n079301009876,Trần Thị Bình,2001-01-01\n",
        )
        .expect("csv");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, simulator::router(people, "secret".to_owned().into())).await;
        });
        url
    }

    fn request(id: &str, name: &str, birth: &str) -> VerifyRequest {
        VerifyRequest { citizen_id: id.into(), full_name: name.into(), date_of_birth: birth.into() }
    }

    #[tokio::test]
    async fn the_client_reads_every_verdict_of_the_simulator() {
        let client = RegistryClient::new(&start_simulator().await, "secret".to_owned().into()).expect("client");
        assert!(!format!("{client:?}").contains("secret"), "the key stays out of Debug");
        assert_eq!(client.verify(&request("048085001234", "Nguyễn Văn An", "1985-03-12")).await, Ok(Verdict::Match));
        assert_eq!(
            client.verify(&request("048085001234", "nguyễn  văn an", "1985-03-13")).await,
            Ok(Verdict::Mismatch(vec!["date_of_birth".into()])),
            "case and spacing are not a mismatch; the date is"
        );
        assert_eq!(
            client.verify(&request("048085001234", "Nguyễn Văn Ân", "1985-03-12")).await,
            Ok(Verdict::Mismatch(vec!["full_name".into()])),
            "a different diacritic is a different name"
        );
        assert_eq!(client.verify(&request("001099000001", "X Y", "1999-01-01")).await, Ok(Verdict::NotFound));
        let wrong_key = RegistryClient::new(&start_simulator().await, "nope".to_owned().into()).expect("client");
        assert!(wrong_key.verify(&request("048085001234", "A B", "1985-03-12")).await.is_err());
    }

    #[tokio::test]
    async fn a_match_raises_the_account_to_level_two_and_a_down_registry_leaves_it_pending() {
        let db = connect_memory().await.expect("db");
        db.query(
            "CREATE account:a1 CONTENT { phone: '+84912345678', citizen_id: '048085001234', full_name: 'Nguyễn Văn An',
                 name_folded: 'nguyen van an', birth_date: '1985-03-12', sex: 'male', level: 1, consent_at: 0, created_at: 0 }",
        )
        .await
        .expect("create")
        .check()
        .expect("ok");
        let down = RegistryClient::new("http://127.0.0.1:9", "k".to_owned().into()).expect("client");
        check_account(&db, &down, "a1", 10).await.expect("recorded");
        assert_eq!(pending_accounts(&db, 10).await.expect("pending"), ["a1"]);
        let up = RegistryClient::new(&start_simulator().await, "secret".to_owned().into()).expect("client");
        check_account(&db, &up, "a1", 20).await.expect("checked");
        let mut res = db.query("SELECT VALUE level FROM ONLY account:a1").await.expect("level");
        assert_eq!(res.take::<Option<i64>>(0).expect("level"), Some(2));
        assert!(pending_accounts(&db, 10).await.expect("pending").is_empty());
    }
}
