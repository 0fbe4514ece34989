//! The token's binary layout and its text form. Pure code (no keys): the signing and checking live in
//! [`super::keys`].
//!
//! ```text
//! "CDS1:" base45( version u8 = 1 | key id [4] | citizen code [10] | level u8 | preset u8 |
//!                  issued_at u32 | starts u16 | expires_at u32 | claims (by preset) | Ed25519 signature [64] )
//! issued_at: when it was signed (revocation compares with it); starts: minutes after issued_at from which it is
//!            valid (0 on screen; later for the offline batch's future windows)
//! claims  basic: name str, birth year u16, photo str
//!         adult: over_18 u8, photo str
//!         full:  name str, birth date str (yyyy-mm-dd), sex u8 (0 ?, 1 male, 2 female), citizen id str
//! str = length u8 + UTF-8 bytes
//! ```
//! The signature covers every byte before it. Base45 (RFC 9285) keeps the QR in its compact alphanumeric mode.
use super::{Claims, Preset, Reason};

pub const PREFIX: &str = "CDS1:";
/// The prefix of a printed card's code (see `card.rs`): it names a citizen but carries no claims, so only the
/// server can resolve it.
pub const CARD_PREFIX: &str = "CDSC:";
pub const VERSION: u8 = 1;
pub const SIGNATURE_LEN: usize = 64;

/// What a token says, before or after signing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    pub key_id: [u8; 4],
    pub citizen_code: [u8; 10],
    pub level: u8,
    pub preset: Preset,
    /// When it was signed.
    pub issued_at: u32,
    /// From when it is valid: `issued_at` plus whole minutes.
    pub valid_from: u32,
    pub expires_at: u32,
    pub claims: Claims,
}

fn put_str(out: &mut Vec<u8>, s: Option<&str>) {
    let s = s.unwrap_or("");
    // names are at most 100 characters; cut on a character boundary below 256 bytes all the same
    let mut end = s.len().min(255);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    out.push(end as u8);
    out.extend_from_slice(&s.as_bytes()[..end]);
}

impl Payload {
    /// The bytes the signature covers.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(96);
        out.push(VERSION);
        out.extend_from_slice(&self.key_id);
        out.extend_from_slice(&self.citizen_code);
        out.push(self.level);
        out.push(self.preset.code());
        out.extend_from_slice(&self.issued_at.to_be_bytes());
        let starts = self.valid_from.saturating_sub(self.issued_at) / 60;
        out.extend_from_slice(&u16::try_from(starts).unwrap_or(u16::MAX).to_be_bytes());
        out.extend_from_slice(&self.expires_at.to_be_bytes());
        let c = &self.claims;
        match self.preset {
            Preset::Basic => {
                put_str(&mut out, c.full_name.as_deref());
                out.extend_from_slice(&c.birth_year.unwrap_or(0).to_be_bytes());
                put_str(&mut out, c.photo.as_deref());
            }
            Preset::Adult => {
                out.push(u8::from(c.over_18.unwrap_or(false)));
                put_str(&mut out, c.photo.as_deref());
            }
            Preset::Full => {
                put_str(&mut out, c.full_name.as_deref());
                put_str(&mut out, c.birth_date.as_deref());
                out.push(match c.sex.as_deref() {
                    Some("male") => 1,
                    Some("female") => 2,
                    _ => 0,
                });
                put_str(&mut out, c.citizen_id.as_deref());
            }
        }
        out
    }

    /// Reads the signed part back; None when anything is missing or left over.
    pub fn from_bytes(bytes: &[u8]) -> Option<Payload> {
        let mut r = Reader { bytes, at: 0 };
        if r.u8()? != VERSION {
            return None;
        }
        let key_id = r.take(4)?.try_into().ok()?;
        let citizen_code = r.take(10)?.try_into().ok()?;
        let level = r.u8()?;
        let preset = Preset::from_code(r.u8()?)?;
        let issued_at = u32::from_be_bytes(r.take(4)?.try_into().ok()?);
        let starts = u32::from(u16::from_be_bytes(r.take(2)?.try_into().ok()?));
        let valid_from = issued_at.checked_add(starts * 60)?;
        let expires_at = u32::from_be_bytes(r.take(4)?.try_into().ok()?);
        let non_empty = |s: String| (!s.is_empty()).then_some(s);
        let claims = match preset {
            Preset::Basic => Claims {
                full_name: non_empty(r.str()?),
                birth_year: Some(u16::from_be_bytes(r.take(2)?.try_into().ok()?)).filter(|y| *y > 0),
                photo: non_empty(r.str()?),
                ..Claims::default()
            },
            Preset::Adult => Claims { over_18: Some(r.u8()? == 1), photo: non_empty(r.str()?), ..Claims::default() },
            Preset::Full => Claims {
                full_name: non_empty(r.str()?),
                birth_date: non_empty(r.str()?),
                sex: match r.u8()? {
                    1 => Some("male".to_owned()),
                    2 => Some("female".to_owned()),
                    _ => None,
                },
                citizen_id: non_empty(r.str()?),
                ..Claims::default()
            },
        };
        (r.at == bytes.len()).then_some(Payload {
            key_id,
            citizen_code,
            level,
            preset,
            issued_at,
            valid_from,
            expires_at,
            claims,
        })
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let slice = self.bytes.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(slice)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn str(&mut self) -> Option<String> {
        let n = usize::from(self.u8()?);
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }
}

