//! The SMTP client against an SMTP server played by the test over real sockets: plain (for a local relay), and
//! STARTTLS with a certificate made by `openssl` for the test, with the login only after TLS.
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::*;

#[test]
fn smtp_urls_are_read_with_safe_defaults() {
    let u = parse_url("smtps://noreply%40cds.vn:p%3Ass@mail.example.vn").expect("url");
    assert_eq!((u.security, u.host.as_str(), u.port), (Security::Implicit, "mail.example.vn", 465));
    assert_eq!(u.credentials, Some(("noreply@cds.vn".to_owned(), "p:ss".to_owned())));
    let u = parse_url("smtp://u:p@relay.local").expect("url");
    assert_eq!((u.security, u.port, u.credentials.is_some()), (Security::StartTls, 587, true));
    let u = parse_url("smtp://127.0.0.1:2525?tls=none").expect("url");
    assert_eq!((u.security, u.port), (Security::None, 2525));
    assert!(parse_url("http://x").is_err());
    assert!(parse_url("smtps://x?tls=none").is_err());
    assert!(parse_url("smtp://x?foo=1").is_err());
    // a password is never sent in the clear
    assert!(SmtpClient::new("smtp://u:p@127.0.0.1:25?tls=none", "noreply@cds.vn").is_err());
    assert!(SmtpClient::new("smtp://127.0.0.1:25?tls=none", "not an address").is_err());
}

#[test]
fn messages_are_utf8_with_encoded_headers() {
    let m = compose("noreply@cds.vn", "an@example.vn", "Mã đăng nhập", "Mã của bạn là 123456.\nCông Dân Số", 1_795_453_200);
    assert!(m.contains("Subject: =?UTF-8?B?"), "{m}");
    assert!(m.contains("Date: Mon, 23 Nov 2026 17:00:00 +0000"), "{m}");
    assert!(m.contains("Content-Type: text/plain; charset=utf-8"));
    let body = m.split("\r\n\r\n").nth(1).expect("body").replace("\r\n", "");
    let decoded = String::from_utf8(data_encoding::BASE64.decode(body.as_bytes()).expect("base64")).expect("utf8");
    assert_eq!(decoded, "Mã của bạn là 123456.\r\nCông Dân Số");
}

/// Plays an SMTP server on one connection; returns every line the client sent (after TLS when it upgraded).
async fn play<S: AsyncRead + AsyncWrite + Unpin>(s: &mut BufReader<S>, lines: &mut Vec<String>, greet: bool, offer_tls: bool) -> bool {
    if greet {
        s.get_mut().write_all(b"220 sim ESMTP\r\n").await.expect("greet");
    }
    let mut in_data = false;
    loop {
        let mut line = String::new();
        if s.read_line(&mut line).await.expect("read") == 0 {
            return false;
        }
        let line = line.trim_end_matches(['\r', '\n']).to_owned();
        lines.push(line.clone());
        if in_data {
            if line == "." {
                in_data = false;
                s.get_mut().write_all(b"250 queued\r\n").await.expect("w");
            }
            continue;
        }
        let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" if offer_tls => b"250-sim\r\n250-AUTH PLAIN\r\n250 STARTTLS\r\n",
            "EHLO" => b"250-sim\r\n250 AUTH PLAIN\r\n",
            "STARTTLS" => {
                s.get_mut().write_all(b"220 go ahead\r\n").await.expect("w");
                return true;
            }
            "AUTH" => b"235 ok\r\n",
            "MAIL" | "RCPT" => b"250 ok\r\n",
            "DATA" => {
                in_data = true;
                b"354 end with .\r\n"
            }
            "QUIT" => {
                s.get_mut().write_all(b"221 bye\r\n").await.expect("w");
                return false;
            }
            _ => b"500 what\r\n",
        };
        s.get_mut().write_all(reply).await.expect("w");
    }
}

/// A plain SMTP server (no STARTTLS) for one connection, on a free port: (port, the lines it will have read).
async fn plain_server() -> (u16, tokio::task::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.expect("accept");
        let mut lines = Vec::new();
        play(&mut BufReader::new(socket), &mut lines, true, false).await;
        lines
    });
    (port, server)
}

