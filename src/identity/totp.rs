//! Authenticator-app codes (TOTP, RFC 6238 over HOTP, RFC 4226): HMAC-SHA1, 6 digits, 30-second steps, one step
//! of clock drift either way, and no code accepted twice. The second factor for citizens who want one and for
//! every staff role.
use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;

/// A 160-bit secret shared with the authenticator app.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret([u8; 20]);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(…)")
    }
}

impl TotpSecret {
    pub fn generate() -> Result<Self, String> {
        let mut bytes = [0u8; 20];
        getrandom::fill(&mut bytes).map_err(|e| e.to_string())?;
        Ok(TotpSecret(bytes))
    }

    pub fn from_bytes(bytes: [u8; 20]) -> Self {
        TotpSecret(bytes)
    }

    pub fn bytes(&self) -> &[u8; 20] {
        &self.0
    }

    /// Base32 without padding, as authenticator apps expect it (and as a person can type it).
    pub fn base32(&self) -> String {
        data_encoding::BASE32_NOPAD.encode(&self.0)
    }

    pub fn from_base32(text: &str) -> Option<Self> {
        let cleaned: String = text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
        let bytes = data_encoding::BASE32_NOPAD.decode(cleaned.as_bytes()).ok()?;
        Some(TotpSecret(bytes.try_into().ok()?))
    }

    /// The `otpauth://` URI that the enrolment QR code carries.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let issuer_enc = crate::web::encode_query_value(issuer);
        let label = crate::web::encode_query_value(&format!("{issuer}:{account}"));
        format!(
            "otpauth://totp/{label}?secret={}&issuer={issuer_enc}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
            self.base32()
        )
    }
}

/// HOTP (RFC 4226): the code for one counter value.
fn hotp(secret: &[u8], counter: u64, digits: u32) -> String {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else { return String::new() };
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[19] & 0x0f);
    let binary = (u32::from(hash[offset] & 0x7f) << 24)
        | (u32::from(hash[offset + 1]) << 16)
        | (u32::from(hash[offset + 2]) << 8)
        | u32::from(hash[offset + 3]);
    let modulus = 10u32.pow(digits);
    format!("{:0width$}", binary % modulus, width = digits as usize)
}

pub fn step_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The code an app shows at `unix_seconds`.
pub fn code_at(secret: &TotpSecret, unix_seconds: i64) -> String {
    hotp(&secret.0, step_of(unix_seconds).max(0) as u64, DIGITS)
}

/// Checks a typed code at `now`, allowing one step of drift either way. Returns the step it matched, which the
/// caller stores: a code of that step or an earlier one is never accepted again (no replay).
pub fn verify(secret: &TotpSecret, typed: &str, now: i64, last_used_step: Option<i64>) -> Option<i64> {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != DIGITS as usize || !typed.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let current = step_of(now);
    [current - 1, current, current + 1]
        .into_iter()
        .filter(|step| *step >= 0 && last_used_step.is_none_or(|used| *step > used))
        .find(|step| bool::from(hotp(&secret.0, *step as u64, DIGITS).as_bytes().ct_eq(typed.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 secret "12345678901234567890".
    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(*b"12345678901234567890")
    }

    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        // the RFC lists 8 digits; an authenticator app shows the last 6
        let secret = rfc_secret();
        for (time, eight) in
            [(59, "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"), (1_234_567_890, "89005924"), (2_000_000_000, "69279037")]
        {
            assert_eq!(hotp(&secret.0, step_of(time) as u64, 8), eight, "T={time}");
            assert_eq!(code_at(&secret, time), eight[2..], "T={time}");
        }
    }

    #[test]
    fn hotp_matches_the_rfc_4226_test_vectors() {
        let expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(hotp(b"12345678901234567890", counter as u64, 6), *code);
        }
    }

    #[test]
    fn one_step_of_drift_is_accepted_and_no_code_twice() {
        let secret = rfc_secret();
        let now = 1_795_400_015;
        let current = code_at(&secret, now);
        let previous = code_at(&secret, now - 30);
        let next = code_at(&secret, now + 30);
        let older = code_at(&secret, now - 60);
        assert_eq!(verify(&secret, &current, now, None), Some(step_of(now)));
        assert_eq!(verify(&secret, &previous, now, None), Some(step_of(now) - 1));
        assert_eq!(verify(&secret, &next, now, None), Some(step_of(now) + 1));
        assert_eq!(verify(&secret, &older, now, None), None);
        // replay: once the current step was used, it (and earlier ones) never work again
        assert_eq!(verify(&secret, &current, now, Some(step_of(now))), None);
        assert_eq!(verify(&secret, &previous, now, Some(step_of(now))), None);
        assert_eq!(verify(&secret, "12345", now, None), None);
        assert_eq!(verify(&secret, "abcdef", now, None), None);
    }

    #[test]
    fn secrets_round_trip_through_base32_and_the_enrolment_uri() {
        let secret = TotpSecret::generate().expect("random");
        let text = secret.base32();
        assert_eq!(text.len(), 32);
        assert_eq!(TotpSecret::from_base32(&text.to_lowercase()), Some(secret.clone()));
        let uri = secret.otpauth_uri("Công Dân Số", "0912 345 678");
        assert!(uri.starts_with("otpauth://totp/C%C3%B4ng%20D%C3%A2n%20S%E1%BB%91%3A0912%20345%20678?secret="), "{uri}");
        assert!(uri.contains("&digits=6&period=30"));
        assert_eq!(format!("{secret:?}"), "TotpSecret(…)");
    }
}
