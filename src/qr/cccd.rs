//! The QR code printed on chip ID cards (CCCD): `ID12|old ID9|full name|DDMMYYYY|Nam/Nữ|address|issue date DDMMYYYY`,
//! sometimes without the old ID, and on newer cards with more fields after the issue date. Scanning one prefills a
//! form; the ID number is still checked by the ID rules.
use crate::identity::domain::{CitizenId, CitizenIdError, Date, FullName, Sex};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardQr {
    pub citizen_id: CitizenId,
    pub old_id: Option<String>,
    pub full_name: FullName,
    pub birth_date: Date,
    pub sex: Sex,
    pub address: String,
    pub issued_on: Option<Date>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardQrError {
    /// Not the card's format (too few fields).
    Format,
    CitizenId(CitizenIdError),
    Name,
    BirthDate,
    Sex,
}

/// The refusals by name, as the shared vectors (`cccd_vectors.json`) and the locale keys `team.scan_err_<kind>` of
/// the card scan (`super::card_scan`) name them.
#[cfg(test)]
impl CardQrError {
    pub(crate) const ALL: [CardQrError; 9] = [
        CardQrError::Format,
        CardQrError::CitizenId(CitizenIdError::Empty),
        CardQrError::CitizenId(CitizenIdError::NotTwelveDigits),
        CardQrError::CitizenId(CitizenIdError::UnknownProvince),
        CardQrError::CitizenId(CitizenIdError::SexCenturyMismatch),
        CardQrError::CitizenId(CitizenIdError::BirthYearMismatch),
        CardQrError::Name,
        CardQrError::BirthDate,
        CardQrError::Sex,
    ];

    pub(crate) fn kind(self) -> &'static str {
        match self {
            CardQrError::Format => "format",
            CardQrError::CitizenId(CitizenIdError::Empty) => "id_empty",
            CardQrError::CitizenId(CitizenIdError::NotTwelveDigits) => "id_digits",
            CardQrError::CitizenId(CitizenIdError::UnknownProvince) => "id_province",
            CardQrError::CitizenId(CitizenIdError::SexCenturyMismatch) => "id_sex_century",
            CardQrError::CitizenId(CitizenIdError::BirthYearMismatch) => "id_year",
            CardQrError::Name => "name",
            CardQrError::BirthDate => "birth_date",
            CardQrError::Sex => "sex",
        }
    }
}

/// DDMMYYYY (no separators), as the card writes dates.
fn card_date(text: &str) -> Option<Date> {
    let t = text.trim();
    if t.len() != 8 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Date::new(t[4..8].parse().ok()?, t[2..4].parse().ok()?, t[0..2].parse().ok()?)
}

