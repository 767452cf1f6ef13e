//! Benchmark: an 18-patch luminance sequence through every simulated twin,
//! with each instrument's timing model, settling each patch two ways:
//!
//! - `pairwise`: [`settle`], every patch read until two consecutive
//!   readings agree (at least two readings per patch);
//! - `learned`: a [`Settler`], which reads the first patches to agreement
//!   to learn how long the display takes to settle, then reads each patch
//!   once after that delay.
//!
//! Per meter and method it prints the wall time of the sequence against
//! (a) the time the twin spent integrating, all readings counted, and (b)
//! one reading per patch: for each patch, the twin's integration time
//! divided by the readings taken for it (a K-10 reading includes the
//! sample it discards first; a MAVO or T-10A reading is one sample
//! period). Target: (b) ≤ 1.25 for `learned` on every meter. It also
//! counts patches whose accepted value is not the patch's settled level
//! (outside 1 % plus four standard deviations of the twin's noise): a
//! reading taken before the display and meter were steady. That count
//! must be 0.
//!
//! ```text
//! cargo run --release -p monqc-drivers --example sequence_bench [-- --time-scale 0.2] [-- --display-tau-ms 20] [-- --verbose] [-- sim-ls100 sim-k10]
//! ```
//! The meters run at the same time, each in its own thread, so the whole
//! run takes as long as the slowest meter. `--display-tau-ms` makes the
//! simulated display approach each new level exponentially with that time
//! constant instead of switching at once.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use monqc_drivers::{
    Chromaticity, MeasureRequest, MeterKind, MeterSelector, Photometer, Quantity, SIMULATED_KINDS,
    Scene, SceneCell, SettleRule, Settler, SimOptions, Stimulus, settle, spawn_simulated,
};

/// 18 levels from 0.5 to 400 cd/m², evenly spaced in log luminance: a
/// stand-in for a TG18-LN sequence (the real one is spaced by the GSDF,
/// which lives in the root crate).
fn patches() -> Vec<f64> {
    let (lo, hi): (f64, f64) = (0.5, 400.0);
    (0..18).map(|i| lo * (hi / lo).powf(f64::from(i) / 17.0)).collect()
}

/// A display that shows a level (luminance and, for the illuminance
/// meters, illuminance alike), reaching each new level exponentially with
/// time constant `tau` (zero: at once).
struct Display {
    cell: SceneCell,
    state: Mutex<(f64, f64, Instant)>,
    tau: Duration,
}

impl Display {
    fn new(level: f64, tau: Duration) -> Self {
        let cell = SceneCell::new(Stimulus {
            luminance_cd_m2: level,
            chromaticity: Chromaticity { x: 0.3127, y: 0.3290 },
            illuminance_lx: level,
        });
        Self { cell, state: Mutex::new((level, level, Instant::now())), tau }
    }

    fn level_now(&self) -> f64 {
        let (from, to, at) = *self.state.lock().unwrap();
        if self.tau.is_zero() {
            return to;
        }
        let t = at.elapsed().as_secs_f64() / self.tau.as_secs_f64();
        to + (from - to) * (-t).exp()
    }

    fn show(&self, level: f64) {
        let now = self.level_now();
        *self.state.lock().unwrap() = (now, level, Instant::now());
    }
}

