//! Audit samples: auditors, managers and administrators draw a random, reproducible sample
//! of records and read each sampled record with what caused it, what it caused, and its
//! history from the audit trail. Drawing records the sample and nothing else.
use crate::app::{change, require};
use crate::improvement::improvements::day_start;
use crate::{App, AppError, Result};
use steward_domain::improvement::opportunity::{LinkKind, Opportunity};
use steward_domain::improvement::sample::{
    LinkedKind, RecordLink, Sample, SampleDetail, SampleInput, SampleKind, SampledRecord,
    TimelineEntry, draw,
};
use steward_domain::resolution::ticket::TicketKind;
use steward_domain::{Actor, Permission};
use steward_store::Conn as ReadConn;
use steward_store::improvement::{complaints, improvements, nonconformities, samples};
use steward_store::resolution::{kinds, tickets};

/// A seed from the operating system's generator, kept below 2⁵³ so that it survives a trip
/// through JavaScript's numbers unchanged.
fn fresh_seed() -> Result<u64> {
    let seed = getrandom::u64().map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    Ok(seed >> 11)
}

fn link(
    relation: &str,
    kind: LinkedKind,
    id: i64,
    reference: impl Into<String>,
    title: impl Into<String>,
    status: Option<String>,
    depth: u8,
) -> RecordLink {
    RecordLink {
        relation: relation.to_owned(),
        kind,
        id,
        reference: reference.into(),
        title: title.into(),
        status,
        depth,
    }
}

/// The first line of a long text, short enough for a table cell.
fn headline(text: &str) -> String {
    let line = text.lines().next().unwrap_or("");
    if line.chars().count() > 120 {
        format!("{}…", line.chars().take(119).collect::<String>())
    } else {
        line.to_owned()
    }
}

impl App {
    pub async fn draw_sample(&self, actor: &Actor, input: SampleInput) -> Result<Sample> {
        require(actor, Permission::DrawSamples)?;
        let request = input.parse()?;
        let seed = match request.seed {
            Some(seed) => seed,
            None => fresh_seed()?,
        };
        let (from, to) = (
            day_start(request.from)?,
            // The period includes its last day: up to the next midnight.
            day_start(
                request
                    .to
                    .tomorrow()
                    .map_err(|_| AppError::invalid("to", "too late"))?,
            )?,
        );
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let candidates = samples::candidates(tx.ex(), request.kind, from, to).await?;
        let draft = Sample {
            id: 0,
            kind: request.kind,
            from: request.from.to_string(),
            to: request.to.to_string(),
            size: request.size,
            seed,
            population: i64::try_from(candidates.len()).unwrap_or(i64::MAX),
            record_ids: draw(&candidates, request.size, seed),
            drawn_by: actor.user_id,
            drawn_by_name: None,
            drawn_at: String::new(),
        };
        let made = samples::insert(tx.ex(), &draft, now).await?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "sample", made.id, "draw", None, Some(&made)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(made)
    }

    /// Every sample, newest first.
    pub async fn list_samples(&self, actor: &Actor) -> Result<Vec<Sample>> {
        require(actor, Permission::DrawSamples)?;
        let mut conn = self.db.read().await?;
        Ok(samples::list(conn.ex()).await?)
    }

    /// A sample with each record's key fields, links and timeline, in the order drawn.
    pub async fn get_sample(&self, actor: &Actor, id: i64) -> Result<SampleDetail> {
        require(actor, Permission::DrawSamples)?;
        let mut conn = self.db.read().await?;
        let sample = samples::get(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("sample", id))?;
        let mut found = samples::records(conn.ex(), sample.kind, &sample.record_ids).await?;
        // Improvements name their records in a list of links; read the register once.
        let register = improvements::list(conn.ex(), None).await?;
        let mut records = Vec::with_capacity(found.len());
        for id in &sample.record_ids {
            let Some(at) = found.iter().position(|r| r.id == *id) else {
                continue;
            };
            let mut record = found.swap_remove(at);
            if sample.kind == SampleKind::Nonconformity {
                record.title = headline(&record.title);
            }
            record.links = self
                .links(&mut conn, sample.kind, &record, &register)
                .await?;
            record.timeline = samples::history(conn.ex(), sample.kind.record_type(), record.id)
                .await?
                .iter()
                .map(TimelineEntry::of)
                .collect();
            records.push(record);
        }
        Ok(SampleDetail { sample, records })
    }

