//! Suppliers and agreements (ISO/IEC 20000-1 8.3.4): external suppliers with an owner, the
//! contracts that underpin services, and internal agreements (OLAs) with teams.
use crate::delivery::service::{date, id_set};
use crate::foundation::people::{DESCRIPTION_MAX, NAME_MAX};
pub(crate) use crate::foundation::text_enum::text_enum;
use crate::foundation::validation::{self, Errors, FieldError, Invalid, nullable};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

pub const TARGETS_MAX: usize = 50;
pub const SERVICES_MAX: usize = 500;
pub const LONG_TEXT_MAX: usize = 10_000;

text_enum!(SupplierStatus {
    /// Currently supplying.
    Active = "active",
    /// No longer supplying; kept for its contracts and disputes.
    Inactive = "inactive",
});

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Supplier {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    /// The supplier owner (8.3.4.1): an active staff user.
    pub owner_id: Option<i64>,
    pub status: SupplierStatus,
    pub created_at: String,
    pub updated_at: String,
}

/// Body of `POST /api/v1/suppliers`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierInput {
    /// 1–200 characters, unique (case-insensitive).
    pub name: String,
    pub description: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub owner_id: Option<i64>,
    /// Default `active`.
    pub status: Option<SupplierStatus>,
}

/// A supplier's editable state, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplierDraft {
    pub name: String,
    pub description: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub owner_id: Option<i64>,
    pub status: SupplierStatus,
}

fn optional_email(field: &str, v: Option<&str>) -> Result<Option<String>, FieldError> {
    match v.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => validation::email(field, v).map(Some),
    }
}

fn opt(field: &str, v: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    validation::optional_text(field, v, max)
}

impl SupplierInput {
    pub fn parse(self) -> Result<SupplierDraft, Invalid> {
        let mut e = Errors::new();
        let name = e.take(validation::text("name", &self.name, 1, NAME_MAX));
        let description = e
            .take(opt(
                "description",
                self.description.as_deref(),
                DESCRIPTION_MAX,
            ))
            .flatten();
        let contact_name = e
            .take(opt("contact_name", self.contact_name.as_deref(), NAME_MAX))
            .flatten();
        let contact_email = e
            .take(optional_email(
                "contact_email",
                self.contact_email.as_deref(),
            ))
            .flatten();
        e.finish()?;
        Ok(SupplierDraft {
            name: name.unwrap_or_default(),
            description,
            contact_name,
            contact_email,
            owner_id: self.owner_id,
            status: self.status.unwrap_or(SupplierStatus::Active),
        })
    }
}

/// Body of `PATCH /api/v1/suppliers/{id}`: only the fields present change.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierPatch {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub contact_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub contact_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub owner_id: Option<Option<i64>>,
    pub status: Option<SupplierStatus>,
}

impl SupplierPatch {
    pub fn apply(self, current: &Supplier) -> Result<SupplierDraft, Invalid> {
        let mut e = Errors::new();
        let name = match &self.name {
            Some(n) => e.take(validation::text("name", n, 1, NAME_MAX)),
            None => Some(current.name.clone()),
        };
        let description = match self.description {
            Some(d) => e
                .take(opt("description", d.as_deref(), DESCRIPTION_MAX))
                .flatten(),
            None => current.description.clone(),
        };
        let contact_name = match self.contact_name {
            Some(d) => e
                .take(opt("contact_name", d.as_deref(), NAME_MAX))
                .flatten(),
            None => current.contact_name.clone(),
        };
        let contact_email = match self.contact_email {
            Some(d) => e
                .take(optional_email("contact_email", d.as_deref()))
                .flatten(),
            None => current.contact_email.clone(),
        };
        e.finish()?;
        Ok(SupplierDraft {
            name: name.unwrap_or_default(),
            description,
            contact_name,
            contact_email,
            owner_id: self.owner_id.unwrap_or(current.owner_id),
            status: self.status.unwrap_or(current.status),
        })
    }
}

text_enum!(AgreementKind {
    /// A contract with an external supplier that underpins services (8.3.4.1).
    UnderpinningContract = "underpinning_contract",
    /// An operational level agreement with an internal team (8.3.4.2).
    Ola = "ola",
});

text_enum!(AgreementStatus {
    Draft = "draft",
    Active = "active",
    Expired = "expired",
    Terminated = "terminated",
});

