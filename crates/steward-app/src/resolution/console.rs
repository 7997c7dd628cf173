//! The agent console: queues paged in the database, saved views, bulk actions.
use crate::app::{change, require};
use crate::{App, AppError, Result};
use steward_domain::foundation::actor::Scope;
use steward_domain::resolution::console::{
    BulkAction, BulkInput, BulkOutcome, ConsoleQuery, ConsoleView, Queue, QueueCount, SavedView,
    parse_view_name,
};
use steward_domain::{Actor, Permission};
use steward_store::Ex;
use steward_store::foundation::teams;
use steward_store::resolution::console::{self, Asker};

impl App {
    async fn asker(&self, mut ex: Ex<'_>, actor: &Actor) -> Result<Asker> {
        let teams = match actor.user_id {
            Some(user) => teams::of_member(ex.by_ref(), user).await?,
            None => Vec::new(),
        };
        let organization = match actor.scope() {
            Scope::All => None,
            Scope::Organization(org) => Some(org),
            // No record matches organization 0.
            Scope::Nothing => Some(0),
        };
        Ok(Asker {
            user: actor.user_id,
            teams,
            now: self.now(),
            organization,
        })
    }

    /// A page of a work queue, for staff.
    pub async fn console(&self, actor: &Actor, q: &ConsoleQuery) -> Result<ConsoleView> {
        require(actor, Permission::WorkTickets)?;
        let mut conn = self.db.read().await?;
        let who = self.asker(conn.ex(), actor).await?;
        let (items, more) = console::page(conn.ex(), q, &who).await?;
        let total = console::count(conn.ex(), q.queue, &q.filter, &who).await?;
        let mut queues = Vec::with_capacity(Queue::ALL.len());
        for &queue in Queue::ALL {
            let count = console::count(conn.ex(), queue, &Default::default(), &who).await?;
            queues.push(QueueCount {
                queue,
                label: queue.label(),
                count,
            });
        }
        Ok(ConsoleView {
            items,
            more,
            total,
            queues,
        })
    }

    /// The actor's own saved views.
    pub async fn saved_views(&self, actor: &Actor) -> Result<Vec<SavedView>> {
        require(actor, Permission::WorkTickets)?;
        let user = actor.user_id.ok_or_else(AppError::forbidden)?;
        let mut conn = self.db.read().await?;
        Ok(console::views(conn.ex(), user).await?)
    }

    /// Saves a console question under a name (the same name again replaces it). The query
    /// is checked and stored in its canonical form.
    pub async fn save_view(&self, actor: &Actor, name: &str, query: &str) -> Result<SavedView> {
        require(actor, Permission::WorkTickets)?;
        let user = actor.user_id.ok_or_else(AppError::forbidden)?;
        let name = parse_view_name(name)?;
        let query = ConsoleQuery::parse(
            query
                .trim_start_matches('?')
                .split('&')
                .filter_map(|pair| pair.split_once('=')),
        )?
        .on_page(1)
        .to_query_string();
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let view = console::save_view(tx.ex(), user, &name, &query, now).await?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "console_view", view.id, "save", None, Some(&view)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(view)
    }

    pub async fn delete_view(&self, actor: &Actor, id: i64) -> Result<()> {
        require(actor, Permission::WorkTickets)?;
        let user = actor.user_id.ok_or_else(AppError::forbidden)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let view = console::delete_view(tx.ex(), user, id)
            .await?
            .ok_or_else(|| AppError::not_found("saved view", id))?;
        self.audit(
            &mut tx,
            change::<_, ()>(actor, "console_view", id, "delete", Some(&view), None),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Assigns or moves several records. Each is its own transaction through the same use case
    /// as one record, so each keeps its rules, its timeline and its audit entry; the outcome
    /// names what changed and why the rest did not.
    pub async fn bulk_update(&self, actor: &Actor, input: BulkInput) -> Result<Vec<BulkOutcome>> {
        require(actor, Permission::WorkTickets)?;
        let (records, action) = input.parse()?;
        let mut outcomes = Vec::with_capacity(records.len());
        for target in records {
            let result = match &action {
                BulkAction::Assign(a) => {
                    self.assign_ticket(actor, target.kind, target.id, a.clone())
                        .await
                }
                BulkAction::Transition(t) => {
                    self.transition_ticket(actor, target.kind, target.id, t.clone())
                        .await
                }
            };
            outcomes.push(match result {
                Ok(ticket) => BulkOutcome {
                    kind: target.kind,
                    id: target.id,
                    number: Some(ticket.number),
                    changed: true,
                    error: None,
                },
                // A failing database is not a refusal: stop and say so.
                Err(e @ (AppError::Internal(_) | AppError::Store(_))) => return Err(e),
                Err(e) => BulkOutcome {
                    kind: target.kind,
                    id: target.id,
                    number: self
                        .get_ticket(actor, target.kind, target.id)
                        .await
                        .ok()
                        .map(|t| t.number),
                    changed: false,
                    error: Some(refusal_text(&e)),
                },
            });
        }
        Ok(outcomes)
    }
}

/// A refusal as a sentence for people: field names as words, every field's message.
fn refusal_text(e: &AppError) -> String {
    match e {
        AppError::Invalid(invalid) => invalid
            .0
            .iter()
            .map(|f| format!("{} {}", f.field.replace('_', " "), f.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}
