//! What a physicist manages (displays, a site's intervals) and the audit log.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::{AppState, Lang, User, WebError, csrf_field, layout, local_time};
use crate::adapter::{self, TestKind};
use crate::db::Role;
use crate::schedule::{Basis, SiteIntervals};

fn known_grade(standard: &str, grade: &str) -> Result<(), WebError> {
    let ok = adapter::standards()
        .iter()
        .any(|s| s.id == standard && s.grades.iter().any(|(g, _)| g == grade));
    if ok {
        Ok(())
    } else {
        Err(WebError::BadRequest(format!(
            "grade `{grade}` is not a grade of standard `{standard}`; choose a grade listed for it"
        )))
    }
}

#[derive(Deserialize)]
pub(super) struct DisplayForm {
    csrf: String,
    room: String,
    description: String,
    standard: String,
    grade: String,
    active: Option<String>,
}

/// Save a display's room, description, standard, grade and service state.
pub async fn display_edit(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<DisplayForm>,
) -> Result<Response, WebError> {
    user.check_csrf(&f.csrf)?;
    user.require(Role::Physicist)?;
    known_grade(&f.standard, &f.grade)?;
    let db = state.db();
    let before =
        db.display(id).await?.ok_or_else(|| WebError::NotFound(format!("no display {id}")))?;
    let active = f.active.is_some();
    db.display_update(id, f.room.trim(), f.description.trim(), &f.standard, &f.grade, active)
        .await?;
    db.audit(
        &user.account.name,
        "display-edit",
        &format!("{}/{}", before.site_name, before.display_key),
        &format!(
            "room {:?} → {:?}; standard {} → {}; grade {} → {}; in service {} → {}",
            before.room,
            f.room.trim(),
            before.standard,
            f.standard,
            before.grade,
            f.grade,
            before.active,
            active
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/displays/{id}")).into_response())
}

#[derive(Deserialize)]
pub(super) struct AddForm {
    csrf: String,
    key: String,
    room: String,
    description: String,
    standard: String,
    grade: String,
}

/// Add a display by hand, before its first record arrives.
pub async fn display_add(
    State(state): State<AppState>,
    user: User,
    Path(site): Path<i64>,
    Form(f): Form<AddForm>,
) -> Result<Response, WebError> {
    user.check_csrf(&f.csrf)?;
    user.require(Role::Physicist)?;
    let key = f.key.trim();
    if key.is_empty() {
        return Err(WebError::BadRequest(
            "give the display's id as its workstation knows it".into(),
        ));
    }
    known_grade(&f.standard, &f.grade)?;
    let db = state.db();
    let id = db
        .display_add(site, key, f.room.trim(), f.description.trim(), &f.standard, &f.grade)
        .await
        .map_err(|e| match e {
            crate::db::DbError::Conflict(m) => WebError::BadRequest(m),
            other => other.into(),
        })?;
    db.audit(
        &user.account.name,
        "display-add",
        key,
        &format!("site {site}, room {}", f.room.trim()),
    )
    .await?;
    Ok(Redirect::to(&format!("/displays/{id}")).into_response())
}

/// A site's intervals: each with its source, editable by a physicist.
pub async fn schedule_page(
    State(state): State<AppState>,
    user: User,
    lang: Lang,
    Path(site): Path<i64>,
) -> Result<Markup, WebError> {
    let db = state.db();
    let s = db
        .sites()
        .await?
        .into_iter()
        .find(|s| s.id == site)
        .ok_or_else(|| WebError::NotFound(format!("no site {site}")))?;
    let intervals = SiteIntervals::new(&db.schedule_settings(site).await?);
    let body = html! {
        p { (lang.t(
            "Which tests a display needs comes from its standard's procedure data; an acceptance test is done once. \
             Intervals marked “site setting” are not confirmed from the standard's text: check them and set your own.",
            "必要な試験は各規格の手順データによります。受入試験は導入時に1回です。「施設で設定」の間隔は規格本文で確認できていない既定値です。確認のうえ設定してください。")) }
        table {
            thead { tr {
                th { (lang.t("Standard", "規格")) } th { (lang.t("Test", "試験")) }
                th { (lang.t("Interval (days)", "間隔 (日)")) } th { (lang.t("Due soon (days before)", "予告 (日前)")) }
                th { (lang.t("Basis", "根拠")) } th { (lang.t("Source", "出典")) } th { (lang.t("Changed", "変更")) }
            } }
            tbody {
                @for (standard, test, i) in intervals.all() {
                    tr {
                        td { (standard) } td { (lang.test(test)) }
                        @if user.is_physicist() {
                            td colspan="2" {
                                form.inline method="post" action={"/sites/" (site) "/schedule"} {
                                    (csrf_field(&user))
                                    input type="hidden" name="standard" value=(standard);
                                    input type="hidden" name="test" value=(test.id());
                                    input type="number" name="interval_days" min="1" max="3650" value=(i.days) required;
                                    input type="number" name="due_soon_days" min="0" max="365" value=(i.due_soon_days) required;
                                    button type="submit" { (lang.t("Save", "保存")) }
                                }
                            }
                        } @else {
                            td.num { (i.days) } td.num { (i.due_soon_days) }
                        }
                        td { @match i.default.as_ref().map(|d| d.basis) {
                            Some(Basis::Standard) => { (lang.t("standard's text", "規格本文")) }
                            Some(Basis::SiteSetting) => { span.basis-site-setting { (lang.t("site setting", "施設で設定")) } }
                            None => { (lang.t("site's own", "施設独自")) }
                        } }
                        td { small { (i.default.as_ref().map(|d| d.source.as_str()).unwrap_or("")) } }
                        td { @if let Some((by, at)) = &i.changed { (by) " " (local_time(state.utc_offset(), at)) } @else { span.muted { (lang.t("default", "既定値")) } } }
                    }
                }
            }
        }
    };
    let title = format!("{} — {}", s.name, lang.t("schedule", "点検間隔"));
    Ok(layout(lang, Some(&user), &title, body))
}

#[derive(Deserialize)]
pub(super) struct ScheduleForm {
    csrf: String,
    standard: String,
    test: String,
    interval_days: i64,
    due_soon_days: i64,
}

/// Save a site's interval for a standard's test.
pub async fn schedule_set(
    State(state): State<AppState>,
    user: User,
    Path(site): Path<i64>,
    Form(f): Form<ScheduleForm>,
) -> Result<Response, WebError> {
    user.check_csrf(&f.csrf)?;
    user.require(Role::Physicist)?;
    let test = TestKind::from_id(&f.test)
        .filter(|t| *t != TestKind::Acceptance)
        .ok_or_else(|| WebError::BadRequest(format!("`{}` is not a periodic test", f.test)))?;
    if !adapter::procedure_defines(&f.standard, test) {
        return Err(WebError::BadRequest(format!(
            "standard `{}` has no {} procedure",
            f.standard,
            test.id()
        )));
    }
    if !(1..=3650).contains(&f.interval_days) || !(0..=365).contains(&f.due_soon_days) {
        return Err(WebError::BadRequest(
            "give an interval of 1 to 3650 days and a due-soon window of 0 to 365 days".into(),
        ));
    }
    let db = state.db();
    let before = SiteIntervals::new(&db.schedule_settings(site).await?);
    let old = before.get(&f.standard, test).map(|i| (i.days, i.due_soon_days));
    db.schedule_set(
        site,
        &f.standard,
        test.id(),
        f.interval_days,
        f.due_soon_days,
        &user.account.name,
    )
    .await?;
    db.audit(
        &user.account.name,
        "schedule-edit",
        &format!("site {site}: {} {}", f.standard, test.id()),
        &format!("{old:?} → ({}, {})", f.interval_days, f.due_soon_days),
    )
    .await?;
    Ok(Redirect::to(&format!("/sites/{site}/schedule")).into_response())
}

#[derive(Deserialize)]
pub(super) struct Page {
    before: Option<i64>,
}

/// The audit log, newest first (it is append-only; nothing here changes it).
pub async fn audit_page(
    State(state): State<AppState>,
    user: User,
    lang: Lang,
    Query(p): Query<Page>,
) -> Result<Markup, WebError> {
    let entries = state.db().audit_log(p.before, 200).await?;
    let body = html! {
        p.muted { (lang.t("Every sign-in, push, change and download, as it happened. Entries are never changed or removed.",
                         "ログイン・記録の受信・変更・ダウンロードをすべて記録します。記録は変更・削除されません。")) }
        table {
            thead { tr { th { "#" } th { (lang.t("When", "日時")) } th { (lang.t("Who", "操作者")) } th { (lang.t("Action", "操作")) } th { (lang.t("Subject", "対象")) } th { (lang.t("Detail", "詳細")) } } }
            tbody { @for e in &entries { tr {
                td.num { (e.id) } td { (local_time(state.utc_offset(), &e.at)) } td { (e.actor) } td { (e.action) } td { (e.subject) } td { small { (e.detail) } }
            } } }
        }
        @if let Some(last) = entries.last() {
            @if entries.len() == 200 { p { a href={"/audit?before=" (last.id)} { (lang.t("Older", "さらに古い記録")) } } }
        }
    };
    Ok(layout(lang, Some(&user), lang.t("Audit log", "操作記録"), body))
}