/// One agreed target, e.g. `{"name": "response time", "target": "4 business hours"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementTarget {
    pub name: String,
    pub target: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Agreement {
    pub id: i64,
    pub kind: AgreementKind,
    pub title: String,
    pub scope: Option<String>,
    /// The supplier of an underpinning contract.
    pub supplier_id: Option<i64>,
    /// The internal team of an OLA.
    pub team_id: Option<i64>,
    pub targets: Vec<AgreementTarget>,
    pub obligations: Option<String>,
    /// `YYYY-MM-DD`.
    pub start_date: Option<String>,
    /// `YYYY-MM-DD`, on or after `start_date`.
    pub end_date: Option<String>,
    pub owner_id: Option<i64>,
    pub status: AgreementStatus,
    /// Services this agreement underpins.
    pub service_ids: Vec<i64>,
    /// Days from today (UTC) to `end_date`; negative once past; null without an end date.
    pub expires_in_days: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

/// Body of `POST /api/v1/agreements`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementInput {
    pub kind: AgreementKind,
    pub title: String,
    pub scope: Option<String>,
    /// Required for `underpinning_contract`, refused for `ola`.
    pub supplier_id: Option<i64>,
    /// Required for `ola`, refused for `underpinning_contract`.
    pub team_id: Option<i64>,
    #[serde(default)]
    pub targets: Vec<AgreementTarget>,
    pub obligations: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub owner_id: Option<i64>,
    /// Default `draft`.
    pub status: Option<AgreementStatus>,
    #[serde(default)]
    pub service_ids: Vec<i64>,
}

/// An agreement's editable state, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementDraft {
    pub kind: AgreementKind,
    pub title: String,
    pub scope: Option<String>,
    pub supplier_id: Option<i64>,
    pub team_id: Option<i64>,
    pub targets: Vec<AgreementTarget>,
    pub obligations: Option<String>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub owner_id: Option<i64>,
    pub status: AgreementStatus,
    pub service_ids: Vec<i64>,
}

fn targets(list: Vec<AgreementTarget>, e: &mut Errors) -> Vec<AgreementTarget> {
    if list.len() > TARGETS_MAX {
        e.push(FieldError::new(
            "targets",
            format!("must list at most {TARGETS_MAX} targets"),
        ));
        return Vec::new();
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, t) in list.into_iter().enumerate() {
        let name = e.take(validation::text(
            &format!("targets[{i}].name"),
            &t.name,
            1,
            NAME_MAX,
        ));
        let target = e.take(validation::text(
            &format!("targets[{i}].target"),
            &t.target,
            1,
            NAME_MAX,
        ));
        if let (Some(name), Some(target)) = (name, target) {
            out.push(AgreementTarget { name, target });
        }
    }
    out
}

fn optional_date(field: &str, v: Option<&str>) -> Result<Option<Date>, FieldError> {
    match v.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => date(field, v).map(Some),
    }
}

/// The rules that tie fields together: which party each kind needs, and date order.
fn check_whole(
    e: &mut Errors,
    kind: AgreementKind,
    supplier_id: Option<i64>,
    team_id: Option<i64>,
    start: Option<Date>,
    end: Option<Date>,
) {
    match kind {
        AgreementKind::UnderpinningContract => {
            if supplier_id.is_none() {
                e.push(FieldError::new(
                    "supplier_id",
                    "is required for an underpinning contract",
                ));
            }
            if team_id.is_some() {
                e.push(FieldError::new(
                    "team_id",
                    "must be absent for an underpinning contract (it names a supplier, not a team)",
                ));
            }
        }
        AgreementKind::Ola => {
            if team_id.is_none() {
                e.push(FieldError::new("team_id", "is required for an OLA"));
            }
            if supplier_id.is_some() {
                e.push(FieldError::new(
                    "supplier_id",
                    "must be absent for an OLA (it names an internal team, not a supplier)",
                ));
            }
        }
    }
    if let (Some(s), Some(en)) = (start, end)
        && en < s
    {
        e.push(FieldError::new(
            "end_date",
            "must be on or after start_date",
        ));
    }
}

impl AgreementInput {
    pub fn parse(self) -> Result<AgreementDraft, Invalid> {
        let mut e = Errors::new();
        let title = e.take(validation::text("title", &self.title, 1, NAME_MAX));
        let scope = e
            .take(opt("scope", self.scope.as_deref(), LONG_TEXT_MAX))
            .flatten();
        let obligations = e
            .take(opt(
                "obligations",
                self.obligations.as_deref(),
                LONG_TEXT_MAX,
            ))
            .flatten();
        let targets = targets(self.targets, &mut e);
        let start = e
            .take(optional_date("start_date", self.start_date.as_deref()))
            .flatten();
        let end = e
            .take(optional_date("end_date", self.end_date.as_deref()))
            .flatten();
        let service_ids = e.take(id_set("service_ids", self.service_ids, SERVICES_MAX));
        check_whole(
            &mut e,
            self.kind,
            self.supplier_id,
            self.team_id,
            start,
            end,
        );
        e.finish()?;
        Ok(AgreementDraft {
            kind: self.kind,
            title: title.unwrap_or_default(),
            scope,
            supplier_id: self.supplier_id,
            team_id: self.team_id,
            targets,
            obligations,
            start_date: start,
            end_date: end,
            owner_id: self.owner_id,
            status: self.status.unwrap_or(AgreementStatus::Draft),
            service_ids: service_ids.unwrap_or_default(),
        })
    }
}

