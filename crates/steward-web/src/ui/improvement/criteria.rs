//! The evaluation criteria improvement opportunities are scored on, one a line with its
//! weight ("Benefit: 3"), as the register's settings.
use crate::AppState;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::list_page::{FormSpec, ListPage, invalid, require_manager, saved};
use crate::ui::{FormData, Ui, UiResult};
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use steward_domain::FieldError;
use steward_domain::improvement::opportunity::{Criterion, ImprovementSettings};

pub fn routes() -> Router<AppState> {
    Router::new().route("/manage/improvements/criteria", get(show).post(save))
}

fn page(ui: &Ui) -> ListPage {
    let mut page = ListPage::new(ui, "Evaluation criteria", "improvements");
    page.base = "/manage/improvements/criteria".into();
    page.intro = Some("Opportunities are scored 1 (poor) to 5 (good) on each criterion; their score is the mean weighted by these weights, and ranks the open ones. Name a cost or a risk the way a high score is good: \"Low cost\", \"Low risk\".".into());
    page.related = vec![("/manage/improvements".into(), "The register".into())];
    let mut spec = FormSpec::new(
        "evaluation criteria",
        vec![Group::plain(vec![
            Field::new("criteria", "Criteria", Input::Long)
                .required()
                .hint("One a line, with its weight from 0.1 to 10: \"Benefit: 3\". Renaming a criterion starts its scores afresh."),
        ])],
    );
    spec.single = true;
    page.form = Some(spec);
    page
}

fn text_of(s: &ImprovementSettings) -> String {
    s.criteria
        .iter()
        .map(|c| format!("{}: {}", c.label, c.weight))
        .collect::<Vec<_>>()
        .join("\n")
}

/// "Low cost: 2" lines as criteria, keyed by their label ("low_cost"); a line that cannot be
/// read is named by its number.
fn parse(text: &str) -> Result<ImprovementSettings, Vec<FieldError>> {
    let mut criteria = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let weight = line.rsplit_once(':').and_then(|(label, w)| {
            Some((
                label.trim(),
                w.trim().replace(',', ".").parse::<f64>().ok()?,
            ))
        });
        let Some((label, weight)) = weight.filter(|(l, _)| !l.is_empty()) else {
            return Err(vec![FieldError::new(
                "criteria",
                format!(
                    "line {}: write a label, a colon and a weight, like \"Benefit: 3\"",
                    n + 1
                ),
            )]);
        };
        let key: String = label
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect::<String>()
            .split('_')
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("_");
        criteria.push(Criterion {
            key,
            label: label.to_owned(),
            weight,
        });
    }
    Ok(ImprovementSettings { criteria })
}

async fn show(State(state): State<AppState>, ui: Ui) -> UiResult {
    require_manager(&ui)?;
    let settings = state.app.improvement_settings(&ui.actor).await?;
    let mut page = page(&ui);
    page.values = FormData(vec![("criteria".into(), text_of(&settings))]);
    Ok(ui.page(&page))
}

async fn save(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let page = page(&ui);
    let result = match parse(&form.text("criteria").unwrap_or_default()) {
        // The domain's messages name `criteria[i].weight`; the form has one field.
        Ok(settings) => state
            .app
            .set_improvement_settings(&ui.actor, settings)
            .await
            .map_err(|e| match e {
                steward_app::AppError::Invalid(mut i) => {
                    for f in &mut i.0 {
                        if let Some(rest) = f.field.strip_prefix("criteria[") {
                            let line = rest
                                .split(']')
                                .next()
                                .and_then(|n| n.parse::<usize>().ok())
                                .map_or(0, |n| n + 1);
                            f.message = format!("criterion {line}: {}", f.message);
                            f.field = "criteria".into();
                        }
                    }
                    steward_app::AppError::Invalid(i)
                }
                other => other,
            }),
        Err(e) => Err(invalid(e)),
    };
    saved(&ui, page, None, form, result, |s: &ImprovementSettings| {
        format!("{} evaluation criteria were saved.", s.criteria.len())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_criteria_keyed_by_their_label() {
        let s = parse("Benefit: 3\n\nLow cost: 2,5\n").unwrap();
        assert_eq!(s.criteria.len(), 2);
        assert_eq!(
            (s.criteria[1].key.as_str(), s.criteria[1].weight),
            ("low_cost", 2.5)
        );
        assert_eq!(text_of(&s), "Benefit: 3\nLow cost: 2.5");
        assert!(parse("Benefit").is_err());
    }
}
