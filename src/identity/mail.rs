//! E-mail, the second channel for codes: an SMTP client (implicit TLS or STARTTLS, configured by URL) in
//! production, the development outbox under `--dev` (the same `/dev/outbox` as SMS).
//!
//! URL: `smtps://USER:PASSWORD@HOST[:465]` (TLS from the first byte), `smtp://USER:PASSWORD@HOST[:587]` (STARTTLS,
//! required: the client refuses to send if the server does not offer it), or `smtp://HOST:25?tls=none` (no TLS:
//! only for a relay on the same host or network). User and password are percent-decoded; AUTH PLAIN is used, and
//! only over TLS. Servers are checked against the Mozilla root store (webpki-roots).
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{self, RootCertStore, pki_types::ServerName};

use crate::db::{Db, DbError};

#[derive(Clone)]
pub enum MailSender {
    /// Stores messages in the development outbox (`--dev`).
    DevOutbox(Arc<Db>),
    Smtp(Arc<SmtpClient>),
}

impl MailSender {
    pub async fn send(&self, to: &str, subject: &str, body: &str, now: i64) -> Result<(), String> {
        match self {
            MailSender::DevOutbox(db) => {
                db.query("CREATE sms_outbox:ulid() SET to = $to, body = $body, sent_at = $now")
                    .bind(("to", to.to_owned()))
                    .bind(("body", format!("{subject}\n{body}")))
                    .bind(("now", now))
                    .await
                    .and_then(|r| r.check())
                    .map_err(|e| DbError::Query(e).to_string())?;
                Ok(())
            }
            MailSender::Smtp(client) => client.send(to, subject, body, now).await,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// TLS from the first byte (`smtps://`, port 465).
    Implicit,
    /// STARTTLS after the greeting, required (`smtp://`, port 587).
    StartTls,
    /// No TLS (`smtp://…?tls=none`).
    None,
}

pub struct SmtpClient {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<(String, String)>,
    from: String,
    tls: Arc<rustls::ClientConfig>,
}

impl std::fmt::Debug for SmtpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpClient").field("host", &self.host).field("port", &self.port).finish_non_exhaustive()
    }
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// The parts of an SMTP URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpUrl {
    pub security: Security,
    pub host: String,
    pub port: u16,
    /// User and password (percent-decoded).
    pub credentials: Option<(String, String)>,
}

pub fn parse_url(url: &str) -> Result<SmtpUrl, String> {
    let (scheme, rest) = url.split_once("://").ok_or("an SMTP URL starts with smtps:// or smtp://")?;
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut security = match scheme {
        "smtps" => Security::Implicit,
        "smtp" => Security::StartTls,
        _ => return Err(format!("unknown scheme {scheme}: use smtps:// or smtp://")),
    };
    if query == "tls=none" {
        if security == Security::Implicit {
            return Err("smtps:// is always TLS".into());
        }
        security = Security::None;
    } else if !query.is_empty() {
        return Err(format!("unknown option ?{query} (only ?tls=none)"));
    }
    let rest = rest.trim_end_matches('/');
    let (credentials, hostport) = match rest.rsplit_once('@') {
        Some((userinfo, hostport)) => {
            let (user, password) = userinfo.split_once(':').ok_or("user:password@ expected before the host")?;
            (Some((percent_decode(user), percent_decode(password))), hostport)
        }
        None => (None, rest),
    };
    let default_port = if security == Security::Implicit { 465 } else { 587 };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().map_err(|_| format!("bad port {p}"))?),
        None => (hostport, default_port),
    };
    if host.is_empty() {
        return Err("the host is missing".into());
    }
    Ok(SmtpUrl { security, host: host.to_owned(), port, credentials })
}

