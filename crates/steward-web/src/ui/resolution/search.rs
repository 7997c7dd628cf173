//! Search over records: a record number goes straight to the record; words find records by
//! their text, with the matches marked.
use crate::AppState;
use crate::ui::resolution::rows::href;
use crate::ui::{Layout, Ui, UiResult, status_label};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use serde::Deserialize;
use steward_app::AppError;
use steward_domain::foundation::page::PageRequest;
use steward_domain::resolution::ticket::TicketKind;

pub fn routes() -> Router<AppState> {
    Router::new().route("/search", get(search))
}

/// A piece of a snippet: matched text is shown marked.
pub struct Piece {
    pub text: String,
    pub hit: bool,
}

struct Hit {
    href: String,
    number: String,
    title: String,
    status: String,
    snippet: Vec<Piece>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    l: Layout,
    q: String,
    hits: Vec<Hit>,
    total: i64,
    capped: bool,
    error: Option<String>,
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

/// Splits a snippet whose matches are between `[` and `]` into pieces, so that the template
/// escapes the text and marks the matches without trusting any markup.
pub fn snippet_pieces(snippet: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut rest = snippet;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']').map(|c| c + open) else {
            break;
        };
        if open > 0 {
            pieces.push(Piece {
                text: rest[..open].to_owned(),
                hit: false,
            });
        }
        pieces.push(Piece {
            text: rest[open + 1..close].to_owned(),
            hit: true,
        });
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece {
            text: rest.to_owned(),
            hit: false,
        });
    }
    pieces
}

async fn search(State(state): State<AppState>, ui: Ui, Query(q): Query<SearchQuery>) -> UiResult {
    let query = q.q.unwrap_or_default();
    let mut page = SearchPage {
        l: ui.layout(format!("Search: {query}"), "search"),
        q: query.clone(),
        hits: Vec::new(),
        total: 0,
        capped: false,
        error: None,
    };
    if !query.trim().is_empty() {
        match state
            .app
            .search_tickets(&ui.actor, &query, PageRequest::default())
            .await
        {
            Ok(results) => {
                // One record by its number: straight to it.
                let exact: Vec<_> = results.items.iter().filter(|h| h.exact).collect();
                if let [one] = exact.as_slice()
                    && let Some(kind) = TicketKind::parse(&one.kind)
                {
                    return Ok(Redirect::to(&href(kind, one.ticket_id)).into_response());
                }
                page.total = results.total;
                page.capped = results.capped;
                page.hits = results
                    .items
                    .into_iter()
                    .map(|h| Hit {
                        href: TicketKind::parse(&h.kind)
                            .map(|k| href(k, h.ticket_id))
                            .unwrap_or_default(),
                        number: h.number,
                        title: h.title,
                        status: status_label(&h.status),
                        snippet: snippet_pieces(&h.snippet),
                    })
                    .collect();
            }
            Err(AppError::Invalid(invalid)) => {
                page.error = invalid.0.first().map(|e| e.message.clone());
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(ui.page(&page).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_mark_matches_and_keep_the_rest_as_text() {
        let p = snippet_pieces("the [mail] server <b> is [down]");
        let marked: Vec<_> = p
            .iter()
            .filter(|p| p.hit)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(marked, ["mail", "down"]);
        assert_eq!(p[2].text, " server <b> is ");
        assert_eq!(snippet_pieces("no close [here").len(), 1);
    }
}
