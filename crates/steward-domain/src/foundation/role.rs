//! Roles and the permission policy. Deny by default: a role has exactly the permissions listed.
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything.
    Admin,
    /// Configures services, SLAs and reports; manages organizations and teams.
    Manager,
    /// Works records.
    Agent,
    /// Sees and acts only on its own organization's records.
    Customer,
    /// Reads everything, including the audit trail; changes nothing.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Manager,
        Role::Agent,
        Role::Customer,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Agent => "agent",
            Role::Customer => "customer",
            Role::Auditor => "auditor",
        }
    }

    /// Whether this role may do `permission`. Every pair not listed is refused.
    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::Manager => matches!(
                permission,
                ReadOrganizations
                    | ManageOrganizations
                    | ReadUsers
                    | ReadTeams
                    | ManageTeams
                    | ReadServices
                    | ManageServices
                    | ReadCatalogue
                    | ManageCatalogue
                    | ReadCis
                    | ManageCis
                    | ReadSuppliers
                    | ManageSuppliers
                    | ReadComplaints
                    | RaiseComplaints
                    | ManageComplaints
                    | ReadTickets
                    | RaiseTickets
                    | WorkTickets
                    | ReadSlas
                    | ManageSlas
                    | ReadReports
                    | ManageReports
                    | ReadImprovements
                    | ProposeImprovements
                    | ManageImprovements
                    | ReadConformity
                    | ManageConformity
                    | RecordAuditFindings
                    | ReadSystem
                    | ManageSystem
                    | DrawSamples
            ),
            Role::Agent => matches!(
                permission,
                ReadOrganizations
                    | ReadUsers
                    | ReadTeams
                    | ReadServices
                    | ReadCatalogue
                    | ReadCis
                    | ReadSuppliers
                    | ReadComplaints
                    | RaiseComplaints
                    | ReadTickets
                    | RaiseTickets
                    | WorkTickets
                    | ReadSlas
                    | ReadReports
                    | ReadImprovements
                    | ProposeImprovements
                    | ReadConformity
                    | RecordAuditFindings
                    | ReadSystem
            ),
            // Reads are narrowed to the customer's own organization by `Actor::scope`.
            Role::Customer => matches!(
                permission,
                ReadOrganizations
                    | ReadUsers
                    | ReadCatalogue
                    | ReadComplaints
                    | RaiseComplaints
                    | ReadTickets
                    | RaiseTickets
            ),
            Role::Auditor => matches!(
                permission,
                ReadOrganizations
                    | ReadUsers
                    | ReadTeams
                    | ReadAudit
                    | ReadServices
                    | ReadCatalogue
                    | ReadCis
                    | ReadSuppliers
                    | ReadComplaints
                    | ReadTickets
                    | ReadSlas
                    | ReadReports
                    | ReadImprovements
                    | ReadConformity
                    | RecordAuditFindings
                    | ReadSystem
                    | DrawSamples
            ),
        }
    }

    /// Whether this role changes no records: besides its own account, it writes only the
    /// work of auditing (samples, findings on an audit it is assigned to). The web layer
    /// refuses its other writes before it reads the request.
    pub fn reads_only(self) -> bool {
        matches!(self, Role::Auditor)
    }

    /// Internal staff work records for customers; customers are outside the provider.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Customer)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown role {s:?}; expected one of admin, manager, agent, customer, auditor"
                )
            })
    }
}

/// What an actor may do. New capabilities add variants here and grant them in `Role::can`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    ReadOrganizations,
    ManageOrganizations,
    ReadUsers,
    ManageUsers,
    ReadTeams,
    ManageTeams,
    ReadAudit,
    /// Services with owners, dependencies and requirements (staff only).
    ReadServices,
    ManageServices,
    /// The published catalogue; customers see only their organization's part.
    ReadCatalogue,
    ManageCatalogue,
    /// Configuration items, their relations, history and audits.
    ReadCis,
    ManageCis,
    /// Suppliers, contracts and internal agreements (OLAs).
    ReadSuppliers,
    ManageSuppliers,
    /// Complaints and supplier disputes; customers see only their organization's.
    ReadComplaints,
    RaiseComplaints,
    ManageComplaints,
    /// Incidents, requests and problems; customers see only their organization's.
    ReadTickets,
    RaiseTickets,
    /// Assign, transition and work tickets.
    WorkTickets,
    /// Change how tickets behave (the priority matrix).
    ConfigureTickets,
    /// SLAs, OLAs and business calendars (staff).
    ReadSlas,
    ManageSlas,
    /// Reports and generated report snapshots (staff; customers see their portal instead).
    ReadReports,
    /// Report definitions, their schedules, and decisions recorded against reports.
    ManageReports,
    /// Importing history from other service desks (administrators only).
    ImportHistory,
    /// The improvement register (staff and auditors read it).
    ReadImprovements,
    /// Proposing improvements and scoring them (staff who work records).
    ProposeImprovements,
    /// Deciding, owning and measuring improvements; the evaluation criteria.
    ManageImprovements,
    /// Nonconformities with their corrective actions, audit programmes, audits and findings
    /// (staff). Agents also mark done the corrective actions they own.
    ReadConformity,
    /// Raise and close nonconformities; plan audit programmes and audits.
    ManageConformity,
    /// Record findings, only ever on an audit the actor is the assigned auditor of.
    RecordAuditFindings,
    /// The management-system records (scope, policy, objectives, risks, the service
    /// management plan, documented information, competence) and the evidence map (staff and
    /// auditors).
    ReadSystem,
    /// Create and change the management-system records.
    ManageSystem,
    /// Draw a random, reproducible sample of records for an audit; records nothing but the
    /// sample itself.
    DrawSamples,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn only_admin_manages_users_and_only_admin_and_auditor_read_audit() {
        for role in Role::ALL {
            assert_eq!(role.can(Permission::ManageUsers), role == Role::Admin);
            assert_eq!(
                role.can(Permission::ReadAudit),
                matches!(role, Role::Admin | Role::Auditor)
            );
        }
    }

    #[test]
    fn auditor_and_agent_and_customer_change_nothing() {
        for role in [Role::Auditor, Role::Agent, Role::Customer] {
            for p in [
                Permission::ManageOrganizations,
                Permission::ManageUsers,
                Permission::ManageTeams,
            ] {
                assert!(!role.can(p), "{role} may {p:?}");
            }
        }
    }
}