/// The text a QR code carries: the prefix and the base45 of the signed bytes and the signature.
pub fn to_text(signed: &[u8], signature: &[u8]) -> String {
    let mut all = signed.to_vec();
    all.extend_from_slice(signature);
    format!("{PREFIX}{}", base45::encode(&all))
}

/// Splits a scanned text into (signed bytes, signature, payload), or says why it cannot be read.
pub fn parse_text(text: &str) -> Result<(Vec<u8>, Vec<u8>, Payload), Reason> {
    let body = text.trim().strip_prefix(PREFIX).ok_or(Reason::Malformed)?;
    let bytes = base45::decode(body).ok_or(Reason::Malformed)?;
    if bytes.len() <= SIGNATURE_LEN {
        return Err(Reason::Malformed);
    }
    let (signed, signature) = bytes.split_at(bytes.len() - SIGNATURE_LEN);
    let payload = Payload::from_bytes(signed).ok_or(Reason::Malformed)?;
    Ok((signed.to_vec(), signature.to_vec(), payload))
}

/// Base45 (RFC 9285): two bytes become three characters of the QR alphanumeric set.
pub mod base45 {
    const ALPHABET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len() / 2 * 3 + 2);
        for pair in bytes.chunks(2) {
            let (mut n, digits) = match pair {
                [a, b] => (usize::from(*a) * 256 + usize::from(*b), 3),
                [a] => (usize::from(*a), 2),
                _ => unreachable!("chunks(2)"),
            };
            for _ in 0..digits {
                out.push(char::from(ALPHABET[n % 45]));
                n /= 45;
            }
        }
        out
    }

    pub fn decode(text: &str) -> Option<Vec<u8>> {
        let values: Vec<usize> =
            text.bytes().map(|c| ALPHABET.iter().position(|a| *a == c)).collect::<Option<Vec<_>>>()?;
        let mut out = Vec::with_capacity(values.len() / 3 * 2 + 1);
        for group in values.chunks(3) {
            match group {
                [c, d, e] => {
                    let n = c + d * 45 + e * 45 * 45;
                    if n > 0xffff {
                        return None;
                    }
                    out.push((n >> 8) as u8);
                    out.push((n & 0xff) as u8);
                }
                [c, d] => {
                    let n = c + d * 45;
                    if n > 0xff {
                        return None;
                    }
                    out.push(n as u8);
                }
                _ => return None,
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base45_matches_the_rfc_examples() {
        assert_eq!(base45::encode(b"AB"), "BB8");
        assert_eq!(base45::encode(b"Hello!!"), "%69 VD92EX0");
        assert_eq!(base45::encode(b"base-45"), "UJCLQE7W581");
        assert_eq!(base45::decode("QED8WEX0").as_deref(), Some(&b"ietf!"[..]));
        assert_eq!(base45::decode("GGW"), None, "65535 + 1 is not two bytes");
        assert_eq!(base45::decode("a"), None, "lower case is not base45");
        assert_eq!(base45::decode("A"), None, "a lone character");
    }

    fn payload(preset: Preset, claims: Claims) -> Payload {
        Payload {
            key_id: [1, 2, 3, 4],
            citizen_code: *b"0123456789",
            level: 2,
            preset,
            issued_at: 1_795_400_000,
            valid_from: 1_795_400_000 + 15 * 60,
            expires_at: 1_795_402_000,
            claims,
        }
    }

    #[test]
    fn every_preset_round_trips_through_bytes_and_text() {
        let cases = [
            payload(Preset::Basic, Claims { full_name: Some("Nguyễn Thị Ánh Tuyết".into()), birth_year: Some(1990), ..Claims::default() }),
            payload(Preset::Adult, Claims { over_18: Some(true), ..Claims::default() }),
            payload(
                Preset::Full,
                Claims {
                    full_name: Some("Nguyễn Văn An".into()),
                    birth_date: Some("1985-03-12".into()),
                    sex: Some("male".into()),
                    citizen_id: Some("048085001234".into()),
                    ..Claims::default()
                },
            ),
        ];
        for p in cases {
            let bytes = p.to_bytes();
            assert_eq!(Payload::from_bytes(&bytes), Some(p.clone()));
            let text = to_text(&bytes, &[7u8; 64]);
            assert!(text.starts_with(PREFIX));
            let (signed, signature, back) = parse_text(&text).expect("parses");
            assert_eq!((signed, signature, back), (bytes, vec![7u8; 64], p));
        }
    }

    #[test]
    fn short_damaged_or_foreign_texts_are_malformed() {
        let p = payload(Preset::Adult, Claims { over_18: Some(false), ..Claims::default() });
        let text = to_text(&p.to_bytes(), &[0u8; 64]);
        assert_eq!(parse_text(&text[..text.len() - 9]).err(), Some(Reason::Malformed), "truncated");
        assert_eq!(parse_text("https://example.com").err(), Some(Reason::Malformed));
        assert_eq!(parse_text("CDS1:").err(), Some(Reason::Malformed));
        assert_eq!(parse_text(&text.replace(PREFIX, "CDS1:zz")).err(), Some(Reason::Malformed));
        let mut extra = p.to_bytes();
        extra.push(0);
        assert_eq!(Payload::from_bytes(&extra), None, "bytes left over");
    }
}
