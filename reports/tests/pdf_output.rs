//! Real PDFs read back with poppler (`pdftotext`, `pdftoppm`, `pdffonts`, `pdfinfo`
//! from Debian's poppler-utils, listed in `.ci/apt/reports.txt`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::sample;
use monqc_reports::{
    Block, FigureSpec, KeyValue, KeyValueTable, Label, Lang, Notes, PdfWriter, Report, Verdict,
    VerdictRow,
};
use sha2::{Digest, Sha256};

/// SHA-256 of `sample::acceptance(Lang::Ja)` written with `sample::options()`.
///
/// It changes when the layout, the sample, the font or printpdf/lopdf change. After
/// checking the new output by eye (`cargo run -p monqc-reports --example report_bench
/// -- DIR`), paste the hash the failing assertion prints.
const GOLDEN_ACCEPTANCE_JA_SHA256: &str =
    "afe05419d96e2998a6d3a6cda0b78f7f6eb4acb7ac58e903a194ee32ba259e00";

struct Written {
    _dir: tempfile::TempDir,
    path: PathBuf,
    bytes: Vec<u8>,
}

fn write(report: &Report) -> Written {
    let writer = PdfWriter::new().expect("font parses");
    let bytes = writer.write(report, &sample::options()).expect("report writes");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, &bytes).unwrap();
    Written { _dir: dir, path, bytes }
}

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} did not run ({e}); install poppler-utils"));
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("poppler prints UTF-8")
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Page text in layout mode, so the cells of a table row stay on one line.
fn pdftotext(path: &Path, page: Option<usize>) -> String {
    let mut args = vec!["-enc", "UTF-8", "-layout"];
    let page_s = page.map(|p| p.to_string());
    if let Some(p) = &page_s {
        args.extend(["-f", p, "-l", p]);
    }
    args.extend([path_str(path), "-"]);
    run("pdftotext", &args)
}

/// Whitespace removed (cells wrap and pad), and the two substitutions the writer
/// makes for glyphs the font lacks mapped back (≧ → ≥, ≦ → ≤).
fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '≧' => '≥',
            '≦' => '≤',
            other => other,
        })
        .collect()
}

fn page_count(path: &Path) -> usize {
    let info = run("pdfinfo", &[path_str(path)]);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo reports pages")
}

/// Every row's cells appear, in order, within the text.
fn assert_rows_in_order(text: &str, rows: &[VerdictRow], lang: Lang) {
    for row in rows {
        let verdict = match &row.verdict {
            Verdict::Pass => lang.label(Label::Pass).to_owned(),
            Verdict::Fail => lang.label(Label::Fail).to_owned(),
            Verdict::NotEvaluated { reason } => {
                format!("{}{}", lang.label(Label::NotEvaluated), reason)
            }
            Verdict::Incomplete { reason } => {
                format!("{}{}", lang.label(Label::Incomplete), reason)
            }
            Verdict::NearLimit { passed } => format!(
                "{}{}",
                lang.label(if *passed { Label::Pass } else { Label::Fail }),
                lang.label(Label::WithinUncertainty)
            ),
        };
        let mut from = 0;
        for cell in [&row.item, &row.measured, &row.limit, &row.clause, &verdict] {
            let cell = normalise(cell);
            let at = text[from..].find(&cell).unwrap_or_else(|| {
                panic!("{cell:?} of row {:?} missing after offset {from}", row.item)
            });
            from += at + cell.len();
        }
    }
}

fn check_footers(path: &Path, record_id: &str, hash: &str, lang: Lang) {
    let pages = page_count(path);
    for page in 1..=pages {
        let text = normalise(&pdftotext(path, Some(page)));
        assert!(text.contains(record_id), "page {page} footer lacks the record id");
        assert!(text.contains(hash), "page {page} footer lacks the content hash");
        let counter = normalise(&lang.page_of(page, pages));
        assert!(text.contains(&counter), "page {page} lacks {counter:?}");
    }
}

#[test]
fn japanese_acceptance_report_reads_back() {
    let report = sample::acceptance(Lang::Ja);
    let pdf = write(&report);
    let text = normalise(&pdftotext(&pdf.path, None));
    for heading in [
        "受入試験報告書",
        "識別情報",
        "総合判定",
        "試験結果",
        "試験項目",
        "測定値",
        "判定基準",
        "条項",
        "判定",
        "備考",
        "署名",
        "付録:測定値一覧",
        "JNDインデックス",
        "JNDあたりのコントラスト",
        "輝度(cd/m²)",
        "みなと総合病院放射線科",
        "山田花子",
    ] {
        assert!(text.contains(&normalise(heading)), "{heading:?} missing");
    }
    assert_rows_in_order(&text, &sample::acceptance_rows(Lang::Ja), Lang::Ja);
    // Five passes in the table; "不合格" (fail) in the table and in the banner.
    assert_eq!(text.matches("不合格").count(), 2);
    assert_eq!(text.matches("合格").count() - 2, 5);
    assert_eq!(text.matches("評価せず").count(), 1);
    for row in sample::raw_readings(Lang::Ja).rows {
        assert!(text.contains(&row[3]), "reading {} missing", row[3]);
    }
    let id = sample::identity();
    check_footers(&pdf.path, &id.record_id, &id.content_hash, Lang::Ja);
    assert_eq!(page_count(&pdf.path), 4, "the raw readings appendix runs over two pages");
}

