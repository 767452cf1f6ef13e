//! The push API, for `monqc push` on the workstations.
//!
//! `Authorization: Bearer TOKEN` on every call. A missing or unknown token
//! is 401; a token whose account may not do the call is 403; a push that
//! fails a check is 422 with the library's checks in the body; a push that
//! does not continue what the server holds is 409. Bodies are JSON:
//! `{"error": "…", "record": "…", "checks": [...]}` on failure.
//!
//! - `GET /api/v1/push/state`: what the server holds of this workstation.
//! - `POST /api/v1/push/amendments-state` `{"records": [ids]}`: amendment
//!   lines held per record.
//! - `POST /api/v1/push` ([`PushRequest`]): store new index lines, records,
//!   amendments; all or nothing.
//! - `GET /api/v1/records/{id}`: a record's exact bytes (people's tokens).

use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::AppState;
use crate::auth;
use crate::db::{Account, Role};
use crate::ingest::{IngestError, PushRequest};

/// The API routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/push/state", get(state))
        .route("/api/v1/push/amendments-state", post(amendments_state))
        .route("/api/v1/push", post(push).layer(DefaultBodyLimit::max(256 * 1024 * 1024)))
        .route("/api/v1/records/{id}", get(record))
}

/// An API error as JSON.
pub struct ApiError(StatusCode, serde_json::Value);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.0, Json(self.1)).into_response();
        if self.0 == StatusCode::UNAUTHORIZED {
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, "Bearer realm=\"monqc\"".parse().expect("ascii"));
        }
        r
    }
}

fn error(status: StatusCode, message: impl Into<String>) -> ApiError {
    ApiError(status, json!({ "error": message.into() }))
}

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::BadRequest(m) => error(StatusCode::BAD_REQUEST, m),
            IngestError::Forbidden(m) => error(StatusCode::FORBIDDEN, m),
            IngestError::Conflict(m) => error(StatusCode::CONFLICT, m),
            IngestError::Refused { message, record, checks } => ApiError(
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({ "error": message, "record": record, "checks": checks }),
            ),
            IngestError::Internal(m) => {
                eprintln!("monqc-server: push: {m}");
                error(StatusCode::INTERNAL_SERVER_ERROR, m)
            }
        }
    }
}

impl From<crate::db::DbError> for ApiError {
    fn from(e: crate::db::DbError) -> Self {
        IngestError::from(e).into()
    }
}

/// The account behind the bearer token.
pub struct TokenAccount(pub Account);

impl FromRequestParts<AppState> for TokenAccount {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                error(
                    StatusCode::UNAUTHORIZED,
                    "no token: send `Authorization: Bearer TOKEN` (monqc push reads it from \
                     MONQC_SERVER_TOKEN or the data directory's server.toml)",
                )
            })?;
        match state.db().account_by_token(&auth::token_hash(token)).await? {
            Some(a) => Ok(Self(a)),
            None => Err(error(
                StatusCode::UNAUTHORIZED,
                "unknown token: ask the server's administrator for a workstation token \
                 (monqc-server token add)",
            )),
        }
    }
}

async fn state(
    State(s): State<AppState>,
    TokenAccount(a): TokenAccount,
) -> Result<Response, ApiError> {
    Ok(Json(s.ingest.state(&a).await?).into_response())
}

#[derive(Deserialize)]
struct Ids {
    records: Vec<String>,
}

async fn amendments_state(
    State(s): State<AppState>,
    TokenAccount(a): TokenAccount,
    Json(ids): Json<Ids>,
) -> Result<Response, ApiError> {
    if ids.records.len() > 100_000 {
        return Err(error(StatusCode::BAD_REQUEST, "ask for at most 100000 records at a time"));
    }
    let counts = s.ingest.amendment_counts(&a, &ids.records).await?;
    Ok(Json(json!({ "counts": counts })).into_response())
}

async fn push(
    State(s): State<AppState>,
    TokenAccount(a): TokenAccount,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    // Parsed here (not by the Json extractor) so a malformed body gets a
    // JSON error that says what is wrong.
    let req: PushRequest = serde_json::from_slice(&body)
        .map_err(|e| error(StatusCode::BAD_REQUEST, format!("the push is not valid JSON: {e}")))?;
    Ok(Json(s.ingest.push(&a, req).await?).into_response())
}

async fn record(
    State(s): State<AppState>,
    TokenAccount(a): TokenAccount,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    if a.role == Role::Workstation {
        return Err(error(StatusCode::FORBIDDEN, "a workstation token may only push"));
    }
    let bytes =
        s.db().record_bytes(&id).await?.ok_or_else(|| {
            error(StatusCode::NOT_FOUND, format!("no record {id} on this server"))
        })?;
    s.db().audit(&a.name, "download-record", &id, "api").await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response())
}
