//! The web dashboard (server-rendered HTML, no JavaScript) and the push API.
//!
//! People sign in with a password and get a session cookie (Secure,
//! HttpOnly, SameSite=Strict); every form carries the session's CSRF token,
//! checked on POST, and a POST whose Origin names another site is refused.
//! Workstations use a bearer token and may only push.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::FixedOffset;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde::Deserialize;

use crate::auth;
use crate::db::{Account, Db, Role};
use crate::ingest::{Ingest, IngestError};

pub mod api;
pub mod i18n;
mod inspect;
mod manage;
mod pages;
mod svg;

pub use i18n::Lang;

/// How the server runs.
#[derive(Clone, Debug)]
pub struct Config {
    /// Mark cookies Secure (off only for plain-HTTP trials; see the README).
    pub secure_cookies: bool,
    /// Print one line per request on standard error.
    pub access_log: bool,
    /// How long a sign-in lasts.
    pub session_hours: i64,
}

impl Default for Config {
    fn default() -> Self {
        Self { secure_cookies: true, access_log: false, session_hours: 12 }
    }
}

/// What every handler shares.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Ingest and its database.
    pub ingest: Ingest,
    /// Settings.
    pub config: Arc<Config>,
}

impl AppState {
    /// The database.
    pub fn db(&self) -> &Db {
        self.ingest.db()
    }

    /// The site's time offset, for local times and due dates (the
    /// database's, which works out the stored due dates with it).
    pub fn utc_offset(&self) -> FixedOffset {
        self.db().utc_offset()
    }

    /// Today, local to the site.
    pub fn today(&self) -> chrono::NaiveDate {
        chrono::Utc::now().with_timezone(&self.utc_offset()).date_naive()
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let pages = Router::new()
        .route("/", get(|| async { Redirect::to("/overview") }))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/lang/{code}", get(set_lang))
        .route("/static/style.css", get(style))
        .route("/healthz", get(healthz))
        .route("/overview", get(pages::overview))
        .route("/sites/{id}", get(pages::site))
        .route("/sites/{id}/displays", post(manage::display_add))
        .route("/sites/{id}/schedule", get(manage::schedule_page).post(manage::schedule_set))
        .route("/due", get(pages::due))
        .route("/displays/{id}", get(pages::display).post(manage::display_edit))
        .route("/records/{id}", get(pages::record))
        .route("/records/{id}/report.pdf", get(inspect::record_pdf))
        .route("/records/{id}/record.json", get(inspect::record_json))
        .route("/records/{id}/bundle.zip", get(inspect::record_bundle))
        .route("/inspect", get(inspect::inspect_page))
        .route("/inspect/archive.zip", get(inspect::archive))
        .route("/audit", get(manage::audit_page));
    pages
        .merge(api::router())
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// Security headers on every response, same-origin POSTs only, and the
/// access log.
async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    if method == Method::POST && !path.starts_with("/api/") && !same_origin(req.headers()) {
        return WebError::Forbidden("a form from another site was refused".into()).into_response();
    }
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    let set = |h: &mut HeaderMap, k: header::HeaderName, v: &'static str| {
        h.entry(k).or_insert(HeaderValue::from_static(v));
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "same-origin");
    set(h, header::CACHE_CONTROL, "no-store");
    if state.config.access_log {
        eprintln!(
            "{} {method} {path} {} {:.1} ms",
            crate::db::now(),
            response.status().as_u16(),
            started.elapsed().as_secs_f64() * 1e3
        );
    }
    response
}

/// A POST's Origin (when the browser sends one) must be this server.
fn same_origin(h: &HeaderMap) -> bool {
    let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = h
        .get("x-forwarded-host")
        .or_else(|| h.get(header::HOST))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    origin.split_once("://").is_some_and(|(_, rest)| rest == host)
}

/// The value of cookie `name`.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        v.split(';').find_map(|kv| {
            let (k, val) = kv.trim().split_once('=')?;
            (k == name).then(|| val.to_string())
        })
    })
}

fn set_cookie(config: &Config, name: &str, value: &str, max_age_s: i64, same_site: &str) -> String {
    format!(
        "{name}={value}; Path=/; Max-Age={max_age_s}; HttpOnly; SameSite={same_site}{}",
        if config.secure_cookies { "; Secure" } else { "" }
    )
}

/// An error page (or JSON body for the API).
#[derive(Debug)]
pub enum WebError {
    /// 400.
    BadRequest(String),
    /// 403.
    Forbidden(String),
    /// 404.
    NotFound(String),
    /// 500.
    Internal(String),
}

impl From<crate::db::DbError> for WebError {
    fn from(e: crate::db::DbError) -> Self {
        Self::Internal(e.to_string())
    }
}

