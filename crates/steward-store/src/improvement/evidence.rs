//! The figures the evidence map's checks look at, read from the live records: counts, and the
//! records that stop a check from being green. Availability against target is measured by the
//! use cases and added there.
use crate::service_level::slas;
use crate::{Ex, Result, on};
use jiff::civil::Date;
use steward_domain::improvement::evidence::figures::{Figures, RecordRef};
use steward_domain::improvement::opportunity::{Link, LinkKind};
use steward_domain::service_level::sla::SlaLevel;

/// The instants (µs) the figures are measured at.
pub struct When {
    pub today: Date,
    pub now: i64,
    /// Starts of the month before last, the last complete month, and this month.
    pub months: [i64; 3],
}

const DAY: i64 = 86_400_000_000;

async fn count(ex: Ex<'_>, sql: &'static str) -> Result<i64> {
    Ok(on!(ex, c => sqlx::query_scalar::<_, i64>(sql).fetch_one(c).await)?)
}

async fn count_since(ex: Ex<'_>, sql: &'static str, since: i64) -> Result<i64> {
    Ok(on!(ex, c => sqlx::query_scalar::<_, i64>(sql).bind(since).fetch_one(c).await)?)
}

async fn count_on(ex: Ex<'_>, sql: &'static str, day: &str) -> Result<i64> {
    Ok(on!(ex, c => sqlx::query_scalar::<_, i64>(sql).bind(day).fetch_one(c).await)?)
}

/// `(id, label)` rows; the query binds nothing or one text (`$1`) or one instant (`$1`).
async fn pairs(ex: Ex<'_>, sql: &'static str, bind: Bind<'_>) -> Result<Vec<(i64, String)>> {
    Ok(match bind {
        Bind::None => on!(ex, c => sqlx::query_as(sql).fetch_all(c).await)?,
        Bind::Text(t) => on!(ex, c => sqlx::query_as(sql).bind(t).fetch_all(c).await)?,
        Bind::Instant(i) => on!(ex, c => sqlx::query_as(sql).bind(i).fetch_all(c).await)?,
    })
}

enum Bind<'a> {
    None,
    Text(&'a str),
    Instant(i64),
}

fn refs(rows: Vec<(i64, String)>, href: impl Fn(i64) -> String) -> Vec<RecordRef> {
    rows.into_iter()
        .map(|(id, label)| RecordRef::new(label, href(id)))
        .collect()
}

fn service_href(id: i64) -> String {
    format!("/manage/services/{id}")
}

