//! The one rule that says whether a citizen's QR token is genuine and in date: its text read back
//! ([`super::token`]), its key found, its Ed25519 signature checked, its time window checked. The server runs it with
//! ring ([`super::keys::KeyRing`]); the counter's page with no network runs this very code in the browser
//! ([`super::counter_scan`]) with WebCrypto or a verify-only fallback. Only the signature check differs, behind
//! [`SignatureCheck`]. Revocation needs the database, so only the server checks it, and the browser's verdict says so.
use serde::{Deserialize, Serialize};

use super::Reason;
use super::token::{self, Payload};

/// The clock skew allowed between the phone that shows a code and the verifier, in seconds.
pub const SKEW_SECONDS: i64 = 300;
/// The longest text a verifier reads (the JSON API refuses longer ones too).
pub const MAX_TEXT: usize = 4096;

/// A public key as the server publishes it (`GET /api/v1/qr/keys`) and the counter keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKey {
    /// 8 hex digits: the first 4 bytes of the SHA-256 of the key.
    pub kid: String,
    /// The 32-byte Ed25519 public key, base64url without padding.
    pub public_key: String,
    #[serde(default)]
    pub created_at: i64,
    /// When a newer key took over (the key still verifies its tokens until they expire).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<i64>,
}

impl PublicKey {
    /// The key in bytes; None when its id or its key cannot be read.
    pub fn verifying_key(&self) -> Option<VerifyingKey> {
        Some(VerifyingKey { kid: kid_from_hex(&self.kid)?, public: key_from_base64url(&self.public_key)? })
    }
}

/// The keys as `GET /api/v1/qr/keys` answers them (each also says `"alg": "Ed25519"`, which is not read).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySet {
    pub keys: Vec<PublicKey>,
}

impl KeySet {
    /// The keys to verify with; None when any of them cannot be read (a damaged copy).
    pub fn verifying_keys(&self) -> Option<Vec<VerifyingKey>> {
        self.keys.iter().map(PublicKey::verifying_key).collect()
    }
}

/// A key to verify with: its id, as tokens name it, and its 32 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifyingKey {
    pub kid: [u8; 4],
    pub public: [u8; 32],
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// A key id written as 8 hex digits.
fn kid_from_hex(text: &str) -> Option<[u8; 4]> {
    let digits = text.as_bytes();
    if digits.len() != 8 {
        return None;
    }
    let mut kid = [0u8; 4];
    for (byte, pair) in kid.iter_mut().zip(digits.chunks_exact(2)) {
        let (high, low) = match pair {
            [high, low] => (hex_digit(*high)?, hex_digit(*low)?),
            _ => return None,
        };
        *byte = (high << 4) | low;
    }
    Some(kid)
}

fn base64url_value(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some(u32::from(c - b'A')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
        b'-' => Some(62),
        b'_' => Some(63),
        _ => None,
    }
}

/// A 32-byte key written in base64url without padding: exactly 43 characters, the 2 bits left over zero.
fn key_from_base64url(text: &str) -> Option<[u8; 32]> {
    let chars = text.as_bytes();
    if chars.len() != 43 {
        return None;
    }
    let mut key = [0u8; 32];
    let (mut bits, mut held, mut at) = (0u32, 0u32, 0usize);
    for c in chars {
        bits = (bits << 6) | base64url_value(*c)?;
        held += 6;
        if held >= 8 {
            held -= 8;
            *key.get_mut(at)? = (bits >> held) as u8;
            at += 1;
            bits &= (1 << held) - 1;
        }
    }
    (at == key.len() && bits == 0).then_some(key)
}

/// Checks an Ed25519 signature: ring on the server (at once), WebCrypto or the fallback in the browser (a promise).
pub trait SignatureCheck {
    /// Whether `signature` is the signature of `message` by the key `public`.
    fn genuine(&self, public: &[u8; 32], message: &[u8], signature: &[u8]) -> impl std::future::Future<Output = bool>;
}

/// Checks form, key and signature: the token is genuine (it may still be out of its time window).
pub async fn authentic<C: SignatureCheck>(text: &str, keys: &[VerifyingKey], check: &C) -> Result<Payload, Reason> {
    let (signed, signature, payload) = token::parse_text(text)?;
    let key = keys.iter().find(|k| k.kid == payload.key_id).ok_or(Reason::UnknownKey)?;
    if check.genuine(&key.public, &signed, &signature).await { Ok(payload) } else { Err(Reason::BadSignature) }
}

