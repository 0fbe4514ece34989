//! `congdanso stats-generate` (and the `bench-stats` benchmark): a synthetic population (accounts with profiles in the
//! 2025-07 wards, some minors, pending and deleted accounts, households, documents, QR checks and team
//! registrations), written through the same tables and events as real data, then folded into the counters; the
//! benchmark prints the load rate, the fold rate and the city dashboard's latency next to one direct count.
use serde_json::{Value, json};

use std::time::Instant;
use crate::db::Db;
use crate::identity::domain::Date;
use crate::units::UnitsVersion;
use crate::units::service::UnitDirectory;

/// A small, fast, deterministic generator (SplitMix64): the same seed gives the same population.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True with probability `percent` %.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const GIVEN: [&str; 8] = ["Lan", "Hùng", "Mai", "Dũng", "Hoa", "Tuấn", "Thảo", "Phúc"];
const FAMILY: [&str; 6] = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ"];

/// Rows per INSERT.
const BATCH: u64 = 1000;

/// Writes `count` synthetic citizens (ids `g` + a number from `first`) with their profiles, households,
/// documents, QR checks (this month) and team registrations; `now` is the time they are written at.
pub async fn generate(db: &Db, units: &UnitDirectory, first: u64, count: u64, seed: u64, now: i64) -> Result<(), String> {
    let wards: Vec<String> = units.search("", UnitsVersion::CURRENT).into_iter().map(|u| u.code).collect();
    if wards.is_empty() {
        return Err("no 2025-07 units loaded".into());
    }
    let mut rng = Rng(seed);
    let today = Date::from_unix_vietnam(now);
    let month_start = Date { day: 1, ..today }.start_unix_vietnam();
    let mut res = db
        .query("CREATE ONLY team CONTENT { name: 'Tổ công nghệ số cộng đồng (dữ liệu thử)', ward: $ward, created_at: $now } RETURN VALUE meta::id(id)")
        .bind(("ward", wards[0].clone()))
        .bind(("now", now))
        .await
        .map_err(|e| e.to_string())?;
    let team: Option<String> = res.take(0).map_err(|e| e.to_string())?;
    let team = team.ok_or("no team")?;
    let mut start = first;
    while start < first + count {
        let end = (start + BATCH).min(first + count);
        let (mut accounts, mut profiles, mut households, mut documents, mut checks, mut assisted) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for i in start..end {
            let key = format!("g{i:08}");
            let year = 1940 + rng.below(86) as i32;
            let birth = Date::new(year, 1 + rng.below(12) as u8, 1 + rng.below(28) as u8).unwrap_or(today);
            let female = rng.chance(51);
            let century = if year >= 2000 { 2 } else { 0 } + u64::from(female);
            let name = format!("{} {} {}", FAMILY[rng.below(6) as usize], if female { "Thị" } else { "Văn" }, GIVEN[rng.below(8) as usize]);
            let status = if rng.chance(2) { "pending" } else { "active" };
            accounts.push(json!({
                "id": key,
                "phone": format!("+849{:08}", i % 100_000_000),
                "citizen_id": format!("{:03}{century}{:02}{:06}", 48 + i / 1_000_000, year % 100, i % 1_000_000),
                "full_name": name,
                "name_folded": crate::domain::text::fold(&name),
                "birth_date": birth.iso(),
                "sex": if female { "female" } else { "male" },
                "level": if rng.chance(70) { 2 } else { 1 },
                "consent_at": now,
                "created_at": now,
                "status": status,
                "purged_at": if rng.chance(1) { Value::from(now) } else { Value::Null },
            }));
            let ward = wards[rng.below(wards.len() as u64) as usize].clone();
            let moved = rng.chance(10);
            profiles.push(json!({
                "id": key,
                "current_unit": if rng.chance(4) { Value::Null } else { Value::from(ward.clone()) },
                "permanent_unit": if moved { Value::from(wards[rng.below(wards.len() as u64) as usize].clone()) } else { Value::from(ward) },
                "epayment": match rng.below(100) { 0..65 => Value::from("yes"), 65..85 => Value::from("no"), _ => Value::Null },
                "updated_at": now,
            }));
            if birth.age_on(today) >= 18 && rng.chance(35) {
                households.push(json!({ "address": format!("{:010}", 1_000_000_000 + i), "head": key, "created_at": now }));
            }
            for n in 0..rng.below(3) {
                documents.push(json!({
                    "owner": key, "kind": "cccd", "title": "Căn cước công dân", "version": 1,
                    "media_type": "application/pdf", "size": 120_000, "created_at": now, "updated_at": now,
                    "deleted_at": if n == 1 && rng.chance(20) { Value::from(now) } else { Value::Null },
                }));
            }
            if rng.chance(10) {
                checks.push(json!({ "account": key, "at": month_start + rng.below(86_400) as i64, "preset": "identity", "valid": true, "via": "counter" }));
            }
            if status == "pending" || rng.chance(1) {
                let confirmed = status == "active";
                assisted.push(json!({
                    "key": key, "member": key, "team": team, "ward": wards[0],
                    "resident": key, "state": if confirmed { "confirmed" } else { "pending" },
                    "consent_at": now, "recorded_at": now, "created_at": now,
                    "confirmed_at": if confirmed { Value::from(now) } else { Value::Null },
                }));
            }
        }
        let mut res = db
            .query(
                "BEGIN TRANSACTION;
                 INSERT INTO account $accounts RETURN NONE;
                 INSERT INTO profile $profiles RETURN NONE;
                 LET $h = SELECT address, type::record('account', head) AS head, created_at FROM $households;
                 INSERT INTO household $h RETURN NONE;
                 LET $d = SELECT *, type::record('account', owner) AS owner FROM $documents;
                 INSERT INTO document $d RETURN NONE;
                 LET $q = SELECT *, type::record('account', account) AS account FROM $checks;
                 INSERT INTO qr_verification $q RETURN NONE;
                 LET $a = SELECT *, type::record('account', member) AS member, type::record('team', team) AS team,
                     type::record('account', resident) AS resident FROM $assisted;
                 INSERT INTO assisted $a RETURN NONE;
                 COMMIT TRANSACTION;",
            )
            .bind(("accounts", strip_nulls(accounts)))
            .bind(("profiles", strip_nulls(profiles)))
            .bind(("households", households))
            .bind(("documents", strip_nulls(documents)))
            .bind(("checks", checks))
            .bind(("assisted", strip_nulls(assisted)))
            .await
            .map_err(|e| e.to_string())?;
        if let Some(e) = res.take_errors().into_values().next() {
            return Err(format!("generating rows {start}..{end}: {e}"));
        }
        start = end;
    }
    Ok(())
}