pub async fn figures(mut ex: Ex<'_>, w: &When) -> Result<Figures> {
    let today = w.today.to_string();
    let year_ago = w.now - 365 * DAY;
    let mut f = Figures {
        today: today.clone(),
        last_month: jiff::Timestamp::from_microsecond(w.months[1])
            .map(|t| t.strftime("%Y-%m").to_string())
            .unwrap_or_default(),
        ..Default::default()
    };

    // Services, their owners, catalogue entries, configuration items.
    let live: Vec<(i64, String, Option<i64>, Option<f64>)> = on!(ex.by_ref(), c => sqlx::query_as(
        "SELECT id, name, owner_id, availability_target_percent FROM services
         WHERE status = 'live' ORDER BY name")
        .fetch_all(c).await)?;
    let s = &mut f.services;
    s.live = live.len() as i64;
    for (id, name, owner, target) in &live {
        if owner.is_none() {
            s.without_owner
                .push(RecordRef::new(name, service_href(*id)));
        }
        if target.is_none() {
            s.without_availability_target
                .push(RecordRef::new(name, service_href(*id)));
        }
    }
    s.in_catalogue = count(
        ex.by_ref(),
        "SELECT COUNT(*) FROM catalogue_entries e JOIN services s ON s.id = e.service_id
         WHERE e.published AND s.status = 'live'",
    )
    .await?;
    s.configuration_items = count(
        ex.by_ref(),
        "SELECT COUNT(*) FROM cis WHERE status <> 'retired'",
    )
    .await?;
    s.without_continuity_plan = refs(
        pairs(
            ex.by_ref(),
            "SELECT s.id, s.name FROM services s WHERE s.status = 'live' AND NOT EXISTS (
                 SELECT 1 FROM continuity_plans p JOIN continuity_plan_versions v
                 ON v.plan_id = p.id WHERE p.service_id = s.id AND v.status = 'approved')
             ORDER BY s.name",
            Bind::None,
        )
        .await?,
        |id| format!("/manage/services/{id}/continuity"),
    );

    f.people.teams = count(ex.by_ref(), "SELECT COUNT(*) FROM teams").await?;
    f.people.team_members = count(
        ex.by_ref(),
        "SELECT COUNT(DISTINCT m.user_id) FROM team_members m JOIN users u ON u.id = m.user_id
         WHERE u.active",
    )
    .await?;

    // Service levels: what the SLA records say of themselves, then their breaches.
    let agreed: Vec<_> = slas::list(ex.by_ref(), w.today)
        .await?
        .into_iter()
        .filter(|a| a.active && a.level == SlaLevel::Sla)
        .collect();
    let sla_ref = |a: &steward_domain::service_level::sla::Sla| {
        RecordRef::new(&a.name, format!("/manage/slas/{}", a.id))
    };
    f.slas.active = agreed.len() as i64;
    for a in &agreed {
        if a.workload_limit.is_none() {
            f.slas.without_workload_limit.push(sla_ref(a));
        }
        if a.review_overdue {
            f.slas.review_overdue.push(sla_ref(a));
        }
    }
    for (id, name, ..) in &live {
        if !agreed.iter().any(|a| a.service_id == Some(*id)) {
            f.services
                .without_sla
                .push(RecordRef::new(name, service_href(*id)));
        }
    }
    let before =
        crate::improvement::improvements::sla_breaches(ex.by_ref(), w.months[0], w.months[1])
            .await?;
    let last =
        crate::improvement::improvements::sla_breaches(ex.by_ref(), w.months[1], w.months[2])
            .await?;
    let breached = |rows: &[(i64, i64, i64)], id: i64| rows.iter().any(|r| r.0 == id && r.2 > 0);
    let improved = improved_slas(ex.by_ref()).await?;
    for a in &agreed {
        if breached(&before, a.id) && breached(&last, a.id) && !improved.contains(&a.id) {
            f.slas.repeatedly_breached_unimproved.push(sla_ref(a));
        }
    }

    f.suppliers.active = count(
        ex.by_ref(),
        "SELECT COUNT(*) FROM suppliers WHERE status = 'active'",
    )
    .await?;
    f.suppliers.without_contract = pairs(
        ex.by_ref(),
        "SELECT s.id, s.name FROM suppliers s WHERE s.status = 'active' AND NOT EXISTS (
             SELECT 1 FROM agreements a WHERE a.supplier_id = s.id
             AND a.kind = 'underpinning_contract' AND a.status = 'active')
         ORDER BY s.name",
        Bind::None,
    )
    .await?
    .into_iter()
    .map(|(_, name)| RecordRef {
        label: name,
        href: None,
    })
    .collect();

    let r = &mut f.relationships;
    r.surveys_answered = count_since(
        ex.by_ref(),
        "SELECT COUNT(*) FROM satisfaction_surveys WHERE answered_at >= $1",
        year_ago,
    )
    .await?;
    r.complaints = count(ex.by_ref(), "SELECT COUNT(*) FROM complaints").await?;
    r.complaints_open_long = pairs(
        ex.by_ref(),
        "SELECT id, number || ' ' || title FROM complaints
         WHERE status IN ('new', 'investigating') AND created_at < $1 ORDER BY created_at",
        Bind::Instant(w.now - 30 * DAY),
    )
    .await?
    .into_iter()
    .map(|(_, label)| RecordRef { label, href: None })
    .collect();

    let t = &mut f.resolution;
    t.incidents = count(
        ex.by_ref(),
        "SELECT COUNT(*) FROM tickets WHERE kind = 'incident'",
    )
    .await?;
    t.requests = count(
        ex.by_ref(),
        "SELECT COUNT(*) FROM tickets WHERE kind = 'request'",
    )
    .await?;
    t.problems = count(
        ex.by_ref(),
        "SELECT COUNT(*) FROM tickets WHERE kind = 'problem'",
    )
    .await?;
    t.known_errors = count(
        ex.by_ref(),
        "SELECT COUNT(*) FROM tickets WHERE kind = 'problem' AND known_error_number IS NOT NULL",
    )
    .await?;
    t.majors_unreviewed = refs(
        pairs(
            ex.by_ref(),
            "SELECT id, number FROM tickets WHERE kind = 'incident' AND major
             AND status IN ('resolved', 'closed')
             AND (post_incident_review IS NULL OR post_incident_review = '') ORDER BY id",
            Bind::None,
        )
        .await?,
        |id| format!("/incidents/{id}"),
    );
    t.problems_without_cause = refs(
        pairs(
            ex.by_ref(),
            "SELECT id, number FROM tickets WHERE kind = 'problem'
             AND status IN ('resolved', 'closed')
             AND (root_cause IS NULL OR root_cause = '') ORDER BY id",
            Bind::None,
        )
        .await?,
        |id| format!("/problems/{id}"),
    );

    // Changes and releases (8.5).
    let ch = &mut f.changes;
    ch.changes = count(ex.by_ref(), "SELECT COUNT(*) FROM changes").await?;
    ch.closed_last_year = count_since(
        ex.by_ref(),
        "SELECT COUNT(*) FROM changes WHERE status = 'closed' AND closed_at >= $1",
        year_ago,
    )
    .await?;
    ch.unsuccessful_last_year = count_since(
        ex.by_ref(),
        "SELECT COUNT(*) FROM changes WHERE status = 'closed' AND closed_at >= $1
         AND outcome IN ('failed', 'backed_out')",
        year_ago,
    )
    .await?;
    ch.overrunning = refs(
        pairs(
            ex.by_ref(),
            "SELECT id, number FROM changes WHERE status IN ('scheduled', 'implementing')
             AND planned_end < $1 ORDER BY planned_end, id",
            Bind::Instant(w.now),
        )
        .await?,
        |id| format!("/manage/changes/{id}/view"),
    );
    // Major: a new or removed service, or major impact (the change policy's criteria).
    ch.major_designed = count(
        ex.by_ref(),
        "SELECT COUNT(*) FROM changes c JOIN change_designs d ON d.change_id = c.id
         WHERE c.service_change <> 'none' OR c.impact = 'major'",
    )
    .await?;
    ch.major_undesigned = refs(
        pairs(
            ex.by_ref(),
            "SELECT c.id, c.number FROM changes c
             WHERE c.status IN ('authorized', 'scheduled', 'implementing', 'review', 'closed')
             AND NOT EXISTS (SELECT 1 FROM change_designs d WHERE d.change_id = c.id)
             AND (c.service_change <> 'none' OR c.impact = 'major') ORDER BY c.id",
            Bind::None,
        )
        .await?,
        |id| format!("/manage/changes/{id}/view"),
    );
    ch.releases = count(ex.by_ref(), "SELECT COUNT(*) FROM releases").await?;
    ch.deployed_last_year = count_since(
        ex.by_ref(),
        "SELECT COUNT(DISTINCT d.release_id) FROM deployments d
         JOIN release_environments e ON e.id = d.environment_id
         WHERE e.production AND d.result = 'successful' AND d.actual_at >= $1",
        year_ago,
    )
    .await?;
    ch.releases_late = refs(
        pairs(
            ex.by_ref(),
            "SELECT id, number FROM releases
             WHERE status IN ('planning', 'build', 'testing', 'accepted') AND planned_date < $1
             ORDER BY planned_date, id",
            Bind::Text(&today),
        )
        .await?,
        |id| format!("/manage/releases/{id}/view"),
    );

    // Continuity: each plan's approved version against its last test.
    let plans: Vec<(i64, i64, String, i64, Option<String>)> = on!(ex.by_ref(), c => sqlx::query_as(
        "SELECT p.id, p.service_id, v.title, v.test_interval_days,
         (SELECT MAX(t.tested_on) FROM continuity_tests t WHERE t.plan_id = p.id)
         FROM continuity_plans p JOIN continuity_plan_versions v ON v.plan_id = p.id
         WHERE v.status = 'approved' ORDER BY v.title")
        .fetch_all(c).await)?;
    f.continuity.approved_plans = plans.len() as i64;
    for (plan, service, title, interval, tested) in plans {
        let current = tested
            .and_then(|d| d.parse::<Date>().ok())
            .and_then(|d| d.checked_add(jiff::Span::new().days(interval)).ok())
            .is_some_and(|due| due >= w.today);
        if !current {
            f.continuity.untested.push(RecordRef::new(
                title,
                format!("/manage/services/{service}/continuity/{plan}"),
            ));
        }
    }

    f.reporting.definitions = count(ex.by_ref(), "SELECT COUNT(*) FROM report_definitions").await?;
    f.reporting.recent_snapshots = count_since(
        ex.by_ref(),
        "SELECT COUNT(*) FROM report_snapshots WHERE generated_at >= $1",
        w.now - 40 * DAY,
    )
    .await?;

    // Internal audits.
    let programme: Option<(i64, String)> = on!(ex.by_ref(), c => sqlx::query_as(
        "SELECT id, title FROM audit_programmes WHERE period_from <= $1 AND period_to >= $1
         ORDER BY period_from DESC, id DESC LIMIT 1")
        .bind(&today).fetch_optional(c).await)?;
    if let Some((id, title)) = programme {
        f.audits.planned_in_programme = on!(ex.by_ref(), c => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM audits WHERE programme_id = $1")
            .bind(id).fetch_one(c).await)?;
        f.audits.current_programme = Some(RecordRef::new(
            title,
            format!("/manage/audits?programme={id}"),
        ));
    }
    let year_before = w
        .today
        .checked_sub(jiff::Span::new().days(365))
        .map(|d| d.to_string())
        .unwrap_or_default();
    f.audits.completed_last_year = count_on(
        ex.by_ref(),
        "SELECT COUNT(*) FROM audits WHERE status = 'completed' AND planned_on >= $1",
        &year_before,
    )
    .await?;
    f.audits.overdue = refs(
        pairs(
            ex.by_ref(),
            "SELECT id, title FROM audits WHERE status <> 'completed' AND planned_on < $1
             ORDER BY planned_on",
            Bind::Text(&today),
        )
        .await?,
        |id| format!("/manage/audits/{id}"),
    );

    f.reviews.reviews = count(ex.by_ref(), "SELECT COUNT(*) FROM management_reviews").await?;
    let held: Option<i64> = on!(ex.by_ref(), c => sqlx::query_scalar(
        "SELECT MAX(frozen_at) FROM review_packs").fetch_one(c).await)?;
    if let Some(at) = held {
        let day = jiff::Timestamp::from_microsecond(at)
            .map(|t| t.to_zoned_datetime(jiff::tz::TimeZone::UTC).date())
            .unwrap_or(w.today);
        f.reviews.last_held_on = Some(day.to_string());
        f.reviews.days_since_last = Some((w.now - at) / DAY);
    }

    let n = &mut f.corrective;
    n.nonconformities = count(ex.by_ref(), "SELECT COUNT(*) FROM nonconformities").await?;
    n.closed_without_check = refs(
        pairs(
            ex.by_ref(),
            "SELECT id, number FROM nonconformities WHERE status = 'closed'
             AND check_effective IS NULL ORDER BY id",
            Bind::None,
        )
        .await?,
        |id| format!("/manage/nonconformities/{id}"),
    );
    let actions: Vec<(i64, String, String)> = on!(ex.by_ref(), c => sqlx::query_as(
        "SELECT n.id, n.number, a.description FROM nonconformity_actions a
         JOIN nonconformities n ON n.id = a.nonconformity_id
         WHERE a.status = 'open' AND a.due_on < $1 ORDER BY a.due_on")
        .bind(&today).fetch_all(c).await)?;
    n.actions_overdue = actions
        .into_iter()
        .map(|(id, number, what)| {
            RecordRef::new(
                format!("{number}: {what}"),
                format!("/manage/nonconformities/{id}"),
            )
        })
        .collect();

    let i = &mut f.improvements;
    i.total = count(ex.by_ref(), "SELECT COUNT(*) FROM improvements").await?;
    let improvement = |rows: Vec<(i64, String)>| {
        rows.into_iter()
            .map(|(id, title)| {
                RecordRef::new(
                    format!("IMP-{id:06} {title}"),
                    format!("/manage/improvements/{id}"),
                )
            })
            .collect::<Vec<_>>()
    };
    i.overdue = improvement(
        pairs(
            ex.by_ref(),
            "SELECT id, title FROM improvements WHERE status = 'approved' AND due_date < $1
             ORDER BY due_date",
            Bind::Text(&today),
        )
        .await?,
    );
    i.unmeasured = improvement(
        pairs(
            ex.by_ref(),
            "SELECT id, title FROM improvements WHERE status = 'implemented'
             AND measurement IS NULL ORDER BY id",
            Bind::None,
        )
        .await?,
    );
    f.documents = crate::improvement::documents::conformity_figures(ex.by_ref(), &today).await?;
    f.system = crate::improvement::system::conformity_figures(ex.by_ref(), &today).await?;
    Ok(f)
}

/// The SLAs some improvement opportunity concerns: raised from the SLA's breaches (its
/// `sla:{id}:{month}` key) or linked to it by hand; one read for every SLA.
async fn improved_slas(ex: Ex<'_>) -> Result<std::collections::BTreeSet<i64>> {
    let rows: Vec<(Option<String>, String)> = on!(ex, c => sqlx::query_as(
        "SELECT source_key, links FROM improvements
         WHERE source_key LIKE 'sla:%' OR links LIKE '%\"sla\"%'")
        .fetch_all(c).await)?;
    let mut ids = std::collections::BTreeSet::new();
    for (key, links) in rows {
        if let Some(id) = key
            .as_deref()
            .and_then(|k| k.strip_prefix("sla:"))
            .and_then(|k| k.split(':').next())
            .and_then(|id| id.parse().ok())
        {
            ids.insert(id);
        }
        let links: Vec<Link> = serde_json::from_str(&links)
            .map_err(|e| crate::StoreError::Corrupt(format!("improvement links: {e}")))?;
        ids.extend(
            links
                .iter()
                .filter(|l| l.kind == LinkKind::Sla)
                .map(|l| l.id),
        );
    }
    Ok(ids)
}

/// Services and months with an availability investigation (`(service_id, "YYYY-MM")`).
pub async fn investigated(ex: Ex<'_>, month: &str) -> Result<Vec<i64>> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "SELECT service_id FROM availability_investigations WHERE month = $1")
        .bind(month).fetch_all(c).await)?)
}

/// One day's evidence map, as stored.
pub struct Snapshot {
    pub day: String,
    pub green: i64,
    pub amber: i64,
    pub red: i64,
    pub not_assessed: i64,
    pub taken_at: i64,
}

/// Stores the day's map unless the day already has one; true when stored.
pub async fn insert_snapshot(ex: Ex<'_>, s: &Snapshot, content: &str) -> Result<bool> {
    let done = on!(ex, c => sqlx::query(
        "INSERT INTO conformity_snapshots (day, green, amber, red, not_assessed, content, taken_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (day) DO NOTHING")
        .bind(&s.day).bind(s.green).bind(s.amber).bind(s.red).bind(s.not_assessed)
        .bind(content).bind(s.taken_at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// The most recent `limit` days, newest first.
pub async fn snapshots(ex: Ex<'_>, limit: i64) -> Result<Vec<Snapshot>> {
    let rows: Vec<(String, i64, i64, i64, i64, i64)> = on!(ex, c => sqlx::query_as(
        "SELECT day, green, amber, red, not_assessed, taken_at FROM conformity_snapshots
         ORDER BY day DESC LIMIT $1")
        .bind(limit).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(
            |(day, green, amber, red, not_assessed, taken_at)| Snapshot {
                day,
                green,
                amber,
                red,
                not_assessed,
                taken_at,
            },
        )
        .collect())
}
