//! Configuration items (ISO/IEC 20000-1 8.2.6): typed CIs with free attributes, typed
//! relations, impact paths, and the comparison of a discovered snapshot with the records.
use crate::foundation::text_enum::text_enum;
use crate::foundation::validation::{self, Errors, FieldError, Invalid, nullable};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub const ATTRIBUTES_MAX_BYTES: usize = 16 * 1024;
/// How deep an impact analysis follows relations at most.
pub const IMPACT_MAX_DEPTH: i64 = 64;

text_enum!(
    /// What kind of thing a CI is. A `service` CI stands for a service and is managed with it.
    CiType { Server = "server", Application = "application", Database = "database", Network = "network", Service = "service" }
);

text_enum!(
    CiStatus { Planned = "planned", Active = "active", Maintenance = "maintenance", Retired = "retired" }
);

text_enum!(
    /// `source <kind> target`: an application `runs_on` a server, a service `depends_on` a
    /// database, a server `connects_to` a network, a disk is `part_of` a server.
    RelationKind { DependsOn = "depends_on", RunsOn = "runs_on", ConnectsTo = "connects_to", PartOf = "part_of" }
);

impl RelationKind {
    /// Whether a failure of the target affects the source (true) or the other way round.
    /// A part's failure affects the whole it is part of; everything else is the source
    /// relying on the target.
    pub fn source_relies_on_target(self) -> bool {
        !matches!(self, RelationKind::PartOf)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Ci {
    pub id: i64,
    pub name: String,
    pub ci_type: CiType,
    pub status: CiStatus,
    pub owner_id: Option<i64>,
    pub description: Option<String>,
    /// Free attributes (a JSON object).
    #[schema(value_type = Object)]
    pub attributes: serde_json::Value,
    /// The service this CI stands for, for `service` CIs.
    pub service_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Relation {
    pub id: i64,
    pub source_id: i64,
    pub target_id: i64,
    pub kind: RelationKind,
    pub created_at: String,
}

/// Body of `POST /api/v1/cis`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CiInput {
    /// Unique per type (case-insensitive).
    pub name: String,
    pub ci_type: CiType,
    /// Default `active`.
    pub status: Option<CiStatus>,
    pub owner_id: Option<i64>,
    pub description: Option<String>,
    /// A JSON object of at most 16 KiB.
    #[schema(value_type = Option<Object>)]
    pub attributes: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CiDraft {
    pub name: String,
    pub ci_type: CiType,
    pub status: CiStatus,
    pub owner_id: Option<i64>,
    pub description: Option<String>,
    pub attributes: serde_json::Value,
}

fn attributes(v: Option<serde_json::Value>) -> Result<serde_json::Value, FieldError> {
    match v {
        None | Some(serde_json::Value::Null) => Ok(serde_json::json!({})),
        Some(obj @ serde_json::Value::Object(_)) => {
            if obj.to_string().len() > ATTRIBUTES_MAX_BYTES {
                Err(FieldError::new(
                    "attributes",
                    format!("must be at most {ATTRIBUTES_MAX_BYTES} bytes of JSON"),
                ))
            } else {
                Ok(obj)
            }
        }
        Some(_) => Err(FieldError::new("attributes", "must be a JSON object")),
    }
}

impl CiInput {
    pub fn parse(self) -> Result<CiDraft, Invalid> {
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
        let attributes = e.take(attributes(self.attributes));
        if self.ci_type == CiType::Service {
            e.push(FieldError::new(
                "ci_type",
                "service CIs are created and changed with their service (POST /api/v1/services)",
            ));
        }
        e.finish()?;
        Ok(CiDraft {
            name: name.unwrap_or_default(),
            ci_type: self.ci_type,
            status: self.status.unwrap_or(CiStatus::Active),
            owner_id: self.owner_id,
            description,
            attributes: attributes.unwrap_or_default(),
        })
    }
}

/// Body of `PATCH /api/v1/cis/{id}`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CiPatch {
    pub name: Option<String>,
    pub status: Option<CiStatus>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub owner_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    /// Replaces all attributes.
    #[schema(value_type = Option<Object>)]
    pub attributes: Option<serde_json::Value>,
}

impl CiPatch {
    pub fn apply(self, current: &Ci) -> Result<CiDraft, Invalid> {
        let mut e = Errors::new();
        if current.ci_type == CiType::Service
            && (self.name.is_some() || self.status.is_some() || self.owner_id.is_some())
        {
            e.push(FieldError::new(
                "ci_type",
                "the name, status and owner of a service CI follow its service; change the service instead",
            ));
        }
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
        let attributes = match self.attributes {
            Some(a) => e.take(attributes(Some(a))),
            None => Some(current.attributes.clone()),
        };
        e.finish()?;
        Ok(CiDraft {
            name: name.unwrap_or_default(),
            ci_type: current.ci_type,
            status: self.status.unwrap_or(current.status),
            owner_id: self.owner_id.unwrap_or(current.owner_id),
            description,
            attributes: attributes.unwrap_or_default(),
        })
    }
}

/// Body of `POST /api/v1/cis/{id}/relations`: this CI `<kind>` the target.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RelationInput {
    pub kind: RelationKind,
    pub target_id: i64,
}

/// One change in a CI's history.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub id: i64,
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
}

