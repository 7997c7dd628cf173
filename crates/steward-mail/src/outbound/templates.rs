//! Notification templates: one subject and one body per kind of event, minijinja source,
//! editable by admins. A template that does not parse, or uses an unknown filter or test,
//! fails already against the sample at save; a missing value renders empty (chainable), so
//! an event that lacks some field (no satisfaction link yet) still mails.
use minijinja::{Environment, UndefinedBehavior};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

macro_rules! kinds {
    ($($variant:ident = $name:literal, $label:literal;)*) => {
        /// What a notification is about.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum EventKind { $($variant),* }

        impl EventKind {
            pub const ALL: &[EventKind] = &[$(EventKind::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $(EventKind::$variant => $name),* }
            }
            pub fn label(self) -> &'static str {
                match self { $(EventKind::$variant => $label),* }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($name => Some(EventKind::$variant),)* _ => None }
            }
        }
    };
}

kinds! {
    RecordCreated = "record_created", "Record created";
    RecordUpdated = "record_updated", "Record updated by someone else";
    WaitingForCustomer = "waiting_for_customer", "Waiting for the customer";
    RecordResolved = "record_resolved", "Record resolved";
    SlaWarning = "sla_warning", "SLA warning";
    SlaBreach = "sla_breach", "SLA breach";
    Escalation = "escalation", "Escalation";
    ApprovalRequested = "approval_requested", "Approval requested";
    ApprovalDecided = "approval_decided", "Approval decided";
    MajorIncident = "major_incident", "Major-incident notification";
    ReportSnapshot = "report_snapshot", "Scheduled report snapshot";
    Digest = "digest", "Daily digest";
}

/// A template's source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub subject: String,
    pub body: String,
}

/// A template rendered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

/// Why a template did not render, and which part (`subject` or `body`).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{field}: {message}")]
pub struct TemplateError {
    pub field: &'static str,
    pub message: String,
}

const FOOTER: &str = "\n\n-- \nReply to this mail to add to {{ record.number }}.\n";

/// The template shipped for `kind`.
pub fn default_template(kind: EventKind) -> Template {
    let (subject, body): (&str, String) = match kind {
        EventKind::RecordCreated => (
            "[{{ record.number }}] Received: {{ record.title }}",
            "Hello {{ recipient.name }},\n\n{{ record.number }} \"{{ record.title }}\" has been recorded \
             (priority {{ record.priority }}).{% if record.url %}\n\n{{ record.url }}{% endif %}".to_string() + FOOTER,
        ),
        EventKind::RecordUpdated => (
            "[{{ record.number }}] Updated: {{ record.title }}",
            "Hello {{ recipient.name }},\n\n{{ actor }} updated {{ record.number }} \"{{ record.title }}\" \
             ({{ action }}). Its status is {{ record.status }}.{% if detail %}\n\n{{ detail }}{% endif %}".to_string() + FOOTER,
        ),
        EventKind::WaitingForCustomer => (
            "[{{ record.number }}] Waiting for you: {{ record.title }}",
            "Hello {{ recipient.name }},\n\nWe need your answer to go on with {{ record.number }} \
             \"{{ record.title }}\". Please reply to this mail.".to_string() + FOOTER,
        ),
        EventKind::RecordResolved => (
            "[{{ record.number }}] Resolved: {{ record.title }}",
            "Hello {{ recipient.name }},\n\n{{ record.number }} \"{{ record.title }}\" is resolved.\
             {% if record.resolution_notes %}\n\n{{ record.resolution_notes }}{% endif %}\
             {% if satisfaction_url %}\n\nHow did we do? {{ satisfaction_url }}{% endif %}".to_string() + FOOTER,
        ),
        EventKind::SlaWarning => (
            "[{{ record.number }}] SLA warning: {{ record.title }}",
            "{{ detail }}".to_string() + FOOTER,
        ),
        EventKind::SlaBreach => (
            "[{{ record.number }}] SLA breached: {{ record.title }}",
            "{{ detail }}".to_string() + FOOTER,
        ),
        EventKind::Escalation => (
            "[{{ record.number }}] Escalated: {{ record.title }}",
            "{{ record.number }} \"{{ record.title }}\" was escalated.\n\n{{ detail }}".to_string() + FOOTER,
        ),
        EventKind::ApprovalRequested => (
            "[{{ record.number }}] Approval requested: {{ record.title }}",
            "Hello {{ recipient.name }},\n\nYour approval is asked for {{ record.number }} \
             \"{{ record.title }}\".\n\n{{ detail }}{% if record.url %}\n\n{{ record.url }}{% endif %}".to_string() + FOOTER,
        ),
        EventKind::ApprovalDecided => (
            "[{{ record.number }}] Approval decided: {{ record.title }}",
            "Hello {{ recipient.name }},\n\n{{ record.number }} \"{{ record.title }}\" was \
             {{ decision or \"decided\" }}.\n\n{{ detail }}{% if record.url %}\n\n{{ record.url }}{% endif %}".to_string() + FOOTER,
        ),
        EventKind::MajorIncident => (
            "[{{ record.number }}] Major incident: {{ record.title }}",
            "{{ detail }}".to_string() + FOOTER,
        ),
        EventKind::ReportSnapshot => (
            "Report: {{ report.name }}",
            "Hello {{ recipient.name }},\n\nThe report {{ report.name }} is ready.\n\
             Period: {{ report.period_from }} to {{ report.period_to }}\n{% for r in report.reports %}\n{{ r.title }}\n\
             {% for f in r.figures %}  {{ f.label }}: {{ f.value if f.value is not none else \"no value\" }}\
             {% if f.unit == \"percent\" and f.value is not none %} %{% endif %}\n{% endfor %}{% endfor %}\
             {% if report.url %}\n{{ report.url }}\n{% endif %}".to_string(),
        ),
        EventKind::Digest => (
            "Steward: {{ items | length }} notifications",
            "Hello {{ recipient.name }},\n\n{% for item in items %}* {{ item.subject }}\n{{ item.body | indent(2, true) }}\n\n{% endfor %}".to_string(),
        ),
    };
    Template {
        subject: subject.to_string(),
        body,
    }
}

