//! The site configuration (`site.toml` in the data directory): the facility,
//! its displays, meters (with calibration dates) and operators.
//!
//! Parsed in two steps like the criteria: the TOML shape, then checks that
//! name the entry and the fix (unique ids, known standard and grade, dates,
//! display ids that are safe file names).
//!
//! Written only by [`add_display`] and [`add_signing_key`]: under the data
//! directory's lock, the whole file replaced atomically (a unique temporary
//! file, synced, renamed), so concurrent commands never lose an entry or
//! leave a half-written file (REDTEAM D2).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::measuring::rig::SiteMeter;
use crate::measuring::simulated_display::DisplayModel;
use crate::numbers::measurement::MeterSetup;
use crate::office::typed_text::{self, Lines};
use crate::records::durable;
use crate::records::signing;
use crate::records::store::{self, Store};
use crate::records::text_file::{self, TextFileError};
use crate::records::values;
use crate::standards::criteria::Criteria;

/// The facility.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Facility {
    /// Name of the facility (hospital).
    #[serde(default)]
    pub name: String,
    /// Department.
    #[serde(default)]
    pub department: String,
}

/// A display under QC.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisplayConfig {
    /// Short id used on the command line.
    pub id: String,
    /// Maker.
    #[serde(default)]
    pub maker: String,
    /// Model.
    #[serde(default)]
    pub model: String,
    /// Serial number.
    #[serde(default)]
    pub serial: String,
    /// Where it is (reading room, …).
    #[serde(default)]
    pub location: String,
    /// Standard it is managed under.
    pub standard: String,
    /// Grade (category, class) under that standard.
    pub grade: String,
    /// Bits per DDL of the patterns.
    #[serde(default = "eight")]
    pub bit_depth: u8,
    /// How the meter looks at it.
    #[serde(default)]
    pub setup: MeterSetup,
    /// Diffuse reflection coefficient Rd, cd·m⁻²·lx⁻¹ (from the maker), for
    /// Lamb = Rd · E with a contact meter.
    pub rd_cd_m2_per_lx: Option<f64>,
    /// Default meter id for this display.
    pub meter: Option<String>,
    /// The simulated display model, for sessions run with a simulated meter.
    pub simulation: Option<DisplayModel>,
}

fn eight() -> u8 {
    8
}

impl DisplayConfig {
    /// The display as a session header names it: maker, model, serial and
    /// location (those given), comma-separated.
    pub fn description(&self) -> String {
        [&self.maker, &self.model, &self.serial, &self.location]
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Rd for a session's Lamb = Rd · E: the display's own; for a session
    /// on its simulated twin (`simulated`), else the twin's. A real session
    /// never takes Rd from the simulation block: without the display's own
    /// Rd its Lamb is unknown, and the record says so.
    pub fn session_rd_cd_m2_per_lx(&self, simulated: bool) -> Option<f64> {
        self.rd_cd_m2_per_lx
            .or_else(|| self.simulation.as_ref().filter(|_| simulated).map(|m| m.rd_cd_m2_per_lx))
    }
}

/// A meter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeterConfig {
    /// Short id.
    pub id: String,
    /// How to reach it: `ls100:/dev/ttyUSB0`, `ls100:COM3` (Windows), `sim-ls100`, `spotread`, …
    pub selector: String,
    /// Model, for the record.
    #[serde(default)]
    pub model: String,
    /// Serial number, for the record.
    #[serde(default)]
    pub serial: String,
    /// Date of the last calibration (YYYY-MM-DD).
    pub calibration_date: Option<String>,
}

impl MeterConfig {
    /// True when the meter's last calibration is more than a year (365 days)
    /// before `today`; false when the date is not known.
    pub fn calibration_overdue(&self, today: chrono::NaiveDate) -> bool {
        self.calibration_date
            .as_deref()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .is_some_and(|d| (today - d).num_days() > 365)
    }
}

/// The site's own settings for constancy tests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ConstancySettings {
    /// Tolerance on the change of L'max from the baseline, in %. No standard
    /// gives one (JESRA, IEC 62563 and AAPM TG18 alike): it is the site's
    /// own, and every verdict on it is marked unsourced.
    pub lmax_change_percent: Option<f64>,
}

