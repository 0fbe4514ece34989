//! Sending SMS: an HTTP gateway (production) or the development outbox (`--dev`, listed at /dev/outbox).
//!
//! HTTP contract: `POST {url}` with header `X-Api-Key: {key}` and a JSON body
//! `{"to": "+84912345678", "message": "...", "reference": "..."}`; any 2xx means accepted. 5xx, 429 and network
//! errors are retried (3 attempts, 0.5 s then 1 s apart); other 4xx are not.
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use super::domain::PhoneNumber;
use crate::db::{Db, DbError};

#[derive(Clone)]
pub enum SmsGateway {
    /// Stores messages in `sms_outbox` instead of sending them (development and tests only).
    DevOutbox(std::sync::Arc<Db>),
    Http(HttpSmsGateway),
}

#[derive(Debug)]
pub enum SmsError {
    /// The gateway refused the message (4xx): retrying will not help.
    Refused(u16),
    /// The gateway could not be reached or kept failing.
    Unavailable(String),
    Db(DbError),
}

impl std::fmt::Display for SmsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SmsError::Refused(status) => write!(f, "the SMS gateway refused the message (HTTP {status})"),
            SmsError::Unavailable(cause) => write!(f, "the SMS gateway is unavailable: {cause}"),
            SmsError::Db(e) => write!(f, "{e}"),
        }
    }
}

#[derive(Clone)]
pub struct HttpSmsGateway {
    client: reqwest::Client,
    url: String,
    api_key: SecretString,
}

impl std::fmt::Debug for HttpSmsGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSmsGateway").field("url", &self.url).finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct HttpMessage<'a> {
    to: &'a str,
    message: &'a str,
    reference: &'a str,
}

impl HttpSmsGateway {
    pub fn new(url: String, api_key: SecretString) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(HttpSmsGateway { client, url, api_key })
    }

    async fn send(&self, to: &PhoneNumber, body: &str, reference: &str) -> Result<(), SmsError> {
        let payload = serde_json::to_vec(&HttpMessage { to: to.e164(), message: body, reference })
            .map_err(|e| SmsError::Unavailable(e.to_string()))?;
        let mut last = String::new();
        for attempt in 0..3u32 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
            }
            let sent = self
                .client
                .post(&self.url)
                .header("content-type", "application/json")
                .header("x-api-key", self.api_key.expose_secret())
                .body(payload.clone())
                .send()
                .await;
            match sent {
                Ok(response) if response.status().is_success() => return Ok(()),
                Ok(response) => {
                    let status = response.status().as_u16();
                    if status != 429 && (400..500).contains(&status) {
                        return Err(SmsError::Refused(status));
                    }
                    last = format!("HTTP {status}");
                }
                Err(e) => last = e.to_string(),
            }
            tracing::warn!(attempt = attempt + 1, to = %to.masked(), cause = %last, "SMS gateway attempt failed");
        }
        Err(SmsError::Unavailable(last))
    }
}

impl SmsGateway {
    pub async fn send(&self, to: &PhoneNumber, body: &str, reference: &str, now: i64) -> Result<(), SmsError> {
        match self {
            SmsGateway::DevOutbox(db) => {
                db.query("CREATE sms_outbox:ulid() SET to = $to, body = $body, sent_at = $now")
                    .bind(("to", to.e164().to_owned()))
                    .bind(("body", body.to_owned()))
                    .bind(("now", now))
                    .await
                    .and_then(|r| r.check())
                    .map_err(|e| SmsError::Db(DbError::Query(e)))?;
                Ok(())
            }
            SmsGateway::Http(gateway) => gateway.send(to, body, reference).await,
        }
    }
}

/// A message in the development outbox.
#[derive(Clone, Debug, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct OutboxMessage {
    pub to: String,
    pub body: String,
    pub sent_at: i64,
}

/// Newest first.
pub async fn outbox(db: &Db, limit: i64) -> Result<Vec<OutboxMessage>, DbError> {
    let mut res = db
        .query("SELECT to, body, sent_at FROM sms_outbox ORDER BY sent_at DESC, id DESC LIMIT $limit")
        .bind(("limit", limit))
        .await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    Ok(rows.into_iter().filter_map(|v| serde_json::from_value(v).ok()).collect())
}