/// Whether a genuine token is within its validity window at `now` ([`SKEW_SECONDS`] of clock skew allowed).
pub fn in_time(payload: &Payload, now: i64) -> Result<(), Reason> {
    if i64::from(payload.valid_from.max(payload.issued_at)) > now + SKEW_SECONDS {
        return Err(Reason::NotYetValid);
    }
    if i64::from(payload.expires_at) <= now {
        return Err(Reason::Expired);
    }
    Ok(())
}

/// Checks form, key, signature and time (not revocation: that needs the database).
pub async fn verify<C: SignatureCheck>(text: &str, keys: &[VerifyingKey], now: i64, check: &C) -> Result<Payload, Reason> {
    let payload = authentic(text, keys, check).await?;
    in_time(&payload, now)?;
    Ok(payload)
}

/// What a counter with no network says of a code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Offline {
    /// Genuine and in date. Whether the citizen revoked it could not be checked, and the check is not recorded.
    Valid(Payload),
    Refused(OfflineRefusal),
}

/// Why a counter with no network refuses a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OfflineRefusal {
    /// What the server refuses too, for the same reason: the form, the key, the signature or the time.
    Token(Reason),
    /// A printed card's code: only the server can resolve it.
    Card,
    /// Nothing typed or pasted (a photo needs the server to read it).
    NoText,
    /// The keys kept on this device cannot be read.
    KeysDamaged,
}

impl Offline {
    /// The verdict's name, as the shared vectors (`token_vectors.json`) and the island's `data-verdict` say it.
    pub fn name(&self) -> &'static str {
        match self {
            Offline::Valid(_) => "valid",
            Offline::Refused(OfflineRefusal::Token(reason)) => reason.as_str(),
            Offline::Refused(OfflineRefusal::Card) => "card",
            Offline::Refused(OfflineRefusal::NoText) => "no_text",
            Offline::Refused(OfflineRefusal::KeysDamaged) => "keys_damaged",
        }
    }
}

/// Checks a scanned or pasted text with no network, at `now`, with the keys kept on the device (an empty set when
/// none were kept; None when what was kept cannot be read).
pub async fn verify_offline<C: SignatureCheck>(
    text: &str,
    keys: Option<&[VerifyingKey]>,
    now: i64,
    check: &C,
) -> Offline {
    let text = text.trim();
    if text.is_empty() {
        return Offline::Refused(OfflineRefusal::NoText);
    }
    if text.starts_with(token::CARD_PREFIX) {
        return Offline::Refused(OfflineRefusal::Card);
    }
    if text.len() > MAX_TEXT {
        return Offline::Refused(OfflineRefusal::Token(Reason::Malformed));
    }
    let Some(keys) = keys else { return Offline::Refused(OfflineRefusal::KeysDamaged) };
    match verify(text, keys, now, check).await {
        Ok(payload) => Offline::Valid(payload),
        Err(reason) => Offline::Refused(OfflineRefusal::Token(reason)),
    }
}

/// The shared vectors `token_vectors.json`: made here from fixed keys, checked here with the server's code, and
/// pasted one by one into the counter's page with no network by `end2end/tests/counter-offline.spec.mjs`, where the
/// WASM must give each the same verdict.
#[cfg(test)]
#[cfg(feature = "ssr")]
mod tests {
    use ring::signature::{Ed25519KeyPair, KeyPair};
    use serde_json::{Value, json};

    use super::*;
    use crate::qr::keys::{RingCheck, at_once, key_id};
    use crate::qr::{Claims, Preset};

    /// The moment the vectors are checked at (the browser journey sets the page's clock to it).
    const NOW: i64 = 1_795_400_000;
    /// The seeds of the vectors' fixed keys: the one verifiers trust (the browser journey's server publishes it
    /// with `--dev-trust-qr-key`), and one nobody trusts.
    const TRUSTED_SEED: &[u8; 32] = b"congdanso token vectors: trusted";
    const FOREIGN_SEED: &[u8; 32] = b"congdanso token vectors: foreign";
    const CODE: [u8; 10] = *b"CDS-VECTOR";
    /// The citizen code of the revoked-offline vector (its citizen reported a lost phone after it was issued).
    const REVOKED_CODE: [u8; 10] = *b"CDS-REVOKE";

