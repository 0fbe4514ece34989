//! Seeds the administrative units from `schema/seed/*.tsv` (reloaded only when the files change) and keeps
//! them in memory for pickers: 141 small rows that every form needs, read once, never per request.
use std::sync::Arc;

use serde::Serialize;

use super::{AdminUnit, UnitKind, UnitsVersion, filter_units};
use crate::db::{Db, DbError, fnv1a_hex};
use crate::domain::text::fold;

const UNITS_2025_07: &str = include_str!("../../schema/seed/danang-units-2025-07.tsv");
const UNITS_2025_01: &str = include_str!("../../schema/seed/danang-units-2025-01.tsv");
const MAPPING: &str = include_str!("../../schema/seed/danang-units-mapping-2025-01-to-2025-07.tsv");

#[derive(Debug, Clone, PartialEq, Serialize)]
struct UnitRow {
    code: String,
    version: UnitsVersion,
    name: String,
    name_folded: String,
    kind: UnitKind,
    /// Absent (NONE), not null: SurrealDB's `option<string>` refuses NULL.
    #[serde(skip_serializing_if = "Option::is_none")]
    district: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct MappingRow {
    from: String,
    to: String,
    share: String,
    confirmed: bool,
}

/// The seed files, parsed. Fails on any malformed line, naming it.
fn parse_seed() -> Result<(Vec<UnitRow>, Vec<MappingRow>), String> {
    let mut units = Vec::new();
    for (n, line) in UNITS_2025_07.lines().enumerate().skip(1).filter(|(_, l)| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [code, kind, name] = cols[..] else {
            return Err(format!("danang-units-2025-07.tsv line {}: expected 3 columns", n + 1));
        };
        let kind = UnitKind::from_vietnamese(kind)
            .ok_or_else(|| format!("danang-units-2025-07.tsv line {}: unknown kind {kind}", n + 1))?;
        units.push(row(code, UnitsVersion::V2025_07, name, kind, None));
    }
    for (n, line) in UNITS_2025_01.lines().enumerate().skip(1).filter(|(_, l)| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [_district_code, district, code, name] = cols[..] else {
            return Err(format!("danang-units-2025-01.tsv line {}: expected 4 columns", n + 1));
        };
        let kind_word = if name.starts_with("Xã") { "xã" } else { "phường" };
        let kind = UnitKind::from_vietnamese(kind_word).unwrap_or(UnitKind::Ward);
        units.push(row(code, UnitsVersion::V2025_01, name, kind, Some(district.to_owned())));
    }
    let mut mapping = Vec::new();
    for (n, line) in MAPPING.lines().enumerate().skip(1).filter(|(_, l)| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [from, _from_name, to, _to_name, share, confirmed] = cols[..] else {
            return Err(format!("mapping line {}: expected 6 columns", n + 1));
        };
        mapping.push(MappingRow {
            from: from.to_owned(),
            to: to.to_owned(),
            share: share.to_owned(),
            confirmed: confirmed == "yes",
        });
    }
    Ok((units, mapping))
}

fn row(code: &str, version: UnitsVersion, name: &str, kind: UnitKind, district: Option<String>) -> UnitRow {
    UnitRow {
        code: code.trim().to_owned(),
        version,
        name: name.trim().to_owned(),
        name_folded: fold(name),
        kind,
        district,
    }
}

/// Loads the seed into the database unless the same files are already loaded. Returns whether it wrote.
pub async fn seed(db: &Db) -> Result<bool, DbError> {
    let checksum = fnv1a_hex(format!("{UNITS_2025_07}\u{0}{UNITS_2025_01}\u{0}{MAPPING}").as_bytes());
    let mut res = db.query("SELECT VALUE checksum FROM ONLY seed:admin_units").await?;
    if res.take::<Option<String>>(0)?.as_deref() == Some(checksum.as_str()) {
        return Ok(false);
    }
    let (units, mapping) = parse_seed().map_err(|cause| DbError::Migration { name: "seed/admin_units", cause })?;
    let units = serde_json::to_value(&units).map_err(|e| DbError::Connect(e.to_string()))?;
    let mapping = serde_json::to_value(&mapping).map_err(|e| DbError::Connect(e.to_string()))?;
    db.query(
        "BEGIN TRANSACTION;
         FOR $u IN $units {
             UPSERT type::record('admin_unit', [$u.code, $u.version]) CONTENT $u;
         };
         DELETE became;
         FOR $m IN $mapping {
             LET $from = type::record('admin_unit', [$m.from, '2025-01']);
             LET $to = type::record('admin_unit', [$m.to, '2025-07']);
             RELATE $from->became->$to SET share = $m.share, confirmed = $m.confirmed;
         };
         UPSERT seed:admin_units SET checksum = $checksum, applied_at = time::now();
         COMMIT TRANSACTION;",
    )
    .bind(("units", units))
    .bind(("mapping", mapping))
    .bind(("checksum", checksum))
    .await?
    .check()?;
    Ok(true)
}

/// All units, read from the database once at start-up (after [`seed`]).
#[derive(Debug, Clone, Default)]
pub struct UnitDirectory {
    units: Arc<Vec<AdminUnit>>,
}

impl UnitDirectory {
    pub async fn load(db: &Db) -> Result<Self, DbError> {
        let mut res = db
            .query("SELECT code, version, name, kind, district FROM admin_unit ORDER BY version, name_folded")
            .await?;
        let rows: Vec<serde_json::Value> = res.take(0)?;
        let units = rows
            .into_iter()
            .map(serde_json::from_value::<AdminUnit>)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| DbError::Migration { name: "admin_unit rows", cause: e.to_string() })?;
        Ok(UnitDirectory { units: Arc::new(units) })
    }

