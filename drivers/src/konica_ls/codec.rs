//! Konica Minolta LS-100 / LS-110 / CS-100A: ASCII commands and replies as
//! pure functions over bytes.
//!
//! Sources: PROTOCOLS.md, "Konica Minolta LS-100 / LS-110 / CS-100A": the
//! facts agree across PsychoPy `hardware/minolta.py` (LS-100), Mcalibrator2
//! `cs100a.m`, SweepMe `Logger-Minolta_CS100A` and marcelomfaleiros
//! `konica_minolta.py` \[O\]. No vendor manual was read and no instrument
//! was available.

use serialport::{DataBits, Parity, StopBits};

use crate::link::PortSettings;
use crate::{FlagKind, MeterError, MeterFlag};

/// 4800 baud, 7 data bits, even parity, 2 stop bits, RTS and DTR raised
/// (PROTOCOLS.md \[O\]).
pub const PORT: PortSettings = PortSettings {
    baud: 4800,
    data_bits: DataBits::Seven,
    parity: Parity::Even,
    stop_bits: StopBits::Two,
    assert_rts_dtr: true,
};

/// Commands and replies end with CR LF (PROTOCOLS.md \[O\]).
pub const TERMINATOR: &[u8] = b"\r\n";

/// `MDS,04`: absolute measuring mode on the LS-100 \[O\]; absolute
/// chromaticity on the CS-100A \[O\]. Either way the meter reports
/// absolute values, which is what QC needs.
pub const SET_ABSOLUTE_MODE: &str = "MDS,04";

/// `MES`: measure with the current settings and reply with the values
/// (PROTOCOLS.md \[O\]).
pub const MEASURE: &str = "MES";

/// A command line as sent: the command and CR LF.
pub fn encode_command(command: &str) -> Vec<u8> {
    let mut bytes = command.as_bytes().to_vec();
    bytes.extend_from_slice(TERMINATOR);
    bytes
}

/// The 4-character status at the start of every reply (PROTOCOLS.md status
/// table \[O\]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// `OK00`: normal.
    Normal,
    /// `OK11`: chromaticity beyond range (CS-100A).
    ChromaticityBeyondRange,
    /// `OK12`: luminance display range over (the value may read −999999).
    DisplayRangeOver,
    /// `OK13`: luminance below range.
    BelowRange,
    /// `ER00`: command or parameter error.
    CommandError,
    /// `ER01`: setting error.
    SettingError,
    /// `ER10`: measuring range over.
    MeasuringRangeOver,
    /// `ER11`: memory value error.
    MemoryValueError,
    /// `ER12`: luminance and chromaticity both over (CS-100A).
    BothOver,
    /// `ER19`: display range over (LS-100).
    DisplayOverflow,
    /// `ER20`: EEPROM error; the meter needs repair.
    EepromError,
    /// `ER30`: battery exhausted.
    BatteryExhausted,
}

impl Status {
    /// The code as the meter writes it.
    pub fn code(self) -> &'static str {
        match self {
            Self::Normal => "OK00",
            Self::ChromaticityBeyondRange => "OK11",
            Self::DisplayRangeOver => "OK12",
            Self::BelowRange => "OK13",
            Self::CommandError => "ER00",
            Self::SettingError => "ER01",
            Self::MeasuringRangeOver => "ER10",
            Self::MemoryValueError => "ER11",
            Self::BothOver => "ER12",
            Self::DisplayOverflow => "ER19",
            Self::EepromError => "ER20",
            Self::BatteryExhausted => "ER30",
        }
    }

    /// Parse a 4-character status code.
    pub fn from_code(code: &[u8]) -> Option<Self> {
        Some(match code {
            b"OK00" => Self::Normal,
            b"OK11" => Self::ChromaticityBeyondRange,
            b"OK12" => Self::DisplayRangeOver,
            b"OK13" => Self::BelowRange,
            b"ER00" => Self::CommandError,
            b"ER01" => Self::SettingError,
            b"ER10" => Self::MeasuringRangeOver,
            b"ER11" => Self::MemoryValueError,
            b"ER12" => Self::BothOver,
            b"ER19" => Self::DisplayOverflow,
            b"ER20" => Self::EepromError,
            b"ER30" => Self::BatteryExhausted,
            _ => return None,
        })
    }

    /// The error a status means, if it means one. Warnings (`OK11`, `OK13`)
    /// are not errors: the value is still reported, with a flag.
    pub fn error(self) -> Option<MeterError> {
        let code = self.code();
        Some(match self {
            Self::Normal | Self::ChromaticityBeyondRange | Self::BelowRange => return None,
            Self::DisplayRangeOver => MeterError::over_range(format!("{code}: display range over")),
            Self::MeasuringRangeOver => {
                MeterError::over_range(format!("{code}: measuring range over"))
            }
            Self::BothOver => {
                MeterError::over_range(format!("{code}: luminance and chromaticity over"))
            }
            Self::DisplayOverflow => MeterError::over_range(format!("{code}: display range over")),
            Self::CommandError => {
                MeterError::Protocol(format!("{code}: command or parameter error"))
            }
            Self::SettingError => MeterError::Protocol(format!("{code}: setting error")),
            Self::MemoryValueError => MeterError::Device(format!("{code}: memory value error")),
            Self::EepromError => MeterError::Device(format!("{code}: EEPROM error, needs repair")),
            Self::BatteryExhausted => MeterError::Device(format!("{code}: battery exhausted")),
        })
    }

    /// The flag a warning status raises on a reading it still reports.
    pub fn flag(self) -> Option<MeterFlag> {
        match self {
            Self::BelowRange => {
                Some(MeterFlag::new(FlagKind::BelowRange, "OK13: luminance below range"))
            }
            Self::ChromaticityBeyondRange => Some(MeterFlag::new(
                FlagKind::ChromaticityOutOfRange,
                "OK11: chromaticity beyond range",
            )),
            _ => None,
        }
    }
}

