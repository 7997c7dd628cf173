//! The dispatcher: reads the audit trail (record lifecycle) and the notifications table (SLA
//! warnings and breaches) after its own cursors, decides who hears of each event, renders
//! the mails and queues them in the transaction that moves the cursors, so each event is
//! mailed once even if a node dies mid-batch. Runs under a lease, on one node at a time.
use super::{preferences, settings, templates};
use crate::App;
use crate::Result;
use serde_json::{Value, json};
use steward_domain::foundation::audit::AuditEntry;
use steward_domain::foundation::mail_out::{Delivery, MailStatus, StoredSmtp};
use steward_domain::resolution::record::Ticket;
use steward_domain::resolution::ticket::TicketKind;
use steward_mail::outbound::{self, EventKind};
use steward_store::Tx;
use steward_store::foundation::mail_outbox::{self, NewMail, Notification};
use steward_store::foundation::{audit, leases, users};
use steward_store::resolution::tickets;

const LEASE: &str = "mail-dispatch";
const BATCH: i64 = 100;

/// One mail to make: to whom, about what.
struct Notice {
    user: i64,
    kind: EventKind,
    detail: Option<String>,
}

impl App {
    /// Turns new events into queued mails; how many, or `None` when another node holds the
    /// lease. While mail is off the cursors still move, so turning it on mails no backlog.
    pub async fn mail_dispatch(&self, node: &str) -> Result<Option<u64>> {
        let mut queued = 0;
        loop {
            let now = self.now();
            let mut tx = self.db.begin().await?;
            if !leases::try_acquire(tx.ex(), LEASE, node, now, now + 60_000_000).await? {
                tx.commit().await?;
                return Ok(None);
            }
            let smtp = settings::active(tx.ex()).await?;
            let from = mail_outbox::cursor(tx.ex(), "audit").await?;
            let entries = audit::batch(tx.ex(), from, BATCH).await?;
            for entry in &entries {
                if let Some(smtp) = &smtp {
                    queued += self.mail_audit_entry(&mut tx, smtp, entry, now).await?;
                }
            }
            if let Some(last) = entries.last() {
                mail_outbox::set_cursor(tx.ex(), "audit", last.seq).await?;
            }
            let from = mail_outbox::cursor(tx.ex(), "notifications").await?;
            let notes = mail_outbox::notifications_after(tx.ex(), from, BATCH).await?;
            for note in &notes {
                if let Some(smtp) = &smtp {
                    queued += self.mail_notification(&mut tx, smtp, note, now).await?;
                }
            }
            if let Some(last) = notes.last() {
                mail_outbox::set_cursor(tx.ex(), "notifications", last.id).await?;
            }
            tx.commit().await?;
            if (entries.len() as i64) < BATCH && (notes.len() as i64) < BATCH {
                return Ok(Some(queued));
            }
        }
    }

    async fn mail_audit_entry(
        &self,
        tx: &mut Tx,
        smtp: &StoredSmtp,
        entry: &AuditEntry,
        now: i64,
    ) -> Result<u64> {
        match entry.record_type.as_str() {
            "change" => return self.mail_change_entry(tx, smtp, entry, now).await,
            "report_snapshot" => return self.mail_snapshot_entry(tx, smtp, entry, now).await,
            t if TicketKind::parse(t).is_none() => return Ok(0),
            _ => {}
        }
        let Ok(id) = entry.record_id.parse::<i64>() else {
            return Ok(0);
        };
        let Some(ticket) = tickets::get_any(tx.ex(), id).await? else {
            return Ok(0);
        };
        let before = parse(entry.before.as_deref());
        let after = parse(entry.after.as_deref());
        let notices = decide(entry, &ticket, &before, &after, tx).await?;
        let link = if notices.iter().any(|n| n.kind == EventKind::RecordResolved) {
            self.open_survey_path(tx, ticket.id, now).await?
        } else {
            None
        };
        let mut queued = 0;
        for n in notices {
            let mut ctx = record_context(smtp, &ticket);
            ctx["actor"] = json!(entry.actor);
            ctx["action"] = json!(entry.action);
            ctx["detail"] = json!(n.detail);
            if n.kind == EventKind::ApprovalDecided {
                let decision = if entry.action == "approve" {
                    "approved"
                } else {
                    "rejected"
                };
                ctx["decision"] = json!(decision);
            }
            ctx["satisfaction_url"] = json!(
                link.as_ref()
                    .and_then(|p| smtp.public_url.as_ref().map(|u| format!("{u}{p}")))
            );
            queued += self
                .queue_mail(tx, smtp, n.user, n.kind, Some(&ticket.number), ctx, now)
                .await?;
        }
        Ok(queued)
    }