    struct TestKey {
        pair: Ed25519KeyPair,
        kid: [u8; 4],
    }

    impl TestKey {
        fn new(seed: &[u8; 32]) -> TestKey {
            let pair = Ed25519KeyPair::from_seed_unchecked(seed).expect("seed");
            let kid = key_id(pair.public_key().as_ref());
            TestKey { pair, kid }
        }

        fn public(&self) -> [u8; 32] {
            self.pair.public_key().as_ref().try_into().expect("32 bytes")
        }

        /// The key as the server publishes it.
        fn published(&self) -> Value {
            json!({
                "kid": data_encoding::HEXLOWER.encode(&self.kid),
                "public_key": data_encoding::BASE64URL_NOPAD.encode(&self.public()),
            })
        }

        fn signature(&self, bytes: &[u8]) -> Vec<u8> {
            self.pair.sign(bytes).as_ref().to_vec()
        }

        fn sign(&self, bytes: &[u8]) -> String {
            token::to_text(bytes, &self.signature(bytes))
        }
    }

    fn tuyet() -> Claims {
        Claims { full_name: Some("Nguyễn Thị Ánh Tuyết".into()), birth_year: Some(1990), ..Claims::default() }
    }

    fn an() -> Claims {
        Claims {
            full_name: Some("Nguyễn Văn An".into()),
            birth_date: Some("1985-03-12".into()),
            sex: Some("male".into()),
            citizen_id: Some("048085001234".into()),
            ..Claims::default()
        }
    }

    fn adult(over_18: bool) -> Claims {
        Claims { over_18: Some(over_18), ..Claims::default() }
    }

    /// A payload naming the key `kid`: issued, valid from and expiring at these seconds after [`NOW`].
    fn payload(preset: Preset, claims: Claims, level: u8, issued: i64, from: i64, expires: i64, kid: [u8; 4]) -> Payload {
        let at = |offset: i64| u32::try_from(NOW + offset).expect("u32");
        Payload {
            key_id: kid,
            citizen_code: CODE,
            level,
            preset,
            issued_at: at(issued),
            valid_from: at(from),
            expires_at: at(expires),
            claims,
        }
    }

