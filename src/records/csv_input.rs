//! The measurement CSV as physicists keep it: `ddl,luminance` (cd/m² as
//! the meter read it), optional `x,y`, one row per patch. Read into a
//! [`MeasurementSet`]; every bad cell is an error naming its file, line and
//! column and the fix.

use std::path::{Path, PathBuf};

use crate::numbers::colour::Chromaticity;
use crate::numbers::measurement::{Ambient, MeasurementSet, MeterSetup, Origin, ResponseReading};

/// Why a measurement CSV could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CsvError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}", path = .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file holds nothing.
    #[error(
        "{path} is empty; a measurement CSV needs a header line `ddl,luminance` \
         (optionally `,x,y`) and one row per patch",
        path = .path.display()
    )]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// A required column is missing from the header.
    #[error(
        "{path}:1: no `{column}` column (found: {found}); the header must name the columns \
         `ddl,luminance` (luminance in cd/m² as the meter read it), optionally `x,y`",
        path = .path.display()
    )]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The missing column.
        column: &'static str,
        /// The columns found.
        found: String,
    },
    /// A cell is not a number, is NaN or infinite, or is negative.
    #[error("{origin}: column `{column}`: {problem}; {fix}")]
    BadValue {
        /// File and line.
        origin: Origin,
        /// Column name.
        column: String,
        /// What is wrong with the cell.
        problem: String,
        /// What to do about it.
        fix: &'static str,
    },
    /// A header row but no data.
    #[error("{path}: a header but no readings; add one row per patch", path = .path.display())]
    NoRows {
        /// The file.
        path: PathBuf,
    },
    /// The same DDL twice.
    #[error(
        "{origin}: DDL {ddl} was already given at line {first_line}; keep one reading per DDL \
         (average repeated readings before entering them)"
    )]
    DuplicateDdl {
        /// Where the second one is.
        origin: Origin,
        /// The DDL.
        ddl: u16,
        /// The line of the first one.
        first_line: usize,
    },
    /// The CSV itself is malformed (a header or row the reader cannot split).
    #[error("{origin}: {problem}")]
    Malformed {
        /// File and line.
        origin: Origin,
        /// What is wrong.
        problem: String,
    },
}

/// Options a plain CSV cannot carry, given by the caller (the CLI flags).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct CsvContext {
    /// How the meter looked at the display.
    pub setup: MeterSetup,
    /// Ambient light, when known.
    pub ambient: Option<Ambient>,
    /// Bits per DDL (8 when not given).
    pub bit_depth: Option<u8>,
}

/// Read a luminance response from a CSV as physicists keep it: a header with
/// `ddl` and `luminance` (cd/m², as the meter read it), optional `x` and `y`,
/// one row per patch. Column names are matched without regard to case,
/// spaces, or a unit suffix such as `luminance (cd/m2)`. Rows may come in any
/// order; they are sorted by DDL.
pub fn read_csv(path: &Path, context: CsvContext) -> Result<MeasurementSet, CsvError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| CsvError::Io { path: path.to_owned(), source })?;
    parse_csv(&text, path, context)
}

