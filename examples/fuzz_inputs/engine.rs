//! A seeded fuzzer for monqc's input parsers: the measurement CSV reader,
//! the criteria and site parsers, the journal reader and the session reader.
//!
//! Each case takes a valid input of its target (or random bytes), mutates it
//! (byte flips, inserted tokens chosen to hurt — separators, quotes, NaN,
//! 1e308, a BOM, control characters, glyphs the report font lacks —
//! deleted, duplicated and swapped ranges and lines, truncation), feeds it to
//! the parser inside `catch_unwind`, and checks properties of what was
//! accepted:
//!
//! - nothing panics, whatever the input;
//! - CSV: every accepted reading is finite, not negative, a DDL of its bit
//!   depth, a chromaticity inside the spectrum locus, DDLs unique and sorted;
//!   written back as CSV it reads back the same; its analysis never panics
//!   and gives finite figures;
//! - criteria: accepted tables have bounded `response_points` and finite,
//!   non-negative limits, and every grade's limits can be listed;
//! - site: accepted sites pass every value check, and serialised back to
//!   TOML they parse to the same site;
//! - journal: what verifies is exactly the complete lines, re-serialised
//!   byte for byte (a CRLF line ending counts as a newline), and always an
//!   unchanged prefix of the original journal (a random change is never
//!   accepted as a valid chain);
//! - session: an accepted session gives a measurement set and an analysis
//!   without panicking.
//!
//! Case `i` of seed `s` is generated from its own generator, so any failure
//! is replayed alone with `--seed s --case i`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use monqc::numbers::colour::Chromaticity;
use monqc::numbers::measurement::{MeterSetup, Position};
use monqc::office::site::Site;
use monqc::records::csv_input::{self, CsvContext};
use monqc::records::journal::{self, GENESIS, Line, line_hash};
use monqc::records::session::{self, FORMAT, MeterInfo, SessionEntry, SessionHeader, VERSION};
use monqc::records::{text_file, values};
use monqc::standards::analysis::{self, AnalysisOptions};
use monqc::standards::criteria::{Criteria, TestType};

/// What is fuzzed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// `records::csv_input` (with `text_file::decode` before it).
    Csv,
    /// `standards::criteria::Criteria::parse`.
    Criteria,
    /// `office::site::Site::parse`.
    Site,
    /// `records::journal::verify`.
    Journal,
    /// `records::session::parse`.
    Session,
}

impl Target {
    /// Every target, in the order cases cycle through them.
    pub const ALL: [Target; 5] =
        [Target::Csv, Target::Criteria, Target::Site, Target::Journal, Target::Session];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Target::Csv => "csv",
            Target::Criteria => "criteria",
            Target::Site => "site",
            Target::Journal => "journal",
            Target::Session => "session",
        }
    }
}

/// A case that broke a property (or panicked).
#[derive(Debug)]
pub struct Failure {
    /// The target.
    pub target: Target,
    /// The case index (replay with `--case`).
    pub case: u64,
    /// What went wrong.
    pub problem: String,
    /// The input, escaped and cut to 300 characters.
    pub input: String,
}

/// Counts for one target.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    /// Cases run.
    pub cases: u64,
    /// Inputs the parser accepted.
    pub accepted: u64,
}

/// The valid inputs mutations start from.
pub struct Seeds {
    csv: Vec<Vec<u8>>,
    criteria: Vec<Vec<u8>>,
    site: Vec<Vec<u8>>,
    journal: Vec<u8>,
    journal_lines: Vec<String>,
}

/// Tokens inserted by mutations: the things that broke parsers before.
const TOKENS: &[&str] = &[
    ",",
    ";",
    "\t",
    "\"",
    "\n",
    "\r\n",
    "\r",
    "#",
    " ",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "-",
    "+",
    ".",
    "e",
    "E",
    "1e308",
    "-1e308",
    "1e-320",
    "0,5",
    "2,88",
    "0",
    "1",
    "15",
    "255",
    "256",
    "1023",
    "1024",
    "65535",
    "4294967296",
    "18446744073709551616",
    "-0",
    "0.0",
    "\u{FEFF}",
    "X",
    "Y",
    "Z",
    "x",
    "y",
    "ddl",
    "luminance",
    "\0",
    "\u{7}",
    "\u{1b}[31m",
    "\u{200B}",
    "𠮷",
    "™",
    "🙂",
    "読影室",
    "[",
    "]",
    "{",
    "}",
    "=",
    "[[display]]",
    "[display.simulation]",
    "[[meter]]",
    "[[operator]]",
    "[[rule]]",
    "[[grade]]",
    "bit_depth = 0",
    "bit_depth = 40",
    "rd_cd_m2_per_lx = -1",
    "noise_relative = nan",
    "response_points = 300000000",
    "true",
    "null",
    "\"seq\":",
    "\"prev\":",
    "\"body\":",
    "\"hash\":",
    "0000000000",
    "\\",
    "\\u0000",
    "'",
    "'''",
    "\"\"\"",
    ":",
    "1.05e2",
    "0x10",
    "cd/m2",
    "(",
    ")",
];