/// An operator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorConfig {
    /// Short id.
    pub id: String,
    /// Full name as it appears in records.
    pub name: String,
    /// Role (medical physicist, technologist, …).
    #[serde(default)]
    pub role: String,
}

/// The keys that sign this site's records (`monqc keys create` adds one).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Signing {
    /// Public keys (`ed25519:` and 64 hex digits), oldest first.
    #[serde(default)]
    pub public_keys: Vec<String>,
}

/// The records server this workstation pushes to (`monqc push`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// The server's address (`https://monqc.hospital.example`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// This workstation's push token (`monqc-server token workstation`);
    /// the environment variable `MONQC_SERVER_TOKEN` takes precedence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// The whole site configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Site {
    /// The facility.
    #[serde(default)]
    pub facility: Facility,
    /// Displays.
    #[serde(default, rename = "display")]
    pub displays: Vec<DisplayConfig>,
    /// Meters.
    #[serde(default, rename = "meter")]
    pub meters: Vec<MeterConfig>,
    /// Operators.
    #[serde(default, rename = "operator")]
    pub operators: Vec<OperatorConfig>,
    /// The site's own constancy settings.
    #[serde(default)]
    pub constancy: ConstancySettings,
    /// The keys that sign records, when the site has any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing: Option<Signing>,
    /// The records server, when this workstation pushes to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerSettings>,
}

/// Why the site configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    /// Reading failed.
    #[error("cannot read {path}: {source}", path = .path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Not a regular UTF-8 file of a sensible size.
    #[error(transparent)]
    File(TextFileError),
    /// Bad TOML.
    #[error("{path}: {message}", path = .path.display())]
    Syntax {
        /// The file.
        path: std::path::PathBuf,
        /// Parser message with line and column.
        message: String,
    },
    /// Well-formed but wrong.
    #[error("{path}: {problem}", path = .path.display())]
    Invalid {
        /// The file.
        path: std::path::PathBuf,
        /// What and how to fix it.
        problem: String,
    },
    /// The data directory cannot be used (its lock).
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// No such display.
    #[error("no display `{id}` in {path}; known: {known} (add one with `monqc displays add`)", path = .path.display())]
    UnknownDisplay {
        /// Asked for.
        id: String,
        /// The file.
        path: std::path::PathBuf,
        /// Known ids.
        known: String,
    },
}

impl Site {
    /// Load `path`; a missing file is an empty site. The file must be a
    /// regular UTF-8 file of at most [`text_file::MAX_BYTES`].
    pub fn load(path: &Path) -> Result<Self, SiteError> {
        let text = match text_file::read(path) {
            Ok(t) => t,
            Err(e) if e.is_not_found() => return Ok(Self::default()),
            Err(e) => return Err(SiteError::File(e)),
        };
        Self::parse(&text, path)
    }

