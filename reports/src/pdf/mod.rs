//! PDF writer: lays a [`Report`] out on A4 portrait pages.
//!
//! One face (IPAexGothic, embedded and subset) serves Japanese and English. Long
//! tables continue on the next page with their header repeated; every page carries a
//! footer with the record id, the content hash and "page N of M". The output is a
//! pure function of the report and [`PdfOptions`]: no clock, no randomness.
//!
//! This module assembles the document; the layout lives in its children:
//! `layout` (page state, drawing primitives, page breaks, footers), `table` (the
//! table engine: widths, wrapped rows, continuation pages), `blocks` (one routine
//! per block kind), `style` (page geometry, type sizes, colours), `font` (the face
//! and its metrics) and `canvas` (the plotters backend that draws figures).

mod blocks;
mod canvas;
mod font;
mod layout;
mod style;
mod table;

use std::collections::BTreeSet;

use printpdf::{DateTime, FontId, Mm, PdfDocument, PdfFont, PdfPage, PdfSaveOptions};

use crate::error::Error;
use crate::model::Report;
use font::ReportFont;
pub use font::font_can_draw;
use layout::Layout;

/// Inputs that would otherwise come from the clock or the build, passed in so the
/// same report always gives the same bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfOptions {
    /// Creation date for the PDF's Info dictionary, in seconds since 1970-01-01 UTC.
    pub created_unix_s: i64,
    /// Producer written to the Info dictionary and the footer, e.g. "monqc 0.1.0".
    pub producer: String,
    /// Document identifier for the PDF trailer's /ID (e.g. the record's content hash).
    pub document_id: String,
}

/// Writes reports as PDF. Parsing the font is the costly part of a report, so make
/// one writer and reuse it.
pub struct PdfWriter {
    font: ReportFont,
}

impl std::fmt::Debug for PdfWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PdfWriter").finish_non_exhaustive()
    }
}

/// Resource name of the report font; fixed, where printpdf would pick a random one.
/// printpdf also takes its first six letters as the subset tag of /BaseFont
/// ("MQCIPA+IPAexGothic"), which ISO 32000-1 §9.6.4 wants as six capitals.
fn font_id() -> FontId {
    FontId("MQCIPA".to_owned())
}

impl PdfWriter {
    /// A writer with the embedded font parsed.
    pub fn new() -> Result<Self, Error> {
        Ok(Self { font: ReportFont::load()? })
    }

    /// The report as PDF bytes.
    ///
    /// Text the embedded face cannot draw never stops a report: each such character
    /// (and each control character) prints as □, and a notice under the title lists
    /// them as U+XXXX, so a reader knows the page differs from the record.
    pub fn write(&self, report: &Report, options: &PdfOptions) -> Result<Vec<u8>, Error> {
        let mut layout = self.lay_out(report, &options.producer, None)?;
        if !layout.replaced.is_empty() {
            // Which characters are replaced is known only once every text is placed;
            // lay out again with the notice (it moves everything below it).
            let replaced = std::mem::take(&mut layout.replaced);
            layout = self.lay_out(report, &options.producer, Some(&replaced))?;
        }

        let created = DateTime::from_unix_timestamp(options.created_unix_s)
            .map_err(|_| Error::InvalidTimestamp(options.created_unix_s))?;
        let mut doc = PdfDocument::new(&report.title);
        let info = &mut doc.metadata.info;
        info.creation_date = created;
        info.modification_date = created;
        info.metadata_date = created;
        info.producer = options.producer.clone();
        info.creator = options.producer.clone();
        info.identifier = options.document_id.clone();
        info.subject = report.identity.record_id.clone();
        doc.resources.fonts.map.insert(font_id(), PdfFont::new(self.font.parsed.clone()));
        doc.pages =
            layout.pages.into_iter().map(|ops| PdfPage::new(Mm(210.0), Mm(297.0), ops)).collect();
        let save = PdfSaveOptions {
            optimize: true,
            subset_fonts: true,
            secure: true,
            image_optimization: None,
        };
        let mut warnings = Vec::new();
        let mut pdf = doc.to_lopdf_document(&save, &mut warnings);
        // printpdf draws a random trailer /ID; ours is the caller's document id.
        let id = lopdf::Object::String(
            options.document_id.as_bytes().to_vec(),
            lopdf::StringFormat::Hexadecimal,
        );
        pdf.trailer.set("ID", lopdf::Object::Array(vec![id.clone(), id]));
        if let Ok(catalog) = pdf.catalog_mut() {
            catalog.set(
                "Lang",
                lopdf::Object::String(
                    report.lang.bcp47().as_bytes().to_vec(),
                    lopdf::StringFormat::Literal,
                ),
            );
        }
        // /Lang and the font subset need PDF 1.4; lopdf writes 1.3 unless told.
        pdf.version = "1.4".to_owned();
        pdf.compress();
        let mut bytes = Vec::new();
        pdf.save_to(&mut bytes)?;
        Ok(bytes)
    }

