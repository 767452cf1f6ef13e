//! Klein K-10 / K-10-A: two-letter commands, replies that echo the command,
//! carry binary numbers, and end in a `<c>` error trailer.
//!
//! Sources (PROTOCOLS.md, "Klein K-10 / K-10-A"): Klein Instruments' own
//! host library, `luhrjensen/KClmtr` (MIT, "Copyright (c) 2017 Klein
//! Instruments Inc."), a vendor source \[V\]; ArgyllCMS v3.2.0
//! `spectro/kleink10.c` and the Brainard lab's MEX driver \[O\]. ArgyllCMS
//! is GPL/AGPL: only protocol facts are used, never code, from any of them.

use serialport::{DataBits, Parity, StopBits};

use crate::MeterError;
use crate::link::PortSettings;

/// 9600 baud 8N1, no flow control (KClmtr `setSetting(9600, 8, 'n', …)`
/// \[V\]; Argyll \[O\]).
pub const PORT: PortSettings = PortSettings {
    baud: 9600,
    data_bits: DataBits::Eight,
    parity: Parity::None,
    stop_bits: StopBits::One,
    assert_rts_dtr: false,
};

/// `P0`: model (7 characters) and serial (9 characters) \[V\].
pub const IDENTIFY: &[u8; 2] = b"P0";
/// Length of the `P0` reply: echo 2, model 7, serial 9, trailer 3 \[V\].
pub const IDENTIFY_REPLY_LEN: usize = 21;
/// `N5`: measure X, Y, Z with the factory calibration, 8 per second \[V\].
/// It also stops a flicker stream left running (Argyll) \[O\].
pub const MEASURE: &[u8; 2] = b"N5";
/// Length of the `N5` reply: echo 2, X 3, Y 3, Z 3, range 1, trailer 3 \[V\].
pub const MEASURE_REPLY_LEN: usize = 15;
/// `J8`: auto-range. Klein's library sends it at connect and Argyll at
/// initialisation; the reply is `J8<e>` (Argyll and the MEX driver read 5
/// bytes) \[V\]/\[O\] (audit finding 5, PROTOCOLS.md).
pub const AUTO_RANGE: &[u8; 2] = b"J8";
/// `L0`: aiming lights off. Klein's library expects no reply; Argyll reads
/// one with a 0.5 s timeout and ignores a failure, since some K-10-A units
/// do not implement it \[V\]/\[O\].
pub const LIGHTS_OFF: &[u8; 2] = b"L0";

/// A command as sent: two letters and CR \[V\].
pub fn encode_command(command: &[u8; 2]) -> Vec<u8> {
    vec![command[0], command[1], b'\r']
}

/// The `<c>` error letter (KClmtr `Enum.cpp` \[V\]; Argyll \[O\]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// `0`: OK.
    Ok,
    /// `u` (bottom under range) or `v` (top over range): transient while
    /// auto-ranging; Argyll retries N5 up to 4 times.
    Ranging(u8),
    /// `w`: over the high range. Klein's library lists `u`, `v` and `w`
    /// alike as "the device switched ranges … Fix: nothing" and ignores
    /// them \[V\]; Argyll treats `w` as an error \[O\]. The driver retries it
    /// like `u`/`v` and reports over range only if it persists.
    OverHighRange,
    /// `L`: aiming lights on while measuring.
    AimingLights,
    /// `B`, `X`: firmware error; `b`, `s`, `t`: black calibration faults;
    /// anything else.
    Fault(u8),
}

impl Status {
    /// Classify an error letter.
    pub fn from_letter(c: u8) -> Self {
        match c {
            b'0' => Self::Ok,
            b'u' | b'v' => Self::Ranging(c),
            b'w' => Self::OverHighRange,
            b'L' => Self::AimingLights,
            c => Self::Fault(c),
        }
    }

    /// The letter on the wire.
    pub fn letter(self) -> u8 {
        match self {
            Self::Ok => b'0',
            Self::Ranging(c) | Self::Fault(c) => c,
            Self::OverHighRange => b'w',
            Self::AimingLights => b'L',
        }
    }

    /// Whether the letter says the meter switched ranges (`u`, `v`, `w`),
    /// which Klein's library treats as "nothing to fix" \[V\]: worth another
    /// `N5`.
    pub fn is_range_change(self) -> bool {
        matches!(self, Self::Ranging(_) | Self::OverHighRange)
    }

