//! What an inspector reads and takes away: a record's PDF (made on request
//! by the reports crate through the library's report mapping), its exact
//! file, a bundle that `monqc verify` checks on any machine, and every
//! record of a site in a date range as one archive of PDFs with a CSV index.

use std::collections::BTreeMap;
use std::io::Write;

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use zip::write::SimpleFileOptions;

use super::{AppState, Lang, User, WebError, layout, local_time, num, short};
use crate::db::RecordRow;
use crate::ingest::HeldFiles;

#[derive(Deserialize)]
pub(super) struct PdfQuery {
    lang: Option<String>,
}

fn attachment(name: &str) -> String {
    format!("attachment; filename=\"{name}\"")
}

fn valid_id(id: &str) -> Result<(), WebError> {
    if id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(WebError::NotFound(format!("`{id}` is not a record id")))
    }
}

/// A record's PDF report in Japanese or English.
pub async fn record_pdf(
    State(state): State<AppState>,
    user: User,
    lang: Lang,
    Path(id): Path<String>,
    Query(q): Query<PdfQuery>,
) -> Result<Response, WebError> {
    valid_id(&id)?;
    let code = q.lang.as_deref().and_then(Lang::from_code).unwrap_or(lang).code();
    let files = state.ingest.held(&id, &[]).await?;
    let rid = id.clone();
    let pdf = state
        .ingest
        .blocking(move |dir| -> Result<Vec<u8>, crate::adapter::AdapterError> {
            let facility = (files.facility.0.clone(), files.facility.1.clone());
            files.scratch(dir.as_deref())?.report_pdf(&rid, code, (&facility.0, &facility.1))
        })
        .await??;
    state
        .db()
        .audit(&user.account.name, "download-pdf", &id, &format!("{code}, {} bytes", pdf.len()))
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"monqc-{}-{code}.pdf\"", short(&id)),
            ),
        ],
        pdf,
    )
        .into_response())
}

/// The record file, byte for byte as the workstation finalised it.
pub async fn record_json(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    valid_id(&id)?;
    let bytes = state
        .db()
        .record_bytes(&id)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("no record {id} on this server")))?;
    state.db().audit(&user.account.name, "download-record", &id, "").await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (header::CONTENT_DISPOSITION, attachment(&format!("{id}.json"))),
        ],
        bytes,
    )
        .into_response())
}

fn zip_options() -> SimpleFileOptions {
    // PDFs are compressed already; stored entries keep the archive simple
    // and readable by any unzip.
    SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored)
}

fn zip_err(e: impl std::fmt::Display) -> WebError {
    WebError::Internal(format!("archive: {e}"))
}

/// A data directory holding what `monqc verify` needs for one record.
fn bundle(dir: &str, id: &str, files: &HeldFiles) -> Result<Vec<u8>, WebError> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let put = |z: &mut zip::ZipWriter<_>, name: String, bytes: &[u8]| -> Result<(), WebError> {
        z.start_file(name, zip_options()).map_err(zip_err)?;
        z.write_all(bytes).map_err(zip_err)
    };
    let readme = format!(
        "A monqc data directory holding record {id} as its workstation finalised it, with what \
         `monqc verify` needs: the record, its baseline, the workstation's record index and \
         the record's amendments.\n\nCheck it on any machine with monqc installed:\n\n    \
         unzip {dir}.zip\n    MONQC_DATA_DIR={dir} monqc verify {id}\n"
    );
    put(&mut z, format!("{dir}/README.txt"), readme.as_bytes())?;
    for (rid, bytes) in &files.records {
        put(&mut z, format!("{dir}/records/{rid}.json"), bytes)?;
    }
    if !files.index.is_empty() {
        put(
            &mut z,
            format!("{dir}/records/index.jsonl"),
            (files.index.join("\n") + "\n").as_bytes(),
        )?;
    }
    for (rid, lines) in &files.amendments {
        put(
            &mut z,
            format!("{dir}/records/{rid}.amendments.jsonl"),
            (lines.join("\n") + "\n").as_bytes(),
        )?;
    }
    Ok(z.finish().map_err(zip_err)?.into_inner())
}

/// The verification bundle of one record.
pub async fn record_bundle(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    valid_id(&id)?;
    let files = state.ingest.held(&id, &[]).await?;
    let dir = format!("monqc-record-{}", short(&id));
    let zip = bundle(&dir, &id, &files)?;
    state.db().audit(&user.account.name, "download-bundle", &id, "").await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (header::CONTENT_DISPOSITION, attachment(&format!("{dir}.zip"))),
        ],
        zip,
    )
        .into_response())
}

#[derive(Deserialize)]
pub(super) struct RangeQuery {
    site: Option<i64>,
    from: Option<String>,
    to: Option<String>,
    lang: Option<String>,
}

/// Most records one archive holds (each PDF is made on request).
pub const MAX_ARCHIVE_RECORDS: usize = 2000;

