//! Organizations (customers), users and teams (resolver groups): what they hold and what a
//! valid input for each looks like.
use crate::foundation::role::Role;
use crate::foundation::validation::{self, Errors, FieldError, Invalid, nullable};
use serde::{Deserialize, Serialize};

pub const NAME_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 4000;
pub const USERNAME_MAX: usize = 64;
pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Organization {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    /// Mail from an address at this domain with no contact of its own is placed here.
    pub email_domain: Option<String>,
    pub active: bool,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    pub organization_id: Option<i64>,
    pub active: bool,
    /// Whether a password is set (the hash itself never leaves the store).
    pub has_password: bool,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Team {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub email: Option<String>,
    pub member_ids: Vec<i64>,
    pub created_at: String,
    pub updated_at: String,
}

// ---------------------------------------------------------------- organizations

/// Body of `POST /api/v1/organizations`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationInput {
    /// 1–200 characters, unique (case-insensitive).
    pub name: String,
    /// Up to 4000 characters.
    pub description: Option<String>,
    /// The organization's mail domain (`example.org`): senders there are its contacts.
    #[serde(default)]
    pub email_domain: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrganization {
    pub name: String,
    pub description: Option<String>,
    pub email_domain: Option<String>,
}

fn optional_domain(value: Option<&str>) -> Result<Option<String>, FieldError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(d) => validation::mail_domain("email_domain", d).map(Some),
    }
}

impl OrganizationInput {
    pub fn parse(self) -> Result<NewOrganization, Invalid> {
        let mut e = Errors::new();
        let name = e.take(validation::text("name", &self.name, 1, NAME_MAX));
        let description = e.take(validation::optional_text(
            "description",
            self.description.as_deref(),
            DESCRIPTION_MAX,
        ));
        let email_domain = e.take(optional_domain(self.email_domain.as_deref()));
        e.finish()?;
        Ok(NewOrganization {
            name: name.unwrap_or_default(),
            description: description.flatten(),
            email_domain: email_domain.flatten(),
        })
    }
}

/// Body of `PATCH /api/v1/organizations/{id}`: only the fields present change.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationPatch {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub email_domain: Option<Option<String>>,
    pub active: Option<bool>,
}