    /// The vectors: (what each is, its text, what it is online when that differs).
    fn cases(trusted: &TestKey, foreign: &TestKey) -> Vec<(&'static str, String, Option<&'static str>)> {
        let t = trusted.kid;
        let basic_bytes = payload(Preset::Basic, tuyet(), 2, -60, -60, 60, t).to_bytes();
        let basic = trusted.sign(&basic_bytes);
        let full_bytes = payload(Preset::Full, an(), 2, -30, -30, 90, t).to_bytes();
        let full = trusted.sign(&full_bytes);
        let older = Claims { birth_year: Some(1991), ..tuyet() };
        let tampered =
            token::to_text(&payload(Preset::Basic, older, 2, -60, -60, 60, t).to_bytes(), &trusted.signature(&basic_bytes));
        let mut bad_r = trusted.signature(&full_bytes);
        bad_r[0] ^= 0x01;
        let revoked = Payload {
            citizen_code: REVOKED_CODE,
            ..payload(
                Preset::Basic,
                Claims { full_name: Some("Trần Văn Bình".into()), birth_year: Some(1970), ..Claims::default() },
                2,
                -30,
                -30,
                90,
                t,
            )
        };
        let mut version_2 = basic_bytes.clone();
        version_2[0] = 2;
        let mut left_over = basic_bytes.clone();
        left_over.push(0);
        let mut preset_4 = basic_bytes.clone();
        preset_4[16] = 4;
        let mut card = CODE.to_vec();
        card.extend_from_slice(&[0, 1]);
        card.extend_from_slice(&[0xAA; 8]);
        let mut other_char = basic.clone().into_bytes();
        other_char[20] = b'#';
        let sign = |p: Payload| trusted.sign(&p.to_bytes());
        vec![
            ("a basic code shown on screen a minute ago: name and year of birth, level 2", basic.clone(), None),
            ("the 18-or-older code: no name, no birth date, level 1", sign(payload(Preset::Adult, adult(true), 1, -10, -10, 110, t)), None),
            ("an 18-or-older code that says: not 18 yet", sign(payload(Preset::Adult, adult(false), 1, -10, -10, 110, t)), None),
            ("the full code: name, date of birth, sex and ID number", full, None),
            ("its last second: it expires one second from now", sign(payload(Preset::Basic, tuyet(), 2, -119, -119, 1, t)), None),
            (
                "a code of the offline batch whose window opens in 4 minutes: inside the 5 minutes allowed for clocks",
                sign(payload(Preset::Adult, adult(true), 2, -60, 240, 2040, t)),
                None,
            ),
            ("pasted with spaces and line breaks around it", format!("  {basic}\n"), None),
            (
                "revoked-offline: genuine and in date, but its citizen reported a lost phone after it was issued; with no network the verdict is valid and says revocation was not checked, online it is refused as revoked",
                sign(revoked),
                Some("revoked"),
            ),
            ("tampered: the year of birth changed from 1990 to 1991 after signing", tampered, None),
            ("tampered: one bit of the signature changed", token::to_text(&full_bytes, &bad_r), None),
            (
                "a foreign key: signed by a key this server never published",
                foreign.sign(&payload(Preset::Basic, tuyet(), 2, -60, -60, 60, foreign.kid).to_bytes()),
                None,
            ),
            (
                "a forgery: signed by a foreign key but naming this server's key",
                foreign.sign(&payload(Preset::Basic, tuyet(), 2, -60, -60, 60, t).to_bytes()),
                None,
            ),
            ("expired two minutes ago", sign(payload(Preset::Basic, tuyet(), 2, -240, -240, -120, t)), None),
            ("expired at this very second", sign(payload(Preset::Basic, tuyet(), 2, -120, -120, 0, t)), None),
            (
                "not yet valid: a code of the offline batch for the window an hour from now",
                sign(payload(Preset::Adult, adult(true), 2, -60, 3600, 5400, t)),
                None,
            ),
            (
                "not yet valid: issued ten minutes in the future (a phone clock far ahead, or a forgery)",
                sign(payload(Preset::Basic, tuyet(), 2, 600, 600, 720, t)),
                None,
            ),
            ("truncated: the last 6 characters lost", basic[..basic.len() - 6].to_owned(), None),
            ("truncated: only the first 40 characters", basic[..40].to_owned(), None),
            ("malformed base45: lower-case letters", format!("{}{}", token::PREFIX, basic[5..].to_lowercase()), None),
            ("malformed base45: a group worth more than two bytes", "CDS1:GGW".to_owned(), None),
            ("malformed base45: a lone character", "CDS1:A".to_owned(), None),
            ("malformed base45: a character outside the alphabet", String::from_utf8(other_char).expect("ascii"), None),
            ("only the prefix", token::PREFIX.to_owned(), None),
            ("another prefix", format!("CDS2:{}", &basic[5..]), None),
            ("a web address", "https://congdanso.danang.gov.vn/me/qr".to_owned(), None),
            ("signed, but of a layout version this verifier does not know", trusted.sign(&version_2), None),
            ("signed, but with bytes left over after the claims", trusted.sign(&left_over), None),
            ("signed, but with an unknown preset", trusted.sign(&preset_4), None),
            (
                "a printed card's code: only the server can resolve it",
                format!("{}{}", token::CARD_PREFIX, token::base45::encode(&card)),
                None,
            ),
            ("nothing pasted", String::new(), None),
            ("only spaces", "   ".to_owned(), None),
        ]
    }

    /// The trusted key as a verifier holds it.
    fn trusted_keys() -> Vec<VerifyingKey> {
        let trusted = TestKey::new(TRUSTED_SEED);
        vec![VerifyingKey { kid: trusted.kid, public: trusted.public() }]
    }

    fn offline(text: &str, keys: Option<&[VerifyingKey]>) -> Offline {
        at_once(verify_offline(text, keys, NOW, &RingCheck)).expect("ring answers at once")
    }

