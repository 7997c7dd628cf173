//! First start and periodic housekeeping.
use crate::foundation::secrets::new_password;
use crate::{App, AppError, Result};
use steward_domain::foundation::people::NewUser;
use steward_domain::{Actor, Role};
use steward_store::{foundation::auth, foundation::leases, foundation::users};

/// Name of the lease that the housekeeping task takes.
const HOUSEKEEPING: &str = "housekeeping";

impl App {
    /// On an empty database, creates the `admin` user with a random password and returns the
    /// password (to print once). With several nodes starting together only one wins.
    pub async fn bootstrap_admin(&self) -> Result<Option<String>> {
        let empty = {
            let mut conn = self.db.read().await?;
            users::count(conn.ex()).await? == 0
        };
        if !empty {
            return Ok(None);
        }
        let password = new_password()?;
        let admin = NewUser {
            username: "admin".into(),
            display_name: "Administrator".into(),
            email: None,
            role: Role::Admin,
            organization_id: None,
            password: Some(password.clone()),
        };
        match self.insert_user(&Actor::system("bootstrap"), admin).await {
            Ok(_) => Ok(Some(password)),
            // Another node created it first.
            Err(AppError::Conflict { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Removes expired sessions and old login failures and closes incidents left resolved,
    /// if this node holds the lease.
    /// Returns how many rows went, or `None` when another node holds the lease.
    pub async fn housekeeping(&self, node: &str) -> Result<Option<u64>> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let lease_until = now + 60_000_000;
        if !leases::try_acquire(tx.ex(), HOUSEKEEPING, node, now, lease_until).await? {
            tx.commit().await?;
            return Ok(None);
        }
        let keep = self.settings.session_ttl.max(self.settings.login.window);
        let before = now - keep.as_micros() as i64 * 2;
        let n = auth::purge(tx.ex(), before).await? + self.auto_close_tickets(&mut tx, now).await?;
        tx.commit().await?;
        Ok(Some(n))
    }
}
