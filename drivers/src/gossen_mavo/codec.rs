//! Gossen MAVO-USB interface (MAVO-MONITOR USB, MAVO-SPOT 2 USB, MAVOLUX
//! 5032 USB): SCPI-like ASCII lines as pure functions over bytes.
//!
//! Source: Gossen "Interface Description MAVO-USB Interface, 1.1/02.18", a
//! vendor document \[V\], as summarised in PROTOCOLS.md ("Gossen MAVO-USB");
//! the `ERROR = nnn` reply format and the three-token value form are from
//! the MIT-licensed C# library in the same repository
//! (matusm/At.Matus.Instruments.Gossen.Mavo, `Parser.cs`) \[O\].

use serialport::{DataBits, Parity, StopBits};

use crate::MeterError;
use crate::link::PortSettings;

/// 9600 baud, 7 data bits, even parity, 2 stop bits, no flow control
/// (Gossen interface description p. 3 \[V\]).
pub const PORT: PortSettings = PortSettings {
    baud: 9600,
    data_bits: DataBits::Seven,
    parity: Parity::Even,
    stop_bits: StopBits::Two,
    assert_rts_dtr: false,
};

/// Commands and replies end with LF; CR LF is accepted \[V\].
pub const TERMINATOR: &[u8] = b"\n";

/// A command, LF included, may be at most 32 characters \[V\].
pub const MAX_COMMAND_LEN: usize = 32;

/// `ECHO OFF`: later replies carry no echo of the command \[V\].
pub const ECHO_OFF: &str = "ECHO OFF";
/// `RAN:AUTO ON`: auto-range (the default after `*RST`) \[V\].
pub const AUTO_RANGE: &str = "RAN:AUTO ON";
/// `*IDN?`: manufacturer, type, serial, hardware revision, firmware \[V\].
pub const IDENTIFY: &str = "*IDN?";
/// `?`, the short form of `MEASURE:PHOTO?` \[V\].
pub const MEASURE: &str = "?";

/// The photometric unit the meter reports in (`UNI:PHOT`) \[V\].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Lux.
    Lux,
    /// Footcandle.
    Footcandle,
    /// Candela per square metre, written `CD_M2` (vendor) or `CD/M2` (a
    /// MATLAB script parses this form; PROTOCOLS.md marks it \[?\]).
    CandelaPerSquareMetre,
    /// Footlambert.
    Footlambert,
}

impl Unit {
    /// The token the meter uses.
    pub fn token(self) -> &'static str {
        match self {
            Self::Lux => "LX",
            Self::Footcandle => "FC",
            Self::CandelaPerSquareMetre => "CD_M2",
            Self::Footlambert => "FL",
        }
    }

    /// Parse a unit token, accepting both `CD_M2` and `CD/M2`.
    pub fn from_token(token: &str) -> Option<Self> {
        Some(match token.to_ascii_uppercase().as_str() {
            "LX" => Self::Lux,
            "FC" => Self::Footcandle,
            "CD_M2" | "CD/M2" => Self::CandelaPerSquareMetre,
            "FL" => Self::Footlambert,
            _ => return None,
        })
    }

    /// The factor to the SI unit (lx or cd/m²). 1 fc = 10.763 91 lx and
    /// 1 fL = 3.426 259 cd/m² (NIST SP 811, 2008, Appendix B.8).
    pub fn to_si(self) -> f64 {
        match self {
            Self::Lux | Self::CandelaPerSquareMetre => 1.0,
            Self::Footcandle => 10.763_91,
            Self::Footlambert => 3.426_259,
        }
    }

    /// The `UNI:PHOT` command that selects this unit.
    pub fn command(self) -> String {
        format!("UNI:PHOT {}", self.token())
    }
}

/// One photometric value as the meter sends it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PhotoValue {
    /// The number, in `unit`.
    pub value: f64,
    /// The unit.
    pub unit: Unit,
}

/// What a reply line says.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// A measured value.
    Value(PhotoValue),
    /// `ERROR = nnn`.
    Error(u16),
    /// Any other text (a setting echoed back, an identity).
    Text(String),
}

