//! Mail about records only staff see, read from the audit trail by the dispatcher: a change
//! waiting for its board asks each member (approval requested), the board's verdict goes to
//! whoever raised the change (approval decided), and a generated report snapshot goes to its
//! definition's owner. Links point to the staff screens.
use super::dispatch::parse;
use crate::App;
use crate::Result;
use serde_json::{Value, json};
use steward_domain::foundation::audit::AuditEntry;
use steward_domain::foundation::mail_out::StoredSmtp;
use steward_mail::outbound::EventKind;
use steward_store::Tx;
use steward_store::delivery::{change_boards, changes};
use steward_store::reporting::report_definitions as defs;

/// A staff screen's address under the public URL, if one is configured.
fn staff_url(smtp: &StoredSmtp, path: &str) -> Option<String> {
    smtp.public_url.as_ref().map(|u| format!("{u}{path}"))
}

/// The board's verdict in words, from the change's approval after the decision.
fn verdict(after: &Value, state: &str) -> String {
    let last = after["approval"]["decisions"]
        .as_array()
        .and_then(|d| d.last())
        .cloned()
        .unwrap_or(Value::Null);
    let comment = last["comment"].as_str().filter(|c| !c.trim().is_empty());
    match (state, comment) {
        ("approved", _) => {
            "The change advisory board approved it; the change is authorized.".into()
        }
        (_, Some(c)) => format!("The change advisory board rejected it: {c}"),
        _ => "The change advisory board rejected it.".into(),
    }
}

impl App {
    /// A change's approval moving to `requested` asks the board's members; moving on to
    /// `approved` or `rejected` tells the person who raised it. Nobody hears of their own act.
    pub(super) async fn mail_change_entry(
        &self,
        tx: &mut Tx,
        smtp: &StoredSmtp,
        entry: &AuditEntry,
        now: i64,
    ) -> Result<u64> {
        let Ok(id) = entry.record_id.parse::<i64>() else {
            return Ok(0);
        };
        let (before, after) = (
            parse(entry.before.as_deref()),
            parse(entry.after.as_deref()),
        );
        let state = |v: &Value| v["approval"]["state"].as_str().map(str::to_owned);
        let (was, is) = (state(&before), state(&after));
        if was == is {
            return Ok(0);
        }
        let Some(change) = changes::get(tx.ex(), id).await? else {
            return Ok(0);
        };
        let (kind, people, detail, decision) = match is.as_deref() {
            Some("requested") => {
                let Some(board) = after["approval"]["board_id"].as_i64() else {
                    return Ok(0);
                };
                // Short lines: a mail line over 76 characters gets encoded.
                let window = match (&change.planned_start, &change.planned_end) {
                    (Some(s), Some(e)) => format!("\nPlanned from {s} to {e} (UTC)."),
                    _ => String::new(),
                };
                let detail = format!(
                    "Risk {}, impact {}.{window}\nApprove or reject it on its page.",
                    change.risk_level.as_str(),
                    change.impact.as_str(),
                );
                let members = change_boards::members(tx.ex(), board).await?;
                (EventKind::ApprovalRequested, members, detail, None)
            }
            Some(s @ ("approved" | "rejected")) if was.as_deref() == Some("requested") => (
                EventKind::ApprovalDecided,
                change.created_by.into_iter().collect(),
                verdict(&after, s),
                Some(s.to_owned()),
            ),
            _ => return Ok(0),
        };
        let mut queued = 0;
        for user in people.into_iter().filter(|u| Some(*u) != entry.actor_id) {
            let ctx = json!({
                "record": {
                    "id": change.id, "number": change.number, "kind": "change",
                    "title": change.title, "status": change.status.as_str(),
                    "priority": Value::Null, "description": change.description,
                    "url": staff_url(smtp, &format!("/manage/changes/{}/view", change.id)),
                },
                "actor": entry.actor,
                "action": entry.action,
                "detail": detail,
                "decision": decision,
            });
            queued += self
                .queue_mail(tx, smtp, user, kind, Some(&change.number), ctx, now)
                .await?;
        }
        Ok(queued)
    }

    /// A snapshot generated (by the schedule or by "Generate now") goes to its definition's
    /// owner with each report's summary figures.
    pub(super) async fn mail_snapshot_entry(
        &self,
        tx: &mut Tx,
        smtp: &StoredSmtp,
        entry: &AuditEntry,
        now: i64,
    ) -> Result<u64> {
        if entry.action != "generate" {
            return Ok(0);
        }
        let Ok(id) = entry.record_id.parse::<i64>() else {
            return Ok(0);
        };
        let Some((snapshot, raw)) = defs::snapshot(tx.ex(), id).await? else {
            return Ok(0);
        };
        let Some(definition) = defs::get(tx.ex(), snapshot.definition_id).await? else {
            return Ok(0);
        };
        let Some(owner) = definition.owner_id else {
            return Ok(0);
        };
        let content: Value = serde_json::from_str(&raw).unwrap_or(Value::Null);
        let reports: Vec<Value> = content["reports"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                let figures: Vec<Value> = r["summary"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|f| {
                        json!({
                            "label": f["label"], "unit": f["unit"],
                            "value": f["value"].as_f64().map(figure),
                        })
                    })
                    .collect();
                json!({ "name": r["name"], "title": r["title"], "figures": figures })
            })
            .collect();
        let ctx = json!({
            "report": {
                "name": definition.name,
                "url": staff_url(smtp, &format!("/manage/report-snapshots/{id}")),
                "period_from": snapshot.period_from,
                "period_to": snapshot.period_to,
                "sha256": snapshot.content_sha256,
                "reports": reports,
            },
            "actor": entry.actor,
            "action": entry.action,
        });
        self.queue_mail(tx, smtp, owner, EventKind::ReportSnapshot, None, ctx, now)
            .await
    }
}

/// A figure as a reader wants it: whole numbers without decimals, others to two places.
fn figure(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_as_people_write_them() {
        assert_eq!(figure(12.0), "12");
        assert_eq!(figure(97.456), "97.46");
    }

    #[test]
    fn the_verdict_carries_the_rejection_comment() {
        let after = json!({"approval": {"decisions": [
            {"decision": "approve", "comment": null},
            {"decision": "reject", "comment": "No back-out plan for the database"},
        ]}});
        assert_eq!(
            verdict(&after, "rejected"),
            "The change advisory board rejected it: No back-out plan for the database"
        );
        assert!(verdict(&after, "approved").contains("authorized"));
    }
}
