//! The measurement CSV as physicists keep it: `ddl,luminance` (cd/m² as
//! the meter read it), optional `x,y`, one row per patch. Read into a
//! [`MeasurementSet`]; every bad cell is an error naming its file, line and
//! column and the fix.
//!
//! Nothing is guessed. Cells may be separated by commas, semicolons or tabs
//! (the one that splits the header into `ddl` and `luminance`); numbers are
//! written with a decimal point. A decimal comma, a row with more cells than
//! the header, tristimulus `X,Y,Z` columns or a chromaticity outside the
//! spectrum locus is refused with the cause named — a European export read
//! as if it were comma-separated would silently give other numbers.

use std::path::{Path, PathBuf};

use crate::numbers::colour::Chromaticity;
use crate::numbers::measurement::{Ambient, MeasurementSet, MeterSetup, Origin, ResponseReading};
use crate::records::text_file::{self, TextFileError};
use crate::records::values::{self, ValueError, quote};

/// The most columns a measurement CSV may have.
pub const MAX_COLUMNS: usize = 64;
/// The most characters in one cell.
pub const MAX_CELL_CHARS: usize = 256;

/// How to write numbers, for the messages.
const DECIMAL_POINT_FIX: &str = "write numbers with a decimal point (2.88, not 2,88): in Excel set \
     File › Options › Advanced › “Decimal separator” to “.” before saving as CSV";

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
    /// The file is not a regular UTF-8 text file of a sensible size.
    #[error(transparent)]
    File(#[from] TextFileError),
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
    /// Upper-case `X`, `Y` or `Z` columns: tristimulus values, not chromaticity.
    #[error(
        "{path}:1: column {column} is a tristimulus value (upper-case X, Y, Z); monqc reads \
         the chromaticity x, y (lower case), where x = X/(X+Y+Z) and y = Y/(X+Y+Z): convert \
         the columns, or rename them `x` and `y` if they already hold chromaticity",
        path = .path.display()
    )]
    Tristimulus {
        /// The file.
        path: PathBuf,
        /// The column as written.
        column: String,
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
    /// A number is out of range or without sense (a chromaticity outside
    /// the spectrum locus, …).
    #[error("{origin}: {source}")]
    Value {
        /// File and line.
        origin: Origin,
        /// What is wrong.
        source: ValueError,
    },
    /// A number written with a decimal comma.
    #[error("{origin}: column `{column}`: {cell} has a decimal comma; {DECIMAL_POINT_FIX}")]
    DecimalComma {
        /// File and line.
        origin: Origin,
        /// Column name.
        column: String,
        /// The cell, quoted.
        cell: String,
    },
    /// A row with more cells than the header has columns.
    #[error(
        "{origin}: {cells} cells where the header names {columns} columns ({row}){why}",
        why = if *.decimal_comma {
            format!(": this looks like numbers written with a decimal comma; {DECIMAL_POINT_FIX}")
        } else {
            "; name every column in the header, or remove the extra cells".to_string()
        }
    )]
    ExtraCells {
        /// File and line.
        origin: Origin,
        /// Cells in the row.
        cells: usize,
        /// Columns in the header.
        columns: usize,
        /// The row, quoted.
        row: String,
        /// Whether every cell is a bare integer, as decimal commas split by
        /// the comma separator leave them.
        decimal_comma: bool,
    },
    /// A cell, or the header, is larger than monqc reads.
    #[error("{origin}: {what}; {limit}")]
    TooLarge {
        /// File and line.
        origin: Origin,
        /// What is too large.
        what: String,
        /// The limit, stated.
        limit: String,
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
    /// The options given with the file are out of range.
    #[error("{0}")]
    Context(ValueError),
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
/// order; they are sorted by DDL. The file must be a regular UTF-8 file of
/// at most [`text_file::MAX_BYTES`].
pub fn read_csv(path: &Path, context: CsvContext) -> Result<MeasurementSet, CsvError> {
    let text = text_file::read(path)?;
    parse_csv(&text, path, context)
}

/// A header cell as a column name: lower case, without a unit suffix.
fn column_name(h: &str) -> String {
    let h = h.trim().to_ascii_lowercase();
    h.split(['(', '[']).next().unwrap_or("").trim().to_string()
}

const DDL_NAMES: &[&str] = &["ddl", "gl", "gray level", "grey level", "level"];
const LUMINANCE_NAMES: &[&str] = &["luminance", "l", "lum", "cd/m2", "cd/m²"];

/// The cell separator: the first of comma, semicolon and tab that splits the
/// header into both a DDL and a luminance column (comma when none does).
fn separator(text: &str) -> u8 {
    let splits = |sep: u8| {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(sep)
            .trim(csv::Trim::All)
            .comment(Some(b'#'))
            .flexible(true)
            .from_reader(text.as_bytes());
        reader.headers().is_ok_and(|h| {
            let names: Vec<String> = h.iter().map(column_name).collect();
            let has = |want: &[&str]| names.iter().any(|n| want.contains(&n.as_str()));
            has(DDL_NAMES) && has(LUMINANCE_NAMES)
        })
    };
    [b',', b';', b'\t'].into_iter().find(|&s| splits(s)).unwrap_or(b',')
}

/// True for `2,88`: digits, one comma, digits.
fn has_decimal_comma(cell: &str) -> bool {
    let cell = cell.trim_start_matches(['+', '-']);
    cell.split_once(',').is_some_and(|(a, b)| {
        !a.is_empty()
            && !b.is_empty()
            && a.bytes().all(|c| c.is_ascii_digit())
            && b.bytes().all(|c| c.is_ascii_digit())
    })
}

/// [`read_csv`] on text already in memory; `path` is used in messages.
pub fn parse_csv(text: &str, path: &Path, context: CsvContext) -> Result<MeasurementSet, CsvError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(CsvError::Empty { path: path.to_owned() });
    }
    let bit_depth =
        values::bit_depth("--bits", context.bit_depth.unwrap_or(8)).map_err(CsvError::Context)?;
    if let Some(a) = context.ambient {
        values::luminance("Lamb", a.lamb_cd_m2).map_err(CsvError::Context)?;
        if let Some(e) = a.illuminance_lx {
            values::illuminance("illuminance", e).map_err(CsvError::Context)?;
        }
    }
    let sep = separator(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sep)
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
    let columns = Columns::of(&headers, path)?;
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
        check_row(&record, columns.count, sep, &origin)?;
        let reading = columns.reading(&record, origin, bit_depth)?;
        if let Some(first) = response.iter().find(|r| r.ddl == reading.ddl) {
            return Err(CsvError::DuplicateDdl {
                origin: reading.origin,
                ddl: reading.ddl,
                first_line: first.origin.line.unwrap_or(0),
            });
        }
        response.push(reading);
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

