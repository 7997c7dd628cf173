//! Change conflict detection on a generated CMDB of 10,000 CIs (20 layers of 500, each CI
//! relying on two of the layer below: 19,000 relations) with 1,000 scheduled changes
//! over 30 days and a few blackout windows: median and p99 of checking one change
//! (`GET /api/v1/changes/{id}/conflicts`'s use case) and of the whole calendar
//! (`App::change_conflicts_between` over the 30 days), next to a single-change read from
//! the same run as the baseline.
//!
//! `cargo bench -p steward --bench change_conflicts` (SQLite); with
//! `STEWARD_BENCH_DATABASE_URL=postgres://…` also on PostgreSQL.
use std::time::{Duration, Instant};
use steward_app::{App, Settings};
use steward_domain::Actor;
use steward_domain::delivery::change::{ChangeDraft, ChangeStatus, ChangeType, ServiceChange};
use steward_domain::delivery::change_blackout::BlackoutDraft;
use steward_domain::delivery::change_policy::{ImpactLevel, RiskLevel};
use steward_domain::delivery::ci::{CiDraft, CiStatus, CiType, RelationKind};
use steward_store::delivery::changes::{self, Assessed};
use steward_store::{Db, DbOptions, delivery::change_blackouts, delivery::cis};

const LAYERS: usize = 20;
const PER_LAYER: usize = 500;
const CHANGES: usize = 1_000;
const DAYS: i64 = 30;
const RUNS: usize = 200;
const CALENDAR_RUNS: usize = 10;
const HOUR: i64 = 3_600_000_000;
/// 2026-06-01T00:00:00Z.
const T0: i64 = 1_780_272_000_000_000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// A small deterministic generator (no dependency): xorshift64*.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The CIs in layers and the relations (each CI relies on two of the layer below, spread
/// as in `bench/impact`), the changes, and three blackout windows of 12 hours.
async fn seed(db: &Db) -> (Vec<i64>, usize) {
    let mut tx = db.begin().await.expect("begin");
    let now = jiff::Timestamp::now().as_microsecond();
    let mut layers: Vec<Vec<i64>> = Vec::new();
    for l in 0..LAYERS {
        let mut layer = Vec::new();
        for i in 0..PER_LAYER {
            let draft = CiDraft {
                name: format!("ci-{l}-{i}"),
                ci_type: if l == 0 {
                    CiType::Server
                } else {
                    CiType::Application
                },
                status: CiStatus::Active,
                owner_id: None,
                description: None,
                attributes: serde_json::json!({"layer": l}),
            };
            layer.push(cis::insert(tx.ex(), &draft, now).await.expect("ci").id);
        }
        layers.push(layer);
    }
    let mut relations = 0;
    for l in 1..LAYERS {
        for i in 0..PER_LAYER {
            let mut below = vec![i, (i * 7 + 3) % PER_LAYER];
            below.sort_unstable();
            below.dedup();
            for j in below {
                cis::insert_relation(
                    tx.ex(),
                    layers[l][i],
                    layers[l - 1][j],
                    RelationKind::DependsOn,
                    false,
                    now,
                )
                .await
                .expect("relation");
                relations += 1;
            }
        }
    }
    let mut rng = Rng(0x5eed_cafe_f00d_0001);
    let mut ids = Vec::with_capacity(CHANGES);
    for n in 0..CHANGES {
        let start = T0 + (rng.below((DAYS * 24 * 4) as usize) as i64) * HOUR / 4;
        let end = start + (1 + rng.below(4) as i64) * HOUR;
        let mut ci_ids: Vec<i64> = (0..1 + rng.below(2))
            .map(|_| layers[rng.below(LAYERS)][rng.below(PER_LAYER)])
            .collect();
        ci_ids.sort_unstable();
        ci_ids.dedup();
        let draft = ChangeDraft {
            change_type: ChangeType::Normal,
            template_id: None,
            category: None,
            title: format!("Change {n}"),
            description: None,
            justification: None,
            service_change: ServiceChange::None,
            service_ids: Vec::new(),
            ci_ids,
            risk_answers: Vec::new(),
            implementation_plan: Some("Do it".into()),
            test_plan: Some("Check it".into()),
            backout_plan: Some("Undo it".into()),
            planned_start: Some(start),
            planned_end: Some(end),
            planned_outage: false,
        };
        let assessed = Assessed {
            impact: ImpactLevel::Low,
            impacted_services: Vec::new(),
            risk_score: 0,
            risk_level: RiskLevel::Low,
        };
        let number = changes::next_number(tx.ex()).await.expect("number");
        let id = changes::insert(tx.ex(), &number, &draft, &assessed, None, now)
            .await
            .expect("change");
        changes::set_status(tx.ex(), id, ChangeStatus::Scheduled, now)
            .await
            .expect("status");
        ids.push(id);
    }
    for day in [5, 15, 25] {
        let b = BlackoutDraft {
            name: format!("Freeze {day}"),
            start: T0 + day * 24 * HOUR,
            end: T0 + day * 24 * HOUR + 12 * HOUR,
            service_ids: Vec::new(),
            reason: None,
        };
        change_blackouts::insert(tx.ex(), &b, now)
            .await
            .expect("blackout");
    }
    tx.commit().await.expect("commit");
    db.analyze().await.expect("analyze");
    (ids, relations)
}

