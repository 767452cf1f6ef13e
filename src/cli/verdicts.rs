//! The verdict table printed by `analyze` and `demo`.

use std::io::Write;

use monqc::standards::analysis::{Analysis, Outcome as VerdictOutcome, format_value};
use monqc::standards::criteria::Basis;

/// Print the analysis to stdout, as JSON or as the table, and turn its
/// overall verdict into the command's outcome.
pub fn emit(a: &Analysis, json: bool) -> anyhow::Result<super::Outcome> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if json {
        serde_json::to_writer_pretty(&mut out, a)?;
        writeln!(out)?;
    } else {
        print(&mut out, a)?;
    }
    Ok(match a.overall {
        VerdictOutcome::Fail => super::Outcome::CriteriaFailed,
        _ => super::Outcome::Pass,
    })
}

/// Print the analysis as a human-readable table.
pub fn print(out: &mut dyn Write, a: &Analysis) -> std::io::Result<()> {
    writeln!(out, "{} — grade {} — {} test", a.standard, a.grade, a.test)?;
    writeln!(out, "meter set-up: {}", a.setup.describe())?;
    match &a.ambient {
        Some(amb) => {
            let e =
                amb.illuminance_lx.map(|e| format!(", illuminance {e:.1} lx")).unwrap_or_default();
            writeln!(out, "Lamb {:.4} cd/m² ({}){e}", amb.lamb_cd_m2, amb.source)?;
        }
        None => {
            writeln!(out, "Lamb not known: taken as 0 cd/m²; the ambient rule is not evaluated")?
        }
    }
    if let (Some(lmax), Some(lmin), Some(ratio), Some(cr)) =
        (a.lmax_cd_m2, a.lmin_cd_m2, a.luminance_ratio, a.contrast_response.as_ref())
    {
        let worst = &cr.intervals[cr.worst_interval];
        writeln!(
            out,
            "L'max {lmax:.2} cd/m²   L'min {lmin:.4} cd/m²   r' {ratio:.1}   Kδ {:.2} % (interval DDL {}→{})",
            cr.kdelta_percent, worst.ddl_low, worst.ddl_high,
        )?;
    }
    writeln!(out)?;
    let rows: Vec<[String; 4]> = a
        .verdicts
        .iter()
        .map(|v| {
            let value = v.value.map_or("—".to_string(), |x| format_value(x, &v.unit));
            let limit = format!("{} {}", v.comparison.symbol(), format_value(v.limit, &v.unit));
            let mark = if v.basis == Basis::Provisional { " *" } else { "" };
            [v.label.clone(), value, limit, format!("{}{mark}", v.result.word())]
        })
        .collect();
    let header = ["item", "measured", "limit", "verdict"];
    let width = |i: usize| {
        rows.iter().map(|r| r[i].chars().count()).chain([header[i].len()]).max().unwrap_or(0)
    };
    let w = [width(0), width(1), width(2), width(3)];
    let line = |out: &mut dyn Write, c: [&str; 4]| {
        let pad =
            |s: &str, n: usize| format!("{s}{}", " ".repeat(n.saturating_sub(s.chars().count())));
        writeln!(out, "  {}  {}  {}  {}", pad(c[0], w[0]), pad(c[1], w[1]), pad(c[2], w[2]), c[3])
    };
    line(out, header)?;
    for r in &rows {
        line(out, [&r[0], &r[1], &r[2], &r[3]])?;
    }
    writeln!(out)?;
    for v in &a.verdicts {
        let why = v.reason.as_deref().map(|r| format!(" — {r}")).unwrap_or_default();
        writeln!(out, "  {}: {}{why}", v.label, v.clause)?;
    }
    if a.verdicts.iter().any(|v| v.basis == Basis::Provisional) {
        writeln!(
            out,
            "  * provisional limit: the standard's own value is not confirmed; see calibration-data/README.md"
        )?;
    }
    if !a.visual.is_empty() {
        writeln!(out, "visual checks:")?;
        for j in &a.visual {
            let note = j.note.as_deref().map(|n| format!(" — {n}")).unwrap_or_default();
            let verdict = if j.passed { "pass" } else { "FAIL" };
            writeln!(out, "  {:<12} {:<10} {verdict}{note}", j.item, j.pattern)?;
        }
    }
    writeln!(out)?;
    let overall = match a.overall {
        VerdictOutcome::Fail => "FAIL: at least one criterion is not met",
        _ => "PASS: every evaluated criterion is met",
    };
    writeln!(out, "overall: {overall}")
}
