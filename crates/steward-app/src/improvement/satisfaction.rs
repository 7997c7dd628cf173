//! Customer satisfaction (8.3.2): a survey is offered to the requester when an incident or
//! request is first resolved (in the resolving transaction), answered once in the portal or by
//! a signed link that works without login and expires, and a low rating is written on the
//! record's timeline through [`App::low_rating_answered`].
//!
//! The link's token is HMAC-SHA256 of the survey's record and offer time under a random server
//! key kept in the settings (`survey_link_key`, made on first use). Only the token's SHA-256
//! is stored with the survey, so the surveys table alone does not give the links away, yet
//! staff can read a record's link again later (for the e-mail that will carry it) because it
//! is derived again from the key rather than kept.
use crate::app::{change, page, require};
use crate::foundation::secrets::{random_hex, secret_hash};
use crate::resolution::tickets::{load_visible, require_kind};
use crate::{App, AppError, Result};
use sha2::{Digest, Sha256};
use steward_domain::foundation::page::{Page, PageRequest, rfc3339_micros};
use steward_domain::improvement::satisfaction::{
    AnsweredSurvey, AnsweredVia, PublicSurvey, Satisfaction, SatisfactionSettings, Survey,
    SurveyAnswer, SurveyStatus,
};
use steward_domain::resolution::record::Ticket;
use steward_domain::resolution::ticket::TicketKind;
use steward_domain::{Actor, Permission};
use steward_store::Tx;
use steward_store::foundation::users;
use steward_store::improvement::satisfaction::{self as surveys, Filter};
use steward_store::resolution::tickets;

pub(crate) const SETTINGS: &str = "satisfaction_settings";

const DAY: i64 = 86_400_000_000;

/// HMAC-SHA256 (RFC 2104) with the SHA-256 the crate already uses.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// The token of the survey offered for `ticket` at `offered_at`.
fn token(key: &str, ticket: i64, offered_at: i64) -> String {
    hex::encode(hmac_sha256(
        key.as_bytes(),
        format!("steward-survey:{ticket}:{offered_at}").as_bytes(),
    ))
}

/// The path of a survey's public page.
pub fn survey_path(token: &str) -> String {
    format!("/survey/{token}")
}

/// Whether a ticket of this kind asks its requester how it went.
fn surveyed(kind: TicketKind) -> bool {
    matches!(kind, TicketKind::Incident | TicketKind::Request)
}

impl App {
    async fn link_key(&self, tx: &mut Tx, now: i64) -> Result<String> {
        let fresh = random_hex(32)?;
        Ok(surveys::link_key(tx.ex(), &fresh, now).await?)
    }

    /// The public path of the survey offered for `ticket` while it can still be answered,
    /// for the resolution mail (the token is derived again; only its hash is stored).
    pub(crate) async fn open_survey_path(
        &self,
        tx: &mut Tx,
        ticket: i64,
        now: i64,
    ) -> Result<Option<String>> {
        let Some(survey) = surveys::for_ticket(tx.ex(), ticket).await? else {
            return Ok(None);
        };
        if survey.answered_at.is_some() || survey.expires_at <= now {
            return Ok(None);
        }
        let key = self.link_key(tx, now).await?;
        Ok(Some(survey_path(&token(&key, ticket, survey.offered_at))))
    }

    /// Offers the requester a survey when `ticket` has just been resolved; nothing when the
    /// record already had one (once per record), has no requester, or is a problem.
    pub(crate) async fn offer_survey(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        ticket: &Ticket,
        now: i64,
    ) -> Result<()> {
        let Some(requester) = ticket.requester_id else {
            return Ok(());
        };
        if !surveyed(ticket.kind) || surveys::for_ticket(tx.ex(), ticket.id).await?.is_some() {
            return Ok(());
        }
        let settings: SatisfactionSettings =
            crate::foundation::settings::read(tx.ex(), SETTINGS).await?;
        let key = self.link_key(tx, now).await?;
        let hash = secret_hash(&token(&key, ticket.id, now));
        let expires = now + settings.link_valid_days * DAY;
        if let Some(made) =
            surveys::offer(tx.ex(), ticket.id, requester, &hash, now, expires).await?
        {
            self.audit(
                tx,
                change::<(), _>(
                    actor,
                    "satisfaction_survey",
                    made.id,
                    "offer",
                    None,
                    Some(&made),
                ),
                now,
            )
            .await?;
        }
        Ok(())
    }

