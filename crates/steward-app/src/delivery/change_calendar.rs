//! The change calendar (8.5.1.3): the changes planned in a window, a change's assigned team,
//! and the per-person iCalendar feed whose secret URL works without a session.
use crate::app::change;
use crate::delivery::change_config::{may_read, may_work};
use crate::delivery::change_conflicts::CALENDAR_MAX_DAYS;
use crate::foundation::auth::actor_of;
use crate::foundation::secrets::{random_hex, secret_hash};
use crate::{App, AppError, Result};
use serde_json::json;
use std::collections::HashMap;
use steward_domain::Actor;
use steward_domain::delivery::change::{Change, ChangeStatus};
use steward_domain::delivery::change_calendar::{
    Calendar, ENTRIES_MAX, FeedEvent, FeedSecret, FeedStatus, ics, window,
};
use steward_domain::foundation::mail_out::StoredSmtp;
use steward_domain::foundation::page::rfc3339_micros;
use steward_store::delivery::change_calendar::{self as store, Filter, Scheduled};
use steward_store::delivery::{changes, services};
use steward_store::foundation::{teams, users};

/// Prefix of feed secrets, so a leaked one is recognisable.
pub const FEED_PREFIX: &str = "stwcal_";
/// How far back a feed reaches: changes that ended more than this many days ago drop out.
pub const FEED_PAST_DAYS: i64 = 90;

impl App {
    /// The changes planned in `[from, to)` that pass the filter (staff).
    pub async fn change_calendar(
        &self,
        actor: &Actor,
        from: &str,
        to: &str,
        filter: Filter,
    ) -> Result<Calendar> {
        may_read(actor)?;
        let (f, t) = window(from, to)?;
        let mut conn = self.db.read().await?;
        let mut rows = store::window(conn.ex(), f, Some(t), &filter, ENTRIES_MAX + 1).await?;
        let truncated = rows.len() as i64 > ENTRIES_MAX;
        rows.truncate(ENTRIES_MAX as usize);
        drop(conn);
        let mut entries: Vec<_> = rows.into_iter().map(|s| s.entry).collect();
        // Conflicts are computed for the whole window at once (one read of the CI relations);
        // a window longer than the conflict check allows is checked over its first part.
        let checked_to = t.min(f + CALENDAR_MAX_DAYS * 86_400_000_000);
        let mut found: HashMap<i64, Vec<String>> = self
            .change_conflicts_between(actor, f, checked_to)
            .await?
            .into_iter()
            .map(|c| {
                let words = c.conflicts.into_iter().map(|x| x.description).collect();
                (c.change_id, words)
            })
            .collect();
        for entry in &mut entries {
            entry.conflicts = found.remove(&entry.id).unwrap_or_default();
        }
        Ok(Calendar {
            from: rfc3339_micros(f),
            to: rfc3339_micros(t),
            entries,
            truncated,
        })
    }

