//! Organizations, users and teams.
use crate::app::{change, page, require};
use crate::{App, AppError, Result};
use steward_domain::foundation::page::{Page, PageRequest};
use steward_domain::foundation::people::{
    NewUser, Organization, OrganizationInput, OrganizationPatch, Team, TeamInput, TeamPatch, User,
    UserInput, UserPatch,
};
use steward_domain::{Actor, Permission, Role, Scope};
use steward_store::{Ex, foundation::orgs, foundation::teams, foundation::users};

impl App {
    // ------------------------------------------------------------ organizations

    pub async fn list_organizations(
        &self,
        actor: &Actor,
        mut filter: orgs::Filter,
        request: PageRequest,
    ) -> Result<Page<Organization>> {
        require(actor, Permission::ReadOrganizations)?;
        match actor.scope() {
            Scope::All => {}
            Scope::Organization(org) => filter.only = Some(org),
            Scope::Nothing => return Ok(page((Vec::new(), 0), request)),
        }
        let mut conn = self.db.read().await?;
        Ok(page(
            orgs::list(conn.ex(), &filter, request).await?,
            request,
        ))
    }

    pub async fn get_organization(&self, actor: &Actor, id: i64) -> Result<Organization> {
        require(actor, Permission::ReadOrganizations)?;
        if !actor.scope().sees(Some(id)) {
            return Err(AppError::not_found("organization", id));
        }
        let mut conn = self.db.read().await?;
        orgs::get(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("organization", id))
    }

    pub async fn create_organization(
        &self,
        actor: &Actor,
        input: OrganizationInput,
    ) -> Result<Organization> {
        require(actor, Permission::ManageOrganizations)?;
        let new = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if orgs::id_by_name(tx.ex(), &new.name).await?.is_some() {
            return Err(AppError::conflict(
                Some("name"),
                format!("an organization named {:?} already exists", new.name),
            ));
        }
        let org = orgs::insert(tx.ex(), &new, now).await?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "organization", org.id, "create", None, Some(&org)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(org)
    }