    /// A low rating: writes a `low_satisfaction` entry on the record's timeline (staff only
    /// see it) and raises an improvement opportunity linked to the record (once per survey),
    /// in the answering transaction.
    pub async fn low_rating_answered(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        survey: &Survey,
        ticket: &Ticket,
        threshold: i64,
        now: i64,
    ) -> Result<()> {
        let detail = serde_json::json!({
            "survey_id": survey.id,
            "rating": survey.rating,
            "threshold": threshold,
            "comment": survey.comment,
        });
        tickets::add_event(
            tx.ex(),
            ticket.id,
            now,
            actor.user_id,
            &actor.name,
            "low_satisfaction",
            None,
            None,
            Some(&detail),
        )
        .await?;
        let rating = survey.rating.unwrap_or_default();
        let link = steward_domain::improvement::opportunity::Link {
            kind: match ticket.kind {
                steward_domain::resolution::ticket::TicketKind::Request => {
                    steward_domain::improvement::opportunity::LinkKind::Request
                }
                steward_domain::resolution::ticket::TicketKind::Problem => {
                    steward_domain::improvement::opportunity::LinkKind::Problem
                }
                steward_domain::resolution::ticket::TicketKind::Incident => {
                    steward_domain::improvement::opportunity::LinkKind::Incident
                }
            },
            id: ticket.id,
        };
        let mut links = vec![link];
        if let Some(service) = ticket.service_id {
            links.push(steward_domain::improvement::opportunity::Link {
                kind: steward_domain::improvement::opportunity::LinkKind::Service,
                id: service,
            });
        }
        let opportunity = crate::improvement::raise::raised_opportunity(
            format!("{} rated {rating} of 5 by its requester", ticket.number),
            format!(
                "The requester rated {} \"{}\" {rating} of 5 (at or below the threshold of {threshold}).{}",
                ticket.number,
                ticket.title,
                survey
                    .comment
                    .as_deref()
                    .map(|c| format!(" Their comment: {c}"))
                    .unwrap_or_default()
            ),
            steward_domain::improvement::opportunity::OpportunitySource::LowSatisfaction,
            format!("satisfaction:{}", survey.id),
            links,
        );
        self.insert_improvement(tx, &Actor::system("satisfaction"), &opportunity, now)
            .await?;
        Ok(())
    }

    /// Records an answer once, with its audit entry and (when low) the low-rating hook.
    #[allow(clippy::too_many_arguments)]
    async fn record_answer(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        survey: &Survey,
        ticket: &Ticket,
        input: &SurveyAnswer,
        via: AnsweredVia,
        now: i64,
    ) -> Result<Survey> {
        let (rating, comment) = input.parse()?;
        match survey.status(now) {
            SurveyStatus::Answered => return Err(already_answered()),
            SurveyStatus::Expired => return Err(expired(survey)),
            _ => {}
        }
        let settings: SatisfactionSettings =
            crate::foundation::settings::read(tx.ex(), SETTINGS).await?;
        let low = settings.is_low(rating);
        let answered = surveys::answer(
            tx.ex(),
            survey.id,
            rating,
            comment.as_deref(),
            low,
            via,
            now,
        )
        .await?
        .ok_or_else(already_answered)?;
        self.audit(
            tx,
            change(
                actor,
                "satisfaction_survey",
                survey.id,
                "answer",
                Some(survey),
                Some(&answered),
            ),
            now,
        )
        .await?;
        if low {
            self.low_rating_answered(
                tx,
                actor,
                &answered,
                ticket,
                settings.low_rating_threshold,
                now,
            )
            .await?;
        }
        Ok(answered)
    }