/// Body of `PATCH /api/v1/agreements/{id}`: only the fields present change; lists replace.
/// Changing `kind` needs the matching party (`supplier_id` or `team_id`) and the other one
/// set to null in the same request.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementPatch {
    pub kind: Option<AgreementKind>,
    pub title: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub scope: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub supplier_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub team_id: Option<Option<i64>>,
    pub targets: Option<Vec<AgreementTarget>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub obligations: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub start_date: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub end_date: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub owner_id: Option<Option<i64>>,
    pub status: Option<AgreementStatus>,
    pub service_ids: Option<Vec<i64>>,
}

impl AgreementPatch {
    pub fn apply(self, current: &Agreement) -> Result<AgreementDraft, Invalid> {
        let mut e = Errors::new();
        let kind = self.kind.unwrap_or(current.kind);
        let title = match &self.title {
            Some(t) => e.take(validation::text("title", t, 1, NAME_MAX)),
            None => Some(current.title.clone()),
        };
        let scope = match self.scope {
            Some(s) => e.take(opt("scope", s.as_deref(), LONG_TEXT_MAX)).flatten(),
            None => current.scope.clone(),
        };
        let obligations = match self.obligations {
            Some(s) => e
                .take(opt("obligations", s.as_deref(), LONG_TEXT_MAX))
                .flatten(),
            None => current.obligations.clone(),
        };
        let targets = match self.targets {
            Some(t) => targets(t, &mut e),
            None => current.targets.clone(),
        };
        let start = match self.start_date {
            Some(d) => e.take(optional_date("start_date", d.as_deref())).flatten(),
            None => current.start_date.as_deref().and_then(|d| d.parse().ok()),
        };
        let end = match self.end_date {
            Some(d) => e.take(optional_date("end_date", d.as_deref())).flatten(),
            None => current.end_date.as_deref().and_then(|d| d.parse().ok()),
        };
        let service_ids = match self.service_ids {
            Some(ids) => e.take(id_set("service_ids", ids, SERVICES_MAX)),
            None => Some(current.service_ids.clone()),
        };
        let supplier_id = self.supplier_id.unwrap_or(current.supplier_id);
        let team_id = self.team_id.unwrap_or(current.team_id);
        check_whole(&mut e, kind, supplier_id, team_id, start, end);
        e.finish()?;
        Ok(AgreementDraft {
            kind,
            title: title.unwrap_or_default(),
            scope,
            supplier_id,
            team_id,
            targets,
            obligations,
            start_date: start,
            end_date: end,
            owner_id: self.owner_id.unwrap_or(current.owner_id),
            status: self.status.unwrap_or(current.status),
            service_ids: service_ids.unwrap_or_default(),
        })
    }
}

/// Whole days from `today` to `end` (negative once `end` has passed).
pub fn days_until(today: Date, end: Date) -> i64 {
    today
        .until(end)
        .map(|span| i64::from(span.get_days()))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(r: Result<AgreementDraft, Invalid>) -> Vec<String> {
        r.unwrap_err().0.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn each_kind_needs_its_own_party_only() {
        let ok: AgreementInput = serde_json::from_str(
            r#"{"kind":"ola","title":"Network OLA","team_id":3,"service_ids":[4,2,4]}"#,
        )
        .unwrap();
        let d = ok.parse().unwrap();
        assert_eq!(d.service_ids, vec![2, 4]);
        assert_eq!(d.status, AgreementStatus::Draft);
        let bad: AgreementInput = serde_json::from_str(
            r#"{"kind":"ola","title":"x","supplier_id":1,"start_date":"2026-02-01","end_date":"2026-01-01"}"#,
        )
        .unwrap();
        assert_eq!(fields(bad.parse()), ["team_id", "supplier_id", "end_date"]);
        let bad: AgreementInput = serde_json::from_str(
            r#"{"kind":"underpinning_contract","title":" ","targets":[{"name":"","target":"4h"}]}"#,
        )
        .unwrap();
        assert_eq!(
            fields(bad.parse()),
            ["title", "targets[0].name", "supplier_id"]
        );
    }

    #[test]
    fn days_until_counts_whole_days_both_ways() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(days_until(d("2026-01-01"), d("2026-03-01")), 59);
        assert_eq!(days_until(d("2026-03-01"), d("2026-01-01")), -59);
        assert_eq!(days_until(d("2026-01-01"), d("2026-01-01")), 0);
    }
}