/// A parsed `MES` reply.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measurement {
    /// The status code.
    pub status: Status,
    /// Luminance Y, in cd/m² (absolute mode).
    pub luminance_cd_m2: f64,
    /// CIE 1931 x, y (CS-100A only). `None` on `OK11`: the meter then
    /// writes `+.0000` in both fields (Mcalibrator2's transcription of the
    /// manual \[O\]), which are not chromaticity.
    pub xy: Option<(f64, f64)>,
}

/// Parse a reply line (with or without its CR LF) to a status.
pub fn parse_status(line: &[u8]) -> Result<Status, MeterError> {
    let line = trim_terminator(line);
    let code = line.get(..4).ok_or_else(|| bad_reply("too short for a status", line))?;
    Status::from_code(code).ok_or_else(|| bad_reply("unknown status", line))
}

/// Parse a `MES` reply: status, then comma-separated fields (luminance; or
/// Y, x, y on the CS-100A). Every blank inside a field is dropped before
/// the number is read, so `+  80.12` (sign, then padding) reads as 80.12:
/// the public parsers split on whitespace or strip every blank, so blanks
/// do occur inside replies (PROTOCOLS.md \[O\]).
pub fn parse_measurement(line: &[u8]) -> Result<Measurement, MeterError> {
    let status = parse_status(line)?;
    if let Some(e) = status.error() {
        return Err(e);
    }
    let line = trim_terminator(line);
    let text = std::str::from_utf8(line).map_err(|_| bad_reply("not ASCII", line))?;
    let fields: Vec<String> =
        text.split(',').map(|f| f.chars().filter(|c| !c.is_whitespace()).collect()).collect();
    let number = |i: usize| -> Result<f64, MeterError> {
        let f = fields.get(i).ok_or_else(|| bad_reply("missing field", line))?;
        let v: f64 = f.parse().map_err(|_| bad_reply("field is not a number", line))?;
        if v.is_finite() { Ok(v) } else { Err(bad_reply("field is not finite", line)) }
    };
    let xy = |status: Status| -> Result<Option<(f64, f64)>, MeterError> {
        let (x, y) = (number(2)?, number(3)?);
        Ok((status != Status::ChromaticityBeyondRange).then_some((x, y)))
    };
    match fields.len() {
        2 => Ok(Measurement { status, luminance_cd_m2: number(1)?, xy: None }),
        4 => Ok(Measurement { status, luminance_cd_m2: number(1)?, xy: xy(status)? }),
        _ => Err(bad_reply("expected 2 or 4 fields", line)),
    }
}

/// Write a `MES` reply the way the meter lays it out: status, Y in 7
/// columns, then x and y in 6 columns each (the CS-100A column layout of
/// Mcalibrator2 and marcelomfaleiros, 28 bytes with CR LF \[O\]). The
/// LS-100's reply is the same without x, y; its exact padding is
/// unconfirmed. `colour` says whether the model sends x, y at all: on
/// `OK11` (where [`Measurement::xy`] is `None`) the CS-100A writes
/// `+.0000` twice.
pub fn encode_measurement(m: &Measurement, colour: bool) -> Vec<u8> {
    encode_with_luminance_field(m, colour, &fixed_width(m.luminance_cd_m2, 7))
}

