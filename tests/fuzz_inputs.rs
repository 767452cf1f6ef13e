//! The input fuzzer (`examples/fuzz_inputs`) in the default test run: a few
//! thousand cases of every target, with no panic and no broken property.
//! The million-case run is `cargo run --release --example fuzz_inputs --
//! --cases 1000000` (README, "Reliability").

#[path = "../examples/fuzz_inputs/engine.rs"]
#[allow(dead_code)]
mod engine;

use engine::{Seeds, Target};

#[test]
fn parsers_survive_mutated_and_random_input() {
    let seeds = Seeds::new();
    let (counts, failures) = engine::run(&seeds, &Target::ALL, 20261126, 0, 5_000);
    let report: Vec<String> = failures
        .iter()
        .map(|f| format!("{} case {}: {} — {}", f.target.name(), f.case, f.problem, f.input))
        .collect();
    assert!(failures.is_empty(), "{}", report.join("\n"));
    for (t, c) in Target::ALL.iter().zip(&counts) {
        assert_eq!(c.cases, 1_000, "{}", t.name());
        // The mutations are small enough that every parser still accepts
        // some inputs: the properties of accepted input are exercised.
        assert!(c.accepted > 20, "{}: only {} of {} accepted", t.name(), c.accepted, c.cases);
    }
}
