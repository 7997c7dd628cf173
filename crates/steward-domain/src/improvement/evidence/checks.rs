//! The checks, one small pure function each, registered against the clause they evidence.
use super::Finding;
use super::figures::{Figures, RecordRef};
use crate::improvement::system_document::DocStatus;

pub struct Check {
    pub clause: &'static str,
    pub name: &'static str,
    pub run: fn(&Figures) -> Finding,
}

const fn k(clause: &'static str, name: &'static str, run: fn(&Figures) -> Finding) -> Check {
    Check { clause, name, run }
}

pub const CHECKS: &[Check] = &[
    k("4.3", "scope_in_force", scope_in_force),
    k("5.1", "management_engaged", management_engaged),
    k("5.2", "policy_in_force", policy_in_force),
    k("6.1", "risks_assessed", risks_assessed),
    k("6.2", "objectives_set", objectives_set),
    k("6.3", "plan_in_force", plan_in_force),
    k("7.2", "competence_recorded", competence_recorded),
    k("7.5", "documents_controlled", documents_controlled),
    k("7.5", "documents_reviewed", documents_reviewed),
    k("5.3", "services_have_owners", services_have_owners),
    k("5.3", "teams_exist", teams_exist),
    k("7.6", "known_errors_shared", known_errors_shared),
    k("8.2.2", "requirements_documented", requirements_documented),
    k("8.2.4", "catalogue_published", catalogue_published),
    k("8.2.5", "assets_owned", assets_owned),
    k("8.2.6", "configuration_recorded", configuration_recorded),
    k("8.3.2", "satisfaction_measured", satisfaction_measured),
    k("8.3.2", "complaints_closed", complaints_closed),
    k("8.3.3", "services_without_sla", services_without_sla),
    k(
        "8.3.3",
        "slas_without_workload_limits",
        slas_without_workload_limits,
    ),
    k("8.3.3", "slas_past_review", slas_past_review),
    k(
        "8.3.3",
        "repeated_breaches_unimproved",
        repeated_breaches_unimproved,
    ),
    k(
        "8.3.4",
        "suppliers_under_contract",
        suppliers_under_contract,
    ),
    k("8.5.1", "changes_controlled", changes_controlled),
    k("8.5.1", "changes_on_schedule", changes_on_schedule),
    k("8.5.2", "major_changes_designed", major_changes_designed),
    k("8.5.3", "releases_controlled", releases_controlled),
    k("8.6.1", "incidents_recorded", incidents_recorded),
    k(
        "8.6.1",
        "major_incidents_reviewed",
        major_incidents_reviewed,
    ),
    k("8.6.2", "requests_recorded", requests_recorded),
    k("8.6.3", "problems_recorded", problems_recorded),
    k("8.6.3", "problems_have_causes", problems_have_causes),
    k("8.7.1", "availability_targets", availability_targets),
    k("8.7.1", "misses_investigated", misses_investigated),
    k("8.7.2", "continuity_plans", continuity_plans),
    k("8.7.2", "continuity_tested", continuity_tested),
    k("9.1", "measurement_defined", measurement_defined),
    k("9.2", "audit_programme", audit_programme),
    k("9.2", "audits_on_time", audits_on_time),
    k("9.3", "management_review_held", management_review_held),
    k("9.4", "reports_produced", reports_produced),
    k("10.1", "effectiveness_checked", effectiveness_checked),
    k(
        "10.1",
        "corrective_actions_on_time",
        corrective_actions_on_time,
    ),
    k("10.2", "improvements_registered", improvements_registered),
    k("10.2", "improvements_on_track", improvements_on_track),
];

/// Why Steward does not assess a clause it has no check for.
pub fn not_assessed(clause: &str) -> &'static str {
    match clause {
        "8.4.1" | "8.4.2" | "8.4.3" => {
            "Steward holds no budgets, demand forecasts or capacity plans; show the auditor where they are kept."
        }
        _ => {
            "Steward holds no records that evidence this clause; show the auditor your own evidence."
        }
    }
}