impl OrganizationPatch {
    pub fn apply(self, current: &Organization) -> Result<NewOrganizationState, Invalid> {
        let mut e = Errors::new();
        let name = match self.name {
            Some(n) => e.take(validation::text("name", &n, 1, NAME_MAX)),
            None => Some(current.name.clone()),
        };
        let description = match self.description {
            Some(d) => e
                .take(validation::optional_text(
                    "description",
                    d.as_deref(),
                    DESCRIPTION_MAX,
                ))
                .flatten(),
            None => current.description.clone(),
        };
        let email_domain = match self.email_domain {
            Some(d) => e.take(optional_domain(d.as_deref())).flatten(),
            None => current.email_domain.clone(),
        };
        e.finish()?;
        Ok(NewOrganizationState {
            name: name.unwrap_or_default(),
            description,
            email_domain,
            active: self.active.unwrap_or(current.active),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrganizationState {
    pub name: String,
    pub description: Option<String>,
    pub email_domain: Option<String>,
    pub active: bool,
}

// ---------------------------------------------------------------- users

/// Body of `POST /api/v1/users`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    /// 1–64 characters of `a-z 0-9 . _ - @`; stored in lower case; unique.
    pub username: String,
    /// Defaults to the username.
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub role: Role,
    /// Required for customers, who belong to exactly one organization.
    pub organization_id: Option<i64>,
    /// 10–256 characters. Without one the user cannot log in until it is set.
    pub password: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    pub organization_id: Option<i64>,
    pub password: Option<String>,
}

pub fn username(field: &str, value: &str) -> Result<String, FieldError> {
    let v = validation::text(field, value, 1, USERNAME_MAX)?.to_lowercase();
    if v.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        Ok(v)
    } else {
        Err(FieldError::new(
            field,
            "may contain only letters a-z, digits and . _ - @",
        ))
    }
}

pub fn password(field: &str, value: &str) -> Result<String, FieldError> {
    let count = value.chars().count();
    if count < PASSWORD_MIN {
        Err(FieldError::new(
            field,
            format!("must be at least {PASSWORD_MIN} characters"),
        ))
    } else if count > PASSWORD_MAX {
        Err(FieldError::new(
            field,
            format!("must be at most {PASSWORD_MAX} characters"),
        ))
    } else {
        Ok(value.to_owned())
    }
}

/// Customers belong to one organization; staff belong to the provider, not to a customer.
fn organization_for_role(role: Role, organization_id: Option<i64>) -> Result<(), FieldError> {
    match (role, organization_id) {
        (Role::Customer, None) => Err(FieldError::new(
            "organization_id",
            "is required for a customer",
        )),
        (r, Some(_)) if r != Role::Customer => Err(FieldError::new(
            "organization_id",
            "may be set only for customers; staff belong to no customer organization",
        )),
        _ => Ok(()),
    }
}

impl UserInput {
    pub fn parse(self) -> Result<NewUser, Invalid> {
        let mut e = Errors::new();
        let username = e.take(username("username", &self.username));
        let display_name = match &self.display_name {
            Some(d) => e.take(validation::text("display_name", d, 1, NAME_MAX)),
            None => username.clone(),
        };
        let email = match self.email.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(v) => e.take(validation::email("email", v)),
        };
        e.take(organization_for_role(self.role, self.organization_id));
        let password = match &self.password {
            Some(p) => e.take(password("password", p)),
            None => None,
        };
        e.finish()?;
        Ok(NewUser {
            username: username.unwrap_or_default(),
            display_name: display_name.unwrap_or_default(),
            email,
            role: self.role,
            organization_id: self.organization_id,
            password,
        })
    }
}

/// Body of `PATCH /api/v1/users/{id}`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    pub role: Option<Role>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub organization_id: Option<Option<i64>>,
    /// Deactivating a user also ends its sessions and disables its tokens.
    pub active: Option<bool>,
    pub password: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserState {
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    pub organization_id: Option<i64>,
    pub active: bool,
    /// A new password to set, if any.
    pub password: Option<String>,
}

impl UserPatch {
    pub fn apply(self, current: &User) -> Result<UserState, Invalid> {
        let mut e = Errors::new();
        let display_name = match &self.display_name {
            Some(d) => e.take(validation::text("display_name", d, 1, NAME_MAX)),
            None => Some(current.display_name.clone()),
        };
        let email = match self.email {
            Some(None) => None,
            Some(Some(v)) if v.trim().is_empty() => None,
            Some(Some(v)) => e.take(validation::email("email", &v)),
            None => current.email.clone(),
        };
        let role = self.role.unwrap_or(current.role);
        let organization_id = match self.organization_id {
            Some(o) => o,
            // Turning a customer into staff drops the organization unless one is given.
            None if role != Role::Customer => None,
            None => current.organization_id,
        };
        e.take(organization_for_role(role, organization_id));
        let password = match &self.password {
            Some(p) => e.take(password("password", p)),
            None => None,
        };
        e.finish()?;
        Ok(UserState {
            display_name: display_name.unwrap_or_default(),
            email,
            role,
            organization_id,
            active: self.active.unwrap_or(current.active),
            password,
        })
    }
}

// ---------------------------------------------------------------- teams

/// Body of `POST /api/v1/teams`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamInput {
    pub name: String,
    pub description: Option<String>,
    pub email: Option<String>,
    /// Initial members: staff users only.
    #[serde(default)]
    pub member_ids: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTeam {
    pub name: String,
    pub description: Option<String>,
    pub email: Option<String>,
    pub member_ids: Vec<i64>,
}

pub const TEAM_MEMBERS_MAX: usize = 1000;

fn member_ids(ids: Vec<i64>) -> Result<Vec<i64>, FieldError> {
    if ids.len() > TEAM_MEMBERS_MAX {
        return Err(FieldError::new(
            "member_ids",
            format!("must list at most {TEAM_MEMBERS_MAX} users"),
        ));
    }
    let mut ids = ids;
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

impl TeamInput {
    pub fn parse(self) -> Result<NewTeam, Invalid> {
        let mut e = Errors::new();
        let name = e.take(validation::text("name", &self.name, 1, NAME_MAX));
        let description = e
            .take(validation::optional_text(
                "description",
                self.description.as_deref(),
                DESCRIPTION_MAX,
            ))
            .flatten();
        let email = match self.email.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(v) => e.take(validation::email("email", v)),
        };
        let members = e.take(member_ids(self.member_ids));
        e.finish()?;
        Ok(NewTeam {
            name: name.unwrap_or_default(),
            description,
            email,
            member_ids: members.unwrap_or_default(),
        })
    }
}

/// Body of `PATCH /api/v1/teams/{id}`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamPatch {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    /// Replaces the member list when present.
    pub member_ids: Option<Vec<i64>>,
}

