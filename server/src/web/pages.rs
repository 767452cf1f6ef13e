//! The pages everyone signed in reads: the fleet overview, a site, the due
//! lists, a display, a record.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use maud::{Markup, html};
use serde::Deserialize;

use super::svg::Trend;
use super::{AppState, Lang, User, WebError, csrf_field, layout, local_time, num, raw, short};
use crate::adapter::{TestKind, TrendLimit, Verdict};
use crate::db::{DisplayRow, RecordRow};
use crate::schedule::{self, DisplayStatus, SiteIntervals, Status};

/// Every display of `site` with its status today.
pub(super) async fn fleet(
    state: &AppState,
    site: i64,
) -> Result<Vec<(DisplayRow, DisplayStatus)>, WebError> {
    with_status(state, state.db().displays(Some(site)).await?).await
}

/// `displays`, each with its status today.
async fn with_status(
    state: &AppState,
    displays: Vec<DisplayRow>,
) -> Result<Vec<(DisplayRow, DisplayStatus)>, WebError> {
    let settings = state.db().all_schedule_settings().await?;
    let intervals: BTreeMap<i64, SiteIntervals> =
        settings.iter().map(|(id, s)| (*id, SiteIntervals::new(s))).collect();
    let fallback = SiteIntervals::new(&[]);
    let today = state.today();
    let offset = state.utc_offset();
    let out = displays
        .into_iter()
        .map(|d| {
            let i = intervals.get(&d.site_id).unwrap_or(&fallback);
            let s = schedule::display_status(&d, i, today, offset);
            (d, s)
        })
        .collect();
    Ok(out)
}

fn status_badge(lang: Lang, s: Status) -> Markup {
    html! { span class={"status " (s.id())} { (lang.status(s)) } }
}

fn verdict_class(v: &str) -> String {
    format!("v-{v}")
}

fn last_cell(state: &AppState, lang: Lang, d: &DisplayRow, i: usize) -> Markup {
    match &d.last[i] {
        Some(l) => html! {
            a href={"/records/" (l.record)} class=(verdict_class(&l.overall)) title=(lang.verdict_id(&l.overall)) {
                (local_time(state.utc_offset(), &l.at)[..10]) " " (if l.overall == "pass" { "✓" } else if l.overall == "fail" { "✗" } else { "?" })
            }
        },
        None => html! { span.muted { "—" } },
    }
}

/// The table of displays, grouped by room.
fn displays_by_room(state: &AppState, lang: Lang, rows: &[&(DisplayRow, DisplayStatus)]) -> Markup {
    let mut rooms: BTreeMap<&str, Vec<&(DisplayRow, DisplayStatus)>> = BTreeMap::new();
    for r in rows {
        rooms.entry(r.0.room.as_str()).or_default().push(r);
    }
    html! {
        @for (room, list) in &rooms {
            h3 { (if room.is_empty() { lang.t("(no room)", "(部屋未設定)") } else { room }) }
            table.displays {
                thead { tr {
                    th { (lang.t("Display", "表示装置")) }
                    th { (lang.t("Grade", "グレード")) }
                    th { (lang.t("Standard", "規格")) }
                    th { (lang.test(TestKind::Acceptance)) }
                    th { (lang.test(TestKind::Constancy)) }
                    th { (lang.test(TestKind::Daily)) }
                    th { (lang.t("Next due", "次回予定")) }
                    th { (lang.t("Status", "状態")) }
                } }
                tbody {
                    @for (d, s) in list.iter().map(|r| (&r.0, &r.1)) {
                        tr class=(if d.active { "" } else { "inactive" }) {
                            td { a href={"/displays/" (d.id)} { (d.display_key) } @if !d.description.is_empty() { br; small.muted { (d.description) } } }
                            td { (d.grade.to_uppercase()) }
                            td { (d.standard) }
                            td { (last_cell(state, lang, d, 0)) }
                            td { (last_cell(state, lang, d, 1)) }
                            td { (last_cell(state, lang, d, 2)) }
                            td { @if let Some(n) = s.next_due { (n.to_string()) } @else { "—" } }
                            td { @if d.active { (status_badge(lang, s.status)) } @else { span.muted { (lang.t("out of service", "使用停止")) } } }
                        }
                    }
                }
            }
        }
    }
}

