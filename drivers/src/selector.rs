//! Meter selector strings, parsed one way for the command line and for
//! configuration files: `KIND:PORT` for a serial meter (`ls100:/dev/ttyUSB0`,
//! `cl200a:COM3`), `spotread` or `spotread:TYPE` for the ArgyllCMS bridge,
//! and `sim-KIND` for a simulated twin (`sim-ls100`).
//!
//! ```
//! use monqc_drivers::{MeterKind, MeterSelector};
//! let s: MeterSelector = "ls100:/dev/ttyUSB0".parse().unwrap();
//! assert_eq!(s, MeterSelector::Serial { kind: MeterKind::Ls100, port: "/dev/ttyUSB0".into() });
//! assert_eq!(s.to_string(), "ls100:/dev/ttyUSB0");
//! assert_eq!("sim-cl200a".parse::<MeterSelector>().unwrap(), MeterSelector::Simulated(MeterKind::Cl200a));
//! ```

use std::fmt;
use std::str::FromStr;

/// A kind of meter this crate can drive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MeterKind {
    /// Konica Minolta LS-100.
    Ls100,
    /// Konica Minolta LS-110.
    Ls110,
    /// Konica Minolta CS-100A.
    Cs100a,
    /// Konica Minolta CL-200A.
    Cl200a,
    /// Konica Minolta T-10A.
    T10a,
    /// Gossen MAVO-MONITOR USB, MAVO-SPOT 2 USB or MAVOLUX 5032 USB.
    Mavo,
    /// Photo Research PR-650.
    Pr650,
    /// Photo Research PR-655.
    Pr655,
    /// Photo Research PR-670.
    Pr670,
    /// Klein K-10 / K-10-A.
    K10,
    /// Any meter ArgyllCMS `spotread` supports (X-Rite i1Display family).
    Spotread,
}

impl MeterKind {
    /// Every kind, in the order `meters list` shows them.
    pub const ALL: [MeterKind; 11] = [
        Self::Ls100,
        Self::Ls110,
        Self::Cs100a,
        Self::Cl200a,
        Self::T10a,
        Self::Mavo,
        Self::Pr650,
        Self::Pr655,
        Self::Pr670,
        Self::K10,
        Self::Spotread,
    ];

    /// The short name used in selectors.
    pub fn id(self) -> &'static str {
        match self {
            Self::Ls100 => "ls100",
            Self::Ls110 => "ls110",
            Self::Cs100a => "cs100a",
            Self::Cl200a => "cl200a",
            Self::T10a => "t10a",
            Self::Mavo => "mavo",
            Self::Pr650 => "pr650",
            Self::Pr655 => "pr655",
            Self::Pr670 => "pr670",
            Self::K10 => "k10",
            Self::Spotread => "spotread",
        }
    }

    /// Vendor and model, for people.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Ls100 => "Konica Minolta LS-100",
            Self::Ls110 => "Konica Minolta LS-110",
            Self::Cs100a => "Konica Minolta CS-100A",
            Self::Cl200a => "Konica Minolta CL-200A",
            Self::T10a => "Konica Minolta T-10A",
            Self::Mavo => "Gossen MAVO-MONITOR / MAVO-SPOT 2 / MAVOLUX USB",
            Self::Pr650 => "Photo Research PR-650",
            Self::Pr655 => "Photo Research PR-655",
            Self::Pr670 => "Photo Research PR-670",
            Self::K10 => "Klein K-10-A",
            Self::Spotread => "ArgyllCMS spotread (X-Rite i1Display family and others)",
        }
    }

    fn from_id(id: &str) -> Option<Self> {
        let id = id.to_ascii_lowercase();
        Self::ALL.into_iter().find(|k| k.id() == id)
    }
}

