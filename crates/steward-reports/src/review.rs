//! A management review's input pack as one self-contained HTML document: the period, the
//! actions of earlier reviews, each report of the period, complaints, the improvement
//! register, and what the pack does not hold.
use crate::html::{STYLE, escape, section};
use steward_domain::improvement::review::ReviewPack;

pub fn review_page(pack: &ReviewPack, frozen: Option<(&str, &str)>) -> String {
    let mut h = String::with_capacity(64 * 1024);
    h.push_str("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    h.push_str(&format!(
        "<title>Management review input: {} — Steward</title><style>{STYLE}</style></head><body><main>",
        escape(&pack.title)
    ));
    h.push_str(&format!(
        "<h1>Management review input: {}</h1><p class=\"meta\">Period {} to {} (not included), UTC. Compiled {}.{}</p>",
        escape(&pack.title),
        escape(&pack.period_from),
        escape(&pack.period_to),
        escape(&pack.generated_at),
        match frozen {
            Some((at, sha)) => format!(
                " Frozen {}; SHA-256 of the pack's JSON {}.",
                escape(at),
                escape(sha)
            ),
            None => " Not frozen: compiled from the live records when opened.".into(),
        }
    ));
    h.push_str("<h2>Actions from previous reviews</h2>");
    if pack.previous_actions.is_empty() {
        h.push_str("<p>None recorded.</p>");
    } else {
        h.push_str("<table><caption>Decisions and actions of earlier reviews</caption><thead><tr><th scope=\"col\">Kind</th><th scope=\"col\">Text</th><th scope=\"col\">Due</th><th scope=\"col\">Status</th></tr></thead><tbody>");
        for a in &pack.previous_actions {
            h.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                a.kind.as_str(),
                escape(&a.text),
                escape(a.due_date.as_deref().unwrap_or("—")),
                a.status.as_str()
            ));
        }
        h.push_str("</tbody></table>");
    }
    for (i, report) in pack.reports.iter().enumerate() {
        section(&mut h, report, 2, &format!("r{i}"));
    }
    let c = &pack.complaints;
    h.push_str(&format!(
        "<h2>Complaints</h2><p>{} opened and {} closed in the period; {} open now.</p>",
        c.opened_in_period, c.closed_in_period, c.open_now
    ));
    let sup = &pack.suppliers;
    h.push_str(&format!(
        "<h2>Suppliers and agreements</h2><p>{} OLA targets and {} underpinning-contract targets breached in the period; {} supplier disputes opened in the period, {} open now.</p>",
        sup.ola_breaches, sup.contract_breaches, sup.disputes_opened_in_period, sup.disputes_open_now
    ));
    let n = &pack.conformity;
    h.push_str(&format!(
        "<h2>Internal audits and nonconformities</h2><p>{} audits planned in the period, {} of them completed; {} nonconformity findings recorded in the period. {} nonconformities open now, {} of them with a corrective action overdue.</p>",
        n.audits_planned, n.audits_completed, n.nonconformity_findings, n.nonconformities_open, n.nonconformities_overdue
    ));
    h.push_str("<h2>Improvements</h2>");
    if pack.improvements.is_empty() {
        h.push_str("<p>The register is empty.</p>");
    } else {
        h.push_str("<table><caption>The improvement register, open and completed</caption><thead><tr><th scope=\"col\">Number</th><th scope=\"col\">Title</th><th scope=\"col\">Status</th><th scope=\"col\">Score</th><th scope=\"col\">Measured result</th></tr></thead><tbody>");
        for o in &pack.improvements {
            h.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&o.number),
                escape(&o.title),
                escape(&o.status),
                o.score.map_or_else(|| "—".to_owned(), |s| s.to_string()),
                escape(o.result.as_deref().unwrap_or("—"))
            ));
        }
        h.push_str("</tbody></table>");
    }
    if !pack.not_included.is_empty() {
        h.push_str("<h2>Not in this pack</h2><ul>");
        for n in &pack.not_included {
            h.push_str(&format!("<li>{}</li>", escape(n)));
        }
        h.push_str("</ul>");
    }
    h.push_str("</main></body></html>\n");
    h
}