impl SmtpClient {
    /// From `--smtp-url` and `--mail-from`, trusting the Mozilla roots.
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        Self::with_roots(url, from, roots)
    }

    /// The same, trusting `roots` (tests trust their own certificate).
    pub fn with_roots(url: &str, from: &str, roots: RootCertStore) -> Result<Self, String> {
        let SmtpUrl { security, host, port, credentials } = parse_url(url)?;
        if credentials.is_some() && security == Security::None {
            return Err("a password is never sent without TLS: remove ?tls=none or the credentials".into());
        }
        if crate::profile::domain::parse_email(from).is_none() {
            return Err(format!("--mail-from {from:?} is not an e-mail address"));
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(SmtpClient { host, port, security, credentials, from: from.to_owned(), tls: Arc::new(tls) })
    }

    pub async fn send(&self, to: &str, subject: &str, body: &str, now: i64) -> Result<(), String> {
        tokio::time::timeout(Duration::from_secs(30), self.deliver(to, subject, body, now))
            .await
            .map_err(|_| "the SMTP server did not answer in 30 s".to_owned())?
    }

    async fn deliver(&self, to: &str, subject: &str, body: &str, now: i64) -> Result<(), String> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port)).await.map_err(|e| format!("connect: {e}"))?;
        let name = ServerName::try_from(self.host.clone()).map_err(|e| e.to_string())?;
        let connector = TlsConnector::from(self.tls.clone());
        match self.security {
            Security::Implicit => {
                let tls = connector.connect(name, tcp).await.map_err(|e| format!("TLS: {e}"))?;
                let mut s = BufReader::new(tls);
                expect(&mut s, 220).await?;
                self.session(&mut s, to, subject, body, now).await
            }
            Security::StartTls => {
                let mut plain = BufReader::new(tcp);
                expect(&mut plain, 220).await?;
                let ehlo = command(&mut plain, "EHLO congdanso", 250).await?;
                if !ehlo.lines().any(|l| l.to_ascii_uppercase().contains("STARTTLS")) {
                    return Err("the SMTP server does not offer STARTTLS".into());
                }
                command(&mut plain, "STARTTLS", 220).await?;
                let tls = connector.connect(name, plain.into_inner()).await.map_err(|e| format!("TLS: {e}"))?;
                self.session(&mut BufReader::new(tls), to, subject, body, now).await
            }
            Security::None => {
                let mut plain = BufReader::new(tcp);
                expect(&mut plain, 220).await?;
                self.session(&mut plain, to, subject, body, now).await
            }
        }
    }

    async fn session<S: AsyncRead + AsyncWrite + Unpin>(
        &self,
        s: &mut BufReader<S>,
        to: &str,
        subject: &str,
        body: &str,
        now: i64,
    ) -> Result<(), String> {
        command(s, "EHLO congdanso", 250).await?;
        if let Some((user, password)) = &self.credentials {
            let token = data_encoding::BASE64.encode(format!("\0{user}\0{password}").as_bytes());
            command(s, &format!("AUTH PLAIN {token}"), 235).await.map_err(|_| "the SMTP server refused the login".to_owned())?;
        }
        command(s, &format!("MAIL FROM:<{}>", self.from), 250).await?;
        command(s, &format!("RCPT TO:<{to}>"), 250).await?;
        command(s, "DATA", 354).await?;
        let message = compose(&self.from, to, subject, body, now);
        s.get_mut().write_all(message.as_bytes()).await.map_err(|e| e.to_string())?;
        command(s, "\r\n.", 250).await?;
        let _ = command(s, "QUIT", 221).await;
        Ok(())
    }
}

/// Reads one reply (continuation lines `250-…`, last `250 …`) and checks its code.
async fn expect<S: AsyncRead + AsyncWrite + Unpin>(s: &mut BufReader<S>, code: u16) -> Result<String, String> {
    let mut reply = String::new();
    loop {
        let mut line = String::new();
        let n = s.read_line(&mut line).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the SMTP server closed the connection".into());
        }
        reply.push_str(&line);
        if line.len() < 4 || line.as_bytes()[3] != b'-' {
            break;
        }
    }
    let got: u16 = reply.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
    if got == code || (code == 250 && got == 251) {
        Ok(reply)
    } else {
        // the server's words, without anything we sent
        Err(format!("SMTP {got}: {}", reply.lines().next().unwrap_or("").chars().skip(4).take(120).collect::<String>()))
    }
}

async fn command<S: AsyncRead + AsyncWrite + Unpin>(s: &mut BufReader<S>, line: &str, code: u16) -> Result<String, String> {
    s.get_mut().write_all(format!("{line}\r\n").as_bytes()).await.map_err(|e| e.to_string())?;
    s.get_mut().flush().await.map_err(|e| e.to_string())?;
    expect(s, code).await
}

/// RFC 2047 for a header with non-ASCII text.
fn encoded_word(text: &str) -> String {
    if text.is_ascii() { text.to_owned() } else { format!("=?UTF-8?B?{}?=", data_encoding::BASE64.encode(text.as_bytes())) }
}

/// "Wed, 02 Dec 2026 10:00:00 +0000"
fn rfc2822(now: i64) -> String {
    let days = now.div_euclid(86_400);
    let secs = now.rem_euclid(86_400);
    let date = crate::identity::domain::Date::from_unix_vietnam(now - 7 * 3600);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let iso = date.iso();
    let m: usize = iso[5..7].parse().unwrap_or(1);
    format!(
        "{weekday}, {} {} {} {:02}:{:02}:{:02} +0000",
        &iso[8..10],
        month[m.saturating_sub(1).min(11)],
        &iso[..4],
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

/// The message as sent after DATA: UTF-8 text, base64 (no line can start with a dot).
pub fn compose(from: &str, to: &str, subject: &str, body: &str, now: i64) -> String {
    let encoded = data_encoding::BASE64.encode(body.replace('\n', "\r\n").as_bytes());
    let lines: Vec<&str> = encoded.as_bytes().chunks(76).map(|c| std::str::from_utf8(c).unwrap_or("")).collect();
    format!(
        "From: {} <{from}>\r\nTo: <{to}>\r\nSubject: {}\r\nDate: {}\r\nMessage-ID: <{now}.{}@congdanso>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
        encoded_word("Công Dân Số"),
        encoded_word(subject),
        rfc2822(now),
        &crate::identity::session::hash_token(&format!("{to}{now}{subject}"))[..16],
        lines.join("\r\n")
    )
}

#[cfg(test)]
mod tests;