impl TeamPatch {
    pub fn apply(self, current: &Team) -> Result<NewTeam, Invalid> {
        let mut e = Errors::new();
        let name = match &self.name {
            Some(n) => e.take(validation::text("name", n, 1, NAME_MAX)),
            None => Some(current.name.clone()),
        };
        let description = match self.description {
            Some(d) => e
                .take(validation::optional_text(
                    "description",
                    d.as_deref(),
                    DESCRIPTION_MAX,
                ))
                .flatten(),
            None => current.description.clone(),
        };
        let email = match self.email {
            Some(None) => None,
            Some(Some(v)) if v.trim().is_empty() => None,
            Some(Some(v)) => e.take(validation::email("email", &v)),
            None => current.email.clone(),
        };
        let members = match self.member_ids {
            Some(ids) => e.take(member_ids(ids)),
            None => Some(current.member_ids.clone()),
        };
        e.finish()?;
        Ok(NewTeam {
            name: name.unwrap_or_default(),
            description,
            email,
            member_ids: members.unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user_input(role: Role, org: Option<i64>) -> UserInput {
        UserInput {
            username: " Alice ".into(),
            display_name: None,
            email: Some("alice@example.org".into()),
            role,
            organization_id: org,
            password: Some("correct horse battery".into()),
        }
    }

    #[test]
    fn usernames_are_normalised_and_checked() {
        let u = user_input(Role::Agent, None).parse().unwrap();
        assert_eq!(u.username, "alice");
        assert_eq!(u.display_name, "alice");
        let mut bad = user_input(Role::Agent, None);
        bad.username = "al ice".into();
        assert_eq!(bad.parse().unwrap_err().0[0].field, "username");
    }

    #[test]
    fn customers_need_an_organization_and_staff_must_not_have_one() {
        assert!(user_input(Role::Customer, Some(1)).parse().is_ok());
        assert_eq!(
            user_input(Role::Customer, None).parse().unwrap_err().0[0].field,
            "organization_id"
        );
        assert!(user_input(Role::Agent, Some(1)).parse().is_err());
    }

    #[test]
    fn all_errors_are_reported_together() {
        let input = UserInput {
            username: "".into(),
            display_name: None,
            email: Some("nope".into()),
            role: Role::Customer,
            organization_id: None,
            password: Some("short".into()),
        };
        let fields: Vec<_> = input
            .parse()
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["username", "email", "organization_id", "password"]);
    }

    #[test]
    fn patch_keeps_absent_fields_and_clears_null_ones() {
        let current = User {
            id: 1,
            username: "bob".into(),
            display_name: "Bob".into(),
            email: Some("bob@example.org".into()),
            role: Role::Agent,
            organization_id: None,
            active: true,
            has_password: true,
            created_at: String::new(),
            updated_at: String::new(),
        };
        let patch: UserPatch = serde_json::from_str(r#"{"email": null}"#).unwrap();
        let state = patch.apply(&current).unwrap();
        assert_eq!(state.email, None);
        assert_eq!(state.display_name, "Bob");
        let patch: UserPatch = serde_json::from_str(r#"{"display_name": "Robert"}"#).unwrap();
        assert_eq!(patch.apply(&current).unwrap().email, current.email);
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(
            serde_json::from_str::<OrganizationInput>(r#"{"name":"a","colour":"red"}"#).is_err()
        );
    }
}

/// A person's own settings, as the API reads and writes them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// An IANA time zone; none shows times as the browser's zone.
    pub time_zone: Option<String>,
}

/// A person's own time zone: an IANA name this build knows, or none (blank) for "as my
/// browser says".
pub fn parse_time_zone(value: Option<&str>) -> Result<Option<String>, FieldError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(name) => jiff::tz::TimeZone::get(name)
            .map(|_| Some(name.to_owned()))
            .map_err(|_| {
                FieldError::new(
                    "time_zone",
                    format!("{name:?} is not an IANA time zone (for example Europe/Berlin)"),
                )
            }),
    }
}

#[cfg(test)]
mod time_zone_tests {
    use super::parse_time_zone;

    #[test]
    fn time_zones_are_iana_names_or_nothing() {
        assert_eq!(
            parse_time_zone(Some(" Europe/Berlin ")).unwrap().as_deref(),
            Some("Europe/Berlin")
        );
        assert_eq!(parse_time_zone(Some("")).unwrap(), None);
        assert_eq!(parse_time_zone(None).unwrap(), None);
        assert_eq!(
            parse_time_zone(Some("Mars/Olympus")).unwrap_err().field,
            "time_zone"
        );
    }
}
