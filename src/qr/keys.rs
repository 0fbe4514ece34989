//! The QR signing keys: Ed25519 (ring), the private half stored sealed under the server secret, the public half
//! published with its key id. The newest key signs; older keys keep verifying (and stay published) until every
//! token they signed has expired. Verifying is the rule shared with the counter's browser ([`super::verify`]), with
//! ring checking the signature.
use ring::rand::SystemRandom;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use sha2::{Digest, Sha256};

use super::token::{self, Payload};
pub use super::verify::{PublicKey, in_time};
use super::verify::{SignatureCheck, VerifyingKey};
use super::Reason;
use crate::db::{Db, DbError};
use crate::secret::SecretKey;

const PURPOSE: &str = "qr-signing-key";
/// The longest a signed token lives (the last code of an offline batch: 24 hours, its window and a grace); a
/// retired key is published this long after its retirement.
pub const MAX_TOKEN_SECONDS: i64 = 25 * 3600;

/// Every usable key, newest first; the first one signs.
pub struct KeyRing {
    /// Tags printed cards (see [`super::card`]).
    card_key: [u8; 32],
    signing: Ed25519KeyPair,
    signing_kid: [u8; 4],
    verifying: Vec<VerifyingKey>,
    /// The same keys as they are published, in the same order.
    published: Vec<PublicKey>,
}

/// A key's id: the first 4 bytes of the SHA-256 of the public key.
pub(crate) fn key_id(public: &[u8]) -> [u8; 4] {
    let hash = Sha256::digest(public);
    [hash[0], hash[1], hash[2], hash[3]]
}

/// ring's Ed25519 signature check, for the shared verification rule: it answers at once.
pub struct RingCheck;

impl SignatureCheck for RingCheck {
    fn genuine(&self, public: &[u8; 32], message: &[u8], signature: &[u8]) -> impl std::future::Future<Output = bool> {
        std::future::ready(UnparsedPublicKey::new(&ED25519, public).verify(message, signature).is_ok())
    }
}

/// The value of a future that never waits (the shared rule with [`RingCheck`]), without an executor.
pub(crate) fn at_once<T>(future: impl std::future::Future<Output = T>) -> Option<T> {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match std::future::Future::poll(future.as_mut(), &mut context) {
        std::task::Poll::Ready(value) => Some(value),
        std::task::Poll::Pending => None,
    }
}

#[derive(serde::Deserialize)]
struct KeyRow {
    kid: String,
    private_sealed: String,
    created_at: i64,
    retired_at: Option<i64>,
}

/// Makes a new key the signing one (the previous keys are retired now but keep verifying).
pub async fn rotate(db: &Db, secret: &SecretKey, now: i64) -> Result<String, DbError> {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
        .map_err(|_| DbError::Connect("the system random generator failed".into()))?;
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|_| DbError::Connect("bad key".into()))?;
    let kid = data_encoding::HEXLOWER.encode(&key_id(pair.public_key().as_ref()));
    let sealed = secret.seal(PURPOSE, &kid, pkcs8.as_ref()).map_err(DbError::Connect)?;
    db.query(
        "BEGIN TRANSACTION;
         UPDATE qr_key SET retired_at = $now WHERE retired_at = NONE;
         CREATE type::record('qr_key', $kid) CONTENT { kid: $kid, private_sealed: $sealed, created_at: $now };
         COMMIT TRANSACTION;",
    )
    .bind(("kid", kid.clone()))
    .bind(("sealed", sealed))
    .bind(("now", now))
    .await?
    .check()?;
    Ok(kid)
}

