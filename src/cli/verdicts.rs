//! The verdict table printed by `analyze`, `run`, `resume` and `demo`.

use std::io::Write;

use monqc::standards::analysis::{
    Analysis, Outcome as VerdictOutcome, Verdict, format_value, format_with_uncertainty,
};
use monqc::standards::criteria::Basis;

/// The command's outcome for an analysis's overall verdict: exit 0 PASS,
/// 1 FAIL, 3 INCOMPLETE.
pub fn outcome(a: &Analysis) -> super::Outcome {
    match a.overall {
        VerdictOutcome::Fail => super::Outcome::CriteriaFailed,
        VerdictOutcome::Incomplete => super::Outcome::Incomplete,
        _ => super::Outcome::Pass,
    }
}

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
    Ok(outcome(a))
}

/// The measured column: the value with its expanded uncertainty (k = 2).
fn measured(v: &Verdict) -> String {
    v.value
        .map_or("—".to_string(), |x| format_with_uncertainty(x, v.uncertainty.as_ref(), &v.unit))
}

/// The verdict column: the word, marked `*` for a provisional limit, `†`
/// for an unsourced one, `(optional)` for an item the standard makes optional.
fn verdict_word(v: &Verdict) -> String {
    let mark = match v.basis {
        Basis::Provisional => " *",
        Basis::Unsourced => " †",
        _ => "",
    };
    let optional = if v.optional { " (optional)" } else { "" };
    format!("{}{mark}{optional}", v.word())
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
        None => writeln!(
            out,
            "Lamb not known: taken as 0 cd/m² in L'max, L'min and r'; the ambient rule is not \
             evaluated"
        )?,
    }
    if let (Some(lmax), Some(lmin), Some(ratio), Some(cr)) =
        (a.lmax_cd_m2, a.lmin_cd_m2, a.luminance_ratio, a.contrast_response.as_ref())
    {
        let worst = &cr.intervals[cr.worst_interval];
        let unknown = if a.ambient.is_none() { "  (Lamb unknown, taken as 0)" } else { "" };
        writeln!(
            out,
            "L'max {lmax:.2} cd/m²   L'min {lmin:.4} cd/m²   r' {ratio:.1}   Kδ {:.2} % (interval DDL {}→{}){unknown}",
            cr.kdelta_percent, worst.ddl_low, worst.ddl_high,
        )?;
    }
    if let Some(b) = &a.background_series {
        let bg = b.background_ddl.map(|d| format!(" DDL {d}")).unwrap_or_default();
        writeln!(
            out,
            "on the 20 % background{bg}: Kδ {:.2} % (reported, not judged)",
            b.contrast_response.kdelta_percent
        )?;
    }
    if let Some(b) = &a.baseline
        && !a.verdicts.iter().any(|v| v.item == monqc::standards::criteria::Item::LmaxChange)
    {
        writeln!(
            out,
            "L'max change from the baseline: {:+.2} % (no tolerance set: no standard gives one; \
             a site may set [constancy] lmax_change_percent in site.toml)",
            b.lmax_change_percent
        )?;
    }
    if let Some(only) = &a.only {
        writeln!(out, "this verdict covers only: {} (--only)", only.join(", "))?;
    }
    writeln!(out)?;
    let rows: Vec<[String; 4]> = a
        .verdicts
        .iter()
        .map(|v| {
            let limit = format!("{} {}", v.comparison.symbol(), format_value(v.limit, &v.unit));
            [v.label.clone(), measured(v), limit, verdict_word(v)]
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
    if a.verdicts.iter().any(|v| v.basis == Basis::Unsourced) {
        writeln!(out, "  † unsourced limit: the site's own setting; no standard gives it")?;
    }
    if a.verdicts.iter().any(|v| v.uncertainty.is_some()) {
        writeln!(
            out,
            "  ± expanded uncertainty (k = 2, GUM first-order propagation) from the meters' \
             stated accuracy and repeatability"
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
    for note in &a.notes {
        writeln!(out, "note: {note}")?;
    }
    writeln!(out)?;
    match a.overall {
        VerdictOutcome::Fail => {
            writeln!(out, "overall: FAIL (不合格): at least one criterion is not met")?
        }
        VerdictOutcome::Incomplete => {
            writeln!(
                out,
                "overall: INCOMPLETE (判定保留): nothing failed, but {} required item(s) were not judged:",
                a.not_judged.len()
            )?;
            for n in &a.not_judged {
                writeln!(out, "  - {}: {}", n.item, n.reason)?;
            }
        }
        _ if a.edition < 2 => writeln!(
            out,
            "overall: PASS: every evaluated criterion is met (a record of monqc's first rules)"
        )?,
        _ => writeln!(out, "overall: PASS (合格): every required item was judged and met")?,
    }
    let near: Vec<&str> =
        a.verdicts.iter().filter(|v| v.near_limit).map(|v| v.label.as_str()).collect();
    if !near.is_empty() {
        writeln!(
            out,
            "within the measurement uncertainty of the limit: {} (a repeat could fall the other side)",
            near.join(", ")
        )?;
    }
    Ok(())
}