/// One CI affected by a failure of the analysed CI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Impacted {
    pub ci_id: i64,
    pub name: String,
    pub ci_type: CiType,
    pub service_id: Option<i64>,
    /// Relations between the analysed CI and this one along the path.
    pub depth: i64,
    /// CI ids from the analysed CI to this one, along one shortest chain of dependence.
    pub path: Vec<i64>,
}

/// One row of the recursive impact query: `ci` is reached from `via` at `depth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    pub ci: i64,
    pub via: i64,
    pub depth: i64,
}

/// Turns the reach rows of a breadth-first walk into one shortest path per CI. Each CI's
/// parent is one it was reached from at its smallest depth, so walking parents back gives a
/// shortest chain to the root.
pub fn impact_paths(root: i64, reaches: &[Reach]) -> Vec<(i64, i64, Vec<i64>)> {
    let mut best: HashMap<i64, (i64, i64)> = HashMap::new();
    for r in reaches.iter().filter(|r| r.ci != root) {
        let entry = best.entry(r.ci).or_insert((r.depth, r.via));
        if (r.depth, r.via) < *entry {
            *entry = (r.depth, r.via);
        }
    }
    let mut out: Vec<(i64, i64, Vec<i64>)> = best
        .iter()
        .map(|(&ci, &(depth, _))| {
            let mut path = vec![ci];
            let mut at = ci;
            // Bounded by the depth, so a corrupt parent chain cannot loop forever.
            for _ in 0..=depth {
                match best.get(&at) {
                    Some(&(_, via)) => {
                        path.push(via);
                        if via == root {
                            break;
                        }
                        at = via;
                    }
                    None => break,
                }
            }
            path.reverse();
            (ci, depth, path)
        })
        .collect();
    out.sort_by_key(|(ci, depth, _)| (*depth, *ci));
    out
}

/// A CI as found by discovery, for a configuration audit.
#[derive(Debug, Clone, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscoveredCi {
    pub name: String,
    pub ci_type: CiType,
    pub status: Option<CiStatus>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub attributes: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Discrepancy {
    /// Discovered, but there is no record of it.
    Unrecorded { name: String, ci_type: CiType },
    /// Recorded as in use (not planned or retired), but not discovered.
    NotDiscovered {
        ci_id: i64,
        name: String,
        ci_type: CiType,
    },
    /// Recorded and discovered with a different status.
    StatusDiffers {
        ci_id: i64,
        name: String,
        recorded: CiStatus,
        discovered: CiStatus,
    },
    /// An attribute the discovery reports differs from the record (or is not recorded).
    AttributeDiffers {
        ci_id: i64,
        name: String,
        attribute: String,
        /// Any JSON value (a string, number, …); null when not recorded.
        #[schema(value_type = Value)]
        recorded: serde_json::Value,
        #[schema(value_type = Value)]
        discovered: serde_json::Value,
    },
}