impl From<IngestError> for WebError {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::BadRequest(m) => Self::NotFound(m),
            IngestError::Forbidden(m) => Self::Forbidden(m),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<crate::adapter::AdapterError> for WebError {
    fn from(e: crate::adapter::AdapterError) -> Self {
        Self::Internal(e.to_string())
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            Self::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
            Self::Forbidden(m) => (StatusCode::FORBIDDEN, m),
            Self::NotFound(m) => (StatusCode::NOT_FOUND, m),
            Self::Internal(m) => {
                eprintln!("monqc-server: error: {m}");
                (StatusCode::INTERNAL_SERVER_ERROR, m)
            }
        };
        let body = html! {
            (DOCTYPE)
            html { head { meta charset="utf-8"; title { "monqc: " (status.as_u16()) } link rel="stylesheet" href="/static/style.css"; }
            body { main { h1 { (status.as_u16()) " " (status.canonical_reason().unwrap_or("")) } p.error { (message) } p { a href="/overview" { "monqc" } } } } }
        };
        (status, body).into_response()
    }
}

/// A signed-in person.
#[derive(Clone, Debug)]
pub struct User {
    /// Their account.
    pub account: Account,
    /// Their session's CSRF token.
    pub csrf: String,
}

impl User {
    /// Refuse unless the user has `role`.
    pub fn require(&self, role: Role) -> Result<(), WebError> {
        if self.account.role == role {
            Ok(())
        } else {
            Err(WebError::Forbidden(format!(
                "this needs a {} account; `{}` is a {} account",
                role.id(),
                self.account.name,
                self.account.role.id()
            )))
        }
    }

    /// Refuse unless `form_csrf` is this session's token.
    pub fn check_csrf(&self, form_csrf: &str) -> Result<(), WebError> {
        if auth::same_secret(&self.csrf, form_csrf) {
            Ok(())
        } else {
            Err(WebError::Forbidden(
                "the form's security token does not match your session; reload the page and \
                 submit again"
                    .into(),
            ))
        }
    }

    /// Whether the user manages displays and schedules.
    pub fn is_physicist(&self) -> bool {
        self.account.role == Role::Physicist
    }
}

/// Sends a person who is not signed in to the sign-in page.
pub struct SignIn(String);

impl IntoResponse for SignIn {
    fn into_response(self) -> Response {
        let next: String = url_encode(&self.0);
        Redirect::to(&format!("/login?next={next}")).into_response()
    }
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl FromRequestParts<AppState> for User {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let path = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
        let Some(token) = cookie(&parts.headers, "monqc_session") else {
            return Err(SignIn(path).into_response());
        };
        match state.db().session(&auth::token_hash(&token)).await {
            Ok(Some((account, csrf))) if account.role != Role::Workstation => {
                Ok(User { account, csrf })
            }
            Ok(_) => Err(SignIn(path).into_response()),
            Err(e) => Err(WebError::from(e).into_response()),
        }
    }
}

/// The page frame.
pub fn layout(lang: Lang, user: Option<&User>, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — monqc" }
                link rel="stylesheet" href="/static/style.css";
            }
            body {
                header.top {
                    a.brand href="/overview" { "monqc" }
                    @if user.is_some() {
                        nav {
                            a href="/overview" { (lang.t("Overview", "概要")) }
                            a href="/due" { (lang.t("Due and overdue", "実施予定・期限超過")) }
                            a href="/inspect" { (lang.t("Inspection", "監査")) }
                            a href="/audit" { (lang.t("Audit log", "操作記録")) }
                        }
                    }
                    span.right {
                        a href={"/lang/ja"} lang="ja" { "日本語" } " | " a href={"/lang/en"} lang="en" { "English" }
                        @if let Some(u) = user {
                            " · " span.who { (u.account.name) " (" (role_name(lang, u.account.role)) ")" }
                            form.inline method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(u.csrf);
                                button type="submit" { (lang.t("Sign out", "ログアウト")) }
                            }
                        }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    }
}

/// A role's name.
pub fn role_name(lang: Lang, role: Role) -> &'static str {
    match role {
        Role::Workstation => lang.t("workstation", "ワークステーション"),
        Role::Physicist => lang.t("physicist", "医学物理士"),
        Role::Inspector => lang.t("inspector", "監査担当"),
    }
}

/// The CSRF field every form carries.
pub fn csrf_field(user: &User) -> Markup {
    html! { input type="hidden" name="csrf" value=(user.csrf); }
}

async fn style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("style.css"),
    )
}

async fn healthz(State(state): State<AppState>) -> Result<&'static str, WebError> {
    state.db().record_count().await?;
    Ok("ok\n")
}

#[derive(Deserialize)]
struct LangBack {
    back: Option<String>,
}

async fn set_lang(
    State(state): State<AppState>,
    axum::extract::Path(code): axum::extract::Path<String>,
    axum::extract::Query(q): axum::extract::Query<LangBack>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::from_code(&code).unwrap_or(Lang::Ja);
    let back = q
        .back
        .or_else(|| {
            headers.get(header::REFERER).and_then(|v| v.to_str().ok()).and_then(|r| {
                r.split_once("://")
                    .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
            })
        })
        .filter(|b| b.starts_with('/') && !b.starts_with("//"))
        .unwrap_or_else(|| "/overview".into());
    let c = set_cookie(&state.config, "monqc_lang", lang.code(), 365 * 86400, "Lax");
    ([(header::SET_COOKIE, c)], Redirect::to(&back)).into_response()
}

