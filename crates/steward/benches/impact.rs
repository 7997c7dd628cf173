//! Impact analysis on a generated graph of 10,000 CIs, 20 layers deep: median and p99 of
//! `GET /api/v1/cis/{id}/impact`'s use case from the deepest layer, next to a single-CI read
//! measured in the same run as the baseline.
//!
//! `cargo bench -p steward --bench impact` (SQLite); with
//! `STEWARD_BENCH_DATABASE_URL=postgres://…` on PostgreSQL.
use std::time::{Duration, Instant};
use steward_app::{App, Settings};
use steward_domain::Actor;
use steward_domain::delivery::ci::{CiDraft, CiStatus, CiType, RelationKind};
use steward_store::{Db, DbOptions, delivery::cis};

const LAYERS: usize = 20;
const PER_LAYER: usize = 500;
const RUNS: usize = 200;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// `fan_in` is how many CIs of the layer below each CI relies on: 2 gives a typical CMDB
/// (a failure reaches a few hundred CIs), 3 a dense one (a failure reaches most of the graph).
async fn seed(db: &Db, fan_in: usize) -> (Vec<Vec<i64>>, usize) {
    let mut relations = 0;
    let mut tx = db.begin().await.expect("begin");
    let mut layers = Vec::new();
    let now = jiff::Timestamp::now().as_microsecond();
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
            layer.push(cis::insert(tx.ex(), &draft, now).await.expect("insert").id);
        }
        layers.push(layer);
    }
    // Each CI relies on three CIs of the layer below, spread so that failures fan out.
    for l in 1..LAYERS {
        for i in 0..PER_LAYER {
            let me = layers[l][i];
            let mut below =
                [i, (i * 7 + 3) % PER_LAYER, (i * 13 + 5) % PER_LAYER][..fan_in].to_vec();
            below.sort_unstable();
            below.dedup();
            for j in below {
                cis::insert_relation(
                    tx.ex(),
                    me,
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
    tx.commit().await.expect("commit");
    db.analyze().await.expect("analyze");
    (layers, relations)
}

async fn run(url: &str, label: &str, fan_in: usize) {
    let db = Db::connect(url, &DbOptions::default())
        .await
        .expect("connect");
    db.migrate().await.expect("migrate");
    let start = Instant::now();
    let (layers, relations) = seed(&db, fan_in).await;
    let seeded = start.elapsed();
    let app = App::new(db.clone(), Settings::default());
    let actor = Actor::system("bench");

    let mut impact = Vec::with_capacity(RUNS);
    let mut baseline = Vec::with_capacity(RUNS);
    let mut reached = 0;
    let mut deepest = 0;
    for r in 0..RUNS {
        let root = layers[0][(r * 37) % PER_LAYER];
        let t = Instant::now();
        let report = app.ci_impact(&actor, root, None).await.expect("impact");
        impact.push(t.elapsed());
        reached = reached.max(report.impacted.len());
        deepest = deepest.max(report.impacted.iter().map(|i| i.depth).max().unwrap_or(0));
        let t = Instant::now();
        app.get_ci(&actor, root).await.expect("get");
        baseline.push(t.elapsed());
    }
    let mut query_only = Vec::with_capacity(RUNS);
    for r in 0..RUNS {
        let root = layers[0][(r * 37) % PER_LAYER];
        let mut conn = db.read().await.expect("conn");
        let t = Instant::now();
        cis::impact(conn.ex(), root, 64)
            .await
            .expect("impact query");
        query_only.push(t.elapsed());
    }
    query_only.sort();
    impact.sort();
    baseline.sort();
    let (m, p) = (percentile(&impact, 0.5), percentile(&impact, 0.99));
    let (bm, bp) = (percentile(&baseline, 0.5), percentile(&baseline, 0.99));
    println!(
        "{label}, fan-in {fan_in}: {} CIs, {relations} relations, seeded in {seeded:.1?}",
        LAYERS * PER_LAYER
    );
    println!("  impact from the bottom layer: up to {reached} CIs reached, {deepest} deep");
    println!("  impact  median {m:.2?}  p99 {p:.2?}  ({RUNS} runs)");
    println!(
        "  of which the recursive query alone: median {:.2?}  p99 {:.2?}",
        percentile(&query_only, 0.5),
        percentile(&query_only, 0.99)
    );
    println!("  get CI  median {bm:.2?}  p99 {bp:.2?}  (baseline, same run)");
    println!(
        "  ratio   median {:.1}x  p99 {:.1}x the baseline",
        m.as_secs_f64() / bm.as_secs_f64(),
        p.as_secs_f64() / bp.as_secs_f64()
    );
    db.close().await;
}

fn main() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        for fan_in in [2, 3] {
            let dir = std::env::temp_dir().join(format!(
                "steward-impact-bench-{}-{fan_in}",
                std::process::id()
            ));
            let _ = std::fs::remove_dir_all(&dir);
            run(
                &format!("sqlite://{}", dir.join("bench.db").display()),
                "SQLite",
                fan_in,
            )
            .await;
            let _ = std::fs::remove_dir_all(&dir);
        }
        // PostgreSQL: one database per fan-in, named after the one given.
        if let Ok(url) = std::env::var("STEWARD_BENCH_DATABASE_URL") {
            for fan_in in [2, 3] {
                run(&format!("{url}_{fan_in}"), "PostgreSQL", fan_in).await;
            }
        }
    });
}