/// Compares discovered CIs with the records, matching on type and case-insensitive name.
/// Service CIs are not discoverable and are left out of "not discovered".
pub fn configuration_audit(records: &[Ci], discovered: &[DiscoveredCi]) -> Vec<Discrepancy> {
    let key = |t: CiType, n: &str| (t, n.trim().to_lowercase());
    let by_key: HashMap<(CiType, String), &Ci> = records
        .iter()
        .map(|c| (key(c.ci_type, &c.name), c))
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for d in discovered {
        let k = key(d.ci_type, &d.name);
        match by_key.get(&k) {
            None => out.push(Discrepancy::Unrecorded {
                name: d.name.trim().to_owned(),
                ci_type: d.ci_type,
            }),
            Some(rec) => {
                seen.insert(rec.id);
                if let Some(status) = d.status
                    && status != rec.status
                {
                    out.push(Discrepancy::StatusDiffers {
                        ci_id: rec.id,
                        name: rec.name.clone(),
                        recorded: rec.status,
                        discovered: status,
                    });
                }
                let mut names: Vec<&String> = d.attributes.keys().collect();
                names.sort();
                for attr in names {
                    let found = &d.attributes[attr];
                    let recorded = rec
                        .attributes
                        .get(attr)
                        .cloned()
                        .unwrap_or(serde_json::Value::Null);
                    if &recorded != found {
                        out.push(Discrepancy::AttributeDiffers {
                            ci_id: rec.id,
                            name: rec.name.clone(),
                            attribute: attr.clone(),
                            recorded,
                            discovered: found.clone(),
                        });
                    }
                }
            }
        }
    }
    for rec in records {
        let in_use = matches!(rec.status, CiStatus::Active | CiStatus::Maintenance);
        if in_use && rec.ci_type != CiType::Service && !seen.contains(&rec.id) {
            out.push(Discrepancy::NotDiscovered {
                ci_id: rec.id,
                name: rec.name.clone(),
                ci_type: rec.ci_type,
            });
        }
    }
    out
}

