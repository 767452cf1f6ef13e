//! Kδ against an independent implementation: pacsDisplay's own evalQClr,
//! run unmodified on the same data (tests/data/kdelta/, see its README).

use std::path::Path;
use std::process::Command;

use monqc::numbers::contrast_response::{ContrastOptions, JndInverse, contrast_response};
use monqc::numbers::measurement::{Ambient, LambSource};
use monqc::records::csv_input::{CsvContext, read_csv};

struct Row {
    dataset: String,
    lamb: f64,
    interval: usize,
    poly: f64,
    exact: f64,
}

fn reference() -> Vec<Row> {
    let text = std::fs::read_to_string("tests/data/kdelta/pacsdisplay-evalQClr.csv").unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("dataset"))
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            Row {
                dataset: c[0].to_string(),
                lamb: c[1].parse().unwrap(),
                interval: c[2].parse().unwrap(),
                poly: c[5].parse().unwrap(),
                exact: c[6].parse().unwrap(),
            }
        })
        .collect()
}

fn errors_percent(dataset: &str, lamb: f64, inverse: JndInverse) -> Vec<f64> {
    let path = Path::new("tests/data/kdelta").join(format!("{dataset}.csv"));
    let ambient = Ambient { lamb_cd_m2: lamb, source: LambSource::Stated, illuminance_lx: None };
    let set = read_csv(&path, CsvContext { ambient: Some(ambient), ..Default::default() }).unwrap();
    let points: Vec<(u16, f64)> = set
        .response
        .iter()
        .map(|r| (r.ddl, set.total_luminance_cd_m2(r.luminance_cd_m2)))
        .collect();
    let options = ContrastOptions { inverse, ..Default::default() };
    contrast_response(&points, options).unwrap().intervals.iter().map(|i| 100.0 * i.error).collect()
}

#[test]
fn every_interval_matches_pacsdisplay_to_its_printed_digits() {
    let rows = reference();
    assert_eq!(rows.len(), 4 * 17);
    // Half a unit of the 4th printed decimal, plus float noise.
    let tolerance = 0.5e-4 + 1e-9;
    for (inverse, pick) in [
        (JndInverse::Ps314Polynomial, (|r: &Row| r.poly) as fn(&Row) -> f64),
        (JndInverse::Exact, |r: &Row| r.exact),
    ] {
        for case in rows.chunks(17) {
            let ours = errors_percent(&case[0].dataset, case[0].lamb, inverse);
            for r in case {
                let got = ours[r.interval - 1];
                assert!(
                    (got - pick(r)).abs() <= tolerance,
                    "{} Lamb {} interval {} ({inverse:?}): monqc {got:.6}, pacsDisplay {}",
                    r.dataset,
                    r.lamb,
                    r.interval,
                    pick(r)
                );
            }
        }
    }
}

#[test]
fn analyze_json_gives_the_independent_kdelta() {
    // pacsDisplay's HTML report prints 14.44 % (polynomial inverse); the
    // exact inverse gives 14.4447 %.
    let run = |inverse: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_monqc"))
            .args(["analyze", "tests/data/kdelta/gsdf_like.csv", "--grade", "1b", "--json"])
            .args(["--jnd-inverse", inverse])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), v["kdelta_percent"].as_f64().unwrap(), v)
    };
    let (code, poly, v) = run("ps314-polynomial");
    assert!((poly - 14.4363).abs() < 0.5e-4, "{poly}");
    let kdelta = v["verdicts"].as_array().unwrap().iter().find(|x| x["item"] == "kdelta");
    assert_eq!(kdelta.unwrap()["result"], "pass", "14.44 % is within grade 1B's 15 %");
    // A CSV holds no ambient, uniformity or visual items: INCOMPLETE overall.
    assert_eq!(code, Some(3));
    let (_, exact, v) = run("exact");
    assert!((exact - 14.4447).abs() < 0.5e-4, "{exact}");
    assert_eq!(v["lmax_cd_m2"].as_f64(), Some(412.0));
    assert_eq!(v["lmin_cd_m2"].as_f64(), Some(0.62));
    assert!((v["luminance_ratio"].as_f64().unwrap() - 664.516).abs() < 1e-3);
}
