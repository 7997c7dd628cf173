use crate::foundation::password_hashing::{HashingLimits, PasswordHashing};
use crate::foundation::sealing::SecretKey;
use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;
use steward_domain::Actor;
use steward_domain::foundation::audit::AuditDraft;
use steward_domain::foundation::login::LoginPolicy;
use steward_store::{Db, Tx};

/// Where "now" comes from: the system clock, or (in tests and simulations) a clock that
/// only moves when told to.
#[derive(Debug, Clone, Default)]
pub enum Clock {
    #[default]
    System,
    Manual(Arc<std::sync::atomic::AtomicI64>),
}

impl Clock {
    /// A manual clock showing `at`.
    pub fn manual(at: Timestamp) -> Self {
        Clock::Manual(Arc::new(std::sync::atomic::AtomicI64::new(
            at.as_microsecond(),
        )))
    }

    /// Moves a manual clock to `at`; the system clock cannot be set.
    pub fn set(&self, at: Timestamp) {
        if let Clock::Manual(now) = self {
            now.store(at.as_microsecond(), std::sync::atomic::Ordering::SeqCst);
        }
    }

    /// Now, in stored form (microseconds since the epoch, UTC).
    pub fn now(&self) -> i64 {
        match self {
            Clock::System => Timestamp::now().as_microsecond(),
            Clock::Manual(now) => now.load(std::sync::atomic::Ordering::SeqCst),
        }
    }
}

/// Tunables of the use cases.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a web session lasts after login.
    pub session_ttl: SignedDuration,
    pub login: LoginPolicy,
    /// A token's last-used time is written at most this often, so reads stay reads.
    pub token_touch_interval: SignedDuration,
    /// Resolved incidents close by themselves after this long unless reopened.
    pub auto_close_after: SignedDuration,
    /// The largest attachment accepted, in bytes.
    pub attachment_max_bytes: usize,
    /// How much password hashing may run at once (each check takes about 19 MiB).
    pub password_hashing: HashingLimits,
    pub clock: Clock,
    /// Encrypts the mail passwords Steward stores; none: they can be neither stored nor
    /// read (the binary always gives one to `serve`).
    pub secret_key: Option<SecretKey>,
    /// A changed SLA or calendar recomputes the deadlines of up to this many open tickets in
    /// its own request; more are left to the background job, in batches.
    pub clock_recompute_inline: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_ttl: SignedDuration::from_hours(12),
            login: LoginPolicy::default(),
            token_touch_interval: SignedDuration::from_mins(1),
            auto_close_after: SignedDuration::from_hours(5 * 24),
            attachment_max_bytes: 10 * 1024 * 1024,
            password_hashing: HashingLimits::default(),
            clock: Clock::System,
            secret_key: None,
            clock_recompute_inline: 500,
        }
    }
}

/// The use cases, over one database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct App {
    pub(crate) db: Db,
    pub(crate) settings: Arc<Settings>,
    pub(crate) hashing: Arc<PasswordHashing>,
}

impl App {
    pub fn new(db: Db, settings: Settings) -> Self {
        Self {
            db,
            hashing: Arc::new(PasswordHashing::new(settings.password_hashing)),
            settings: Arc::new(settings),
        }
    }

    /// The bounded password hasher (its peak concurrency is what tests and metrics read).
    pub fn password_hashing(&self) -> &PasswordHashing {
        &self.hashing
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Now, in stored form (microseconds since the epoch, UTC).
    pub(crate) fn now(&self) -> i64 {
        self.settings.clock.now()
    }

    /// Today's date in UTC, by the app's clock.
    pub(crate) fn today(&self) -> jiff::civil::Date {
        date_of(self.now())
    }

    /// Appends one audit entry in the command's transaction.
    pub(crate) async fn audit(
        &self,
        tx: &mut Tx,
        draft: AuditDraft,
        now: i64,
    ) -> crate::Result<()> {
        steward_store::foundation::audit::append(tx.ex(), draft, now).await?;
        Ok(())
    }
}

/// Shorthand for the common audit draft of a change to one record.
pub(crate) fn change<B: serde::Serialize, A: serde::Serialize>(
    actor: &Actor,
    record_type: &str,
    record_id: impl ToString,
    action: &str,
    before: Option<&B>,
    after: Option<&A>,
) -> AuditDraft {
    AuditDraft::new(actor, record_type, record_id, action, before, after)
}

/// Refuses with 403 unless the actor's role grants `permission`.
pub(crate) fn require(actor: &Actor, permission: steward_domain::Permission) -> crate::Result<()> {
    if actor.can(permission) {
        Ok(())
    } else {
        Err(crate::AppError::forbidden())
    }
}

/// A page of a list from the store's `(items, total)`.
pub(crate) fn page<T>(
    (items, total): (Vec<T>, i64),
    request: steward_domain::foundation::page::PageRequest,
) -> steward_domain::foundation::page::Page<T> {
    steward_domain::foundation::page::Page {
        items,
        total,
        limit: request.limit,
        offset: request.offset,
        total_capped: false,
    }
}

/// The id of the user with this username (import files name people, not ids).
pub(crate) async fn user_id_by_name(tx: &mut Tx, field: &str, name: &str) -> crate::Result<i64> {
    Ok(
        steward_store::foundation::users::by_username(tx.ex(), &name.trim().to_lowercase())
            .await?
            .ok_or_else(|| crate::AppError::invalid(field, format!("no user named {name:?}")))?
            .id,
    )
}

/// Refuses (422 on `field`) unless `id` names an active staff user: owners, approvers and
/// assignees are people of the provider, never customers.
pub(crate) async fn require_staff_user(
    ex: steward_store::Ex<'_>,
    field: &str,
    id: i64,
) -> crate::Result<()> {
    let ok = steward_store::foundation::users::get(ex, id)
        .await?
        .is_some_and(|u| u.role.is_staff() && u.active);
    if ok {
        Ok(())
    } else {
        Err(crate::AppError::invalid(
            field,
            format!("no active staff user with id {id}"),
        ))
    }
}

/// The UTC date of a stored instant.
pub(crate) fn date_of(now: i64) -> jiff::civil::Date {
    Timestamp::from_microsecond(now)
        .map(|t| t.to_zoned_datetime(jiff::tz::TimeZone::UTC).date())
        .unwrap_or_default()
}

pub(crate) fn instant(micros: i64) -> Timestamp {
    Timestamp::from_microsecond(micros).unwrap_or(Timestamp::UNIX_EPOCH)
}