    /// Parse and check site TOML; `path` names it in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self, SiteError> {
        let site: Site = toml::from_str(text)
            .map_err(|e| SiteError::Syntax { path: path.to_owned(), message: e.to_string() })?;
        let invalid = |problem: String| SiteError::Invalid { path: path.to_owned(), problem };
        let mut seen = std::collections::BTreeSet::new();
        for d in &site.displays {
            // A display id names session files (REDTEAM P1).
            store::check_id("display id", &d.id).map_err(|e| invalid(e.to_string()))?;
            if !seen.insert(("display", d.id.clone())) {
                return Err(invalid(format!(
                    "display `{}` is defined twice; ids must be unique",
                    d.id
                )));
            }
            let criteria = Criteria::built_in_for(&d.standard)
                .map_err(|e| invalid(format!("display `{}`: {e}", d.id)))?;
            criteria.grade(&d.grade).map_err(|e| invalid(format!("display `{}`: {e}", d.id)))?;
            if !matches!(d.bit_depth, 8 | 10) {
                return Err(invalid(format!(
                    "display `{}`: bit_depth {} — use 8 or 10",
                    d.id, d.bit_depth
                )));
            }
            if let Some(rd) = d.rd_cd_m2_per_lx {
                values::rd(&format!("display `{}`: rd_cd_m2_per_lx", d.id), rd)
                    .map_err(|e| invalid(e.to_string()))?;
            }
            if let Some(model) = &d.simulation {
                model
                    .check(&|field| format!("display `{}`: simulation.{field}", d.id))
                    .map_err(|e| invalid(e.to_string()))?;
            }
            for (field, text) in [
                ("maker", &d.maker),
                ("model", &d.model),
                ("serial", &d.serial),
                ("location", &d.location),
            ] {
                typed_text::check(&format!("display `{}`: {field}", d.id), text, Lines::One)
                    .map_err(|e| invalid(e.to_string()))?;
            }
            if let Some(m) = &d.meter
                && !site.meters.iter().any(|x| &x.id == m)
            {
                return Err(invalid(format!(
                    "display `{}`: meter `{m}` is not defined in [[meter]]",
                    d.id
                )));
            }
        }
        for (field, text) in
            [("name", &site.facility.name), ("department", &site.facility.department)]
        {
            typed_text::check(&format!("[facility] {field}"), text, Lines::One)
                .map_err(|e| invalid(e.to_string()))?;
        }
        for m in &site.meters {
            if !seen.insert(("meter", m.id.clone())) {
                return Err(invalid(format!("meter `{}` is defined twice", m.id)));
            }
            for (field, text) in [("model", &m.model), ("serial", &m.serial)] {
                typed_text::check(&format!("meter `{}`: {field}", m.id), text, Lines::One)
                    .map_err(|e| invalid(e.to_string()))?;
            }
            if let Some(date) = &m.calibration_date {
                chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| {
                    invalid(format!(
                        "meter `{}`: calibration_date `{date}` is not YYYY-MM-DD",
                        m.id
                    ))
                })?;
            }
        }
        if let Some(p) = site.constancy.lmax_change_percent {
            values::percentage("[constancy] lmax_change_percent", p)
                .map_err(|e| invalid(e.to_string()))?;
        }
        for o in &site.operators {
            if !seen.insert(("operator", o.id.clone())) {
                return Err(invalid(format!("operator `{}` is defined twice", o.id)));
            }
            for (field, text) in [("name", &o.name), ("role", &o.role)] {
                typed_text::check(&format!("operator `{}`: {field}", o.id), text, Lines::One)
                    .map_err(|e| invalid(e.to_string()))?;
            }
        }
        for key in site.signing.iter().flat_map(|s| &s.public_keys) {
            if signing::parse_public_key(key).is_none() {
                return Err(invalid(format!(
                    "[signing] public key `{key}` is not `ed25519:` and 64 hex digits; \
                     `monqc keys show` prints this site's key"
                )));
            }
        }
        Ok(site)
    }

    /// The display `id`.
    pub fn display(&self, id: &str, path: &Path) -> Result<&DisplayConfig, SiteError> {
        self.displays.iter().find(|d| d.id == id).ok_or_else(|| SiteError::UnknownDisplay {
            id: id.into(),
            path: path.to_owned(),
            known: if self.displays.is_empty() {
                "none".into()
            } else {
                self.displays.iter().map(|d| d.id.as_str()).collect::<Vec<_>>().join(", ")
            },
        })
    }

    /// The meter with id `id`.
    pub fn meter(&self, id: &str) -> Option<&MeterConfig> {
        self.meters.iter().find(|m| m.id == id)
    }

    /// The operator with id `id`.
    pub fn operator(&self, id: &str) -> Option<&OperatorConfig> {
        self.operators.iter().find(|o| o.id == id)
    }

    /// The meter `given` names, as a selector and a calibration date: a
    /// meter id of this site brings its selector and date; anything else is
    /// taken as a selector (`ls100:/dev/ttyUSB0`, `sim`).
    pub fn meter_selector(&self, given: &str) -> (String, Option<String>) {
        match self.meter(given) {
            Some(m) => (m.selector.clone(), m.calibration_date.clone()),
            None => (given.to_string(), None),
        }
    }

    /// What the site file knows of the meter `given` names (its serial and
    /// calibration date), for a meter that cannot tell them itself.
    pub fn site_meter(&self, given: &str) -> SiteMeter {
        self.meter(given).map_or_else(SiteMeter::default, |m| SiteMeter {
            serial: Some(m.serial.clone()).filter(|s| !s.trim().is_empty()),
            calibration_date: m.calibration_date.clone(),
        })
    }

    /// The name of the operator `given` names: an operator id of this site
    /// gives its full name; anything else is taken as the name.
    pub fn operator_name(&self, given: &str) -> String {
        self.operator(given).map_or_else(|| given.to_string(), |o| o.name.clone())
    }
}

