//! The change policy and the risk questionnaire as settings screens: each is edited as the
//! JSON document the API takes (`/api/v1/change-policy`, `/api/v1/change-risk-questionnaire`),
//! refused on the field with the API's message.
use crate::AppState;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::list_page::{FormSpec, ListPage, invalid, require_manager, saved};
use crate::ui::{FormData, Ui, UiResult};
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use steward_app::AppError;
use steward_domain::FieldError;
use steward_domain::delivery::change_policy::{ChangePolicy, RiskQuestionnaire};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manage/change-policy", get(show).post(save))
        .route("/manage/change-risk", get(show_risk).post(save_risk))
}

fn page(ui: &Ui, heading: &'static str, base: &str, intro: &str, hint: &str) -> ListPage {
    let mut page = ListPage::new(ui, heading, "change-boards");
    page.base = base.into();
    page.intro = Some(intro.into());
    page.related = vec![
        ("/manage/changes".into(), "Changes".into()),
        (
            "/manage/change-boards".into(),
            "Change advisory boards".into(),
        ),
        (
            "/manage/change-templates".into(),
            "Standard-change templates".into(),
        ),
        ("/manage/change-policy".into(), "Change policy".into()),
        ("/manage/change-risk".into(), "Risk questionnaire".into()),
    ];
    let mut spec = FormSpec::new(
        "settings",
        vec![Group::plain(vec![
            Field::new("document", "Settings (JSON)", Input::Long)
                .required()
                .hint(hint),
        ])],
    );
    spec.single = true;
    page.form = Some(spec);
    page
}

fn policy_page(ui: &Ui) -> ListPage {
    page(
        ui,
        "Change policy",
        "/manage/change-policy",
        "Standard changes need no approval; normal changes need the board listed for their risk level (none listed: no approval); emergency changes need the emergency board.",
        "normal: a list of {risk_level, board_id, rule (all, any, quorum), quorum}; emergency: {rule, quorum}; major_impact_services: how many affected services make a major impact.",
    )
}

fn risk_page(ui: &Ui) -> ListPage {
    page(
        ui,
        "Risk questionnaire",
        "/manage/change-risk",
        "Each chosen answer adds its weight to a change's risk score; the thresholds turn the score into low, medium, high or very high.",
        "questions: a list of {key, text, answers: [{label, weight}]}; thresholds: {medium, high, very_high}.",
    )
}

fn pretty<T: serde::Serialize>(v: &T) -> FormData {
    FormData(vec![(
        "document".into(),
        serde_json::to_string_pretty(v).unwrap_or_default(),
    )])
}

/// The document as `T`; a syntax error, or the API's refusal, is shown on the one field.
fn parse<T: serde::de::DeserializeOwned>(form: &FormData) -> Result<T, AppError> {
    serde_json::from_str(&form.text("document").unwrap_or_default())
        .map_err(|e| invalid(vec![FieldError::new("document", e.to_string())]))
}

fn on_document(e: AppError) -> AppError {
    match e {
        AppError::Invalid(mut i) => {
            for f in &mut i.0 {
                f.message = format!("{}: {}", f.field, f.message);
                f.field = "document".into();
            }
            AppError::Invalid(i)
        }
        other => other,
    }
}

async fn show(State(state): State<AppState>, ui: Ui) -> UiResult {
    require_manager(&ui)?;
    let mut page = policy_page(&ui);
    page.values = pretty(&state.app.change_policy(&ui.actor).await?);
    Ok(ui.page(&page))
}

async fn save(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let result = match parse::<ChangePolicy>(&form) {
        Ok(p) => state
            .app
            .put_change_policy(&ui.actor, p)
            .await
            .map_err(on_document),
        Err(e) => Err(e),
    };
    saved(&ui, policy_page(&ui), None, form, result, |_| {
        "The change policy was saved.".into()
    })
}

async fn show_risk(State(state): State<AppState>, ui: Ui) -> UiResult {
    require_manager(&ui)?;
    let mut page = risk_page(&ui);
    page.values = pretty(&state.app.change_risk_questionnaire(&ui.actor).await?);
    Ok(ui.page(&page))
}

async fn save_risk(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let result = match parse::<RiskQuestionnaire>(&form) {
        Ok(q) => state
            .app
            .put_change_risk_questionnaire(&ui.actor, q)
            .await
            .map_err(on_document),
        Err(e) => Err(e),
    };
    saved(&ui, risk_page(&ui), None, form, result, |_| {
        "The risk questionnaire was saved.".into()
    })
}