    /// The error this letter means, if it means one (when it persists).
    pub fn error(self) -> Option<MeterError> {
        match self {
            Self::Ok => None,
            Self::Ranging(c) => Some(MeterError::UnstableSource(format!(
                "K-10 error {}: the meter kept switching ranges",
                c as char
            ))),
            Self::OverHighRange => {
                Some(MeterError::over_range("K-10 error w: over the high range"))
            }
            Self::AimingLights => Some(MeterError::NeedsOperator(
                "K-10 error L: the aiming lights are on while measuring; switch them off".into(),
            )),
            Self::Fault(c) => Some(MeterError::Device(format!("K-10 error {}", c.escape_ascii()))),
        }
    }
}

/// A decoded `N5` reply.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measurement {
    /// X, Y, Z in cd/m² (factory calibration).
    pub xyz: [f64; 3],
    /// The raw range byte (3 flag bits and a base-3 number of ranges).
    pub range: u8,
    /// The error letter.
    pub status: Status,
}

/// Decode the 3-byte Klein number: a big-endian 16-bit word whose bit 15 is
/// the sign and bits 0–14 the mantissa m, then a signed exponent byte e;
/// value = m × 2^(e − 16) (KClmtr `parseK_float` \[V\]; Argyll \[O\]).
pub fn decode_number(bytes: [u8; 3]) -> f64 {
    let word = u16::from_be_bytes([bytes[0], bytes[1]]);
    let mantissa = f64::from(word & 0x7FFF);
    let exponent = i32::from(bytes[2] as i8) - 16;
    let magnitude = mantissa * 2f64.powi(exponent);
    if word & 0x8000 != 0 { -magnitude } else { magnitude }
}

/// Encode a value as a Klein number with a normalised mantissa
/// (2^14 ≤ m < 2^15) for the most precision.
pub fn encode_number(v: f64) -> [u8; 3] {
    if v == 0.0 || !v.is_finite() {
        return [0, 0, 0];
    }
    let a = v.abs();
    let mut exponent = (a.log2().floor() as i32 + 2).clamp(-111, 127);
    let mut mantissa = (a * 2f64.powi(16 - exponent)).round();
    if mantissa >= 32768.0 {
        exponent += 1;
        mantissa = (a * 2f64.powi(16 - exponent)).round();
    }
    let word = (mantissa.min(32767.0) as u16) | if v < 0.0 { 0x8000 } else { 0 };
    let [hi, lo] = word.to_be_bytes();
    [hi, lo, exponent as i8 as u8]
}

/// Check echo and trailer of a reply of known length; returns the payload
/// and the error letter.
pub fn split_reply<'a>(
    command: &[u8; 2],
    reply: &'a [u8],
) -> Result<(&'a [u8], Status), MeterError> {
    let n = reply.len();
    if n < 5 || &reply[..2] != command || reply[n - 3] != b'<' || reply[n - 1] != b'>' {
        return Err(MeterError::Protocol(format!(
            "K-10 reply to {} is not framed: {:02X?}",
            String::from_utf8_lossy(command),
            reply
        )));
    }
    Ok((&reply[2..n - 3], Status::from_letter(reply[n - 2])))
}

/// Decode an `N5` reply.
pub fn parse_measurement(reply: &[u8]) -> Result<Measurement, MeterError> {
    if reply.len() != MEASURE_REPLY_LEN {
        return Err(MeterError::Protocol(format!("K-10 N5 reply of {} bytes", reply.len())));
    }
    let (payload, status) = split_reply(MEASURE, reply)?;
    let number = |i: usize| decode_number([payload[i], payload[i + 1], payload[i + 2]]);
    Ok(Measurement { xyz: [number(0), number(3), number(6)], range: payload[9], status })
}

/// Encode an `N5` reply (for the twin).
pub fn encode_measurement(m: &Measurement) -> Vec<u8> {
    let mut out = MEASURE.to_vec();
    for v in m.xyz {
        out.extend_from_slice(&encode_number(v));
    }
    out.extend_from_slice(&[m.range, b'<', m.status.letter(), b'>']);
    out
}