    /// What the record came from and what it led to. Changes, once they exist, add their
    /// link here (problem → change, improvement → change).
    async fn links(
        &self,
        conn: &mut ReadConn,
        kind: SampleKind,
        record: &SampledRecord,
        register: &[Opportunity],
    ) -> Result<Vec<RecordLink>> {
        let mut out = Vec::new();
        let id = record.id;
        match kind {
            SampleKind::Incident => {
                if let Some(t) = tickets::get_any(conn.ex(), id).await?
                    && let Some(problem) = t.problem_id
                    && let Some(p) = tickets::get(conn.ex(), TicketKind::Problem, problem).await?
                {
                    out.push(link(
                        "problem",
                        LinkedKind::Problem,
                        p.id,
                        &p.number,
                        &p.title,
                        Some(p.status.as_str().to_owned()),
                        0,
                    ));
                    if let Some(ke) = &p.known_error_number {
                        out.push(link(
                            "known error of the problem",
                            LinkedKind::KnownError,
                            p.id,
                            ke,
                            p.root_cause.as_deref().map(headline).unwrap_or_default(),
                            None,
                            1,
                        ));
                    }
                }
                for (nc, number, description, status) in
                    samples::nonconformities_of_incident(conn.ex(), id).await?
                {
                    out.push(link(
                        "nonconformity raised",
                        LinkedKind::Nonconformity,
                        nc,
                        number,
                        headline(&description),
                        Some(status),
                        0,
                    ));
                }
            }
            SampleKind::Request => {}
            SampleKind::Problem | SampleKind::KnownError => {
                if let Some(p) = tickets::get(conn.ex(), TicketKind::Problem, id).await? {
                    if kind == SampleKind::KnownError {
                        out.push(link(
                            "problem",
                            LinkedKind::Problem,
                            p.id,
                            &p.number,
                            &p.title,
                            Some(p.status.as_str().to_owned()),
                            0,
                        ));
                    } else if let Some(ke) = &p.known_error_number {
                        out.push(link(
                            "known error",
                            LinkedKind::KnownError,
                            p.id,
                            ke,
                            p.root_cause.as_deref().map(headline).unwrap_or_default(),
                            None,
                            0,
                        ));
                    }
                }
                for i in kinds::linked(conn.ex(), "problem_id", id).await? {
                    out.push(link(
                        "incident",
                        LinkedKind::Incident,
                        i.id,
                        i.number,
                        i.title,
                        Some(i.status.as_str().to_owned()),
                        0,
                    ));
                }
            }
            SampleKind::Complaint => {
                for (nc, ..) in samples::nonconformities_of_complaint(conn.ex(), id).await? {
                    self.nonconformity_links(conn, nc, "nonconformity raised", &mut out)
                        .await?;
                }
            }
            SampleKind::Nonconformity => {
                let Some(nc) = nonconformities::get(conn.ex(), id, self.today()).await? else {
                    return Ok(out);
                };
                if let Some(c) = nc.complaint_id
                    && let Some(c) = complaints::get(conn.ex(), c).await?
                {
                    out.push(link(
                        "raised from complaint",
                        LinkedKind::Complaint,
                        c.id,
                        c.number,
                        c.title,
                        Some(c.status.as_str().to_owned()),
                        0,
                    ));
                }
                if let Some(i) = nc.incident_id
                    && let Some(t) = tickets::get_any(conn.ex(), i).await?
                {
                    out.push(link(
                        "raised from incident",
                        LinkedKind::Incident,
                        t.id,
                        t.number,
                        t.title,
                        Some(t.status.as_str().to_owned()),
                        0,
                    ));
                }
                if let Some(a) = nc.audit_id {
                    out.push(link(
                        "raised from internal audit",
                        LinkedKind::Audit,
                        a,
                        format!("Audit {a}"),
                        "",
                        None,
                        0,
                    ));
                }
                let mut own = Vec::new();
                self.nonconformity_links(conn, id, "", &mut own).await?;
                // The record itself heads that list; keep only its actions and check.
                out.extend(own.into_iter().skip(1).map(|mut l| {
                    l.depth = 0;
                    l
                }));
            }
            SampleKind::Improvement => {
                if let Some(o) = register.iter().find(|o| o.id == id) {
                    for l in &o.links {
                        out.push(self.improvement_link(conn, l.kind, l.id).await?);
                    }
                }
            }
        }
        // Improvements raised from this record, whatever its kind.
        let named = match kind {
            SampleKind::Incident => Some(LinkKind::Incident),
            SampleKind::Request => Some(LinkKind::Request),
            SampleKind::Problem | SampleKind::KnownError => Some(LinkKind::Problem),
            SampleKind::Complaint => Some(LinkKind::Complaint),
            SampleKind::Nonconformity | SampleKind::Improvement => None,
        };
        if let Some(named) = named {
            for o in register
                .iter()
                .filter(|o| o.links.iter().any(|l| l.kind == named && l.id == id))
            {
                out.push(link(
                    "improvement",
                    LinkedKind::Improvement,
                    o.id,
                    &o.number,
                    &o.title,
                    Some(o.status.as_str().to_owned()),
                    0,
                ));
            }
        }
        Ok(out)
    }

