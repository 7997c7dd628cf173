//! Form fields described once. The shared template draws each (label, input, hint, the
//! message next to it), one reader turns a submitted form into the JSON the API takes, and
//! one writer fills a form from a record's JSON. So a screen refuses what the API refuses,
//! under the same field names, and a new record type's form is a list of fields.
use crate::ui::foundation::forms::FormData;
use serde_json::{Map, Number, Value};
use steward_domain::FieldError;

/// How a field is entered, and so how it is read.
#[derive(Debug, Clone)]
pub enum Input {
    /// One line of text; blank is `null`.
    Text,
    /// A list of words (mail domains, say) on one line, separated by spaces or commas.
    Words,
    /// Several lines of text; blank is `null`.
    Long,
    Email,
    /// Never shown again; blank is `null`.
    Password,
    /// A decimal number (`,` or `.`); blank is `null`.
    Number,
    /// One line of text with suggestions to pick from (a time zone, say).
    Suggest(Vec<String>),
    /// One of these texts: (value, label).
    Choice(Vec<(String, String)>),
    /// One record by id, or none (the label says what none means).
    Pick(Vec<(i64, String)>, &'static str),
    /// Any number of records by id.
    Many(Vec<(i64, String)>),
    /// Any number of these texts: (value, label).
    ManyOf(Vec<(String, String)>),
    /// Yes or no.
    Check,
    /// Shown, not sent (a username that cannot change).
    Fixed,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub label: String,
    pub input: Input,
    pub hint: Option<String>,
    pub required: bool,
}

impl Field {
    pub fn new(name: impl Into<String>, label: impl Into<String>, input: Input) -> Self {
        Field {
            name: name.into(),
            label: label.into(),
            input,
            hint: None,
            required: false,
        }
    }

    pub fn text(name: &str, label: &str) -> Self {
        Self::new(name, label, Input::Text)
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// What the template draws: `text`, `long`, `email`, `password`, `number`, `suggest`,
    /// `choice`, `pick`, `many`, `check` or `fixed`.
    pub fn kind(&self) -> &'static str {
        match self.input {
            Input::Text | Input::Words => "text",
            Input::Long => "long",
            Input::Email => "email",
            Input::Password => "password",
            Input::Number => "number",
            Input::Suggest(_) => "suggest",
            Input::Choice(_) => "choice",
            Input::Pick(..) => "pick",
            Input::Many(_) | Input::ManyOf(_) => "many",
            Input::Check => "check",
            Input::Fixed => "fixed",
        }
    }

