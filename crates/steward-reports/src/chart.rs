//! Charts as SVG documents. They are laid out here, not by a plotting library, so that no two
//! things overlap: the legend has a band of its own above the plot, category labels are
//! centred under their bars (wrapped, or turned when the bars are narrow, and shortened with
//! the full text in a `<title>`), and value labels step aside from a target line. Series
//! differ by shade *and* by shape, dash or label, so a chart reads without colour. A missing
//! value (null, shown as "—" in the table) is drawn as nothing, never as a zero.
use quick_xml::escape::escape;
use steward_domain::reporting::report::{ChartSpec, Report};

const WIDTH: f64 = 760.0;
/// The least height; a chart grows taller rather than squeeze its plot below `MIN_PLOT`.
const HEIGHT: f64 = 340.0;
const MIN_PLOT: f64 = 180.0;
const MARGIN: f64 = 12.0;
/// Text size in px, for every text. Pages scale the chart down to fit narrow columns, so
/// it starts above the 12 px below which text gets hard to read.
const FONT: f64 = 14.0;
/// Height of a line of text.
const LINE: f64 = FONT * 1.4;
/// Estimated advance of a character: a digit's in a wide sans-serif (DejaVu Sans), more
/// than most letters', so that texts judged apart by these estimates are apart on screen.
const CHAR: f64 = FONT * 0.64;
/// Room kept between a text and whatever it must not touch.
const GAP: f64 = 4.0;
/// Category labels take at most this many lines across, or this many characters turned.
const MAX_LINES: usize = 3;
const TURNED_CHARS: usize = 12;
/// Dark to light, distinguishable in greyscale; with enough contrast on white for lines.
const SHADES: [&str; 5] = ["#1f3a5f", "#6b8fb5", "#c46a1b", "#4d4d4d", "#a8a8a8"];
const INK: &str = "#1a1a1a";

fn column(report: &Report, key: &str) -> Option<usize> {
    report.columns.iter().position(|c| c.key == key)
}

/// A cell's figure; `None` for null (nothing measured), which is not a zero.
fn value(row: &[serde_json::Value], at: usize) -> Option<f64> {
    row.get(at).and_then(|v| v.as_f64())
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
    let unit = match spec {
        ChartSpec::StackedBars { unit, .. }
        | ChartSpec::Bars { unit, .. }
        | ChartSpec::Line { unit, .. }
        | ChartSpec::BarsWithTarget { unit, .. } => unit,
    };
    Some(draw(report, &Body::of(report, spec)?, unit))
}

/// A charted column.
struct Series {
    column: usize,
    name: String,
    shade: &'static str,
}

/// What a chart draws in its plot.
enum Body {
    /// Bars side by side in each row's slot, one per group, each group's series stacked.
    Bars(Vec<Vec<Series>>),
    /// A line per series through the rows' slots; every other one dashed.
    Lines(Vec<Series>),
    /// A bar per row against a dashed target line.
    Target { series: Series, target: f64 },
}

impl Body {
    fn of(report: &Report, spec: &ChartSpec) -> Option<Body> {
        let mut shades = SHADES.iter().copied().cycle();
        let mut series = |keys: &[String]| -> Vec<Series> {
            keys.iter()
                .filter_map(|key| column(report, key).map(|c| (c, key)))
                .map(|(column, key)| Series {
                    column,
                    name: series_label(report, key),
                    shade: shades.next().unwrap_or(INK),
                })
                .collect()
        };
        Some(match spec {
            ChartSpec::StackedBars { series: keys, .. } => Body::Bars(vec![series(keys)]),
            ChartSpec::Bars { groups, .. } => Body::Bars(
                groups
                    .iter()
                    .map(|g| series(g))
                    .filter(|g| !g.is_empty())
                    .collect(),
            ),
            ChartSpec::Line { series: keys, .. } => Body::Lines(series(keys)),
            ChartSpec::BarsWithTarget { value, target, .. } => Body::Target {
                series: series(std::slice::from_ref(value)).pop()?,
                target: *target,
            },
        })
    }

    fn series(&self) -> Vec<&Series> {
        match self {
            Body::Bars(groups) => groups.iter().flatten().collect(),
            Body::Lines(series) => series.iter().collect(),
            Body::Target { series, .. } => vec![series],
        }
    }

    /// The highest point drawn: a stack's top, a line's peak, a bar or the target.
    fn max(&self, report: &Report) -> f64 {
        let highest = |row: &[serde_json::Value]| match self {
            Body::Bars(groups) => groups.iter().map(|g| stack(g, row)).fold(0.0, f64::max),
            _ => self
                .series()
                .iter()
                .filter_map(|s| value(row, s.column))
                .fold(0.0, f64::max),
        };
        report
            .rows
            .iter()
            .map(|r| highest(r))
            .fold(self.target().unwrap_or(0.0), f64::max)
    }

