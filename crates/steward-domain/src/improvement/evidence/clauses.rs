//! The clauses of ISO/IEC 20000-1:2018 that an SMS is audited against (4–10), with titles in
//! our own words. The standard's text is not reproduced.

/// One clause or sub-clause: its number and a short title.
pub struct Clause {
    pub number: &'static str,
    pub title: &'static str,
}

const fn c(number: &'static str, title: &'static str) -> Clause {
    Clause { number, title }
}

/// Every clause in reading order; a clause's parent is the number before its last dot.
pub const CLAUSES: &[Clause] = &[
    c("4", "Context of the organization"),
    c("4.1", "Understanding the organization and its context"),
    c("4.2", "Needs of interested parties"),
    c("4.3", "Scope of the service management system"),
    c("4.4", "The service management system itself"),
    c("5", "Leadership"),
    c("5.1", "Leadership and commitment"),
    c("5.2", "Service management policy"),
    c("5.3", "Roles, responsibilities and authorities"),
    c("6", "Planning"),
    c("6.1", "Risks and opportunities"),
    c("6.2", "Objectives and planning to reach them"),
    c("6.3", "The service management plan"),
    c("7", "Support"),
    c("7.1", "Resources"),
    c("7.2", "Competence"),
    c("7.3", "Awareness"),
    c("7.4", "Communication"),
    c("7.5", "Documented information"),
    c("7.6", "Knowledge"),
    c("8", "Operation"),
    c("8.1", "Operational planning and control"),
    c("8.2", "Service portfolio"),
    c("8.2.1", "Delivering services"),
    c("8.2.2", "Planning the services"),
    c("8.2.3", "Parties involved in the service lifecycle"),
    c("8.2.4", "Service catalogue"),
    c("8.2.5", "Assets"),
    c("8.2.6", "Configuration information"),
    c("8.3", "Relationships and agreements"),
    c("8.3.2", "Business relationships"),
    c("8.3.3", "Service levels"),
    c("8.3.4", "Suppliers"),
    c("8.4", "Supply and demand"),
    c("8.4.1", "Budgeting and accounting"),
    c("8.4.2", "Demand"),
    c("8.4.3", "Capacity"),
    c("8.5", "Service design, build and transition"),
    c("8.5.1", "Change management"),
    c("8.5.2", "Service design and transition"),
    c("8.5.3", "Release and deployment"),
    c("8.6", "Resolution and fulfilment"),
    c("8.6.1", "Incidents"),
    c("8.6.2", "Service requests"),
    c("8.6.3", "Problems"),
    c("8.7", "Service assurance"),
    c("8.7.1", "Availability"),
    c("8.7.2", "Continuity"),
    c("8.7.3", "Information security"),
    c("9", "Performance evaluation"),
    c("9.1", "Monitoring and measurement"),
    c("9.2", "Internal audit"),
    c("9.3", "Management review"),
    c("9.4", "Service reporting"),
    c("10", "Improvement"),
    c("10.1", "Nonconformity and corrective action"),
    c("10.2", "Continual improvement"),
];

/// How deep a clause sits: `4` is 0, `4.1` is 1, `8.2.1` is 2.
pub fn depth(number: &str) -> usize {
    number.matches('.').count()
}

/// Whether `child` sits under `parent` (at any depth).
pub fn is_under(child: &str, parent: &str) -> bool {
    child.len() > parent.len()
        && child.starts_with(parent)
        && child[parent.len()..].starts_with('.')
}

pub fn find(number: &str) -> Option<&'static Clause> {
    CLAUSES.iter().find(|c| c.number == number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_clause_has_its_parent_before_it() {
        for (i, clause) in CLAUSES.iter().enumerate() {
            if let Some((parent, _)) = clause.number.rsplit_once('.') {
                let at = CLAUSES.iter().position(|c| c.number == parent);
                assert!(at.is_some_and(|p| p < i), "{} has no parent", clause.number);
            }
        }
    }

    #[test]
    fn nesting_is_by_number_not_by_prefix() {
        assert!(is_under("8.2.1", "8"));
        assert!(is_under("8.2.1", "8.2"));
        assert!(!is_under("10.1", "1"));
        assert!(!is_under("8.2", "8.2"));
        assert_eq!(depth("8.2.1"), 2);
    }
}