/// Where a measurement CSV keeps its values, from its header.
struct Columns {
    ddl: usize,
    luminance: usize,
    x: Option<usize>,
    y: Option<usize>,
    /// How many columns the header names.
    count: usize,
}

impl Columns {
    /// The columns of `headers`, refusing a header too large, tristimulus
    /// values, or one without a DDL or luminance column.
    fn of(headers: &csv::StringRecord, path: &Path) -> Result<Self, CsvError> {
        let origin = Origin {
            path: Some(path.to_owned()),
            line: headers.position().map(|p| p.line() as usize),
        };
        if headers.len() > MAX_COLUMNS {
            return Err(CsvError::TooLarge {
                origin,
                what: format!("the header has {} columns", headers.len()),
                limit: format!("a measurement CSV has at most {MAX_COLUMNS} columns"),
            });
        }
        if let Some(long) = headers.iter().find(|h| h.chars().count() > MAX_CELL_CHARS) {
            return Err(CsvError::TooLarge {
                origin,
                what: format!(
                    "a column name of {} characters ({})",
                    long.chars().count(),
                    quote(long)
                ),
                limit: format!("column names have at most {MAX_CELL_CHARS} characters"),
            });
        }
        if let Some(t) = headers.iter().find(|h| {
            matches!(h.trim().split(['(', '[']).next().unwrap_or("").trim(), "X" | "Y" | "Z")
        }) {
            return Err(CsvError::Tristimulus { path: path.to_owned(), column: quote(t) });
        }
        let names: Vec<String> = headers.iter().map(column_name).collect();
        let find = |want: &[&str]| names.iter().position(|n| want.contains(&n.as_str()));
        let missing = |column: &'static str| {
            let mut shown: Vec<String> = headers.iter().take(8).map(quote).collect();
            if headers.len() > 8 {
                shown.push(format!("… {} columns in all", headers.len()));
            }
            CsvError::MissingColumn { path: path.to_owned(), column, found: shown.join(", ") }
        };
        Ok(Self {
            ddl: find(DDL_NAMES).ok_or_else(|| missing("ddl"))?,
            luminance: find(LUMINANCE_NAMES).ok_or_else(|| missing("luminance"))?,
            x: find(&["x"]),
            y: find(&["y"]),
            count: headers.len(),
        })
    }

    /// The reading on row `record`.
    fn reading(
        &self,
        record: &csv::StringRecord,
        origin: Origin,
        bit_depth: u8,
    ) -> Result<ResponseReading, CsvError> {
        let ddl_max = values::full_scale(bit_depth);
        let ddl_value = cell(record, self.ddl, "ddl", &origin)?;
        if ddl_value.fract() != 0.0 || ddl_value > f64::from(ddl_max) {
            return Err(CsvError::BadValue {
                origin,
                column: "ddl".into(),
                problem: format!(
                    "{} is not a whole DDL between 0 and {ddl_max} ({bit_depth}-bit)",
                    values::number(ddl_value)
                ),
                fix: "give the pattern's digital driving level; for 10-bit patterns pass --bits 10",
            });
        }
        let luminance_cd_m2 = cell(record, self.luminance, "luminance", &origin)?;
        let chromaticity = match (self.x, self.y) {
            (Some(xc), Some(yc))
                if !record.get(xc).unwrap_or("").is_empty()
                    || !record.get(yc).unwrap_or("").is_empty() =>
            {
                let c = Chromaticity {
                    x: cell(record, xc, "x", &origin)?,
                    y: cell(record, yc, "y", &origin)?,
                };
                values::chromaticity("chromaticity", c)
                    .map_err(|source| CsvError::Value { origin: origin.clone(), source })?;
                Some(c)
            }
            _ => None,
        };
        Ok(ResponseReading {
            ddl: ddl_value as u16,
            luminance_cd_m2,
            chromaticity,
            flags: Vec::new(),
            origin,
        })
    }
}