/// "Payroll, Mail and 3 more".
fn named(records: &[RecordRef]) -> String {
    const SHOWN: usize = 3;
    let names: Vec<&str> = records
        .iter()
        .take(SHOWN)
        .map(|r| r.label.as_str())
        .collect();
    let mut text = names.join(", ");
    if records.len() > SHOWN {
        text.push_str(&format!(" and {} more", records.len() - SHOWN));
    }
    text
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn management_engaged(f: &Figures) -> Finding {
    match f.reviews.days_since_last {
        Some(d) if d <= 365 => Finding::green(format!(
            "Top management reviewed the SMS on {} ({d} days ago).",
            f.reviews.last_held_on.as_deref().unwrap_or("?")
        )),
        Some(_) => Finding::amber(
            "Top management has not reviewed the SMS in the last 12 months.",
            "Hold a management review and freeze its pack.",
            &[],
        ),
        None => Finding::red(
            "There is no record of top management reviewing the SMS.",
            "Plan a management review under Management reviews.",
        ),
    }
}

/// A scope or policy: red when missing, amber while no version is approved or the review date
/// has passed, green otherwise.
fn statement(
    f: &Figures,
    status: Option<&DocStatus>,
    what: &str,
    page: &str,
    empty_scope: bool,
) -> Finding {
    let link = RecordRef::new(what, page);
    let Some(d) = status else {
        return Finding::red(
            format!("There is no {what}."),
            format!("Write the {what} and approve it."),
        );
    };
    if !d.approved {
        return Finding::amber(
            format!("The {what} is a draft: no version is approved."),
            "Approve it.",
            &[link],
        );
    }
    if let Some(due) = d.review_due_on.as_deref().filter(|d| *d < f.today.as_str()) {
        return Finding::amber(
            format!("The {what} was due for review on {due}."),
            "Review it and approve the reviewed version.",
            &[link],
        );
    }
    if empty_scope {
        return Finding::amber(
            format!("The {what} names no service."),
            "Name the services the SMS covers.",
            &[link],
        );
    }
    Finding::green(format!(
        "The {what} is approved and within its review date."
    ))
}

fn scope_in_force(f: &Figures) -> Finding {
    let s = f.system.scope.as_ref();
    statement(
        f,
        s,
        "SMS scope",
        "/manage/system/scope",
        s.is_some_and(|d| d.service_count == 0),
    )
}

fn policy_in_force(f: &Figures) -> Finding {
    statement(
        f,
        f.system.policy.as_ref(),
        "service management policy",
        "/manage/system/policy",
        false,
    )
}

fn risks_assessed(f: &Figures) -> Finding {
    let s = &f.system;
    let link = RecordRef::new("Risks and opportunities", "/manage/system/risks");
    if s.risks_total == 0 {
        return Finding::red(
            "No risk or opportunity is recorded.",
            "Assess the risks and opportunities of the SMS and the services.",
        );
    }
    let mut problems = Vec::new();
    if s.risks_high_untreated > 0 {
        problems.push(plural(
            s.risks_high_untreated as usize,
            "high risk is open without a treatment",
            "high risks are open without a treatment",
        ));
    }
    if s.risks_review_overdue > 0 {
        problems.push(plural(
            s.risks_review_overdue as usize,
            "risk is past its review date",
            "risks are past their review date",
        ));
    }
    if !problems.is_empty() {
        return Finding::amber(
            format!("{}.", problems.join("; ")),
            "Decide a treatment for each high risk and review the overdue ones.",
            &[link],
        );
    }
    Finding::green(format!(
        "{} recorded, treated where high and within review dates.",
        plural(
            s.risks_total as usize,
            "risk or opportunity is",
            "risks and opportunities are"
        )
    ))
}

fn objectives_set(f: &Figures) -> Finding {
    let s = &f.system;
    let link = RecordRef::new("Objectives", "/manage/system/objectives");
    if s.objectives_total == 0 {
        return Finding::red(
            "No service management objective is set.",
            "Set measurable objectives with owners and target dates.",
        );
    }
    let mut problems = Vec::new();
    if s.objectives_open_overdue > 0 {
        problems.push(plural(
            s.objectives_open_overdue as usize,
            "open objective is past its target date",
            "open objectives are past their target date",
        ));
    }
    if s.objectives_without_owner_or_measure > 0 {
        problems.push(plural(
            s.objectives_without_owner_or_measure as usize,
            "objective has no owner or no measure",
            "objectives have no owner or no measure",
        ));
    }
    if !problems.is_empty() {
        return Finding::amber(
            format!("{}.", problems.join("; ")),
            "Close or re-plan the overdue objectives; give each an owner and a measure.",
            &[link],
        );
    }
    Finding::green(format!(
        "{} with owners, measures and dates ahead.",
        plural(
            s.objectives_total as usize,
            "objective is set",
            "objectives are set"
        )
    ))
}

fn documents_link() -> RecordRef {
    RecordRef::new("Documented information", "/manage/system/documents")
}

fn plan_in_force(f: &Figures) -> Finding {
    let plan_page = RecordRef::new("Service management plan", "/manage/system/plan");
    match &f.documents.plan {
        None => Finding::red(
            "There is no service management plan.",
            "Write the service management plan (Documents, kind service management plan).",
        ),
        Some(p) if !p.approved => Finding::amber(
            "The service management plan has no approved version.",
            "Approve a version of the plan.",
            &[plan_page],
        ),
        Some(p)
            if p.review_due_on
                .as_deref()
                .is_some_and(|d| d < f.today.as_str()) =>
        {
            Finding::amber(
                format!(
                    "The service management plan was due for review on {}.",
                    p.review_due_on.as_deref().unwrap_or("?")
                ),
                "Review the plan and record the review.",
                &[plan_page],
            )
        }
        Some(_) => {
            Finding::green("The service management plan is approved and within its review date.")
        }
    }
}

fn competence_recorded(f: &Figures) -> Finding {
    let d = &f.documents;
    let matrix = RecordRef::new("Competence matrix", "/manage/system/competence");
    if d.team_members_total == 0 || d.team_members_without_competence == d.team_members_total {
        return Finding::red(
            "No competence is recorded for the people in teams.",
            "Record each team member's competences with their evidence.",
        );
    }
    if d.team_members_without_competence > 0 {
        return Finding::amber(
            format!(
                "{} of {} team members have no competence in force (none recorded, or expired).",
                d.team_members_without_competence, d.team_members_total
            ),
            "Record or renew their competences.",
            &[matrix],
        );
    }
    Finding::green(format!(
        "Every one of the {} team members has a competence in force.",
        d.team_members_total
    ))
}

fn documents_controlled(f: &Figures) -> Finding {
    let d = &f.documents;
    if d.documents_total == 0 {
        return Finding::red(
            "The register of documented information is empty.",
            "Register the documents the SMS needs (the guided start adds placeholders).",
        );
    }
    if d.documents_placeholder > 0 || d.documents_unapproved > 0 {
        return Finding::amber(
            format!(
                "{} of {} documents have no approved version ({} still placeholders without content).",
                d.documents_unapproved, d.documents_total, d.documents_placeholder
            ),
            "Write and approve each document.",
            &[documents_link()],
        );
    }
    Finding::green(format!(
        "All {} registered documents have an approved version.",
        d.documents_total
    ))
}

fn documents_reviewed(f: &Figures) -> Finding {
    let d = &f.documents;
    if d.documents_total == 0 {
        return Finding::red("No document to review.", "Register the SMS documents.");
    }
    if d.documents_review_overdue > 0 {
        return Finding::amber(
            format!(
                "{} past {} review date.",
                plural(
                    d.documents_review_overdue as usize,
                    "document is",
                    "documents are"
                ),
                if d.documents_review_overdue == 1 {
                    "its"
                } else {
                    "their"
                }
            ),
            "Review them and record the review.",
            &[documents_link()],
        );
    }
    Finding::green("Every registered document is within its review date.")
}

fn services_have_owners(f: &Figures) -> Finding {
    let s = &f.services;
    if s.live == 0 {
        return Finding::red(
            "No live service is recorded, so no service has an accountable owner.",
            "Record your live services with their owners.",
        );
    }
    if s.without_owner.is_empty() {
        return Finding::green(format!("All {} live services have an owner.", s.live));
    }
    Finding::amber(
        format!(
            "{} without an owner: {}.",
            plural(
                s.without_owner.len(),
                "live service is",
                "live services are"
            ),
            named(&s.without_owner)
        ),
        "Name an owner on each service.",
        &s.without_owner,
    )
}

fn teams_exist(f: &Figures) -> Finding {
    if f.people.teams == 0 || f.people.team_members == 0 {
        return Finding::red(
            "No team with members is recorded, so responsibilities are not assigned.",
            "Create the teams that work the services and add their members.",
        );
    }
    Finding::green(format!(
        "{} with {} hold the operational responsibilities.",
        plural(f.people.teams as usize, "team", "teams"),
        plural(f.people.team_members as usize, "member", "members")
    ))
}

fn known_errors_shared(f: &Figures) -> Finding {
    let r = &f.resolution;
    if r.known_errors > 0 {
        return Finding::green(format!(
            "{} shared with the desk.",
            plural(
                r.known_errors as usize,
                "known error is",
                "known errors are"
            )
        ));
    }
    if r.problems > 0 {
        return Finding::amber(
            "Problems are recorded but no known error has been shared.",
            "Publish the workaround of an analysed problem as a known error.",
            &[],
        );
    }
    Finding::red(
        "No known errors or problems are recorded, so no knowledge is shared from them.",
        "Record problems and publish their workarounds as known errors.",
    )
}

fn requirements_documented(f: &Figures) -> Finding {
    let s = &f.services;
    if s.live == 0 {
        return Finding::red(
            "No live service, so no service requirements are documented.",
            "Record your live services and their requirements.",
        );
    }
    if s.without_requirements.is_empty() {
        return Finding::green("Every live service has documented requirements.");
    }
    Finding::amber(
        format!(
            "{} no documented requirement: {}.",
            plural(
                s.without_requirements.len(),
                "live service has",
                "live services have"
            ),
            named(&s.without_requirements)
        ),
        "Record the requirements agreed for each service.",
        &s.without_requirements,
    )
}

fn assets_owned(f: &Figures) -> Finding {
    let s = &f.services;
    if s.configuration_items == 0 {
        return Finding::red(
            "No assets are recorded as configuration items.",
            "Record the assets that deliver the services, each with an owner.",
        );
    }
    if s.items_without_owner.is_empty() {
        return Finding::green(format!(
            "{}, each with an owner.",
            plural(
                s.configuration_items as usize,
                "configuration item is in use",
                "configuration items are in use"
            )
        ));
    }
    Finding::amber(
        format!(
            "{} no owner: {}.",
            plural(
                s.items_without_owner.len(),
                "configuration item in use has",
                "configuration items in use have"
            ),
            named(&s.items_without_owner)
        ),
        "Name an owner for each.",
        &s.items_without_owner,
    )
}

fn catalogue_published(f: &Figures) -> Finding {
    if f.services.in_catalogue == 0 {
        return Finding::red(
            "No service is published in the service catalogue.",
            "Publish a catalogue entry for each live service.",
        );
    }
    Finding::green(format!(
        "{} published in the catalogue.",
        plural(
            f.services.in_catalogue as usize,
            "service is",
            "services are"
        )
    ))
}

fn configuration_recorded(f: &Figures) -> Finding {
    if f.services.configuration_items == 0 {
        return Finding::red(
            "No configuration items are recorded.",
            "Record the configuration items the services depend on (or import them).",
        );
    }
    Finding::green(format!(
        "{} recorded with their relations and history.",
        plural(
            f.services.configuration_items as usize,
            "configuration item is",
            "configuration items are"
        )
    ))
}

fn satisfaction_measured(f: &Figures) -> Finding {
    if f.relationships.surveys_answered == 0 {
        return Finding::red(
            "No customer satisfaction result in the last 12 months.",
            "Offer satisfaction surveys on resolved records (Customer satisfaction).",
        );
    }
    Finding::green(format!(
        "{} in the last 12 months.",
        plural(
            f.relationships.surveys_answered as usize,
            "customer answered a satisfaction survey",
            "satisfaction surveys were answered"
        )
    ))
}

fn complaints_closed(f: &Figures) -> Finding {
    let r = &f.relationships;
    if !r.complaints_open_long.is_empty() {
        return Finding::amber(
            format!(
                "{} open for more than 30 days: {}.",
                plural(
                    r.complaints_open_long.len(),
                    "complaint has been",
                    "complaints have been"
                ),
                named(&r.complaints_open_long)
            ),
            "Manage the complaints to closure.",
            &r.complaints_open_long,
        );
    }
    Finding::green(if r.complaints == 0 {
        "No complaint has been recorded, so none is left open.".to_owned()
    } else {
        format!(
            "{} recorded; none open for more than 30 days.",
            plural(r.complaints as usize, "complaint", "complaints")
        )
    })
}

fn services_without_sla(f: &Figures) -> Finding {
    let s = &f.services;
    if f.slas.active == 0 {
        return Finding::red(
            "No active SLA is recorded.",
            "Agree an SLA with targets for each live service.",
        );
    }
    if s.without_sla.is_empty() {
        return Finding::green(format!(
            "Every live service is covered by an active SLA ({}).",
            plural(f.slas.active as usize, "SLA", "SLAs")
        ));
    }
    Finding::amber(
        format!(
            "{} no active SLA: {}.",
            plural(
                s.without_sla.len(),
                "live service has",
                "live services have"
            ),
            named(&s.without_sla)
        ),
        "Agree an SLA for each of them.",
        &s.without_sla,
    )
}

fn slas_without_workload_limits(f: &Figures) -> Finding {
    let l = &f.slas.without_workload_limit;
    if f.slas.active == 0 {
        return Finding::red(
            "No active SLA, so no workload limits are agreed.",
            "Agree SLAs with a workload limit each.",
        );
    }
    if l.is_empty() {
        return Finding::green("Every active SLA states a workload limit.");
    }
    Finding::amber(
        format!(
            "{} no workload limit: {}.",
            plural(l.len(), "active SLA has", "active SLAs have"),
            named(l)
        ),
        "Add the agreed workload limit to each SLA.",
        l,
    )
}

fn slas_past_review(f: &Figures) -> Finding {
    let l = &f.slas.review_overdue;
    if f.slas.active == 0 {
        return Finding::red(
            "No active SLA to review.",
            "Agree SLAs with a review interval.",
        );
    }
    if l.is_empty() {
        return Finding::green("Every active SLA was reviewed within its interval.");
    }
    Finding::amber(
        format!(
            "{} past {} review date: {}.",
            plural(l.len(), "SLA is", "SLAs are"),
            if l.len() == 1 { "its" } else { "their" },
            named(l)
        ),
        "Review them with the customer and record the review.",
        l,
    )
}

fn repeated_breaches_unimproved(f: &Figures) -> Finding {
    let l = &f.slas.repeatedly_breached_unimproved;
    if f.slas.active == 0 {
        return Finding::red(
            "No active SLA, so performance is not measured.",
            "Agree SLAs.",
        );
    }
    if l.is_empty() {
        return Finding::green(
            "No SLA was breached two months running without an improvement opportunity.",
        );
    }
    Finding::amber(
        format!(
            "{} breached in each of the last two months with no improvement opportunity: {}.",
            plural(l.len(), "SLA was", "SLAs were"),
            named(l)
        ),
        "Raise an improvement opportunity linked to each SLA.",
        l,
    )
}

fn suppliers_under_contract(f: &Figures) -> Finding {
    let s = &f.suppliers;
    if s.active == 0 {
        return Finding::green(
            "No active external supplier is recorded, so none needs a contract.",
        );
    }
    if s.without_contract.is_empty() {
        return Finding::green(format!(
            "{}, each under an active contract.",
            plural(
                s.active as usize,
                "active supplier is recorded",
                "active suppliers are recorded"
            )
        ));
    }
    Finding::amber(
        format!(
            "{} no active contract: {}.",
            plural(
                s.without_contract.len(),
                "active supplier has",
                "active suppliers have"
            ),
            named(&s.without_contract)
        ),
        "Record the underpinning contract with each supplier.",
        &s.without_contract,
    )
}

fn incidents_recorded(f: &Figures) -> Finding {
    if f.resolution.incidents == 0 {
        return Finding::red(
            "No incident records exist.",
            "Record incidents in Steward (or import your history).",
        );
    }
    Finding::green(format!(
        "{} recorded with priority, clocks and history.",
        plural(
            f.resolution.incidents as usize,
            "incident is",
            "incidents are"
        )
    ))
}

fn major_incidents_reviewed(f: &Figures) -> Finding {
    let l = &f.resolution.majors_unreviewed;
    if l.is_empty() {
        return Finding::green("Every resolved major incident has a post-incident review.");
    }
    Finding::amber(
        format!(
            "{} without a review: {}.",
            plural(
                l.len(),
                "major incident was closed",
                "major incidents were closed"
            ),
            named(l)
        ),
        "Record the post-incident review on each.",
        l,
    )
}

fn requests_recorded(f: &Figures) -> Finding {
    if f.resolution.requests == 0 {
        return Finding::red(
            "No service request records exist.",
            "Publish request items in the catalogue and record requests in Steward.",
        );
    }
    Finding::green(format!(
        "{} recorded from logging to closure.",
        plural(
            f.resolution.requests as usize,
            "service request is",
            "service requests are"
        )
    ))
}

fn changes_controlled(f: &Figures) -> Finding {
    let c = &f.changes;
    if c.changes == 0 {
        return Finding::red(
            "No change records exist: changes to services are not shown to be assessed, approved and reviewed.",
            "Record changes under Changes; standard ones from a pre-approved template.",
        );
    }
    Finding::green(format!(
        "{} recorded; {} closed in the last 12 months, {} of them failed or backed out and reviewed.",
        plural(c.changes as usize, "change is", "changes are"),
        c.closed_last_year,
        c.unsuccessful_last_year
    ))
}

fn changes_on_schedule(f: &Figures) -> Finding {
    let l = &f.changes.overrunning;
    if f.changes.changes == 0 {
        return Finding::red(
            "No change is scheduled: there is no change schedule to follow.",
            "Schedule authorized changes on the change calendar.",
        );
    }
    if l.is_empty() {
        return Finding::green("No scheduled change is past its planned end.");
    }
    Finding::amber(
        format!(
            "{} past the planned end and not completed: {}.",
            plural(l.len(), "change is", "changes are"),
            named(l)
        ),
        "Complete, back out or reschedule each.",
        l,
    )
}

fn major_changes_designed(f: &Figures) -> Finding {
    let c = &f.changes;
    if !c.major_undesigned.is_empty() {
        return Finding::amber(
            format!(
                "{} went ahead without a service design and transition record: {}.",
                plural(c.major_undesigned.len(), "major change", "major changes"),
                named(&c.major_undesigned)
            ),
            "Write the design and transition record on each.",
            &c.major_undesigned,
        );
    }
    if c.major_designed == 0 {
        return Finding::green(
            "No change has met the major-change criteria yet; the change policy requires a design and transition record before one is authorized.",
        );
    }
    Finding::green(format!(
        "{} a service design and transition record.",
        plural(
            c.major_designed as usize,
            "major change holds",
            "major changes hold"
        )
    ))
}

fn releases_controlled(f: &Figures) -> Finding {
    let c = &f.changes;
    if c.releases == 0 {
        return Finding::red(
            "No release records exist: deployments are not shown to be planned, accepted and approved.",
            "Plan releases under Releases: group the changes, accept them against criteria, deploy environment by environment.",
        );
    }
    if !c.releases_late.is_empty() {
        return Finding::amber(
            format!(
                "{} past the planned date and not deployed: {}.",
                plural(c.releases_late.len(), "release is", "releases are"),
                named(&c.releases_late)
            ),
            "Deploy, replan or cancel each.",
            &c.releases_late,
        );
    }
    Finding::green(format!(
        "{} recorded; {} deployed to production in the last 12 months, each accepted against its criteria with the production deployment approved.",
        plural(c.releases as usize, "release is", "releases are"),
        c.deployed_last_year
    ))
}

fn problems_recorded(f: &Figures) -> Finding {
    if f.resolution.problems == 0 {
        return Finding::red(
            "No problem records exist.",
            "Record problems for recurring incidents and analyse their causes.",
        );
    }
    Finding::green(format!(
        "{} recorded.",
        plural(f.resolution.problems as usize, "problem is", "problems are")
    ))
}

fn problems_have_causes(f: &Figures) -> Finding {
    let l = &f.resolution.problems_without_cause;
    if l.is_empty() {
        return Finding::green("Every resolved problem records its root cause.");
    }
    Finding::amber(
        format!(
            "{} without a root cause: {}.",
            plural(l.len(), "problem was resolved", "problems were resolved"),
            named(l)
        ),
        "Record the root cause found on each.",
        l,
    )
}

fn availability_targets(f: &Figures) -> Finding {
    let s = &f.services;
    if s.live == 0 {
        return Finding::red(
            "No live service, so no availability target.",
            "Record live services with availability targets.",
        );
    }
    if s.without_availability_target.len() as i64 == s.live {
        return Finding::red(
            "No live service has an availability target.",
            "Set an availability target on each live service.",
        );
    }
    if s.without_availability_target.is_empty() {
        return Finding::green("Every live service has an availability target.");
    }
    Finding::amber(
        format!(
            "{} no availability target: {}.",
            plural(
                s.without_availability_target.len(),
                "live service has",
                "live services have"
            ),
            named(&s.without_availability_target)
        ),
        "Set a target on each of them.",
        &s.without_availability_target,
    )
}

fn misses_investigated(f: &Figures) -> Finding {
    let l = &f.services.missed_uninvestigated;
    if l.is_empty() {
        return Finding::green(format!(
            "Every target missed in {} is being investigated (or none was missed).",
            f.last_month
        ));
    }
    Finding::amber(
        format!(
            "{} {} with no investigation: {}.",
            plural(
                l.len(),
                "service missed its target in",
                "services missed their targets in"
            ),
            f.last_month,
            named(l)
        ),
        "Open an availability investigation for each.",
        l,
    )
}

fn continuity_plans(f: &Figures) -> Finding {
    let s = &f.services;
    if f.continuity.approved_plans == 0 {
        return Finding::red(
            "No approved continuity plan exists.",
            "Write and approve a continuity plan for each live service.",
        );
    }
    if s.without_continuity_plan.is_empty() {
        return Finding::green("Every live service has an approved continuity plan.");
    }
    Finding::amber(
        format!(
            "{} no approved continuity plan: {}.",
            plural(
                s.without_continuity_plan.len(),
                "live service has",
                "live services have"
            ),
            named(&s.without_continuity_plan)
        ),
        "Write and approve a plan for each.",
        &s.without_continuity_plan,
    )
}

fn continuity_tested(f: &Figures) -> Finding {
    let l = &f.continuity.untested;
    if f.continuity.approved_plans == 0 {
        return Finding::red(
            "No approved continuity plan to test.",
            "Approve a plan, then test it.",
        );
    }
    if l.is_empty() {
        return Finding::green("Every approved continuity plan was tested within its interval.");
    }
    Finding::amber(
        format!(
            "{} not tested within {} interval: {}.",
            plural(l.len(), "plan was", "plans were"),
            if l.len() == 1 { "its" } else { "their" },
            named(l)
        ),
        "Test each plan and record the result.",
        l,
    )
}

fn measurement_defined(f: &Figures) -> Finding {
    if f.reporting.definitions == 0 {
        return Finding::red(
            "Nothing is defined to be measured on a schedule.",
            "Define the reports to produce, their audience and cadence (Report definitions).",
        );
    }
    Finding::green(format!(
        "{} what is measured and how often.",
        plural(
            f.reporting.definitions as usize,
            "report definition says",
            "report definitions say"
        )
    ))
}

fn audit_programme(f: &Figures) -> Finding {
    let a = &f.audits;
    match &a.current_programme {
        None => Finding::red(
            "No audit programme covers today.",
            "Plan an audit programme for the current period (Internal audits).",
        ),
        Some(p) if a.planned_in_programme == 0 => Finding::amber(
            format!("The programme {} plans no audit.", p.label),
            "Plan the audits of the programme.",
            std::slice::from_ref(p),
        ),
        Some(p) if a.completed_last_year == 0 => Finding::amber(
            format!(
                "The programme {} is planned but no audit was completed in the last 12 months.",
                p.label
            ),
            "Carry out the planned audits and complete them.",
            std::slice::from_ref(p),
        ),
        Some(p) => Finding::green(format!(
            "The programme {} is current; {} completed in the last 12 months.",
            p.label,
            plural(a.completed_last_year as usize, "audit was", "audits were")
        )),
    }
}

fn audits_on_time(f: &Figures) -> Finding {
    let l = &f.audits.overdue;
    if l.is_empty() {
        return Finding::green("No planned audit is overdue.");
    }
    Finding::amber(
        format!(
            "{} past {} planned date: {}.",
            plural(l.len(), "audit is", "audits are"),
            if l.len() == 1 { "its" } else { "their" },
            named(l)
        ),
        "Carry them out or re-plan them.",
        l,
    )
}

fn management_review_held(f: &Figures) -> Finding {
    let r = &f.reviews;
    match (r.days_since_last, r.reviews) {
        (Some(d), _) if d <= 365 => Finding::green(format!(
            "The last management review was held on {} ({d} days ago).",
            r.last_held_on.as_deref().unwrap_or("?")
        )),
        (Some(d), _) => Finding::amber(
            format!("The last management review was {d} days ago, more than 12 months."),
            "Hold the next management review and freeze its pack.",
            &[],
        ),
        (None, 0) => Finding::red(
            "No management review is recorded.",
            "Plan a management review (Management reviews).",
        ),
        (None, _) => Finding::amber(
            "A management review is planned but none has been held (no pack frozen).",
            "Hold the review and freeze its input pack.",
            &[],
        ),
    }
}

fn reports_produced(f: &Figures) -> Finding {
    let r = &f.reporting;
    if r.definitions == 0 {
        return Finding::red(
            "No service reports are defined.",
            "Define the service reports with their audience and cadence.",
        );
    }
    if r.recent_snapshots == 0 {
        return Finding::amber(
            "Reports are defined but none was produced in the last 40 days.",
            "Run the report definitions (they run on their cadence while Steward serves).",
            &[],
        );
    }
    Finding::green(format!(
        "{} produced in the last 40 days.",
        plural(r.recent_snapshots as usize, "report was", "reports were")
    ))
}

fn effectiveness_checked(f: &Figures) -> Finding {
    let c = &f.corrective;
    if !c.closed_without_check.is_empty() {
        return Finding::amber(
            format!(
                "{} without an effectiveness check: {}.",
                plural(
                    c.closed_without_check.len(),
                    "nonconformity was closed",
                    "nonconformities were closed"
                ),
                named(&c.closed_without_check)
            ),
            "Record whether the corrective action was effective.",
            &c.closed_without_check,
        );
    }
    Finding::green(if c.nonconformities == 0 {
        "No nonconformity has been raised, so none was closed unchecked.".to_owned()
    } else {
        format!(
            "{} recorded; every closed one has an effectiveness check.",
            plural(
                c.nonconformities as usize,
                "nonconformity",
                "nonconformities"
            )
        )
    })
}

fn corrective_actions_on_time(f: &Figures) -> Finding {
    let l = &f.corrective.actions_overdue;
    if l.is_empty() {
        return Finding::green("No corrective action is overdue.");
    }
    Finding::amber(
        format!(
            "{} overdue: {}.",
            plural(l.len(), "corrective action is", "corrective actions are"),
            named(l)
        ),
        "Complete them or agree new dates.",
        l,
    )
}

fn improvements_registered(f: &Figures) -> Finding {
    if f.improvements.total == 0 {
        return Finding::red(
            "The improvement register is empty.",
            "Register improvement opportunities (Improvements).",
        );
    }
    Finding::green(format!(
        "{} in the register.",
        plural(
            f.improvements.total as usize,
            "improvement opportunity is",
            "improvement opportunities are"
        )
    ))
}

fn improvements_on_track(f: &Figures) -> Finding {
    let i = &f.improvements;
    let late: Vec<RecordRef> = i.overdue.iter().chain(&i.unmeasured).cloned().collect();
    if late.is_empty() {
        return Finding::green("No approved improvement is past its date or unmeasured.");
    }
    Finding::amber(
        format!(
            "{} past {} date and {} implemented without a measured result: {}.",
            plural(i.overdue.len(), "improvement is", "improvements are"),
            if i.overdue.len() == 1 { "its" } else { "their" },
            i.unmeasured.len(),
            named(&late)
        ),
        "Deliver or re-plan them, and measure the result of what was implemented.",
        &late,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::improvement::evidence::Colour;

    fn r(label: &str) -> RecordRef {
        RecordRef::new(label, format!("/x/{label}"))
    }

    fn colour(check: fn(&Figures) -> Finding, f: &Figures) -> Colour {
        check(f).colour
    }

    #[test]
    fn change_and_release_checks_go_red_amber_green() {
        let mut f = Figures::default();
        for check in [changes_controlled, changes_on_schedule, releases_controlled] {
            assert_eq!(colour(check, &f), Colour::Red);
        }
        assert_eq!(colour(major_changes_designed, &f), Colour::Green);
        f.changes.changes = 3;
        f.changes.closed_last_year = 2;
        f.changes.unsuccessful_last_year = 1;
        f.changes.releases = 1;
        let found = changes_controlled(&f);
        assert_eq!(found.colour, Colour::Green);
        assert!(found.reason.contains("2 closed"), "{}", found.reason);
        assert_eq!(colour(changes_on_schedule, &f), Colour::Green);
        assert_eq!(colour(releases_controlled, &f), Colour::Green);
        f.changes.overrunning = vec![r("CHG-000002")];
        f.changes.major_undesigned = vec![r("CHG-000003")];
        f.changes.releases_late = vec![r("REL-000001")];
        for (check, named) in [
            (changes_on_schedule as fn(&Figures) -> Finding, "CHG-000002"),
            (major_changes_designed, "CHG-000003"),
            (releases_controlled, "REL-000001"),
        ] {
            let found = check(&f);
            assert_eq!(found.colour, Colour::Amber);
            assert!(found.reason.contains(named), "{}", found.reason);
            assert_eq!(found.records.len(), 1);
        }
    }

    #[test]
    fn service_levels_go_red_amber_green() {
        let mut f = Figures::default();
        assert_eq!(colour(services_without_sla, &f), Colour::Red);
        f.slas.active = 1;
        f.services.without_sla = vec![r("Mail")];
        let found = services_without_sla(&f);
        assert_eq!(found.colour, Colour::Amber);
        assert!(found.reason.contains("Mail"), "{}", found.reason);
        assert_eq!(found.records.len(), 1);
        f.services.without_sla.clear();
        assert_eq!(colour(services_without_sla, &f), Colour::Green);

        for check in [
            slas_without_workload_limits,
            slas_past_review,
            repeated_breaches_unimproved,
        ] {
            let mut f = Figures::default();
            assert_eq!(colour(check, &f), Colour::Red);
            f.slas.active = 2;
            assert_eq!(colour(check, &f), Colour::Green);
            f.slas.without_workload_limit = vec![r("Gold")];
            f.slas.review_overdue = vec![r("Gold")];
            f.slas.repeatedly_breached_unimproved = vec![r("Gold")];
            assert_eq!(colour(check, &f), Colour::Amber);
        }
    }

    #[test]
    fn scope_policy_risks_objectives() {
        let mut f = Figures {
            today: "2026-12-05".into(),
            ..Default::default()
        };
        for check in [
            scope_in_force,
            policy_in_force,
            risks_assessed,
            objectives_set,
        ] {
            assert_eq!(colour(check, &f), Colour::Red);
        }
        let draft = DocStatus {
            approved: false,
            review_due_on: Some("2027-06-01".into()),
            has_draft_changes: true,
            service_count: 2,
        };
        f.system.scope = Some(draft.clone());
        f.system.policy = Some(draft.clone());
        assert_eq!(colour(scope_in_force, &f), Colour::Amber);
        assert_eq!(colour(policy_in_force, &f), Colour::Amber);
        let approved = DocStatus {
            approved: true,
            ..draft.clone()
        };
        f.system.scope = Some(DocStatus {
            service_count: 0,
            ..approved.clone()
        });
        assert_eq!(colour(scope_in_force, &f), Colour::Amber);
        f.system.scope = Some(DocStatus {
            review_due_on: Some("2026-01-01".into()),
            ..approved.clone()
        });
        let late = scope_in_force(&f);
        assert_eq!(late.colour, Colour::Amber);
        assert!(late.reason.contains("2026-01-01"), "{}", late.reason);
        f.system.scope = Some(approved.clone());
        f.system.policy = Some(approved);
        assert_eq!(colour(scope_in_force, &f), Colour::Green);
        assert_eq!(colour(policy_in_force, &f), Colour::Green);

        f.system.risks_total = 3;
        f.system.risks_high_untreated = 1;
        assert_eq!(colour(risks_assessed, &f), Colour::Amber);
        f.system.risks_high_untreated = 0;
        assert_eq!(colour(risks_assessed, &f), Colour::Green);
        f.system.objectives_total = 2;
        f.system.objectives_open_overdue = 1;
        assert_eq!(colour(objectives_set, &f), Colour::Amber);
        f.system.objectives_open_overdue = 0;
        assert_eq!(colour(objectives_set, &f), Colour::Green);
    }

    #[test]
    fn documents_plan_and_competence() {
        use crate::improvement::document::PlanFigure;
        let mut f = Figures {
            today: "2026-12-05".into(),
            ..Default::default()
        };
        for check in [
            plan_in_force,
            competence_recorded,
            documents_controlled,
            documents_reviewed,
        ] {
            assert_eq!(colour(check, &f), Colour::Red);
        }
        f.documents.plan = Some(PlanFigure {
            approved: false,
            review_due_on: None,
        });
        assert_eq!(colour(plan_in_force, &f), Colour::Amber);
        f.documents.plan = Some(PlanFigure {
            approved: true,
            review_due_on: Some("2026-12-01".into()),
        });
        assert_eq!(colour(plan_in_force, &f), Colour::Amber);
        f.documents.plan = Some(PlanFigure {
            approved: true,
            review_due_on: Some("2027-12-01".into()),
        });
        assert_eq!(colour(plan_in_force, &f), Colour::Green);

        f.documents.team_members_total = 3;
        f.documents.team_members_without_competence = 3;
        assert_eq!(colour(competence_recorded, &f), Colour::Red);
        f.documents.team_members_without_competence = 1;
        assert_eq!(colour(competence_recorded, &f), Colour::Amber);
        f.documents.team_members_without_competence = 0;
        assert_eq!(colour(competence_recorded, &f), Colour::Green);

        f.documents.documents_total = 5;
        f.documents.documents_placeholder = 2;
        f.documents.documents_unapproved = 3;
        f.documents.documents_review_overdue = 1;
        assert_eq!(colour(documents_controlled, &f), Colour::Amber);
        assert_eq!(colour(documents_reviewed, &f), Colour::Amber);
        f.documents.documents_placeholder = 0;
        f.documents.documents_unapproved = 0;
        f.documents.documents_review_overdue = 0;
        assert_eq!(colour(documents_controlled, &f), Colour::Green);
        assert_eq!(colour(documents_reviewed, &f), Colour::Green);
    }

    #[test]
    fn reviews_need_to_be_held_within_a_year() {
        let mut f = Figures::default();
        assert_eq!(colour(management_review_held, &f), Colour::Red);
        f.reviews.reviews = 1;
        assert_eq!(colour(management_review_held, &f), Colour::Amber);
        f.reviews.days_since_last = Some(400);
        assert_eq!(colour(management_review_held, &f), Colour::Amber);
        f.reviews.days_since_last = Some(30);
        f.reviews.last_held_on = Some("2026-11-05".into());
        let g = management_review_held(&f);
        assert_eq!(g.colour, Colour::Green);
        assert!(g.reason.contains("2026-11-05"));
        assert_eq!(colour(management_engaged, &f), Colour::Green);
    }

    #[test]
    fn audits_need_a_current_programme_and_completed_audits() {
        let mut f = Figures::default();
        assert_eq!(colour(audit_programme, &f), Colour::Red);
        f.audits.current_programme = Some(r("2026"));
        assert_eq!(colour(audit_programme, &f), Colour::Amber);
        f.audits.planned_in_programme = 2;
        assert_eq!(colour(audit_programme, &f), Colour::Amber);
        f.audits.completed_last_year = 1;
        assert_eq!(colour(audit_programme, &f), Colour::Green);
        assert_eq!(colour(audits_on_time, &f), Colour::Green);
        f.audits.overdue = vec![r("Incident audit")];
        assert_eq!(colour(audits_on_time, &f), Colour::Amber);
    }

    #[test]
    fn availability_and_continuity() {
        let mut f = Figures::default();
        assert_eq!(colour(availability_targets, &f), Colour::Red);
        f.services.live = 2;
        f.services.without_availability_target = vec![r("Mail"), r("Payroll")];
        assert_eq!(colour(availability_targets, &f), Colour::Red);
        f.services.without_availability_target.pop();
        assert_eq!(colour(availability_targets, &f), Colour::Amber);
        f.services.without_availability_target.clear();
        assert_eq!(colour(availability_targets, &f), Colour::Green);
        assert_eq!(colour(misses_investigated, &f), Colour::Green);
        f.services.missed_uninvestigated = vec![r("Mail")];
        assert_eq!(colour(misses_investigated, &f), Colour::Amber);

        assert_eq!(colour(continuity_plans, &f), Colour::Red);
        assert_eq!(colour(continuity_tested, &f), Colour::Red);
        f.continuity.approved_plans = 1;
        f.services.without_continuity_plan = vec![r("Payroll")];
        f.continuity.untested = vec![r("Mail plan")];
        assert_eq!(colour(continuity_plans, &f), Colour::Amber);
        assert_eq!(colour(continuity_tested, &f), Colour::Amber);
        f.services.without_continuity_plan.clear();
        f.continuity.untested.clear();
        assert_eq!(colour(continuity_plans, &f), Colour::Green);
        assert_eq!(colour(continuity_tested, &f), Colour::Green);
    }

    #[test]
    fn resolution_records() {
        let mut f = Figures::default();
        for check in [
            incidents_recorded,
            requests_recorded,
            problems_recorded,
            known_errors_shared,
        ] {
            assert_eq!(colour(check, &f), Colour::Red);
        }
        f.resolution.problems = 1;
        assert_eq!(colour(known_errors_shared, &f), Colour::Amber);
        f.resolution.incidents = 3;
        f.resolution.requests = 2;
        f.resolution.known_errors = 1;
        for check in [
            incidents_recorded,
            requests_recorded,
            problems_recorded,
            known_errors_shared,
        ] {
            assert_eq!(colour(check, &f), Colour::Green);
        }
        assert_eq!(colour(major_incidents_reviewed, &f), Colour::Green);
        f.resolution.majors_unreviewed = vec![r("INC-1")];
        assert_eq!(colour(major_incidents_reviewed, &f), Colour::Amber);
        assert_eq!(colour(problems_have_causes, &f), Colour::Green);
        f.resolution.problems_without_cause = vec![r("PRB-1")];
        assert_eq!(colour(problems_have_causes, &f), Colour::Amber);
    }

    #[test]
    fn improvement_and_corrective_action() {
        let mut f = Figures::default();
        assert_eq!(colour(improvements_registered, &f), Colour::Red);
        assert_eq!(colour(effectiveness_checked, &f), Colour::Green);
        f.corrective.closed_without_check = vec![r("NC-1")];
        assert_eq!(colour(effectiveness_checked, &f), Colour::Amber);
        f.corrective.actions_overdue = vec![r("Fix it")];
        assert_eq!(colour(corrective_actions_on_time, &f), Colour::Amber);
        f.improvements.total = 1;
        assert_eq!(colour(improvements_registered, &f), Colour::Green);
        assert_eq!(colour(improvements_on_track, &f), Colour::Green);
        f.improvements.unmeasured = vec![r("IMP-1")];
        let a = improvements_on_track(&f);
        assert_eq!(a.colour, Colour::Amber);
        assert!(a.reason.contains("IMP-1"), "{}", a.reason);
    }

    #[test]
    fn people_catalogue_configuration_relationships_suppliers_reporting() {
        let mut f = Figures::default();
        for check in [
            services_have_owners,
            teams_exist,
            catalogue_published,
            configuration_recorded,
            satisfaction_measured,
            measurement_defined,
            reports_produced,
        ] {
            assert_eq!(colour(check, &f), Colour::Red);
        }
        assert_eq!(colour(suppliers_under_contract, &f), Colour::Green);
        assert_eq!(colour(requirements_documented, &f), Colour::Red);
        assert_eq!(colour(assets_owned, &f), Colour::Red);
        f.services.configuration_items = 2;
        assert_eq!(colour(assets_owned, &f), Colour::Green);
        f.services.items_without_owner = vec![r("db1")];
        assert_eq!(colour(assets_owned, &f), Colour::Amber);
        f.suppliers.active = 1;
        f.suppliers.without_contract = vec![r("Acme")];
        assert_eq!(colour(suppliers_under_contract, &f), Colour::Amber);
        f.services.live = 1;
        f.services.without_owner = vec![r("Mail")];
        assert_eq!(colour(services_have_owners, &f), Colour::Amber);
        f.services.without_owner.clear();
        assert_eq!(colour(services_have_owners, &f), Colour::Green);
        assert_eq!(colour(requirements_documented, &f), Colour::Green);
        f.services.without_requirements = vec![r("Mail")];
        assert_eq!(colour(requirements_documented, &f), Colour::Amber);
        f.reporting.definitions = 1;
        assert_eq!(colour(reports_produced, &f), Colour::Amber);
        f.reporting.recent_snapshots = 1;
        assert_eq!(colour(reports_produced, &f), Colour::Green);
        f.relationships.complaints_open_long = vec![r("CMP-1")];
        assert_eq!(colour(complaints_closed, &f), Colour::Amber);
        let named3 = named(&[r("a"), r("b"), r("c"), r("d"), r("e")]);
        assert_eq!(named3, "a, b, c and 2 more");
    }
}