fn site_seed() -> String {
    let sim = "[display.simulation]\npanel = \"gsdf\"\nlmax_cd_m2 = 400.0\nlmin_cd_m2 = 0.55\n\
               bit_depth = 8\nilluminance_lx = 50.0\nrd_cd_m2_per_lx = 0.005\n\
               corner_falloff = 0.06\nnoise_relative = 0.001\nwhite = { x = 0.3127, y = 0.329 }\n\
               corner_chromaticity_shift = 0.002\nseed = 7\n";
    format!(
        "# site\n[facility]\nname = \"Hospital 病院\"\ndepartment = \"Radiology\"\n\n\
         [[display]]\nid = \"rr1\"\nmaker = \"EIZO\"\nmodel = \"RX660\"\nserial = \"123\"\n\
         location = \"読影室1\"\nstandard = \"jesra-x0093\"\ngrade = \"1a\"\nbit_depth = 10\n\
         setup = \"contact\"\nrd_cd_m2_per_lx = 0.005\nmeter = \"ls\"\n{sim}\n\
         [[display]]\nid = \"rr2\"\nstandard = \"iec-62563-2\"\ngrade = \"diagnostic\"\n\n\
         [[meter]]\nid = \"ls\"\nselector = \"ls100:/dev/ttyUSB0\"\nmodel = \"LS-100\"\n\
         calibration_date = \"2025-11-20\"\n\n[[operator]]\nid = \"kt\"\nname = \"Keiko Tanaka\"\n\
         role = \"physicist\"\n"
    )
}

fn session_bodies() -> Vec<serde_json::Value> {
    let header = SessionHeader {
        format: FORMAT.into(),
        version: VERSION,
        software: "monqc fuzz".into(),
        standard: "jesra-x0093".into(),
        grade: "1a".into(),
        test: TestType::Acceptance,
        setup: MeterSetup::Contact,
        bit_depth: 8,
        display_id: "d1".into(),
        display: "EIZO RX660".into(),
        operator: "fuzz".into(),
        rd_cd_m2_per_lx: Some(0.005),
        meter: MeterInfo::default(),
        illuminance_meter: None,
        started: "2026-11-26T00:00:00Z".into(),
        only: None,
        lmax_change_limit_percent: None,
    };
    let gsdf_like = [
        0.62, 1.5679, 2.9241, 5.3666, 7.9983, 12.6096, 18.5499, 25.4821, 35.6365, 49.225, 63.8027,
        87.31, 113.7648, 147.1477, 196.8981, 249.4809, 319.5272, 412.0,
    ];
    let white = Chromaticity { x: 0.3127, y: 0.329 };
    let mut bodies = vec![serde_json::to_value(&header).unwrap()];
    bodies.push(
        serde_json::to_value(SessionEntry::Illuminance {
            illuminance_lx: 50.0,
            raw: "OK11,+50.0".into(),
            confirmed: None,
            flags: Vec::new(),
            at: "t".into(),
        })
        .unwrap(),
    );
    for (i, l) in gsdf_like.into_iter().enumerate() {
        bodies.push(
            serde_json::to_value(SessionEntry::Response {
                pattern: format!("JIRA-BN{:02}", i + 1),
                ddl: (i * 15) as u16,
                luminance_cd_m2: l,
                chromaticity: Some(white),
                raw: format!("{l}"),
                settle: None,
                confirmed: None,
                flags: Vec::new(),
                at: "t".into(),
            })
            .unwrap(),
        );
    }
    for p in Position::FIVE {
        bodies.push(
            serde_json::to_value(SessionEntry::Uniformity {
                pattern: "TG18-UN80".into(),
                position: p,
                ddl: 204,
                luminance_cd_m2: 250.0,
                chromaticity: Some(white),
                raw: String::new(),
                settle: None,
                confirmed: None,
                flags: Vec::new(),
                at: "t".into(),
            })
            .unwrap(),
        );
    }
    bodies
}