/// Append a display to the site file of `store` (creating it), keeping the
/// file's existing text and comments; the result is checked before writing,
/// under the data directory's lock, and replaces the file atomically.
pub fn add_display(store: &Store, display: &DisplayConfig) -> Result<(), SiteError> {
    #[derive(Serialize)]
    struct One<'a> {
        display: [&'a DisplayConfig; 1],
    }
    let path = store.site_file();
    let block = toml::to_string(&One { display: [display] })
        .map_err(|e| SiteError::Invalid { path: path.clone(), problem: e.to_string() })?;
    update(store, |existing| Ok(Some(format!("{}\n{block}", existing.trim_end()))))
}

/// Add `public_key` to the site's `[signing] public_keys` (creating the
/// section), unless it is there; under the lock, replacing the file
/// atomically. Returns whether it was added.
pub fn add_signing_key(store: &Store, public_key: &str) -> Result<bool, SiteError> {
    let mut added = false;
    update(store, |existing| {
        let site = Site::parse(existing, &store.site_file())?;
        let keys = site.signing.map(|s| s.public_keys).unwrap_or_default();
        if keys.iter().any(|k| k == public_key) {
            return Ok(None);
        }
        added = true;
        let mut doc: toml::Table = toml::from_str(existing)
            .map_err(|e| SiteError::Syntax { path: store.site_file(), message: e.to_string() })?;
        if doc.contains_key("signing") {
            // Rewrite the section in place (comments elsewhere stay).
            let list = keys.iter().chain([&public_key.to_string()]).cloned().collect::<Vec<_>>();
            let section = doc.get_mut("signing").and_then(|v| v.as_table_mut()).expect("parsed");
            section.insert("public_keys".into(), toml::Value::from(list));
            Ok(Some(toml::to_string(&doc).expect("a table serialises")))
        } else {
            Ok(Some(format!(
                "{}\n\n# Public keys that sign this site's records (`monqc keys create`).\n\
                 [signing]\npublic_keys = [\"{public_key}\"]\n",
                existing.trim_end()
            )))
        }
    })?;
    Ok(added)
}

