//! Problems: raised by staff, linked to the incidents they explain, analysed (root cause and
//! workaround), and published as known errors that agents can search and are offered.
use crate::app::require;
use crate::resolution::tickets::load;
use crate::{App, AppError, Result};
use steward_domain::resolution::problem::{Analysis, AnalysisInput, KnownError, ProblemInput};
use steward_domain::resolution::record::Ticket;
use steward_domain::resolution::ticket::LinkInput;
use steward_domain::resolution::ticket::TicketKind;
use steward_domain::{Actor, Permission};
use steward_store::{Tx, resolution::kinds, resolution::tickets};

impl App {
    pub async fn create_problem(&self, actor: &Actor, input: ProblemInput) -> Result<Ticket> {
        require(actor, Permission::WorkTickets)?;
        let (draft, incidents) = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        crate::resolution::tickets::check_references(&mut tx, &draft).await?;
        let priority = crate::resolution::tickets::priority_of(tx.ex(), &draft).await?;
        let problem = self
            .open_ticket(
                &mut tx,
                actor,
                TicketKind::Problem,
                &draft,
                priority,
                &tickets::Opening::default(),
                now,
            )
            .await?;
        self.link(&mut tx, actor, &problem, &incidents, now).await?;
        tx.commit().await?;
        self.get_ticket(actor, TicketKind::Problem, problem.id)
            .await
    }

    /// Links incidents to the problem that explains them.
    pub async fn link_incidents(&self, actor: &Actor, id: i64, input: LinkInput) -> Result<Ticket> {
        require(actor, Permission::WorkTickets)?;
        let ids = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let problem = load(&mut tx, TicketKind::Problem, id).await?;
        if problem.status.is_final() {
            return Err(AppError::conflict(
                Some("status"),
                format!("{} is {}", problem.number, problem.status.as_str()),
            ));
        }
        self.link(&mut tx, actor, &problem, &ids, now).await?;
        tx.commit().await?;
        self.get_ticket(actor, TicketKind::Problem, id).await
    }

    async fn link(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        problem: &Ticket,
        incidents: &[i64],
        now: i64,
    ) -> Result<()> {
        for (i, incident_id) in incidents.iter().copied().enumerate() {
            let field = format!("incident_ids[{i}]");
            let incident = tickets::get(tx.ex(), TicketKind::Incident, incident_id)
                .await?
                .ok_or_else(|| AppError::invalid(&field, format!("no incident {incident_id}")))?;
            if incident.problem_id == Some(problem.id) {
                continue;
            }
            kinds::set_problem(tx.ex(), incident.id, Some(problem.id), now).await?;
            let after = load(tx, TicketKind::Incident, incident.id).await?;
            let detail =
                serde_json::json!({ "problem": problem.number, "replaces": incident.problem_id });
            self.record_change(tx, actor, &incident, "problem_linked", detail, &after, now)
                .await?;
            let detail = serde_json::json!({ "incident": incident.number });
            tickets::add_event(
                tx.ex(),
                problem.id,
                now,
                actor.user_id,
                &actor.name,
                "incident_linked",
                None,
                None,
                Some(&detail),
            )
            .await?;
        }
        Ok(())
    }

    /// Removes an incident's link to this problem.
    pub async fn unlink_incident(
        &self,
        actor: &Actor,
        id: i64,
        incident_id: i64,
    ) -> Result<Ticket> {
        require(actor, Permission::WorkTickets)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let problem = load(&mut tx, TicketKind::Problem, id).await?;
        let incident = load(&mut tx, TicketKind::Incident, incident_id).await?;
        if incident.problem_id != Some(problem.id) {
            return Err(AppError::not_found("linked incident", incident_id));
        }
        kinds::set_problem(tx.ex(), incident_id, None, now).await?;
        let after = load(&mut tx, TicketKind::Incident, incident_id).await?;
        let detail = serde_json::json!({ "problem": problem.number });
        self.record_change(
            &mut tx,
            actor,
            &incident,
            "problem_unlinked",
            detail,
            &after,
            now,
        )
        .await?;
        tx.commit().await?;
        self.get_ticket(actor, TicketKind::Problem, id).await
    }

    /// Records the analysis so far: root cause and workaround.
    pub async fn analyse_problem(
        &self,
        actor: &Actor,
        id: i64,
        input: AnalysisInput,
    ) -> Result<Ticket> {
        require(actor, Permission::WorkTickets)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, TicketKind::Problem, id).await?;
        if current.status.is_final() {
            return Err(AppError::conflict(
                Some("status"),
                format!("{} is {}", current.number, current.status.as_str()),
            ));
        }
        let before = Analysis {
            root_cause: current.root_cause.clone(),
            workaround: current.workaround.clone(),
        };
        let next = input.apply(&before, current.status)?;
        kinds::set_analysis(
            tx.ex(),
            id,
            next.root_cause.as_deref(),
            next.workaround.as_deref(),
            now,
        )
        .await?;
        let after = load(&mut tx, TicketKind::Problem, id).await?;
        let detail = serde_json::json!({
            "root_cause_changed": before.root_cause != next.root_cause,
            "workaround_changed": before.workaround != next.workaround,
        });
        self.record_change(&mut tx, actor, &current, "analysis", detail, &after, now)
            .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The known-error database; with `q`, only entries containing every word of it (as a
    /// word prefix) in their title, root cause or workaround.
    pub async fn known_errors(&self, actor: &Actor, q: Option<&str>) -> Result<Vec<KnownError>> {
        require(actor, Permission::WorkTickets)?;
        let terms = steward_domain::resolution::search::terms(q.unwrap_or(""));
        let mut conn = self.db.read().await?;
        let all = kinds::known_errors(conn.ex()).await?;
        Ok(all
            .into_iter()
            .filter(|ke| {
                let words = steward_domain::resolution::search::terms_all(&format!(
                    "{} {} {}",
                    ke.title, ke.root_cause, ke.workaround
                ));
                terms
                    .iter()
                    .all(|t| words.iter().any(|w| w.starts_with(t.as_str())))
            })
            .collect())
    }
}
