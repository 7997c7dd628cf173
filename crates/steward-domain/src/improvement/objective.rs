//! Service management objectives (ISO/IEC 20000-1 5.2, 6.2): measurable, owned, dated, and
//! where the app can compute it, tied to a report figure so that progress is read from the
//! records rather than typed in.
use crate::foundation::text_enum::text_enum;
use crate::foundation::validation::{self, Errors, FieldError, Invalid, nullable};
use crate::improvement::system_document::date_field;
use serde::{Deserialize, Serialize};

text_enum!(
    ObjectiveStatus { Open = "open", Achieved = "achieved", Missed = "missed", Withdrawn = "withdrawn" }
);

text_enum!(
    /// Whether the figure must reach the target from below or stay under it.
    Direction { AtLeast = "at_least", AtMost = "at_most" }
);

text_enum!(
    /// A figure the reports compute, over the last 30 days.
    SystemFigure {
        /// One service's availability in percent (the availability report); needs a service.
        AvailabilityPercent = "availability_percent",
        /// Resolution targets met of those decided, in percent (the SLA compliance report);
        /// of one service when one is given.
        SlaMetPercent = "sla_met_percent",
        /// The mean satisfaction rating, 1–5 (the satisfaction report); of one service when
        /// one is given.
        SatisfactionAverage = "satisfaction_average"
    }
);

impl SystemFigure {
    pub fn label(self) -> &'static str {
        match self {
            SystemFigure::AvailabilityPercent => "Availability (%)",
            SystemFigure::SlaMetPercent => "Resolution targets met (%)",
            SystemFigure::SatisfactionAverage => "Satisfaction, mean rating (1–5)",
        }
    }

    /// The range a target of this figure can take.
    fn bounds(self) -> (f64, f64) {
        match self {
            SystemFigure::SatisfactionAverage => (1.0, 5.0),
            _ => (0.0, 100.0),
        }
    }
}

/// The figure's value now, read when the objective is shown.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FigureReading {
    pub figure: SystemFigure,
    /// The period read, RFC 3339 UTC: the last 30 days.
    pub from: String,
    pub to: String,
    /// None when the period had nothing to measure — never shown as 0.
    pub value: Option<f64>,
    /// None without a value or a target.
    pub meets_target: Option<bool>,
    /// "99.2 % (target at least 99.5 %)" or "no data in the last 30 days".
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Objective {
    pub id: i64,
    /// `OBJ-0001`.
    pub number: String,
    pub title: String,
    pub description: Option<String>,
    pub owner_id: Option<i64>,
    /// How it is measured, in words.
    pub measure: Option<String>,
    pub target_value: Option<f64>,
    /// `%`, `hours`, `rating`…
    pub target_unit: Option<String>,
    pub direction: Option<Direction>,
    /// `YYYY-MM-DD`.
    pub target_date: Option<String>,
    pub status: ObjectiveStatus,
    pub figure: Option<SystemFigure>,
    /// The service the figure is taken of.
    pub service_id: Option<i64>,
    /// Filled on reading when a figure is tied.
    pub current: Option<FigureReading>,
    pub created_at: String,
    pub updated_at: String,
}

/// Body of `POST /api/v1/system/objectives` (`title` required) and `PATCH` (what changes;
/// `null` clears).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveInput {
    pub title: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub owner_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub measure: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<f64>)]
    pub target_value: Option<Option<f64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub target_unit: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Direction>)]
    pub direction: Option<Option<Direction>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub target_date: Option<Option<String>>,
    pub status: Option<ObjectiveStatus>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<SystemFigure>)]
    pub figure: Option<Option<SystemFigure>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub service_id: Option<Option<i64>>,
}

const TEXT_MAX: usize = 20_000;