struct Range {
    site: i64,
    site_name: String,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
}

async fn range(state: &AppState, q: &RangeQuery) -> Result<Option<Range>, WebError> {
    let Some(site) = q.site else { return Ok(None) };
    let site_name = state
        .db()
        .sites()
        .await?
        .into_iter()
        .find(|s| s.id == site)
        .ok_or_else(|| WebError::NotFound(format!("no site {site}")))?
        .name;
    let today = state.today();
    let date = |s: &Option<String>, default| -> Result<chrono::NaiveDate, WebError> {
        match s.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => s
                .parse()
                .map_err(|_| WebError::BadRequest(format!("`{s}` is not a date (YYYY-MM-DD)"))),
            None => Ok(default),
        }
    };
    let from = date(&q.from, today - chrono::Days::new(365))?;
    let to = date(&q.to, today)?;
    if to < from {
        return Err(WebError::BadRequest("the end date is before the start date".into()));
    }
    Ok(Some(Range { site, site_name, from, to }))
}

async fn records_in(state: &AppState, r: &Range) -> Result<Vec<RecordRow>, WebError> {
    // Local midnight to local midnight, in the stored UTC form.
    let bound = |d: chrono::NaiveDate| {
        let local = d.and_hms_opt(0, 0, 0).expect("midnight exists");
        let utc =
            local - chrono::Duration::seconds(i64::from(state.utc_offset().local_minus_utc()));
        crate::db::stamp(utc.and_utc())
    };
    Ok(state
        .db()
        .records_between(r.site, &bound(r.from), &bound(r.to + chrono::Days::new(1)))
        .await?)
}

/// The inspector's view: pick a site and dates, see every record, take the archive.
pub async fn inspect_page(
    State(state): State<AppState>,
    user: User,
    lang: Lang,
    Query(q): Query<RangeQuery>,
) -> Result<Markup, WebError> {
    let sites = state.db().sites().await?;
    let r = range(&state, &q).await?;
    let records = match &r {
        Some(r) => records_in(&state, r).await?,
        None => Vec::new(),
    };
    let today = state.today();
    let body = html! {
        form.grid method="get" action="/inspect" {
            label { (lang.t("Site", "施設")) select name="site" {
                @for s in &sites { option value=(s.id) selected[r.as_ref().is_some_and(|r| r.site == s.id)] { (s.name) } }
            } }
            label { (lang.t("From", "開始日")) input type="date" name="from" value=(r.as_ref().map_or(today - chrono::Days::new(365), |r| r.from).to_string()); }
            label { (lang.t("To", "終了日")) input type="date" name="to" value=(r.as_ref().map_or(today, |r| r.to).to_string()); }
            button type="submit" { (lang.t("Show records", "記録を表示")) }
        }
        @if let Some(r) = &r {
            h2 { (r.site_name) ": " (r.from.to_string()) " – " (r.to.to_string()) " (" (records.len()) ")" }
            @let base = format!("/inspect/archive.zip?site={}&from={}&to={}", r.site, r.from, r.to);
            @if records.len() > MAX_ARCHIVE_RECORDS {
                p.error { (lang.t("Too many records for one archive; choose a shorter range.", "1つのアーカイブには多すぎます。期間を短くしてください。")) }
            } @else if !records.is_empty() {
                p { (lang.t("Download every record as PDFs with a CSV index and the record files", "全記録をPDF・CSV索引・記録ファイルとしてダウンロード")) ": "
                    a href={(base) "&lang=ja"} { "ZIP (日本語)" } " · " a href={(base) "&lang=en"} { "ZIP (English)" } }
            }
            table {
                thead { tr {
                    th { (lang.t("Done", "実施日時")) } th { (lang.t("Room", "部屋")) } th { (lang.t("Display", "表示装置")) }
                    th { (lang.t("Test", "試験")) } th { (lang.t("Verdict", "判定")) } th { "L'max" } th { "r'" } th { "Kδ %" }
                    th { (lang.t("Operator", "実施者")) } th { (lang.t("Record", "記録")) } th { "PDF" }
                } }
                tbody { @for rec in &records { tr {
                    td { (local_time(state.utc_offset(), &rec.performed_at)) } td { (rec.room) }
                    td { a href={"/displays/" (rec.display_ref)} { (rec.display_key) } }
                    td { (lang.test_id(&rec.test)) } td class={"v-" (rec.overall)} { (lang.verdict_id(&rec.overall)) }
                    td.num { (num(rec.lmax_cd_m2, 1)) } td.num { (num(rec.luminance_ratio, 0)) } td.num { (num(rec.kdelta_percent, 2)) }
                    td { (rec.operator) }
                    td { a.hash href={"/records/" (rec.id)} { (short(&rec.id)) } }
                    td { a href={"/records/" (rec.id) "/report.pdf?lang=ja"} { "日本語" } " " a href={"/records/" (rec.id) "/report.pdf?lang=en"} { "English" } }
                } } }
            }
        }
    };
    Ok(layout(lang, Some(&user), lang.t("Records for inspection", "監査用記録"), body))
}

