//! The server's secret key: the root of every HMAC (OTPs, tokens) and of the document-vault master key.
use std::fmt;
use std::io::Write;
use std::path::Path;

/// 32 random bytes. Never printed: `Debug` shows nothing of it.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

impl SecretKey {
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn generate() -> Result<Self, String> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| format!("the system random generator failed: {e}"))?;
        Ok(SecretKey(bytes))
    }

    /// Reads the key file, or creates it (0600, never overwriting) when it does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = Self::generate()?;
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                }
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = options.open(path).map_err(|e| format!("cannot create: {e}"))?;
                file.write_all(format!("{}\n", key.to_hex()).as_bytes())
                    .and_then(|()| file.sync_all())
                    .map_err(|e| format!("cannot write: {e}"))?;
                tracing::info!(path = %path.display(), "created a new secret key file");
                Ok(key)
            }
            Err(e) => Err(format!("cannot read: {e}")),
        }
    }

    fn parse(text: &str) -> Result<Self, String> {
        let hex = text.trim();
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("expected 64 hexadecimal characters (32 bytes)".to_owned());
        }
        let mut bytes = [0u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|e| e.to_string())?;
        }
        Ok(SecretKey(bytes))
    }

    fn to_hex(&self) -> String {
        data_encoding::HEXLOWER.encode(&self.0)
    }

    /// A key for one purpose, derived from the server secret (HMAC-SHA256 over the purpose's name), so that a
    /// key used for one thing can never open another's data.
    pub(crate) fn derive(&self, purpose: &str) -> Option<[u8; 32]> {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.0).ok()?;
        mac.update(b"congdanso/derive/v1/");
        mac.update(purpose.as_bytes());
        Some(mac.finalize().into_bytes().into())
    }

    /// Encrypts a small secret for storage (ChaCha20-Poly1305, random nonce). `bound_to` (e.g. the owner's record
    /// id) is authenticated too: the sealed text does not open if moved to another record.
    pub fn seal(&self, purpose: &str, bound_to: &str, plain: &[u8]) -> Result<String, String> {
        use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
        let derived = self.derive(purpose).ok_or("key derivation failed")?;
        let key = UnboundKey::new(&CHACHA20_POLY1305, &derived).map_err(|_| "key".to_owned())?;
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|e| e.to_string())?;
        let mut data = plain.to_vec();
        LessSafeKey::new(key)
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(bound_to.as_bytes()), &mut data)
            .map_err(|_| "sealing failed".to_owned())?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        Ok(format!("v1.{}", data_encoding::BASE64URL_NOPAD.encode(&out)))
    }

    /// The plain bytes of a [`seal`](Self::seal)ed text, or None when it was altered, moved or sealed for another
    /// purpose.
    pub fn open(&self, purpose: &str, bound_to: &str, sealed: &str) -> Option<Vec<u8>> {
        use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
        let bytes = data_encoding::BASE64URL_NOPAD.decode(sealed.strip_prefix("v1.")?.as_bytes()).ok()?;
        if bytes.len() < 12 + 16 {
            return None;
        }
        let (nonce, data) = bytes.split_at(12);
        let key = UnboundKey::new(&CHACHA20_POLY1305, &self.derive(purpose)?).ok()?;
        let mut data = data.to_vec();
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let plain = LessSafeKey::new(key).open_in_place(nonce, Aad::from(bound_to.as_bytes()), &mut data).ok()?;
        Some(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_key_file_is_created_private_and_read_back() {
        let dir = std::env::temp_dir().join(format!("cds-secret-{}", std::process::id()));
        let path = dir.join("nested").join("secret.key");
        let _ = std::fs::remove_dir_all(&dir);
        let created = SecretKey::load_or_create(&path).expect("created");
        let again = SecretKey::load_or_create(&path).expect("read back");
        assert_eq!(created.as_bytes(), again.as_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("metadata").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(format!("{created:?}"), "SecretKey(…)");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn sealed_secrets_open_only_for_their_purpose_owner_and_key() {
        let key = SecretKey::generate().expect("key");
        let sealed = key.seal("totp", "account:a", b"twenty bytes secret!").expect("sealed");
        assert!(sealed.starts_with("v1."));
        assert_eq!(key.open("totp", "account:a", &sealed).as_deref(), Some(&b"twenty bytes secret!"[..]));
        assert_ne!(sealed, key.seal("totp", "account:a", b"twenty bytes secret!").expect("sealed"), "fresh nonce");
        assert_eq!(key.open("totp", "account:b", &sealed), None, "moved to another account");
        assert_eq!(key.open("vault", "account:a", &sealed), None, "another purpose");
        assert_eq!(SecretKey::generate().expect("key").open("totp", "account:a", &sealed), None, "another server key");
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 3;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(key.open("totp", "account:a", &String::from_utf8(tampered).expect("utf8")), None);
        assert_eq!(key.open("totp", "account:a", "v1.short"), None);
    }

    #[test]
    fn a_malformed_key_file_is_refused() {
        assert!(SecretKey::parse("abc").is_err());
        assert!(SecretKey::parse(&"zz".repeat(32)).is_err());
        assert!(SecretKey::parse(&"ab".repeat(32)).is_ok());
    }
}
