//! Logging in and out, resolving who is behind a request, sessions and API tokens.
use crate::app::change;
use crate::foundation::secrets::{self, new_api_token, secret_hash};
use crate::{App, AppError, Result};
use jiff::Timestamp;
use steward_domain::foundation::access::{ApiToken, LoginInput, SessionInfo, TokenInput};
use steward_domain::foundation::people::{NAME_MAX, User};
use steward_domain::foundation::validation;
use steward_domain::{Actor, Role};
use steward_store::foundation::auth::{self as store, NewSession};
use steward_store::foundation::users;

/// A successful login: the session secret for the cookie (shown once) and the CSRF token
/// that cookie-authenticated writes must echo in `X-CSRF-Token`.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    pub session_token: String,
    pub csrf_token: String,
    pub session: SessionInfo,
    pub user: User,
}

/// Who is behind a request, and how they proved it.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub actor: Actor,
    pub via: Via,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    Session { id: i64, csrf_token: String },
    Token { id: i64 },
}

pub fn actor_of(user: &User) -> Actor {
    Actor {
        user_id: Some(user.id),
        name: user.username.clone(),
        role: user.role,
        organization_id: user.organization_id,
    }
}

impl App {
    /// Checks credentials, throttled per account and per client address.
    ///
    /// The attempt is counted as a failure before the password is checked, in the same
    /// transaction that checks the count (serialized per account and address on every node),
    /// so parallel attempts cannot all slip under the limit; a success then clears it.
    pub async fn login(
        &self,
        input: LoginInput,
        address: &str,
        user_agent: Option<&str>,
    ) -> Result<LoggedIn> {
        let username = input.username.trim().to_lowercase();
        // The app's clock, as everywhere: a session must expire by the same clock that checks it.
        let now = crate::app::instant(self.now());
        let attempt = self.reserve_attempt(&username, address, now).await?;
        let found = {
            let mut conn = self.db.read().await?;
            users::credentials(conn.ex(), &username).await?
        };
        let (user, hash) = match found {
            Some((user, hash)) if user.active => (Some(user), hash),
            _ => (None, None),
        };
        let ok = match self.hashing.verify(input.password, hash).await {
            Ok(ok) => ok,
            Err(busy @ AppError::Busy { .. }) => {
                // Refused before its password was checked: not a failure of the user's.
                let mut tx = self.db.begin().await?;
                store::forget_failure(tx.ex(), attempt).await?;
                tx.commit().await?;
                return Err(busy);
            }
            Err(e) => return Err(e),
        };
        let now = now.as_microsecond();
        let mut tx = self.db.begin().await?;
        let Some(user) = user.filter(|_| ok) else {
            // The reserved attempt stays as the failure; the audit trail says what it was.
            let who = Actor {
                user_id: None,
                name: format!("anonymous@{address}"),
                role: Role::Customer,
                organization_id: None,
            };
            let detail = serde_json::json!({ "address": address });
            self.audit(
                &mut tx,
                change::<(), _>(
                    &who,
                    "login",
                    &username,
                    "login_failed",
                    None,
                    Some(&detail),
                ),
                now,
            )
            .await?;
            tx.commit().await?;
            return Err(AppError::Unauthenticated(
                "unknown username or wrong password".into(),
            ));
        };
        store::clear_failures(tx.ex(), &username).await?;
        let session_token = secrets::random_hex(32)?;
        let csrf_token = secrets::random_hex(16)?;
        let expires_at = now + self.settings.session_ttl.as_micros() as i64;
        let session = store::insert_session(
            tx.ex(),
            &NewSession {
                token_hash: &secret_hash(&session_token),
                user_id: user.id,
                csrf_token: &csrf_token,
                now,
                expires_at,
                address: Some(address),
                user_agent: user_agent.map(|ua| truncate(ua, 300)).as_deref(),
            },
        )
        .await?;
        let actor = actor_of(&user);
        self.audit(
            &mut tx,
            change::<(), _>(&actor, "session", session.id, "login", None, Some(&session)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(LoggedIn {
            session_token,
            csrf_token,
            session,
            user,
        })
    }

    /// Refuses (429) while the account or address is locked out; otherwise records this
    /// attempt as a failure until it proves otherwise. Counting and recording happen in one
    /// transaction that no other attempt for the same account or address can interleave with.
    /// Returns the recorded attempt's id.
    async fn reserve_attempt(&self, username: &str, address: &str, now: Timestamp) -> Result<i64> {
        let policy = self.settings.login;
        let since = policy.window_start(now).as_microsecond();
        let mut tx = self.db.begin().await?;
        store::serialize_attempts(tx.ex(), username, address).await?;
        let failures = store::recent_failures(tx.ex(), username, address, since).await?;
        if let Some(retry_after) = policy.lockout(failures, now) {
            return Err(AppError::Throttled { retry_after });
        }
        let attempt =
            store::record_failure(tx.ex(), username, address, now.as_microsecond()).await?;
        tx.commit().await?;
        Ok(attempt)
    }

    /// Resolves a session cookie to its user, if the session is live.
    pub async fn authenticate_session(&self, token: &str) -> Result<Option<Authenticated>> {
        let mut conn = self.db.read().await?;
        let Some(live) = store::live_session(conn.ex(), &secret_hash(token), self.now()).await?
        else {
            return Ok(None);
        };
        let Some(user) = users::get(conn.ex(), live.user_id).await? else {
            return Ok(None);
        };
        Ok(Some(Authenticated {
            actor: actor_of(&user),
            via: Via::Session {
                id: live.session_id,
                csrf_token: live.csrf_token,
            },
        }))
    }

    /// Resolves a bearer token to its user, if the token is live.
    pub async fn authenticate_token(&self, token: &str) -> Result<Option<Authenticated>> {
        if !token.starts_with(secrets::TOKEN_PREFIX) {
            return Ok(None);
        }
        let now = self.now();
        let (token_id, user, last_used) = {
            let mut conn = self.db.read().await?;
            // Token and user in one statement: this runs before every API request.
            let Some((token_id, last_used, user)) =
                users::by_live_token(conn.ex(), &secret_hash(token)).await?
            else {
                return Ok(None);
            };
            (token_id, user, last_used)
        };
        // The read connection is back in the pool before a write starts: on PostgreSQL both
        // come from one pool, and holding one while waiting for another can starve it.
        let interval = self.settings.token_touch_interval.as_micros() as i64;
        if last_used.is_none_or(|t| now - t >= interval) {
            // Bookkeeping, not a change of anything a user controls: no audit entry.
            let mut tx = self.db.begin().await?;
            store::touch_token(tx.ex(), token_id, now).await?;
            tx.commit().await?;
        }
        Ok(Some(Authenticated {
            actor: actor_of(&user),
            via: Via::Token { id: token_id },
        }))
    }

    pub async fn me(&self, actor: &Actor) -> Result<User> {
        let id = actor
            .user_id
            .ok_or_else(|| AppError::not_found("user", "self"))?;
        let mut conn = self.db.read().await?;
        users::get(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("user", id))
    }

    pub async fn list_sessions(&self, actor: &Actor) -> Result<Vec<SessionInfo>> {
        let id = actor.user_id.ok_or_else(AppError::forbidden)?;
        let mut conn = self.db.read().await?;
        Ok(store::list_sessions(conn.ex(), id, self.now()).await?)
    }

    /// Ends a session: one's own, or anyone's for an admin.
    pub async fn revoke_session(&self, actor: &Actor, session_id: i64) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let session = store::get_session(tx.ex(), session_id)
            .await?
            .filter(|s| actor.role == Role::Admin || Some(s.user_id) == actor.user_id)
            .ok_or_else(|| AppError::not_found("session", session_id))?;
        let now = self.now();
        if store::revoke_session(tx.ex(), session_id, now).await? {
            let after = store::get_session(tx.ex(), session_id).await?;
            self.audit(
                &mut tx,
                change(
                    actor,
                    "session",
                    session_id,
                    "revoke",
                    Some(&session),
                    after.as_ref(),
                ),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_tokens(&self, actor: &Actor) -> Result<Vec<ApiToken>> {
        let id = actor.user_id.ok_or_else(AppError::forbidden)?;
        let mut conn = self.db.read().await?;
        Ok(store::list_tokens(conn.ex(), id).await?)
    }

    /// Creates an API token for the actor itself; the secret is returned once.
    pub async fn create_token(
        &self,
        actor: &Actor,
        input: TokenInput,
    ) -> Result<(ApiToken, String)> {
        let user_id = actor.user_id.ok_or_else(AppError::forbidden)?;
        let label = validation::text("label", &input.label, 1, NAME_MAX)?;
        self.issue_token(actor, user_id, &label).await
    }

    /// Creates an API token for the named user (operator CLI).
    pub async fn create_token_for(
        &self,
        actor: &Actor,
        username: &str,
        label: &str,
    ) -> Result<(ApiToken, String)> {
        let label = validation::text("label", label, 1, NAME_MAX)?;
        let user = {
            let mut conn = self.db.read().await?;
            users::by_username(conn.ex(), &username.trim().to_lowercase()).await?
        }
        .ok_or_else(|| AppError::not_found("user", username))?;
        if !user.active {
            return Err(AppError::conflict(
                Some("user"),
                format!("user {username} is deactivated"),
            ));
        }
        self.issue_token(actor, user.id, &label).await
    }

    async fn issue_token(
        &self,
        actor: &Actor,
        user_id: i64,
        label: &str,
    ) -> Result<(ApiToken, String)> {
        let secret = new_api_token()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let token =
            store::insert_token(tx.ex(), &secret_hash(&secret), user_id, label, now).await?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "api_token", token.id, "create", None, Some(&token)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok((token, secret))
    }

    /// Revokes a token: one's own, or anyone's for an admin.
    pub async fn revoke_token(&self, actor: &Actor, token_id: i64) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let token = store::get_token(tx.ex(), token_id)
            .await?
            .filter(|t| actor.role == Role::Admin || Some(t.user_id) == actor.user_id)
            .filter(|t| t.revoked_at.is_none())
            .ok_or_else(|| AppError::not_found("token", token_id))?;
        let now = self.now();
        store::revoke_token(tx.ex(), token_id, now).await?;
        let after = store::get_token(tx.ex(), token_id).await?;
        self.audit(
            &mut tx,
            change(
                actor,
                "api_token",
                token_id,
                "revoke",
                Some(&token),
                after.as_ref(),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn truncate(s: &str, max_chars: usize) -> String {
    s.chars().take(max_chars).collect()
}
