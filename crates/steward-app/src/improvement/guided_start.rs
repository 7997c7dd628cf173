//! The guided start: seeds a working ISO/IEC 20000-1 configuration into a fresh database —
//! an office calendar, SLA templates with targets, workload limits and review dates, request
//! categories in the catalogue, an audit programme and a management review to hold, drafts of
//! the scope and policy, objectives and the placeholders of the documents 7.5.4 names — through
//! the same use cases a person would use, so every record is validated and audited. Each item
//! is looked up first, so seeding twice changes nothing. The evidence map then shows what
//! remains to be done.
use crate::app::require;
use crate::improvement::system_documents::Edit;
use crate::{App, AppError, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use steward_domain::improvement::document::DocumentKind as Register;
use steward_domain::improvement::system_document::DocumentKind;
use steward_domain::{Actor, Permission};
use steward_store::delivery::services;
use steward_store::service_level::slas;

/// The name of the only template so far.
pub const ISO20000: &str = "iso20000";

const CALENDAR: &str = "Office hours";
const DESK: &str = "IT service desk";
const SLA_TEMPLATES: [(&str, [i64; 5], i64); 2] = [
    // (name, resolution hours for P1…P5, response minutes for P1)
    ("Standard support (template)", [4, 8, 24, 40, 80], 30),
    ("Priority support (template)", [2, 4, 8, 24, 40], 15),
];
/// The documents 7.5.4 asks for that Steward does not already hold as records of their own
/// (SLAs, the catalogue, contracts, continuity plans and the scope and policy are records),
/// registered as placeholders to write: (kind, title, clause).
const PLACEHOLDERS: [(Register, &str, &str); 5] = [
    (
        Register::ServiceManagementPlan,
        "Service management plan",
        "6.3",
    ),
    (Register::Process, "Service management processes", "4.4"),
    (
        Register::ChangePolicy,
        "Change management policy",
        "8.5.1.1",
    ),
    (
        Register::SecurityPolicy,
        "Information security policy",
        "8.7.3.1",
    ),
    (Register::Procedure, "Major incident procedure", "8.6.1"),
];
const REQUEST_CATEGORIES: [(&str, &str); 4] = [
    (
        "Access request",
        "Access to a system, a share or a mailbox.",
    ),
    (
        "New or replacement equipment",
        "A laptop, a phone, a monitor or a peripheral.",
    ),
    (
        "Software installation",
        "Install or upgrade approved software.",
    ),
    (
        "Information or advice",
        "A question about a service or how to use it.",
    ),
];

/// What seeding did: each item created, and each item already there (left as it was).
#[derive(Debug, Clone, Default, Serialize)]
pub struct SeedReport {
    pub created: Vec<String>,
    pub kept: Vec<String>,
}

fn input<T: DeserializeOwned>(value: Value) -> Result<T> {
    serde_json::from_value(value).map_err(|e| AppError::Internal(format!("template: {e}")))
}

impl App {
    /// Seeds the named template (only `iso20000` exists); administrators only.
    pub async fn seed_template(&self, actor: &Actor, template: &str) -> Result<SeedReport> {
        require(actor, Permission::ConfigureTickets)?;
        if template != ISO20000 {
            return Err(AppError::Invalid(
                steward_domain::foundation::validation::Invalid::one(
                    "template",
                    format!("unknown template {template:?}; the only one is {ISO20000:?}"),
                ),
            ));
        }
        let mut report = SeedReport::default();
        report.kept.push(
            "Priority matrix: impact × urgency gives P1–P5 (Steward's default; change it under Desk settings)".into(),
        );
        let calendar = self.seed_calendar(actor, &mut report).await?;
        let desk = self.seed_desk(actor, calendar, &mut report).await?;
        self.seed_slas(actor, desk, calendar, &mut report).await?;
        self.seed_audits_and_review(actor, &mut report).await?;
        self.seed_management_system(actor, desk, &mut report)
            .await?;
        Ok(report)
    }

    async fn seed_calendar(&self, actor: &Actor, report: &mut SeedReport) -> Result<i64> {
        if let Some(c) = self
            .list_calendars(actor)
            .await?
            .into_iter()
            .find(|c| c.calendar.name == CALENDAR)
        {
            report.kept.push(format!("Calendar {CALENDAR}"));
            return Ok(c.id);
        }
        let day = json!([["09:00", "17:00"]]);
        let made = self
            .create_calendar(
                actor,
                input(json!({"name": CALENDAR, "time_zone": "UTC",
                    "hours": {"mon": day, "tue": day, "wed": day, "thu": day, "fri": day},
                    "holidays": []}))?,
            )
            .await?;
        report.created.push(format!(
            "Calendar {CALENDAR}: Monday to Friday 09:00–17:00 UTC, no holidays yet (set your time zone and holidays)"
        ));
        Ok(made.id)
    }

    /// The service desk as a service in the pipeline, with the request categories as its
    /// catalogue items; it goes live when the organization decides.
    async fn seed_desk(
        &self,
        actor: &Actor,
        calendar: i64,
        report: &mut SeedReport,
    ) -> Result<i64> {
        let existing = {
            let mut conn = self.db.read().await?;
            services::id_by_name(conn.ex(), DESK).await?
        };
        if let Some(id) = existing {
            report
                .kept
                .push(format!("Service {DESK} with its request categories"));
            return Ok(id);
        }
        let service = self
            .create_service(
                actor,
                input(json!({"name": DESK, "status": "pipeline", "criticality": 2,
                    "description": "First line support: incidents, requests and questions.",
                    "owner_id": actor.user_id, "service_hours_calendar_id": calendar,
                    "availability_target_percent": 99.5}))?,
            )
            .await?;
        report.created.push(format!(
            "Service {DESK} (pipeline; availability target 99.5 % in office hours)"
        ));
        let entry = self
            .create_catalogue_entry(
                actor,
                input(json!({"service_id": service.id, "title": DESK,
                    "summary": "Ask for help, report a fault or request something."}))?,
            )
            .await?;
        for (name, description) in REQUEST_CATEGORIES {
            self.create_catalogue_item(
                actor,
                entry.id,
                input(json!({"name": name, "description": description}))?,
            )
            .await?;
            report.created.push(format!("Request category {name}"));
        }
        Ok(service.id)
    }

    /// SLA templates, inactive until the organization agrees them with a customer.
    async fn seed_slas(
        &self,
        actor: &Actor,
        desk: i64,
        calendar: i64,
        report: &mut SeedReport,
    ) -> Result<()> {
        for (name, hours, response) in SLA_TEMPLATES {
            let taken = {
                let mut conn = self.db.read().await?;
                slas::name_taken(conn.ex(), name, None).await?
            };
            if taken {
                report.kept.push(format!("SLA {name}"));
                continue;
            }
            let mut targets = serde_json::Map::new();
            for (i, h) in hours.iter().enumerate() {
                targets.insert(
                    format!("P{}", i + 1),
                    json!({"response_seconds": response * 60 * (i as i64 + 1),
                           "resolution_seconds": h * 3600}),
                );
            }
            self.create_sla(
                actor,
                input(
                    json!({"name": name, "service_id": desk, "organization_ids": [],
                    "calendar_id": calendar, "targets": targets,
                    "pause": [{"status": "pending", "reasons": ["customer"]}],
                    "warning_percent": 75,
                    "workload_limit": {"per_month": 500, "suspend_targets": false},
                    "exceptions": [], "review_interval_days": 365, "active": false}),
                )?,
            )
            .await?;
            report.created.push(format!(
                "SLA {name}: targets P1–P5, workload limit 500 records a month, reviewed yearly (inactive: copy it for each service)"
            ));
        }
        Ok(())
    }

    async fn seed_audits_and_review(&self, actor: &Actor, report: &mut SeedReport) -> Result<()> {
        let today = self.today();
        let year = today.year();
        let (from, to) = (format!("{year}-01-01"), format!("{year}-12-31"));
        let day = today.to_string();
        let programmes = self.list_audit_programmes(actor).await?;
        if let Some(p) = programmes
            .iter()
            .find(|p| p.period_from <= day && p.period_to >= day)
        {
            report.kept.push(format!("Audit programme {}", p.title));
        } else {
            let title = format!("Internal audit programme {year}");
            self.create_audit_programme(
                actor,
                input(json!({"title": title, "period_from": from, "period_to": to,
                    "objectives": "Audit every clause of ISO/IEC 20000-1 that is in scope once a year."}))?,
            )
            .await?;
            report
                .created
                .push(format!("Audit programme {title} (plan its audits)"));
        }
        if self.list_reviews(actor).await?.is_empty() {
            let title = format!("Management review {year}");
            self.create_review(
                actor,
                input(json!({"title": title, "period_from": from, "period_to": format!("{}-01-01", year + 1)}))?,
            )
            .await?;
            report.created.push(format!(
                "{title}, due by {to} (compile its pack, hold it, freeze it)"
            ));
        } else {
            report
                .kept
                .push("Management reviews (one is already planned)".into());
        }
        Ok(())
    }

    /// Drafts of the scope and the policy to fill in, two objectives tied to report figures,
    /// and the register's placeholders.
    async fn seed_management_system(
        &self,
        actor: &Actor,
        desk: i64,
        report: &mut SeedReport,
    ) -> Result<()> {
        let year = self.today().year();
        let drafts = [
            (
                DocumentKind::Scope,
                "SMS scope",
                json!({"text": "To fill in: the services, customers and locations the service management system covers, and what it excludes.",
                       "service_ids": [desk]}),
            ),
            (
                DocumentKind::Policy,
                "Service management policy",
                json!({"text": "To fill in: the commitment of top management to meet the service requirements and to improve the SMS continually, and the framework for setting objectives."}),
            ),
        ];
        for (kind, name, body) in drafts {
            if self.system_document_versions(actor, kind).await?.is_empty() {
                self.edit_system_document(actor, kind, Edit::Replace, input(body)?)
                    .await?;
                report
                    .created
                    .push(format!("{name}: a draft to fill in and approve"));
            } else {
                report.kept.push(name.to_owned());
            }
        }
        if self.list_objectives(actor, None).await?.is_empty() {
            let objectives = [
                json!({"title": "Resolve incidents within their SLA targets",
                       "measure": "Resolution targets met, last 30 days (SLA compliance report)",
                       "figure": "sla_met_percent", "target_value": 90, "target_unit": "%",
                       "direction": "at_least", "target_date": format!("{year}-12-31")}),
                json!({"title": "Satisfied customers",
                       "measure": "Mean satisfaction rating, last 30 days (satisfaction report)",
                       "figure": "satisfaction_average", "target_value": 4, "target_unit": "of 5",
                       "direction": "at_least", "target_date": format!("{year}-12-31")}),
            ];
            for body in objectives {
                let made = self.create_objective(actor, input(body)?).await?;
                report.created.push(format!(
                    "Objective {}: read from the reports (give it an owner)",
                    made.title
                ));
            }
        } else {
            report.kept.push("Objectives".into());
        }
        for (kind, title, clause) in PLACEHOLDERS {
            match self
                .ensure_document_placeholder(actor, kind, title, Some(clause))
                .await?
            {
                Some(_) => report.created.push(format!(
                    "Document {title} ({clause}): a placeholder to write"
                )),
                None => report.kept.push(format!("Document {title}")),
            }
        }
        Ok(())
    }
}