impl KeyRing {
    /// Reads the keys (creating the first one on a new database). Keys retired longer ago than a token lives are
    /// left out.
    pub async fn load(db: &Db, secret: &SecretKey, now: i64) -> Result<KeyRing, DbError> {
        for attempt in 0..2 {
            let mut res = db
                .query(
                    "SELECT kid, private_sealed, created_at, retired_at FROM qr_key
                     WHERE retired_at = NONE OR retired_at > $oldest ORDER BY created_at DESC",
                )
                .bind(("oldest", now - MAX_TOKEN_SECONDS))
                .await?;
            let rows: Vec<serde_json::Value> = res.take(0)?;
            let rows: Vec<KeyRow> = rows.into_iter().filter_map(|v| serde_json::from_value(v).ok()).collect();
            let mut pairs = Vec::new();
            for row in &rows {
                let pkcs8 = secret.open(PURPOSE, &row.kid, &row.private_sealed).ok_or_else(|| {
                    DbError::Connect(format!("QR key {} does not open with this server secret", row.kid))
                })?;
                let pair = Ed25519KeyPair::from_pkcs8(&pkcs8).map_err(|_| DbError::Connect("bad QR key".into()))?;
                pairs.push((pair, row));
            }
            let Some(active) = pairs.iter().position(|(_, row)| row.retired_at.is_none()) else {
                if attempt == 0 {
                    rotate(db, secret, now).await?;
                    continue;
                }
                break;
            };
            let mut verifying = Vec::with_capacity(pairs.len());
            let mut published = Vec::with_capacity(pairs.len());
            for (pair, row) in &pairs {
                let public: [u8; 32] =
                    pair.public_key().as_ref().try_into().map_err(|_| DbError::Connect("bad QR key".into()))?;
                verifying.push(VerifyingKey { kid: key_id(&public), public });
                published.push(PublicKey {
                    kid: row.kid.clone(),
                    public_key: data_encoding::BASE64URL_NOPAD.encode(&public),
                    created_at: row.created_at,
                    retired_at: row.retired_at,
                });
            }
            let (pair, _) = pairs.swap_remove(active);
            let signing_kid = key_id(pair.public_key().as_ref());
            let card_key = secret.derive("qr-card-tag").ok_or_else(|| DbError::Connect("key derivation".into()))?;
            return Ok(KeyRing { card_key, signing: pair, signing_kid, verifying, published });
        }
        Err(DbError::Connect("no QR signing key".into()))
    }

    pub fn public_keys(&self) -> Vec<PublicKey> {
        self.published.clone()
    }

    /// Also trusts (and publishes) a public key whose private half is elsewhere. Development only (the server's
    /// `--dev-trust-qr-key`): the browser journeys check the fixed keys' vectors of `token_vectors.json` with it.
    pub fn trust(&mut self, public_base64url: &str, now: i64) -> Result<(), String> {
        let public: [u8; 32] = data_encoding::BASE64URL_NOPAD
            .decode(public_base64url.trim().as_bytes())
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or("expected a 32-byte Ed25519 public key in base64url without padding")?;
        let kid = key_id(&public);
        if self.verifying.iter().any(|key| key.kid == kid) {
            return Ok(());
        }
        self.verifying.push(VerifyingKey { kid, public });
        self.published.push(PublicKey {
            kid: data_encoding::HEXLOWER.encode(&kid),
            public_key: data_encoding::BASE64URL_NOPAD.encode(&public),
            created_at: now,
            retired_at: None,
        });
        Ok(())
    }

    pub fn card_key(&self) -> &[u8; 32] {
        &self.card_key
    }

    pub fn signing_kid(&self) -> [u8; 4] {
        self.signing_kid
    }

    /// Signs the payload (its key id is set to the signing key's) into the text a QR code carries.
    pub fn sign(&self, mut payload: Payload) -> String {
        payload.key_id = self.signing_kid;
        let bytes = payload.to_bytes();
        let signature = self.signing.sign(&bytes);
        token::to_text(&bytes, signature.as_ref())
    }

    /// Checks form, key and signature: the token is genuine (it may still be out of its time window).
    pub fn authentic(&self, text: &str) -> Result<Payload, Reason> {
        // ring answers at once, so the shared rule's future is ready on its first poll
        at_once(super::verify::authentic(text, &self.verifying, &RingCheck)).unwrap_or(Err(Reason::BadSignature))
    }