    fn satisfaction_view(
        &self,
        actor: &Actor,
        ticket: &Ticket,
        survey: Option<&Survey>,
        key: Option<&str>,
    ) -> Satisfaction {
        let now = self.now();
        let status = survey.map_or(SurveyStatus::NotOffered, |s| s.status(now));
        let open = status == SurveyStatus::Open;
        Satisfaction {
            ticket_id: ticket.id,
            number: ticket.number.clone(),
            status,
            offered_at: survey.map(|s| rfc3339_micros(s.offered_at)),
            expires_at: survey.map(|s| rfc3339_micros(s.expires_at)),
            answered_at: survey.and_then(|s| s.answered_at.map(rfc3339_micros)),
            answered_via: survey.and_then(|s| s.answered_via),
            rating: survey.and_then(|s| s.rating),
            comment: survey.and_then(|s| s.comment.clone()),
            low: survey.is_some_and(|s| s.low),
            link: match (survey, key) {
                (Some(s), Some(k)) if open && actor.can(Permission::WorkTickets) => {
                    Some(survey_path(&token(k, s.ticket_id, s.offered_at)))
                }
                _ => None,
            },
            can_answer: open && survey.is_some_and(|s| Some(s.requester_id) == actor.user_id),
        }
    }

    /// A record's survey: status and answer; staff who work tickets also get the link.
    pub async fn ticket_satisfaction(
        &self,
        actor: &Actor,
        kind: TicketKind,
        id: i64,
    ) -> Result<Satisfaction> {
        require(actor, Permission::ReadTickets)?;
        require_kind(actor, kind)?;
        if !surveyed(kind) {
            return Err(AppError::not_found(kind.as_str(), id));
        }
        let mut tx = self.db.begin().await?;
        let ticket = load_visible(tx.ex(), actor, kind, id).await?;
        let survey = surveys::for_ticket(tx.ex(), id).await?;
        let key = match &survey {
            Some(_) if actor.can(Permission::WorkTickets) => {
                Some(self.link_key(&mut tx, self.now()).await?)
            }
            _ => None,
        };
        tx.commit().await?;
        Ok(self.satisfaction_view(actor, &ticket, survey.as_ref(), key.as_deref()))
    }

    /// The requester answers its record's survey (once). Another organization's record is
    /// 404 like any ticket; anyone else (staff included) cannot answer for the requester.
    pub async fn answer_satisfaction(
        &self,
        actor: &Actor,
        kind: TicketKind,
        id: i64,
        input: SurveyAnswer,
    ) -> Result<Satisfaction> {
        require(actor, Permission::RaiseTickets)?;
        require_kind(actor, kind)?;
        if !surveyed(kind) {
            return Err(AppError::not_found(kind.as_str(), id));
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let ticket = load_visible(tx.ex(), actor, kind, id).await?;
        let survey = surveys::for_ticket(tx.ex(), id).await?.ok_or_else(|| {
            AppError::conflict(
                None,
                format!(
                    "{} has no satisfaction survey: one is offered when it is resolved",
                    ticket.number
                ),
            )
        })?;
        if Some(survey.requester_id) != actor.user_id {
            return Err(AppError::Forbidden(
                "only the record's requester answers its satisfaction survey".into(),
            ));
        }
        let answered = self
            .record_answer(
                &mut tx,
                actor,
                &survey,
                &ticket,
                &input,
                AnsweredVia::Portal,
                now,
            )
            .await?;
        tx.commit().await?;
        Ok(self.satisfaction_view(actor, &ticket, Some(&answered), None))
    }

    /// The survey behind a link, without login: the record's number and title only.
    pub async fn survey_by_token(&self, token: &str) -> Result<PublicSurvey> {
        let mut conn = self.db.read().await?;
        let survey = surveys::by_token_hash(conn.ex(), &secret_hash(token.trim()))
            .await?
            .ok_or_else(unknown_link)?;
        let ticket = survey_ticket(conn.ex(), &survey).await?;
        Ok(public(&survey, &ticket, self.now()))
    }

    /// Answers the survey behind a link, without login, in the requester's name. Unknown → 404,
    /// expired → 410, already answered → 409.
    pub async fn answer_survey_by_token(
        &self,
        token: &str,
        input: SurveyAnswer,
    ) -> Result<PublicSurvey> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let survey = surveys::by_token_hash(tx.ex(), &secret_hash(token.trim()))
            .await?
            .ok_or_else(unknown_link)?;
        let ticket = survey_ticket(tx.ex(), &survey).await?;
        let requester = users::get(tx.ex(), survey.requester_id)
            .await?
            .ok_or_else(unknown_link)?;
        let actor = Actor {
            user_id: Some(requester.id),
            name: requester.username.clone(),
            role: requester.role,
            organization_id: requester.organization_id,
        };
        let answered = self
            .record_answer(
                &mut tx,
                &actor,
                &survey,
                &ticket,
                &input,
                AnsweredVia::Link,
                now,
            )
            .await?;
        tx.commit().await?;
        Ok(public(&answered, &ticket, now))
    }

