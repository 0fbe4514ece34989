//! Administrative units of Đà Nẵng, versioned (2025-01 interim, 2025-07 in force), for pickers and statistics.
pub mod api;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;

use serde::{Deserialize, Serialize};

/// Which administrative map a unit belongs to. Codes are reused across versions, so a unit is (code, version).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum UnitsVersion {
    /// The interim map of 1 Jan – 30 Jun 2025: 47 wards/communes under 7 districts.
    #[serde(rename = "2025-01")]
    V2025_01,
    /// The map in force since 1 Jul 2025: 94 commune-level units, no districts.
    #[serde(rename = "2025-07")]
    V2025_07,
}

impl UnitsVersion {
    pub const CURRENT: UnitsVersion = UnitsVersion::V2025_07;
    pub const ALL: [UnitsVersion; 2] = [UnitsVersion::V2025_01, UnitsVersion::V2025_07];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitsVersion::V2025_01 => "2025-01",
            UnitsVersion::V2025_07 => "2025-07",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Commune-level unit kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// Phường (urban ward)
    Ward,
    /// Xã (rural commune)
    Commune,
    /// Đặc khu (special zone: Hoàng Sa)
    SpecialZone,
}

impl UnitKind {
    /// From the Vietnamese kind word of the seed data, or the prefix of a unit's name.
    pub fn from_vietnamese(word: &str) -> Option<Self> {
        match crate::domain::text::fold(word).as_str() {
            "phuong" => Some(UnitKind::Ward),
            "xa" => Some(UnitKind::Commune),
            "dac khu" => Some(UnitKind::SpecialZone),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminUnit {
    /// National statistics code, e.g. "20242".
    pub code: String,
    pub version: UnitsVersion,
    /// Official name with its kind, e.g. "Phường Hải Châu".
    pub name: String,
    pub kind: UnitKind,
    /// The district it belonged to (2025-01 only; the district level no longer exists).
    pub district: Option<String>,
}

/// A search over the units of one version; an empty query lists them all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitQuery {
    pub q: String,
    pub version: Option<UnitsVersion>,
}

/// Units whose name (or code) matches every word of the query, ignoring case and diacritics.
/// Names starting with the query come first, then the rest in alphabetical order of their folded names.
pub fn filter_units<'a>(units: &'a [AdminUnit], query: &str, version: UnitsVersion) -> Vec<&'a AdminUnit> {
    let folded = crate::domain::text::fold(query);
    let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    let mut hits: Vec<(bool, String, &AdminUnit)> = units
        .iter()
        .filter(|u| u.version == version)
        .filter_map(|u| {
            let name = crate::domain::text::fold(&u.name);
            let bare = strip_kind(&name);
            let all = words.iter().all(|w| name.contains(w) || u.code.starts_with(w));
            all.then(|| (!bare.starts_with(folded.as_str()) && !name.starts_with(folded.as_str()), bare.to_owned(), u))
        })
        .collect();
    hits.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    hits.into_iter().map(|(_, _, u)| u).collect()
}

/// "phuong hai chau" -> "hai chau"
fn strip_kind(folded_name: &str) -> &str {
    for prefix in ["phuong ", "xa ", "dac khu "] {
        if let Some(rest) = folded_name.strip_prefix(prefix) {
            return rest;
        }
    }
    folded_name
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(code: &str, name: &str, version: UnitsVersion) -> AdminUnit {
        let kind = if name.starts_with("Xã") { UnitKind::Commune } else { UnitKind::Ward };
        AdminUnit { code: code.into(), version, name: name.into(), kind, district: None }
    }

    fn sample() -> Vec<AdminUnit> {
        vec![
            unit("20242", "Phường Hải Châu", UnitsVersion::V2025_07),
            unit("20195", "Phường Hải Vân", UnitsVersion::V2025_07),
            unit("20320", "Xã Hòa Vang", UnitsVersion::V2025_07),
            unit("20236", "Phường Hải Châu", UnitsVersion::V2025_01),
            unit("20257", "Phường Hòa Cường", UnitsVersion::V2025_07),
        ]
    }

    #[test]
    fn search_without_diacritics_finds_the_unit() {
        let units = sample();
        let hits = filter_units(&units, "hai chau", UnitsVersion::V2025_07);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].name, "Phường Hải Châu");
        assert_eq!(hits[0].code, "20242");
    }

    #[test]
    fn search_is_scoped_to_one_version() {
        let units = sample();
        let hits = filter_units(&units, "Hải Châu", UnitsVersion::V2025_01);
        assert_eq!(hits.iter().map(|u| u.code.as_str()).collect::<Vec<_>>(), ["20236"]);
    }

    #[test]
    fn prefix_matches_come_first_and_words_may_be_in_any_order() {
        let units = sample();
        let hits = filter_units(&units, "hoa", UnitsVersion::V2025_07);
        let names: Vec<_> = hits.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["Phường Hòa Cường", "Xã Hòa Vang"]);
        let hits = filter_units(&units, "van hai", UnitsVersion::V2025_07);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].name, "Phường Hải Vân");
    }

    #[test]
    fn empty_query_lists_every_unit_of_the_version_and_codes_match() {
        let units = sample();
        assert_eq!(filter_units(&units, "  ", UnitsVersion::V2025_07).len(), 4);
        assert_eq!(filter_units(&units, "2032", UnitsVersion::V2025_07)[0].name, "Xã Hòa Vang");
    }

    #[test]
    fn kinds_parse_from_vietnamese_words() {
        assert_eq!(UnitKind::from_vietnamese("phường"), Some(UnitKind::Ward));
        assert_eq!(UnitKind::from_vietnamese("xã"), Some(UnitKind::Commune));
        assert_eq!(UnitKind::from_vietnamese("đặc khu"), Some(UnitKind::SpecialZone));
        assert_eq!(UnitKind::from_vietnamese("quận"), None);
    }
}