fn chained(bodies: &[serde_json::Value]) -> Vec<String> {
    let mut prev = GENESIS.to_string();
    bodies
        .iter()
        .enumerate()
        .map(|(seq, body)| {
            let hash = line_hash(&prev, body);
            let line = Line { seq: seq as u64, prev: prev.clone(), body: body.clone(), hash };
            prev = line.hash.clone();
            serde_json::to_string(&line).unwrap()
        })
        .collect()
}

impl Seeds {
    /// The built-in seed inputs.
    pub fn new() -> Self {
        let gsdf_like = include_str!("../../tests/data/kdelta/gsdf_like.csv");
        let with_xy: String = gsdf_like
            .lines()
            .enumerate()
            .map(
                |(i, l)| {
                    if i == 0 { format!("{l},x,y\n") } else { format!("{l},0.3127,0.3290\n") }
                },
            )
            .collect();
        let ten_bit: String = gsdf_like
            .lines()
            .enumerate()
            .map(|(i, l)| match (i, l.split_once(',')) {
                (0, _) | (_, None) => format!("{l}\n"),
                (_, Some((d, v))) => format!("{},{v}\n", d.parse::<u32>().unwrap() * 4),
            })
            .collect();
        let csv = vec![
            gsdf_like.as_bytes().to_vec(),
            with_xy.into_bytes(),
            gsdf_like.replace(',', ";").into_bytes(),
            gsdf_like.replace(',', "\t").into_bytes(),
            ten_bit.into_bytes(),
            include_str!("../../tests/data/kdelta/gamma22.csv").as_bytes().to_vec(),
            format!("\u{FEFF}# LS-100\r\n{}", gsdf_like.replace('\n', "\r\n")).into_bytes(),
        ];
        let criteria = Criteria::built_in().into_iter().map(|c| c.text.into_bytes()).collect();
        let journal_lines = chained(&session_bodies());
        let journal: String = journal_lines.iter().map(|l| format!("{l}\n")).collect();
        Self {
            csv,
            criteria,
            site: vec![site_seed().into_bytes()],
            journal: journal.into_bytes(),
            journal_lines,
        }
    }
}

impl Default for Seeds {
    fn default() -> Self {
        Self::new()
    }
}

/// The generator of case `case` of seed `seed`.
pub fn case_rng(seed: u64, case: u64) -> fastrand::Rng {
    fastrand::Rng::with_seed(seed ^ case.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17))
}

fn random_range(rng: &mut fastrand::Rng, len: usize) -> (usize, usize) {
    if len == 0 {
        return (0, 0);
    }
    let start = rng.usize(..len);
    let end = (start + 1 + rng.usize(..16.min(len - start))).min(len);
    (start, end)
}

/// Apply one to eight random mutations to `bytes`.
pub fn mutate(rng: &mut fastrand::Rng, bytes: &mut Vec<u8>) {
    let rounds = if rng.u8(..4) == 0 { 1 + rng.usize(..8) } else { 1 };
    for _ in 0..rounds {
        let len = bytes.len();
        match rng.u8(..9) {
            0 if len > 0 => {
                let at = rng.usize(..len);
                bytes[at] = rng.u8(..);
            }
            1 | 2 => {
                let at = rng.usize(..=len);
                let token = TOKENS[rng.usize(..TOKENS.len())].as_bytes();
                bytes.splice(at..at, token.iter().copied());
            }
            3 => {
                let (a, b) = random_range(rng, len);
                bytes.drain(a..b);
            }
            4 => {
                let (a, b) = random_range(rng, len);
                let copy: Vec<u8> = bytes[a..b].to_vec();
                bytes.splice(b..b, copy);
            }
            5 => {
                let (a, b) = random_range(rng, len);
                let token = TOKENS[rng.usize(..TOKENS.len())].as_bytes();
                bytes.splice(a..b, token.iter().copied());
            }
            6 => {
                // Swap two lines, or drop one.
                let mut lines: Vec<Vec<u8>> =
                    bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
                if lines.len() > 1 {
                    let i = rng.usize(..lines.len());
                    let j = rng.usize(..lines.len());
                    if rng.bool() {
                        lines.swap(i, j);
                    } else {
                        lines.remove(i);
                    }
                    *bytes = lines.join(&b'\n');
                }
            }
            7 if len > 0 => bytes.truncate(rng.usize(..len)),
            _ => {
                // A digit run replaced by a hurtful number.
                if let Some(at) = (0..len)
                    .map(|_| rng.usize(..len.max(1)))
                    .find(|&i| bytes.get(i).is_some_and(u8::is_ascii_digit))
                {
                    let end = (at..len).find(|&i| !bytes[i].is_ascii_digit()).unwrap_or(len);
                    let numbers = ["NaN", "-1", "1e308", "0", "1024", "99999999999999999999"];
                    let n = numbers[rng.usize(..numbers.len())].as_bytes();
                    bytes.splice(at..end, n.iter().copied());
                }
            }
        }
    }
}