    /// The vectors as `token_vectors.json` holds them, each with the verdict the server's code gives it.
    fn generate() -> Value {
        let (trusted, foreign) = (TestKey::new(TRUSTED_SEED), TestKey::new(FOREIGN_SEED));
        let keys = trusted_keys();
        let vectors: Vec<Value> = cases(&trusted, &foreign)
            .into_iter()
            .map(|(note, text, online)| {
                let verdict = offline(&text, Some(keys.as_slice()));
                let mut vector = json!({ "note": note, "text": text, "verdict": verdict.name() });
                if let Offline::Valid(payload) = &verdict {
                    vector["level"] = json!(payload.level);
                    vector["claims"] = serde_json::to_value(&payload.claims).expect("claims");
                }
                if let Some(online) = online {
                    vector["online"] = json!(online);
                }
                vector
            })
            .collect();
        json!({
            "about": "Shared vectors of the citizen QR token (src/qr/token.rs, src/qr/verify.rs): the Rust test `the_shared_token_vectors_get_their_verdicts` (src/qr/verify.rs) regenerates them from the fixed keys' seeds and checks each verdict with the server's code; the browser journey end2end/tests/counter-offline.spec.mjs pastes each one into the counter with no network and the island's WASM must give the same verdict. Checked at `now` (the browser's clock is set to it); `trusted` is the key the verifier trusts (the e2e server publishes it with --dev-trust-qr-key), `foreign` one it never trusts.",
            "now": NOW,
            "trusted": trusted.published(),
            "foreign": foreign.published(),
            "vectors": vectors,
        })
    }

    /// The file is what the fixed keys make (`CDS_WRITE_VECTORS=1 cargo test …` writes it again after a change of
    /// the token layout or of the vectors), and every vector gets its verdict from the server's code: the same
    /// verdict the counter's WASM must give it in the browser journey.
    #[test]
    fn the_shared_token_vectors_get_their_verdicts() {
        let made = generate();
        if std::env::var_os("CDS_WRITE_VECTORS").is_some() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/qr/token_vectors.json");
            let text = serde_json::to_string_pretty(&made).expect("json");
            std::fs::write(path, format!("{text}\n")).expect("write the vectors");
        }
        let file: Value = serde_json::from_str(include_str!("token_vectors.json")).expect("token_vectors.json");
        assert_eq!(file, made, "token_vectors.json is stale: run the test with CDS_WRITE_VECTORS=1");

