//! What a file given for analysis holds: a session journal, a measurement
//! CSV, or one of monqc's other files — a record, the record index, an
//! amendments file, an export — which are not measurements and get a
//! message saying which command reads them (REDTEAM U6: they were read as a
//! CSV and refused for lack of a `ddl` column).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::records::journal::Line;
use crate::records::{record, session};

/// What the file holds, when it holds measurements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A monqc session journal.
    Session,
    /// Anything else: read as a measurement CSV.
    Csv,
}

/// A file of monqc's that is not measurements, or a session that was
/// re-saved by an editor.
#[derive(Debug, thiserror::Error)]
#[error("{path} is {what}; {fix}", path = .path.display())]
pub struct NotMeasurements {
    /// The file.
    pub path: PathBuf,
    /// What it is.
    pub what: String,
    /// What to do instead.
    pub fix: String,
}

/// Recognise `text`, read from `path`.
pub fn recognise(text: &str, path: &Path) -> Result<FileKind, NotMeasurements> {
    let not = |what: &str, fix: &str| NotMeasurements {
        path: path.to_owned(),
        what: what.to_string(),
        fix: fix.to_string(),
    };
    if let Some(rest) = text.strip_prefix('\u{FEFF}')
        && rest.starts_with("{\"seq\":")
    {
        return Err(not(
            "a monqc journal that starts with a byte-order mark (an editor re-saved it)",
            "monqc writes journals without one: analyse the original file, or remove the first \
             three bytes (the hash chain is checked after that)",
        ));
    }
    if text.starts_with("{\"seq\":") {
        let first = text.lines().next().unwrap_or_default();
        let body = serde_json::from_str::<Line>(first).map(|l| l.body).unwrap_or(Value::Null);
        let format = body.get("format").and_then(Value::as_str);
        return match format {
            Some(session::FORMAT) => Ok(FileKind::Session),
            Some("monqc-record-index") => Err(not(
                "the record index of a data directory, not measurements",
                "`monqc history DISPLAY` lists a display's records and `monqc report ID` prints one",
            )),
            Some(other) => Err(not(
                &format!("a monqc journal of format `{}`, not a session", other.escape_debug()),
                "analyse a session file (sessions/*.jsonl in the data directory) or a CSV",
            )),
            None if body.get("amends").is_some() => Err(not(
                "the amendments of a record, not measurements",
                "`monqc export ID` shows a record with its amendments",
            )),
            // Not recognisable: the session reader names what is wrong.
            None => Ok(FileKind::Session),
        };
    }
    if text.trim_start().starts_with('{')
        && let Ok(json) = serde_json::from_str::<Value>(text)
    {
        return Err(match json.get("format").and_then(Value::as_str) {
            Some(record::FORMAT) => not(
                "a finalised monqc record, not measurements",
                "`monqc report ID` prints it and `monqc verify ID` checks it; to analyse its \
                 readings again, analyse its session file (sessions/ in the data directory)",
            ),
            Some("monqc-record-export") => not(
                "an export of a monqc record, not measurements",
                "analyse the record's session file, or a CSV with `ddl,luminance` columns",
            ),
            _ => not(
                "a JSON file, not a measurement CSV or a monqc session",
                "give a CSV with the header `ddl,luminance` or a session file",
            ),
        });
    }
    Ok(FileKind::Csv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> Result<FileKind, String> {
        recognise(text, Path::new("f")).map_err(|e| e.to_string())
    }

    #[test]
    fn each_monqc_file_is_named_with_the_command_that_reads_it() {
        let line =
            |body: &str| format!("{{\"seq\":0,\"prev\":\"0\",\"body\":{body},\"hash\":\"0\"}}\n");
        assert_eq!(kind(&line(r#"{"format":"monqc-session","version":1}"#)), Ok(FileKind::Session));
        assert_eq!(kind("ddl,luminance\n0,1\n"), Ok(FileKind::Csv));
        let cases = [
            (line(r#"{"format":"monqc-record-index"}"#), "the record index"),
            (line(r#"{"amends":"ab12"}"#), "the amendments of a record"),
            (line(r#"{"format":"monqc-sessionX"}"#), "format `monqc-sessionX`, not a session"),
            (format!("\u{FEFF}{}", line(r#"{"format":"monqc-session"}"#)), "byte-order mark"),
            (
                "{\n  \"format\": \"monqc-record\",\n  \"version\": 1\n}".to_string(),
                "monqc report ID",
            ),
            ("{\"a\": 1}".to_string(), "a JSON file"),
        ];
        for (text, want) in cases {
            let err = kind(&text).unwrap_err();
            assert!(err.starts_with("f is ") && err.contains(want), "{want}: {err}");
        }
    }
}