/// Parses a discovery snapshot: a JSON array of objects, or CSV with a header line of
/// `name,ci_type[,status][,attribute columns…]` (every other column becomes an attribute;
/// empty cells are left out). Errors name the line (CSV) or the item (JSON).
pub fn parse_discovered(body: &[u8], csv: bool) -> Result<Vec<DiscoveredCi>, Invalid> {
    if !csv {
        let items: Vec<DiscoveredCi> = serde_json::from_slice(body).map_err(|e| {
            Invalid::one("body", format!("not a JSON array of discovered CIs: {e}"))
        })?;
        return Ok(items);
    }
    let (headers, records) = crate::foundation::import::csv_records(body)?;
    let column = |name: &str| crate::foundation::import::column(&headers, name);
    let (Some(name_col), Some(type_col)) =
        (column("name"), column("ci_type").or_else(|| column("type")))
    else {
        return Err(Invalid::one(
            "body",
            "the CSV header must name the columns name and ci_type",
        ));
    };
    let status_col = column("status");
    let mut out = Vec::new();
    let mut errors = Errors::new();
    for (line, record) in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(FieldError::new(line, e));
                continue;
            }
        };
        let get = |c: usize| record.get(c).unwrap_or("").to_owned();
        let Some(ci_type) = CiType::parse(&get(type_col)) else {
            errors.push(FieldError::new(
                line.clone(),
                format!(
                    "ci_type {:?} is not one of {}",
                    get(type_col),
                    CiType::choices()
                ),
            ));
            continue;
        };
        let status = match status_col.map(get).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => match CiStatus::parse(&s) {
                Some(st) => Some(st),
                None => {
                    errors.push(FieldError::new(
                        line.clone(),
                        format!("status {s:?} is not one of {}", CiStatus::choices()),
                    ));
                    continue;
                }
            },
        };
        let mut attributes = serde_json::Map::new();
        for (c, h) in headers.iter().enumerate() {
            if c == name_col || c == type_col || Some(c) == status_col {
                continue;
            }
            let v = get(c);
            if !v.is_empty() {
                attributes.insert(h.to_owned(), serde_json::Value::String(v));
            }
        }
        if get(name_col).is_empty() {
            errors.push(FieldError::new(line.clone(), "name is empty"));
            continue;
        }
        out.push(DiscoveredCi {
            name: get(name_col),
            ci_type,
            status,
            attributes,
        });
    }
    errors.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impact_paths_follow_the_shortest_chain() {
        // 1 ← 2 ← 3 ← 4 and 1 ← 4 directly: 4 is at depth 1 via 1.
        let reaches = [
            Reach {
                ci: 2,
                via: 1,
                depth: 1,
            },
            Reach {
                ci: 4,
                via: 1,
                depth: 1,
            },
            Reach {
                ci: 3,
                via: 2,
                depth: 2,
            },
            Reach {
                ci: 4,
                via: 3,
                depth: 3,
            },
        ];
        let paths = impact_paths(1, &reaches);
        assert_eq!(
            paths,
            vec![
                (2, 1, vec![1, 2]),
                (4, 1, vec![1, 4]),
                (3, 2, vec![1, 2, 3])
            ]
        );
    }

    fn rec(id: i64, name: &str, status: CiStatus, attrs: serde_json::Value) -> Ci {
        Ci {
            id,
            name: name.into(),
            ci_type: CiType::Server,
            status,
            owner_id: None,
            description: None,
            attributes: attrs,
            service_id: None,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[test]
    fn audit_lists_each_kind_of_discrepancy() {
        let records = vec![
            rec(
                1,
                "web-1",
                CiStatus::Active,
                serde_json::json!({"os": "debian 12"}),
            ),
            rec(2, "web-2", CiStatus::Active, serde_json::json!({})),
            rec(3, "old", CiStatus::Retired, serde_json::json!({})),
        ];
        let csv = b"name,ci_type,status,os\nWEB-1,server,maintenance,debian 13\nnew-box,server,,\n";
        let discovered = parse_discovered(csv, true).unwrap();
        let found = configuration_audit(&records, &discovered);
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(matches!(
            found[0],
            Discrepancy::StatusDiffers { ci_id: 1, .. }
        ));
        assert!(
            matches!(&found[1], Discrepancy::AttributeDiffers { attribute, .. } if attribute == "os")
        );
        assert!(matches!(&found[2], Discrepancy::Unrecorded { name, .. } if name == "new-box"));
        assert!(matches!(
            found[3],
            Discrepancy::NotDiscovered { ci_id: 2, .. }
        ));
    }

    #[test]
    fn bad_csv_rows_are_named_by_line() {
        let err = parse_discovered(b"name,ci_type\na,server\nb,toaster\n", true).unwrap_err();
        assert_eq!(err.0[0].field, "line 3");
        assert!(parse_discovered(b"label,kind\n", true).is_err());
    }
}

/// A CI with its relations, as `GET /api/v1/cis/{id}` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CiView {
    #[serde(flatten)]
    pub ci: Ci,
    /// Relations where this CI is the source (`this <kind> target`).
    pub relations_out: Vec<Relation>,
    /// Relations where this CI is the target.
    pub relations_in: Vec<Relation>,
}

/// A service reached by an impact analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImpactedService {
    pub service_id: i64,
    pub name: String,
    pub depth: i64,
}

/// The answer of `GET /api/v1/cis/{id}/impact`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ImpactReport {
    pub ci: Ci,
    /// Every CI that depends on this one, directly or transitively, nearest first.
    pub impacted: Vec<Impacted>,
    /// The services among them.
    pub services: Vec<ImpactedService>,
}