fn counts(rows: &[(DisplayRow, DisplayStatus)]) -> BTreeMap<Status, usize> {
    let mut c = BTreeMap::new();
    for (_, s) in rows.iter().filter(|(d, _)| d.active) {
        *c.entry(s.status).or_insert(0) += 1;
    }
    c
}

/// The fleet overview: every site with its displays' statuses, what needs
/// attention, and (for a single site) its rooms and displays.
pub async fn overview(
    State(state): State<AppState>,
    user: User,
    lang: Lang,
) -> Result<Markup, WebError> {
    let sites = state.db().sites().await?;
    let today = state.today();
    // Counted and picked by the database from each display's stored status
    // dates, without working out every display's status here.
    let mut total: BTreeMap<Status, usize> = BTreeMap::new();
    let mut per_site: BTreeMap<i64, BTreeMap<Status, usize>> = BTreeMap::new();
    for (site, status, n) in state.db().status_counts(today).await? {
        *total.entry(status).or_insert(0) += n as usize;
        *per_site.entry(site).or_default().entry(status).or_insert(0) += n as usize;
    }
    let none = BTreeMap::new();
    let shown = 100;
    let attention_count: usize = [Status::Failed, Status::Overdue, Status::Incomplete]
        .iter()
        .map(|s| total.get(s).copied().unwrap_or(0))
        .sum();
    let attention = state.db().needing_attention(today, shown as i64).await?;
    // One site: its displays are listed here too.
    let rows = if sites.len() == 1 { fleet(&state, sites[0].id).await? } else { Vec::new() };
    let body = html! {
        div.tiles {
            @for s in Status::ALL {
                div.tile { span class={"status " (s.id())} { (lang.status(s)) } b { (total.get(&s).copied().unwrap_or(0)) } }
            }
        }
        h2 { (lang.t("Sites", "施設")) }
        table.sites {
            thead { tr {
                th { (lang.t("Site", "施設")) }
                th { (lang.t("Displays", "表示装置数")) }
                @for s in Status::ALL { th { (lang.status(s)) } }
            } }
            tbody {
                @for site in &sites {
                    @let c = per_site.get(&site.id).unwrap_or(&none);
                    tr {
                        td { a href={"/sites/" (site.id)} { (site.name) } }
                        td.num { (c.values().sum::<usize>()) }
                        @for s in Status::ALL {
                            td.num { @let n = c.get(&s).copied().unwrap_or(0);
                                @if n > 0 { a href={"/sites/" (site.id) "?status=" (s.id())} { (n) } } @else { span.muted { "0" } } }
                        }
                    }
                }
            }
        }
        @if !attention.is_empty() {
            h2 { (lang.t("Needs attention", "要対応")) " (" (attention_count) ")" }
            table {
                thead { tr {
                    th { (lang.t("Status", "状態")) } th { (lang.t("Site", "施設")) } th { (lang.t("Room", "部屋")) }
                    th { (lang.t("Display", "表示装置")) } th { (lang.t("Next due", "次回予定")) }
                } }
                tbody {
                    @for (d, status, next_due) in &attention {
                        tr {
                            td { (status_badge(lang, *status)) }
                            td { (d.site_name) } td { (d.room) }
                            td { a href={"/displays/" (d.id)} { (d.display_key) } }
                            td { @if let Some(n) = next_due { (n.to_string()) } @else { "—" } }
                        }
                    }
                }
            }
            @if attention_count > attention.len() {
                p.muted { (attention_count - attention.len()) " " (lang.t("more: open a site, or the due list.", "件は各施設のページ・実施予定一覧で表示します。")) }
            }
        }
        @if sites.len() == 1 {
            h2 { (sites[0].name) }
            (displays_by_room(&state, lang, &rows.iter().collect::<Vec<_>>()))
        }
        @if sites.is_empty() {
            p { (lang.t("No records yet. Workstations send theirs with `monqc push --server URL`.",
                       "記録はまだありません。各ワークステーションから `monqc push --server URL` で送信します。")) }
        }
    };
    Ok(layout(lang, Some(&user), lang.t("Fleet overview", "表示装置の概要"), body))
}

