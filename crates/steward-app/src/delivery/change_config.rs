//! The change policy as configuration (8.5.1.1): the risk questionnaire, the approval policy,
//! change advisory boards and standard-change templates. Administrators and managers keep
//! them; staff read them.
use crate::app::{change, require_staff_user};
use crate::{App, AppError, Result};
use steward_domain::delivery::change_board::{
    Board, BoardDraft, BoardInput, Template, TemplateInput,
};
use steward_domain::delivery::change_policy::{ChangePolicy, RiskQuestionnaire};
use steward_domain::{Actor, FieldError, Invalid, Role};
use steward_store::foundation::settings;
use steward_store::{Ex, Tx, delivery::change_boards};

const POLICY_KEY: &str = "change_policy";
const RISK_KEY: &str = "change_risk_questionnaire";

/// Staff (agents, managers, admins, auditors) read changes and their configuration.
pub(crate) fn may_read(actor: &Actor) -> Result<()> {
    if actor.role.is_staff() {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// Agents, managers and admins raise and work changes; auditors only read.
pub(crate) fn may_work(actor: &Actor) -> Result<()> {
    if matches!(actor.role, Role::Admin | Role::Manager | Role::Agent) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

fn may_configure(actor: &Actor) -> Result<()> {
    if matches!(actor.role, Role::Admin | Role::Manager) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// The stored questionnaire, or the built-in one until an administrator sets another.
pub(crate) async fn questionnaire(ex: Ex<'_>) -> Result<RiskQuestionnaire> {
    Ok(settings::setting(ex, RISK_KEY)
        .await?
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_default())
}

/// The stored policy, or the default (no approval for normal changes, any member of the
/// emergency board for emergency changes, three services make a major impact).
pub(crate) async fn policy(ex: Ex<'_>) -> Result<ChangePolicy> {
    Ok(settings::setting(ex, POLICY_KEY)
        .await?
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_default())
}

impl App {
    pub async fn change_risk_questionnaire(&self, actor: &Actor) -> Result<RiskQuestionnaire> {
        may_read(actor)?;
        let mut conn = self.db.read().await?;
        questionnaire(conn.ex()).await
    }

    pub async fn put_change_risk_questionnaire(
        &self,
        actor: &Actor,
        q: RiskQuestionnaire,
    ) -> Result<RiskQuestionnaire> {
        may_configure(actor)?;
        q.validate()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = questionnaire(tx.ex()).await?;
        let json = serde_json::to_string(&q).map_err(|e| AppError::Internal(e.to_string()))?;
        settings::put_setting(tx.ex(), RISK_KEY, &json, now).await?;
        self.audit(
            &mut tx,
            change(
                actor,
                "setting",
                RISK_KEY,
                "update",
                Some(&before),
                Some(&q),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(q)
    }

    pub async fn change_policy(&self, actor: &Actor) -> Result<ChangePolicy> {
        may_read(actor)?;
        let mut conn = self.db.read().await?;
        policy(conn.ex()).await
    }

    pub async fn put_change_policy(&self, actor: &Actor, p: ChangePolicy) -> Result<ChangePolicy> {
        may_configure(actor)?;
        p.validate()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let mut errors = Vec::new();
        for (i, n) in p.normal.iter().enumerate() {
            if change_boards::get_board(tx.ex(), n.board_id)
                .await?
                .is_none()
            {
                errors.push(FieldError::new(
                    format!("normal[{i}].board_id"),
                    format!("no change advisory board with id {}", n.board_id),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(Invalid(errors)));
        }
        let before = policy(tx.ex()).await?;
        let json = serde_json::to_string(&p).map_err(|e| AppError::Internal(e.to_string()))?;
        settings::put_setting(tx.ex(), POLICY_KEY, &json, now).await?;
        self.audit(
            &mut tx,
            change(
                actor,
                "setting",
                POLICY_KEY,
                "update",
                Some(&before),
                Some(&p),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(p)
    }

    // ------------------------------------------------------------ boards

    pub async fn change_boards(&self, actor: &Actor) -> Result<Vec<Board>> {
        may_read(actor)?;
        let mut conn = self.db.read().await?;
        Ok(change_boards::boards(conn.ex()).await?)
    }

    pub async fn change_board(&self, actor: &Actor, id: i64) -> Result<Board> {
        may_read(actor)?;
        let mut conn = self.db.read().await?;
        change_boards::get_board(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("change board", id))
    }

    /// Creates (`id` None) or replaces a board.
    pub async fn save_change_board(
        &self,
        actor: &Actor,
        id: Option<i64>,
        input: BoardInput,
    ) -> Result<Board> {
        may_configure(actor)?;
        let draft = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = match id {
            Some(id) => Some(
                change_boards::get_board(tx.ex(), id)
                    .await?
                    .ok_or_else(|| AppError::not_found("change board", id))?,
            ),
            None => None,
        };
        check_board(&mut tx, id, &draft).await?;
        let id = match id {
            Some(id) => {
                change_boards::update_board(tx.ex(), id, &draft, now).await?;
                id
            }
            None => change_boards::insert_board(tx.ex(), &draft, now).await?,
        };
        let board = change_boards::get_board(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("change board", id))?;
        let action = if before.is_some() { "update" } else { "create" };
        self.audit(
            &mut tx,
            change(
                actor,
                "change_board",
                id,
                action,
                before.as_ref(),
                Some(&board),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(board)
    }

    pub async fn create_change_board(&self, actor: &Actor, input: BoardInput) -> Result<Board> {
        self.save_change_board(actor, None, input).await
    }

    pub async fn update_change_board(
        &self,
        actor: &Actor,
        id: i64,
        input: BoardInput,
    ) -> Result<Board> {
        self.save_change_board(actor, Some(id), input).await
    }

    // ------------------------------------------------------------ templates

    pub async fn create_change_template(
        &self,
        actor: &Actor,
        input: TemplateInput,
    ) -> Result<Template> {
        self.save_change_template(actor, None, input).await
    }

    pub async fn update_change_template(
        &self,
        actor: &Actor,
        id: i64,
        input: TemplateInput,
    ) -> Result<Template> {
        self.save_change_template(actor, Some(id), input).await
    }

    pub async fn change_templates(&self, actor: &Actor) -> Result<Vec<Template>> {
        may_read(actor)?;
        let mut conn = self.db.read().await?;
        Ok(change_boards::templates(conn.ex()).await?)
    }

    pub async fn change_template(&self, actor: &Actor, id: i64) -> Result<Template> {
        may_read(actor)?;
        let mut conn = self.db.read().await?;
        change_boards::get_template(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("change template", id))
    }

    /// Creates (`id` None) or replaces a standard-change template.
    pub async fn save_change_template(
        &self,
        actor: &Actor,
        id: Option<i64>,
        input: TemplateInput,
    ) -> Result<Template> {
        may_configure(actor)?;
        let draft = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = match id {
            Some(id) => Some(
                change_boards::get_template(tx.ex(), id)
                    .await?
                    .ok_or_else(|| AppError::not_found("change template", id))?,
            ),
            None => None,
        };
        if let Some(other) = change_boards::template_id_by_name(tx.ex(), &draft.name).await?
            && Some(other) != id
        {
            return Err(AppError::conflict(
                Some("name"),
                format!("a standard-change template named {:?} exists", draft.name),
            ));
        }
        let id = match id {
            Some(id) => {
                change_boards::update_template(tx.ex(), id, &draft, now).await?;
                id
            }
            None => change_boards::insert_template(tx.ex(), &draft, now).await?,
        };
        let template = change_boards::get_template(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("change template", id))?;
        let action = if before.is_some() { "update" } else { "create" };
        self.audit(
            &mut tx,
            change(
                actor,
                "change_template",
                id,
                action,
                before.as_ref(),
                Some(&template),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(template)
    }
}

/// A unique name (409), one emergency board (409) and active staff members (422).
async fn check_board(tx: &mut Tx, id: Option<i64>, d: &BoardDraft) -> Result<()> {
    if let Some(other) = change_boards::board_id_by_name(tx.ex(), &d.name).await?
        && Some(other) != id
    {
        return Err(AppError::conflict(
            Some("name"),
            format!("a change advisory board named {:?} exists", d.name),
        ));
    }
    if d.emergency
        && let Some(other) = change_boards::emergency_board(tx.ex()).await?
        && Some(other) != id
    {
        return Err(AppError::conflict(
            Some("emergency"),
            format!("board {other} is already the emergency board"),
        ));
    }
    for m in &d.member_ids {
        require_staff_user(tx.ex(), "member_ids", *m).await?;
    }
    Ok(())
}