/// SurrealDB's option fields take an absent value (NONE), not null.
fn strip_nulls(rows: Vec<Value>) -> Vec<Value> {
    rows.into_iter()
        .map(|mut row| {
            if let Some(map) = row.as_object_mut() {
                map.retain(|_, v| !v.is_null());
            }
            row
        })
        .collect()
}

/// `congdanso stats-generate`: adds `count` synthetic citizens to the database of this server's settings and folds
/// them (for trying the dashboards at scale; never on a real city's database).
pub async fn generate_into(db: &Db, units: &UnitDirectory, count: u64, seed: u64) -> Result<String, String> {
    let now = crate::identity::web::now();
    let mut res = db.query("RETURN count(SELECT id FROM account WHERE meta::id(id) > 'g' AND meta::id(id) < 'h')").await.map_err(|e| e.to_string())?;
    let existing: Option<i64> = res.take(0).map_err(|e| e.to_string())?;
    let first = existing.unwrap_or(0) as u64;
    let started = Instant::now();
    generate(db, units, first, count, seed.wrapping_add(first), now).await?;
    let loaded = started.elapsed();
    let started = Instant::now();
    let today = Date::from_unix_vietnam(now);
    let folded = super::service::fold_all(db, today, usize::MAX).await.map_err(|e| e.to_string())?;
    Ok(format!(
        "generated {count} citizens in {:.1} s ({:.0}/s); folded {folded} changes in {:.1} s",
        loaded.as_secs_f64(),
        count as f64 / loaded.as_secs_f64().max(1e-9),
        started.elapsed().as_secs_f64()
    ))
}