/// Every record of a site in a date range: one PDF each (in the asked
/// language), the record files, and `index.csv` listing them.
pub async fn archive(
    State(state): State<AppState>,
    user: User,
    lang: Lang,
    Query(q): Query<RangeQuery>,
) -> Result<Response, WebError> {
    let r = range(&state, &q).await?.ok_or_else(|| WebError::BadRequest("choose a site".into()))?;
    let code = q.lang.as_deref().and_then(Lang::from_code).unwrap_or(lang).code();
    let records = records_in(&state, &r).await?;
    if records.len() > MAX_ARCHIVE_RECORDS {
        return Err(WebError::BadRequest(format!(
            "{} records; one archive holds at most {MAX_ARCHIVE_RECORDS}: choose a shorter range",
            records.len()
        )));
    }
    // One scratch data directory per pushing workstation: its index, its
    // records in the range, their baselines and amendments.
    let mut by_lister: BTreeMap<Option<i64>, Vec<&RecordRow>> = BTreeMap::new();
    for rec in &records {
        by_lister.entry(state.db().record_lister(&rec.id).await?).or_default().push(rec);
    }
    let mut pdfs: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for list in by_lister.values() {
        let ids: Vec<String> = list.iter().map(|r| r.id.clone()).collect();
        let files = state.ingest.held(&ids[0], &ids[1..]).await?;
        let made = state
            .ingest
            .blocking(move |dir| -> Result<Vec<(String, Vec<u8>)>, crate::adapter::AdapterError> {
                let scratch = files.scratch(dir.as_deref())?;
                let f = &files.facility;
                ids.iter()
                    .map(|id| Ok((id.clone(), scratch.report_pdf(id, code, (&f.0, &f.1))?)))
                    .collect()
            })
            .await??;
        pdfs.extend(made);
    }
    let dir = format!("monqc-{}-{}-{}", slug(&r.site_name), r.from, r.to);
    let mut csv = csv::Writer::from_writer(Vec::new());
    let head = [
        "performed_at",
        "site",
        "room",
        "display",
        "test",
        "standard",
        "grade",
        "verdict",
        "lmax_cd_m2",
        "luminance_ratio",
        "kdelta_percent",
        "uniformity_percent",
        "operator",
        "finalised_at",
        "record_sha256",
        "pdf",
        "record_file",
    ];
    csv.write_record(head).map_err(zip_err)?;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for rec in &records {
        let date = local_time(state.utc_offset(), &rec.performed_at).replace([' ', ':'], "");
        let pdf_name =
            format!("pdf/{date}_{}_{}_{}.pdf", slug(&rec.display_key), rec.test, short(&rec.id));
        let record_name = format!("records/{}.json", rec.id);
        let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        csv.write_record([
            rec.performed_at.clone(),
            rec.site_name.clone(),
            rec.room.clone(),
            rec.display_key.clone(),
            rec.test.clone(),
            rec.standard.clone(),
            rec.grade.clone(),
            rec.overall.clone(),
            opt(rec.lmax_cd_m2),
            opt(rec.luminance_ratio),
            opt(rec.kdelta_percent),
            opt(rec.uniformity_percent),
            rec.operator.clone(),
            rec.finalised_at.clone(),
            rec.id.clone(),
            pdf_name.clone(),
            record_name.clone(),
        ])
        .map_err(zip_err)?;
        z.start_file(format!("{dir}/{pdf_name}"), zip_options()).map_err(zip_err)?;
        z.write_all(pdfs.get(&rec.id).map(Vec::as_slice).unwrap_or_default()).map_err(zip_err)?;
        let bytes = state.db().record_bytes(&rec.id).await?.unwrap_or_default();
        z.start_file(format!("{dir}/{record_name}"), zip_options()).map_err(zip_err)?;
        z.write_all(&bytes).map_err(zip_err)?;
    }
    let index = csv.into_inner().map_err(zip_err)?;
    z.start_file(format!("{dir}/index.csv"), zip_options()).map_err(zip_err)?;
    z.write_all(&index).map_err(zip_err)?;
    let bytes = z.finish().map_err(zip_err)?.into_inner();
    state
        .db()
        .audit(
            &user.account.name,
            "download-archive",
            &format!("{} {}..{}", r.site_name, r.from, r.to),
            &format!("{} record(s), PDFs in {code}, {} bytes", records.len(), bytes.len()),
        )
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (header::CONTENT_DISPOSITION, attachment(&format!("{dir}.zip"))),
        ],
        bytes,
    )
        .into_response())
}

fn slug(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
        .collect();
    if out.trim_matches('-').is_empty() { "site".into() } else { out }
}