/// A command line as sent (LF-terminated), refusing lines the meter's
/// 32-character buffer cannot hold.
pub fn encode_command(command: &str) -> Result<Vec<u8>, MeterError> {
    if command.len() + 1 > MAX_COMMAND_LEN || command.bytes().any(|b| b == b'\n' || b >= 0x80) {
        return Err(MeterError::Protocol(format!("{command:?} is not a valid MAVO command")));
    }
    let mut bytes = command.as_bytes().to_vec();
    bytes.push(b'\n');
    Ok(bytes)
}

/// Parse one reply line. A value is a number, then a unit token, optionally
/// after the echoed query header (`MEASURE:PHOTO? 123E00 LX`) \[V\]. The
/// vendor document gives the number's format as `nnnnn E-xy` with a blank
/// before the exponent, but prints its examples without one (`1234E-01`);
/// the C# library, used on a real Mavolux, joins the first two blank-
/// separated tokens (audit finding 2, PROTOCOLS.md). So every token between
/// the header and the unit is joined without blanks before it is read:
/// `1234E-01 LX`, `1234 E-01 LX` and `  123 E-01 LX` all read as numbers.
pub fn parse_reply(line: &[u8]) -> Result<Reply, MeterError> {
    let text = std::str::from_utf8(line)
        .map_err(|_| MeterError::Protocol(format!("MAVO reply is not ASCII: {line:02X?}")))?
        .trim();
    if let Some(code) = text.strip_prefix("ERROR") {
        let code = code.trim_start().trim_start_matches('=').trim();
        return code
            .parse()
            .map(Reply::Error)
            .map_err(|_| MeterError::Protocol(format!("MAVO error without a code: {text:?}")));
    }
    let mut tokens: Vec<&str> = text.split_whitespace().collect();
    // A query's header ends in `?`; with echo on it comes first [V].
    if tokens.first().is_some_and(|t| t.ends_with('?')) {
        tokens.remove(0);
    }
    if let [number @ .., unit] = &tokens[..]
        && !number.is_empty()
        && let Some(unit) = Unit::from_token(unit)
        && let Ok(value) = number.concat().parse::<f64>()
        && value.is_finite()
    {
        return Ok(Reply::Value(PhotoValue { value, unit }));
    }
    Ok(Reply::Text(text.to_owned()))
}

/// Whether `reply` acknowledges the setting `command`. With echo on the
/// meter repeats the command (`RAN:AUTO ON`); the vendor document's
/// "Response" rows give the parameter alone (`ON`, `LX`), which is what
/// follows `ECHO OFF`, and the C# library strips the echoed header from
/// every reply to get it (audit finding 1, PROTOCOLS.md). Both forms are
/// accepted: the reply's last word must be the command's parameter.
pub fn acknowledges(command: &str, reply: &str) -> bool {
    let last = |s: &str| s.split_whitespace().last().map(str::to_ascii_uppercase);
    let reply = reply.trim();
    !reply.is_empty()
        && (reply.eq_ignore_ascii_case(command.trim()) || last(reply) == last(command))
}

/// The text of a value as the vendor document's examples print it: a
/// mantissa of at most 4 digits (the range runs `0E-03` to `1999E03`
/// \[V\]), `E`, a 2-digit exponent (signed when negative), a blank and the
/// unit: `1234E-01 LX`.
pub fn encode_value(v: &PhotoValue) -> String {
    let (sign, mantissa, exponent) = mantissa_and_exponent(v.value);
    format!("{sign}{mantissa}E{exponent} {}", v.unit.token())
}

/// The text of a value in the format line of the vendor document, `nnnnn
/// E-xy uu`: the mantissa right-aligned in 5 columns with leading zeros
/// suppressed, a blank, the exponent, a blank and the unit (` 1234 E-01
/// LX`). The strict twin sends this form.
pub fn encode_value_spaced(v: &PhotoValue) -> String {
    let (sign, mantissa, exponent) = mantissa_and_exponent(v.value);
    let number = format!("{sign}{mantissa}");
    format!("{number:>5} E{exponent} {}", v.unit.token())
}

