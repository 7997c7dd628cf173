//! Small server-rendered SVG drawings: a calendar's week. Intervals carry their times as
//! text and hatching, so the drawing reads without colour; each has a title for screen readers.
use std::fmt::Write;

/// Escapes text for SVG content and attributes.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The shared pattern definitions: solid, hatched and dotted fills.
const DEFS: &str = r##"<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#cfe0f5"/><line x1="0" y1="0" x2="0" y2="6" stroke="#1d4f91" stroke-width="2.5"/></pattern><pattern id="dots" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#f6e7c8"/><circle cx="3" cy="3" r="1.6" fill="#6b4a00"/></pattern></defs>"##;

/// Working hours across a week: one row per day, 0–24 h, with the intervals drawn and
/// written out as text beside each row.
/// One weekday of a calendar: its name, working intervals in hours since midnight, and the
/// same as text.
pub type Day<'a> = (&'a str, Vec<(f64, f64)>, String);

pub fn week(id: &str, title: &str, days: &[Day<'_>]) -> String {
    let row = 28.0;
    let left = 50.0;
    let span = 360.0;
    let height = row * days.len() as f64 + 30.0;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="chart" role="img" aria-labelledby="{id}-t" viewBox="0 0 {w} {height}" width="100%" preserveAspectRatio="xMinYMin meet"><title id="{id}-t">{t}</title>{DEFS}"#,
        w = left + span + 190.0,
        t = esc(title),
    );
    for h in [0, 6, 12, 18, 24] {
        let x = left + span * f64::from(h) / 24.0;
        let _ = write!(
            out,
            r##"<line x1="{x}" y1="0" x2="{x}" y2="{y2}" stroke="#767676" stroke-width="0.5"/><text x="{x}" y="{ty}" text-anchor="middle" class="chart-label">{h:02}:00</text>"##,
            y2 = height - 22.0,
            ty = height - 6.0,
        );
    }
    for (i, (day, intervals, text)) in days.iter().enumerate() {
        let y = 4.0 + row * i as f64;
        let _ = write!(
            out,
            r#"<text x="{lx}" y="{ty}" text-anchor="end" class="chart-label">{day}</text>"#,
            lx = left - 6.0,
            ty = y + 14.0,
        );
        for (start, end) in intervals {
            let _ = write!(
                out,
                r##"<rect x="{x:.1}" y="{y}" width="{w:.1}" height="18" fill="url(#hatch)" stroke="#1d4f91"/>"##,
                x = left + span * start / 24.0,
                w = span * (end - start) / 24.0,
            );
        }
        let _ = write!(
            out,
            r#"<text x="{tx}" y="{ty}" class="chart-value">{text}</text>"#,
            tx = left + span + 8.0,
            ty = y + 14.0,
            text = esc(text),
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_week_draws_each_interval_in_proportion() {
        let svg = week(
            "w",
            "Hours",
            &[("Mon", vec![(9.0, 17.0)], "09:00–17:00".into())],
        );
        // 8 of 24 hours across 360 units.
        assert!(svg.contains("width=\"120.0\""), "{svg}");
        assert!(svg.contains("09:00–17:00"));
    }
}
