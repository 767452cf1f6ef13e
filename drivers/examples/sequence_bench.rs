//! Benchmark: an 18-patch luminance sequence through every simulated twin,
//! with each instrument's real timing model, settling each patch.
//!
//! Prints, per meter, the wall time of the sequence against the time the
//! twin spent integrating (its own measuring time). The target is a ratio
//! of at most 1.10: the driver, the serial path and the settling logic may
//! add no more than 10 % to what the instrument itself needs.
//!
//! ```text
//! cargo run --release -p monqc-drivers --example sequence_bench [-- --time-scale 0.2] [-- sim-ls100 sim-k10]
//! ```
//! The meters run at the same time, each in its own thread on its own pty,
//! so the whole run takes as long as the slowest meter.

use std::sync::Arc;
use std::time::{Duration, Instant};

use monqc_drivers::{
    Chromaticity, MeasureRequest, MeterKind, MeterSelector, Photometer, Quantity, SIMULATED_KINDS,
    SceneCell, SettleRule, SimOptions, Stimulus, settle, spawn_simulated,
};

/// 18 levels from 0.5 to 400 cd/m², evenly spaced in log luminance: a
/// stand-in for a TG18-LN sequence (the real one is spaced by the GSDF,
/// which lives in the root crate).
fn patches() -> Vec<f64> {
    let (lo, hi): (f64, f64) = (0.5, 400.0);
    (0..18).map(|i| lo * (hi / lo).powf(f64::from(i) / 17.0)).collect()
}

struct Outcome {
    kind: MeterKind,
    readings: usize,
    unconverged: usize,
    wall: Duration,
    integration: Duration,
}

fn run(kind: MeterKind, time_scale: f64) -> Result<Outcome, String> {
    let scene = Arc::new(SceneCell::new(Stimulus {
        luminance_cd_m2: 100.0,
        chromaticity: Chromaticity { x: 0.3127, y: 0.3290 },
        illuminance_lx: 100.0,
    }));
    let options = SimOptions { time_scale, ..SimOptions::default() };
    let mut meter = spawn_simulated(kind, scene.clone(), 11, options).map_err(|e| e.to_string())?;
    meter.identify().map_err(|e| format!("{kind}: {e}"))?;
    let caps = meter.capabilities();
    let quantity = if caps.luminance { Quantity::Luminance } else { Quantity::Illuminance };
    let request = MeasureRequest { quantity, budget: caps.reading_budget() };
    let rule = SettleRule::default();
    let before = meter.twin().stats().integration();
    let start = Instant::now();
    let (mut readings, mut unconverged) = (0, 0);
    for level in patches() {
        scene.set_luminance(level);
        scene.set_illuminance(level);
        let s = settle(&mut meter, &request, &rule, &mut |_| {})
            .map_err(|e| format!("{kind} at {level:.3}: {e}"))?;
        readings += s.readings.len();
        unconverged += usize::from(!s.converged);
    }
    let wall = start.elapsed();
    let integration = meter.twin().stats().integration() - before;
    Ok(Outcome { kind, readings, unconverged, wall, integration })
}

fn main() {
    let mut time_scale = 1.0;
    let mut kinds = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--time-scale" {
            time_scale = args.next().and_then(|s| s.parse().ok()).expect("--time-scale NUMBER");
        } else {
            match a.parse::<MeterSelector>() {
                Ok(MeterSelector::Simulated(k)) => kinds.push(k),
                _ => panic!("not a simulated meter: {a}"),
            }
        }
    }
    if kinds.is_empty() {
        kinds = SIMULATED_KINDS.to_vec();
    }
    println!("18-patch sequence, 0.5–400 cd/m², settling to 1 %, time scale {time_scale}");
    let threads: Vec<_> =
        kinds.into_iter().map(|k| std::thread::spawn(move || run(k, time_scale))).collect();
    println!(
        "{:<8} {:>8} {:>12} {:>10} {:>9} {:>7}",
        "meter", "readings", "integration", "wall", "ratio", "target"
    );
    let mut worst: f64 = 0.0;
    for t in threads {
        match t.join().expect("bench thread") {
            Ok(o) => {
                let ratio = o.wall.as_secs_f64() / o.integration.as_secs_f64();
                worst = worst.max(ratio);
                let note = if o.unconverged > 0 {
                    format!("  ({} patches unsettled)", o.unconverged)
                } else {
                    String::new()
                };
                println!(
                    "{:<8} {:>8} {:>11.2}s {:>9.2}s {:>8.3}x {:>7}{note}",
                    o.kind.id(),
                    o.readings,
                    o.integration.as_secs_f64(),
                    o.wall.as_secs_f64(),
                    ratio,
                    if ratio <= 1.10 { "met" } else { "MISSED" }
                );
            }
            Err(e) => println!("error: {e}"),
        }
    }
    println!("worst ratio {worst:.3} (target <= 1.10)");
}