/// Read-modify-write of site.toml under the data directory's lock: `change`
/// gets the current text (a comment line when there is no file) and returns
/// the new text, checked before it replaces the file, or none for no change.
fn update(
    store: &Store,
    change: impl FnOnce(&str) -> Result<Option<String>, SiteError>,
) -> Result<(), SiteError> {
    let path = store.site_file();
    let io = |source| SiteError::Io { path: path.clone(), source };
    let _lock = store.lock()?;
    let existing = match durable::read(&path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map_err(|e| io(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            "# monqc site configuration: facility, displays, meters, operators.\n".to_string()
        }
        Err(source) => return Err(io(source)),
    };
    let Some(text) = change(&existing)? else {
        return Ok(());
    };
    Site::parse(&text, &path)?;
    durable::replace(&path, text.as_bytes()).map_err(io)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn display(id: &str) -> DisplayConfig {
        DisplayConfig {
            id: id.into(),
            maker: "EIZO".into(),
            model: "RX660".into(),
            serial: "123".into(),
            location: "読影室1".into(),
            standard: "jesra-x0093".into(),
            grade: "1a".into(),
            bit_depth: 8,
            setup: MeterSetup::Contact,
            rd_cd_m2_per_lx: Some(0.005),
            meter: None,
            simulation: None,
        }
    }

    #[test]
    fn add_keeps_comments_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let path = store.site_file();
        std::fs::write(&path, "# our site\n[facility]\nname = \"Hospital\"\n").unwrap();
        add_display(&store, &display("rr1")).unwrap();
        add_display(&store, &display("rr2")).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# our site"));
        let site = Site::load(&path).unwrap();
        assert_eq!(site.displays.len(), 2);
        assert_eq!(site.display("rr2", &path).unwrap().location, "読影室1");
        let err = add_display(&store, &display("rr1")).unwrap_err().to_string();
        assert!(err.contains("defined twice"), "{err}");
        let err = add_display(&store, &display("../../../escape")).unwrap_err().to_string();
        assert!(err.contains("display id") && err.contains("1 to 64"), "{err}");
    }

    #[test]
    fn signing_keys_are_added_once_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        add_display(&store, &display("rr1")).unwrap();
        let b = "ed25519:d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
        let err = add_signing_key(&store, "ed25519:d75a98").unwrap_err().to_string();
        assert!(err.contains("64 hex digits"), "{err}");
        assert!(add_signing_key(&store, b).unwrap());
        assert!(!add_signing_key(&store, b).unwrap());
        let site = Site::load(&store.site_file()).unwrap();
        assert_eq!(site.signing.unwrap().public_keys, vec![b.to_string()]);
        assert_eq!(site.displays.len(), 1);
    }

    #[test]
    fn rd_falls_back_to_the_simulated_twin_only_in_a_simulated_session() {
        let mut d = display("rr1");
        assert_eq!(d.session_rd_cd_m2_per_lx(false), Some(0.005), "the display's own Rd");
        d.simulation = Some(DisplayModel { rd_cd_m2_per_lx: 0.02, ..DisplayModel::default() });
        assert_eq!(d.session_rd_cd_m2_per_lx(true), Some(0.005), "the display's own Rd first");
        d.rd_cd_m2_per_lx = None;
        assert_eq!(d.session_rd_cd_m2_per_lx(true), Some(0.02), "else the twin's, simulated");
        assert_eq!(
            d.session_rd_cd_m2_per_lx(false),
            None,
            "a real meter never takes Rd from the simulation block"
        );
        d.simulation = None;
        assert_eq!(d.session_rd_cd_m2_per_lx(true), None, "else none: Lamb only if measured");
    }

    #[test]
    fn the_site_sets_its_own_lmax_change_tolerance_and_meter_identity() {
        let p = Path::new("site.toml");
        let site = Site::parse(
            "[constancy]\nlmax_change_percent = 10.0\n[[meter]]\nid = \"ls\"\n\
             selector = \"ls100:/dev/ttyUSB0\"\nserial = \"40123\"\n",
            p,
        )
        .unwrap();
        assert_eq!(site.constancy.lmax_change_percent, Some(10.0));
        assert_eq!(site.site_meter("ls").serial.as_deref(), Some("40123"));
        assert_eq!(site.site_meter("sim").serial, None);
        let bad = Site::parse("[constancy]\nlmax_change_percent = -1.0\n", p).unwrap_err();
        assert!(bad.to_string().contains("give a percentage above 0"), "{bad}");
    }

    #[test]
    fn sessions_name_displays_meters_and_operators_from_the_site() {
        let mut d = display("rr1");
        assert_eq!(d.description(), "EIZO, RX660, 123, 読影室1");
        d.serial.clear();
        assert_eq!(d.description(), "EIZO, RX660, 読影室1");
        let site = Site::parse(
            "[[meter]]\nid = \"ls\"\nselector = \"ls100:/dev/ttyUSB0\"\n\
             calibration_date = \"2025-11-20\"\n\
             [[operator]]\nid = \"kt\"\nname = \"Keiko Tanaka\"\n",
            Path::new("site.toml"),
        )
        .unwrap();
        assert_eq!(
            site.meter_selector("ls"),
            ("ls100:/dev/ttyUSB0".to_string(), Some("2025-11-20".to_string()))
        );
        assert_eq!(site.meter_selector("sim-t10a"), ("sim-t10a".to_string(), None));
        // A Windows site file names COM ports; a TOML literal string keeps
        // the `\\.\COM10` form whole.
        let windows = Site::parse(
            "[[meter]]\nid = \"ls\"\nselector = \"ls100:COM3\"\n\
             [[meter]]\nid = \"t10\"\nselector = 't10a:\\\\.\\COM10'\n",
            Path::new("site.toml"),
        )
        .unwrap();
        assert_eq!(windows.meter_selector("ls"), ("ls100:COM3".to_string(), None));
        assert_eq!(windows.meter_selector("t10"), (r"t10a:\\.\COM10".to_string(), None));
        assert_eq!(site.operator_name("kt"), "Keiko Tanaka");
        assert_eq!(site.operator_name("Ken Sato"), "Ken Sato");
        let day = |s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let meter = &site.meters[0];
        assert!(!meter.calibration_overdue(day("2026-11-20")), "365 days: not yet");
        assert!(meter.calibration_overdue(day("2026-11-21")));
    }

    /// REDTEAM D9, W5, X1, D7, D8: values that cannot be right are refused
    /// when the site file is loaded, naming the entry, before any session.
    #[test]
    fn impossible_values_and_unprintable_text_are_refused_on_load() {
        let p = Path::new("site.toml");
        let display = "[[display]]\nid = \"d1\"\nstandard = \"jesra-x0093\"\ngrade = \"1a\"\n";
        for (extra, want) in [
            ("rd_cd_m2_per_lx = -1\n", "display `d1`: rd_cd_m2_per_lx -1: Rd must be above 0"),
            ("rd_cd_m2_per_lx = nan\n", "rd_cd_m2_per_lx NaN: not a finite number"),
            ("rd_cd_m2_per_lx = inf\n", "rd_cd_m2_per_lx inf"),
            (
                "location = \"Room ™\"\n",
                "display `d1`: location `Room ™`: the report font cannot draw ™",
            ),
            (
                "[display.simulation]\nbit_depth = 0\n",
                "display `d1`: simulation.bit_depth 0: use 8 or 10",
            ),
            ("[display.simulation]\nbit_depth = 32\n", "simulation.bit_depth 32"),
            ("[display.simulation]\nnoise_relative = nan\n", "simulation.noise_relative NaN"),
            ("[display.simulation]\nilluminance_lx = -50\n", "simulation.illuminance_lx -50"),
            (
                "[display.simulation]\nlmin_cd_m2 = 500.0\n",
                "simulation.lmin_cd_m2 500: the minimum luminance must be below",
            ),
        ] {
            let err = Site::parse(&format!("{display}{extra}"), p).unwrap_err().to_string();
            assert!(err.starts_with("site.toml: ") && err.contains(want), "{extra}: {err}");
        }
        let facility = "[facility]\nname = \"病院🙂\"\n";
        let err = Site::parse(facility, p).unwrap_err().to_string();
        assert!(err.contains("[facility] name") && err.contains("U+1F642"), "{err}");
        let operator = "[[operator]]\nid = \"kt\"\nname = \"Keiko\\u0007\"\n";
        let err = Site::parse(operator, p).unwrap_err().to_string();
        assert!(err.contains("operator `kt`: name") && err.contains("U+0007"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("site.toml");
        std::fs::write(&bad, b"[facility]\nname = \"\xff\"\n").unwrap();
        let err = Site::load(&bad).unwrap_err().to_string();
        assert!(err.contains("site.toml:2: byte 0xFF is not UTF-8"), "{err}");
    }

    #[test]
    fn bad_entries_name_the_entry_and_fix() {
        let p = Path::new("site.toml");
        let bad_grade = "[[display]]\nid = \"a\"\nstandard = \"jesra-x0093\"\ngrade = \"3\"\n";
        assert!(Site::parse(bad_grade, p).unwrap_err().to_string().contains("display `a`"));
        let bad_date =
            "[[meter]]\nid = \"m\"\nselector = \"sim\"\ncalibration_date = \"1.4.2026\"\n";
        assert!(Site::parse(bad_date, p).unwrap_err().to_string().contains("YYYY-MM-DD"));
        let unknown =
            "[[display]]\nid = \"a\"\nstandard = \"jesra-x0093\"\ngrade = \"1a\"\ncolour = 1\n";
        assert!(matches!(Site::parse(unknown, p), Err(SiteError::Syntax { .. })));
        let err = Site::default().display("x", p).unwrap_err().to_string();
        assert!(err.contains("monqc displays add"), "{err}");
    }
}