    pub fn search(&self, query: &str, version: UnitsVersion) -> Vec<AdminUnit> {
        filter_units(&self.units, query, version).into_iter().cloned().collect()
    }

    pub fn get(&self, code: &str, version: UnitsVersion) -> Option<&AdminUnit> {
        self.units.iter().find(|u| u.code == code && u.version == version)
    }

    pub fn count(&self, version: UnitsVersion) -> usize {
        self.units.iter().filter(|u| u.version == version).count()
    }
}

/// The 2025-07 units that a former (2025-01) unit's area went to, with "part" when it was split.
pub async fn successors(db: &Db, code: &str) -> Result<Vec<(String, String)>, DbError> {
    let mut res = db
        .query(
            "SELECT out.code AS code, share FROM became
             WHERE in = type::record('admin_unit', [$code, '2025-01']) ORDER BY code",
        )
        .bind(("code", code.to_owned()))
        .await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    Ok(rows
        .iter()
        .map(|r| {
            (r["code"].as_str().unwrap_or_default().to_owned(), r["share"].as_str().unwrap_or_default().to_owned())
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::connect_memory;

    #[test]
    fn seed_files_parse_into_94_and_47_units_and_47_mappings() {
        let (units, mapping) = parse_seed().expect("seed parses");
        let current = units.iter().filter(|u| u.version == UnitsVersion::V2025_07).count();
        let interim = units.iter().filter(|u| u.version == UnitsVersion::V2025_01).count();
        assert_eq!((current, interim), (94, 47));
        assert_eq!(mapping.len(), 47);
        let kinds = |k| units.iter().filter(|u| u.version == UnitsVersion::V2025_07 && u.kind == k).count();
        assert_eq!((kinds(UnitKind::Ward), kinds(UnitKind::Commune), kinds(UnitKind::SpecialZone)), (23, 70, 1));
        // every mapping row names units that exist in their versions
        for m in &mapping {
            assert!(units.iter().any(|u| u.code == m.from && u.version == UnitsVersion::V2025_01), "{m:?}");
            assert!(units.iter().any(|u| u.code == m.to && u.version == UnitsVersion::V2025_07), "{m:?}");
        }
    }

    #[tokio::test]
    async fn seeding_loads_every_unit_once_and_reseeding_changes_nothing() {
        let db = connect_memory().await.expect("db");
        assert!(seed(&db).await.expect("seed"));
        assert!(!seed(&db).await.expect("second seed"), "unchanged files must not be reloaded");
        let directory = UnitDirectory::load(&db).await.expect("load");
        assert_eq!(directory.count(UnitsVersion::V2025_07), 94);
        assert_eq!(directory.count(UnitsVersion::V2025_01), 47);
        let mut res = db.query("SELECT count() FROM became GROUP ALL").await.expect("count");
        assert_eq!(res.take::<Option<i64>>((0, "count")).expect("count"), Some(47));
    }

    #[tokio::test]
    async fn codes_are_reused_so_a_unit_is_keyed_by_code_and_version() {
        let db = connect_memory().await.expect("db");
        seed(&db).await.expect("seed");
        let directory = UnitDirectory::load(&db).await.expect("load");
        assert_eq!(directory.get("20242", UnitsVersion::V2025_07).map(|u| u.name.as_str()), Some("Phường Hải Châu"));
        assert_eq!(directory.get("20242", UnitsVersion::V2025_01).map(|u| u.name.as_str()), Some("Phường Phước Ninh"));
        let hits = directory.search("hai chau", UnitsVersion::V2025_07);
        assert_eq!(hits.first().map(|u| u.code.as_str()), Some("20242"));
    }

    #[tokio::test]
    async fn former_units_map_onto_the_current_ones() {
        let db = connect_memory().await.expect("db");
        seed(&db).await.expect("seed");
        // the former Phường Thạch Thang is now part of Phường Hải Châu
        assert_eq!(successors(&db, "20233").await.expect("map"), [("20242".to_owned(), "whole".to_owned())]);
        assert_eq!(successors(&db, "20296").await.expect("map"), [("20197".to_owned(), "part".to_owned())]);
    }
}