#[derive(Deserialize)]
pub(super) struct StatusFilter {
    status: Option<String>,
}

/// One site: its rooms and displays, with links to its schedule and lists.
pub async fn site(
    State(state): State<AppState>,
    user: User,
    lang: Lang,
    Path(id): Path<i64>,
    Query(q): Query<StatusFilter>,
) -> Result<Markup, WebError> {
    let site = state
        .db()
        .sites()
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| WebError::NotFound(format!("no site {id}")))?;
    let rows = fleet(&state, id).await?;
    let filter = q.status.as_deref().and_then(|f| Status::ALL.into_iter().find(|s| s.id() == f));
    let shown: Vec<&(DisplayRow, DisplayStatus)> =
        rows.iter().filter(|(d, s)| filter.is_none_or(|f| d.active && s.status == f)).collect();
    let c = counts(&rows);
    let standards = crate::adapter::standards();
    let body = html! {
        p {
            a href={"/sites/" (id) "/schedule"} { (lang.t("Schedule and intervals", "点検間隔の設定")) } " · "
            a href={"/due?site=" (id)} { (lang.t("Due and overdue", "実施予定・期限超過")) } " · "
            a href={"/inspect?site=" (id)} { (lang.t("Records for inspection", "監査用記録")) }
        }
        div.tiles {
            @for s in Status::ALL {
                a.tile href={"/sites/" (id) "?status=" (s.id())} { span class={"status " (s.id())} { (lang.status(s)) } b { (c.get(&s).copied().unwrap_or(0)) } }
            }
        }
        @if let Some(f) = filter { p { (lang.t("Showing", "表示中")) ": " (status_badge(lang, f)) " · " a href={"/sites/" (id)} { (lang.t("show all", "すべて表示")) } } }
        (displays_by_room(&state, lang, &shown))
        @if user.is_physicist() {
            h2 { (lang.t("Add a display", "表示装置の追加")) }
            form.grid method="post" action={"/sites/" (id) "/displays"} {
                (csrf_field(&user))
                label { (lang.t("Display id (as on its workstation)", "表示装置ID (ワークステーションと同じ)")) input name="key" required; }
                label { (lang.t("Room", "部屋")) input name="room"; }
                label { (lang.t("Description", "説明")) input name="description"; }
                label { (lang.t("Standard", "規格")) select name="standard" {
                    @for s in &standards { option value=(s.id) { (s.name) } }
                } }
                label { (lang.t("Grade", "グレード")) select name="grade" {
                    @for s in &standards { @for (g, gname) in &s.grades { option value=(g) { (s.id) ": " (gname) } } }
                } }
                button type="submit" { (lang.t("Add", "追加")) }
            }
        }
    };
    Ok(layout(lang, Some(&user), &site.name, body))
}

#[derive(Deserialize)]
pub(super) struct SiteFilter {
    site: Option<i64>,
}

