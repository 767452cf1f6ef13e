//! Prints how long each pattern takes to generate and render at 2048×2560 in 10 bits
//! (target: TG18-QC ≤ 30 ms on one core, release build), and, when a display is
//! available, how long the presenter takes from a show request to the frame
//! presented.
//!
//! ```text
//! cargo run --release -p monqc-patterns --example bench_patterns
//! xvfb-run -s "-screen 0 2048x2560x24" cargo run --release -p monqc-patterns --example bench_patterns
//! ```

use std::time::{Duration, Instant};

use monqc_patterns::presenter::{Presenter, PresenterOptions};
use monqc_patterns::{BitDepth, PatternId, PatternParams};

const RUNS: usize = 15;

const NAMES: [&str; 10] = [
    "TG18-QC",
    "TG18-UN80",
    "TG18-UNL80",
    "TG18-UN10",
    "TG18-UNL10",
    "TG18-LN12-09",
    "TG18-CT",
    "JIRA-BN09",
    "JIRA-BN09-L20",
    "UNIFORM-512",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let params = PatternParams::new(2048, 2560, BitDepth::Ten);
    println!(
        "generate + render at 2048×2560, 10 bits, {RUNS} runs each (min / median / max; max is the first, cold run):"
    );
    // One of each layout (the LN12 and BN images differ only in levels).
    for name in NAMES {
        let id: PatternId = name.parse()?;
        let times = time_runs(|| {
            let raster = id.generate(&params).map(|spec| spec.render());
            std::hint::black_box(raster).map(|_| ())
        })?;
        let flag = if name == "TG18-QC" {
            if median(&times) <= Duration::from_millis(30) {
                "  (target ≤ 30 ms: met)"
            } else {
                "  (target ≤ 30 ms: MISSED)"
            }
        } else {
            ""
        };
        let max = times.iter().copied().max().unwrap_or_default();
        println!(
            "  {name:<16} {:>7.2} / {:>7.2} / {:>7.2} ms{flag}",
            ms(min(&times)),
            ms(median(&times)),
            ms(max)
        );
    }

    // An operator's caption is drawn on every question (a person waits for it).
    let caption = [
        "TG18-UN80 — 輝度均一性: はっきり見えるむら（しみ、帯、暗い四隅）がない".to_string(),
        "Y: 基準を満たす　N: 満たさない　Q / Esc: 中断".to_string(),
    ];
    let spec = "TG18-UN80".parse::<PatternId>()?.generate(&params)?;
    let times = time_runs(|| {
        std::hint::black_box(spec.render_with_caption(&caption));
        Ok::<(), std::convert::Infallible>(())
    })?;
    println!(
        "  {:<16} {:>7.2} / {:>7.2} ms  (TG18-UN80 with a two-line Japanese caption)",
        "caption",
        ms(min(&times)),
        ms(median(&times))
    );

    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        println!(
            "show latency: no display; run under xvfb-run (see the doc comment) to measure it"
        );
        return Ok(());
    }
    let presenter = Presenter::spawn(PresenterOptions::default())?;
    let monitor = presenter.monitors()?.into_iter().next().ok_or("no monitor")?;
    let params = PatternParams::new(monitor.width, monitor.height, BitDepth::Eight);
    let rasters = [
        "TG18-QC".parse::<PatternId>()?.generate(&params)?.render(),
        "TG18-UNL80".parse::<PatternId>()?.generate(&params)?.render(),
    ];
    let first = Instant::now();
    let report = presenter.show(&rasters[0])?;
    println!(
        "first show (opens the window, {} surface): {:.1} ms",
        report.surface_format,
        ms(first.elapsed())
    );
    let mut round_trips = Vec::new();
    let mut in_thread = Vec::new();
    for i in 0..RUNS {
        let start = Instant::now();
        let report = presenter.show(&rasters[i % 2])?;
        round_trips.push(start.elapsed());
        in_thread.push(report.present_time);
    }
    println!(
        "show request → frame presented at {}×{} (min / median over {RUNS}): {:.2} / {:.2} ms \
         (of which in the presenter thread {:.2} / {:.2} ms)",
        monitor.width,
        monitor.height,
        ms(min(&round_trips)),
        ms(median(&round_trips)),
        ms(min(&in_thread)),
        ms(median(&in_thread)),
    );
    presenter.close();
    Ok(())
}

fn time_runs<E>(mut f: impl FnMut() -> Result<(), E>) -> Result<Vec<Duration>, E> {
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        f()?;
        times.push(start.elapsed());
    }
    times.sort();
    Ok(times)
}

fn min(times: &[Duration]) -> Duration {
    times.iter().copied().min().unwrap_or_default()
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
