//! Services (ISO/IEC 20000-1 8.2.2): what is delivered, to whom, by whom, how critical, and
//! what it depends on.
use crate::foundation::validation::{self, Errors, FieldError, Invalid, nullable};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet, VecDeque};

pub const REQUIREMENT_MAX: usize = 4000;
pub const DEPENDENCIES_MAX: usize = 200;
pub const CUSTOMERS_MAX: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ServiceStatus {
    /// Planned or being built; not yet offered.
    Pipeline,
    /// Delivered to customers; may be published in the catalogue.
    Live,
    /// No longer delivered; kept for its history.
    Retired,
}

impl ServiceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceStatus::Pipeline => "pipeline",
            ServiceStatus::Live => "live",
            ServiceStatus::Retired => "retired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pipeline, Self::Live, Self::Retired]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// A documented service requirement (8.2.2), with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Requirement {
    pub id: i64,
    pub text: String,
    /// Who or what stated it: a contract, a meeting, a customer.
    pub source: String,
    /// The local date it was stated, `YYYY-MM-DD`.
    pub stated_on: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Service {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub intended_outcome: Option<String>,
    /// The accountable owner: a staff user.
    pub owner_id: Option<i64>,
    pub status: ServiceStatus,
    /// 1 (most critical) to 4.
    pub criticality: i64,
    /// Organizations the service is delivered to.
    pub customer_ids: Vec<i64>,
    /// Business calendar of the service hours; none means 24×7.
    pub service_hours_calendar_id: Option<i64>,
    pub availability_target_percent: Option<f64>,
    /// Shown on the public status page (its name, state and availability only).
    pub on_status_page: bool,
    /// Services this one depends on.
    pub depends_on: Vec<i64>,
    /// Services that depend on this one.
    pub dependents: Vec<i64>,
    pub requirements: Vec<Requirement>,
    /// The configuration item that stands for this service in the CMDB.
    pub ci_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

impl Service {
    /// Whether a customer of `organization` may raise records against this service: it is
    /// live and delivered to that organization.
    pub fn raisable_by(&self, organization: i64) -> bool {
        self.status == ServiceStatus::Live && self.customer_ids.contains(&organization)
    }
}

/// Body of `POST /api/v1/services`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceInput {
    /// 1–200 characters, unique (case-insensitive).
    pub name: String,
    pub description: Option<String>,
    pub intended_outcome: Option<String>,
    pub owner_id: Option<i64>,
    /// Default `pipeline`.
    pub status: Option<ServiceStatus>,
    /// 1 (most critical) to 4; default 3.
    pub criticality: Option<i64>,
    #[serde(default)]
    pub customer_ids: Vec<i64>,
    pub service_hours_calendar_id: Option<i64>,
    /// 0 to 100, e.g. 99.9.
    pub availability_target_percent: Option<f64>,
    /// Default false: the public status page shows only services marked for it.
    #[serde(default)]
    pub on_status_page: bool,
    #[serde(default)]
    pub depends_on: Vec<i64>,
}

/// A service's editable state, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceDraft {
    pub name: String,
    pub description: Option<String>,
    pub intended_outcome: Option<String>,
    pub owner_id: Option<i64>,
    pub status: ServiceStatus,
    pub criticality: i64,
    pub customer_ids: Vec<i64>,
    pub service_hours_calendar_id: Option<i64>,
    pub availability_target_percent: Option<f64>,
    pub on_status_page: bool,
    pub depends_on: Vec<i64>,
}

fn criticality(v: i64) -> Result<i64, FieldError> {
    if (1..=4).contains(&v) {
        Ok(v)
    } else {
        Err(FieldError::new(
            "criticality",
            "must be 1 (most critical), 2, 3 or 4",
        ))
    }
}

fn target(v: Option<f64>) -> Result<Option<f64>, FieldError> {
    match v {
        Some(p) if !(0.0..=100.0).contains(&p) || p.is_nan() => Err(FieldError::new(
            "availability_target_percent",
            "must be a percentage from 0 to 100",
        )),
        other => Ok(other),
    }
}