    fn target(&self) -> Option<f64> {
        match self {
            Body::Target { target, .. } => Some(*target),
            _ => None,
        }
    }

    fn legend(&self) -> Vec<Entry> {
        match self {
            Body::Bars(groups) => groups
                .iter()
                .enumerate()
                .flat_map(|(g, group)| {
                    group.iter().enumerate().map(move |(s, series)| Entry {
                        label: match position(groups.len(), g, group.len(), s) {
                            Some(p) => format!("{} ({p})", series.name),
                            None => series.name.clone(),
                        },
                        shape: Shape::Block,
                        shade: series.shade,
                    })
                })
                .collect(),
            Body::Lines(series) => series
                .iter()
                .enumerate()
                .map(|(k, s)| Entry {
                    label: format!("{} ({})", s.name, line_style(k).1),
                    shape: line_style(k).0,
                    shade: s.shade,
                })
                .collect(),
            Body::Target { series, target } => vec![
                Entry {
                    label: series.name.clone(),
                    shape: Shape::Block,
                    shade: series.shade,
                },
                Entry {
                    label: format!("Target {target}% (dashed line)"),
                    shape: Shape::Dash,
                    shade: SHADES[2],
                },
            ],
        }
    }

    fn draw(&self, svg: &mut Svg, frame: &Frame, report: &Report) {
        match self {
            Body::Bars(groups) => bars(svg, frame, report, groups),
            Body::Lines(series) => lines(svg, frame, report, series),
            Body::Target { series, target } => against_target(svg, frame, report, series, *target),
        }
    }
}

/// The height of a group's stack in a row; missing figures add nothing.
fn stack(group: &[Series], row: &[serde_json::Value]) -> f64 {
    group.iter().filter_map(|s| value(row, s.column)).sum()
}

/// Lays the chart out around its body and draws it.
fn draw(report: &Report, body: &Body, unit: &str) -> String {
    let legend = body.legend();
    let (places, legend_height) = flow(&legend);
    let top_value = body.max(report).max(1.0);
    let (mut step, mut max) = scale(top_value);
    // Whole figures (counts) get whole ticks: no "0.2 records".
    if step < 1.0 && top_value.fract() == 0.0 {
        step = 1.0;
        max = max.ceil();
    }
    let ticks: Vec<String> = (0..=(max / step).round() as usize)
        .map(|k| trim_number(k as f64 * step))
        .collect();
    let widest = ticks.iter().map(|t| text_width(t)).fold(0.0, f64::max);
    let left = MARGIN + LINE + widest + 2.0 * GAP;
    let slot = (WIDTH - MARGIN - left) / report.rows.len() as f64;
    let categories = Categories::plan(report.rows.iter().map(|r| label(r)), slot);
    let top = MARGIN + legend_height + LINE / 2.0;
    let height = (top + MIN_PLOT + categories.height + MARGIN).max(HEIGHT);
    let frame = Frame {
        left,
        right: WIDTH - MARGIN,
        top,
        bottom: height - MARGIN - categories.height,
        max,
        slots: report.rows.len(),
    };
    let mut svg = Svg::new(height);
    y_axis(&mut svg, &frame, &ticks, step, unit);
    categories.draw(&mut svg, &frame);
    draw_legend(&mut svg, &legend, &places);
    body.draw(&mut svg, &frame, report);
    let line = body.target().map(|t| frame.y(t));
    for (i, row) in report.rows.iter().enumerate() {
        if body.series().iter().all(|s| value(row, s.column).is_none()) {
            let ground = Bar {
                top: frame.bottom,
                width: 0.0,
            };
            value_label(&mut svg, &frame, i, &["no data".to_owned()], &ground, line);
        }
    }
    svg.finish()
}

/// Where the plot is, in px, and how values map onto it. Row `i` has the slot
/// `[x(i, 0), x(i, 1))`; its bars and points are centred in it, as is its label.
struct Frame {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    /// The value at the top of the plot.
    max: f64,
    slots: usize,
}

impl Frame {
    fn y(&self, v: f64) -> f64 {
        self.bottom - v / self.max * (self.bottom - self.top)
    }

    fn slot(&self) -> f64 {
        (self.right - self.left) / self.slots as f64
    }

    /// The x of fraction `at` of row `i`'s slot.
    fn x(&self, i: usize, at: f64) -> f64 {
        self.left + (i as f64 + at) * self.slot()
    }
}

/// The y axis's step and top: 1, 2 or 5 times a power of ten, with at most six steps and
/// a tenth of headroom over `max` for labels above the tallest bar.
fn scale(max: f64) -> (f64, f64) {
    let wanted = max * 1.1;
    let power = 10f64.powf((wanted / 6.0).log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| wanted / s <= 6.0)
        .unwrap_or(10.0 * power);
    (step, (wanted / step).ceil() * step)
}