/// [`encode_measurement`] with the luminance written sign first, then
/// blanks, then digits (`+  80.12`): the padding the public whitespace- and
/// blank-stripping parsers allow for (PROTOCOLS.md \[O\]); the strict twin
/// sends this form.
pub fn encode_measurement_signed(m: &Measurement, colour: bool) -> Vec<u8> {
    let sign = if m.luminance_cd_m2 < 0.0 { '-' } else { '+' };
    let field = format!("{sign}{}", fixed_width(m.luminance_cd_m2.abs(), 7));
    encode_with_luminance_field(m, colour, &field)
}

fn encode_with_luminance_field(m: &Measurement, colour: bool, luminance: &str) -> Vec<u8> {
    let mut s = format!("{},{luminance}", m.status.code());
    if colour {
        let (x, y) = m.xy.unwrap_or((0.0, 0.0));
        s.push_str(&format!(",{},{}", chromaticity_field(x), chromaticity_field(y)));
    }
    encode_command(&s)
}

/// A bare status reply (`OK00` and so on).
pub fn encode_status(status: Status) -> Vec<u8> {
    encode_command(status.code())
}

/// A value right-aligned in `width` columns to 4 significant digits (the
/// meters show 4 digits \[A\]), with at most 4 decimals.
fn fixed_width(v: f64, width: usize) -> String {
    let magnitude = if v.abs() > 0.0 { v.abs().log10().floor() as i32 } else { 0 };
    let decimals = (3 - magnitude).clamp(0, 4) as usize;
    format!("{v:>width$.decimals$}")
}

/// `+.3127`: sign, point, 4 decimals (the CS-100A field, PROTOCOLS.md).
fn chromaticity_field(v: f64) -> String {
    let s = format!("{:.4}", v.abs());
    let s = s.strip_prefix('0').unwrap_or(&s);
    format!("{}{s}", if v < 0.0 { '-' } else { '+' })
}

fn trim_terminator(line: &[u8]) -> &[u8] {
    let mut l = line;
    while let [rest @ .., b'\r' | b'\n'] = l {
        l = rest;
    }
    l
}

