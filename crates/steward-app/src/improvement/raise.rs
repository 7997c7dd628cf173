//! Opportunities raised by the records themselves: for the last complete calendar month
//! (UTC), each live service that missed its availability target and each SLA with breached
//! targets raises one opportunity, keyed by service or SLA and month, so it is raised once
//! however often the scan runs and on however many nodes (a lease keeps the scan on one node;
//! the unique key settles any race).
use crate::improvement::improvements::day_start;
use crate::{App, Result};
use jiff::ToSpan;
use jiff::tz::TimeZone;
use steward_domain::Actor;
use steward_domain::delivery::service::ServiceStatus;
use steward_domain::foundation::page::PageRequest;
use steward_domain::improvement::opportunity::{
    Link, LinkKind, Metric, Opportunity, OpportunitySource, OpportunityStatus,
};
use steward_store::delivery::services;
use steward_store::foundation::leases;
use steward_store::improvement::improvements;

const LEASE: &str = "improvement-scan";

/// A proposed opportunity raised by Steward under `key` (raised once per key), linked to
/// `links`.
pub(crate) fn raised_opportunity(
    title: String,
    description: String,
    source: OpportunitySource,
    key: String,
    links: Vec<Link>,
) -> Opportunity {
    Opportunity {
        links,
        ..raised(title, description, source, key)
    }
}

fn raised(
    title: String,
    description: String,
    source: OpportunitySource,
    key: String,
) -> Opportunity {
    Opportunity {
        id: 0,
        number: String::new(),
        title,
        description: Some(description),
        source,
        source_key: Some(key),
        status: OpportunityStatus::Proposed,
        scores: Default::default(),
        score: None,
        decision_reason: None,
        decided_by: None,
        decided_at: None,
        owner_id: None,
        objective: None,
        metric: None,
        target_value: None,
        due_date: None,
        links: Vec::new(),
        measurement: None,
        created_at: String::new(),
        updated_at: String::new(),
    }
}

impl App {
    /// Raises the opportunities the last complete month calls for; returns how many were new,
    /// or None when another node holds the scan.
    pub async fn raise_improvements(&self, node: &str) -> Result<Option<u64>> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if !leases::try_acquire(tx.ex(), LEASE, node, now, now + 600_000_000).await? {
            tx.commit().await?;
            return Ok(None);
        }
        tx.commit().await?;
        let actor = Actor::system("improvement");
        let today = jiff::Timestamp::from_microsecond(now)
            .map_err(|e| crate::AppError::Internal(e.to_string()))?
            .to_zoned_datetime(TimeZone::UTC)
            .date();
        let this_month = today.first_of_month();
        let last_month = this_month
            .checked_sub(1.month())
            .map_err(|e| crate::AppError::Internal(e.to_string()))?;
        let label = last_month.strftime("%Y-%m").to_string();
        let (from, to) = (day_start(last_month)?, day_start(this_month)?);
        let mut count = 0;

        let live = services::Filter {
            status: Some(ServiceStatus::Live),
            ..Default::default()
        };
        let page = PageRequest {
            limit: 10_000,
            offset: 0,
        };
        // Every live service measured from one read of the outages, as the report does.
        let measured = {
            let mut conn = self.db.read().await?;
            let mut ex = conn.ex();
            let list = services::list(ex.by_ref(), &live, page).await?.0;
            let inputs = crate::assurance::report::Inputs::load(ex, from, to).await?;
            list.into_iter()
                .filter(|s| s.availability_target_percent.is_some())
                .map(|s| inputs.measure(&s, (from, to), now).map(|f| (s, f)))
                .collect::<Result<Vec<_>>>()?
        };
        for (s, figures) in &measured {
            let (Some(false), Some(p), Some(t)) = (
                figures.met,
                figures.availability_percent,
                figures.target_percent,
            ) else {
                continue;
            };
            let mut o = raised(
                format!("{} missed its availability target in {label}", s.name),
                format!(
                    "Availability {p} % against a target of {t} %: {} s of downtime in {} s of agreed time, {} interruptions. Raised by Steward from the service's outages.",
                    figures.downtime_seconds, figures.agreed_seconds, figures.outage_count
                ),
                OpportunitySource::MissedAvailability,
                format!("availability:{}:{label}", s.id),
            );
            o.links = vec![Link {
                kind: LinkKind::Service,
                id: s.id,
            }];
            o.metric = Some(Metric::Availability);
            o.target_value = Some(t);
            let mut tx = self.db.begin().await?;
            if self
                .insert_improvement(&mut tx, &actor, &o, now)
                .await?
                .is_some()
            {
                count += 1;
            }
            tx.commit().await?;
        }

        let breaches = {
            let mut conn = self.db.read().await?;
            improvements::sla_breaches(conn.ex(), from, to).await?
        };
        for (sla_id, records, breached) in breaches.into_iter().filter(|b| b.2 > 0) {
            let mut tx = self.db.begin().await?;
            let name = steward_store::service_level::slas::get(tx.ex(), sla_id, self.today())
                .await?
                .map_or_else(|| format!("SLA {sla_id}"), |s| s.name);
            let mut o = raised(
                format!("{name}: targets breached in {label}"),
                format!(
                    "{breached} of the {records} records opened under {name} in {label} breached a response or resolution target. Raised by Steward from the SLA clocks."
                ),
                OpportunitySource::SlaBreach,
                format!("sla:{sla_id}:{label}"),
            );
            o.links = vec![Link {
                kind: LinkKind::Sla,
                id: sla_id,
            }];
            o.metric = Some(Metric::SlaCompliance);
            if self
                .insert_improvement(&mut tx, &actor, &o, now)
                .await?
                .is_some()
            {
                count += 1;
            }
            tx.commit().await?;
        }
        Ok(Some(count))
    }
}
