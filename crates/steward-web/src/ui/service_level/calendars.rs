//! The business calendars screen: each calendar's working week drawn as a preview, with
//! create and edit forms.
use crate::AppState;
use crate::ui::foundation::choices;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::list_page::{
    FormSpec, ListPage, edit_page, id_of, input, pairs, refused_edit, refused_form, require_manager,
};
use crate::ui::foundation::svg;
use crate::ui::{FormData, Ui, UiError, UiResult, see_other};
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use serde_json::json;
use steward_app::AppError;
use steward_domain::service_level::calendar::CalendarSpec;
use steward_domain::service_level::recompute::{deadlines_status, of, saved};
use steward_domain::{FieldError, Invalid};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manage/calendars", get(calendars).post(create_calendar))
        .route(
            "/manage/calendars/{id}",
            get(edit_calendar).post(update_calendar),
        )
}

const DAYS: [(&str, &str); 7] = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
];

fn calendar_fields() -> Vec<Group> {
    vec![
        Group::plain(vec![
            Field::text("name", "Name").required(),
            Field::new(
                "time_zone",
                "Time zone",
                Input::Suggest(choices::time_zones()),
            )
            .required()
            .hint("An IANA time zone, for example Europe/Berlin; start typing to choose."),
        ]),
        Group::titled(
            "Working hours (for example 09:00-12:00, 13:00-17:00; blank is closed)",
            DAYS.iter()
                .map(|(day, label)| Field::text(day, label))
                .collect(),
        ),
        Group::plain(vec![
            Field::text("holidays", "Holidays").hint("Dates as YYYY-MM-DD, separated by commas."),
        ]),
    ]
}

/// `09:00-12:00, 13:00-17:00` as `[["09:00","12:00"],["13:00","17:00"]]`; blank is closed.
fn intervals(text: &str) -> Result<Vec<[String; 2]>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (a, b) = p
                .split_once(['-', '–'])
                .ok_or_else(|| format!("{p:?} is not a range like 09:00-17:00"))?;
            Ok([a.trim().to_owned(), b.trim().to_owned()])
        })
        .collect()
}

/// `HH:MM` as hours since midnight.
fn hours(hhmm: &str) -> f64 {
    let (h, m) = hhmm.split_once(':').unwrap_or((hhmm, "0"));
    h.parse::<f64>().unwrap_or(0.0) + m.parse::<f64>().unwrap_or(0.0) / 60.0
}

async fn calendars(State(state): State<AppState>, ui: Ui) -> UiResult {
    require_manager(&ui)?;
    Ok(ui.page(&calendar_page(&state, &ui).await?))
}

async fn calendar_page(state: &AppState, ui: &Ui) -> Result<ListPage, UiError> {
    let mut page = ListPage::new(ui, "Calendars", "calendars");
    page.form = Some(FormSpec::new("calendar", calendar_fields()));
    page.headers = vec!["Name", "Time zone", "Holidays", "Version", "Deadlines"];
    let running = state.app.running_recomputes(&ui.actor).await?;
    for c in state.app.list_calendars(&ui.actor).await? {
        page.row_ids.push(c.id);
        let spec = &c.calendar;
        page.rows.push(vec![
            spec.name.clone(),
            spec.time_zone.clone(),
            spec.holidays.len().to_string(),
            c.version.to_string(),
            deadlines_status(&of(&running, |r| r.calendar_id == Some(c.id))),
        ]);
        let h = &spec.hours;
        let days: Vec<svg::Day<'_>> = [
            ("Mon", &h.mon),
            ("Tue", &h.tue),
            ("Wed", &h.wed),
            ("Thu", &h.thu),
            ("Fri", &h.fri),
            ("Sat", &h.sat),
            ("Sun", &h.sun),
        ]
        .into_iter()
        .map(|(day, intervals)| {
            let text = if intervals.is_empty() {
                "closed".to_owned()
            } else {
                intervals
                    .iter()
                    .map(|[a, b]| format!("{a}–{b}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            (
                day,
                intervals
                    .iter()
                    .map(|[a, b]| (hours(a), hours(b)))
                    .collect(),
                text,
            )
        })
        .collect();
        let title = format!("Working hours of {} ({})", spec.name, spec.time_zone);
        page.previews.push((
            title.clone(),
            svg::week(&format!("cal{}", c.id), &title, &days),
        ));
    }
    Ok(page)
}

/// The calendar form as a spec, with messages by field.
fn calendar_spec(form: &FormData) -> Result<CalendarSpec, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut hours = serde_json::Map::new();
    for (day, _) in DAYS {
        match intervals(&form.value(day)) {
            Ok(list) => {
                hours.insert(day.to_owned(), json!(list));
            }
            Err(m) => errors.push(FieldError::new(day, m)),
        }
    }
    let holidays: Vec<String> = form
        .value("holidays")
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_owned)
        .collect();
    let parsed = input::<CalendarSpec>(json!({
        "name": form.value("name"),
        "time_zone": form.value("time_zone"),
        "hours": hours,
        "holidays": holidays,
    }));
    match parsed {
        Ok(spec) if errors.is_empty() => Ok(spec),
        Ok(_) => Err(errors),
        Err(e) => Err(e),
    }
}

