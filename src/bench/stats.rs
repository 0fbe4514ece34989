//! `congdanso-bench bench-stats`: a fresh embedded database, a synthetic population (`stats::generate`), then the
//! load rate, the fold rate and the city dashboard's latency next to one direct count.
use std::time::Instant;

use serde_json::Value;

use crate::identity::domain::Date;
use crate::stats::domain::Month;
use crate::stats::generate::generate;
use crate::units::service::UnitDirectory;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted.get(((sorted.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or(0.0)
}

/// `congdanso bench-stats`: a fresh embedded database in `dir`, `count` citizens, then the figures.
pub async fn run(dir: &std::path::Path, count: u64) -> Result<String, String> {
    let (db, _, _, now) = super::scratch(dir, "bench-stats-db").await?;
    let units = UnitDirectory::load(&db).await.map_err(|e| e.to_string())?;
    let started = Instant::now();
    generate(&db, &units, 0, count, 7, now).await?;
    let load = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let today = Date::from_unix_vietnam(now);
    let folded = crate::stats::service::fold_all(&db, today, usize::MAX).await.map_err(|e| e.to_string())?;
    let fold = started.elapsed().as_secs_f64();
    let month = Month::of(today);
    let mut times = Vec::new();
    let mut accounts = 0;
    for _ in 0..50 {
        let t = Instant::now();
        let (rows, unknown, _) = crate::stats::service::live(&db, &units, month).await.map_err(|e| e.to_string())?;
        let total = crate::stats::Figures::total(rows.iter().map(|r| &r.figures).chain([&unknown]));
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        accounts = total.accounts();
    }
    times.sort_by(f64::total_cmp);
    let t = Instant::now();
    let mut res = db.query("SELECT count() FROM account WHERE status = 'active' AND purged_at = NONE GROUP ALL").await.map_err(|e| e.to_string())?;
    let direct: Vec<Value> = res.take(0).map_err(|e| e.to_string())?;
    let scan = t.elapsed().as_secs_f64() * 1000.0;
    let direct = direct.first().and_then(|v| v["count"].as_i64()).unwrap_or(0);
    if direct != accounts {
        return Err(format!("the dashboard counts {accounts} accounts, a direct count {direct}"));
    }
    Ok(format!(
        "Statistics ({count} synthetic citizens, embedded SurrealKV)\n\
         load                   {:.0} citizens/s ({load:.1} s, with profiles, households, documents, QR checks)\n\
         fold into counters     {:.0} changes/s ({folded} changes, {fold:.1} s)\n\
         city dashboard         p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms over 50 reads   [target < 100 ms]\n\
         one direct count       {scan:.0} ms (what every dashboard view would cost without the counters)\n\
         accounts counted       {accounts} (equal to the direct count)",
        count as f64 / load.max(1e-9),
        folded as f64 / fold.max(1e-9),
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        times.last().copied().unwrap_or(0.0),
    ))
}
