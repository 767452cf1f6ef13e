//! Photo Research PR-650 / PR-655 / PR-670 (SpectraScan): ASCII commands
//! and comma-separated replies as pure functions over bytes.
//!
//! Sources (METERS.md §3.4): Psychtoolbox PR650Toolbox, PR655Toolbox and
//! PR670Toolbox; psychopy-photoresearch `pr.py`; SweepMe
//! `Logger-PhotoResearch_PR-655`; Mcalibrator2 `pr650.m`, `pr655.m` \[O2\]
//! where they agree. No vendor manual was read. The status codes and the
//! units field are where the sources disagree \[?\].

use std::time::Duration;

use serialport::{DataBits, Parity, StopBits};

use crate::MeterError;
use crate::link::PortSettings;

/// PR-650: 9600 baud 8N1, no handshake by default (METERS.md §3.4 \[O2\]).
/// PR-655/670 are USB-CDC, where the rate is ignored; 8N1 all the same.
pub const PORT: PortSettings = PortSettings {
    baud: 9600,
    data_bits: DataBits::Eight,
    parity: Parity::None,
    stop_bits: StopBits::One,
    assert_rts_dtr: false,
};

/// Replies end with CR LF (METERS.md §2.1 \[O2\]).
pub const REPLY_TERMINATOR: &[u8] = b"\r\n";

/// PR-655/670: pause between characters sent; Psychtoolbox uses 50 ms,
/// PsychoPy 100 ms (METERS.md §3.4 \[O2\]). We take the shorter.
pub const CHARACTER_GAP: Duration = Duration::from_millis(50);

/// PR-655/670: `Q` leaves remote mode (no CR) \[O2\].
pub const LEAVE_REMOTE: &[u8] = b"Q";
/// PR-655/670: `PHOTO` enters remote mode (no CR); the meter answers within
/// 10 s, and only the first time after power-up unless `Q` came first
/// \[O2\].
pub const ENTER_REMOTE: &[u8] = b"PHOTO";
/// Wait after `Q` before `PHOTO` (Psychtoolbox: 0.5 s) \[O2\].
pub const AFTER_LEAVE_REMOTE: Duration = Duration::from_millis(500);
/// Longest wait for the `PHOTO` answer \[O2\].
pub const REMOTE_TIMEOUT: Duration = Duration::from_secs(10);

/// Which protocol generation a meter speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// PR-650: LF-terminated commands, `M0` then `D2` (XYZ) \[O2\].
    Pr650,
    /// PR-655 and PR-670: CR-terminated commands typed one character at a
    /// time, `M1` returns Y, x, y at once \[O2\].
    Pr6x5,
}

impl Dialect {
    /// A command as sent: with LF (PR-650) or CR (PR-655/670).
    pub fn encode(self, command: &str) -> Vec<u8> {
        let mut bytes = command.as_bytes().to_vec();
        bytes.push(match self {
            Self::Pr650 => b'\n',
            Self::Pr6x5 => b'\r',
        });
        bytes
    }
}

/// A measurement status code, interpreted where the sources agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quality {
    /// 0: OK (all sources).
    Ok,
    /// 18: accepted as valid by Psychtoolbox, "light low" to PsychoPy,
    /// "too little light, double the exposure" to Mcalibrator \[?\].
    LightLow,
    /// 19: too bright (Mcalibrator halves the exposure) \[O\].
    TooBright,
    /// −8 (PR-670) or 10 (PR-655): too dark \[O\].
    TooDark,
    /// −1, −10 (PR-670) or 7, 8 (PR-650): sync failure, or low light on
    /// the PR-655 (−1) \[?\].
    SyncOrLowLight,
    /// Any other code.
    Other(i32),
}

impl Quality {
    /// Classify a numeric code.
    pub fn from_code(code: i32) -> Self {
        match code {
            0 => Self::Ok,
            18 => Self::LightLow,
            19 => Self::TooBright,
            -8 | 10 => Self::TooDark,
            -1 | -10 | 7 | 8 => Self::SyncOrLowLight,
            c => Self::Other(c),
        }
    }

    /// The error this status means, if any.
    pub fn error(self, code: i32) -> Option<MeterError> {
        match self {
            Self::Ok | Self::LightLow => None,
            Self::TooBright => Some(MeterError::OverRange { limit: None }),
            Self::TooDark => Some(MeterError::UnderRange { limit: None }),
            Self::SyncOrLowLight => Some(MeterError::Device(format!(
                "PR status {code}: sync failure or too little light (sources disagree); \
                 turn sync off (SS0) or add light"
            ))),
            Self::Other(_) => Some(MeterError::Device(format!("PR status {code}"))),
        }
    }
}

/// A parsed measurement reply.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measurement {
    /// The status code.
    pub code: i32,
    /// The units field as sent (the meaning of 0 and 1 is \[?\]).
    pub units: i32,
    /// The three values (Y, x, y for `M1`; X, Y, Z for `D2`/`M2`).
    pub values: [f64; 3],
}