#[derive(Deserialize)]
struct LoginQuery {
    next: Option<String>,
}

fn safe_next(next: Option<String>) -> String {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//"))
        .unwrap_or_else(|| "/overview".into())
}

fn login_form(lang: Lang, csrf: &str, next: &str, error: Option<&str>) -> Markup {
    layout(
        lang,
        None,
        lang.t("Sign in", "ログイン"),
        html! {
            @if let Some(e) = error { p.error { (e) } }
            form.login method="post" action="/login" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="next" value=(next);
                label { (lang.t("Name", "ユーザー名")) input type="text" name="name" autocomplete="username" required autofocus; }
                label { (lang.t("Password", "パスワード")) input type="password" name="password" autocomplete="current-password" required; }
                button type="submit" { (lang.t("Sign in", "ログイン")) }
            }
        },
    )
}

async fn login_page(
    State(state): State<AppState>,
    lang: Lang,
    axum::extract::Query(q): axum::extract::Query<LoginQuery>,
) -> Response {
    // Before there is a session, the form's token is also in a cookie
    // (double submit): another site can neither read nor set it.
    let csrf = auth::new_token();
    let c = set_cookie(&state.config, "monqc_login_csrf", &csrf, 3600, "Strict");
    ([(header::SET_COOKIE, c)], login_form(lang, &csrf, &safe_next(q.next), None)).into_response()
}

#[derive(Deserialize)]
struct LoginForm {
    csrf: String,
    name: String,
    password: String,
    next: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, WebError> {
    let cookie_csrf = cookie(&headers, "monqc_login_csrf").unwrap_or_default();
    if cookie_csrf.is_empty() || !auth::same_secret(&cookie_csrf, &f.csrf) {
        return Err(WebError::Forbidden(
            "the sign-in form expired or came from another site; open the sign-in page again"
                .into(),
        ));
    }
    let db = state.db();
    let account = db.account_by_name(&f.name).await?;
    let password = f.password.clone();
    let hash = account
        .as_ref()
        .and_then(|a| a.password_hash.clone())
        .unwrap_or_else(|| auth::dummy_hash().to_string());
    let ok = state
        .ingest
        .blocking(move |_| auth::verify_password(&hash, &password))
        .await
        .map_err(WebError::from)?;
    let account = match account {
        Some(a) if ok && a.role != Role::Workstation && a.password_hash.is_some() => a,
        _ => {
            db.audit(&f.name, "login-failed", "", "wrong name or password").await?;
            let csrf = auth::new_token();
            let c = set_cookie(&state.config, "monqc_login_csrf", &csrf, 3600, "Strict");
            let page = login_form(
                lang,
                &csrf,
                &safe_next(f.next),
                Some(lang.t("Wrong name or password.", "ユーザー名またはパスワードが違います。")),
            );
            return Ok((StatusCode::UNAUTHORIZED, [(header::SET_COOKIE, c)], page).into_response());
        }
    };
    let token = auth::new_token();
    let expires =
        crate::db::stamp(chrono::Utc::now() + chrono::Duration::hours(state.config.session_hours));
    db.session_add(&auth::token_hash(&token), account.id, &auth::new_token(), &expires).await?;
    db.audit(&account.name, "login", "", "").await?;
    let session = set_cookie(
        &state.config,
        "monqc_session",
        &token,
        state.config.session_hours * 3600,
        "Strict",
    );
    let clear = set_cookie(&state.config, "monqc_login_csrf", "", 0, "Strict");
    let mut response = Redirect::to(&safe_next(f.next)).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, HeaderValue::from_str(&session).expect("ascii"));
    response
        .headers_mut()
        .append(header::SET_COOKIE, HeaderValue::from_str(&clear).expect("ascii"));
    Ok(response)
}

#[derive(Deserialize)]
struct CsrfOnly {
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    user: User,
    headers: HeaderMap,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    user.check_csrf(&f.csrf)?;
    if let Some(token) = cookie(&headers, "monqc_session") {
        state.db().session_delete(&auth::token_hash(&token)).await?;
    }
    state.db().audit(&user.account.name, "logout", "", "").await?;
    let clear = set_cookie(&state.config, "monqc_session", "", 0, "Strict");
    Ok(([(header::SET_COOKIE, clear)], Redirect::to("/login")).into_response())
}

/// Format an optional number.
pub fn num(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "—".into(), |x| format!("{x:.digits$}"))
}

/// A stored time as the site's local date and time.
pub fn local_time(offset: FixedOffset, stored: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(stored)
        .map(|t| t.with_timezone(&offset).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|_| stored.to_string())
}

/// A short record id for tables.
pub fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

/// Markup that is already HTML (the trend figures).
pub fn raw(s: String) -> PreEscaped<String> {
    PreEscaped(s)
}
