//! Files encrypted at rest: each file gets its own random AES-256-GCM key; the file key is wrapped (sealed) under
//! the vault master key, derived from the server secret, and bound to the blob's name, so a wrapped key moved to
//! another record opens nothing. A stolen disk (or blob store) holds only ciphertext; the database holds only
//! wrapped keys.
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};

use crate::secret::SecretKey;

const PURPOSE: &str = "vault-file-key";
const MAGIC: &[u8; 5] = b"CDSV1";

/// An encrypted file and its wrapped key.
pub struct Sealed {
    pub bytes: Vec<u8>,
    pub wrapped_key: String,
}

/// Encrypts `plain` (consumed, encrypted in place) for the blob named `blob`.
pub fn seal(secret: &SecretKey, blob: &str, mut plain: Vec<u8>) -> Result<Sealed, String> {
    let mut key = [0u8; 32];
    let mut nonce = [0u8; 12];
    getrandom::fill(&mut key).map_err(|e| e.to_string())?;
    getrandom::fill(&mut nonce).map_err(|e| e.to_string())?;
    let sealing = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &key).map_err(|_| "file key")?);
    sealing
        .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(blob.as_bytes()), &mut plain)
        .map_err(|_| "encrypting the file failed")?;
    let mut bytes = Vec::with_capacity(MAGIC.len() + nonce.len() + plain.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&nonce);
    bytes.extend_from_slice(&plain);
    let wrapped_key = secret.seal(PURPOSE, blob, &key)?;
    Ok(Sealed { bytes, wrapped_key })
}

/// The plain file, or None when the key does not unwrap or the bytes were altered.
pub fn open(secret: &SecretKey, blob: &str, wrapped_key: &str, mut bytes: Vec<u8>) -> Option<Vec<u8>> {
    let key = secret.open(PURPOSE, blob, wrapped_key)?;
    if bytes.len() < MAGIC.len() + 12 + 16 || &bytes[..MAGIC.len()] != MAGIC {
        return None;
    }
    let nonce = Nonce::try_assume_unique_for_key(&bytes[MAGIC.len()..MAGIC.len() + 12]).ok()?;
    let opening = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &key).ok()?);
    let body = &mut bytes[MAGIC.len() + 12..];
    let plain_len = opening.open_in_place(nonce, Aad::from(blob.as_bytes()), body).ok()?.len();
    bytes.drain(..MAGIC.len() + 12);
    bytes.truncate(plain_len);
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_file_opens_only_with_its_key_its_name_and_unaltered() {
        let secret = SecretKey::generate().expect("secret");
        let plain = b"%PDF-1.7 Giay khai sinh Nguyen Be Na 048319001234".to_vec();
        let sealed = seal(&secret, "blob1abcdef", plain.clone()).expect("seal");
        assert!(!sealed.bytes.windows(12).any(|w| w == b"Nguyen Be Na"), "no plaintext in the blob");
        assert!(!sealed.wrapped_key.contains("blob1"));
        assert_eq!(open(&secret, "blob1abcdef", &sealed.wrapped_key, sealed.bytes.clone()).as_deref(), Some(&plain[..]));
        assert_eq!(open(&secret, "blob2abcdef", &sealed.wrapped_key, sealed.bytes.clone()), None, "moved");
        let other = SecretKey::generate().expect("other");
        assert_eq!(open(&other, "blob1abcdef", &sealed.wrapped_key, sealed.bytes.clone()), None, "another server");
        let mut altered = sealed.bytes.clone();
        let last = altered.len() - 20;
        altered[last] ^= 1;
        assert_eq!(open(&secret, "blob1abcdef", &sealed.wrapped_key, altered), None, "altered");
        assert_eq!(open(&secret, "blob1abcdef", &sealed.wrapped_key, vec![0; 10]), None, "truncated");
    }
}