    /// Every page of `report`, footers included, with a notice under the title
    /// listing `replaced` characters when given.
    fn lay_out<'a>(
        &'a self,
        report: &'a Report,
        producer: &str,
        replaced: Option<&BTreeSet<char>>,
    ) -> Result<Layout<'a>, Error> {
        let mut layout = Layout::new(&self.font, report);
        layout.title_block(report);
        if let Some(replaced) = replaced {
            layout.replaced_characters_notice(replaced);
        }
        for (i, block) in report.blocks.iter().enumerate() {
            layout.block(block, i)?;
        }
        layout.footers(report, producer);
        Ok(layout)
    }
}

#[cfg(test)]
mod tests {
    //! Writer-level tests; `report` and `options` also serve the layout modules' tests.

    use super::*;
    use crate::labels::Lang;
    use crate::model::{Block, Column, RecordIdentity, Table};

    /// An English report holding one table of `rows` rows.
    pub(super) fn report(rows: usize) -> Report {
        Report {
            lang: Lang::En,
            title: "Acceptance test report".into(),
            subtitle: vec![],
            identity: RecordIdentity { record_id: "R-1".into(), content_hash: "ab".repeat(32) },
            blocks: vec![Block::Table(Table {
                title: Some("Readings".into()),
                columns: vec![Column::text("Patch"), Column::number("L (cd/m²)")],
                rows: (0..rows).map(|i| vec![format!("P{i}"), format!("{i}.00")]).collect(),
            })],
        }
    }

    pub(super) fn options() -> PdfOptions {
        PdfOptions { created_unix_s: 0, producer: "test".into(), document_id: "00".into() }
    }

    #[test]
    fn ragged_tables_are_refused() {
        let mut r = report(2);
        if let Block::Table(t) = &mut r.blocks[0] {
            t.rows[1].pop();
        }
        let err = PdfWriter::new().unwrap().write(&r, &options()).unwrap_err();
        assert!(matches!(err, Error::RaggedTable { row: 1, found: 1, expected: 2, .. }), "{err}");
    }

    fn with_figure(spec: crate::FigureSpec) -> Result<Vec<u8>, Error> {
        let mut r = report(1);
        r.blocks.push(Block::Figure(crate::Figure { caption: "c".into(), spec, height_mm: 900.0 }));
        PdfWriter::new().unwrap().write(&r, &options())
    }

    #[test]
    fn bad_figure_data_is_an_error_not_a_panic() {
        use crate::figure::*;
        let empty = LuminanceResponse { measured: vec![], target: vec![] };
        assert!(matches!(with_figure(FigureSpec::LuminanceResponse(empty)), Err(Error::Figure(_))));
        let non_positive = ContrastResponse {
            measured: vec![Point::new(1.0, 0.0), Point::new(2.0, -1.0)],
            expected: vec![],
            tolerance_fraction: 0.15,
            log_y: true,
        };
        let r = with_figure(FigureSpec::ContrastResponse(non_positive));
        assert!(matches!(r, Err(Error::Figure(_))), "{r:?}");
        let outside = UniformityMap {
            rows: 1,
            cols: 1,
            cells: vec![UniformityCell {
                row: 1,
                col: 0,
                value: "1".into(),
                deviation_percent: 0.0,
            }],
            deviation_limit_percent: 30.0,
        };
        assert!(matches!(with_figure(FigureSpec::UniformityMap(outside)), Err(Error::Figure(_))));
        let empty_grid =
            UniformityMap { rows: 0, cols: 3, cells: vec![], deviation_limit_percent: 0.0 };
        assert!(matches!(
            with_figure(FigureSpec::UniformityMap(empty_grid)),
            Err(Error::Figure(_))
        ));
    }