/// Sorted, without duplicates, at most `max`.
pub fn id_set(field: &str, mut ids: Vec<i64>, max: usize) -> Result<Vec<i64>, FieldError> {
    if ids.len() > max {
        return Err(FieldError::new(
            field,
            format!("must list at most {max} ids"),
        ));
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

impl ServiceInput {
    pub fn parse(self) -> Result<ServiceDraft, Invalid> {
        let mut e = Errors::new();
        let name = e.take(validation::text(
            "name",
            &self.name,
            1,
            crate::foundation::people::NAME_MAX,
        ));
        let description = e
            .take(validation::optional_text(
                "description",
                self.description.as_deref(),
                crate::foundation::people::DESCRIPTION_MAX,
            ))
            .flatten();
        let intended_outcome = e
            .take(validation::optional_text(
                "intended_outcome",
                self.intended_outcome.as_deref(),
                crate::foundation::people::DESCRIPTION_MAX,
            ))
            .flatten();
        let criticality = e.take(criticality(self.criticality.unwrap_or(3)));
        let customer_ids = e.take(id_set("customer_ids", self.customer_ids, CUSTOMERS_MAX));
        let depends_on = e.take(id_set("depends_on", self.depends_on, DEPENDENCIES_MAX));
        let target = e.take(target(self.availability_target_percent)).flatten();
        e.finish()?;
        Ok(ServiceDraft {
            name: name.unwrap_or_default(),
            description,
            intended_outcome,
            owner_id: self.owner_id,
            status: self.status.unwrap_or(ServiceStatus::Pipeline),
            criticality: criticality.unwrap_or(3),
            customer_ids: customer_ids.unwrap_or_default(),
            service_hours_calendar_id: self.service_hours_calendar_id,
            availability_target_percent: target,
            on_status_page: self.on_status_page,
            depends_on: depends_on.unwrap_or_default(),
        })
    }
}

/// Body of `PATCH /api/v1/services/{id}`: only the fields present change; lists replace.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServicePatch {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub intended_outcome: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub owner_id: Option<Option<i64>>,
    pub status: Option<ServiceStatus>,
    pub criticality: Option<i64>,
    pub customer_ids: Option<Vec<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub service_hours_calendar_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<f64>)]
    pub availability_target_percent: Option<Option<f64>>,
    pub on_status_page: Option<bool>,
    pub depends_on: Option<Vec<i64>>,
}

impl ServicePatch {
    pub fn apply(self, current: &Service) -> Result<ServiceDraft, Invalid> {
        let mut e = Errors::new();
        let name = match &self.name {
            Some(n) => e.take(validation::text(
                "name",
                n,
                1,
                crate::foundation::people::NAME_MAX,
            )),
            None => Some(current.name.clone()),
        };
        let description = match self.description {
            Some(d) => e
                .take(validation::optional_text(
                    "description",
                    d.as_deref(),
                    crate::foundation::people::DESCRIPTION_MAX,
                ))
                .flatten(),
            None => current.description.clone(),
        };
        let intended_outcome = match self.intended_outcome {
            Some(d) => e
                .take(validation::optional_text(
                    "intended_outcome",
                    d.as_deref(),
                    crate::foundation::people::DESCRIPTION_MAX,
                ))
                .flatten(),
            None => current.intended_outcome.clone(),
        };
        let criticality = e.take(criticality(self.criticality.unwrap_or(current.criticality)));
        let customer_ids = match self.customer_ids {
            Some(ids) => e.take(id_set("customer_ids", ids, CUSTOMERS_MAX)),
            None => Some(current.customer_ids.clone()),
        };
        let depends_on = match self.depends_on {
            Some(ids) => e.take(id_set("depends_on", ids, DEPENDENCIES_MAX)),
            None => Some(current.depends_on.clone()),
        };
        let target = match self.availability_target_percent {
            Some(t) => e.take(target(t)).flatten(),
            None => current.availability_target_percent,
        };
        e.finish()?;
        Ok(ServiceDraft {
            name: name.unwrap_or_default(),
            description,
            intended_outcome,
            owner_id: self.owner_id.unwrap_or(current.owner_id),
            status: self.status.unwrap_or(current.status),
            criticality: criticality.unwrap_or(current.criticality),
            customer_ids: customer_ids.unwrap_or_default(),
            service_hours_calendar_id: self
                .service_hours_calendar_id
                .unwrap_or(current.service_hours_calendar_id),
            availability_target_percent: target,
            on_status_page: self.on_status_page.unwrap_or(current.on_status_page),
            depends_on: depends_on.unwrap_or_default(),
        })
    }
}