/// [`read_csv`] on text already in memory; `path` is used in messages.
pub fn parse_csv(text: &str, path: &Path, context: CsvContext) -> Result<MeasurementSet, CsvError> {
    if text.trim().is_empty() {
        return Err(CsvError::Empty { path: path.to_owned() });
    }
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| CsvError::Malformed {
            origin: Origin { path: Some(path.to_owned()), line: Some(1) },
            problem: format!("cannot read the header: {e}"),
        })?
        .clone();
    let normalise = |h: &str| {
        let h = h.trim().to_ascii_lowercase();
        h.split(['(', '[']).next().unwrap_or("").trim().to_string()
    };
    let names: Vec<String> = headers.iter().map(normalise).collect();
    let find = |want: &[&str]| names.iter().position(|n| want.contains(&n.as_str()));
    let found = headers.iter().collect::<Vec<_>>().join(", ");
    let ddl_col = find(&["ddl", "gl", "gray level", "grey level", "level"]).ok_or_else(|| {
        CsvError::MissingColumn { path: path.to_owned(), column: "ddl", found: found.clone() }
    })?;
    let lum_col = find(&["luminance", "l", "lum", "cd/m2", "cd/m²"]).ok_or_else(|| {
        CsvError::MissingColumn { path: path.to_owned(), column: "luminance", found: found.clone() }
    })?;
    let x_col = find(&["x"]);
    let y_col = find(&["y"]);
    let bit_depth = context.bit_depth.unwrap_or(8);
    let ddl_max = (1u32 << bit_depth) - 1;

    let mut response: Vec<ResponseReading> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| CsvError::Malformed {
            origin: Origin {
                path: Some(path.to_owned()),
                line: e.position().map(|p| p.line() as usize),
            },
            problem: format!("malformed CSV row: {e}"),
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let origin = Origin { path: Some(path.to_owned()), line: Some(line) };
        if record.iter().all(|c| c.is_empty()) {
            continue;
        }
        let cell = |col: usize, name: &str| -> Result<f64, CsvError> {
            let text = record.get(col).unwrap_or("");
            let bad = |problem: String, fix: &'static str| CsvError::BadValue {
                origin: origin.clone(),
                column: name.to_string(),
                problem,
                fix,
            };
            if text.is_empty() {
                return Err(bad("empty cell".into(), "enter the reading or delete the row"));
            }
            let v: f64 = text.parse().map_err(|_| {
                bad(
                    format!("`{text}` is not a number"),
                    "use a plain decimal number with a point (e.g. 0.52), no unit or thousands separator",
                )
            })?;
            if !v.is_finite() {
                return Err(bad(
                    format!("`{text}` is not a finite number"),
                    "replace it with the value the meter showed, or measure the patch again",
                ));
            }
            if v < 0.0 {
                return Err(bad(
                    format!("{v} is negative"),
                    "luminance, DDL and chromaticity cannot be negative; check the sign and the column",
                ));
            }
            Ok(v)
        };
        let ddl_value = cell(ddl_col, "ddl")?;
        if ddl_value.fract() != 0.0 || ddl_value > f64::from(ddl_max) {
            return Err(CsvError::BadValue {
                origin,
                column: "ddl".into(),
                problem: format!(
                    "{ddl_value} is not a whole DDL between 0 and {ddl_max} ({bit_depth}-bit)"
                ),
                fix: "give the pattern's digital driving level; for 10-bit patterns pass --bits 10",
            });
        }
        let ddl = ddl_value as u16;
        let luminance_cd_m2 = cell(lum_col, "luminance")?;
        let chromaticity = match (x_col, y_col) {
            (Some(xc), Some(yc))
                if !record.get(xc).unwrap_or("").is_empty()
                    || !record.get(yc).unwrap_or("").is_empty() =>
            {
                Some(Chromaticity { x: cell(xc, "x")?, y: cell(yc, "y")? })
            }
            _ => None,
        };
        if let Some(first) = response.iter().find(|r| r.ddl == ddl) {
            return Err(CsvError::DuplicateDdl {
                origin,
                ddl,
                first_line: first.origin.line.unwrap_or(0),
            });
        }
        response.push(ResponseReading {
            ddl,
            luminance_cd_m2,
            chromaticity,
            flags: Vec::new(),
            origin,
        });
    }
    if response.is_empty() {
        return Err(CsvError::NoRows { path: path.to_owned() });
    }
    response.sort_by_key(|r| r.ddl);
    Ok(MeasurementSet {
        source: Some(path.to_owned()),
        ..MeasurementSet::from_readings(context.setup, context.ambient, bit_depth, response)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<MeasurementSet, CsvError> {
        parse_csv(text, Path::new("m.csv"), CsvContext::default())
    }

    #[test]
    fn reads_ddl_and_luminance_in_any_order_with_units_in_header() {
        let set = parse("DDL, Luminance (cd/m2)\n255,400.5\n0,0.52\n15,1.1\n").unwrap();
        let got: Vec<_> = set.response.iter().map(|r| (r.ddl, r.luminance_cd_m2)).collect();
        assert_eq!(got, vec![(0, 0.52), (15, 1.1), (255, 400.5)]);
        assert_eq!(set.response[0].origin.line, Some(3));
    }

    #[test]
    fn reads_optional_chromaticity() {
        let set = parse("ddl,luminance,x,y\n0,0.5,0.31,0.33\n255,400,0.3127,0.3290\n").unwrap();
        assert_eq!(set.response[1].chromaticity, Some(Chromaticity { x: 0.3127, y: 0.3290 }));
    }

    #[test]
    fn each_bad_input_names_place_and_fix() {
        let cases: &[(&str, &str)] = &[
            ("", "is empty"),
            ("ddl,lum\n", "no readings"),
            ("level,value\n0,1\n", "no `luminance` column"),
            ("ddl,luminance\n0,abc\n", "m.csv:2: column `luminance`: `abc` is not a number"),
            ("ddl,luminance\n0,NaN\n", "m.csv:2: column `luminance`: `NaN` is not a finite number"),
            ("ddl,luminance\n0,1\n15,-2\n", "m.csv:3: column `luminance`: -2 is negative"),
            ("ddl,luminance\n0,1\n300,2\n", "m.csv:3: column `ddl`: 300 is not a whole DDL"),
            ("ddl,luminance\n0,1\n0,2\n", "m.csv:3: DDL 0 was already given at line 2"),
            ("ddl,luminance\n0,\n", "m.csv:2: column `luminance`: empty cell"),
        ];
        for (text, want) in cases {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.contains(want), "for {text:?}: {err}");
        }
    }
}
