//! Customer satisfaction screens: "How did we do?" on a resolved record (the requester
//! answers in the portal), the public survey page behind a signed link (no login; the token
//! is the secret, so no CSRF token), what staff see on the record, and the managers' list of
//! answers with the low-rating threshold.
use crate::AppState;
use crate::ui::foundation::assets;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::forms::FieldErrors;
use crate::ui::foundation::list_page::{FormSpec, ListPage, require_manager, saved};
use crate::ui::resolution::record_path::{id_of, kind_of};
use crate::ui::resolution::rows::href;
use crate::ui::{FormData, Layout, Ui, UiError, UiResult, html, see_other, short_time};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use steward_app::AppError;
use steward_domain::FieldError;
use steward_domain::foundation::page::PageRequest;
use steward_domain::improvement::satisfaction::{
    AnsweredVia, Satisfaction, SatisfactionSettings, SurveyAnswer, SurveyStatus,
};
use steward_store::improvement::satisfaction::Filter;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/survey/{token}", get(public_show).post(public_answer))
        .route(
            "/incidents/{id}/satisfaction",
            get(portal_show).post(portal_answer),
        )
        .route(
            "/requests/{id}/satisfaction",
            get(portal_show).post(portal_answer),
        )
        .route("/manage/satisfaction", get(manage).post(save_settings))
}

/// The 1–5 scale in words, for the form and for what staff read.
pub const SCALE: [(i64, &str); 5] = [
    (5, "Very satisfied"),
    (4, "Satisfied"),
    (3, "Neither satisfied nor dissatisfied"),
    (2, "Dissatisfied"),
    (1, "Very dissatisfied"),
];

pub fn rating_text(rating: i64) -> String {
    let words = SCALE
        .iter()
        .find(|(r, _)| *r == rating)
        .map_or("", |(_, w)| *w);
    format!("{rating} of 5 — {words}")
}

/// The answer form (a rating from 1 to 5 and an optional comment), shared by the record page,
/// the portal answer page and the public page.
pub struct SurveyForm {
    pub action: String,
    /// Empty on the public page: the link's token is the secret.
    pub csrf: String,
    pub values: FormData,
    pub errors: FieldErrors,
    pub scale: Vec<(String, &'static str)>,
    pub comment_max: usize,
}

impl SurveyForm {
    pub fn new(action: String, csrf: String) -> Self {
        SurveyForm {
            action,
            csrf,
            values: FormData::default(),
            errors: FieldErrors::default(),
            scale: SCALE.iter().map(|(r, w)| (r.to_string(), *w)).collect(),
            comment_max: steward_domain::improvement::satisfaction::COMMENT_MAX,
        }
    }

