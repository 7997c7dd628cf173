//! Audit samples: the samples drawn with the form to draw one, and a sample's page — its
//! records in the order drawn, each opening onto its links and its timeline.
use crate::AppState;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::list_page::{FormSpec, ListPage, id_of, opt, refused_form};
use crate::ui::{FormData, Layout, Ui, UiError, UiResult, status_label};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use steward_app::AppError;
use steward_domain::FieldError;
use steward_domain::improvement::sample::{
    LinkedKind, RecordLink, SIZE_MAX, SampleDetail, SampleInput, SampleKind, SampledRecord,
};

const BASE: &str = "/manage/conformity/samples";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(BASE, get(list).post(draw))
        .route(&format!("{BASE}/{{id}}"), get(show))
}

fn groups() -> Vec<Group> {
    let kinds = SampleKind::ALL
        .iter()
        .map(|k| (k.as_str().to_owned(), k.label().to_owned()))
        .collect();
    vec![Group::plain(vec![
        Field::new("kind", "Records", Input::Choice(kinds)).required(),
        Field::text("from", "Created from")
            .required()
            .hint("YYYY-MM-DD, UTC, included."),
        Field::text("to", "Created to")
            .required()
            .hint("YYYY-MM-DD, UTC, included."),
        Field::new("size", "Size", Input::Number)
            .required()
            .hint(format!("1 to {SIZE_MAX} records; auditors often take 25.")),
        Field::text("seed", "Seed").hint(
            "Optional. Give the seed of an earlier sample to draw the same records again; left blank, one is drawn at random.",
        ),
    ])]
}

/// The list page (the app refuses those who may not draw samples).
async fn page(state: &AppState, ui: &Ui) -> Result<ListPage, UiError> {
    let samples = state.app.list_samples(&ui.actor).await?;
    let mut page = ListPage::new(ui, "Audit samples", "samples");
    page.base = BASE.into();
    page.intro = Some(
        "Random samples of records for an audit. The same seed over the same records draws the same records in the same order, so anyone can check a sample by drawing it again.".into(),
    );
    page.headers = vec![
        "Sample", "Records", "Period", "Size", "Found", "Seed", "Drawn by", "Drawn",
    ];
    for s in samples {
        page.row_links.push(format!("{BASE}/{}", s.id));
        page.rows.push(vec![
            format!("Sample {}", s.id),
            s.kind.label().to_owned(),
            format!("{} to {}", s.from, s.to),
            s.size.to_string(),
            s.population.to_string(),
            s.seed.to_string(),
            opt(s.drawn_by_name.clone()),
            ui.local(&s.drawn_at),
        ]);
    }
    page.link_label = "Open";
    let mut form = FormSpec::new("draw a sample", groups());
    form.single = true;
    form.submit = Some("Draw the sample");
    page.form = Some(form);
    Ok(page)
}

async fn list(State(state): State<AppState>, ui: Ui) -> UiResult {
    Ok(ui.page(&page(&state, &ui).await?))
}

/// The form as the API's input, each unreadable field named; the domain then checks the
/// period and the size, so every mistake shows at once.
fn read(form: &FormData) -> Result<SampleInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = form.text("kind").and_then(|k| SampleKind::parse(&k));
    if kind.is_none() {
        errors.push(FieldError::new(
            "kind",
            format!("choose one of {}", SampleKind::choices()),
        ));
    }
    let size = match form.text("size").map(|s| s.parse::<i64>()) {
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => {
            errors.push(FieldError::new("size", "a whole number"));
            None
        }
        None => {
            errors.push(FieldError::new("size", "is required"));
            None
        }
    };
    let seed = match form.text("seed").map(|s| s.parse::<u64>()) {
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => {
            errors.push(FieldError::new(
                "seed",
                "a whole number from 0 to 18446744073709551615",
            ));
            None
        }
        None => None,
    };
    let input = SampleInput {
        kind: kind.unwrap_or(SampleKind::Incident),
        from: form.value("from"),
        to: form.value("to"),
        size: size.unwrap_or(1),
        seed,
    };
    if let Err(invalid) = input.parse() {
        errors.extend(invalid.0);
    }
    if errors.is_empty() {
        Ok(input)
    } else {
        Err(errors)
    }
}

