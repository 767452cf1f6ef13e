//! Konica Minolta CL-200A and T-10A frames: STX, receptor head, command,
//! 4 parameter or status bytes, optional 18 data bytes, ETX, BCC, CR LF.
//!
//! Sources (PROTOCOLS.md, "Konica Minolta CL-200A / T-10A"): two public
//! CL-200A drivers (MasashiSode/cl200a_controller, maslyankov/luxmeters-py)
//! and a public T-10A driver that quotes the T-10 manual's sections \[O\]. The
//! vendor's "CL-200A Communication Specifications" (KMSE CS-A32T) was not
//! read beyond its front matter. A third public CL-200A client (a Qt
//! header, repository not shown by the search index) gives the same status
//! byte meanings, including range `0` = "command and response cycle wrong".

use serialport::{DataBits, Parity, StopBits};

use crate::MeterError;
use crate::link::PortSettings;

/// 9600 baud, 7 data bits, even parity, 1 stop bit (PROTOCOLS.md \[O\]; one driver used 2 stop bits while searching, which is \[?\]).
pub const PORT: PortSettings = PortSettings {
    baud: 9600,
    data_bits: DataBits::Seven,
    parity: Parity::Even,
    stop_bits: StopBits::One,
    assert_rts_dtr: false,
};

/// Start of text.
pub const STX: u8 = 0x02;
/// End of text; the BCC covers it.
pub const ETX: u8 = 0x03;
/// Every frame ends with CR LF, both ways.
pub const TERMINATOR: &[u8] = b"\r\n";
/// A frame without data: STX, 2 head, 2 command, 4 parameter, ETX, 2 BCC,
/// CR LF.
pub const SHORT_FRAME_LEN: usize = 14;
/// A frame with three 6-byte data blocks.
pub const LONG_FRAME_LEN: usize = 32;
/// Receptor head 99 addresses every head; only commands without a reply may
/// use it (PROTOCOLS.md frame table).
pub const ALL_HEADS: u8 = 99;

/// Command 54: PC connection mode, parameter `1` and 3 blanks. Must come
/// first; without it "communication will be impossible" (T-10 manual, via
/// PROTOCOLS.md).
pub const PC_MODE: (u8, [u8; 4]) = (54, *b"1   ");
/// Command 55 to head 99: hold, parameter `1  0`. No reply; wait at least
/// 500 ms after it (PROTOCOLS.md \[O\]).
pub const HOLD: (u8, [u8; 4]) = (55, *b"1  0");
/// Command 40 with `10  `: EXT mode (CL-200A). Replies with a short frame.
pub const EXT_MODE: (u8, [u8; 4]) = (40, *b"10  ");
/// Command 40 to head 99 with `21  `: take a measurement (CL-200A). No reply.
pub const TRIGGER: (u8, [u8; 4]) = (40, *b"21  ");
/// Command 02 with `1200`: read Ev, x, y (CL-200A). The meaning of `1200`
/// is unconfirmed \[?\]; both public drivers send it.
pub const READ_EV_XY: (u8, [u8; 4]) = (2, *b"1200");
/// Command 10 with `0200`: read illuminance (T-10A): run (`0`), CCF off
/// (`2`), auto range (`0`), `0` (PROTOCOLS.md \[O\]).
pub const T10_READ: (u8, [u8; 4]) = (10, *b"0200");

/// One frame, either direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame {
    /// Receptor head, 0–29, or 99 for all.
    pub head: u8,
    /// Command number, 0–99.
    pub command: u8,
    /// Parameter (host to meter) or status (meter to host) bytes.
    pub params: [u8; 4],
    /// Three data blocks, in long frames.
    pub data: Option<[[u8; 6]; 3]>,
}

impl Frame {
    /// A short frame.
    pub fn short(head: u8, (command, params): (u8, [u8; 4])) -> Self {
        Self { head, command, params, data: None }
    }

    /// The status bytes of a reply.
    pub fn status(&self) -> Status {
        let [hold, error, range, battery] = self.params;
        Status { hold, error, range, battery }
    }
}

/// The status bytes of a reply (PROTOCOLS.md, "error character").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status {
    /// Hold state.
    pub hold: u8,
    /// Error character: blank = normal.
    pub error: u8,
    /// Range in use; `0` on a CL-200A means the read came too early
    /// (third public client; unconfirmed).
    pub range: u8,
    /// Battery: `1` on the CL-200A, odd values on the T-10A, mean low.
    pub battery: u8,
}

/// XOR of every byte after STX up to and including ETX (PROTOCOLS.md).
pub fn bcc(bytes_after_stx: &[u8]) -> u8 {
    bytes_after_stx.iter().fold(0, |acc, b| acc ^ b)
}