/// The input of case `case` for `target`: a mutated seed, or (one case in
/// sixteen) random bytes from an alphabet of the format's characters.
pub fn input(seeds: &Seeds, target: Target, rng: &mut fastrand::Rng) -> Vec<u8> {
    if rng.u8(..16) == 0 {
        let alphabet: &[u8] = b"0123456789.,;\t\n\r\"#-+eExyXYZ []{}=:abcdl\\";
        let n = rng.usize(..200);
        return (0..n)
            .map(
                |_| {
                    if rng.u8(..8) == 0 {
                        rng.u8(..)
                    } else {
                        alphabet[rng.usize(..alphabet.len())]
                    }
                },
            )
            .collect();
    }
    let pick = |v: &Vec<Vec<u8>>, rng: &mut fastrand::Rng| v[rng.usize(..v.len())].clone();
    let mut bytes = match target {
        Target::Csv => pick(&seeds.csv, rng),
        Target::Criteria => pick(&seeds.criteria, rng),
        Target::Site => pick(&seeds.site, rng),
        Target::Journal | Target::Session => seeds.journal.clone(),
    };
    mutate(rng, &mut bytes);
    bytes
}

fn analyse_without_panic(set: &monqc::numbers::measurement::MeasurementSet) -> Result<(), String> {
    static JESRA: std::sync::OnceLock<Criteria> = std::sync::OnceLock::new();
    let criteria = JESRA.get_or_init(|| Criteria::built_in_for("jesra-x0093").expect("built in"));
    let options = AnalysisOptions::new("1a", TestType::Acceptance);
    if let Ok(a) = analysis::analyse(set, criteria, &options, None) {
        for v in &a.verdicts {
            if v.value.is_some_and(|x| !x.is_finite()) {
                return Err(format!("analysis gave {} = {:?}", v.label, v.value));
            }
        }
    }
    Ok(())
}