    async fn mail_notification(
        &self,
        tx: &mut Tx,
        smtp: &StoredSmtp,
        note: &Notification,
        now: i64,
    ) -> Result<u64> {
        let kind = if note.topic.ends_with("_warning") {
            EventKind::SlaWarning
        } else if note.topic.ends_with("_breach") {
            EventKind::SlaBreach
        } else {
            return Ok(0);
        };
        let Some(ticket_id) = note.ticket_id else {
            return Ok(0);
        };
        let Some(ticket) = tickets::get_any(tx.ex(), ticket_id).await? else {
            return Ok(0);
        };
        let recipients = match (note.recipient_user_id, note.recipient_team_id) {
            (Some(user), _) => vec![user],
            (None, Some(team)) => mail_outbox::team_members(tx.ex(), team).await?,
            _ => Vec::new(),
        };
        let mut queued = 0;
        for user in recipients {
            let mut ctx = record_context(smtp, &ticket);
            ctx["actor"] = json!("Steward");
            ctx["action"] = json!(note.topic);
            ctx["detail"] = json!(note.body);
            queued += self
                .queue_mail(tx, smtp, user, kind, Some(&ticket.number), ctx, now)
                .await?;
        }
        Ok(queued)
    }

    /// Renders and queues one mail to `user`, as the person's preferences say (now, in the
    /// digest, or not at all). Mails about a record thread onto its earlier ones.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn queue_mail(
        &self,
        tx: &mut Tx,
        smtp: &StoredSmtp,
        user: i64,
        kind: EventKind,
        number: Option<&str>,
        mut ctx: Value,
        now: i64,
    ) -> Result<u64> {
        let Some(person) = users::get(tx.ex(), user).await? else {
            return Ok(0);
        };
        let Some(email) = person.email.clone().filter(|e| !e.is_empty()) else {
            return Ok(0);
        };
        if !person.active {
            return Ok(0);
        }
        let status = match preferences::of(tx.ex(), user)
            .await?
            .delivery(kind.as_str())
        {
            Delivery::Off => return Ok(0),
            Delivery::Digest => MailStatus::Digest,
            Delivery::Immediate => MailStatus::Pending,
        };
        ctx["recipient"] = json!({ "name": person.display_name, "email": email });
        let Some(rendered) = templates::render(tx.ex(), kind, &ctx).await? else {
            return Ok(0);
        };
        let number = number.map(str::to_owned);
        let mut subject = rendered.subject;
        if let Some(n) = &number
            && !subject.contains(&format!("[{n}]"))
        {
            // The tag is what threads a reply whose client dropped the headers.
            subject = format!("[{n}] {subject}");
        }
        let (in_reply_to, references) = match &number {
            Some(n) => thread_headers(mail_outbox::thread(tx.ex(), n).await?),
            None => (None, None),
        };
        let mail = NewMail {
            kind: kind.as_str().into(),
            user_id: Some(user),
            to_address: email,
            record_number: number.clone(),
            subject,
            body: rendered.body,
            message_id: outbound::message_id(
                number.as_deref(),
                &settings::unique()?,
                &smtp.mail_domain,
            ),
            in_reply_to,
            references,
            status,
        };
        mail_outbox::enqueue(tx.ex(), &mail, now).await?;
        Ok(1)
    }
}

/// In-Reply-To the newest earlier mail; References the first and the latest ones (at most
/// 20, as clients cut long headers anyway).
fn thread_headers(ids: Vec<String>) -> (Option<String>, Option<String>) {
    let Some(last) = ids.last().cloned() else {
        return (None, None);
    };
    let refs: Vec<&String> = if ids.len() <= 20 {
        ids.iter().collect()
    } else {
        std::iter::once(&ids[0])
            .chain(ids[ids.len() - 19..].iter())
            .collect()
    };
    let refs = refs.into_iter().cloned().collect::<Vec<_>>().join(" ");
    (Some(last), Some(refs))
}

pub(super) fn parse(json: Option<&str>) -> Value {
    json.and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null)
}

fn record_context(smtp: &StoredSmtp, t: &Ticket) -> Value {
    let url = smtp
        .public_url
        .as_ref()
        .map(|u| format!("{u}/{}s/{}", t.kind.as_str(), t.id));
    json!({
        "record": {
            "id": t.id, "number": t.number, "kind": t.kind.as_str(), "title": t.title,
            "status": t.status.as_str(), "priority": t.priority, "description": t.description,
            "resolution_notes": t.resolution_notes, "url": url,
        },
    })
}