#[test]
fn english_acceptance_report_reads_back() {
    let report = sample::acceptance(Lang::En);
    let pdf = write(&report);
    let text = normalise(&pdftotext(&pdf.path, None));
    for heading in [
        "Acceptancetestreport",
        "Identification",
        "Overallverdict",
        "Results",
        "Appendix:rawreadings",
        "JNDindex",
        "Contrastper JND",
        "Luminance(cd/m²)",
        "DDL(digitaldrivinglevel)",
        "Meterreadings(centre)(continued)",
    ] {
        assert!(text.contains(&normalise(heading)), "{heading:?} missing");
    }
    assert_rows_in_order(&text, &sample::acceptance_rows(Lang::En), Lang::En);
    assert_eq!(text.matches("Pass").count(), 5);
    assert_eq!(text.matches("Fail").count(), 2);
    let id = sample::identity();
    check_footers(&pdf.path, &id.record_id, &id.content_hash, Lang::En);
}

#[test]
fn every_raw_reading_is_printed() {
    let table = sample::raw_readings(Lang::En);
    let report = sample::acceptance(Lang::En);
    let pdf = write(&report);
    let text = normalise(&pdftotext(&pdf.path, None));
    for row in &table.rows {
        // Luminance and the row's time stamp, e.g. "111.484" and "09:41:28".
        assert!(text.contains(&row[3]), "reading {} missing", row[3]);
        assert!(text.contains(&row[6]), "time {} missing", row[6]);
    }
}

#[test]
fn constancy_reports_read_back_in_both_languages() {
    for (lang, title, axis) in
        [(Lang::Ja, "不変性試験報告書", "試験日"), (Lang::En, "Constancy test report", "Test date")]
    {
        let report = sample::constancy(lang);
        let pdf = write(&report);
        let text = normalise(&pdftotext(&pdf.path, None));
        assert!(text.contains(&normalise(title)), "{title}");
        assert!(text.contains(&normalise(axis)), "{axis}");
        // Trend axis labels (dates) and metric titles.
        for needle in ["05-26", "11-26", "L'max(cd/m²)", "κδ(%)"] {
            assert!(text.contains(needle), "{needle:?} missing in {lang:?}");
        }
        assert_rows_in_order(&text, &sample::constancy_rows(lang), lang);
        check_footers(&pdf.path, "2026-11-26-RX250-0007", &sample::identity().content_hash, lang);
    }
}

/// Renders every page at 30 dpi in grey and checks each one has ink on it.
#[test]
fn every_page_renders_and_is_not_blank() {
    for report in [sample::acceptance(Lang::Ja), sample::constancy(Lang::En)] {
        let pdf = write(&report);
        let pages = page_count(&pdf.path);
        let prefix = pdf.path.with_extension("");
        run("pdftoppm", &["-r", "30", "-gray", path_str(&pdf.path), path_str(&prefix)]);
        let mut images: Vec<PathBuf> = std::fs::read_dir(pdf.path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "pgm"))
            .collect();
        images.sort();
        assert_eq!(images.len(), pages, "one image per page");
        for image in &images {
            let (w, h, pixels) = read_pgm(&std::fs::read(image).unwrap());
            // A4 at 30 dpi.
            assert!((248..=249).contains(&w) && h == 351, "{}: {w}×{h}", image.display());
            let inked = pixels.iter().filter(|&&v| v < 200).count();
            let share = inked as f64 / pixels.len() as f64;
            assert!(share > 0.005, "{} is blank ({share:.4} inked)", image.display());
            // The footer band (last 50 pt) has text on every page.
            let footer_rows = &pixels[(h - 22) * w..(h - 8) * w];
            assert!(footer_rows.iter().any(|&v| v < 160), "{} has no footer", image.display());
        }
    }
}

