//! Charts drawn with plotters' SVG backend. Series differ by shade *and* by shape, dash or
//! label, so a chart reads without colour.
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use steward_domain::reporting::report::{ChartSpec, Report};

const WIDTH: u32 = 760;
const HEIGHT: u32 = 340;
/// Dark to light, distinguishable in greyscale; with enough contrast on white for lines.
const SHADES: [RGBColor; 5] = [
    RGBColor(0x1f, 0x3a, 0x5f),
    RGBColor(0x6b, 0x8f, 0xb5),
    RGBColor(0xc4, 0x6a, 0x1b),
    RGBColor(0x4d, 0x4d, 0x4d),
    RGBColor(0xa8, 0xa8, 0xa8),
];

fn column(report: &Report, key: &str) -> Option<usize> {
    report.columns.iter().position(|c| c.key == key)
}

fn value(row: &[serde_json::Value], at: usize) -> f64 {
    row.get(at).and_then(|v| v.as_f64()).unwrap_or(0.0)
}

fn label(row: &[serde_json::Value]) -> String {
    crate::table::cell(row.first().unwrap_or(&serde_json::Value::Null))
}

fn series_label(report: &Report, key: &str) -> String {
    report
        .columns
        .iter()
        .find(|c| c.key == key)
        .map(|c| c.label.clone())
        .unwrap_or_else(|| key.to_owned())
}

/// The report's chart as an SVG document, or `None` when it has none or no rows.
pub fn svg(report: &Report) -> Option<String> {
    let spec = report.chart.as_ref()?;
    if report.rows.is_empty() {
        return None;
    }
    let mut out = String::new();
    let drawn = {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        match spec {
            ChartSpec::StackedBars { series, unit } => {
                bars(&root, report, std::slice::from_ref(series), unit)
            }
            ChartSpec::Bars { groups, unit } => bars(&root, report, groups, unit),
            ChartSpec::Line { series, unit } => lines(&root, report, series, unit),
            ChartSpec::BarsWithTarget {
                value,
                target,
                unit,
            } => against_target(&root, report, value, *target, unit),
        }
        .and_then(|_| root.present().map_err(|e| e.to_string()))
    };
    drawn.ok().map(|_| out)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// White background, axes and labelled mesh shared by every chart: rows along x (bars take
/// the slot `[i, i + 1)`, lines the point `i`), values from 0 to `top` along y.
fn axes<'a, 'b>(
    root: &'a Area<'b>,
    report: &Report,
    width: f64,
    top: f64,
    unit: &str,
    bars: bool,
) -> Result<Chart<'a, 'b>, String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let n = report.rows.len();
    let labels: Vec<String> = report.rows.iter().map(|r| label(r)).collect();
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .x_label_area_size(if bars { 56 } else { 48 })
        .y_label_area_size(56)
        .build_cartesian_2d(0f64..width, 0f64..top)
        .map_err(|e| e.to_string())?;
    let slot = |x: f64| if bars { x.floor() } else { x.round() };
    let mut mesh = chart.configure_mesh();
    if bars {
        mesh.disable_x_mesh();
    }
    mesh.y_desc(unit)
        .label_style(("sans-serif", 16))
        .y_label_formatter(&|v| trim_number(*v))
        // One tick per row (at most a dozen): bars stand just right of their row's tick.
        .x_labels(n.min(12) + usize::from(bars))
        .x_label_formatter(&|x| labels.get(slot(*x) as usize).cloned().unwrap_or_default())
        .draw()
        .map_err(|e| e.to_string())?;
    Ok(chart)
}