fn mantissa_and_exponent(value: f64) -> (&'static str, u64, String) {
    let mut exponent = -3i32;
    while exponent < 3 && (value.abs() / 10f64.powi(exponent)).round() > 1999.0 {
        exponent += 1;
    }
    let mantissa = (value.abs() / 10f64.powi(exponent)).round() as u64;
    let sign = if value < 0.0 && mantissa > 0 { "-" } else { "" };
    let e = if exponent < 0 { format!("-{:02}", -exponent) } else { format!("{exponent:02}") };
    (sign, mantissa, e)
}

/// What an error code means (Gossen code table \[V\]), as a typed error.
pub fn error_meaning(code: u16) -> MeterError {
    let text = match code {
        1 => "UART overrun",
        2 => "UART framing error",
        3 => "UART parity error",
        4 => "receive buffer overflow",
        8 => "UART timeout, no frame end seen",
        17 => "ADC phase error",
        18 => return MeterError::over_range("MAVO error 018: overflow during de-integration"),
        19 => return MeterError::over_range("MAVO error 019: measuring range exceeded"),
        203 => return MeterError::over_range("MAVO error 203: measuring range exceeded"),
        21 => "EEPROM write error",
        22 => "calibration memory locked",
        101..=108 => "SCPI command error",
        201 => "unknown hardware",
        202 => {
            return MeterError::Unsupported(
                "MAVO error 202: this meter's sensor cannot measure that quantity".into(),
            );
        }
        204 => "wrong password",
        _ => "unknown error",
    };
    let message = format!("MAVO error {code:03}: {text}");
    match code {
        1..=8 | 101..=108 => MeterError::Protocol(message),
        _ => MeterError::Device(message),
    }
}