    fn refused(mut self, values: FormData, errors: &[FieldError]) -> Self {
        self.values = values;
        self.errors = FieldErrors::from_list(errors);
        self
    }
}

/// A submitted answer form as the API's input; a rating that is not a whole number is named.
fn answer_of(form: &FormData) -> Result<SurveyAnswer, Vec<FieldError>> {
    let rating = match form.text("rating") {
        None => None,
        Some(r) => Some(r.trim().parse::<i64>().map_err(|_| {
            vec![FieldError::new(
                "rating",
                "must be a whole number from 1 to 5",
            )]
        })?),
    };
    let answer = SurveyAnswer {
        rating,
        comment: form.text("comment"),
    };
    answer.parse().map_err(|e| e.0)?;
    Ok(answer)
}

/// What a record page shows of its survey.
pub struct SurveyView {
    pub heading: &'static str,
    /// Where it stands, in words.
    pub state: String,
    pub rating: Option<String>,
    pub comment: Option<String>,
    pub low: bool,
    /// Staff: the signed link to send the requester, while open.
    pub link: Option<String>,
    /// The requester, while open: the form.
    pub form: Option<SurveyForm>,
}

/// The record page's part: the requester answers here; staff read the answer.
pub async fn record_part(
    state: &AppState,
    ui: &Ui,
    kind: steward_domain::resolution::ticket::TicketKind,
    id: i64,
) -> Result<Option<SurveyView>, UiError> {
    use steward_domain::resolution::ticket::TicketKind;
    if !matches!(kind, TicketKind::Incident | TicketKind::Request) {
        return Ok(None);
    }
    let s = state.app.ticket_satisfaction(&ui.actor, kind, id).await?;
    Ok(view(ui, &s, &format!("{}/satisfaction", href(kind, id))))
}

fn view(ui: &Ui, s: &Satisfaction, action: &str) -> Option<SurveyView> {
    let zone = ui.time_zone.as_deref().unwrap_or("UTC");
    let until = s
        .expires_at
        .as_deref()
        .map(|e| format!("{} {zone}", ui.local(e)))
        .unwrap_or_default();
    let state = match s.status {
        SurveyStatus::NotOffered => return None,
        SurveyStatus::Open if s.can_answer => {
            format!("Please rate how this was handled. You can answer once, until {until}.")
        }
        SurveyStatus::Open => {
            format!("Waiting for the requester's answer (the survey is open until {until}).")
        }
        SurveyStatus::Expired => format!("Not answered; the survey expired on {until}."),
        SurveyStatus::Answered => format!(
            "Answered {}{}.",
            s.answered_at
                .as_deref()
                .map(|a| format!("{} {zone}", ui.local(a)))
                .unwrap_or_default(),
            match s.answered_via {
                Some(AnsweredVia::Link) => " by the survey link",
                Some(AnsweredVia::Portal) => " in the portal",
                None => "",
            }
        ),
    };
    Some(SurveyView {
        heading: if ui.staff() {
            "Customer satisfaction"
        } else {
            "How did we do?"
        },
        state,
        rating: s.rating.map(rating_text),
        comment: s.comment.clone(),
        low: s.low,
        link: s.link.clone(),
        form: s
            .can_answer
            .then(|| SurveyForm::new(action.to_owned(), ui.csrf.clone())),
    })
}

#[derive(Template)]
#[template(path = "survey.html")]
struct SurveyPage {
    l: Layout,
    number: String,
    title: String,
    /// open, answered, expired or unknown.
    state: &'static str,
    message: String,
    form: Option<SurveyForm>,
    /// Logged in: back to the record.
    back: Option<String>,
}

fn public_layout(title: &str) -> Layout {
    Layout {
        title: title.to_owned(),
        user: None,
        csrf: String::new(),
        flash: None,
        flash_error: false,
        nav: "",
        css: assets::CSS_URL.as_str(),
        js: assets::JS_URL.as_str(),
    }
}

fn public_page(
    token: &str,
    number: String,
    title: String,
    status: SurveyStatus,
    expires: &str,
    form: Option<SurveyForm>,
) -> SurveyPage {
    let (state, message) = match status {
        SurveyStatus::Answered => (
            "answered",
            "Thank you — your answer has been recorded. Each record is rated once, so there is nothing more to do.".to_owned(),
        ),
        SurveyStatus::Expired => (
            "expired",
            format!(
                "This survey expired on {}. It can no longer be answered; thank you all the same.",
                short_time(expires)
            ),
        ),
        _ => (
            "open",
            format!(
                "Please rate how we handled it. You can answer once, until {}.",
                short_time(expires)
            ),
        ),
    };
    let form = (state == "open").then(|| {
        form.unwrap_or_else(|| SurveyForm::new(format!("/survey/{token}"), String::new()))
    });
    SurveyPage {
        l: public_layout(&format!("How did we do? {number}")),
        number,
        title,
        state,
        message,
        form,
        back: None,
    }
}

fn unknown_link() -> UiResult {
    let page = SurveyPage {
        l: public_layout("Survey link not valid"),
        number: String::new(),
        title: String::new(),
        state: "unknown",
        message: "This survey link is not valid. Check that the whole link was copied from the message, or answer in the customer portal after logging in.".into(),
        form: None,
        back: None,
    };
    let mut response = html(&page);
    *response.status_mut() = StatusCode::NOT_FOUND;
    Ok(response)
}

async fn public_show(State(state): State<AppState>, Path(token): Path<String>) -> UiResult {
    match state.app.survey_by_token(&token).await {
        Ok(s) => Ok(html(&public_page(
            &token,
            s.number,
            s.title,
            s.status,
            &s.expires_at,
            None,
        ))),
        Err(AppError::NotFound { .. }) => unknown_link(),
        Err(e) => Err(e.into()),
    }
}

async fn public_answer(
    State(state): State<AppState>,
    Path(token): Path<String>,
    form: FormData,
) -> UiResult {
    let survey = match state.app.survey_by_token(&token).await {
        Ok(s) => s,
        Err(AppError::NotFound { .. }) => return unknown_link(),
        Err(e) => return Err(e.into()),
    };
    let result = match answer_of(&form) {
        Ok(answer) => state.app.answer_survey_by_token(&token, answer).await,
        Err(errors) => Err(AppError::Invalid(steward_domain::Invalid(errors))),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/survey/{token}")).into_response()),
        Err(AppError::Invalid(invalid)) => {
            let refused = SurveyForm::new(format!("/survey/{token}"), String::new())
                .refused(form, &invalid.0);
            let page = public_page(
                &token,
                survey.number,
                survey.title,
                SurveyStatus::Open,
                &survey.expires_at,
                Some(refused),
            );
            let mut response = html(&page);
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        // Answered or expired meanwhile: the page says which.
        Err(AppError::Conflict { .. } | AppError::Gone(_)) => {
            Ok(Redirect::to(&format!("/survey/{token}")).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The requester's answer page (where a refused answer from the record page is shown with
/// the messages next to the fields).
async fn portal_page(
    state: &AppState,
    ui: &Ui,
    parts: &Parts,
    raw: &str,
    refused: Option<(FormData, Vec<FieldError>)>,
) -> UiResult {
    let kind = kind_of(parts)?;
    let id = id_of(raw)?;
    let t = state.app.get_ticket(&ui.actor, kind, id).await?;
    let s = state.app.ticket_satisfaction(&ui.actor, kind, id).await?;
    let record = href(kind, id);
    if !s.can_answer {
        return Ok(see_other(&record, ""));
    }
    let mut form = SurveyForm::new(format!("{record}/satisfaction"), ui.csrf.clone());
    let invalid = refused.is_some();
    if let Some((values, errors)) = refused {
        form = form.refused(values, &errors);
    }
    let page = SurveyPage {
        l: ui.layout(
            if invalid {
                format!("How did we do? {} (please check the input)", t.number)
            } else {
                format!("How did we do? {}", t.number)
            },
            "mine",
        ),
        number: t.number,
        title: t.title,
        state: "open",
        message: view(ui, &s, "").map(|v| v.state).unwrap_or_default(),
        form: Some(form),
        back: Some(record),
    };
    let mut response = ui.page(&page);
    if invalid {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

async fn portal_show(
    State(state): State<AppState>,
    ui: Ui,
    parts: Parts,
    Path(raw): Path<String>,
) -> UiResult {
    portal_page(&state, &ui, &parts, &raw, None).await
}

async fn portal_answer(
    State(state): State<AppState>,
    ui: Ui,
    parts: Parts,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let kind = kind_of(&parts)?;
    let id = id_of(&raw)?;
    let record = href(kind, id);
    let result = match answer_of(&form) {
        Ok(answer) => {
            state
                .app
                .answer_satisfaction(&ui.actor, kind, id, answer)
                .await
        }
        Err(errors) => Err(AppError::Invalid(steward_domain::Invalid(errors))),
    };
    match result {
        Ok(_) => Ok(see_other(
            &record,
            "Thank you — your rating has been recorded.",
        )),
        Err(AppError::Invalid(invalid)) => {
            portal_page(&state, &ui, &parts, &raw, Some((form, invalid.0))).await
        }
        Err(e @ (AppError::Conflict { .. } | AppError::Gone(_))) => {
            crate::ui::resolution::record_path::refused(
                &record,
                "record your rating",
                match e {
                    AppError::Gone(m) => AppError::conflict(None, m),
                    other => other,
                },
            )
        }
        Err(e) => Err(e.into()),
    }
}

// ------------------------------------------------------------------ managers' list

#[derive(serde::Deserialize)]
struct ListQuery {
    low: Option<String>,
}

fn settings_page(ui: &Ui) -> ListPage {
    let mut page = ListPage::new(ui, "Customer satisfaction", "satisfaction");
    let mut spec = FormSpec::new(
        "satisfaction settings",
        vec![Group::plain(vec![
            Field::new(
                "low_rating_threshold",
                "Low rating threshold (1 to 5)",
                Input::Choice((1..=5).map(|r| (r.to_string(), rating_text(r))).collect()),
            )
            .required()
            .hint("A rating at or below this is flagged low and written on the record's timeline."),
            Field::new(
                "link_valid_days",
                "Survey links stay valid for (days)",
                Input::Number,
            )
            .required()
            .hint("From when the record is resolved; 1 to 365."),
        ])],
    );
    spec.single = true;
    page.form = Some(spec);
    page
}

async fn manage(State(state): State<AppState>, ui: Ui, Query(q): Query<ListQuery>) -> UiResult {
    require_manager(&ui)?;
    let low_only = q.low.is_some_and(|v| !v.is_empty());
    let settings = state.app.satisfaction_settings(&ui.actor).await?;
    let answers = state
        .app
        .list_answered_surveys(
            &ui.actor,
            Filter {
                low_only,
                organization: None,
            },
            PageRequest {
                limit: 200,
                offset: 0,
            },
        )
        .await?;
    let mut page = settings_page(&ui);
    page.intro = Some(format!(
        "{} answered survey{}{}, newest first (the latest 200). Requesters are asked when an incident or request is first resolved; the Customer satisfaction report has the figures.",
        answers.total,
        if answers.total == 1 { "" } else { "s" },
        if low_only {
            format!(" rated {} or lower", settings.low_rating_threshold)
        } else {
            String::new()
        },
    ));
    page.related = vec![
        if low_only {
            ("/manage/satisfaction".into(), "Show all answers".into())
        } else {
            (
                "/manage/satisfaction?low=1".into(),
                "Show only low ratings".into(),
            )
        },
        (
            "/manage/reports/satisfaction".into(),
            "Customer satisfaction report".into(),
        ),
    ];
    page.headers = vec![
        "Record",
        "Title",
        "Rating",
        "Comment",
        "Requester",
        "Customer",
        "Answered",
    ];
    page.link_label = "Open";
    for a in answers.items {
        page.row_links.push(href(a.kind, a.ticket_id));
        page.rows.push(vec![
            a.number,
            a.title,
            format!(
                "{}{}",
                rating_text(a.rating),
                if a.low { " (low)" } else { "" }
            ),
            a.comment.unwrap_or_else(|| "—".into()),
            a.requester,
            a.organization.unwrap_or_else(|| "—".into()),
            ui.local(&a.answered_at),
        ]);
    }
    page.values = FormData(vec![
        (
            "low_rating_threshold".into(),
            settings.low_rating_threshold.to_string(),
        ),
        (
            "link_valid_days".into(),
            settings.link_valid_days.to_string(),
        ),
    ]);
    Ok(ui.page(&page))
}

async fn save_settings(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let page = settings_page(&ui);
    let mut json = match crate::ui::foundation::fields::read(&form, page.groups()) {
        Ok(json) => json,
        Err(errors) => {
            return crate::ui::foundation::list_page::refused_form(&ui, page, form, &errors);
        }
    };
    // The threshold is chosen as text; the API takes a number.
    if let Some(v) = json.get("low_rating_threshold").and_then(|v| v.as_str()) {
        let n: i64 = v.parse().unwrap_or(0);
        json.insert("low_rating_threshold".into(), n.into());
    }
    let result = match crate::ui::foundation::list_page::input::<SatisfactionSettings>(
        serde_json::Value::Object(json),
    ) {
        Ok(settings) => {
            state
                .app
                .set_satisfaction_settings(&ui.actor, settings)
                .await
        }
        Err(errors) => Err(AppError::Invalid(steward_domain::Invalid(errors))),
    };
    saved(&ui, page, None, form, result, |_: &SatisfactionSettings| {
        "The satisfaction settings were saved.".to_owned()
    })
}