async fn run(url: &str, label: &str) {
    let db = Db::connect(url, &DbOptions::default())
        .await
        .expect("connect");
    db.migrate().await.expect("migrate");
    let start = Instant::now();
    let (ids, relations) = seed(&db).await;
    let seeded = start.elapsed();
    let app = App::new(db.clone(), Settings::default());
    let actor = Actor::system("bench");

    let mut one = Vec::with_capacity(RUNS);
    let mut baseline = Vec::with_capacity(RUNS);
    let mut found = 0;
    let mut most = 0;
    for r in 0..RUNS {
        let id = ids[(r * 37) % ids.len()];
        let t = Instant::now();
        let c = app.change_conflicts(&actor, id).await.expect("conflicts");
        one.push(t.elapsed());
        found += c.len();
        most = most.max(c.len());
        let mut conn = db.read().await.expect("conn");
        let t = Instant::now();
        changes::get(conn.ex(), id)
            .await
            .expect("get")
            .expect("change");
        baseline.push(t.elapsed());
    }
    let mut calendar = Vec::with_capacity(CALENDAR_RUNS);
    let mut with = 0;
    let mut total = 0;
    for _ in 0..CALENDAR_RUNS {
        let t = Instant::now();
        let all = app
            .change_conflicts_between(&actor, T0, T0 + DAYS * 24 * HOUR)
            .await
            .expect("calendar");
        calendar.push(t.elapsed());
        with = all.len();
        total = all.iter().map(|c| c.conflicts.len()).sum::<usize>();
    }
    one.sort();
    baseline.sort();
    calendar.sort();
    let (m, p) = (percentile(&one, 0.5), percentile(&one, 0.99));
    let (bm, bp) = (percentile(&baseline, 0.5), percentile(&baseline, 0.99));
    let (cm, cx) = (percentile(&calendar, 0.5), percentile(&calendar, 1.0));
    println!(
        "{label}: {} CIs, {relations} relations, {CHANGES} scheduled changes over {DAYS} days, seeded in {seeded:.1?}",
        LAYERS * PER_LAYER
    );
    println!(
        "  one change     median {m:.2?}  p99 {p:.2?}  ({RUNS} runs; {:.1} conflicts on average, at most {most})",
        found as f64 / RUNS as f64
    );
    println!(
        "  whole calendar median {cm:.2?}  max {cx:.2?}  ({CALENDAR_RUNS} runs; {with} changes with {total} conflicts)"
    );
    println!("  change read    median {bm:.2?}  p99 {bp:.2?}  (baseline, same run)");
    println!(
        "  ratios: one change {:.1}x (median) {:.1}x (p99); calendar {:.0}x (median) the baseline median",
        m.as_secs_f64() / bm.as_secs_f64(),
        p.as_secs_f64() / bp.as_secs_f64(),
        cm.as_secs_f64() / bm.as_secs_f64()
    );
    db.close().await;
}

fn main() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let dir =
            std::env::temp_dir().join(format!("steward-conflicts-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        run(
            &format!("sqlite://{}", dir.join("bench.db").display()),
            "SQLite",
        )
        .await;
        let _ = std::fs::remove_dir_all(&dir);
        if let Ok(url) = std::env::var("STEWARD_BENCH_DATABASE_URL") {
            run(&url, "PostgreSQL").await;
        }
    });
}