/// Decode a `P0` reply to (model, serial).
pub fn parse_identity(reply: &[u8]) -> Result<(String, String), MeterError> {
    if reply.len() != IDENTIFY_REPLY_LEN {
        return Err(MeterError::Protocol(format!("K-10 P0 reply of {} bytes", reply.len())));
    }
    let (payload, status) = split_reply(IDENTIFY, reply)?;
    if let Some(e) = status.error() {
        return Err(e);
    }
    let text = |b: &[u8]| String::from_utf8_lossy(b).trim().to_owned();
    Ok((text(&payload[..7]), text(&payload[7..16])))
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

    /// Worked examples (PROTOCOLS.md), computed by hand from the format.
    #[test]
    fn worked_examples() {
        assert_eq!(decode_number([0x78, 0x80, 0x08]), 120.5);
        assert_eq!(decode_number([0x57, 0x80, 0x0A]), 350.0);
        assert!((decode_number([0x64, 0xC3, 0xFB]) - 0.0123).abs() < 1e-6);
        assert_eq!(encode_number(120.5), [0x78, 0x80, 0x08]);
        assert_eq!(encode_number(350.0), [0x57, 0x80, 0x0A]);
        assert_eq!(encode_number(0.0123), [0x64, 0xC3, 0xFB]);
        assert_eq!(decode_number([0xF8, 0x80, 0x08]), -120.5);
    }

    #[test]
    fn frames_hold_bytes_that_look_like_terminators() {
        // CR (0D) and '>' (3E) inside the numbers must not end the frame.
        let mut wire = b"N5".to_vec();
        wire.extend_from_slice(&[0x0D, 0x3E, 0x00, 0x78, 0x80, 0x08, 0x00, 0x00, 0x00, 0x3E]);
        wire.extend_from_slice(b"<0>");
        let m = parse_measurement(&wire).unwrap();
        assert_eq!(m.xyz, [f64::from(0x0D3E) / 65536.0, 120.5, 0.0]);
        assert_eq!((m.range, m.status), (0x3E, Status::Ok));
        // Our encoder normalises the mantissa; the value survives.
        assert_eq!(parse_measurement(&encode_measurement(&m)).unwrap(), m);
    }

    #[test]
    fn identity_layout() {
        let (model, serial) = parse_identity(b"P0K-10-A 12345678 <0>").unwrap();
        assert_eq!((model.as_str(), serial.as_str()), ("K-10-A", "12345678"));
        assert!(parse_identity(b"P1K-10-A 12345678 <0>").is_err());
        assert!(parse_identity(b"P0K-10-A 12345678 <B>").is_err());
    }

    #[test]
    fn error_letters() {
        use crate::MeterErrorKind as K;
        assert!(Status::from_letter(b'0').error().is_none());
        assert_eq!(Status::from_letter(b'w').error().unwrap().kind(), K::OverRange);
        assert!(Status::from_letter(b'w').is_range_change());
        assert!(Status::from_letter(b'u').is_range_change());
        assert!(!Status::from_letter(b'L').is_range_change());
        assert_eq!(Status::from_letter(b'L').error().unwrap().kind(), K::NeedsOperator);
        assert_eq!(Status::from_letter(b'v'), Status::Ranging(b'v'));
        assert_eq!(Status::from_letter(b'B').error().unwrap().kind(), K::Device);
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..32)) {
            let _ = parse_measurement(&bytes);
            let _ = parse_identity(&bytes);
        }

        #[test]
        fn any_15_bytes_framed_as_n5_decode(payload in proptest::array::uniform10(any::<u8>()), c in any::<u8>()) {
            let mut wire = b"N5".to_vec();
            wire.extend_from_slice(&payload);
            wire.extend_from_slice(&[b'<', c, b'>']);
            let m = parse_measurement(&wire).unwrap();
            prop_assert!(m.xyz.iter().all(|v| v.is_finite()));
        }

        #[test]
        fn numbers_round_trip(v in prop_oneof![1e-6f64..1e6, -1e6f64..-1e-6]) {
            let back = decode_number(encode_number(v));
            // A 15-bit normalised mantissa: relative error below 2^-15.
            prop_assert!((back - v).abs() <= v.abs() * 3.1e-5, "{} -> {}", v, back);
        }
    }
}