/// Who may decide on a request awaiting approval: the item's named approvers, or the
/// active staff with its role.
async fn approvers(tx: &mut Tx, ticket: &Ticket) -> Result<Vec<i64>> {
    use steward_domain::delivery::catalogue::ApprovalRule;
    let Some(item) = ticket.catalogue_item_id else {
        return Ok(Vec::new());
    };
    let rule = steward_store::delivery::catalogue::get_item(tx.ex(), item)
        .await?
        .and_then(|i| i.approval);
    Ok(match rule {
        None => Vec::new(),
        Some(ApprovalRule::Users { user_ids }) => user_ids,
        Some(ApprovalRule::Role { role }) if role.is_staff() => {
            let filter = users::Filter {
                role: Some(role),
                active: Some(true),
                ..Default::default()
            };
            let page = steward_domain::foundation::page::PageRequest {
                limit: 500,
                offset: 0,
            };
            users::list(tx.ex(), &filter, page)
                .await?
                .0
                .into_iter()
                .map(|u| u.id)
                .collect()
        }
        Some(ApprovalRule::Role { .. }) => Vec::new(),
    })
}

fn status_of(v: &Value) -> (Option<&str>, Option<&str>) {
    (v["status"].as_str(), v["pending_reason"].as_str())
}

/// Who hears of one audit entry about a record, and as what.
async fn decide(
    entry: &AuditEntry,
    ticket: &Ticket,
    before: &Value,
    after: &Value,
    tx: &mut Tx,
) -> Result<Vec<Notice>> {
    let actor = entry.actor_id;
    let requester = ticket.requester_id;
    // The assignee at the time of the entry (a comment's `after` is the comment).
    let assignee = after["assignee_id"].as_i64().or(ticket.assignee_id);
    let team = after["team_id"].as_i64().or(ticket.team_id);
    let other = |u: Option<i64>| u.filter(|u| Some(*u) != actor);
    let mut out = Vec::new();
    let mut push = |user: Option<i64>, kind: EventKind, detail: Option<String>| {
        if let Some(user) = user
            && !out.iter().any(|n: &Notice| n.user == user)
        {
            out.push(Notice { user, kind, detail });
        }
    };
    match entry.action.as_str() {
        "create" => {
            push(requester, EventKind::RecordCreated, None);
            if after["status"].as_str() == Some("awaiting_approval") {
                for approver in approvers(tx, ticket).await? {
                    push(
                        other(Some(approver)),
                        EventKind::ApprovalRequested,
                        Some("Approve or reject it on its page.".into()),
                    );
                }
            }
        }
        "reply" => {
            let body = after["body"].as_str().map(str::to_owned);
            push(other(requester), EventKind::RecordUpdated, body.clone());
            push(other(assignee), EventKind::RecordUpdated, body);
        }
        "note" => push(
            other(assignee),
            EventKind::RecordUpdated,
            after["body"].as_str().map(str::to_owned),
        ),
        // A request's approver decided (the action is the decision).
        "approve" | "reject" if ticket.kind == TicketKind::Request => {
            // The decision's reason is kept with the request's approvals, not in the entry.
            let approvals = steward_store::resolution::kinds::approvals(tx.ex(), ticket.id).await?;
            let comment = approvals
                .last()
                .and_then(|a| a.comment.clone())
                .filter(|c| !c.trim().is_empty());
            let detail = match (entry.action.as_str(), comment) {
                ("approve", _) => format!("{} approved it.", entry.actor),
                (_, Some(c)) => format!("{} rejected it: {c}", entry.actor),
                _ => format!("{} rejected it.", entry.actor),
            };
            push(other(requester), EventKind::ApprovalDecided, Some(detail));
        }
        "escalate" | "escalation" => {
            let people = match (assignee, team) {
                (Some(a), _) => vec![a],
                (None, Some(t)) => mail_outbox::team_members(tx.ex(), t).await?,
                _ => Vec::new(),
            };
            for p in people {
                push(Some(p), EventKind::Escalation, None);
            }
        }
        "notification" => {
            let message = after["message"].as_str().map(str::to_owned);
            push(other(assignee), EventKind::MajorIncident, message.clone());
            push(requester, EventKind::MajorIncident, message);
        }
        _ => {
            let (was, was_reason) = status_of(before);
            let (is, reason) = status_of(after);
            if is == Some("resolved") && was != Some("resolved") {
                push(requester, EventKind::RecordResolved, None);
            } else if is == Some("pending")
                && reason == Some("customer")
                && (was, was_reason) != (is, reason)
            {
                push(requester, EventKind::WaitingForCustomer, None);
            } else if is.is_some() {
                push(other(requester), EventKind::RecordUpdated, None);
                push(other(assignee), EventKind::RecordUpdated, None);
            }
        }
    }
    Ok(out)
}
