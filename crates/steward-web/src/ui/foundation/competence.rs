//! Competence (7.2): a matrix per team — its people in rows, the skills they hold in columns,
//! each cell the level (expired ones marked) — and the entries' list with add and edit forms.
use crate::AppState;
use crate::ui::foundation::choices;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::list_page::{FormSpec, ListPage, opt, require_manager};
use crate::ui::foundation::screen::{no_check, routes as screen_routes, screen};
use crate::ui::{Layout, Ui, UiError, UiResult, status_label};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use steward_domain::foundation::competence::{Competence, CompetenceInput, CompetenceLevel};
use steward_domain::foundation::page::PageRequest;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manage/system/competence", get(matrix))
        .merge(screen_routes::<Entries>())
}

screen!(
    Entries,
    "/manage/system/competences",
    entries_page,
    Competence,
    CompetenceInput,
    CompetenceInput,
    create_competence,
    get_competence,
    update_competence,
    "Competence",
    skill,
    no_check
);

async fn entries_page(state: &AppState, ui: &Ui, _: Option<i64>) -> Result<ListPage, UiError> {
    let staff = choices::staff(state, ui).await;
    let name = |id: i64| {
        staff
            .iter()
            .find(|(s, _)| *s == id)
            .map_or_else(|| format!("user #{id}"), |(_, n)| n.clone())
    };
    let mut page = ListPage::new(ui, "Competence entries", "system/competences");
    page.intro = Some(
        "Each person's skills and roles with their level, the evidence, and when it expires (7.2)."
            .into(),
    );
    page.related = vec![(
        "/manage/system/competence".into(),
        "The competence matrix per team".into(),
    )];
    page.headers = vec![
        "Person",
        "Skill or role",
        "Level",
        "Evidence",
        "Obtained",
        "Expires",
        "Verified by",
    ];
    for k in state.app.list_competences(&ui.actor, None, None).await? {
        page.row_ids.push(k.id);
        let expires = match (&k.expires_on, k.expired) {
            (Some(d), true) => format!("{d} (expired)"),
            (Some(d), false) => d.clone(),
            (None, _) => "—".into(),
        };
        page.rows.push(vec![
            name(k.user_id),
            k.skill.clone(),
            status_label(k.level.as_str()),
            opt(k.evidence.clone()),
            k.obtained_on.clone(),
            expires,
            opt(k.verified_by.map(name)),
        ]);
    }
    let levels = CompetenceLevel::ALL
        .iter()
        .map(|l| (l.as_str().to_owned(), status_label(l.as_str())))
        .collect();
    page.form = Some(FormSpec::new(
        "competence",
        vec![Group::plain(vec![
            Field::new("user_id", "Person", Input::Pick(staff.clone(), "Choose…")).required(),
            Field::text("skill", "Skill or role")
                .required()
                .hint("For example: Incident management, Change advisory board."),
            Field::new("level", "Level", Input::Choice(levels)).required(),
            Field::new("evidence", "Evidence", Input::Long)
                .hint("Training, certificate, assessment…"),
            Field::text("obtained_on", "Obtained on")
                .required()
                .hint("YYYY-MM-DD."),
            Field::text("expires_on", "Expires on")
                .hint("YYYY-MM-DD; blank when it does not expire."),
            Field::new(
                "verified_by",
                "Verified by",
                Input::Pick(staff, "Not verified"),
            ),
        ])],
    ));
    Ok(page)
}

/// A person's row: their name, and per skill (level, expired) or nothing.
type Row = (String, Vec<Option<(String, bool)>>);

/// One team's matrix: skills across, people down; a cell is (level, expired) or empty.
struct TeamMatrix {
    name: String,
    skills: Vec<String>,
    rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "competence.html")]
struct MatrixPage {
    l: Layout,
    section: &'static str,
    teams: Vec<TeamMatrix>,
}

async fn matrix(State(state): State<AppState>, ui: Ui) -> UiResult {
    require_manager(&ui)?;
    let staff = choices::staff(&state, &ui).await;
    let all = PageRequest {
        limit: 500,
        offset: 0,
    };
    let entries = state.app.list_competences(&ui.actor, None, None).await?;
    let mut teams = Vec::new();
    for team in state
        .app
        .list_teams(&ui.actor, Default::default(), all)
        .await?
        .items
    {
        let mine: Vec<&Competence> = entries
            .iter()
            .filter(|k| team.member_ids.contains(&k.user_id))
            .collect();
        let mut skills: Vec<String> = mine.iter().map(|k| k.skill.clone()).collect();
        skills.sort_by_key(|s| s.to_lowercase());
        skills.dedup();
        let mut rows: Vec<Row> = team
            .member_ids
            .iter()
            .map(|m| {
                let person = staff
                    .iter()
                    .find(|(s, _)| s == m)
                    .map_or_else(|| format!("user #{m}"), |(_, n)| n.clone());
                let cells = skills
                    .iter()
                    .map(|s| {
                        mine.iter()
                            .find(|k| k.user_id == *m && &k.skill == s)
                            .map(|k| (status_label(k.level.as_str()), k.expired))
                    })
                    .collect();
                (person, cells)
            })
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        teams.push(TeamMatrix {
            name: team.name,
            skills,
            rows,
        });
    }
    Ok(ui.page(&MatrixPage {
        l: ui.layout("Competence matrix", "manage"),
        section: "system/competence",
        teams,
    }))
}
