//! A report as one standalone, accessible HTML page: headline figures with their trend in
//! words and arrows, the chart (with a text alternative), the table and the notes.
use steward_domain::reporting::report::{Figure, Report};

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn show(v: Option<f64>, unit: &str) -> String {
    match v {
        None => "—".into(),
        Some(v) => match unit {
            "percent" => format!("{v:.2} %"),
            "days" => format!("{v:.3} d"),
            _ if v.fract() == 0.0 => format!("{v:.0}"),
            _ => format!("{v:.3}"),
        },
    }
}

fn trend(f: &Figure) -> String {
    match f.change_percent {
        None => "no comparison with the previous period".into(),
        Some(c) if c > 0.0 => format!(
            "▲ up {c:.1} % on the previous period ({})",
            show(f.previous, &f.unit)
        ),
        Some(c) if c < 0.0 => format!(
            "▼ down {:.1} % on the previous period ({})",
            -c,
            show(f.previous, &f.unit)
        ),
        Some(_) => format!(
            "■ unchanged from the previous period ({})",
            show(f.previous, &f.unit)
        ),
    }
}

pub(crate) const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1a1a1a;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}.meta{color:#444;margin-top:0}
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(13rem,1fr));gap:.8rem;padding:0;list-style:none}
.figures li{border:1px solid #767676;border-radius:.4rem;padding:.7rem}
.figures .value{font-size:1.5rem;font-weight:650;display:block}.figures .trend{font-size:.9rem;color:#333}
figure{margin:1.5rem 0}figure svg{max-width:100%;height:auto}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{border:1px solid #999;padding:.3rem .5rem;text-align:right}th:first-child,td:first-child{text-align:left}
caption{text-align:left;font-weight:600;padding:.4rem 0}
.caveat{border-left:5px solid #7a4b00;background:#fdf6e7;padding:.4rem .8rem}";

/// The report as a standalone HTML page.
pub fn page(report: &Report) -> String {
    let mut h = String::with_capacity(16 * 1024);
    h.push_str("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    h.push_str(&format!(
        "<title>{} — Steward</title><style>{STYLE}</style></head><body><main>",
        escape(&report.title)
    ));
    section(&mut h, report, 1, "report");
    h.push_str("</main></body></html>\n");
    h
}

/// A report's heading (at `level`), figures, chart, table and notes, for a page that holds
/// it alone or with others; `id` keeps its chart's caption id unique on the page.
pub(crate) fn section(h: &mut String, report: &Report, level: u8, id: &str) {
    let sub = level + 1;
    h.push_str(&format!("<h{level}>{}</h{level}>", escape(&report.title)));
    // Availability is over services, for the whole period; the others over records.
    let subject = if report.name == "availability" {
        "Live services,".to_owned()
    } else {
        format!("{} records,", escape(&report.kind))
    };
    h.push_str(&format!(
        "<p class=\"meta\">{subject} {} to {} (grouped by {}); compared with {} to {}. Generated {}.</p>",
        escape(&report.from),
        escape(&report.to),
        escape(&report.grouping),
        escape(&report.previous_from),
        escape(&report.previous_to),
        escape(&report.generated_at)
    ));
    for c in &report.caveats {
        h.push_str(&format!(
            "<p class=\"caveat\" role=\"note\"><strong>Read with care:</strong> {}</p>",
            escape(c)
        ));
    }
    h.push_str(&format!("<h{sub}>Summary</h{sub}><ul class=\"figures\">"));
    for f in &report.summary {
        h.push_str(&format!(
            "<li><span class=\"label\">{}</span><span class=\"value\">{}</span><span class=\"trend\">{}</span></li>",
            escape(&f.label),
            show(f.value, &f.unit),
            escape(&trend(f))
        ));
    }
    h.push_str("</ul>");
    if let Some(svg) = crate::chart::svg(report) {
        let svg = svg.replacen(
            "<svg ",
            &format!("<svg role=\"img\" aria-labelledby=\"{id}-chart\" "),
            1,
        );
        h.push_str(&format!(
            "<figure>{svg}<figcaption id=\"{id}-chart\">Chart of the table below: {}.</figcaption></figure>",
            escape(&report.title)
        ));
    }
    h.push_str(&format!(
        "<table><caption>{}</caption><thead><tr>",
        escape(&report.title)
    ));
    for c in &report.columns {
        h.push_str(&format!("<th scope=\"col\">{}</th>", escape(&c.label)));
    }
    h.push_str("</tr></thead><tbody>");
    for row in &report.rows {
        h.push_str("<tr>");
        for (i, v) in row.iter().enumerate() {
            let text = escape(&crate::table::cell(v));
            if i == 0 {
                h.push_str(&format!("<th scope=\"row\">{text}</th>"));
            } else {
                h.push_str(&format!("<td>{text}</td>"));
            }
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table>");
    if !report.notes.is_empty() {
        h.push_str(&format!(
            "<h{sub}>How these figures are counted</h{sub}><ul>"
        ));
        for n in &report.notes {
            h.push_str(&format!("<li>{}</li>", escape(n)));
        }
        h.push_str("</ul>");
    }
}