impl fmt::Display for MeterKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Which meter to open.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MeterSelector {
    /// A serial meter of `kind` on `port`.
    Serial {
        /// The meter family and model.
        kind: MeterKind,
        /// The port path (`/dev/ttyUSB0`, `COM3`).
        port: String,
    },
    /// The ArgyllCMS `spotread` bridge, with an optional display-type
    /// letter for its `-y` option.
    Spotread {
        /// The `-y` letter, if one is wanted.
        display_type: Option<String>,
    },
    /// A simulated twin of `kind`, on a pseudo-terminal.
    Simulated(MeterKind),
}

/// Why a selector string could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    /// The kind before `:` is not one we know.
    #[error("unknown meter kind {0:?}; known kinds: {known}", known = known_kinds())]
    UnknownKind(String),
    /// A serial meter needs a port after the colon.
    #[error("{0:?} needs a port, e.g. {0}:/dev/ttyUSB0")]
    MissingPort(String),
    /// The simulated twins exist only for serial meters.
    #[error("there is no simulated {0}")]
    NoSimulation(String),
}

fn known_kinds() -> String {
    MeterKind::ALL.iter().map(|k| k.id()).collect::<Vec<_>>().join(", ")
}

impl FromStr for MeterSelector {
    type Err = SelectorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Some(kind) = s.strip_prefix("sim-") {
            let k =
                MeterKind::from_id(kind).ok_or_else(|| SelectorError::UnknownKind(kind.into()))?;
            if k == MeterKind::Spotread {
                return Err(SelectorError::NoSimulation(kind.into()));
            }
            return Ok(Self::Simulated(k));
        }
        let (kind, rest) = match s.split_once(':') {
            Some((k, r)) => (k, Some(r)),
            None => (s, None),
        };
        let k = MeterKind::from_id(kind).ok_or_else(|| SelectorError::UnknownKind(kind.into()))?;
        match (k, rest) {
            (MeterKind::Spotread, r) => {
                Ok(Self::Spotread { display_type: r.filter(|t| !t.is_empty()).map(str::to_owned) })
            }
            (_, Some(port)) if !port.is_empty() => Ok(Self::Serial { kind: k, port: port.into() }),
            _ => Err(SelectorError::MissingPort(k.id().into())),
        }
    }
}

impl fmt::Display for MeterSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Serial { kind, port } => write!(f, "{kind}:{port}"),
            Self::Spotread { display_type: None } => f.write_str("spotread"),
            Self::Spotread { display_type: Some(t) } => write!(f, "spotread:{t}"),
            Self::Simulated(kind) => write!(f, "sim-{kind}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_every_form() {
        for s in [
            "ls100:/dev/ttyUSB0",
            "cl200a:COM3",
            "spotread",
            "spotread:l",
            "sim-k10",
            "pr655:/dev/ttyACM0",
        ] {
            let sel: MeterSelector = s.parse().unwrap();
            assert_eq!(sel.to_string(), s);
        }
        // A Windows port name and a path with colons stay whole.
        let sel: MeterSelector = "mavo:/dev/serial/by-id/usb-FTDI:x".parse().unwrap();
        assert_eq!(
            sel,
            MeterSelector::Serial {
                kind: MeterKind::Mavo,
                port: "/dev/serial/by-id/usb-FTDI:x".into()
            }
        );
        assert_eq!(
            "LS100:/dev/ttyUSB0".parse::<MeterSelector>().unwrap().to_string(),
            "ls100:/dev/ttyUSB0"
        );
    }

    #[test]
    fn rejects_what_it_cannot_open() {
        assert_eq!(
            "ls100".parse::<MeterSelector>(),
            Err(SelectorError::MissingPort("ls100".into()))
        );
        assert_eq!(
            "ls100:".parse::<MeterSelector>(),
            Err(SelectorError::MissingPort("ls100".into()))
        );
        assert!(matches!(
            "foo:/dev/x".parse::<MeterSelector>(),
            Err(SelectorError::UnknownKind(_))
        ));
        assert!(matches!(
            "sim-spotread".parse::<MeterSelector>(),
            Err(SelectorError::NoSimulation(_))
        ));
        assert!(matches!("sim-nope".parse::<MeterSelector>(), Err(SelectorError::UnknownKind(_))));
    }
}