/// Body of `POST /api/v1/services/{id}/requirements`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequirementInput {
    pub text: String,
    pub source: String,
    /// `YYYY-MM-DD`; default today (UTC).
    pub stated_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequirementDraft {
    pub text: String,
    pub source: String,
    pub stated_on: jiff::civil::Date,
}

impl RequirementInput {
    pub fn parse(self, today: jiff::civil::Date) -> Result<RequirementDraft, Invalid> {
        let mut e = Errors::new();
        let text = e.take(validation::text("text", &self.text, 1, REQUIREMENT_MAX));
        let source = e.take(validation::text(
            "source",
            &self.source,
            1,
            crate::foundation::people::NAME_MAX,
        ));
        let stated_on = match &self.stated_on {
            Some(d) => e.take(date("stated_on", d)),
            None => Some(today),
        };
        e.finish()?;
        Ok(RequirementDraft {
            text: text.unwrap_or_default(),
            source: source.unwrap_or_default(),
            stated_on: stated_on.unwrap_or(today),
        })
    }
}

/// A calendar date written `YYYY-MM-DD`.
pub fn date(field: &str, value: &str) -> Result<jiff::civil::Date, FieldError> {
    value
        .trim()
        .parse::<jiff::civil::Date>()
        .map_err(|_| FieldError::new(field, "must be a date written YYYY-MM-DD"))
}