fn y_axis(svg: &mut Svg, frame: &Frame, ticks: &[String], step: f64, unit: &str) {
    for (k, tick) in ticks.iter().enumerate() {
        let y = frame.y(k as f64 * step);
        svg.line(
            (frame.left, y),
            (frame.right, y),
            r##"stroke="#000" stroke-opacity="0.15""##,
        );
        svg.text(&Text {
            anchor: "end",
            ..Text::new(frame.left - 2.0 * GAP, y + FONT * 0.35, tick, "tick")
        });
    }
    let axis = r##"stroke="#000""##;
    svg.line((frame.left, frame.top), (frame.left, frame.bottom), axis);
    svg.line(
        (frame.left, frame.bottom),
        (frame.right, frame.bottom),
        axis,
    );
    svg.text(&Text {
        turned: true,
        ..Text::new(
            MARGIN + LINE / 2.0,
            (frame.top + frame.bottom) / 2.0,
            unit,
            "unit",
        )
    });
}

/// How the rows' labels go under the plot: across, wrapped to the slot's width; or, when
/// slots are too narrow for a word, turned to read upwards, every `every`th row.
struct Categories {
    labels: Vec<Wrapped>,
    turned: bool,
    every: usize,
    height: f64,
}

/// A label cut into lines; `full` is kept (for a `<title>`) when something was left out.
struct Wrapped {
    lines: Vec<String>,
    full: Option<String>,
}

impl Categories {
    fn plan(labels: impl Iterator<Item = String>, slot: f64) -> Categories {
        let across = ((slot - GAP) / CHAR).floor() as usize;
        let turned = across < 6;
        let labels: Vec<Wrapped> = if turned {
            labels.map(|l| wrap(&l, TURNED_CHARS, 1)).collect()
        } else {
            labels.map(|l| wrap(&l, across, MAX_LINES)).collect()
        };
        let height = if turned {
            let longest = labels.iter().flat_map(|l| &l.lines).map(|l| text_width(l));
            longest.fold(LINE, f64::max) + GAP
        } else {
            let lines = labels.iter().map(|l| l.lines.len()).max().unwrap_or(0);
            lines.max(1) as f64 * LINE + GAP
        };
        Categories {
            labels,
            turned,
            // Turned labels are a line of text apart at least.
            every: if turned {
                (LINE / slot).ceil() as usize
            } else {
                1
            },
            height,
        }
    }

    fn draw(&self, svg: &mut Svg, frame: &Frame) {
        for (i, label) in self.labels.iter().enumerate().step_by(self.every.max(1)) {
            let x = frame.x(i, 0.5);
            for (j, line) in label.lines.iter().enumerate() {
                // Turned text ends just under the axis; text across hangs below it.
                let y = if self.turned {
                    frame.bottom + GAP
                } else {
                    frame.bottom + GAP + FONT + j as f64 * LINE
                };
                svg.text(&Text {
                    anchor: if self.turned { "end" } else { "middle" },
                    turned: self.turned,
                    title: label.full.as_deref(),
                    ..Text::new(x, y, line, "category")
                });
            }
        }
    }
}

/// `text` in lines of at most `width` characters, broken between words; a word too long
/// for a line, or lines beyond `max_lines`, end in "…".
fn wrap(text: &str, width: usize, max_lines: usize) -> Wrapped {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    if lines.len() > max_lines {
        let rest = lines.split_off(max_lines.saturating_sub(1)).join(" ");
        lines.push(rest);
    }
    let full = lines.join(" ");
    let lines: Vec<String> = lines.iter().map(|l| shorten(l, width)).collect();
    let cut = lines.join(" ") != full;
    Wrapped {
        lines,
        full: cut.then(|| text.to_owned()),
    }
}