/// Codes handed to the SMS gateway in the last 24 hours, per hour (Vietnam time): (hour start, sent, failed).
pub async fn delivery_by_hour(db: &Db, now: i64) -> Result<Vec<(i64, i64, i64)>, DbError> {
    let start = now - now.rem_euclid(3600) - 23 * 3600;
    let mut res = db
        .query("SELECT at, ok FROM code_delivery WHERE at >= $start AND channel = 'sms'")
        .bind(("start", start))
        .await?;
    #[derive(serde::Deserialize)]
    struct Row {
        at: i64,
        ok: bool,
    }
    let rows: Vec<Row> = crate::db::take_rows(&mut res, 0)?;
    let mut hours: Vec<(i64, i64, i64)> = (0..24).map(|h| (start + h * 3600, 0, 0)).collect();
    for r in rows {
        let i = ((r.at - start) / 3600).clamp(0, 23) as usize;
        hours[i].1 += 1;
        if !r.ok {
            hours[i].2 += 1;
        }
    }
    Ok(hours)
}

/// Records whether the SMS gateway (or the mail server: `channel` "email") took a code (never the code or the
/// address).
pub async fn record_delivery(db: &Db, channel: &str, purpose: &str, failure: Option<&str>, now: i64) -> Result<(), DbError> {
    db.query("CREATE code_delivery SET at = $now, purpose = $purpose, channel = $channel, ok = $ok, failure = $failure RETURN NONE")
        .bind(("channel", channel.to_owned()))
        .bind(("now", now))
        .bind(("purpose", purpose.to_owned()))
        .bind(("ok", failure.is_none()))
        .bind(("failure", failure.map(str::to_owned)))
        .await?
        .check()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::connect_memory;

    #[tokio::test]
    async fn the_dev_outbox_keeps_messages_newest_first() {
        let db = std::sync::Arc::new(connect_memory().await.expect("db"));
        let gateway = SmsGateway::DevOutbox(db.clone());
        let phone = PhoneNumber::parse("0912345678").expect("phone");
        gateway.send(&phone, "first", "r1", 100).await.expect("send");
        gateway.send(&phone, "second", "r2", 200).await.expect("send");
        let messages = outbox(&db, 10).await.expect("outbox");
        assert_eq!(messages.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(), ["second", "first"]);
        assert_eq!(messages[0].to, "+84912345678");
    }

    #[tokio::test]
    async fn the_http_gateway_posts_json_with_the_key_and_retries_server_errors() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/sms", listener.local_addr().expect("addr"));
        let server = tokio::spawn(async move {
            let mut requests = Vec::new();
            for status in ["503 Service Unavailable", "202 Accepted"] {
                let (mut socket, _) = listener.accept().await.expect("accept");
                // read the head, then as many body bytes as content-length says
                let mut data = Vec::new();
                let mut buf = [0u8; 4096];
                loop {
                    let n = socket.read(&mut buf).await.expect("read");
                    data.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&data).to_lowercase();
                    if let Some(head_end) = text.find("\r\n\r\n") {
                        let length = text
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0)))
                            .unwrap_or(0);
                        if data.len() >= head_end + 4 + length || n == 0 {
                            break;
                        }
                    }
                    if n == 0 {
                        break;
                    }
                }
                requests.push(String::from_utf8_lossy(&data).into_owned());
                let reply = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                socket.write_all(reply.as_bytes()).await.expect("write");
            }
            requests
        });
        let gateway = SmsGateway::Http(HttpSmsGateway::new(url, "k3y".to_owned().into()).expect("client"));
        let phone = PhoneNumber::parse("0912345678").expect("phone");
        gateway.send(&phone, "Mã OTP: 123456", "ref-1", 0).await.expect("sent on the second attempt");
        let requests = server.await.expect("server");
        assert_eq!(requests.len(), 2);
        let first = requests[0].to_lowercase();
        assert!(first.starts_with("post /sms "), "{first}");
        assert!(first.contains("x-api-key: k3y"));
        assert!(requests[0].contains(r#""to":"+84912345678""#));
        assert!(requests[0].contains("Mã OTP: 123456"));
    }
}