/// Check `bytes` against `target`'s properties; `Ok(true)` when the parser
/// accepted it, `Err` when a property failed.
pub fn check(seeds: &Seeds, target: Target, bytes: &[u8]) -> Result<bool, String> {
    let path = Path::new("fuzz");
    let lossy = String::from_utf8_lossy(bytes);
    match target {
        Target::Csv => {
            let Ok(text) = text_file::decode(bytes.to_vec(), path) else { return Ok(false) };
            let bits = if text.len() % 2 == 0 { None } else { Some(10) };
            let context = CsvContext { bit_depth: bits, ..CsvContext::default() };
            let Ok(set) = csv_input::parse_csv(&text, path, context) else { return Ok(false) };
            let mut last = None;
            for r in &set.response {
                if last.is_some_and(|d| d >= r.ddl) || r.ddl > values::full_scale(set.bit_depth) {
                    return Err(format!("DDL {} out of order or range", r.ddl));
                }
                last = Some(r.ddl);
                values::luminance("luminance", r.luminance_cd_m2).map_err(|e| e.to_string())?;
                if let Some(c) = r.chromaticity {
                    values::chromaticity("chromaticity", c).map_err(|e| e.to_string())?;
                }
            }
            let mut again = String::from("ddl,luminance,x,y\n");
            for r in &set.response {
                let (x, y) = r.chromaticity.map_or((String::new(), String::new()), |c| {
                    (values::number(c.x), values::number(c.y))
                });
                again.push_str(&format!(
                    "{},{},{x},{y}\n",
                    r.ddl,
                    values::number(r.luminance_cd_m2)
                ));
            }
            let back = csv_input::parse_csv(&again, path, context)
                .map_err(|e| format!("written back, it does not read: {e}"))?;
            let key = |s: &monqc::numbers::measurement::MeasurementSet| {
                s.response
                    .iter()
                    .map(|r| (r.ddl, r.luminance_cd_m2, r.chromaticity))
                    .collect::<Vec<_>>()
            };
            if key(&back) != key(&set) {
                return Err("written back, it reads differently".into());
            }
            analyse_without_panic(&set)?;
            Ok(true)
        }
        Target::Criteria => {
            let Ok(c) = Criteria::parse(&lossy, "fuzz") else { return Ok(false) };
            if !(2..=1024).contains(&c.standard.response_points) {
                return Err(format!("response_points {} accepted", c.standard.response_points));
            }
            for rule in &c.rules {
                if rule.limits.values().any(|v| !v.is_finite() || *v < 0.0) {
                    return Err(format!("a limit of {:?} accepted", rule.limits));
                }
            }
            for g in &c.grades {
                for t in [TestType::Acceptance, TestType::Constancy, TestType::Daily] {
                    c.limits(g, t);
                }
            }
            Ok(true)
        }
        Target::Site => {
            let Ok(site) = Site::parse(&lossy, path) else { return Ok(false) };
            for d in &site.displays {
                if let Some(rd) = d.rd_cd_m2_per_lx {
                    values::rd("rd", rd).map_err(|e| e.to_string())?;
                }
                if let Some(m) = &d.simulation {
                    m.check(&|f| f.to_string()).map_err(|e| e.to_string())?;
                }
            }
            let text = toml::to_string(&site).map_err(|e| format!("does not serialise: {e}"))?;
            let back = Site::parse(&text, path).map_err(|e| format!("written back: {e}"))?;
            if back != site {
                return Err("written back as TOML, it reads differently".into());
            }
            Ok(true)
        }
        Target::Journal => {
            let Ok(v) = journal::verify(&lossy, path) else { return Ok(false) };
            // A CRLF line ending is accepted as a newline (an editor or a
            // Windows copy may convert them); nothing else may differ.
            let complete = lossy[..lossy.rfind('\n').map_or(0, |i| i + 1)].replace("\r\n", "\n");
            let complete = complete.as_str();
            let again: String = v
                .lines
                .iter()
                .map(|l| format!("{}\n", serde_json::to_string(l).unwrap()))
                .collect();
            if again != complete {
                let at = again.bytes().zip(complete.bytes()).take_while(|(a, b)| a == b).count();
                let near =
                    |t: &str| shown(&t.as_bytes()[at.saturating_sub(20)..(at + 20).min(t.len())]);
                return Err(format!(
                    "the verified lines do not re-serialise to the file's bytes: at byte {at} \
                     the file has {} where monqc writes {}",
                    near(complete),
                    near(&again)
                ));
            }
            for (i, line) in v.lines.iter().enumerate() {
                if seeds.journal_lines.get(i) != Some(&serde_json::to_string(line).unwrap()) {
                    return Err(format!("line {} verified but is not the original's", i + 1));
                }
            }
            Ok(true)
        }
        Target::Session => {
            let Ok(s) = session::parse(&lossy, path) else { return Ok(false) };
            let set = s.measurement_set(path);
            s.steps_done();
            analyse_without_panic(&set)?;
            Ok(true)
        }
    }
}

/// The input of a failure, for the report: escaped, at most 300 characters.
pub fn shown(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).escape_debug().take(300).collect()
}

/// Run case `case` of `seed` on `target`: `Ok(accepted)` or the failure.
pub fn run_case(seeds: &Seeds, target: Target, seed: u64, case: u64) -> Result<bool, Failure> {
    let mut rng = case_rng(seed, case);
    let bytes = input(seeds, target, &mut rng);
    match catch_unwind(AssertUnwindSafe(|| check(seeds, target, &bytes))) {
        Ok(Ok(accepted)) => Ok(accepted),
        Ok(Err(problem)) => Err(Failure { target, case, problem, input: shown(&bytes) }),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(Failure {
                target,
                case,
                problem: format!("panicked: {message}"),
                input: shown(&bytes),
            })
        }
    }
}

/// Run cases `from..to` of `seed`, cycling through `targets`; returns the
/// counts per target (in `targets` order) and the failures.
pub fn run(
    seeds: &Seeds,
    targets: &[Target],
    seed: u64,
    from: u64,
    to: u64,
) -> (Vec<Counts>, Vec<Failure>) {
    let mut counts = vec![Counts::default(); targets.len()];
    let mut failures = Vec::new();
    // The panics are counted as failures; the default hook's messages would
    // bury the summary.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for case in from..to {
        let which = (case % targets.len() as u64) as usize;
        counts[which].cases += 1;
        match run_case(seeds, targets[which], seed, case) {
            Ok(true) => counts[which].accepted += 1,
            Ok(false) => {}
            Err(f) => failures.push(f),
        }
    }
    std::panic::set_hook(hook);
    (counts, failures)
}