    /// Answered surveys, newest first (staff who read reports); `low_only` keeps the low ones.
    pub async fn list_answered_surveys(
        &self,
        actor: &Actor,
        filter: Filter,
        request: PageRequest,
    ) -> Result<Page<AnsweredSurvey>> {
        require(actor, Permission::ReadReports)?;
        let mut conn = self.db.read().await?;
        Ok(page(
            surveys::answered(conn.ex(), &filter, request).await?,
            request,
        ))
    }

    pub async fn satisfaction_settings(&self, actor: &Actor) -> Result<SatisfactionSettings> {
        require(actor, Permission::ReadReports)?;
        let mut conn = self.db.read().await?;
        crate::foundation::settings::read(conn.ex(), SETTINGS).await
    }

    /// Replaces the satisfaction settings (those who manage reports).
    pub async fn set_satisfaction_settings(
        &self,
        actor: &Actor,
        settings: SatisfactionSettings,
    ) -> Result<SatisfactionSettings> {
        require(actor, Permission::ManageReports)?;
        settings.check()?;
        self.replace_setting(actor, SETTINGS, &settings).await?;
        Ok(settings)
    }
}

async fn survey_ticket(mut ex: steward_store::Ex<'_>, s: &Survey) -> Result<Ticket> {
    let kind = surveys::ticket_kind(ex.by_ref(), s.ticket_id)
        .await?
        .ok_or_else(unknown_link)?;
    tickets::get(ex, kind, s.ticket_id)
        .await?
        .ok_or_else(unknown_link)
}

fn public(s: &Survey, t: &Ticket, now: i64) -> PublicSurvey {
    PublicSurvey {
        number: t.number.clone(),
        title: t.title.clone(),
        status: s.status(now),
        expires_at: rfc3339_micros(s.expires_at),
        rating: s.rating,
    }
}

fn unknown_link() -> AppError {
    AppError::not_found("survey", "link")
}

fn already_answered() -> AppError {
    AppError::conflict(
        None,
        "this satisfaction survey has already been answered; thank you",
    )
}

fn expired(s: &Survey) -> AppError {
    AppError::Gone(format!(
        "this satisfaction survey expired on {}",
        &rfc3339_micros(s.expires_at)[..10]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let long_key = [0xaau8; 131];
        assert_eq!(
            hex::encode(hmac_sha256(
                &long_key,
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn tokens_differ_per_record_and_key() {
        assert_ne!(token("k", 1, 5), token("k", 2, 5));
        assert_ne!(token("k", 1, 5), token("j", 1, 5));
        assert_eq!(token("k", 1, 5).len(), 64);
    }
}