/// Reads a scanned card QR text.
pub fn parse_card_qr(text: &str) -> Result<CardQr, CardQrError> {
    let fields: Vec<&str> = text.trim().split('|').map(str::trim).collect();
    if fields.len() < 6 {
        return Err(CardQrError::Format);
    }
    let birth_date = card_date(fields[3]).ok_or(CardQrError::BirthDate)?;
    let sex = Sex::parse(fields[4]).ok_or(CardQrError::Sex)?;
    let citizen_id = CitizenId::parse_for(fields[0], sex, birth_date).map_err(CardQrError::CitizenId)?;
    let full_name = FullName::parse(fields[2]).map_err(|_| CardQrError::Name)?;
    let old_id = Some(fields[1]).filter(|s| s.len() == 9 && s.bytes().all(|b| b.is_ascii_digit())).map(str::to_owned);
    Ok(CardQr {
        citizen_id,
        old_id,
        full_name,
        birth_date,
        sex,
        address: fields[5].to_owned(),
        issued_on: fields.get(6).and_then(|d| card_date(d)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_classic_card_format_is_read() {
        let card = parse_card_qr(
            "048085001234|201234567|Nguyễn Văn An|12031985|Nam|Tổ 5, Phường Hải Châu, Thành phố Đà Nẵng|15082021",
        )
        .expect("card");
        assert_eq!(card.citizen_id.as_str(), "048085001234");
        assert_eq!(card.old_id.as_deref(), Some("201234567"));
        assert_eq!(card.full_name.as_str(), "Nguyễn Văn An");
        assert_eq!(card.birth_date.dmy(), "12/03/1985");
        assert_eq!(card.sex, Sex::Male);
        assert_eq!(card.address, "Tổ 5, Phường Hải Châu, Thành phố Đà Nẵng");
        assert_eq!(card.issued_on.map(|d| d.dmy()).as_deref(), Some("15/08/2021"));
    }

    #[test]
    fn a_missing_old_id_and_extra_trailing_fields_are_fine() {
        // a woman born in 2001 (century digit 3), a newer card with more fields after the issue date
        let card = parse_card_qr(
            "048301004567||Lê Thị Thu Hà|01012001|Nữ|Thôn Phú Sơn, Xã Hòa Vang, Đà Nẵng|20052024|Lê Văn Bình|Trần Thị Mai|",
        )
        .expect("card");
        assert_eq!(card.old_id, None);
        assert_eq!(card.sex, Sex::Female);
        assert_eq!(card.full_name.as_str(), "Lê Thị Thu Hà");
        assert_eq!(card.issued_on.map(|d| d.iso()).as_deref(), Some("2024-05-20"));
        // decomposed diacritics (as some scanners return them) read the same
        let nfd = "048301004567||Le\u{0302} Thi\u{0323} Thu Ha\u{0300}|01012001|Nu\u{0303}|Đà Nẵng|20052024";
        assert_eq!(parse_card_qr(nfd).expect("card").sex, Sex::Female);
    }

    #[test]
    fn the_id_rules_still_apply_and_other_texts_are_refused() {
        // the century digit says male born 1900–1999, the card says female
        assert_eq!(
            parse_card_qr("048085001234||Nguyễn Văn An|12031985|Nữ|Đà Nẵng|15082021").err(),
            Some(CardQrError::CitizenId(CitizenIdError::SexCenturyMismatch))
        );
        assert_eq!(parse_card_qr("https://dichvucong.gov.vn").err(), Some(CardQrError::Format));
        assert_eq!(parse_card_qr("048085001234||Nguyễn Văn An|31021985|Nam|Đà Nẵng").err(), Some(CardQrError::BirthDate));
        assert_eq!(parse_card_qr("048085001234||Nguyễn Văn An|12031985|X|Đà Nẵng").err(), Some(CardQrError::Sex));
    }

    /// `cccd_vectors.json` is also typed, one vector after the other, into the card scan's text box by the browser
    /// journey `end2end/tests/card-scan.spec.mjs`: the parser gives the same verdicts here as in the WASM there.
    /// A verdict is the fields a form gets (birth date dd/mm/yyyy) or the kind of refusal (see `CardQrError::kind`).
    #[test]
    fn the_shared_card_vectors_get_their_verdicts() {
        let vectors: Vec<serde_json::Value> = serde_json::from_str(include_str!("cccd_vectors.json")).expect("vectors");
        let mut refusals = std::collections::BTreeSet::new();
        for vector in &vectors {
            let note = vector["note"].as_str().unwrap_or_default();
            let repeat = vector.get("repeat").and_then(serde_json::Value::as_u64).unwrap_or(1);
            let text = vector["text"].as_str().expect("text").repeat(usize::try_from(repeat).expect("repeat"));
            let verdict = &vector["verdict"];
            match (parse_card_qr(&text), verdict.as_str()) {
                (Ok(card), None) => {
                    let got = serde_json::json!({
                        "citizen_id": card.citizen_id.as_str(),
                        "full_name": card.full_name.as_str(),
                        "birth_date": card.birth_date.dmy(),
                        "sex": card.sex.as_str(),
                        "address": card.address,
                    });
                    assert_eq!(&got, verdict, "{note}");
                }
                (Err(error), Some(kind)) => {
                    assert_eq!(error.kind(), kind, "{note}");
                    refusals.insert(error.kind());
                }
                (got, _) => panic!("{note}: expected {verdict}, got {got:?}"),
            }
        }
        let every = CardQrError::ALL.map(CardQrError::kind).into_iter().collect::<std::collections::BTreeSet<_>>();
        assert_eq!(refusals, every, "every kind of refusal has a vector");
        assert!(vectors.iter().filter(|v| v["verdict"].is_object()).count() >= 10, "the card formats read");
    }
}