/// Binary PGM (P5, 8-bit) as pdftoppm writes it.
fn read_pgm(data: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while data[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !data[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(std::str::from_utf8(&data[start..i]).unwrap().to_owned());
    }
    assert_eq!(fields[0], "P5");
    assert_eq!(fields[3], "255");
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let pixels = data[i + 1..].to_vec();
    assert_eq!(pixels.len(), w * h);
    (w, h, pixels)
}

#[test]
fn font_is_embedded_as_a_subset_and_files_stay_small() {
    let pdf = write(&sample::acceptance(Lang::Ja));
    let fonts = run("pdffonts", &[path_str(&pdf.path)]);
    let line = fonts.lines().find(|l| l.contains("IPAexGothic")).expect("IPAexGothic listed");
    assert!(line.starts_with("MQCIPA+IPAexGothic"), "{line}");
    assert!(line.contains("yes yes yes"), "embedded, subset, with a ToUnicode map: {line}");
    assert_eq!(fonts.lines().count(), 3, "one font only:\n{fonts}");
    assert!(pdf.bytes.len() < 300 * 1024, "{} bytes", pdf.bytes.len());
}

#[test]
fn same_report_gives_same_bytes_and_the_clock_is_an_input() {
    let report = sample::acceptance(Lang::Ja);
    let a = PdfWriter::new().unwrap().write(&report, &sample::options()).unwrap();
    let b = PdfWriter::new().unwrap().write(&report, &sample::options()).unwrap();
    assert!(a == b, "two writers gave different bytes");
    let mut later = sample::options();
    later.created_unix_s += 1;
    let c = PdfWriter::new().unwrap().write(&report, &later).unwrap();
    assert!(a != c, "the creation date must reach the file");
    let pdf = String::from_utf8_lossy(&a);
    assert!(pdf.contains("D:20261126071000"), "creation date written as given");
}

#[test]
fn golden_hash_of_the_japanese_acceptance_report() {
    let bytes =
        PdfWriter::new().unwrap().write(&sample::acceptance(Lang::Ja), &sample::options()).unwrap();
    let hash: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hash, GOLDEN_ACCEPTANCE_JA_SHA256,
        "the PDF bytes changed; if intended, check the pages by eye and update the constant"
    );
}

/// Sample reports with the characters REDTEAM D8 found (™, 𠮷, Hangul, an emoji, a
/// zero-width space, BEL) typed into the title, a key/value table, a table cell, a
/// figure caption, a figure's own text (the trend's metric name), a note and a
/// signature: the report prints, each such character shows as □, and a notice under
/// the title lists them as U+XXXX.
#[test]
fn unprintable_characters_print_as_boxes_with_a_notice() {
    for (lang, notice) in [
        (Lang::En, "Note:charactersthereportfontcannotprintareshownas□"),
        (Lang::Ja, "注意:報告書のフォントで印字できない文字を□で示しています"),
    ] {
        let mut report = sample::constancy(lang);
        report.title.push_str(" ™");
        report.blocks.insert(
            0,
            Block::KeyValues(KeyValueTable {
                title: None,
                rows: vec![
                    KeyValue::new("Location", "Room ™ 3"),
                    KeyValue::new("Operator", "𠮷田 한국 🙂"),
                ],
            }),
        );
        report.blocks.push(Block::Notes(Notes {
            title: None,
            items: vec!["copied\u{200B}text and a bell\u{7} here".into()],
        }));
        for block in &mut report.blocks {
            match block {
                Block::Figure(figure) => {
                    figure.caption.push_str(" 🙂");
                    if let FigureSpec::Trend(trend) = &mut figure.spec {
                        trend.metric.push_str(" ™");
                    }
                }
                Block::Verdicts(table) => table.rows[0].measured.push('\u{7}'),
                Block::Signatures(s) => s.slots[0].name = Some("𠮷田 花子".into()),
                _ => {}
            }
        }
        let pdf = write(&report);
        let text = normalise(&pdftotext(&pdf.path, None));
        assert!(text.contains(notice), "{lang:?}: notice missing in\n{text}");
        let codes = "U+0007,U+200B,U+2122,U+AD6D,U+D55C,U+1F642,U+20BB7";
        assert!(text.contains(codes), "{lang:?}: {codes} missing in\n{text}");
        for shown in ["Room□3", "□田□□□", "copied□textandabell□here", "□田花子", "(cd/m²)□"]
        {
            assert!(text.contains(shown), "{lang:?}: {shown:?} missing in\n{text}");
        }
        assert!(text.matches("□").count() >= 12, "{lang:?}: {text}");
        // Still one embedded subset font, and every page renders.
        let fonts = run("pdffonts", &[path_str(&pdf.path)]);
        assert_eq!(fonts.lines().count(), 3, "one font only:\n{fonts}");
        let prefix = pdf.path.with_extension("");
        run("pdftoppm", &["-r", "20", "-gray", path_str(&pdf.path), path_str(&prefix)]);
        let images = std::fs::read_dir(pdf.path.parent().unwrap())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "pgm"))
            .count();
        assert_eq!(images, page_count(&pdf.path));
    }
    // The sample reports hold no such text: no notice, and their bytes are the golden ones.
    let plain = normalise(&pdftotext(&write(&sample::acceptance(Lang::En)).path, None));
    assert!(!plain.contains("U+") && !plain.contains('□'));
}