/// `hours.mon[0]` is shown next to the Monday field.
fn by_day(errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| {
            let day = DAYS
                .iter()
                .find(|(d, _)| e.field.starts_with(&format!("hours.{d}")))
                .map(|(d, _)| (*d).to_owned());
            // A week with no open day is shown at its first day.
            let day = day.or_else(|| (e.field == "hours").then(|| "mon".to_owned()));
            FieldError::new(day.unwrap_or(e.field), e.message)
        })
        .collect()
}

async fn create_calendar(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let result = match calendar_spec(&form) {
        Ok(spec) => state.app.create_calendar(&ui.actor, spec).await,
        Err(e) => Err(AppError::Invalid(Invalid(e))),
    };
    match result {
        Ok(c) => Ok(see_other(
            "/manage/calendars",
            &format!("Calendar {} was created.", c.calendar.name),
        )),
        Err(AppError::Invalid(invalid)) => refused_form(
            &ui,
            calendar_page(&state, &ui).await?,
            form,
            &by_day(invalid.0),
        ),
        Err(e) => Err(e.into()),
    }
}

async fn edit_calendar(State(state): State<AppState>, ui: Ui, Path(raw): Path<String>) -> UiResult {
    require_manager(&ui)?;
    let id = id_of(&raw)?;
    let c = state.app.get_calendar(&ui.actor, id).await?;
    let spec = c.calendar;
    let h = &spec.hours;
    let text = |list: &Vec<[String; 2]>| {
        list.iter()
            .map(|[a, b]| format!("{a}-{b}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let values = vec![
        ("name", spec.name.clone()),
        ("time_zone", spec.time_zone.clone()),
        ("mon", text(&h.mon)),
        ("tue", text(&h.tue)),
        ("wed", text(&h.wed)),
        ("thu", text(&h.thu)),
        ("fri", text(&h.fri)),
        ("sat", text(&h.sat)),
        ("sun", text(&h.sun)),
        ("holidays", spec.holidays.join(", ")),
    ];
    edit_page(&ui, calendar_page(&state, &ui).await?, id, pairs(&values))
}

async fn update_calendar(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let id = id_of(&raw)?;
    let result = match calendar_spec(&form) {
        Ok(spec) => state.app.update_calendar(&ui.actor, id, spec).await,
        Err(e) => Err(AppError::Invalid(Invalid(e))),
    };
    match result {
        Ok(c) => Ok(see_other(
            "/manage/calendars",
            &saved(&format!("Calendar {}", c.calendar.name), &c.recomputes),
        )),
        Err(AppError::Invalid(invalid)) => refused_edit(
            &ui,
            calendar_page(&state, &ui).await?,
            id,
            form,
            &by_day(invalid.0),
        ),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clock_times_become_hours() {
        assert_eq!(super::hours("09:30"), 9.5);
        assert_eq!(super::hours("24:00"), 24.0);
    }
}