/// One CI of an import file, before names are resolved to ids.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CiImportRow {
    pub name: String,
    pub ci_type: CiType,
    pub status: Option<CiStatus>,
    /// Username of the owner.
    pub owner: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub attributes: serde_json::Map<String, serde_json::Value>,
    /// Relations from this CI to others named by type and name (in this file or recorded).
    #[serde(default)]
    pub relations: Vec<ImportRelation>,
    /// Where the row came from, for error messages.
    #[serde(skip)]
    pub origin: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportRelation {
    pub kind: RelationKind,
    pub target_type: CiType,
    pub target_name: String,
}

/// Parses a CI import file: a JSON array of rows, or CSV with the columns `name`, `ci_type`
/// and optionally `status`, `owner`, `description`, relation columns `depends_on`, `runs_on`,
/// `connects_to`, `part_of` (each `type:name`, several separated by `;`); any other column
/// becomes an attribute. Every bad row is reported with its line (CSV) or position (JSON).
pub fn parse_ci_import(body: &[u8], csv: bool) -> Result<Vec<CiImportRow>, Invalid> {
    if !csv {
        return crate::foundation::import::json_rows(body, "CIs", |row: &mut CiImportRow, at| {
            row.origin = at
        });
    }
    let (headers, records) = crate::foundation::import::csv_records(body)?;
    let column = |name: &str| crate::foundation::import::column(&headers, name);
    let (Some(name_col), Some(type_col)) =
        (column("name"), column("ci_type").or_else(|| column("type")))
    else {
        return Err(Invalid::one(
            "file",
            "the CSV header must name the columns name and ci_type",
        ));
    };
    let known = ["status", "owner", "description"];
    let relation_cols: Vec<(usize, RelationKind)> = RelationKind::ALL
        .iter()
        .filter_map(|k| column(k.as_str()).map(|c| (c, *k)))
        .collect();
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
        let cell = |c: Option<usize>| {
            c.and_then(|c| record.get(c))
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let result = (|| -> Result<CiImportRow, String> {
            let name = cell(Some(name_col)).ok_or("name is empty")?;
            let t = cell(Some(type_col)).unwrap_or_default();
            let ci_type = CiType::parse(&t)
                .ok_or(format!("ci_type {t:?} is not one of {}", CiType::choices()))?;
            let status = match cell(column("status")) {
                None => None,
                Some(s) => Some(CiStatus::parse(&s).ok_or(format!(
                    "status {s:?} is not one of {}",
                    CiStatus::choices()
                ))?),
            };
            let mut relations = Vec::new();
            for (c, kind) in &relation_cols {
                for target in cell(Some(*c))
                    .unwrap_or_default()
                    .split(';')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                {
                    let (tt, tn) = target.split_once(':').ok_or(format!(
                        "{} target {target:?} must be written type:name",
                        kind.as_str()
                    ))?;
                    let target_type = CiType::parse(tt.trim())
                        .ok_or(format!("unknown CI type {tt:?} in {target:?}"))?;
                    relations.push(ImportRelation {
                        kind: *kind,
                        target_type,
                        target_name: tn.trim().to_owned(),
                    });
                }
            }
            let mut attributes = serde_json::Map::new();
            for (c, h) in headers.iter().enumerate() {
                let reserved = c == name_col
                    || c == type_col
                    || known.iter().any(|k| h.eq_ignore_ascii_case(k))
                    || relation_cols.iter().any(|(rc, _)| *rc == c);
                if let (false, Some(v)) = (reserved, cell(Some(c))) {
                    attributes.insert(h.to_owned(), serde_json::Value::String(v));
                }
            }
            Ok(CiImportRow {
                name,
                ci_type,
                status,
                owner: cell(column("owner")),
                description: cell(column("description")),
                attributes,
                relations,
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

/// What a configuration audit found.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AuditResult {
    pub run_id: i64,
    pub discovered: i64,
    pub recorded: i64,
    pub discrepancies: Vec<Discrepancy>,
}
