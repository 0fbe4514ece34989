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
    fn a_malformed_key_file_is_refused() {
        assert!(SecretKey::parse("abc").is_err());
        assert!(SecretKey::parse(&"zz".repeat(32)).is_err());
        assert!(SecretKey::parse(&"ab".repeat(32)).is_ok());
    }
}
