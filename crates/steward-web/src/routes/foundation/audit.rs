use crate::AppState;
use crate::extract::{ApiQuery, Auth};
use crate::problem::Problem;
use crate::routes::{instant_param, page_request};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use steward_domain::foundation::audit::AuditEntry;
use steward_domain::foundation::page::Page;
use steward_store::foundation::audit::Filter;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/audit", get(list))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Kind of record, e.g. `user`, `organization`, `team`, `session`.
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    pub actor_id: Option<i64>,
    pub action: Option<String>,
    /// RFC 3339 instant, inclusive.
    pub from: Option<String>,
    /// RFC 3339 instant, exclusive.
    pub to: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// The audit trail, newest first (admins and auditors).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Page<AuditEntry>), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Page<AuditEntry>>, Problem> {
    let page = page_request(q.limit, q.offset)?;
    let filter = Filter {
        record_type: q.record_type,
        record_id: q.record_id,
        actor_id: q.actor_id,
        action: q.action,
        from: instant_param("from", q.from)?,
        to: instant_param("to", q.to)?,
    };
    Ok(Json(state.app.list_audit(&auth.actor, filter, page).await?))
}