impl Scene for Display {
    fn stimulus(&self) -> Stimulus {
        let l = self.level_now();
        let mut s = self.cell.stimulus();
        s.luminance_cd_m2 = l;
        s.illuminance_lx = l;
        s
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Method {
    Pairwise,
    Learned,
}

struct Outcome {
    kind: MeterKind,
    method: Method,
    readings: usize,
    unconverged: usize,
    early: usize,
    wall: Duration,
    integration: Duration,
    one_per_patch: Duration,
}

const NOISE: f64 = 0.002;

fn run(
    kind: MeterKind,
    method: Method,
    time_scale: f64,
    tau: Duration,
    verbose: bool,
) -> Result<Outcome, String> {
    let display = Arc::new(Display::new(100.0, tau));
    let options = SimOptions { time_scale, noise_relative: NOISE, ..SimOptions::default() };
    let mut meter =
        spawn_simulated(kind, display.clone(), 11, options).map_err(|e| e.to_string())?;
    meter.identify().map_err(|e| format!("{kind}: {e}"))?;
    let caps = meter.capabilities();
    let quantity = if caps.luminance { Quantity::Luminance } else { Quantity::Illuminance };
    let request = MeasureRequest { quantity, budget: caps.reading_budget() };
    let rule = SettleRule::default();
    let mut settler = Settler::new(rule);
    let stats = |m: &monqc_drivers::SimulatedMeter| m.twin().stats().integration();
    let start = Instant::now();
    let (mut readings, mut unconverged, mut early) = (0, 0, 0);
    let (mut integration, mut one_per_patch) = (Duration::ZERO, Duration::ZERO);
    for level in patches() {
        let before = stats(&meter);
        display.show(level);
        let s = match method {
            Method::Pairwise => settle(&mut meter, &request, &rule, &mut |_| {}),
            Method::Learned => {
                settler.pattern_changed();
                settler.read(&mut meter, &request, &mut |_| {})
            }
        }
        .map_err(|e| format!("{kind} at {level:.3}: {e}"))?;
        let spent = stats(&meter) - before;
        integration += spent;
        one_per_patch += spent / s.readings.len() as u32;
        readings += s.readings.len();
        unconverged += usize::from(!s.converged);
        let is_early = (s.reading.value - level).abs() > level * (rule.relative + 4.0 * NOISE);
        early += usize::from(is_early);
        if verbose {
            println!(
                "  {kind} {method:?} {level:9.3} -> {:9.3}  {} reading(s) {:?} in {:.3} s{}",
                s.reading.value,
                s.readings.len(),
                s.basis,
                s.settle_time.as_secs_f64(),
                if is_early { "  EARLY" } else { "" }
            );
        }
    }
    let wall = start.elapsed();
    Ok(Outcome { kind, method, readings, unconverged, early, wall, integration, one_per_patch })
}

fn main() {
    let mut time_scale = 1.0;
    let mut tau = Duration::ZERO;
    let mut verbose = false;
    let mut kinds = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--time-scale" => {
                time_scale = args.next().and_then(|s| s.parse().ok()).expect("--time-scale NUMBER")
            }
            "--verbose" => verbose = true,
            "--display-tau-ms" => {
                let ms: f64 =
                    args.next().and_then(|s| s.parse().ok()).expect("--display-tau-ms NUMBER");
                tau = Duration::from_secs_f64(ms / 1000.0);
            }
            _ => match a.parse::<MeterSelector>() {
                Ok(MeterSelector::Simulated(k)) => kinds.push(k),
                _ => panic!("not a simulated meter: {a}"),
            },
        }
    }
    if kinds.is_empty() {
        kinds = SIMULATED_KINDS.to_vec();
    }
    println!(
        "18-patch sequence, 0.5–400 cd/m², settling to 1 %, time scale {time_scale}, display τ {:.0} ms",
        tau.as_secs_f64() * 1000.0
    );
    let threads: Vec<_> = kinds
        .into_iter()
        .map(|k| {
            std::thread::spawn(move || {
                let scale = time_scale;
                [Method::Pairwise, Method::Learned].map(|m| run(k, m, scale, tau, verbose))
            })
        })
        .collect();
    println!(
        "{:<7} {:<9} {:>8} {:>9} {:>9} {:>8} {:>12} {:>15} {:>6}",
        "meter",
        "method",
        "readings",
        "integr.",
        "wall",
        "early",
        "wall/integr.",
        "wall/1-per-patch",
        "target"
    );
    let mut worst: f64 = 0.0;
    for t in threads {
        for outcome in t.join().expect("bench thread") {
            match outcome {
                Ok(o) => {
                    let all = o.wall.as_secs_f64() / o.integration.as_secs_f64();
                    let one = o.wall.as_secs_f64() / o.one_per_patch.as_secs_f64();
                    let target = match o.method {
                        Method::Learned => {
                            worst = worst.max(one);
                            if one <= 1.25 && o.early == 0 { "met" } else { "MISSED" }
                        }
                        Method::Pairwise => "",
                    };
                    let note = if o.unconverged > 0 {
                        format!("  ({} patches unsettled)", o.unconverged)
                    } else {
                        String::new()
                    };
                    println!(
                        "{:<7} {:<9} {:>8} {:>8.2}s {:>8.2}s {:>8} {:>11.3}x {:>15.3}x {:>6}{note}",
                        o.kind.id(),
                        format!("{:?}", o.method).to_lowercase(),
                        o.readings,
                        o.integration.as_secs_f64(),
                        o.wall.as_secs_f64(),
                        o.early,
                        all,
                        one,
                        target
                    );
                }
                Err(e) => println!("error: {e}"),
            }
        }
    }
    println!("worst learned wall / one reading per patch: {worst:.3} (target <= 1.25)");
}
