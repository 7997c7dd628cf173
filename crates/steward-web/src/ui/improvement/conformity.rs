//! The evidence map for people: clause by clause, each with its colour, the reasons, the
//! records concerned and the next step, and how the map has moved day by day. Staff and
//! auditors read it; nobody changes anything here.
use crate::AppState;
use crate::ui::{Layout, Ui, UiResult};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use steward_domain::improvement::evidence::{ClauseStatus, Colour, EvidenceMap, HistoryDay};

pub fn routes() -> Router<AppState> {
    Router::new().route("/manage/conformity", get(page))
}

/// A main clause (4–10) with the clauses under it.
struct Section {
    head: ClauseStatus,
    rows: Vec<ClauseStatus>,
}

#[derive(Template)]
#[template(path = "conformity.html")]
struct ConformityPage {
    l: Layout,
    map: EvidenceMap,
    sections: Vec<Section>,
    history: Vec<HistoryDay>,
}

/// The words and style a colour is shown with (the colour is never the only signal).
fn badge(colour: &Option<Colour>) -> (&'static str, &'static str) {
    match colour {
        Some(Colour::Green) => ("Green", "state-green"),
        Some(Colour::Amber) => ("Amber", "state-amber"),
        Some(Colour::Red) => ("Red", "state-red"),
        None => ("Not assessed", "state-none"),
    }
}

fn check_badge(colour: &Colour) -> (&'static str, &'static str) {
    badge(&Some(*colour))
}

fn anchor(clause: &str) -> String {
    format!("clause-{}", clause.replace('.', "-"))
}

async fn page(State(state): State<AppState>, ui: Ui) -> UiResult {
    let map = state.app.conformity_map(&ui.actor).await?;
    let history = state.app.conformity_history(&ui.actor).await?;
    let mut sections: Vec<Section> = Vec::new();
    for c in &map.clauses {
        if c.depth == 0 {
            sections.push(Section {
                head: c.clone(),
                rows: Vec::new(),
            });
        } else if let Some(s) = sections.last_mut() {
            s.rows.push(c.clone());
        }
    }
    Ok(ui.page(&ConformityPage {
        l: ui.layout(
            "Conformity with ISO/IEC 20000-1",
            if ui.manager() { "manage" } else { "conformity" },
        ),
        map,
        sections,
        history,
    }))
}