        let keys = trusted_keys();
        let published: KeySet = serde_json::from_value(json!({ "keys": [file["trusted"].clone()] })).expect("key set");
        assert_eq!(published.verifying_keys(), Some(keys.clone()), "the published key reads back");
        let mut seen = std::collections::BTreeSet::new();
        for vector in file["vectors"].as_array().expect("vectors") {
            let note = vector["note"].as_str().expect("note");
            let verdict = offline(vector["text"].as_str().expect("text"), Some(keys.as_slice()));
            assert_eq!(verdict.name(), vector["verdict"], "{note}");
            seen.insert(verdict.name());
            if let Offline::Valid(payload) = verdict {
                let claims: Claims = serde_json::from_value(vector["claims"].clone()).expect("claims");
                assert_eq!((payload.claims, u64::from(payload.level)), (claims, vector["level"].as_u64().expect("level")), "{note}");
            }
        }
        let every = ["valid", "malformed", "unknown_key", "bad_signature", "expired", "not_yet_valid", "card", "no_text"];
        assert!(every.iter().all(|name| seen.contains(name)), "every verdict has a vector: {seen:?}");
        assert!(file["vectors"].as_array().expect("vectors").iter().any(|v| v["online"] == "revoked" && v["verdict"] == "valid"));
    }

    /// The server's key ring runs the same rule: with the vectors' key trusted (as `--dev-trust-qr-key` does for
    /// the browser journey), every token gets the same verdict from it, and online, where revocation is checked,
    /// the revoked-offline vector is refused as revoked.
    #[tokio::test]
    async fn the_server_gives_the_vectors_the_same_verdicts_and_checks_revocation_online() {
        use crate::qr::keys::KeyRing;
        use crate::qr::service::{self, Via};
        let db = crate::db::connect_memory().await.expect("db");
        let secret = crate::secret::SecretKey::generate().expect("secret");
        let mut keys = KeyRing::load(&db, &secret, NOW).await.expect("keys");
        let file: Value = serde_json::from_str(include_str!("token_vectors.json")).expect("token_vectors.json");
        assert!(keys.trust("not a key", NOW).is_err());
        keys.trust(file["trusted"]["public_key"].as_str().expect("key"), NOW).expect("trust");
        assert!(keys.public_keys().iter().any(|k| k.kid == file["trusted"]["kid"]), "the trusted key is published");
        let id = service::tests::citizen(&db).await;
        db.query("UPDATE type::record('account', $id) SET citizen_code = $code")
            .bind(("id", id.clone()))
            .bind(("code", data_encoding::HEXLOWER.encode(&REVOKED_CODE)))
            .await
            .expect("citizen code");
        service::revoke_all(&db, &id, NOW - 10).await.expect("revoke");
        for vector in file["vectors"].as_array().expect("vectors") {
            let note = vector["note"].as_str().expect("note");
            let text = vector["text"].as_str().expect("text");
            let verdict = vector["verdict"].as_str().expect("verdict");
            // not tokens: the server resolves a card online, and a blank text is no request
            if matches!(verdict, "card" | "no_text") {
                continue;
            }
            let server = match keys.verify(text, NOW) {
                Ok(_) => "valid",
                Err(reason) => reason.as_str(),
            };
            assert_eq!(server, verdict, "{note}");
            if vector["online"] == "revoked" {
                let online = service::verify_online(&db, &keys, text, Via::default(), NOW).await.expect("verify");
                assert_eq!((online.valid, online.reason), (false, Some(Reason::Revoked)), "{note}");
            }
        }
    }

    #[test]
    fn keys_kept_damaged_are_said_so_and_none_kept_means_an_unknown_key() {
        let trusted = TestKey::new(TRUSTED_SEED);
        let basic = trusted.sign(&payload(Preset::Basic, tuyet(), 2, -60, -60, 60, trusted.kid).to_bytes());
        let keys = trusted_keys();
        let none_kept: &[VerifyingKey] = &[];
        assert_eq!(offline(&basic, None), Offline::Refused(OfflineRefusal::KeysDamaged));
        assert_eq!(offline(&basic, Some(none_kept)), Offline::Refused(OfflineRefusal::Token(Reason::UnknownKey)));
        assert_eq!(offline(&basic, Some(keys.as_slice())).name(), "valid");
        // a text far too long is not read at all
        assert_eq!(offline(&format!("{basic}{}", "0".repeat(MAX_TEXT)), Some(keys.as_slice())).name(), "malformed");
        // what a damaged copy may hold: nothing of a key, another encoding, a wrong length
        let damaged = [
            json!({ "kid": "379ac7d", "public_key": "dAhsf0B5ds7jSuWDVxFUw4mH4O0lKZG_mox0Y-UDJls" }),
            json!({ "kid": "379ac7dz", "public_key": "dAhsf0B5ds7jSuWDVxFUw4mH4O0lKZG_mox0Y-UDJls" }),
            json!({ "kid": "379ac7d1", "public_key": "dAhsf0B5ds7jSuWDVxFUw4mH4O0lKZG/mox0Y+UDJls" }),
            json!({ "kid": "379ac7d1", "public_key": "dAhsf0B5ds7jSuWDVxFUw4mH4O0lKZG_mox0Y-UDJls=" }),
            json!({ "kid": "379ac7d1", "public_key": "dAhsf0B5ds7jSuWDVxFUw4mH4O0lKZG_mox0Y-UDJlt" }),
            json!({ "kid": "379ac7d1", "public_key": "" }),
        ];
        for key in damaged {
            let set: KeySet = serde_json::from_value(json!({ "keys": [key.clone()] })).expect("key set");
            assert_eq!(set.verifying_keys(), None, "{key}");
        }
    }

    #[test]
    fn keys_read_back_as_the_server_writes_them() {
        for seed in 0u8..40 {
            let bytes: [u8; 32] = std::array::from_fn(|i| seed.wrapping_mul(31).wrapping_add(i as u8 * 7));
            let kid = key_id(&bytes);
            let published = PublicKey {
                kid: data_encoding::HEXLOWER.encode(&kid),
                public_key: data_encoding::BASE64URL_NOPAD.encode(&bytes),
                created_at: 0,
                retired_at: None,
            };
            assert_eq!(published.verifying_key(), Some(VerifyingKey { kid, public: bytes }));
            let upper = PublicKey { kid: published.kid.to_uppercase(), ..published.clone() };
            assert_eq!(upper.verifying_key().map(|k| k.kid), Some(kid));
        }
    }
}