    pub async fn update_organization(
        &self,
        actor: &Actor,
        id: i64,
        patch: OrganizationPatch,
    ) -> Result<Organization> {
        require(actor, Permission::ManageOrganizations)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = orgs::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("organization", id))?;
        let state = patch.apply(&current)?;
        if let Some(other) = orgs::id_by_name(tx.ex(), &state.name).await?
            && other != id
        {
            return Err(AppError::conflict(
                Some("name"),
                format!("an organization named {:?} already exists", state.name),
            ));
        }
        let org = orgs::update(tx.ex(), id, &state, now).await?;
        self.audit(
            &mut tx,
            change(
                actor,
                "organization",
                id,
                "update",
                Some(&current),
                Some(&org),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(org)
    }

    /// Deletes an organization nobody belongs to; one with users can only be deactivated.
    pub async fn delete_organization(&self, actor: &Actor, id: i64) -> Result<()> {
        require(actor, Permission::ManageOrganizations)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = orgs::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("organization", id))?;
        if orgs::has_users(tx.ex(), id).await? {
            return Err(AppError::conflict(
                None,
                "the organization still has users; deactivate it instead (PATCH {\"active\": false})",
            ));
        }
        orgs::delete(tx.ex(), id).await?;
        self.audit(
            &mut tx,
            change::<_, ()>(actor, "organization", id, "delete", Some(&current), None),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ------------------------------------------------------------ users

    pub async fn list_users(
        &self,
        actor: &Actor,
        mut filter: users::Filter,
        request: PageRequest,
    ) -> Result<Page<User>> {
        require(actor, Permission::ReadUsers)?;
        match actor.scope() {
            Scope::All => {}
            Scope::Organization(org) => filter.organization_id = Some(org),
            Scope::Nothing => return Ok(page((Vec::new(), 0), request)),
        }
        let mut conn = self.db.read().await?;
        Ok(page(
            users::list(conn.ex(), &filter, request).await?,
            request,
        ))
    }

    pub async fn get_user(&self, actor: &Actor, id: i64) -> Result<User> {
        require(actor, Permission::ReadUsers)?;
        let mut conn = self.db.read().await?;
        users::get(conn.ex(), id)
            .await?
            .filter(|u| actor.scope().sees(u.organization_id) || actor.user_id == Some(u.id))
            .ok_or_else(|| AppError::not_found("user", id))
    }

    pub async fn create_user(&self, actor: &Actor, input: UserInput) -> Result<User> {
        require(actor, Permission::ManageUsers)?;
        let new = input.parse()?;
        self.insert_user(actor, new).await
    }

    /// Creates a parsed user; the CLI calls this directly with the operator as actor.
    pub async fn insert_user(&self, actor: &Actor, new: NewUser) -> Result<User> {
        require(actor, Permission::ManageUsers)?;
        let hash = match &new.password {
            Some(p) => Some(self.hashing.hash(p.clone()).await?),
            None => None,
        };
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if users::by_username(tx.ex(), &new.username).await?.is_some() {
            return Err(AppError::conflict(
                Some("username"),
                format!("the username {:?} is taken", new.username),
            ));
        }
        check_organization(tx.ex(), new.organization_id).await?;
        let user = users::insert(tx.ex(), &new, hash.as_deref(), now).await?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "user", user.id, "create", None, Some(&user)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn update_user(&self, actor: &Actor, id: i64, patch: UserPatch) -> Result<User> {
        require(actor, Permission::ManageUsers)?;
        let new_password = patch.password.clone();
        let hash = match new_password {
            // Validated again by `apply`; hashing first keeps the transaction short.
            Some(p) if p.chars().count() >= steward_domain::foundation::people::PASSWORD_MIN => {
                Some(self.hashing.hash(p).await?)
            }
            _ => None,
        };
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = users::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("user", id))?;
        let state = patch.apply(&current)?;
        check_organization(tx.ex(), state.organization_id).await?;
        let loses_admin = current.role == Role::Admin
            && current.active
            && (state.role != Role::Admin || !state.active);
        if loses_admin && other_active_admins(tx.ex(), id).await? == 0 {
            return Err(AppError::conflict(
                Some("role"),
                "this is the last active admin; make another user admin first",
            ));
        }
        let user = users::update(tx.ex(), id, &state, hash.as_deref(), now).await?;
        let mut action = "update";
        if current.active && !user.active {
            steward_store::foundation::auth::revoke_user_sessions(tx.ex(), id, now).await?;
            action = "deactivate";
        }
        if state.password.is_some() {
            // A changed password ends existing sessions, as users expect after a reset.
            steward_store::foundation::auth::revoke_user_sessions(tx.ex(), id, now).await?;
        }
        self.audit(
            &mut tx,
            change(actor, "user", id, action, Some(&current), Some(&user)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Ends every session of a user (admin).
    pub async fn revoke_user_sessions(&self, actor: &Actor, id: i64) -> Result<u64> {
        require(actor, Permission::ManageUsers)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        users::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("user", id))?;
        let n = steward_store::foundation::auth::revoke_user_sessions(tx.ex(), id, now).await?;
        let detail = serde_json::json!({ "sessions_revoked": n });
        self.audit(
            &mut tx,
            change::<(), _>(actor, "user", id, "revoke_sessions", None, Some(&detail)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    // ------------------------------------------------------------ teams

    pub async fn list_teams(
        &self,
        actor: &Actor,
        filter: teams::Filter,
        request: PageRequest,
    ) -> Result<Page<Team>> {
        require(actor, Permission::ReadTeams)?;
        let mut conn = self.db.read().await?;
        Ok(page(
            teams::list(conn.ex(), &filter, request).await?,
            request,
        ))
    }

    pub async fn get_team(&self, actor: &Actor, id: i64) -> Result<Team> {
        require(actor, Permission::ReadTeams)?;
        let mut conn = self.db.read().await?;
        teams::get(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("team", id))
    }

    pub async fn create_team(&self, actor: &Actor, input: TeamInput) -> Result<Team> {
        require(actor, Permission::ManageTeams)?;
        let new = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if teams::id_by_name(tx.ex(), &new.name).await?.is_some() {
            return Err(AppError::conflict(
                Some("name"),
                format!("a team named {:?} already exists", new.name),
            ));
        }
        check_members(tx.ex(), &new.member_ids).await?;
        let team = teams::insert(tx.ex(), &new, now).await?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "team", team.id, "create", None, Some(&team)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(team)
    }

    pub async fn update_team(&self, actor: &Actor, id: i64, patch: TeamPatch) -> Result<Team> {
        require(actor, Permission::ManageTeams)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = teams::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("team", id))?;
        let new = patch.apply(&current)?;
        if let Some(other) = teams::id_by_name(tx.ex(), &new.name).await?
            && other != id
        {
            return Err(AppError::conflict(
                Some("name"),
                format!("a team named {:?} already exists", new.name),
            ));
        }
        check_members(tx.ex(), &new.member_ids).await?;
        let team = teams::update(tx.ex(), id, &new, now).await?;
        self.audit(
            &mut tx,
            change(actor, "team", id, "update", Some(&current), Some(&team)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(team)
    }

    /// Adds (`member = true`) or removes one user, leaving the other members as they are.
    pub async fn set_team_membership(
        &self,
        actor: &Actor,
        id: i64,
        user_id: i64,
        member: bool,
    ) -> Result<Team> {
        let current = self.get_team(actor, id).await?;
        let mut ids = current.member_ids.clone();
        ids.retain(|&u| u != user_id);
        if member {
            ids.push(user_id);
        } else if ids.len() == current.member_ids.len() {
            return Err(AppError::not_found("team member", user_id));
        }
        let patch = TeamPatch {
            member_ids: Some(ids),
            ..Default::default()
        };
        self.update_team(actor, id, patch).await
    }

    pub async fn delete_team(&self, actor: &Actor, id: i64) -> Result<()> {
        require(actor, Permission::ManageTeams)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = teams::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("team", id))?;
        teams::delete(tx.ex(), id).await?;
        self.audit(
            &mut tx,
            change::<_, ()>(actor, "team", id, "delete", Some(&current), None),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn check_organization(ex: Ex<'_>, organization_id: Option<i64>) -> Result<()> {
    if let Some(org) = organization_id
        && orgs::get(ex, org).await?.is_none()
    {
        return Err(AppError::invalid(
            "organization_id",
            format!("no organization with id {org}"),
        ));
    }
    Ok(())
}

async fn check_members(ex: Ex<'_>, ids: &[i64]) -> Result<()> {
    let staff = users::staff_among(ex, ids).await?;
    let bad: Vec<String> = ids
        .iter()
        .filter(|id| !staff.contains(id))
        .map(i64::to_string)
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(AppError::invalid(
            "member_ids",
            format!(
                "not staff users (unknown, or customers): {}",
                bad.join(", ")
            ),
        ))
    }
}

async fn other_active_admins(ex: Ex<'_>, except: i64) -> Result<i64> {
    let (admins, _) = users::list(
        ex,
        &users::Filter {
            role: Some(Role::Admin),
            active: Some(true),
            ..Default::default()
        },
        PageRequest {
            limit: 2,
            offset: 0,
        },
    )
    .await?;
    Ok(admins.iter().filter(|u| u.id != except).count() as i64)
}