    #[test]
    fn odd_but_drawable_figure_data_still_writes() {
        use crate::figure::*;
        // NaN points, a flat trend, no points at all, and an over-tall figure.
        let nan = ContrastResponse {
            measured: vec![Point::new(f64::NAN, 0.01), Point::new(10.0, f64::NAN)],
            expected: vec![Point::new(1.0, 0.02), Point::new(2.0, 0.02)],
            tolerance_fraction: 0.1,
            log_y: false,
        };
        with_figure(FigureSpec::ContrastResponse(nan)).unwrap();
        let flat = Trend {
            metric: "m".into(),
            points: vec![TrendPoint { label: "a".into(), value: 5.0 }],
            baseline: Some(5.0),
            limits: vec![],
        };
        with_figure(FigureSpec::Trend(flat)).unwrap();
        let none = Trend { metric: "m".into(), points: vec![], baseline: None, limits: vec![] };
        with_figure(FigureSpec::Trend(none)).unwrap();
    }

    /// Every string a page shows, in drawing order.
    pub(super) fn shown_text(ops: &[printpdf::Op]) -> Vec<String> {
        ops.iter()
            .filter_map(|op| match op {
                printpdf::Op::ShowText { items } => match &items[0] {
                    printpdf::TextItem::Text(t) => Some(t.clone()),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }

    /// REDTEAM D8: one character the face lacks used to make the report impossible.
    #[test]
    fn text_the_font_lacks_prints_as_boxes_under_a_notice() {
        let mut r = report(1);
        r.title = "Report \u{1F600}".into();
        r.blocks.push(Block::Paragraph("emoji \u{1F600}, bell \u{7}, room ™".into()));
        let writer = PdfWriter::new().unwrap();
        assert!(writer.write(&r, &options()).unwrap().starts_with(b"%PDF-"));
        let first = writer.lay_out(&r, "test", None).unwrap();
        let replaced: Vec<char> = first.replaced.iter().copied().collect();
        assert_eq!(replaced, ['\u{7}', '™', '\u{1F600}']);
        let second = writer.lay_out(&r, "test", Some(&first.replaced)).unwrap();
        assert_eq!(second.replaced, first.replaced, "the notice adds nothing to replace");
        let page = shown_text(&second.pages[0]);
        assert_eq!(page[0], "Report □");
        assert!(page[1].starts_with("Note: characters the report font cannot print"), "{page:?}");
        assert!(page.join(" ").contains("U+0007, U+2122, U+1F600."), "{page:?}");
        assert!(page.iter().any(|t| t == "emoji □, bell □, room □"), "{page:?}");
        // Without such text there is no notice and no second layout.
        let plain_report = report(1);
        let plain = writer.lay_out(&plain_report, "test", None).unwrap();
        assert!(plain.replaced.is_empty());
        assert!(!shown_text(&plain.pages[0]).concat().contains("Note:"));
    }

    #[test]
    fn the_notice_lists_at_most_32_code_points_and_counts_the_rest() {
        let mut r = report(1);
        r.lang = Lang::Ja;
        r.blocks.push(Block::Paragraph(('\u{1F600}'..='\u{1F627}').collect()));
        let writer = PdfWriter::new().unwrap();
        let first = writer.lay_out(&r, "test", None).unwrap();
        assert_eq!(first.replaced.len(), 40);
        let second = writer.lay_out(&r, "test", Some(&first.replaced)).unwrap();
        let text = shown_text(&second.pages[0]).join(" ");
        assert!(text.contains("□ で示しています"), "{text}");
        assert!(
            text.contains("U+1F600, U+1F601") && text.contains("U+1F61F ほか 8 文字"),
            "{text}"
        );
        assert!(!text.contains("U+1F620"), "{text}");
    }
}

#[cfg(test)]
mod thread_safety {
    /// A server can share one writer (and its parsed font) between threads.
    #[test]
    fn writer_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<super::PdfWriter>();
    }
}
