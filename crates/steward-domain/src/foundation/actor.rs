//! Who is acting, and which records they may see.
use crate::foundation::role::{Permission, Role};

/// The authenticated party behind a command: a user, or the operator's CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
    pub role: Role,
    pub organization_id: Option<i64>,
}

/// Which organizations' records an actor may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    Organization(i64),
    /// A customer without an organization sees nothing.
    Nothing,
}

impl Actor {
    /// The operator at the command line: full rights, recorded as such in the audit trail.
    pub fn system(name: &str) -> Self {
        Self {
            user_id: None,
            name: format!("system:{name}"),
            role: Role::Admin,
            organization_id: None,
        }
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.role.can(permission)
    }

    pub fn scope(&self) -> Scope {
        match (self.role, self.organization_id) {
            (Role::Customer, Some(org)) => Scope::Organization(org),
            (Role::Customer, None) => Scope::Nothing,
            _ => Scope::All,
        }
    }
}

impl Scope {
    /// Whether a record belonging to `organization_id` is visible in this scope.
    pub fn sees(self, organization_id: Option<i64>) -> bool {
        match self {
            Scope::All => true,
            Scope::Organization(org) => organization_id == Some(org),
            Scope::Nothing => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(org: Option<i64>) -> Actor {
        Actor {
            user_id: Some(1),
            name: "c".into(),
            role: Role::Customer,
            organization_id: org,
        }
    }

    #[test]
    fn customers_see_only_their_organization() {
        assert!(customer(Some(3)).scope().sees(Some(3)));
        assert!(!customer(Some(3)).scope().sees(Some(4)));
        assert!(!customer(Some(3)).scope().sees(None));
        assert!(!customer(None).scope().sees(None));
        assert!(Actor::system("t").scope().sees(Some(9)));
    }
}