/// Refuse a row with a cell too long, or with more (non-empty) cells than
/// the header has columns (a trailing separator is allowed).
fn check_row(
    record: &csv::StringRecord,
    columns: usize,
    sep: u8,
    origin: &Origin,
) -> Result<(), CsvError> {
    if let Some(long) = record.iter().find(|c| c.chars().count() > MAX_CELL_CHARS) {
        return Err(CsvError::TooLarge {
            origin: origin.clone(),
            what: format!("a cell of {} characters ({})", long.chars().count(), quote(long)),
            limit: format!("cells have at most {MAX_CELL_CHARS} characters"),
        });
    }
    if record.iter().skip(columns).any(|c| !c.is_empty()) {
        let row = record.iter().collect::<Vec<_>>().join(&char::from(sep).to_string());
        return Err(CsvError::ExtraCells {
            origin: origin.clone(),
            cells: record.len(),
            columns,
            row: quote(&row),
            decimal_comma: sep == b','
                && record.iter().all(|c| {
                    !c.is_empty()
                        && c.trim_start_matches(['+', '-']).bytes().all(|b| b.is_ascii_digit())
                }),
        });
    }
    Ok(())
}

/// The number in column `col` (called `name` in messages) of `record`: a
/// plain, finite, non-negative decimal with a point.
fn cell(
    record: &csv::StringRecord,
    col: usize,
    name: &str,
    origin: &Origin,
) -> Result<f64, CsvError> {
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
    if has_decimal_comma(text) {
        return Err(CsvError::DecimalComma {
            origin: origin.clone(),
            column: name.to_string(),
            cell: quote(text),
        });
    }
    let v: f64 = text.parse().map_err(|_| {
        bad(
            format!("{} is not a number", quote(text)),
            "use a plain decimal number with a point (e.g. 0.52), no unit or thousands separator",
        )
    })?;
    if !v.is_finite() {
        return Err(bad(
            format!("{} is not a finite number", quote(text)),
            "replace it with the value the meter showed, or measure the patch again",
        ));
    }
    if v < 0.0 {
        return Err(bad(
            format!("{} is negative", values::number(v)),
            "luminance, DDL and chromaticity cannot be negative; check the sign and the column",
        ));
    }
    Ok(v)
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

    /// REDTEAM W2 and U3: a European export (decimal commas, unquoted) read
    /// as comma-separated gave other numbers and a wrong verdict.
    #[test]
    fn decimal_commas_and_extra_cells_are_refused_never_guessed() {
        let eu = "ddl,luminance\n0,1,5\n15,2,88\n255,450,0\n";
        let err = parse(eu).unwrap_err().to_string();
        assert!(
            err.contains("m.csv:2: 3 cells where the header names 2 columns (`0,1,5`)")
                && err.contains("decimal comma")
                && err.contains("Decimal separator"),
            "{err}"
        );
        let extra = parse("ddl,luminance\n0,0.5,7.25\n").unwrap_err().to_string();
        assert!(extra.contains("3 cells where") && extra.contains("name every column"), "{extra}");
        // A trailing separator (an empty extra cell) is not an extra value.
        assert_eq!(parse("ddl,luminance\n0,0.5,\n255,400,\n").unwrap().response.len(), 2);
        let quoted = parse("ddl,luminance\n0,\"1,5\"\n").unwrap_err().to_string();
        assert!(quoted.contains("column `luminance`: `1,5` has a decimal comma"), "{quoted}");
    }

    #[test]
    fn semicolon_and_tab_separated_files_are_read_with_decimal_points_only() {
        for sep in [";", "\t"] {
            let text = format!("ddl{sep}luminance\n0{sep}0.52\n255{sep}400.5\n");
            let set = parse(&text).unwrap();
            let got: Vec<_> = set.response.iter().map(|r| (r.ddl, r.luminance_cd_m2)).collect();
            assert_eq!(got, vec![(0, 0.52), (255, 400.5)], "separator {sep:?}");
            let eu = format!("ddl{sep}luminance\n0{sep}0,52\n");
            let err = parse(&eu).unwrap_err().to_string();
            assert!(err.contains("`0,52` has a decimal comma"), "{sep:?}: {err}");
        }
    }

    /// REDTEAM W5: tristimulus columns read as chromaticity, impossible
    /// chromaticities judged.
    #[test]
    fn tristimulus_columns_and_impossible_chromaticity_are_refused() {
        let err = parse("ddl,luminance,X,Y,Z\n0,0.5,0.47,0.5,0.54\n").unwrap_err().to_string();
        assert!(err.contains("m.csv:1: column `X` is a tristimulus value"), "{err}");
        for (row, want) in [
            ("0,0.5,1.5,0", "between 0 and 1"),
            ("0,0.5,0,0", "not a colour"),
            ("0,0.5,0.4,0.05", "spectrum locus"),
        ] {
            let err = parse(&format!("ddl,luminance,x,y\n{row}\n")).unwrap_err().to_string();
            assert!(err.starts_with("m.csv:2: chromaticity") && err.contains(want), "{row}: {err}");
        }
    }

    /// REDTEAM U4 and H1: offending input is quoted short and escaped;
    /// cells and headers are bounded.
    #[test]
    fn offending_input_is_quoted_short_and_sizes_are_bounded() {
        let huge = "9".repeat(1_000_000);
        let err = parse(&format!("ddl,luminance\n0,{huge}x\n")).unwrap_err().to_string();
        assert!(err.len() < 300 && err.contains("cells have at most 256 characters"), "{err}");
        let err = parse("ddl,luminance\n0,4\u{7}5\n").unwrap_err().to_string();
        assert!(err.contains("`4\\u{7}5` is not a number"), "{err}");
        let err = parse("ddl,luminance\n0,-1e308\n").unwrap_err().to_string();
        assert!(err.contains("-1e308 is negative"), "{err}");
        let wide = (0..100).map(|i| format!("c{i}")).collect::<Vec<_>>().join(",");
        let err = parse(&format!("{wide}\n")).unwrap_err().to_string();
        assert!(
            err.contains("the header has 100 columns; a measurement CSV has at most 64"),
            "{err}"
        );
        let unbalanced = format!("ddl,luminance\n0,\"0.5\n{}", "15,1.1\n".repeat(10_000));
        let err = parse(&unbalanced).unwrap_err().to_string();
        assert!(err.len() < 300, "an unbalanced quote does not dump the file: {err}");
        let err = parse("ddl,luminance\n0,1\n").map(|_| ()).and_then(|_| {
            parse_csv(
                "ddl,luminance\n0,1\n",
                Path::new("m.csv"),
                CsvContext { bit_depth: Some(40), ..CsvContext::default() },
            )
            .map(|_| ())
        });
        assert!(err.unwrap_err().to_string().contains("--bits 40: use 8 or 10"));
    }
}