/// `text` cut to `width` characters, the last one "…" when something was cut.
fn shorten(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// A legend entry: its mark and what it stands for.
struct Entry {
    label: String,
    shape: Shape,
    shade: &'static str,
}

#[derive(Clone, Copy, PartialEq)]
enum Shape {
    Block,
    Circle,
    Triangle,
    Dash,
}

/// Room for an entry's mark before its label.
const MARK: f64 = 16.0;

/// Entries placed left to right in rows across the chart, above the plot so that they never
/// cover data: each entry's left x and row top, and the rows' height.
fn flow(entries: &[Entry]) -> (Vec<(f64, f64)>, f64) {
    let (mut x, mut y) = (MARGIN, MARGIN);
    let mut places = Vec::new();
    for entry in entries {
        let width = MARK + GAP + text_width(&entry.label);
        if x > MARGIN && x + width > WIDTH - MARGIN {
            (x, y) = (MARGIN, y + LINE);
        }
        places.push((x, y));
        x += width + 3.0 * GAP;
    }
    let rows = if entries.is_empty() {
        0.0
    } else {
        y - MARGIN + LINE
    };
    (places, rows)
}

fn draw_legend(svg: &mut Svg, entries: &[Entry], places: &[(f64, f64)]) {
    svg.0.push_str("<g class=\"legend\">\n");
    for (entry, &(x, y)) in entries.iter().zip(places) {
        let middle = y + LINE / 2.0;
        mark(
            svg,
            entry.shape,
            entry.shade,
            (x + MARK / 2.0, middle),
            None,
        );
        svg.text(&Text {
            anchor: "start",
            ..Text::new(x + MARK + GAP, middle + FONT * 0.35, &entry.label, "legend")
        });
    }
    svg.0.push_str("</g>\n");
}

/// A mark centred on `at`: a legend's swatch, or a line's point (with its figure as title).
fn mark(svg: &mut Svg, shape: Shape, shade: &str, (x, y): (f64, f64), title: Option<&str>) {
    let fill = format!(r#"fill="{shade}""#);
    match shape {
        Shape::Block => svg.rect((x - 6.0, y - 5.0), (x + 6.0, y + 5.0), &fill, title),
        Shape::Circle => svg.element(
            "circle",
            &format!(r#"cx="{x:.1}" cy="{y:.1}" r="4" {fill}"#),
            title,
            "",
        ),
        Shape::Triangle => svg.element(
            "polygon",
            &format!(
                r#"points="{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" {fill}"#,
                x,
                y - 5.0,
                x - 5.0,
                y + 4.0,
                x + 5.0,
                y + 4.0
            ),
            title,
            "",
        ),
        Shape::Dash => svg.line(
            (x - 7.0, y),
            (x + 7.0, y),
            &format!(r#"stroke="{shade}" stroke-width="2""#),
        ),
    }
}

/// Bars side by side in each row's slot, one per group, each group's series stacked, white
/// outlines between the segments. A missing figure adds no segment, so a group without any
/// figure in a row has no bar there. The legend says where each series is (left bar,
/// bottom, …), so the chart does not rely on shade.
fn bars(svg: &mut Svg, frame: &Frame, report: &Report, groups: &[Vec<Series>]) {
    // The groups fill the middle 70 % of the slot, each bar centred in its share, so that
    // the row's bars together are centred under the row's label.
    let share = 0.7 / groups.len().max(1) as f64;
    for (i, row) in report.rows.iter().enumerate() {
        let category = label(row);
        for (g, group) in groups.iter().enumerate() {
            let at = 0.15 + share * g as f64;
            let (x0, x1) = (frame.x(i, at + share * 0.04), frame.x(i, at + share * 0.96));
            let mut below = 0.0;
            for series in group {
                let Some(v) = value(row, series.column) else {
                    continue;
                };
                let title = format!("{}, {category}: {}", series.name, trim_number(v));
                svg.rect(
                    (x0, frame.y(below + v)),
                    (x1, frame.y(below)),
                    &format!(r##"fill="{}" stroke="#fff" class="bar""##, series.shade),
                    Some(&title),
                );
                below += v;
            }
        }
    }
}

/// Solid or dashed, circles or triangles: how line `k` is told apart without colour.
fn line_style(k: usize) -> (Shape, &'static str) {
    if k.is_multiple_of(2) {
        (Shape::Circle, "solid, circles")
    } else {
        (Shape::Triangle, "dashed, triangles")
    }
}

/// A line per series through its rows' points; a missing figure breaks the line and has no
/// point, rather than dipping to zero.
fn lines(svg: &mut Svg, frame: &Frame, report: &Report, series: &[Series]) {
    for (k, s) in series.iter().enumerate() {
        let (shape, _) = line_style(k);
        let dash = if shape == Shape::Triangle {
            r#" stroke-dasharray="8 5""#
        } else {
            ""
        };
        let points: Vec<Option<(f64, f64)>> = report
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| value(r, s.column).map(|v| (frame.x(i, 0.5), frame.y(v))))
            .collect();
        for run in points.split(Option::is_none) {
            let run: Vec<(f64, f64)> = run.iter().flatten().copied().collect();
            if run.len() > 1 {
                let style = format!(r#"stroke="{}" stroke-width="2"{dash}"#, s.shade);
                svg.polyline(&run, &style);
            }
        }
        for (row, point) in report.rows.iter().zip(&points) {
            if let (Some(p), Some(v)) = (point, value(row, s.column)) {
                let title = format!("{}, {}: {}", s.name, label(row), trim_number(v));
                mark(svg, shape, s.shade, *p, Some(&title));
            }
        }
    }
}

/// A bar per measured row, the dashed target line, and on each bar its figure and whether
/// it meets the target, in words, not only by its height.
fn against_target(svg: &mut Svg, frame: &Frame, report: &Report, series: &Series, target: f64) {
    let line = frame.y(target);
    for (i, row) in report.rows.iter().enumerate() {
        let Some(v) = value(row, series.column) else {
            continue;
        };
        let verdict = if v >= target { "meets" } else { "below" };
        let bar = Bar {
            top: frame.y(v),
            width: frame.slot() * 0.6,
        };
        let title = format!(
            "{}, {}: {v:.1}, {} the target of {target}",
            series.name,
            label(row),
            // Not the label's word, which says it again when it has room.
            if v >= target { "meets" } else { "under" },
        );
        svg.rect(
            (frame.x(i, 0.2), bar.top),
            (frame.x(i, 0.8), frame.bottom),
            &format!(r#"fill="{}" class="bar""#, series.shade),
            Some(&title),
        );
        let texts = [format!("{v:.1} {verdict}"), format!("{v:.1}")];
        value_label(svg, frame, i, &texts, &bar, Some(line));
    }
    svg.line(
        (frame.left, line),
        (frame.right, line),
        &format!(
            r#"stroke="{}" stroke-width="2" stroke-dasharray="10 6" class="target""#,
            SHADES[2]
        ),
    );
}

/// A bar (its top and width in px) that a value label goes with.
struct Bar {
    top: f64,
    width: f64,
}

/// Labels row `i`'s bar with the first of `texts` that has a place: centred above the bar,
/// inside its top, or above both the bar and the target line `line` — the first place that
/// is in the plot, within the slot and clear of the line. No label when none has a place;
/// the bar's title still says it.
fn value_label(
    svg: &mut Svg,
    frame: &Frame,
    i: usize,
    texts: &[String],
    bar: &Bar,
    line: Option<f64>,
) {
    let clear = |baseline: f64| {
        let (top, bottom) = text_span(baseline);
        top >= frame.top
            && bottom <= frame.bottom
            && line.is_none_or(|y| bottom + GAP <= y - 1.0 || top - GAP >= y + 1.0)
    };
    let descent = text_span(0.0).1;
    let above_bar = bar.top - GAP - descent;
    let inside = bar.top + GAP + FONT;
    let above_both = line.map_or(above_bar, |y| above_bar.min(y - 1.0 - GAP - descent));
    let placed = texts.iter().find_map(|text| {
        let width = text_width(text);
        let places = [
            (width <= frame.slot() - GAP).then_some((above_bar, false)),
            (width <= bar.width - GAP).then_some((inside, true)),
            (width <= frame.slot() - GAP).then_some((above_both, false)),
        ];
        let place = places.into_iter().flatten().find(|(b, _)| clear(*b));
        place.map(|p| (text, p))
    });
    if let Some((text, (baseline, inside))) = placed {
        svg.text(&Text {
            // White on the bar's dark shade.
            fill: if inside { "#fff" } else { INK },
            ..Text::new(frame.x(i, 0.5), baseline, text, "value")
        });
    }
}

fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * CHAR
}

/// The top and bottom of a line of text on `baseline`: ascenders above, descenders below.
fn text_span(baseline: f64) -> (f64, f64) {
    (baseline - FONT, baseline + FONT * 0.3)
}

/// A line of text, centred on `x` unless anchored otherwise; `turned` reads upwards,
/// centred on `x` across. A shortened text carries its full wording as `title`.
struct Text<'a> {
    x: f64,
    y: f64,
    body: &'a str,
    class: &'static str,
    anchor: &'static str,
    fill: &'static str,
    turned: bool,
    title: Option<&'a str>,
}

impl<'a> Text<'a> {
    fn new(x: f64, y: f64, body: &'a str, class: &'static str) -> Self {
        Text {
            x,
            y,
            body,
            class,
            anchor: "middle",
            fill: INK,
            turned: false,
            title: None,
        }
    }
}

/// An SVG document being written.
struct Svg(String);

impl Svg {
    fn new(height: f64) -> Svg {
        Svg(format!(
            "<svg width=\"{WIDTH}\" height=\"{height:.0}\" viewBox=\"0 0 {WIDTH} {height:.0}\" \
             xmlns=\"http://www.w3.org/2000/svg\">\n<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n"
        ))
    }

    /// `<name attrs>` with an optional `<title>` child (a tooltip, and what screen readers
    /// say) and text content.
    fn element(&mut self, name: &str, attrs: &str, title: Option<&str>, body: &str) {
        let title = title
            .map(|t| format!("<title>{}</title>", escape(t)))
            .unwrap_or_default();
        if title.is_empty() && body.is_empty() {
            self.0.push_str(&format!("<{name} {attrs}/>\n"));
        } else {
            self.0.push_str(&format!(
                "<{name} {attrs}>{title}{}</{name}>\n",
                escape(body)
            ));
        }
    }

    fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), style: &str) {
        let attrs = format!(r#"x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" {style}"#);
        self.element("line", &attrs, None, "");
    }

    fn polyline(&mut self, points: &[(f64, f64)], style: &str) {
        let points: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        let attrs = format!(r#"points="{}" fill="none" {style}"#, points.join(" "));
        self.element("polyline", &attrs, None, "");
    }

    /// The rectangle between two corners, in either order.
    fn rect(
        &mut self,
        (x0, y0): (f64, f64),
        (x1, y1): (f64, f64),
        style: &str,
        title: Option<&str>,
    ) {
        let attrs = format!(
            r#"x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" {style}"#,
            x0.min(x1),
            y0.min(y1),
            (x1 - x0).abs(),
            (y1 - y0).abs()
        );
        self.element("rect", &attrs, title, "");
    }

    fn text(&mut self, t: &Text<'_>) {
        let mut attrs = format!(
            r#"x="{:.1}" y="{:.1}" class="{}" text-anchor="{}" fill="{}" font-family="sans-serif" font-size="{FONT}""#,
            t.x, t.y, t.class, t.anchor, t.fill
        );
        if t.turned {
            attrs.push_str(&format!(
                r#" dominant-baseline="central" transform="rotate(-90 {:.1} {:.1})""#,
                t.x, t.y
            ));
        }
        self.element("text", &attrs, t.title, t.body);
    }

    fn finish(mut self) -> String {
        self.0.push_str("</svg>\n");
        self.0
    }
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
    use quick_xml::Reader;
    use quick_xml::events::{BytesStart, Event};
    use std::collections::HashMap;
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
            caveats: Vec::new(),
            notes: Vec::new(),
            generated_at: "2026-01-03T00:00:00Z".into(),
        }
    }

    /// An element of a drawn chart: its attributes, its own text, and whether it is in the
    /// legend.
    struct Node {
        name: String,
        attrs: HashMap<String, String>,
        text: String,
        in_legend: bool,
    }

    impl Node {
        fn attr(&self, key: &str) -> &str {
            self.attrs.get(key).map_or("", String::as_str)
        }

        fn num(&self, key: &str) -> f64 {
            self.attr(key).parse().unwrap_or(f64::NAN)
        }

        fn is(&self, name: &str, class: &str) -> bool {
            self.name == name && self.attr("class") == class
        }

        /// The box (x0, y0, x1, y1) the element covers, texts by the layout's estimates.
        fn extent(&self) -> (f64, f64, f64, f64) {
            match self.name.as_str() {
                "rect" => {
                    let (x, y) = (self.num("x"), self.num("y"));
                    (x, y, x + self.num("width"), y + self.num("height"))
                }
                "circle" => {
                    let (x, y, r) = (self.num("cx"), self.num("cy"), self.num("r"));
                    (x - r, y - r, x + r, y + r)
                }
                "text" => self.text_extent(),
                _ => (f64::NAN, f64::NAN, f64::NAN, f64::NAN),
            }
        }

        fn text_extent(&self) -> (f64, f64, f64, f64) {
            let (x, y, width) = (self.num("x"), self.num("y"), text_width(&self.text));
            let turned = self.attr("transform").starts_with("rotate(-90");
            let (from, to) = match self.attr("text-anchor") {
                "start" => (0.0, width),
                "end" => (-width, 0.0),
                _ => (-width / 2.0, width / 2.0),
            };
            if turned {
                // Read upwards: along the text is up the page, centred across on x.
                (x - FONT / 2.0, y - to, x + FONT / 2.0, y - from)
            } else {
                let (top, bottom) = text_span(y);
                (x + from, top, x + to, bottom)
            }
        }
    }

    fn overlap(a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)) -> bool {
        a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
    }

    fn nodes(svg: &str) -> Vec<Node> {
        let mut reader = Reader::from_str(svg);
        let (mut all, mut open) = (Vec::<Node>::new(), Vec::<usize>::new());
        let node = |e: &BytesStart<'_>, all: &[Node], open: &[usize]| Node {
            name: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
            attrs: e
                .attributes()
                .map(|a| a.expect("an attribute"))
                .map(|a| {
                    let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
                    (key, a.unescape_value().expect("a value").into_owned())
                })
                .collect(),
            text: String::new(),
            in_legend: open.iter().any(|&i| all[i].is("g", "legend")),
        };
        loop {
            match reader.read_event().expect("well-formed SVG") {
                Event::Start(e) => {
                    all.push(node(&e, &all, &open));
                    open.push(all.len() - 1);
                }
                Event::Empty(e) => all.push(node(&e, &all, &open)),
                Event::Text(t) => {
                    if let Some(&i) = open.last() {
                        all[i].text.push_str(&t.decode().expect("UTF-8"));
                    }
                }
                Event::End(_) => {
                    open.pop();
                }
                Event::Eof => return all,
                _ => {}
            }
        }
    }

    fn chart(mut report: Report, spec: ChartSpec) -> Vec<Node> {
        report.chart = Some(spec);
        nodes(&svg(&report).expect("a chart"))
    }

    fn with_rows(rows: Vec<Vec<serde_json::Value>>) -> Report {
        Report {
            rows,
            ..report(ChartSpec::Line {
                series: Vec::new(),
                unit: String::new(),
            })
        }
    }

    fn target(value: &str, target: f64) -> ChartSpec {
        ChartSpec::BarsWithTarget {
            value: value.into(),
            target,
            unit: "% met".into(),
        }
    }

    fn grouped() -> ChartSpec {
        ChartSpec::Bars {
            groups: vec![
                vec!["opened".into()],
                vec!["resolved".into(), "cancelled".into()],
            ],
            unit: "records".into(),
        }
    }

    /// One of each kind of chart, over the test report's rows.
    fn every_kind() -> Vec<ChartSpec> {
        vec![
            target("opened", 35.0),
            grouped(),
            ChartSpec::Line {
                series: vec!["opened".into(), "resolved".into()],
                unit: "%".into(),
            },
            ChartSpec::StackedBars {
                series: vec!["resolved".into(), "cancelled".into()],
                unit: "open records".into(),
            },
        ]
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
        let drawn = chart(report(grouped()), grouped());
        let texts: Vec<&str> = drawn.iter().map(|n| n.text.as_str()).collect();
        for legend in [
            "Opened (left bar)",
            "Resolved (right bar, bottom)",
            "Closed unresolved (right bar, top)",
        ] {
            assert!(texts.contains(&legend), "{legend} missing");
        }
        // The y axis reaches the tallest bar (40 opened), not the sum of every column (75).
        assert!(texts.contains(&"40"), "{texts:?}");
        assert!(!texts.contains(&"70"), "{texts:?}");
    }

    #[test]
    fn value_labels_keep_clear_of_the_target_line_and_of_each_other() {
        // Just under, at and just over a 95 % target, a short bar, a full one, and none.
        let figures = [94.0, 95.0, 95.5, 96.0, 93.0, 20.0, 100.0];
        let mut rows: Vec<_> = figures
            .iter()
            .enumerate()
            .map(|(i, v)| vec![serde_json::json!(format!("SLA {i}")), (*v).into()])
            .collect();
        rows.push(vec![serde_json::json!("SLA none"), serde_json::Value::Null]);
        let drawn = chart(with_rows(rows), target("opened", 95.0));
        let line = drawn
            .iter()
            .find(|n| n.is("line", "target"))
            .expect("a target line");
        let y = line.num("y1");
        let values: Vec<&Node> = drawn.iter().filter(|n| n.is("text", "value")).collect();
        assert_eq!(
            values.len(),
            figures.len() + 1,
            "a label per bar and one saying no data"
        );
        for label in &values {
            let (_, top, _, bottom) = label.extent();
            assert!(
                bottom < y - 1.0 || top > y + 1.0,
                "{} crosses the line at {y}",
                label.text
            );
        }
        let texts: Vec<&Node> = drawn.iter().filter(|n| n.name == "text").collect();
        for (i, a) in texts.iter().enumerate() {
            for b in &texts[i + 1..] {
                assert!(!overlap(a.extent(), b.extent()), "{} on {}", a.text, b.text);
            }
        }
    }

    #[test]
    fn category_labels_are_centred_under_their_bars() {
        let drawn = chart(report(grouped()), grouped());
        let mut lefts: Vec<(f64, f64)> = drawn
            .iter()
            .filter(|n| n.is("rect", "bar"))
            .map(|n| (n.extent().0, n.extent().2))
            .collect();
        // A stack's segments share their x: one span per bar.
        lefts.sort_by(|a, b| a.0.total_cmp(&b.0));
        lefts.dedup_by(|a, b| a.0 == b.0);
        let labels: Vec<&Node> = drawn.iter().filter(|n| n.is("text", "category")).collect();
        assert_eq!(labels.len(), 2);
        // Two bars (opened; resolved with closed on top) per row.
        for (label, bars) in labels.iter().zip(lefts.chunks(2)) {
            let centre = (bars[0].0 + bars[1].1) / 2.0;
            assert_eq!(label.attr("text-anchor"), "middle");
            assert!(
                (label.num("x") - centre).abs() < 0.2,
                "{} at {} not {centre}",
                label.text,
                label.num("x")
            );
        }
    }

    #[test]
    fn long_category_labels_wrap_or_shorten_with_the_full_text_as_title() {
        let measures = [
            "Time to acknowledge (MTTA)",
            "Time to resolve (MTTR)",
            "Time to close",
        ];
        let mut rows = Vec::new();
        for m in measures {
            for clock in ["wall clock", "business time"] {
                let name = format!("{m}, {clock}");
                rows.push(vec![serde_json::json!(name), 3.into(), 2.into(), 9.into()]);
            }
        }
        let days = (1..=31).map(|d| vec![serde_json::json!(format!("2026-01-{d:02}")), d.into()]);
        for rows in [rows, days.collect()] {
            let drawn = chart(with_rows(rows), target("opened", 5.0));
            let labels: Vec<&Node> = drawn.iter().filter(|n| n.is("text", "category")).collect();
            assert!(!labels.is_empty());
            for (i, a) in labels.iter().enumerate() {
                assert!(a.extent().3 <= HEIGHT, "{} is cut off", a.text);
                for b in &labels[i + 1..] {
                    assert!(!overlap(a.extent(), b.extent()), "{} on {}", a.text, b.text);
                }
            }
        }
        let report = with_rows(vec![vec![
            serde_json::json!("Time to acknowledge (MTTA), wall clock ".repeat(8)),
            1.into(),
        ]]);
        let long = chart(report, target("opened", 5.0));
        let title = long
            .iter()
            .find(|n| n.name == "title" && n.text.starts_with("Time to"));
        assert!(
            title.is_some_and(|t| t.text.len() > 150),
            "the full label as title"
        );
        assert!(
            long.iter()
                .any(|n| n.is("text", "category") && n.text.ends_with('…'))
        );
    }

    #[test]
    fn the_legend_has_its_own_band_clear_of_the_bars() {
        for spec in every_kind() {
            let drawn = chart(report(spec.clone()), spec);
            let legend: Vec<&Node> = drawn
                .iter()
                .filter(|n| n.in_legend && ["rect", "circle", "text"].contains(&n.name.as_str()))
                .collect();
            assert!(!legend.is_empty());
            let plot = drawn
                .iter()
                .filter(|n| !n.in_legend && ["rect", "circle"].contains(&n.name.as_str()))
                .filter(|n| n.attr("height") != "100%");
            for data in plot {
                for key in &legend {
                    assert!(
                        !overlap(data.extent(), key.extent()),
                        "{} on the data",
                        key.text
                    );
                }
            }
        }
    }

    #[test]
    fn text_stays_readable_when_the_chart_is_shown_narrower() {
        // Pages fit the chart to their column: shown 660 px wide, text is still 12 px or more.
        let least = 12.0 * WIDTH / 660.0;
        for spec in every_kind() {
            for text in chart(report(spec.clone()), spec)
                .iter()
                .filter(|n| n.name == "text")
            {
                assert!(
                    text.num("font-size") >= least,
                    "{} at {}",
                    text.text,
                    text.attr("font-size")
                );
            }
        }
    }

    #[test]
    fn missing_figures_are_drawn_as_nothing_not_as_zero() {
        let mut r = report(grouped());
        r.rows[0][3] = serde_json::Value::Null;
        r.rows.push(vec![
            serde_json::json!("2026-01-03"),
            serde_json::Value::Null,
            serde_json::Value::Null,
            serde_json::Value::Null,
        ]);
        let bars = chart(r.clone(), grouped());
        // 2 rows of 3 figures, one missing; and a row of none.
        assert_eq!(bars.iter().filter(|n| n.is("rect", "bar")).count(), 5);
        assert!(
            bars.iter()
                .any(|n| n.is("text", "value") && n.text == "no data")
        );
        r.rows.insert(
            1,
            vec![
                serde_json::json!("gap"),
                10.into(),
                serde_json::Value::Null,
                1.into(),
            ],
        );
        let line = ChartSpec::Line {
            series: vec!["opened".into(), "resolved".into()],
            unit: "%".into(),
        };
        let lines = chart(r, line);
        let runs: Vec<usize> = lines
            .iter()
            .filter(|n| n.name == "polyline")
            .map(|n| n.attr("points").split(' ').count())
            .collect();
        // Opened: rows 0 to 2, then none. Resolved: rows 0 and 2 apart, the gap unbridged.
        assert_eq!(runs, [3]);
        assert_eq!(lines.iter().filter(|n| n.name == "circle").count(), 3 + 1);
        assert_eq!(lines.iter().filter(|n| n.name == "polygon").count(), 2 + 1);
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

    #[test]
    fn long_labels_break_between_words() {
        let w = wrap("Time to acknowledge (MTTA), wall clock", 12, 3);
        assert_eq!(w.lines, ["Time to", "acknowledge", "(MTTA), wal…"]);
        assert!(w.full.is_some());
        let w = wrap("2026-01-01", 12, 1);
        assert_eq!((w.lines, w.full), (vec!["2026-01-01".to_owned()], None));
        assert_eq!(scale(100.0), (20.0, 120.0));
        assert_eq!(scale(7.0), (2.0, 8.0));
    }
}
