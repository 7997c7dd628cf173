//! The management-system records at a glance, for the evidence map.
use crate::improvement::{objectives, risks, system_documents};
use crate::{Ex, Result};
use steward_domain::improvement::objective::ObjectiveStatus;
use steward_domain::improvement::system_document::{DocStatus, DocumentKind, SystemFigures};

/// The state of the scope and the policy and the counts over objectives and risks, `today`
/// being `YYYY-MM-DD`. The rules (what is overdue, what is high) are the domain's, so the
/// rows are read and counted here rather than in SQL.
pub async fn conformity_figures(mut ex: Ex<'_>, today: &str) -> Result<SystemFigures> {
    let scope = system_documents::versions(ex.by_ref(), DocumentKind::Scope).await?;
    let policy = system_documents::versions(ex.by_ref(), DocumentKind::Policy).await?;
    let objectives = objectives::list(ex.by_ref(), None).await?;
    let risks = risks::list(ex.by_ref()).await?;
    let count = |n: usize| n as i64;
    Ok(SystemFigures {
        scope: DocStatus::of(&scope),
        policy: DocStatus::of(&policy),
        objectives_total: count(objectives.len()),
        objectives_open_overdue: count(objectives.iter().filter(|o| o.overdue(today)).count()),
        objectives_without_owner_or_measure: count(
            objectives
                .iter()
                .filter(|o| {
                    o.status != ObjectiveStatus::Withdrawn
                        && (o.owner_id.is_none() || o.measure.is_none())
                })
                .count(),
        ),
        risks_total: count(risks.len()),
        risks_review_overdue: count(risks.iter().filter(|r| r.review_overdue(today)).count()),
        risks_high_untreated: count(risks.iter().filter(|r| r.high_untreated()).count()),
    })
}
