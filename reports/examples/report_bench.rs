//! Times report generation and prints file sizes.
//!
//! `cargo run --release -p monqc-reports --example report_bench [-- OUT_DIR]`
//!
//! Targets (issue 5): ≤ 50 ms per report on one core in release, ≤ 300 KB per file
//! with the Japanese font subset. The font is parsed once, outside the timed loop,
//! as a long-running CLI or server would; that one-off cost is printed separately.

#[path = "../tests/common/sample.rs"]
mod sample;

use std::time::Instant;

use monqc_reports::{Lang, PdfWriter, Report};

const ROUNDS: u32 = 20;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = std::env::args().nth(1).map(std::path::PathBuf::from);
    let start = Instant::now();
    let writer = PdfWriter::new()?;
    println!("font parse (once per writer): {:.1} ms", start.elapsed().as_secs_f64() * 1e3);

    let cases: [(&str, Report); 4] = [
        ("acceptance-ja", sample::acceptance(Lang::Ja)),
        ("acceptance-en", sample::acceptance(Lang::En)),
        ("constancy-ja", sample::constancy(Lang::Ja)),
        ("constancy-en", sample::constancy(Lang::En)),
    ];
    println!(
        "{:<16} {:>6} {:>10} {:>10} {:>10}",
        "report", "pages", "mean ms", "min ms", "size KB"
    );
    for (name, report) in &cases {
        let options = sample::options();
        let mut bytes = writer.write(report, &options)?; // warm-up
        let mut times = Vec::with_capacity(ROUNDS as usize);
        for _ in 0..ROUNDS {
            let t = Instant::now();
            bytes = writer.write(report, &options)?;
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let mean = times.iter().sum::<f64>() / f64::from(ROUNDS);
        let min = times.iter().copied().fold(f64::INFINITY, f64::min);
        let pages = count_pages(&bytes);
        println!(
            "{name:<16} {pages:>6} {mean:>10.1} {min:>10.1} {:>10.1}",
            bytes.len() as f64 / 1024.0
        );
        if let Some(dir) = &out_dir {
            std::fs::create_dir_all(dir)?;
            std::fs::write(dir.join(format!("{name}.pdf")), &bytes)?;
        }
    }
    // One report per process, as `monqc report` does: parse the font, write once.
    let t = Instant::now();
    let cold = PdfWriter::new()?.write(&cases[0].1, &sample::options())?;
    println!(
        "cold (new writer + acceptance-ja, {} KB): {:.1} ms",
        cold.len() / 1024,
        t.elapsed().as_secs_f64() * 1e3
    );
    Ok(())
}

/// Page objects in the file ("/Type /Page" not followed by "s").
fn count_pages(pdf: &[u8]) -> usize {
    let needle = b"/Type/Page";
    pdf.windows(needle.len() + 1)
        .filter(|w| &w[..needle.len()] == needle && w[needle.len()] != b's')
        .count()
}