/// What a template can use, with made-up values: for the preview and the check at save.
pub fn sample_context(kind: EventKind) -> Value {
    let record = json!({
        "number": "INC-000123", "kind": "incident", "title": "Printer on floor 2 is jammed",
        "status": "in_progress", "priority": "P3", "description": "Paper jam in tray 2.",
        "resolution_notes": "Replaced the roller.", "url": "https://desk.example/tickets/123",
    });
    let mut ctx = json!({
        "record": record,
        "recipient": { "name": "Ann Example", "email": "ann@example.org" },
        "actor": "Bob Agent",
        "action": "comment",
        "detail": "Elapsed 3300 s of 3600 s; due 2026-01-01T10:00:00Z.",
        "satisfaction_url": "https://desk.example/survey/abc123",
        "decision": "approved",
        "report": {
            "name": "Monthly SLA compliance", "url": "https://desk.example/manage/report-snapshots/1",
            "period_from": "2026-01-01T00:00:00Z", "period_to": "2026-02-01T00:00:00Z",
            "reports": [{ "name": "sla-compliance", "title": "SLA compliance", "figures": [
                { "label": "Compliance", "value": "97.50", "unit": "percent" },
                { "label": "Records", "value": "120", "unit": "count" },
            ]}],
        },
    });
    if kind == EventKind::Digest {
        ctx["items"] = json!([
            { "subject": "[INC-000123] Updated: Printer", "body": "Bob Agent updated INC-000123." },
            { "subject": "[REQ-000007] Resolved: New laptop", "body": "REQ-000007 is resolved." },
        ]);
    }
    ctx
}

/// Renders `template` with `ctx`; an error names the part that failed.
pub fn render(template: &Template, ctx: &Value) -> Result<Rendered, TemplateError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    let one = |field: &'static str, src: &str| {
        env.render_str(src, ctx).map_err(|e| TemplateError {
            field,
            message: describe(&e),
        })
    };
    let subject = one("subject", &template.subject)?;
    let body = one("body", &template.body)?;
    if subject.contains(['\r', '\n']) {
        return Err(TemplateError {
            field: "subject",
            message: "the subject renders to more than one line".into(),
        });
    }
    Ok(Rendered {
        subject: subject.trim().to_string(),
        body,
    })
}

/// The error with its line, without minijinja's multi-line debug dump.
fn describe(e: &minijinja::Error) -> String {
    match e.line() {
        Some(line) => format!("{} (line {line})", e),
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_renders_against_its_sample() {
        for kind in EventKind::ALL {
            let r = render(&default_template(*kind), &sample_context(*kind))
                .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
            assert!(!r.subject.is_empty());
            assert_eq!(EventKind::parse(kind.as_str()), Some(*kind));
        }
        let r = render(
            &default_template(EventKind::RecordResolved),
            &sample_context(EventKind::RecordResolved),
        )
        .unwrap();
        assert!(r.body.contains("/survey/abc123"), "{}", r.body);
        assert_eq!(
            r.subject,
            "[INC-000123] Resolved: Printer on floor 2 is jammed"
        );
        let r = render(
            &default_template(EventKind::ReportSnapshot),
            &sample_context(EventKind::ReportSnapshot),
        )
        .unwrap();
        assert!(r.body.contains("  Compliance: 97.50 %\n"), "{}", r.body);
        assert!(r.body.contains("  Records: 120\n"), "{}", r.body);
        let r = render(
            &default_template(EventKind::ApprovalDecided),
            &sample_context(EventKind::ApprovalDecided),
        )
        .unwrap();
        assert!(r.body.contains("was approved."), "{}", r.body);
    }

    #[test]
    fn broken_template_names_its_field() {
        let bad = Template {
            subject: "ok".into(),
            body: "{% if %}".into(),
        };
        let e = render(&bad, &sample_context(EventKind::RecordCreated)).unwrap_err();
        assert_eq!(e.field, "body");
        let bad = Template {
            subject: "{{ record.number | nosuchfilter }}".into(),
            body: "".into(),
        };
        assert_eq!(
            render(&bad, &sample_context(EventKind::RecordCreated))
                .unwrap_err()
                .field,
            "subject"
        );
    }
}