/// Bars side by side in each row's slot, one per group, each group's columns stacked. White
/// outlines separate the segments, and the legend says where each series is (left bar,
/// bottom, …), so the chart does not rely on shade.
fn bars(
    root: &Area<'_>,
    report: &Report,
    groups: &[Vec<String>],
    unit: &str,
) -> Result<(), String> {
    let groups: Vec<Vec<(usize, &String)>> = groups
        .iter()
        .map(|g| {
            g.iter()
                .filter_map(|key| column(report, key).map(|c| (c, key)))
                .collect::<Vec<_>>()
        })
        .filter(|g| !g.is_empty())
        .collect();
    let height = |group: &[(usize, &String)], row: &[serde_json::Value]| -> f64 {
        group.iter().map(|(c, _)| value(row, *c)).sum()
    };
    let top = report
        .rows
        .iter()
        .flat_map(|r| groups.iter().map(|g| height(g, r)))
        .fold(0.0, f64::max)
        .max(1.0)
        * 1.1;
    let mut chart = axes(root, report, report.rows.len() as f64, top, unit, true)?;
    let width = 0.7 / groups.len().max(1) as f64;
    let mut shades = SHADES.iter().cycle();
    for (g, group) in groups.iter().enumerate() {
        for (s, (c, key)) in group.iter().enumerate() {
            let shade = *shades.next().unwrap_or(&BLACK);
            let segment = |x: usize, row: &[serde_json::Value]| {
                let left = x as f64 + 0.15 + g as f64 * width;
                let below = height(&group[..s], row);
                [(left, below), (left + width * 0.92, below + value(row, *c))]
            };
            let rects = |style: ShapeStyle| {
                report
                    .rows
                    .iter()
                    .enumerate()
                    .map(move |(x, r)| Rectangle::new(segment(x, r), style))
            };
            chart
                .draw_series(rects(shade.filled()))
                .map_err(|e| e.to_string())?
                .label(match position(groups.len(), g, group.len(), s) {
                    Some(p) => format!("{} ({p})", series_label(report, key)),
                    None => series_label(report, key),
                })
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], shade.filled())
                });
            chart
                .draw_series(rects(WHITE.stroke_width(1)))
                .map_err(|e| e.to_string())?;
        }
    }
    chart
        .configure_series_labels()
        .label_font(("sans-serif", 16))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(|e| e.to_string())
}

/// Where series `s` of group `g` is drawn, in words (`None` for a lone bar).
fn position(groups: usize, g: usize, stack: usize, s: usize) -> Option<String> {
    let ordinal = |i: usize| match i {
        1 => "1st".to_owned(),
        2 => "2nd".to_owned(),
        3 => "3rd".to_owned(),
        n => format!("{n}th"),
    };
    let across = match g {
        _ if groups < 2 => None,
        0 => Some("left bar".to_owned()),
        _ if g + 1 == groups => Some("right bar".to_owned()),
        _ if groups == 3 => Some("middle bar".to_owned()),
        _ => Some(format!("{} bar from the left", ordinal(g + 1))),
    };
    let up = match s {
        _ if stack < 2 => None,
        0 => Some("bottom".to_owned()),
        _ if s + 1 == stack => Some("top".to_owned()),
        _ if stack == 3 => Some("middle".to_owned()),
        _ => Some(format!("{} from the bottom", ordinal(s + 1))),
    };
    match (across, up) {
        (Some(a), Some(u)) => Some(format!("{a}, {u}")),
        (a, u) => a.or(u),
    }
}

fn lines(root: &Area<'_>, report: &Report, series: &[String], unit: &str) -> Result<(), String> {
    let cols: Vec<usize> = series.iter().filter_map(|s| column(report, s)).collect();
    let n = report.rows.len();
    let top = report
        .rows
        .iter()
        .flat_map(|r| cols.iter().map(|c| value(r, *c)))
        .fold(0.0, f64::max)
        .max(1.0)
        * 1.15;
    let mut chart = axes(root, report, (n.max(2) - 1) as f64, top, unit, false)?;
    for (i, (c, key)) in cols.iter().zip(series).enumerate() {
        let shade = SHADES[i % SHADES.len()];
        let points: Vec<(f64, f64)> = report
            .rows
            .iter()
            .enumerate()
            .map(|(x, r)| (x as f64, value(r, *c)))
            .collect();
        let name = series_label(report, key);
        if i % 2 == 0 {
            chart
                .draw_series(LineSeries::new(points.clone(), shade.stroke_width(2)))
                .map_err(|e| e.to_string())?
                .label(format!("{name} (solid, circles)"))
                .legend(move |(x, y)| Circle::new((x + 6, y), 4, shade.filled()));
            chart
                .draw_series(points.iter().map(|p| Circle::new(*p, 4, shade.filled())))
                .map_err(|e| e.to_string())?;
        } else {
            chart
                .draw_series(DashedLineSeries::new(
                    points.clone(),
                    8,
                    5,
                    shade.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?
                .label(format!("{name} (dashed, triangles)"))
                .legend(move |(x, y)| TriangleMarker::new((x + 6, y), 5, shade.filled()));
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|p| TriangleMarker::new(*p, 5, shade.filled())),
                )
                .map_err(|e| e.to_string())?;
        }
    }
    chart
        .configure_series_labels()
        .label_font(("sans-serif", 16))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(|e| e.to_string())
}