/// If `service` depending on `depends_on` would close a cycle in the dependency graph given
/// by `edges` (`(from, to)`: from depends on to), returns the cycle as a path of service ids
/// starting and ending with `service`. `service`'s own current edges are ignored, since the
/// new list replaces them.
pub fn dependency_cycle(
    edges: &[(i64, i64)],
    service: i64,
    depends_on: &[i64],
) -> Option<Vec<i64>> {
    let mut graph: HashMap<i64, Vec<i64>> = HashMap::new();
    for &(from, to) in edges.iter().filter(|(from, _)| *from != service) {
        graph.entry(from).or_default().push(to);
    }
    graph.insert(service, depends_on.to_vec());
    // Breadth-first from the service, remembering how each node was reached.
    let mut came_from: HashMap<i64, i64> = HashMap::new();
    let mut seen: HashSet<i64> = HashSet::new();
    let mut queue: VecDeque<i64> = VecDeque::from([service]);
    while let Some(node) = queue.pop_front() {
        for &next in graph.get(&node).map(Vec::as_slice).unwrap_or(&[]) {
            if next == service {
                let mut path = vec![node];
                let mut at = node;
                while at != service {
                    at = came_from[&at];
                    path.push(at);
                }
                path.reverse();
                path.push(service);
                return Some(path);
            }
            if seen.insert(next) {
                came_from.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_are_found_with_their_path() {
        // 2 → 3 → 4 exists; 4 depending on 2 closes 2 → 3 → 4 → 2.
        let edges = [(2, 3), (3, 4)];
        assert_eq!(dependency_cycle(&edges, 4, &[2]), Some(vec![4, 2, 3, 4]));
        assert_eq!(dependency_cycle(&edges, 1, &[1]), Some(vec![1, 1]));
        assert_eq!(dependency_cycle(&edges, 1, &[2, 3]), None);
        // Replacing 2's own edges: 2 → 4 instead of 2 → 3 is no cycle.
        assert_eq!(dependency_cycle(&edges, 2, &[4]), None);
    }

    #[test]
    fn service_input_defaults_and_bounds() {
        let input: ServiceInput =
            serde_json::from_str(r#"{"name":"Mail","depends_on":[3,1,3]}"#).unwrap();
        let d = input.parse().unwrap();
        assert_eq!(d.status, ServiceStatus::Pipeline);
        assert_eq!(d.criticality, 3);
        assert_eq!(d.depends_on, vec![1, 3]);
        let input: ServiceInput = serde_json::from_str(
            r#"{"name":"Mail","criticality":5,"availability_target_percent":101}"#,
        )
        .unwrap();
        let fields: Vec<_> = input
            .parse()
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["criticality", "availability_target_percent"]);
    }
}

/// One service of an import file, with people, customers and dependencies named rather than
/// numbered.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceImportRow {
    pub name: String,
    pub description: Option<String>,
    pub intended_outcome: Option<String>,
    pub status: Option<ServiceStatus>,
    pub criticality: Option<i64>,
    /// Username of the owner.
    pub owner: Option<String>,
    /// Names of the organizations it is delivered to.
    #[serde(default)]
    pub customers: Vec<String>,
    /// Names of the services it depends on (in this file or recorded).
    #[serde(default)]
    pub depends_on: Vec<String>,
    pub availability_target_percent: Option<f64>,
    #[serde(skip)]
    pub origin: String,
}

/// Parses a service import file: a JSON array of rows, or CSV with a header naming some of
/// `name, description, intended_outcome, status, criticality, owner, customers, depends_on,
/// availability_target_percent` (lists separated by `;`). Every bad row is reported with its
/// line (CSV) or position (JSON).
pub fn parse_service_import(body: &[u8], csv: bool) -> Result<Vec<ServiceImportRow>, Invalid> {
    if !csv {
        return crate::foundation::import::json_rows(
            body,
            "services",
            |row: &mut ServiceImportRow, at| row.origin = at,
        );
    }
    let (headers, records) = crate::foundation::import::csv_records(body)?;
    const COLUMNS: [&str; 9] = [
        "name",
        "description",
        "intended_outcome",
        "status",
        "criticality",
        "owner",
        "customers",
        "depends_on",
        "availability_target_percent",
    ];
    if let Some(unknown) = headers
        .iter()
        .find(|h| !COLUMNS.iter().any(|c| c.eq_ignore_ascii_case(h)))
    {
        return Err(Invalid::one(
            "file",
            format!(
                "unknown column {unknown:?}; expected some of {}",
                COLUMNS.join(", ")
            ),
        ));
    }
    let column = |name: &str| crate::foundation::import::column(&headers, name);
    if column("name").is_none() {
        return Err(Invalid::one(
            "file",
            "the CSV header must name the column name",
        ));
    }
    let mut errors = Errors::new();
    let mut rows = Vec::new();
    for (line, record) in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(FieldError::new(line, e));
                continue;
            }
        };
        let cell = |name: &str| {
            column(name)
                .and_then(|c| record.get(c))
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let list = |name: &str| -> Vec<String> {
            cell(name)
                .map(|v| {
                    v.split(';')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let result = (|| -> Result<ServiceImportRow, String> {
            let status = match cell("status") {
                None => None,
                Some(s) => Some(
                    ServiceStatus::parse(&s)
                        .ok_or(format!("status {s:?} is not pipeline, live or retired"))?,
                ),
            };
            let criticality = match cell("criticality") {
                None => None,
                Some(c) => Some(
                    c.parse::<i64>()
                        .map_err(|_| format!("criticality {c:?} is not a number"))?,
                ),
            };
            let target =
                match cell("availability_target_percent") {
                    None => None,
                    Some(t) => Some(t.parse::<f64>().map_err(|_| {
                        format!("availability_target_percent {t:?} is not a number")
                    })?),
                };
            Ok(ServiceImportRow {
                name: cell("name").ok_or("name is empty")?,
                description: cell("description"),
                intended_outcome: cell("intended_outcome"),
                status,
                criticality,
                owner: cell("owner"),
                customers: list("customers"),
                depends_on: list("depends_on"),
                availability_target_percent: target,
                origin: line.clone(),
            })
        })();
        match result {
            Ok(row) => rows.push(row),
            Err(message) => errors.push(FieldError::new(line, message)),
        }
    }
    errors.finish()?;
    Ok(rows)
}