/// The overdue and due-soon lists: one line per display and test.
pub async fn due(
    State(state): State<AppState>,
    user: User,
    lang: Lang,
    Query(q): Query<SiteFilter>,
) -> Result<Markup, WebError> {
    let today = state.today();
    // Only the displays whose stored dates say a test is due.
    let rows = with_status(&state, state.db().displays_due(q.site, today).await?).await?;
    let mut overdue = Vec::new();
    let mut soon = Vec::new();
    for (d, s) in rows.iter().filter(|(d, _)| d.active) {
        for t in &s.tests {
            match (t.status, t.next_due) {
                (Status::Overdue, Some(n)) => overdue.push((n, d, t)),
                (Status::Due, Some(n)) => soon.push((n, d, t)),
                _ => {}
            }
        }
    }
    overdue.sort_by_key(|(n, d, _)| (*n, d.display_key.clone()));
    soon.sort_by_key(|(n, d, _)| (*n, d.display_key.clone()));
    let table = |list: &Vec<(chrono::NaiveDate, &DisplayRow, &schedule::TestDue)>| {
        html! {
            table {
                thead { tr {
                    th { (lang.t("Due", "予定日")) } th { (lang.t("Days", "日数")) }
                    th { (lang.t("Site", "施設")) } th { (lang.t("Room", "部屋")) } th { (lang.t("Display", "表示装置")) }
                    th { (lang.t("Test", "試験")) } th { (lang.t("Last done", "前回実施")) }
                } }
                tbody {
                    @for (n, d, t) in list {
                        tr {
                            td { (n.to_string()) }
                            td.num { ((*n - today).num_days()) }
                            td { (d.site_name) } td { (d.room) }
                            td { a href={"/displays/" (d.id)} { (d.display_key) } }
                            td { (lang.test(t.test)) }
                            td { @if let Some((when, v)) = &t.last { (when.to_string()) " " span class=(verdict_class(v)) { (lang.verdict_id(v)) } } @else { "—" } }
                        }
                    }
                }
            }
        }
    };
    let body = html! {
        p.muted { (lang.t("Today", "本日")) ": " (today.to_string()) }
        h2 { span.status.overdue { (lang.t("Overdue", "期限超過")) } " (" (overdue.len()) ")" }
        @if overdue.is_empty() { p { "—" } } @else { (table(&overdue)) }
        h2 { span.status.due { (lang.t("Due soon", "実施時期")) } " (" (soon.len()) ")" }
        @if soon.is_empty() { p { "—" } } @else { (table(&soon)) }
    };
    Ok(layout(lang, Some(&user), lang.t("Due and overdue tests", "実施予定・期限超過の試験"), body))
}

fn limit_of(r: &RecordRow, item: &str) -> Option<(String, f64)> {
    serde_json::from_str::<Vec<TrendLimit>>(&r.limits)
        .ok()?
        .into_iter()
        .find(|l| l.item == item)
        .map(|l| (l.comparison, l.value))
}