impl ObjectiveInput {
    /// The objective this input makes of `current` (none: a new one, open).
    pub fn apply(self, current: Option<&Objective>) -> Result<Objective, Invalid> {
        let mut e = Errors::new();
        let mut next = current.cloned().unwrap_or(Objective {
            id: 0,
            number: String::new(),
            title: String::new(),
            description: None,
            owner_id: None,
            measure: None,
            target_value: None,
            target_unit: None,
            direction: None,
            target_date: None,
            status: ObjectiveStatus::Open,
            figure: None,
            service_id: None,
            current: None,
            created_at: String::new(),
            updated_at: String::new(),
        });
        next.current = None;
        match (self.title, current) {
            (Some(t), _) => {
                if let Some(t) = e.take(validation::text("title", &t, 1, 200)) {
                    next.title = t;
                }
            }
            (None, None) => e.push(FieldError::new("title", "is required")),
            (None, Some(_)) => {}
        }
        let text = |e: &mut Errors, field: &str, v: Option<String>, max: usize| {
            e.take(validation::optional_text(field, v.as_deref(), max))
                .flatten()
        };
        if let Some(d) = self.description {
            next.description = text(&mut e, "description", d, TEXT_MAX);
        }
        if let Some(m) = self.measure {
            next.measure = text(&mut e, "measure", m, TEXT_MAX);
        }
        if let Some(u) = self.target_unit {
            next.target_unit = text(&mut e, "target_unit", u, 40);
        }
        if let Some(o) = self.owner_id {
            next.owner_id = o;
        }
        if let Some(d) = self.direction {
            next.direction = d;
        }
        if let Some(d) = self.target_date {
            next.target_date = e.take(date_field("target_date", d)).flatten();
        }
        if let Some(f) = self.figure {
            next.figure = f;
        }
        if let Some(s) = self.service_id {
            next.service_id = s;
        }
        if let Some(s) = self.status {
            next.status = s;
        }
        if let Some(t) = self.target_value {
            match t {
                Some(t) if !t.is_finite() => {
                    e.push(FieldError::new("target_value", "must be a number"))
                }
                t => next.target_value = t,
            }
        }
        if let (Some(t), Some(f)) = (next.target_value, next.figure) {
            let (lo, hi) = f.bounds();
            if !(lo..=hi).contains(&t) {
                e.push(FieldError::new(
                    "target_value",
                    format!("{} is measured from {lo} to {hi}", f.label()),
                ));
            }
        }
        if next.target_value.is_some() && next.direction.is_none() {
            e.push(FieldError::new(
                "direction",
                format!("say how the target is met: {}", Direction::choices()),
            ));
        }
        if next.figure == Some(SystemFigure::AvailabilityPercent) && next.service_id.is_none() {
            e.push(FieldError::new(
                "service_id",
                "availability is measured of one service: choose it",
            ));
        }
        if next.status == ObjectiveStatus::Achieved && next.owner_id.is_none() {
            e.push(FieldError::new(
                "owner_id",
                "an achieved objective has an owner",
            ));
        }
        e.finish()?;
        Ok(next)
    }

    /// Whether `value` meets the target; none without a target.
    pub fn meets(o: &Objective, value: f64) -> Option<bool> {
        let target = o.target_value?;
        Some(match o.direction? {
            Direction::AtLeast => value >= target,
            Direction::AtMost => value <= target,
        })
    }
}

impl Objective {
    /// The reading of its figure: the value (or that there was none) against the target.
    pub fn reading(
        &self,
        figure: SystemFigure,
        from: String,
        to: String,
        value: Option<f64>,
    ) -> FigureReading {
        let unit = self.target_unit.clone().unwrap_or_else(|| match figure {
            SystemFigure::SatisfactionAverage => String::new(),
            _ => "%".into(),
        });
        let meets_target = value.and_then(|v| ObjectiveInput::meets(self, v));
        let target = match (self.direction, self.target_value) {
            (Some(d), Some(t)) => format!(
                " (target {} {t}{}{unit})",
                match d {
                    Direction::AtLeast => "at least",
                    Direction::AtMost => "at most",
                },
                if unit.is_empty() { "" } else { " " }
            ),
            _ => String::new(),
        };
        let summary = match value {
            None => "no data in the last 30 days".to_owned(),
            Some(v) => format!(
                "{v}{}{unit}{target}{}",
                if unit.is_empty() { "" } else { " " },
                match meets_target {
                    Some(true) => ": meets the target",
                    Some(false) => ": does not meet the target",
                    None => "",
                }
            ),
        };
        FigureReading {
            figure,
            from,
            to,
            value,
            meets_target,
            summary,
        }
    }

    /// Still open on a day after its target date.
    pub fn overdue(&self, today: &str) -> bool {
        self.status == ObjectiveStatus::Open
            && self.target_date.as_deref().is_some_and(|d| d < today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_need_a_direction_and_readings_never_invent_a_zero() {
        let bad = ObjectiveInput {
            title: Some("Mail always there".into()),
            target_value: Some(Some(99.5)),
            figure: Some(Some(SystemFigure::AvailabilityPercent)),
            ..Default::default()
        }
        .apply(None)
        .unwrap_err();
        let fields: Vec<_> = bad.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["direction", "service_id"]);
        let o = ObjectiveInput {
            title: Some("Mail always there".into()),
            target_value: Some(Some(99.5)),
            direction: Some(Some(Direction::AtLeast)),
            figure: Some(Some(SystemFigure::AvailabilityPercent)),
            service_id: Some(Some(4)),
            ..Default::default()
        }
        .apply(None)
        .unwrap();
        let f = SystemFigure::AvailabilityPercent;
        let none = o.reading(f, "a".into(), "b".into(), None);
        assert_eq!(
            (none.meets_target, none.summary.as_str()),
            (None, "no data in the last 30 days")
        );
        assert_eq!(
            o.reading(f, "a".into(), "b".into(), Some(99.0))
                .meets_target,
            Some(false)
        );
        assert_eq!(
            o.reading(f, "a".into(), "b".into(), Some(99.9))
                .meets_target,
            Some(true)
        );
    }
}