/// The bytes of `frame` on the wire. Head and command are written as two
/// decimal digits; values above 99 are a caller bug and are reduced mod 100.
pub fn encode(frame: &Frame) -> Vec<u8> {
    let mut out = vec![STX];
    out.extend_from_slice(format!("{:02}{:02}", frame.head % 100, frame.command % 100).as_bytes());
    out.extend_from_slice(&frame.params);
    if let Some(blocks) = &frame.data {
        for b in blocks {
            out.extend_from_slice(b);
        }
    }
    out.push(ETX);
    // Upper-case hexadecimal: two public drivers wrote it in decimal by
    // mistake (PROTOCOLS.md, the decimal-BCC pitfall).
    out.extend_from_slice(format!("{:02X}", bcc(&out[1..])).as_bytes());
    out.extend_from_slice(TERMINATOR);
    out
}

/// Parse and check one frame (with its CR LF).
pub fn decode(bytes: &[u8]) -> Result<Frame, MeterError> {
    let n = bytes.len();
    if n != SHORT_FRAME_LEN && n != LONG_FRAME_LEN {
        return Err(bad("length is neither 14 nor 32", bytes));
    }
    if bytes[0] != STX || bytes[n - 5] != ETX || &bytes[n - 2..] != TERMINATOR {
        return Err(bad("STX, ETX or CR LF missing", bytes));
    }
    let sent = std::str::from_utf8(&bytes[n - 4..n - 2])
        .ok()
        .and_then(|h| u8::from_str_radix(h, 16).ok())
        .ok_or_else(|| bad("BCC is not hexadecimal", bytes))?;
    if sent != bcc(&bytes[1..n - 4]) {
        return Err(bad("BCC mismatch", bytes));
    }
    let two_digits = |b: &[u8]| -> Result<u8, MeterError> {
        match b {
            [a, c] if a.is_ascii_digit() && c.is_ascii_digit() => Ok((a - b'0') * 10 + (c - b'0')),
            _ => Err(bad("head or command is not two digits", bytes)),
        }
    };
    let head = two_digits(&bytes[1..3])?;
    let command = two_digits(&bytes[3..5])?;
    let params = [bytes[5], bytes[6], bytes[7], bytes[8]];
    let data = (n == LONG_FRAME_LEN).then(|| {
        let block = |i: usize| -> [u8; 6] {
            let mut b = [0u8; 6];
            b.copy_from_slice(&bytes[9 + 6 * i..15 + 6 * i]);
            b
        };
        [block(0), block(1), block(2)]
    });
    Ok(Frame { head, command, params, data })
}

/// A data block: sign, 4 digits, exponent digit e; value = sign × digits ×
/// 10^(e−4) (PROTOCOLS.md; both public CL-200A drivers agree). All blanks
/// mean "no value".
pub fn decode_block(block: &[u8; 6]) -> Result<Option<f64>, MeterError> {
    if block.iter().all(|&b| b == b' ') {
        return Ok(None);
    }
    let sign = match block[0] {
        b'+' | b' ' => 1.0,
        b'-' => -1.0,
        _ => return Err(bad("data block sign", block)),
    };
    if !block[1..].iter().all(u8::is_ascii_digit) {
        return Err(bad("data block digits", block));
    }
    let digits = block[1..5].iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
    let exponent = i32::from(block[5] - b'0') - 4;
    // Divide for negative exponents so that 3127 × 10⁻⁴ is exactly 0.3127.
    let magnitude = if exponent < 0 {
        f64::from(digits) / 10f64.powi(-exponent)
    } else {
        f64::from(digits) * 10f64.powi(exponent)
    };
    Ok(Some(sign * magnitude))
}

/// The block for `value`, with the exponent that keeps 4 significant digits
/// where the format allows (e from 0 to 9, so 0.0001 to 9999 × 10⁵).
/// `None` gives blanks.
pub fn encode_block(value: Option<f64>) -> [u8; 6] {
    let Some(v) = value.filter(|v| v.is_finite()) else {
        return *b"      ";
    };
    let mut e = 0i32;
    while e < 9 && (v.abs() * 10f64.powi(4 - e)).round() > 9999.0 {
        e += 1;
    }
    let digits = (v.abs() * 10f64.powi(4 - e)).round().min(9999.0) as u32;
    let sign = if v < 0.0 && digits > 0 { '-' } else { '+' };
    let s = format!("{sign}{digits:04}{e}");
    let mut out = [0u8; 6];
    out.copy_from_slice(s.as_bytes());
    out
}

