//! Fuzz monqc's input parsers with a seeded generator and print what ran.
//!
//! ```text
//! cargo run --release --example fuzz_inputs -- --cases 1000000
//! cargo run --release --example fuzz_inputs -- --cases 200000 --target csv --seed 7
//! cargo run --release --example fuzz_inputs -- --seed 1 --case 123456   # replay one case
//! ```
//!
//! Prints the cases run per target, how many inputs each parser accepted,
//! the rate, and every failure (a panic or a broken property) with the
//! `--seed`/`--case` that replays it; exits 1 when anything failed. See
//! `engine.rs` for the properties checked.

mod engine;

use std::process::ExitCode;
use std::time::Instant;

use engine::{Seeds, Target};

fn main() -> ExitCode {
    let mut cases: u64 = 100_000;
    let mut seed: u64 = 1;
    let mut targets: Vec<Target> = Target::ALL.to_vec();
    let mut one: Option<u64> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next().unwrap_or_else(|| {
                eprintln!("{name} needs a value");
                std::process::exit(2)
            })
        };
        let number = |name: &str, v: String| {
            v.replace('_', "").parse::<u64>().unwrap_or_else(|_| {
                eprintln!("{name} {v}: give a whole number");
                std::process::exit(2)
            })
        };
        match arg.as_str() {
            "--cases" => cases = number("--cases", value("--cases")),
            "--seed" => seed = number("--seed", value("--seed")),
            "--case" => one = Some(number("--case", value("--case"))),
            "--target" => {
                let name = value("--target");
                targets = if name == "all" {
                    Target::ALL.to_vec()
                } else {
                    match Target::ALL.into_iter().find(|t| t.name() == name) {
                        Some(t) => vec![t],
                        None => {
                            eprintln!(
                                "--target {name}: use all, csv, criteria, site, journal or session"
                            );
                            return ExitCode::from(2);
                        }
                    }
                };
            }
            other => {
                eprintln!(
                    "unknown argument {other}; use --cases N, --seed S, --target NAME, --case I"
                );
                return ExitCode::from(2);
            }
        }
    }
    let seeds = Seeds::new();
    let (from, to) = match one {
        Some(i) => (i, i + 1),
        None => (0, cases),
    };
    let start = Instant::now();
    let (counts, failures) = engine::run(&seeds, &targets, seed, from, to);
    let seconds = start.elapsed().as_secs_f64();
    let total: u64 = counts.iter().map(|c| c.cases).sum();
    println!(
        "fuzz_inputs: seed {seed}, {total} cases in {seconds:.1} s ({:.0} cases/s)",
        total as f64 / seconds
    );
    for (t, c) in targets.iter().zip(&counts) {
        println!(
            "  {:<9} {:>9} cases  {:>8} accepted  {:>9} refused",
            t.name(),
            c.cases,
            c.accepted,
            c.cases - c.accepted
        );
    }
    println!("  failures: {}", failures.len());
    for f in failures.iter().take(20) {
        println!(
            "  - {} case {}: {}\n    replay: --seed {seed} --target {} --case {}\n    input: {}",
            f.target.name(),
            f.case,
            f.problem,
            f.target.name(),
            f.case,
            f.input
        );
    }
    if failures.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) }
}