/// The parts of an `*IDN` reply: manufacturer, type, serial, hardware
/// revision, firmware (`*IDN GOSSEN,M 502, 20387,01,V 1.00` \[V\]).
pub fn parse_identity(line: &[u8]) -> Result<[String; 5], MeterError> {
    let text = String::from_utf8_lossy(line);
    let text = text.trim();
    let body = text.strip_prefix("*IDN?").or_else(|| text.strip_prefix("*IDN")).unwrap_or(text);
    let parts: Vec<String> = body.split(',').map(|p| p.trim().to_owned()).collect();
    <[String; 5]>::try_from(parts)
        .map_err(|_| MeterError::Protocol(format!("MAVO identity has not 5 fields: {text:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn port_matches_the_vendor_document() {
        let expected = PortSettings {
            baud: 9600,
            data_bits: DataBits::Seven,
            parity: Parity::Even,
            stop_bits: StopBits::Two,
            assert_rts_dtr: false,
        };
        assert_eq!(PORT, expected);
    }

    /// The vendor document's own examples (pp. 8, 12, 14).
    #[test]
    fn vendor_examples() {
        let v = |s: &[u8]| match parse_reply(s).unwrap() {
            Reply::Value(v) => v,
            other => panic!("{other:?}"),
        };
        let a = v(b"1234E-01 LX\n");
        assert!((a.value - 123.4).abs() < 1e-9 && a.unit == Unit::Lux);
        let b = v(b"MEASURE:PHOTO? 123E00 LX\n");
        assert_eq!((b.value, b.unit), (123.0, Unit::Lux));
        let c = v(b"1234E-01 CD_M2\n");
        assert_eq!(c.unit, Unit::CandelaPerSquareMetre);
        assert_eq!(v(b"1234E-01 CD/M2").unit, Unit::CandelaPerSquareMetre);
        let id = parse_identity(b"*IDN GOSSEN,M 502, 20387,01,V 1.00\n").unwrap();
        assert_eq!(id, ["GOSSEN", "M 502", "20387", "01", "V 1.00"].map(String::from));
        assert_eq!(parse_reply(b"ECHO OFF\n").unwrap(), Reply::Text("ECHO OFF".into()));
        assert_eq!(parse_reply(b"ERROR = 019\n").unwrap(), Reply::Error(19));
    }

    /// Audit finding 2 (PROTOCOLS.md): a blank between mantissa and
    /// exponent, as the document's format line and the C# parser have it.
    #[test]
    fn a_blank_before_the_exponent_still_reads_as_a_number() {
        let v = |s: &[u8]| match parse_reply(s).unwrap() {
            Reply::Value(v) => v,
            other => panic!("{other:?}"),
        };
        assert!((v(b"1234 E-01 CD_M2\n").value - 123.4).abs() < 1e-9);
        assert!((v(b"  123 E-01 LX\n").value - 12.3).abs() < 1e-9);
        assert_eq!(v(b"MEASURE:PHOTO? 123 E00 LX\n").value, 123.0);
        assert_eq!(v(b"1999 E03 LX").value, 1_999_000.0);
        // A bare unit (the reply to `UNI:PHOT LX` with echo off) is no value.
        assert_eq!(parse_reply(b"LX\n").unwrap(), Reply::Text("LX".into()));
        assert_eq!(parse_reply(b"RAN 4\n").unwrap(), Reply::Text("RAN 4".into()));
        let spaced =
            encode_value_spaced(&PhotoValue { value: 123.4, unit: Unit::CandelaPerSquareMetre });
        assert_eq!(spaced, " 1234 E-01 CD_M2");
        assert_eq!(encode_value(&PhotoValue { value: 123.0, unit: Unit::Lux }), "1230E-01 LX");
        assert_eq!(encode_value(&PhotoValue { value: 1_999_000.0, unit: Unit::Lux }), "1999E03 LX");
    }

    /// Audit finding 1 (PROTOCOLS.md): after `ECHO OFF` a setting is
    /// answered with its parameter only.
    #[test]
    fn a_setting_is_acknowledged_by_echo_or_by_its_parameter() {
        assert!(acknowledges("RAN:AUTO ON", "RAN:AUTO ON"));
        assert!(acknowledges("RAN:AUTO ON", "ON"));
        assert!(acknowledges("UNI:PHOT CD_M2", "CD_M2"));
        assert!(acknowledges("UNI:PHOT CD_M2", "uni:phot cd_m2"));
        assert!(acknowledges("ECHO OFF", "ECHO OFF"));
        assert!(!acknowledges("UNI:PHOT CD_M2", "LX"));
        assert!(!acknowledges("RAN:AUTO ON", "OFF"));
        assert!(!acknowledges("RAN:AUTO ON", ""));
    }

    #[test]
    fn commands_fit_the_buffer() {
        assert_eq!(encode_command(MEASURE).unwrap(), b"?\n");
        assert_eq!(
            encode_command(&Unit::CandelaPerSquareMetre.command()).unwrap(),
            b"UNI:PHOT CD_M2\n"
        );
        assert!(encode_command(&"X".repeat(32)).is_err());
        assert!(encode_command(&"X".repeat(31)).is_ok());
    }

    #[test]
    fn errors_are_typed() {
        use crate::MeterErrorKind as K;
        assert_eq!(error_meaning(19).kind(), K::OverRange);
        assert_eq!(error_meaning(203).kind(), K::OverRange);
        assert_eq!(error_meaning(202).kind(), K::Unsupported);
        assert_eq!(error_meaning(1).kind(), K::Protocol);
        assert_eq!(error_meaning(21).kind(), K::Device);
    }

    #[test]
    fn si_factors() {
        // 1 fc = 1 lm/ft² = 1 / 0.3048² lx; 1 fL = (1/π) cd/ft².
        assert!((Unit::Footcandle.to_si() - 1.0 / 0.3048f64.powi(2)).abs() < 1e-5);
        let fl = 1.0 / (std::f64::consts::PI * 0.3048f64.powi(2));
        assert!((Unit::Footlambert.to_si() - fl).abs() < 1e-6);
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..48)) {
            let _ = parse_reply(&bytes);
            let _ = parse_identity(&bytes);
        }

        #[test]
        fn values_round_trip_to_the_display(v in 0.001f64..1.9e6, spaced in any::<bool>()) {
            let unit = Unit::CandelaPerSquareMetre;
            let value = PhotoValue { value: v, unit };
            let text = if spaced { encode_value_spaced(&value) } else { encode_value(&value) };
            match parse_reply(text.as_bytes()).unwrap() {
                Reply::Value(back) => {
                    // 3½ digits: at worst 1 part in 200, or 0.0005 absolute.
                    prop_assert!((back.value - v).abs() <= (v * 2.6e-3).max(5e-4), "{} -> {}", v, text);
                    prop_assert_eq!(back.unit, unit);
                }
                other => prop_assert!(false, "{:?}", other),
            }
        }
    }
}