#[tokio::test]
async fn a_message_goes_through_a_plain_local_relay() {
    let (port, server) = plain_server().await;
    let client = SmtpClient::new(&format!("smtp://127.0.0.1:{port}?tls=none"), "noreply@cds.vn").expect("client");
    client.send("an@example.vn", "Mã đăng nhập", "Mã của bạn là 654321.", 1_795_453_200).await.expect("sent");
    let lines = server.await.expect("server");
    assert!(lines.contains(&"MAIL FROM:<noreply@cds.vn>".to_owned()), "{lines:?}");
    assert!(lines.contains(&"RCPT TO:<an@example.vn>".to_owned()));
    assert!(!lines.iter().any(|l| l.starts_with("AUTH")), "logged in without TLS");
    let body: String = lines.iter().skip_while(|l| !l.is_empty()).skip(1).take_while(|l| *l != ".").cloned().collect();
    let text = String::from_utf8(data_encoding::BASE64.decode(body.as_bytes()).expect("b64")).expect("utf8");
    assert_eq!(text, "Mã của bạn là 654321.");
}

/// A test CA and a certificate for `localhost` it signed, made by the openssl command for this test:
/// (CA certificate, server certificate, server key), PEM.
fn test_certificates() -> Option<(Vec<u8>, Vec<u8>, Vec<u8>)> {
    let dir = std::env::temp_dir().join(format!("cds-smtp-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let p = |name: &str| dir.join(name).to_string_lossy().into_owned();
    std::fs::write(dir.join("leaf.ext"), "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n").ok()?;
    let (ca_key, ca_pem, leaf_key, leaf_csr, leaf_pem, ext) =
        (p("ca.key"), p("ca.pem"), p("leaf.key"), p("leaf.csr"), p("leaf.pem"), p("leaf.ext"));
    let ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
    let split = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<String>>();
    let with = |head: &str, tail: &[&str]| {
        let mut v = split(head);
        v.extend(tail.iter().map(|s| s.to_string()));
        v
    };
    let steps = [
        with(&format!("req -x509 {ec} -days 1 -subj"), &["/CN=Cong Dan So test CA", "-keyout", &ca_key, "-out", &ca_pem]),
        with(&format!("req {ec} -subj /CN=localhost"), &["-keyout", &leaf_key, "-out", &leaf_csr]),
        with(
            "x509 -req -CAcreateserial -days 1",
            &["-in", &leaf_csr, "-CA", &ca_pem, "-CAkey", &ca_key, "-extfile", &ext, "-out", &leaf_pem],
        ),
    ];
    for args in steps {
        let done = std::process::Command::new("openssl").args(&args).output().ok()?;
        if !done.status.success() {
            return None;
        }
    }
    Some((std::fs::read(&ca_pem).ok()?, std::fs::read(&leaf_pem).ok()?, std::fs::read(&leaf_key).ok()?))
}

#[tokio::test]
async fn starttls_is_required_and_the_login_happens_only_inside_tls() {
    let Some((ca_pem, cert_pem, key_pem)) = test_certificates() else {
        panic!("the openssl command is needed to make the test certificates");
    };
    let ca = CertificateDer::from_pem_slice(&ca_pem).expect("ca");
    let cert = CertificateDer::from_pem_slice(&cert_pem).expect("cert");
    let key = PrivateKeyDer::from_pem_slice(&key_pem).expect("key");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server_config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.expect("accept");
        let mut before = Vec::new();
        let mut plain = BufReader::new(socket);
        assert!(play(&mut plain, &mut before, true, true).await, "no STARTTLS");
        let tls = acceptor.accept(plain.into_inner()).await.expect("handshake");
        let mut after = Vec::new();
        play(&mut BufReader::new(tls), &mut after, false, false).await;
        (before, after)
    });
    let mut roots = RootCertStore::empty();
    roots.add(ca).expect("root");
    let client =
        SmtpClient::with_roots(&format!("smtp://noreply:s3cret@localhost:{port}"), "noreply@cds.vn", roots).expect("client");
    client.send("an@example.vn", "Mã", "Xin chào", 1_795_453_200).await.expect("sent over STARTTLS");
    let (before, after) = server.await.expect("server");
    assert_eq!(before, ["EHLO congdanso", "STARTTLS"], "something was sent before TLS");
    let login = data_encoding::BASE64.encode(b"\0noreply\0s3cret");
    assert!(after.contains(&format!("AUTH PLAIN {login}")), "{after:?}");

    // a server without STARTTLS gets nothing: the client stops before MAIL FROM
    let (port, server) = plain_server().await;
    let client = SmtpClient::new(&format!("smtp://noreply:s3cret@localhost:{port}"), "noreply@cds.vn").expect("client");
    let refused = client.send("an@example.vn", "Mã", "Xin chào", 1_795_453_200).await;
    assert!(refused.is_err_and(|e| e.contains("STARTTLS")));
    let lines = server.await.expect("server");
    assert_eq!(lines, ["EHLO congdanso"], "{lines:?}");
}