/// A display: its status per test, trend figures against the baseline and
/// the limits, and its history with each record's PDF.
pub async fn display(
    State(state): State<AppState>,
    user: User,
    lang: Lang,
    Path(id): Path<i64>,
) -> Result<Markup, WebError> {
    let db = state.db();
    let d = db.display(id).await?.ok_or_else(|| WebError::NotFound(format!("no display {id}")))?;
    let settings = db.schedule_settings(d.site_id).await?;
    let intervals = SiteIntervals::new(&settings);
    let status = schedule::display_status(&d, &intervals, state.today(), state.utc_offset());
    let records = db.display_records(id).await?;
    let measured: Vec<&RecordRow> = records.iter().filter(|r| r.test != "daily").collect();
    let baseline = measured.iter().rev().find(|r| r.test == "acceptance");
    let latest = measured.last();
    let unix = |s: &str| chrono::DateTime::parse_from_rfc3339(s).map_or(0, |t| t.timestamp());
    let trend = |title: &'static str, item: &str, value: fn(&RecordRow) -> Option<f64>| {
        Trend {
            title,
            points: measured
                .iter()
                .filter_map(|r| Some((unix(&r.performed_at), value(r)?, r.test == "acceptance")))
                .collect(),
            baseline: baseline.and_then(|b| value(b)),
            limit: latest.and_then(|r| limit_of(r, item)),
            words: (lang.t("baseline", "基準値"), lang.t("limit", "判定基準")),
        }
        .svg()
    };
    let figures = [
        trend("L'max (cd/m²)", "lmax", |r| r.lmax_cd_m2),
        trend("r' = L'max / L'min", "luminance-ratio", |r| r.luminance_ratio),
        trend("Kδ (%)", "kdelta", |r| r.kdelta_percent),
    ];
    let standards = crate::adapter::standards();
    let title = format!("{} — {}", d.display_key, d.site_name);
    let body = html! {
        dl.facts {
            dt { (lang.t("Site", "施設")) } dd { a href={"/sites/" (d.site_id)} { (d.site_name) } }
            dt { (lang.t("Room", "部屋")) } dd { (d.room) }
            dt { (lang.t("Description", "説明")) } dd { (d.description) }
            dt { (lang.t("Standard / grade", "規格・グレード")) } dd { (d.standard) " / " (d.grade.to_uppercase()) }
            dt { (lang.t("Status", "状態")) } dd { @if d.active { (status_badge(lang, status.status)) } @else { (lang.t("out of service", "使用停止")) } }
        }
        h2 { (lang.t("Schedule", "点検予定")) }
        table {
            thead { tr { th { (lang.t("Test", "試験")) } th { (lang.t("Last done", "前回実施")) } th { (lang.t("Interval", "間隔")) } th { (lang.t("Next due", "次回予定")) } th { (lang.t("Status", "状態")) } } }
            tbody {
                @for t in &status.tests {
                    tr {
                        td { (lang.test(t.test)) }
                        td { @if let Some((when, v)) = &t.last { (when.to_string()) " " span class=(verdict_class(v)) { (lang.verdict_id(v)) } } @else { "—" } }
                        td { @if let Some(i) = intervals.get(&d.standard, t.test) {
                                (i.days) " " (lang.t("days", "日"))
                                @if i.default.as_ref().is_some_and(|x| x.basis == schedule::Basis::SiteSetting) && i.changed.is_none() {
                                    " " span.basis-site-setting title=(i.default.as_ref().map(|x| x.source.as_str()).unwrap_or("")) { (lang.t("(default; site setting)", "(既定値・施設で設定)")) }
                                }
                             } @else if t.test == TestKind::Acceptance { (lang.t("once", "導入時")) } @else { "—" } }
                        td { @if let Some(n) = t.next_due { (n.to_string()) } @else { "—" } }
                        td { (status_badge(lang, t.status)) }
                    }
                }
            }
        }
        h2 { (lang.t("Trends", "経時変化")) }
        div.figures { @for f in figures { (raw(f)) } }
        p.muted { (lang.t("Squares: acceptance tests; dashed: baseline (latest acceptance); red: limit of the latest test.",
                         "■: 受入試験、破線: 基準値 (直近の受入試験)、赤線: 直近の試験の判定基準。")) }
        h2 { (lang.t("History", "履歴")) " (" (records.len()) ")" }
        table {
            thead { tr {
                th { (lang.t("Done", "実施日時")) } th { (lang.t("Test", "試験")) } th { (lang.t("Verdict", "判定")) }
                th { "L'max" } th { "r'" } th { "Kδ %" } th { (lang.t("Uniformity %", "均一性 %")) }
                th { (lang.t("Operator", "実施者")) } th { (lang.t("Record", "記録")) } th { "PDF" }
            } }
            tbody {
                @for r in records.iter().rev() {
                    tr {
                        td { (local_time(state.utc_offset(), &r.performed_at)) }
                        td { (lang.test_id(&r.test)) }
                        td class=(verdict_class(&r.overall)) { (lang.verdict_id(&r.overall)) }
                        td.num { (num(r.lmax_cd_m2, 1)) } td.num { (num(r.luminance_ratio, 0)) }
                        td.num { (num(r.kdelta_percent, 2)) } td.num { (num(r.uniformity_percent, 1)) }
                        td { (r.operator) }
                        td { a.hash href={"/records/" (r.id)} { (short(&r.id)) } }
                        td { a href={"/records/" (r.id) "/report.pdf?lang=ja"} { "日本語" } " " a href={"/records/" (r.id) "/report.pdf?lang=en"} { "English" } }
                    }
                }
            }
        }
        @if user.is_physicist() {
            h2 { (lang.t("Manage this display", "表示装置の管理")) }
            form.grid method="post" action={"/displays/" (d.id)} {
                (csrf_field(&user))
                label { (lang.t("Room", "部屋")) input name="room" value=(d.room); }
                label { (lang.t("Description", "説明")) input name="description" value=(d.description); }
                label { (lang.t("Standard", "規格")) select name="standard" {
                    @for s in &standards { option value=(s.id) selected[s.id == d.standard] { (s.name) } }
                } }
                label { (lang.t("Grade", "グレード")) select name="grade" {
                    @for s in &standards { @for (g, gname) in &s.grades { option value=(g) selected[s.id == d.standard && *g == d.grade] { (s.id) ": " (gname) } } }
                } }
                label { (lang.t("In service", "使用中")) input type="checkbox" name="active" value="on" checked[d.active]; }
                button type="submit" { (lang.t("Save", "保存")) }
            }
        }
    };
    Ok(layout(lang, Some(&user), &title, body))
}