fn against_target(
    root: &Area<'_>,
    report: &Report,
    key: &str,
    target: f64,
    unit: &str,
) -> Result<(), String> {
    let Some(c) = column(report, key) else {
        return Err(format!("no column {key}"));
    };
    let n = report.rows.len();
    let top = report
        .rows
        .iter()
        .map(|r| value(r, c))
        .fold(target, f64::max)
        .max(1.0)
        * 1.1;
    let mut chart = axes(root, report, n as f64, top, unit, true)?;
    // A row without a figure (nothing measured) gets no bar and says so, as its table cell does.
    let measured = |r: &[serde_json::Value]| r.get(c).and_then(|v| v.as_f64());
    chart
        .draw_series(report.rows.iter().enumerate().filter_map(|(x, r)| {
            let x0 = x as f64 + 0.2;
            measured(r).map(|v| Rectangle::new([(x0, 0.0), (x0 + 0.6, v)], SHADES[0].filled()))
        }))
        .map_err(|e| e.to_string())?
        .label(series_label(report, key))
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], SHADES[0].filled()));
    // Each bar says whether it reaches the target in words, not only by its height.
    chart
        .draw_series(report.rows.iter().enumerate().map(|(x, r)| {
            let (text, v) = match measured(r) {
                Some(v) if v >= target => (format!("{v:.1} meets"), v),
                Some(v) => (format!("{v:.1} below"), v),
                None => ("no data".to_owned(), 0.0),
            };
            Text::new(
                text,
                (x as f64 + 0.22, v + top * 0.02),
                ("sans-serif", 15).into_font(),
            )
        }))
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(DashedLineSeries::new(
            vec![(0.0, target), (n as f64, target)],
            10,
            6,
            SHADES[2].stroke_width(2),
        ))
        .map_err(|e| e.to_string())?
        .label(format!("Target {target}% (dashed line)"))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], SHADES[2].stroke_width(2)));
    chart
        .configure_series_labels()
        .label_font(("sans-serif", 16))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(|e| e.to_string())
}

/// Axis numbers without a pointless `.0`.
fn trim_number(v: f64) -> String {
    if v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use steward_domain::reporting::report::{Column, Filters};

    fn report(chart: ChartSpec) -> Report {
        let col = |key: &str, label: &str| Column {
            key: key.into(),
            label: label.into(),
        };
        Report {
            name: "volumes".into(),
            title: "Volumes".into(),
            from: "2026-01-01T00:00:00Z".into(),
            to: "2026-01-03T00:00:00Z".into(),
            previous_from: "2025-12-30T00:00:00Z".into(),
            previous_to: "2026-01-01T00:00:00Z".into(),
            grouping: "day".into(),
            kind: "incident".into(),
            filters: Filters::default(),
            summary: Vec::new(),
            columns: vec![
                col("period", "Period"),
                col("opened", "Opened"),
                col("resolved", "Resolved"),
                col("cancelled", "Closed unresolved"),
            ],
            rows: vec![
                vec![
                    serde_json::json!("2026-01-01"),
                    40.into(),
                    30.into(),
                    5.into(),
                ],
                vec![
                    serde_json::json!("2026-01-02"),
                    20.into(),
                    25.into(),
                    0.into(),
                ],
            ],
            chart: Some(chart),
            notes: Vec::new(),
            generated_at: "2026-01-03T00:00:00Z".into(),
        }
    }

    #[test]
    fn a_row_without_a_figure_draws_no_bar_and_says_no_data() {
        let mut r = report(ChartSpec::BarsWithTarget {
            value: "opened".into(),
            target: 90.0,
            unit: "%".into(),
        });
        r.rows[1][1] = serde_json::Value::Null;
        let out = svg(&r).unwrap();
        assert!(out.contains("40.0 below"), "{out}");
        assert!(out.contains("no data"));
        assert_eq!(
            out.matches(" below").count(),
            1,
            "only the measured row has a verdict"
        );
    }

    #[test]
    fn grouped_bars_say_where_each_series_is_and_stack_only_within_a_group() {
        let spec = ChartSpec::Bars {
            groups: vec![
                vec!["opened".into()],
                vec!["resolved".into(), "cancelled".into()],
            ],
            unit: "records".into(),
        };
        let svg = svg(&report(spec)).expect("a chart");
        for legend in [
            "Opened (left bar)",
            "Resolved (right bar, bottom)",
            "Closed unresolved (right bar, top)",
        ] {
            assert!(svg.contains(legend), "{legend} missing");
        }
        // The y axis reaches the tallest bar (40 opened), not the sum of every column (75).
        let texts: Vec<&str> = svg.lines().map(str::trim).collect();
        assert!(texts.contains(&"40"), "{svg}");
        assert!(!texts.contains(&"70"), "{svg}");
    }

    #[test]
    fn positions_in_words() {
        assert_eq!(position(1, 0, 1, 0), None);
        assert_eq!(position(3, 1, 1, 0).as_deref(), Some("middle bar"));
        assert_eq!(position(1, 0, 5, 2).as_deref(), Some("3rd from the bottom"));
        assert_eq!(
            position(4, 2, 2, 1).as_deref(),
            Some("3rd bar from the left, top")
        );
    }
}