    /// Assigns the change to a team (or to none); refused once the change is final.
    pub async fn assign_change_team(
        &self,
        actor: &Actor,
        id: i64,
        team_id: Option<i64>,
    ) -> Result<Change> {
        may_work(actor)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = changes::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("change", id))?;
        if matches!(
            before.status,
            ChangeStatus::Closed | ChangeStatus::Cancelled
        ) {
            return Err(AppError::conflict(
                Some("status"),
                format!(
                    "a change that is {} is no longer assigned",
                    before.status.as_str()
                ),
            ));
        }
        if let Some(team) = team_id
            && teams::get(tx.ex(), team).await?.is_none()
        {
            return Err(AppError::invalid(
                "team_id",
                format!("no team with id {team}"),
            ));
        }
        store::set_team(tx.ex(), id, team_id, now).await?;
        let after = changes::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("change", id))?;
        self.audit(
            &mut tx,
            change(
                actor,
                "change",
                id,
                "assign_team",
                Some(&before),
                Some(&after),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The caller's feed: whether there is one.
    pub async fn change_feed_status(&self, actor: &Actor) -> Result<FeedStatus> {
        may_read(actor)?;
        let user = actor.user_id.ok_or_else(AppError::forbidden)?;
        let mut conn = self.db.read().await?;
        let created = store::token_created(conn.ex(), user).await?;
        Ok(FeedStatus {
            active: created.is_some(),
            created_at: created.map(rfc3339_micros),
        })
    }

    /// Creates the caller's feed secret, or replaces it (the old URL stops working). Only
    /// its hash is stored; the secret is returned once.
    pub async fn issue_change_feed(&self, actor: &Actor) -> Result<FeedSecret> {
        may_read(actor)?;
        let user = actor.user_id.ok_or_else(AppError::forbidden)?;
        let token = format!("{FEED_PREFIX}{}", random_hex(32)?);
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = store::token_created(tx.ex(), user).await?;
        store::put_token(tx.ex(), user, &secret_hash(&token), now).await?;
        let action = if before.is_some() {
            "regenerate"
        } else {
            "create"
        };
        self.audit(
            &mut tx,
            change(
                actor,
                "change_feed_token",
                user,
                action,
                before
                    .map(|t| json!({"user_id": user, "created_at": rfc3339_micros(t)}))
                    .as_ref(),
                Some(&json!({"user_id": user, "created_at": rfc3339_micros(now)})),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(FeedSecret {
            token,
            created_at: rfc3339_micros(now),
        })
    }

    /// Revokes the caller's feed: its URL answers 404 from now on.
    pub async fn revoke_change_feed(&self, actor: &Actor) -> Result<()> {
        may_read(actor)?;
        let user = actor.user_id.ok_or_else(AppError::forbidden)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let Some(created) = store::token_created(tx.ex(), user).await? else {
            return Err(AppError::not_found("change feed", user));
        };
        store::delete_token(tx.ex(), user).await?;
        self.audit(
            &mut tx,
            change::<_, ()>(
                actor,
                "change_feed_token",
                user,
                "revoke",
                Some(&json!({"user_id": user, "created_at": rfc3339_micros(created)})),
                None,
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The iCalendar feed behind a secret: the changes its owner may read now (a person
    /// deactivated or no longer staff gets nothing), planned to end at most
    /// [`FEED_PAST_DAYS`] ago, for one team, one service or all. `None` when the secret is
    /// unknown or revoked. `base` is the address links in the feed start with.
    pub async fn change_feed(
        &self,
        token: &str,
        filter: Filter,
        base: &str,
    ) -> Result<Option<String>> {
        if !token.starts_with(FEED_PREFIX) {
            return Ok(None);
        }
        let mut conn = self.db.read().await?;
        let Some(user) = store::token_user(conn.ex(), &secret_hash(token)).await? else {
            return Ok(None);
        };
        let Some(user) = users::get(conn.ex(), user).await? else {
            return Ok(None);
        };
        let actor = actor_of(&user);
        if !user.active || may_read(&actor).is_err() {
            return Ok(None);
        }
        let mut name = "Steward changes".to_owned();
        if let Some(team) = filter.team {
            let team = teams::get(conn.ex(), team)
                .await?
                .ok_or_else(|| AppError::not_found("team", team))?;
            name = format!("{name}: team {}", team.name);
        }
        if let Some(service) = filter.service {
            let service = services::get(conn.ex(), service)
                .await?
                .ok_or_else(|| AppError::not_found("service", service))?;
            name = format!("{name}: service {}", service.name);
        }
        let from = self.now() - FEED_PAST_DAYS * 86_400_000_000;
        let rows: Vec<Scheduled> =
            store::window(conn.ex(), from, None, &filter, ENTRIES_MAX).await?;
        let mut events = Vec::with_capacity(rows.len());
        for s in rows {
            events.push(FeedEvent {
                id: s.entry.id,
                number: s.entry.number,
                title: s.entry.title,
                status: s.entry.status,
                change_type: s.entry.change_type,
                risk_level: s.entry.risk_level,
                start: s.start,
                end: s.end,
                created_at: s.created_at,
                updated_at: s.updated_at,
                sequence: store::revisions(conn.ex(), s.entry.id).await?,
                url: Some(format!(
                    "{}/manage/changes/{}/view",
                    base.trim_end_matches('/'),
                    s.entry.id
                )),
            });
        }
        Ok(Some(ics(&name, &events)))
    }

    /// The address of Steward as configured for links in mail, if set.
    pub async fn public_url(&self) -> Result<Option<String>> {
        let mut conn = self.db.read().await?;
        let smtp: StoredSmtp = crate::foundation::settings::read(conn.ex(), "mail_smtp").await?;
        Ok(smtp.public_url)
    }
}