async fn draw(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    ui.check_csrf(&form)?;
    let page = page(&state, &ui).await?;
    let input = match read(&form) {
        Ok(input) => input,
        Err(errors) => return refused_form(&ui, page, form, &errors),
    };
    match state.app.draw_sample(&ui.actor, input).await {
        Ok(s) => {
            let note = if s.short() {
                format!(
                    "Sample {} drawn: only {} records in the period, all of them taken.",
                    s.id, s.population
                )
            } else {
                format!("Sample {} drawn: {} records.", s.id, s.record_ids.len())
            };
            Ok(crate::ui::see_other(&format!("{BASE}/{}", s.id), &note))
        }
        Err(AppError::Invalid(invalid)) => refused_form(&ui, page, form, &invalid.0),
        Err(e) => Err(e.into()),
    }
}

/// One link as shown: where it leads (none for records without a page of their own).
pub(crate) struct LinkRow {
    pub(crate) link: RecordLink,
    pub(crate) href: Option<String>,
    pub(crate) status: String,
}

pub(crate) struct Row {
    pub(crate) record: SampledRecord,
    pub(crate) href: String,
    pub(crate) status: String,
    pub(crate) created: String,
    pub(crate) resolved: String,
    pub(crate) closed: String,
    pub(crate) links: Vec<LinkRow>,
    /// (when, who, what) oldest first.
    pub(crate) timeline: Vec<(String, String, String, String)>,
}

#[derive(Template)]
#[template(path = "sample.html")]
pub(crate) struct SamplePage {
    pub(crate) l: Layout,
    pub(crate) section: &'static str,
    pub(crate) d: SampleDetail,
    pub(crate) kind: &'static str,
    pub(crate) drawn: String,
    pub(crate) rows: Vec<Row>,
}

fn record_href(kind: LinkedKind, id: i64) -> Option<String> {
    match kind {
        LinkedKind::Incident => Some(format!("/incidents/{id}")),
        LinkedKind::Request => Some(format!("/requests/{id}")),
        LinkedKind::Problem | LinkedKind::KnownError => Some(format!("/problems/{id}")),
        LinkedKind::Nonconformity | LinkedKind::EffectivenessCheck => {
            Some(format!("/manage/nonconformities/{id}"))
        }
        LinkedKind::Improvement => Some("/manage/improvements".into()),
        LinkedKind::Audit => Some(format!("/manage/audits/{id}")),
        // No page of their own yet: the action shows on its nonconformity's page, just above.
        LinkedKind::CorrectiveAction
        | LinkedKind::Complaint
        | LinkedKind::Service
        | LinkedKind::Sla => None,
    }
}

fn sampled_href(kind: SampleKind, id: i64) -> String {
    let linked = match kind {
        SampleKind::Incident => LinkedKind::Incident,
        SampleKind::Request => LinkedKind::Request,
        SampleKind::Problem => LinkedKind::Problem,
        SampleKind::KnownError => LinkedKind::KnownError,
        SampleKind::Complaint => LinkedKind::Complaint,
        SampleKind::Nonconformity => LinkedKind::Nonconformity,
        SampleKind::Improvement => LinkedKind::Improvement,
    };
    record_href(linked, id).unwrap_or_default()
}

async fn show(State(state): State<AppState>, ui: Ui, Path(raw): Path<String>) -> UiResult {
    let id = id_of(&raw)?;
    let d = state.app.get_sample(&ui.actor, id).await?;
    let when = |t: &Option<String>| t.as_deref().map_or_else(|| "—".into(), |t| ui.local(t));
    let rows = d
        .records
        .iter()
        .map(|r| Row {
            href: sampled_href(d.sample.kind, r.id),
            status: status_label(&r.status),
            created: ui.local(&r.created_at),
            resolved: when(&r.resolved_at),
            closed: when(&r.closed_at),
            links: r
                .links
                .iter()
                .map(|l| LinkRow {
                    href: record_href(l.kind, l.id),
                    status: l.status.as_deref().map(status_label).unwrap_or_default(),
                    link: l.clone(),
                })
                .collect(),
            timeline: r
                .timeline
                .iter()
                .map(|t| {
                    let change = match (&t.status_from, &t.status_to) {
                        (Some(a), Some(b)) => {
                            format!("{} → {}", status_label(a), status_label(b))
                        }
                        (None, Some(b)) => status_label(b),
                        _ => String::new(),
                    };
                    (
                        t.at.clone(),
                        ui.local_seconds(&t.at),
                        format!("{} by {}", status_label(&t.action), t.actor),
                        change,
                    )
                })
                .collect(),
            record: r.clone(),
        })
        .collect();
    let page = SamplePage {
        l: ui.layout(format!("Sample {id}"), "manage"),
        section: "samples",
        kind: d.sample.kind.label(),
        drawn: ui.local(&d.sample.drawn_at),
        d,
        rows,
    };
    Ok(ui.page(&page))
}