    /// The options of a choice, pick or many field as (value, label, chosen) for `values`.
    pub fn options(&self, values: &FormData) -> Vec<(String, String, bool)> {
        let chosen = |v: &str| values.has(&self.name, v);
        match &self.input {
            Input::Choice(o) | Input::ManyOf(o) => o
                .iter()
                .map(|(v, l)| (v.clone(), l.clone(), chosen(v)))
                .collect(),
            Input::Pick(o, none) => std::iter::once((String::new(), (*none).to_owned(), false))
                .chain(o.iter().map(|(id, l)| {
                    let v = id.to_string();
                    let c = chosen(&v);
                    (v, l.clone(), c)
                }))
                .collect(),
            Input::Many(o) => o
                .iter()
                .map(|(id, l)| {
                    let v = id.to_string();
                    let c = chosen(&v);
                    (v, l.clone(), c)
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A suggest field's suggestions.
    pub fn suggestions(&self) -> &[String] {
        match &self.input {
            Input::Suggest(s) => s,
            _ => &[],
        }
    }
}

/// Fields under one heading (a fieldset when it has a legend).
#[derive(Debug, Clone)]
pub struct Group {
    pub legend: Option<String>,
    pub fields: Vec<Field>,
}

impl Group {
    pub fn plain(fields: Vec<Field>) -> Self {
        Group {
            legend: None,
            fields,
        }
    }

    pub fn titled(legend: impl Into<String>, fields: Vec<Field>) -> Self {
        Group {
            legend: Some(legend.into()),
            fields,
        }
    }
}

/// The label a field is shown with, for naming it in a form's list of errors; a name the
/// form has no field for (a whole-record error) is made readable.
pub fn label_of(groups: &[Group], name: &str) -> String {
    groups
        .iter()
        .flat_map(|g| &g.fields)
        .find(|f| f.name == name)
        .map_or_else(|| crate::ui::status_label(name), |f| f.label.clone())
}

/// A decimal as JSON: whole numbers as integers, so that integer fields accept them.
fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9e15 {
        Value::from(n as i64)
    } else {
        Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

/// The submitted form as the API's JSON, field by field; a number or a choice that cannot be
/// read names its field. Fixed fields are not read.
pub fn read(form: &FormData, groups: &[Group]) -> Result<Map<String, Value>, Vec<FieldError>> {
    let (out, errors) = read_all(form, groups);
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// "choose High, Medium or Low".
fn choose(options: &[(String, String)]) -> String {
    let labels: Vec<&str> = options.iter().map(|(_, l)| l.as_str()).collect();
    match labels.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("choose {} or {last}", rest.join(", ")),
        Some((only, _)) => format!("choose {only}"),
        None => "nothing to choose from".into(),
    }
}

/// What [`read`] reads, and also the fields it could read when others were refused, so that a
/// caller can check those too and name every bad field at once.
pub fn read_all(form: &FormData, groups: &[Group]) -> (Map<String, Value>, Vec<FieldError>) {
    let mut out = Map::new();
    let mut errors = Vec::new();
    for f in groups.iter().flat_map(|g| &g.fields) {
        let name = f.name.as_str();
        let value = match &f.input {
            Input::Text | Input::Long | Input::Email | Input::Password | Input::Suggest(_) => {
                form.text(name).map_or(Value::Null, Value::from)
            }
            Input::Words => Value::from(
                form.text(name)
                    .unwrap_or_default()
                    .split(|c: char| c.is_whitespace() || c == ',')
                    .filter(|w| !w.is_empty())
                    .map(str::to_owned)
                    .collect::<Vec<_>>(),
            ),
            // A value the form never offered is named here, with the offered ones.
            Input::Choice(options) => match form.text(name) {
                None => Value::Null,
                Some(v) if options.iter().any(|(o, _)| *o == v) => Value::from(v),
                Some(_) => {
                    errors.push(FieldError::new(name, choose(options)));
                    continue;
                }
            },
            Input::Number => match form.text(name) {
                None => Value::Null,
                Some(v) => match v.replace(',', ".").parse::<f64>() {
                    Ok(n) if n.is_finite() => number(n),
                    _ => {
                        errors.push(FieldError::new(name, "must be a number"));
                        continue;
                    }
                },
            },
            Input::Pick(..) => match form.id(name) {
                Ok(id) => id.map_or(Value::Null, Value::from),
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            },
            Input::Many(_) => Value::from(
                form.0
                    .iter()
                    .filter(|(k, _)| k == name)
                    .filter_map(|(_, v)| v.parse::<i64>().ok())
                    .collect::<Vec<_>>(),
            ),
            Input::ManyOf(_) => Value::from(
                form.0
                    .iter()
                    .filter(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .collect::<Vec<_>>(),
            ),
            Input::Check => Value::from(form.checked(name)),
            Input::Fixed => continue,
        };
        // A required field left blank is named here, not as a type error of the whole form.
        if f.required && (value.is_null() || value.as_array().is_some_and(Vec::is_empty)) {
            errors.push(FieldError::new(name, "is required"));
            continue;
        }
        out.insert(f.name.clone(), value);
    }
    (out, errors)
}

/// A form filled from a record as the API shows it: each field from the record's value of the
/// same name (lists as repeated values, `true` as ticked).
pub fn fill(record: &Value, groups: &[Group]) -> FormData {
    let mut pairs = Vec::new();
    for f in groups.iter().flat_map(|g| &g.fields) {
        let mut push = |v: &Value| match v {
            Value::String(s) => pairs.push((f.name.clone(), s.clone())),
            Value::Number(n) => pairs.push((f.name.clone(), n.to_string())),
            Value::Bool(true) => pairs.push((f.name.clone(), "yes".to_owned())),
            _ => {}
        };
        match &record[&f.name] {
            Value::Array(items) if matches!(f.input, Input::Words) => {
                let words: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
                push(&Value::from(words.join(" ")));
            }
            Value::Array(items) => items.iter().for_each(&mut push),
            other => push(other),
        }
    }
    FormData(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn groups() -> Vec<Group> {
        vec![Group::plain(vec![
            Field::text("name", "Name"),
            Field::new("criticality", "Criticality", Input::Number),
            Field::new("target", "Target", Input::Number),
            Field::new(
                "owner_id",
                "Owner",
                Input::Pick(vec![(7, "Ann".into())], "Nobody"),
            ),
            Field::new("customer_ids", "Customers", Input::Many(vec![])),
            Field::new("active", "Active", Input::Check),
            Field::new("username", "Username", Input::Fixed),
        ])]
    }

    #[test]
    fn a_form_reads_as_the_api_json_and_fills_back() {
        let form = FormData::parse(
            b"name=+Mail+&criticality=2&target=99%2C5&owner_id=7&customer_ids=3&customer_ids=4&active=yes&username=x",
        );
        let json = Value::Object(read(&form, &groups()).unwrap());
        assert_eq!(
            json,
            json!({"name": "Mail", "criticality": 2, "target": 99.5, "owner_id": 7,
                   "customer_ids": [3, 4], "active": true})
        );
        let back = fill(&json, &groups());
        assert!(back.has("customer_ids", "4"));
        assert_eq!(back.value("target"), "99.5");
        assert!(back.checked("active"));
    }

    #[test]
    fn blanks_are_null_and_bad_numbers_are_named() {
        let form = FormData::parse(b"name=&criticality=many&owner_id=x");
        let errors = read(&form, &groups()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["criticality", "owner_id"]);
        let ok = read(&FormData::parse(b"name="), &groups()).unwrap();
        assert_eq!(ok["name"], Value::Null);
        assert_eq!(ok["active"], false);
    }

    #[test]
    fn a_blank_required_field_is_named_and_texts_are_read_as_lists() {
        let groups = vec![Group::plain(vec![
            Field::text("name", "Name").required(),
            Field::new(
                "reports",
                "Reports",
                Input::ManyOf(vec![("volumes".into(), "Volumes".into())]),
            )
            .required(),
        ])];
        let errors = read(&FormData::parse(b"name=+"), &groups).unwrap_err();
        let named: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["name", "reports"]);
        let json = read(&FormData::parse(b"name=Pack&reports=volumes"), &groups).unwrap();
        assert_eq!(json["reports"], json!(["volumes"]));
    }
}