/// A record: its verification now, verdict table, raw readings and amendments.
pub async fn record(
    State(state): State<AppState>,
    user: User,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<Markup, WebError> {
    let row = state
        .db()
        .record(&id)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("no record {id} on this server")))?;
    let files = state.ingest.held(&id, &[]).await?;
    let rid = id.clone();
    let (checks, view) = state
        .ingest
        .blocking(move |dir| -> Result<_, crate::adapter::AdapterError> {
            let scratch = files.scratch(dir.as_deref())?;
            Ok((scratch.verify(&rid)?, scratch.view(&rid)?))
        })
        .await??;
    let verified = checks.iter().all(|c| c.ok);
    let title = format!(
        "{} — {} {}",
        lang.test(view.test),
        view.display_id,
        local_time(state.utc_offset(), &row.performed_at)
    );
    let overall_class = verdict_class(view.overall.id());
    let body = html! {
        p { span class=(overall_class) { strong { (lang.t("Overall verdict", "総合判定")) ": " (lang.verdict(view.overall)) } } }
        p {
            a href={"/records/" (id) "/report.pdf?lang=ja"} { "PDF (日本語)" } " · "
            a href={"/records/" (id) "/report.pdf?lang=en"} { "PDF (English)" } " · "
            a href={"/records/" (id) "/record.json"} { (lang.t("record file", "記録ファイル")) } " · "
            a href={"/records/" (id) "/bundle.zip"} { (lang.t("verification bundle", "検証用一式")) }
            " · " a href={"/displays/" (row.display_ref)} { (lang.t("display", "表示装置")) }
        }
        h2 { (lang.t("Verification", "検証")) }
        @if verified {
            p.ok { (lang.t("Verified now: the record is exactly as finalised on its workstation.",
                           "検証済み: 記録はワークステーションで確定した時のままです。")) }
        } @else {
            p.error { (lang.t("NOT VERIFIED: the record or its history was changed.", "検証失敗: 記録または履歴が変更されています。")) }
        }
        table {
            tbody { @for c in &checks { tr { td { (c.what) } td class=(if c.ok { "ok" } else { "error" }) { (if c.ok { "ok" } else { "FAIL" }) } td { (c.detail) } } } }
        }
        p.muted { (lang.t("Record id (SHA-256 of its file)", "記録ID (ファイルのSHA-256)")) ": " code { (id) } }
        h2 { (lang.t("Record", "記録")) }
        dl.facts {
            dt { (lang.t("Display", "表示装置")) } dd { (view.display_id) " — " (view.display) }
            dt { (lang.t("Standard / grade", "規格・グレード")) } dd { (view.standard) " / " (view.grade.to_uppercase()) }
            dt { (lang.t("Test", "試験")) } dd { (lang.test(view.test)) }
            dt { (lang.t("Started", "開始")) } dd { (local_time(state.utc_offset(), &view.started)) }
            dt { (lang.t("Finalised", "確定")) } dd { (local_time(state.utc_offset(), &view.finalised_at)) " " (lang.t("by", "確定者")) " " (view.finalised_by) }
            dt { (lang.t("Operator", "実施者")) } dd { (view.operator) }
            dt { (lang.t("Meter set-up", "測定方法")) } dd { (view.setup) }
            dt { (lang.t("Luminance meter", "輝度計")) } dd { (view.meter) }
            @if let Some(m) = &view.illuminance_meter { dt { (lang.t("Illuminance meter", "照度計")) } dd { (m) } }
            dt { (lang.t("Criteria", "判定基準")) } dd { (view.criteria) }
            @if let Some(b) = &view.baseline { dt { (lang.t("Baseline record", "基準値の記録")) } dd { a.hash href={"/records/" (b)} { (short(b)) } } }
            dt { (lang.t("Software", "ソフトウェア")) } dd { (view.software) }
            dt { (lang.t("Session file", "セッションファイル")) } dd { code { (view.session_file) } }
        }
        @if !view.verdicts.is_empty() {
            h2 { (lang.t("Verdicts", "判定")) }
            table {
                thead { tr { th { (lang.t("Item", "項目")) } th { (lang.t("Value", "測定値")) } th { (lang.t("Limit", "判定基準")) } th { (lang.t("Clause", "根拠")) } th { (lang.t("Basis", "確度")) } th { (lang.t("Verdict", "判定")) } } }
                tbody {
                    @for v in &view.verdicts {
                        tr {
                            td { @let name = lang.item(&v.item); @if name.is_empty() { (v.label) } @else { (name) } }
                            td.num { (v.value.clone().unwrap_or_else(|| "—".into())) }
                            td { (v.limit) }
                            td { (v.clause) }
                            td { (v.basis) }
                            td class=(verdict_class(v.result.id())) { (lang.verdict(v.result)) @if let Some(r) = &v.reason { br; small { (r) } } }
                        }
                    }
                }
            }
        }
        @if !view.visual.is_empty() {
            h2 { (lang.t("Visual evaluation", "目視評価")) }
            table {
                thead { tr { th { (lang.t("Item", "項目")) } th { (lang.t("Pattern", "パターン")) } th { (lang.t("Question", "確認内容")) } th { (lang.t("Verdict", "判定")) } } }
                tbody { @for j in &view.visual { tr {
                    td { (j.item) } td { (j.pattern) } td { (j.question) }
                    td class=(if j.passed { "v-pass" } else { "v-fail" }) { (lang.verdict(if j.passed { Verdict::Pass } else { Verdict::Fail })) @if let Some(n) = &j.note { br; small { (n) } } }
                } } }
            }
        }
        h2 { (lang.t("Raw readings", "測定データ")) " (" (view.readings.len()) ")" }
        table {
            thead { tr { th { "#" } th { (lang.t("Kind", "種類")) } th { (lang.t("What", "対象")) } th { "DDL" } th { (lang.t("Value", "値")) } th { (lang.t("Meter reply", "測定器の応答")) } th { (lang.t("Time", "時刻")) } } }
            tbody { @for (i, r) in view.readings.iter().enumerate() { tr {
                td.num { (i + 1) } td { (r.kind) } td { (r.what) } td.num { @if let Some(d) = r.ddl { (d) } }
                td.num { (r.value) } td { pre.raw { (r.raw) } } td { (local_time(state.utc_offset(), &r.at)) }
            } } }
        }
        h2 { (lang.t("Amendments", "修正履歴")) " (" (view.amendments.len()) ")" }
        @if view.amendments.is_empty() { p.muted { (lang.t("None. The record has not been amended.", "なし。記録は修正されていません。")) } }
        @else {
            table {
                thead { tr { th { (lang.t("When", "日時")) } th { (lang.t("Who", "修正者")) } th { (lang.t("Field", "項目")) } th { (lang.t("New value", "修正値")) } th { (lang.t("Why", "理由")) } } }
                tbody { @for a in &view.amendments { tr { td { (local_time(state.utc_offset(), &a.at)) } td { (a.who) } td { (a.field) } td { (a.value) } td { (a.why) } } } }
            }
        }
    };
    Ok(layout(lang, Some(&user), &title, body))
}