fn bad(what: &str, bytes: &[u8]) -> MeterError {
    MeterError::Protocol(format!("Konica Minolta CL/T frame: {what}: {:02X?}", bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn port_matches_meters_md_2_1() {
        let expected = PortSettings {
            baud: 9600,
            data_bits: DataBits::Seven,
            parity: Parity::Even,
            stop_bits: StopBits::One,
            assert_rts_dtr: false,
        };
        assert_eq!(PORT, expected);
    }

    /// The frames PROTOCOLS.md lists with BCCs computed by hand; written
    /// out as bytes here, not built from our own constants, so a wrong
    /// constant cannot hide.
    #[test]
    fn frames_match_the_hand_computed_bccs() {
        let cases: [(Frame, &[u8]); 7] = [
            (Frame::short(0, PC_MODE), b"\x0200541   \x0313\r\n"),
            (Frame::short(99, HOLD), b"\x0299551  0\x0302\r\n"),
            (Frame::short(0, EXT_MODE), b"\x02004010  \x0306\r\n"),
            (Frame::short(99, TRIGGER), b"\x02994021  \x0304\r\n"),
            (Frame::short(0, READ_EV_XY), b"\x0200021200\x0302\r\n"),
            (Frame::short(0, (1, *b"1200")), b"\x0200011200\x0301\r\n"),
            (Frame::short(0, T10_READ), b"\x0200100200\x0300\r\n"),
        ];
        for (frame, wire) in cases {
            assert_eq!(encode(&frame), wire, "{frame:?}");
            assert_eq!(decode(wire).unwrap(), frame);
        }
        assert_eq!(
            [0x02, 0x30, 0x30, 0x35, 0x34, 0x31, 0x20, 0x20, 0x20, 0x03, 0x31, 0x33, 0x0D, 0x0A],
            encode(&Frame::short(0, PC_MODE))[..]
        );
    }

    #[test]
    fn decodes_the_synthetic_long_reply() {
        // The synthetic reply of PROTOCOLS.md: Ev = 123.4 lx, x = 0.3127, y = 0.3290.
        let mut body = b"00021 00+12343+31270+32900\x03".to_vec();
        let check = format!("{:02X}", bcc(&body));
        body.extend_from_slice(check.as_bytes());
        body.extend_from_slice(b"\r\n");
        body.insert(0, STX);
        assert_eq!(body.len(), LONG_FRAME_LEN);
        let frame = decode(&body).unwrap();
        let [ev, x, y] = frame.data.unwrap().map(|b| decode_block(&b).unwrap().unwrap());
        assert!(
            (ev - 123.4).abs() < 1e-9 && (x - 0.3127).abs() < 1e-12 && (y - 0.329).abs() < 1e-12
        );
    }

    #[test]
    fn block_examples() {
        assert_eq!(decode_block(b"+12343").unwrap(), Some(123.4));
        assert_eq!(decode_block(b"+31270").unwrap(), Some(0.3127));
        assert_eq!(decode_block(b"      ").unwrap(), None);
        assert_eq!(encode_block(Some(123.4)), *b"+12343");
        assert_eq!(encode_block(Some(0.3127)), *b"+31270");
        assert_eq!(encode_block(None), *b"      ");
        assert!(decode_block(b"+12a43").is_err());
        assert!(decode_block(b"*12343").is_err());
    }

    #[test]
    fn a_wrong_bcc_is_refused() {
        let mut wire = encode(&Frame::short(0, PC_MODE));
        wire[11] = b'4';
        assert!(decode(&wire).unwrap_err().to_string().contains("BCC"));
        // The decimal-BCC bug: 0x13 written as "19".
        let mut wire = encode(&Frame::short(0, PC_MODE));
        wire[10..12].copy_from_slice(b"19");
        assert!(decode(&wire).is_err());
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let _ = decode(&bytes);
        }

        #[test]
        fn never_panics_on_well_framed_junk(body in proptest::collection::vec(32u8..127, 26)) {
            let mut wire = vec![STX];
            wire.extend_from_slice(&body);
            wire.push(ETX);
            let check = format!("{:02X}", bcc(&wire[1..]));
            wire.extend_from_slice(check.as_bytes());
            wire.extend_from_slice(TERMINATOR);
            if let Ok(f) = decode(&wire) {
                for b in f.data.unwrap() {
                    let _ = decode_block(&b);
                }
            }
        }

        #[test]
        fn blocks_never_panic(block in proptest::array::uniform6(any::<u8>())) {
            let _ = decode_block(&block);
        }

        #[test]
        fn frames_round_trip(
            head in 0u8..100, command in 0u8..100,
            params in proptest::array::uniform4(32u8..127),
            values in proptest::option::of(proptest::array::uniform3(-1e5f64..1e9)),
        ) {
            let data = values.map(|v| v.map(|x| encode_block(Some(x))));
            let frame = Frame { head, command, params, data };
            prop_assert_eq!(decode(&encode(&frame)).unwrap(), frame);
        }

        #[test]
        fn blocks_round_trip_to_four_digits(v in 0.0f64..9.999e8) {
            let back = decode_block(&encode_block(Some(v))).unwrap().unwrap();
            // 4 significant digits, or 0.0001 absolute below 1.
            prop_assert!((back - v).abs() <= (v * 5.1e-4).max(5.1e-5), "{} -> {}", v, back);
        }
    }
}