    /// Checks form, key, signature and time (not revocation: that needs the database, see the service).
    pub fn verify(&self, text: &str, now: i64) -> Result<Payload, Reason> {
        at_once(super::verify::verify(text, &self.verifying, now, &RingCheck)).unwrap_or(Err(Reason::BadSignature))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::connect_memory;
    use crate::qr::{Claims, Preset};

    const NOW: i64 = 1_795_400_000;

    fn payload() -> Payload {
        Payload {
            key_id: [0; 4],
            citizen_code: *b"ABCDEFGHIJ",
            level: 1,
            preset: Preset::Basic,
            issued_at: NOW as u32,
            valid_from: NOW as u32,
            expires_at: (NOW + 120) as u32,
            claims: Claims { full_name: Some("Lê Thị Hoa".into()), birth_year: Some(1970), ..Claims::default() },
        }
    }

    #[tokio::test]
    async fn tokens_verify_until_they_expire_and_any_change_breaks_them() {
        let db = connect_memory().await.expect("db");
        let secret = SecretKey::generate().expect("secret");
        let keys = KeyRing::load(&db, &secret, NOW).await.expect("keys");
        let text = keys.sign(payload());
        let back = keys.verify(&text, NOW + 1).expect("valid");
        assert_eq!(back.claims.full_name.as_deref(), Some("Lê Thị Hoa"));
        assert_eq!(back.key_id, keys.signing_kid());
        assert_eq!(keys.verify(&text, NOW + 120).err(), Some(Reason::Expired));
        let early = Payload { valid_from: (NOW + 3600) as u32, expires_at: (NOW + 3700) as u32, ..payload() };
        assert_eq!(keys.verify(&keys.sign(early), NOW).err(), Some(Reason::NotYetValid));

        // one changed claim byte: the signature no longer matches
        let (mut signed, signature, _) = token::parse_text(&text).expect("parse");
        let at = signed.len() - 4;
        signed[at] ^= 0x01;
        assert_eq!(keys.verify(&token::to_text(&signed, &signature), NOW).err(), Some(Reason::BadSignature));
        assert_eq!(keys.verify(&text[..text.len() - 6], NOW).err(), Some(Reason::Malformed), "truncated");

        // a key of another server is unknown here
        let other = KeyRing::load(&connect_memory().await.expect("db"), &secret, NOW).await.expect("keys");
        assert_eq!(keys.verify(&other.sign(payload()), NOW).err(), Some(Reason::UnknownKey));
        assert!(keys.authentic(&text).is_ok());
    }

    #[tokio::test]
    async fn a_rotated_key_keeps_verifying_its_tokens_until_they_expire() {
        let db = connect_memory().await.expect("db");
        let secret = SecretKey::generate().expect("secret");
        let first = KeyRing::load(&db, &secret, NOW).await.expect("keys");
        let old_token = first.sign(payload());
        let long = Payload { expires_at: (NOW + MAX_TOKEN_SECONDS) as u32, ..payload() };
        let old_long = first.sign(long);
        let new_kid = rotate(&db, &secret, NOW + 60).await.expect("rotate");
        let second = KeyRing::load(&db, &secret, NOW + 60).await.expect("keys");
        assert_eq!(data_encoding::HEXLOWER.encode(&second.signing_kid()), new_kid);
        assert_eq!(second.public_keys().len(), 2, "the old key is still published");
        assert!(second.verify(&old_token, NOW + 61).is_ok(), "old tokens still verify");
        assert!(second.verify(&second.sign(payload()), NOW + 61).is_ok());
        // a day after its retirement the old key is gone, and so is every token it could have signed
        let later = KeyRing::load(&db, &secret, NOW + 60 + MAX_TOKEN_SECONDS).await.expect("keys");
        assert_eq!(later.public_keys().len(), 1);
        assert_eq!(later.verify(&old_long, NOW + 60 + MAX_TOKEN_SECONDS - 1).err(), Some(Reason::UnknownKey));
        // the private keys are stored sealed
        let mut res = db.query("SELECT private_sealed FROM qr_key").await.expect("select");
        let rows: Vec<serde_json::Value> = res.take(0).expect("rows");
        assert!(rows.iter().all(|r| r["private_sealed"].as_str().is_some_and(|s| s.starts_with("v1."))));
        // another server secret cannot open them
        assert!(KeyRing::load(&db, &SecretKey::generate().expect("secret"), NOW).await.is_err());
    }
}