/// Parse `status,units,v1,v2,v3` (METERS.md §3.4: "parse by splitting on
/// commas" \[O2\]). The PR-650 `D2` reply has the same fields in fixed
/// columns (quality 2, units 1, three 9-character numbers), so it parses
/// the same way.
pub fn parse_measurement(line: &[u8]) -> Result<Measurement, MeterError> {
    let fields = fields(line)?;
    let [code, units, a, b, c] = fields[..] else {
        return Err(bad("expected 5 fields", line));
    };
    let int =
        |s: &str| s.parse::<i32>().map_err(|_| bad("status or units is not an integer", line));
    let num = |s: &str| match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(bad("value is not a number", line)),
    };
    Ok(Measurement { code: int(code)?, units: int(units)?, values: [num(a)?, num(b)?, num(c)?] })
}

/// Parse a bare status reply (`0`, `000`, `-8`) to its code.
pub fn parse_code(line: &[u8]) -> Result<i32, MeterError> {
    let fields = fields(line)?;
    match fields[..] {
        [code] => code.parse().map_err(|_| bad("status is not an integer", line)),
        _ => Err(bad("expected one status", line)),
    }
}

/// Parse `errcode,value` (the `D110`/`D111`/`D114` replies \[O2\]).
pub fn parse_info(line: &[u8]) -> Result<String, MeterError> {
    let text = ascii(line)?;
    let (code, value) = text.split_once(',').ok_or_else(|| bad("expected errcode,value", line))?;
    match code.trim().parse::<i32>() {
        Ok(0) => Ok(value.trim().to_owned()),
        Ok(c) => Err(MeterError::Device(format!("PR error {c} to an info request"))),
        Err(_) => Err(bad("error code is not an integer", line)),
    }
}

/// Write a measurement reply as the twin sends it: status and units as
/// integers, values in exponent form with 4 decimals (the column width of
/// the PR-650's `D2` reply; the PR-655's exact formatting is unconfirmed).
pub fn encode_measurement(m: &Measurement) -> Vec<u8> {
    let [a, b, c] = m.values;
    format!("{:02},{},{a:.4e},{b:.4e},{c:.4e}\r\n", m.code, m.units).into_bytes()
}

fn ascii(line: &[u8]) -> Result<&str, MeterError> {
    std::str::from_utf8(line).map(str::trim).map_err(|_| bad("not ASCII", line))
}

fn fields(line: &[u8]) -> Result<Vec<&str>, MeterError> {
    Ok(ascii(line)?.split(',').map(str::trim).collect())
}

fn bad(what: &str, line: &[u8]) -> MeterError {
    MeterError::Protocol(format!(
        "Photo Research reply: {what}: {:?}",
        String::from_utf8_lossy(line)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn port_is_8n1() {
        let expected = PortSettings {
            baud: 9600,
            data_bits: DataBits::Eight,
            parity: Parity::None,
            stop_bits: StopBits::One,
            assert_rts_dtr: false,
        };
        assert_eq!(PORT, expected);
    }

    #[test]
    fn terminators_by_dialect() {
        assert_eq!(Dialect::Pr650.encode("d2"), b"d2\n");
        assert_eq!(Dialect::Pr6x5.encode("M1"), b"M1\r");
    }

    #[test]
    fn parses_the_documented_shapes() {
        let m = parse_measurement(b"00,1,1.2340e2,3.1270e-1,3.2900e-1\r\n").unwrap();
        assert_eq!(m, Measurement { code: 0, units: 1, values: [123.4, 0.3127, 0.329] });
        // PR-650 D2 columns (1-based): quality 2, units 1, X at 6–14, Y
        // 16–24, Z 26–34.
        let d2 = b"00,0,1.000E+02,1.052E+02,1.146E+02\r\n";
        assert_eq!(
            (&d2[5..14], &d2[15..24], &d2[25..34]),
            (&b"1.000E+02"[..], &b"1.052E+02"[..], &b"1.146E+02"[..])
        );
        assert_eq!(parse_measurement(d2).unwrap().values[1], 105.2);
        assert_eq!(parse_code(b"000\r\n").unwrap(), 0);
        assert_eq!(parse_code(b" -8\r\n").unwrap(), -8);
        assert_eq!(parse_info(b"0,PR-670\r\n").unwrap(), "PR-670");
        assert!(parse_info(b"3,\r\n").is_err());
    }

    #[test]
    fn statuses_map_to_typed_errors() {
        use crate::MeterErrorKind as K;
        let kind = |c| Quality::from_code(c).error(c).map(|e| e.kind());
        assert_eq!(kind(0), None);
        assert_eq!(kind(18), None);
        assert_eq!(kind(19), Some(K::OverRange));
        assert_eq!(kind(-8), Some(K::UnderRange));
        assert_eq!(kind(-1), Some(K::Device));
        assert_eq!(kind(42), Some(K::Device));
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse_measurement(&bytes);
            let _ = parse_code(&bytes);
            let _ = parse_info(&bytes);
        }

        #[test]
        fn measurements_round_trip(code in -20i32..30, units in 0i32..2, v in proptest::array::uniform3(1e-4f64..1e6)) {
            let m = Measurement { code, units, values: v };
            let back = parse_measurement(&encode_measurement(&m)).unwrap();
            prop_assert_eq!((back.code, back.units), (code, units));
            for (a, b) in back.values.iter().zip(v) {
                prop_assert!((a - b).abs() <= b * 5.1e-5, "{} vs {}", a, b);
            }
        }
    }
}