fn bad_reply(what: &str, line: &[u8]) -> MeterError {
    MeterError::Protocol(format!(
        "Konica Minolta LS/CS reply {what}: {:?}",
        String::from_utf8_lossy(line)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn port_matches_protocols_md() {
        // 4800 7E2, RTS+DTR (PROTOCOLS.md, "Konica Minolta LS-100 / LS-110 / CS-100A").
        let expected = PortSettings {
            baud: 4800,
            data_bits: DataBits::Seven,
            parity: Parity::Even,
            stop_bits: StopBits::Two,
            assert_rts_dtr: true,
        };
        assert_eq!(PORT, expected);
    }

    #[test]
    fn commands_end_in_cr_lf() {
        assert_eq!(encode_command(SET_ABSOLUTE_MODE), b"MDS,04\r\n");
        assert_eq!(encode_command(MEASURE), b"MES\r\n");
    }

    #[test]
    fn cs100a_reply_has_the_documented_columns() {
        // Columns (PROTOCOLS.md): status 1–4, Y 6–12, x 14–19, y 21–26,
        // 28 bytes with CR LF.
        let m = Measurement {
            status: Status::Normal,
            luminance_cd_m2: 80.12,
            xy: Some((0.3127, 0.3290)),
        };
        let bytes = encode_measurement(&m, true);
        assert_eq!(bytes, b"OK00,  80.12,+.3127,+.3290\r\n");
        assert_eq!(bytes.len(), 28);
        assert_eq!(&bytes[5..12], b"  80.12");
        assert_eq!(&bytes[13..19], b"+.3127");
        assert_eq!(parse_measurement(&bytes).unwrap(), m);
    }

    #[test]
    fn parses_tolerantly() {
        let m = parse_measurement(b"OK00, 123.4\r\n").unwrap();
        assert_eq!(m.luminance_cd_m2, 123.4);
        assert_eq!(m.xy, None);
        let m = parse_measurement(b"OK13,   0.0012,  .3100, +.3300").unwrap();
        assert_eq!(m.status, Status::BelowRange);
        assert_eq!(m.xy, Some((0.31, 0.33)));
    }

    /// audit finding 8 (PROTOCOLS.md): a blank between sign and digits.
    #[test]
    fn blanks_inside_a_field_are_dropped() {
        let m = parse_measurement(b"OK00,+  80.12\r\n").unwrap();
        assert_eq!(m.luminance_cd_m2, 80.12);
        let m = parse_measurement(b"OK00,+ 80.12,+ .3127, + .3290\r\n").unwrap();
        assert_eq!((m.luminance_cd_m2, m.xy), (80.12, Some((0.3127, 0.329))));
        let strict = Measurement { status: Status::Normal, luminance_cd_m2: 80.12, xy: None };
        assert_eq!(encode_measurement_signed(&strict, false), b"OK00,+  80.12\r\n");
        assert_eq!(parse_measurement(&encode_measurement_signed(&strict, false)).unwrap(), strict);
    }

    /// audit finding 10 (PROTOCOLS.md): on OK11 the CS-100A's x, y are `+.0000`,
    /// not chromaticity.
    #[test]
    fn ok11_carries_no_chromaticity() {
        let m = parse_measurement(b"OK11,  80.12,+.0000,+.0000\r\n").unwrap();
        assert_eq!(m.status, Status::ChromaticityBeyondRange);
        assert_eq!(m.xy, None);
        assert_eq!(m.status.flag().unwrap().kind, FlagKind::ChromaticityOutOfRange);
        let back = Measurement {
            status: Status::ChromaticityBeyondRange,
            luminance_cd_m2: 80.12,
            xy: None,
        };
        assert_eq!(encode_measurement(&back, true), b"OK11,  80.12,+.0000,+.0000\r\n");
    }

    #[test]
    fn error_codes_become_typed_errors() {
        use crate::MeterErrorKind as K;
        let kind = |s: &[u8]| parse_measurement(s).unwrap_err().kind();
        assert_eq!(kind(b"ER10\r\n"), K::OverRange);
        assert_eq!(kind(b"OK12,-999999\r\n"), K::OverRange);
        assert_eq!(kind(b"ER19\r\n"), K::OverRange);
        assert_eq!(kind(b"ER30\r\n"), K::Device);
        assert_eq!(kind(b"ER20\r\n"), K::Device);
        assert_eq!(kind(b"ER00\r\n"), K::Protocol);
        assert_eq!(kind(b"XX00,1\r\n"), K::Protocol);
        assert_eq!(kind(b"OK00,abc\r\n"), K::Protocol);
        assert_eq!(kind(b"OK00,1,2\r\n"), K::Protocol);
        assert_eq!(kind(b"OK00,inf\r\n"), K::Protocol);
    }

    #[test]
    fn every_status_round_trips() {
        for code in [
            "OK00", "OK11", "OK12", "OK13", "ER00", "ER01", "ER10", "ER11", "ER12", "ER19", "ER20",
            "ER30",
        ] {
            let s = Status::from_code(code.as_bytes()).unwrap();
            assert_eq!(s.code(), code);
            assert_eq!(parse_status(&encode_status(s)).unwrap(), s);
        }
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse_measurement(&bytes);
            let _ = parse_status(&bytes);
        }

        #[test]
        fn never_panics_on_near_miss_replies(s in "(OK|ER)[0-9]{2}(,[ +.\\-0-9eE]{0,8}){0,4}\r\n") {
            let _ = parse_measurement(s.as_bytes());
        }

        #[test]
        fn measurement_round_trips_to_display_precision(
            y in 0.001f64..99_000.0, x in 0.0f64..0.8, yy in 0.0f64..0.9,
        ) {
            let m = Measurement { status: Status::Normal, luminance_cd_m2: y, xy: Some((x, yy)) };
            let back = parse_measurement(&encode_measurement(&m, true)).unwrap();
            // 4 significant digits, or 4 decimals below 1 cd/m².
            let tol = (y * 5e-4).max(5e-5);
            prop_assert!((back.luminance_cd_m2 - y).abs() <= tol, "{} vs {}", back.luminance_cd_m2, y);
            let (bx, by) = back.xy.unwrap();
            prop_assert!((bx - x).abs() <= 5e-5 && (by - yy).abs() <= 5e-5);
            let signed = parse_measurement(&encode_measurement_signed(&m, true)).unwrap();
            prop_assert_eq!(signed, back);
        }
    }
}