    /// A nonconformity (depth 0) with its corrective actions and effectiveness check (1).
    async fn nonconformity_links(
        &self,
        conn: &mut ReadConn,
        id: i64,
        relation: &str,
        out: &mut Vec<RecordLink>,
    ) -> Result<()> {
        let Some(nc) = nonconformities::get(conn.ex(), id, self.today()).await? else {
            return Ok(());
        };
        out.push(link(
            relation,
            LinkedKind::Nonconformity,
            nc.id,
            &nc.number,
            headline(&nc.description),
            Some(nc.status.as_str().to_owned()),
            0,
        ));
        for (n, a) in nc.actions.iter().enumerate() {
            out.push(link(
                "corrective action",
                LinkedKind::CorrectiveAction,
                a.id,
                format!("{} action {}", nc.number, n + 1),
                format!("{} (due {})", headline(&a.description), a.due_on),
                Some(
                    if a.overdue {
                        "overdue"
                    } else {
                        a.status.as_str()
                    }
                    .to_owned(),
                ),
                1,
            ));
        }
        if let Some(check) = &nc.effectiveness_check {
            out.push(link(
                "effectiveness check",
                LinkedKind::EffectivenessCheck,
                nc.id,
                format!("{} check", nc.number),
                format!("{} ({})", headline(&check.text), check.checked_on),
                Some(
                    if check.effective {
                        "effective"
                    } else {
                        "not effective"
                    }
                    .to_owned(),
                ),
                1,
            ));
        }
        Ok(())
    }

    async fn improvement_link(
        &self,
        conn: &mut ReadConn,
        kind: LinkKind,
        id: i64,
    ) -> Result<RecordLink> {
        let linked = match kind {
            LinkKind::Incident => LinkedKind::Incident,
            LinkKind::Request => LinkedKind::Request,
            LinkKind::Problem => LinkedKind::Problem,
            LinkKind::Complaint => LinkedKind::Complaint,
            LinkKind::Service => LinkedKind::Service,
            LinkKind::Sla => LinkedKind::Sla,
        };
        let relation = format!("raised from {}", kind.as_str());
        let (reference, title, status) = match kind {
            LinkKind::Incident | LinkKind::Request | LinkKind::Problem => {
                match tickets::get_any(conn.ex(), id).await? {
                    Some(t) => (t.number, t.title, Some(t.status.as_str().to_owned())),
                    None => (format!("#{id}"), String::new(), None),
                }
            }
            LinkKind::Complaint => match complaints::get(conn.ex(), id).await? {
                Some(c) => (c.number, c.title, Some(c.status.as_str().to_owned())),
                None => (format!("#{id}"), String::new(), None),
            },
            LinkKind::Service => {
                let name = steward_store::delivery::services::get(conn.ex(), id)
                    .await?
                    .map(|s| s.name)
                    .unwrap_or_default();
                (format!("Service {id}"), name, None)
            }
            LinkKind::Sla => {
                let name = steward_store::service_level::slas::get(conn.ex(), id, self.today())
                    .await?
                    .map(|s| s.name)
                    .unwrap_or_default();
                (format!("SLA {id}"), name, None)
            }
        };
        Ok(link(&relation, linked, id, reference, title, status, 0))
    }
}
