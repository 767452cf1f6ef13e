//! Port discovery: list serial ports with their USB identity and say which
//! known meters each may be, from USB descriptors alone.
//!
//! Listing never writes to a port. Many meters sit behind the same FTDI
//! bridge (0403:6001) as countless unrelated gadgets, and a foreign probe
//! can upset an instrument: at 9600 baud a K-10 answers Argyll's
//! Spectrolino probe with its whole calibration list (PROTOCOLS.md, "Every
//! serial family"). A meter's own harmless identify command is sent only
//! when the user names the meter kind and the port explicitly (`meters
//! identify KIND:PORT`).

use crate::{MeterError, MeterKind};

/// The USB identity of a port.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct UsbIdentity {
    /// Vendor ID.
    pub vid: u16,
    /// Product ID.
    pub pid: u16,
    /// Serial number string.
    pub serial: Option<String>,
    /// Manufacturer string.
    pub manufacturer: Option<String>,
    /// Product string.
    pub product: Option<String>,
}

/// One serial port and the meters it may hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortCandidate {
    /// The port path (`/dev/ttyUSB0`).
    pub port: String,
    /// The USB identity, for USB ports.
    pub usb: Option<UsbIdentity>,
    /// Meter kinds this port may hold, most specific first; empty when
    /// nothing points to a meter.
    pub candidates: Vec<MeterKind>,
    /// Why these candidates (which rule matched).
    pub reason: &'static str,
}

/// A rule of the identification table.
#[derive(Clone, Copy, Debug)]
pub struct UsbRule {
    /// Vendor ID to match, if any.
    pub vid: Option<u16>,
    /// Product ID to match, if any.
    pub pid: Option<u16>,
    /// Text to find (case-insensitive) in the manufacturer, product or
    /// serial-number string, if any.
    pub text: Option<&'static str>,
    /// The meters the rule points to.
    pub kinds: &'static [MeterKind],
    /// Where the rule comes from.
    pub source: &'static str,
}

const RS232_METERS: &[MeterKind] =
    &[MeterKind::Ls100, MeterKind::Ls110, MeterKind::Cs100a, MeterKind::Pr650];
/// Any FTDI device: an FTDI-based meter (whatever its product ID: FT-X
/// chips use 6015, FT2232 6010) or an FTDI USB-RS232 adapter with an RS-232
/// meter behind it (audit finding 11, PROTOCOLS.md).
const ANY_FTDI: &[MeterKind] = &[
    MeterKind::Cl200a,
    MeterKind::T10a,
    MeterKind::Mavo,
    MeterKind::K10,
    MeterKind::Ls100,
    MeterKind::Ls110,
    MeterKind::Cs100a,
    MeterKind::Pr650,
];
const PR_USB: &[MeterKind] = &[MeterKind::Pr655, MeterKind::Pr670];

/// The identification table, most specific rules first. String rules win
/// over ID rules: a bare FTDI ID says only "some FTDI device".
pub const USB_RULES: &[UsbRule] = &[
    UsbRule {
        vid: None,
        pid: None,
        text: Some("mavo"),
        kinds: &[MeterKind::Mavo],
        source: "Gossen MAVO-USB is an FTDI bridge (vendor document [V]); name in the strings [A]",
    },
    UsbRule {
        vid: None,
        pid: None,
        text: Some("gossen"),
        kinds: &[MeterKind::Mavo],
        source: "Gossen in the strings; the C# library's test port tty.usbserial-00gossen \
                 suggests the FTDI serial-number string carries it [A]",
    },
    UsbRule {
        vid: None,
        pid: None,
        text: Some("klein"),
        kinds: &[MeterKind::K10],
        source: "Klein K-10-A is an FTDI FT232R (Argyll's documentation [O]); name in the strings [A]",
    },
    UsbRule {
        vid: None,
        pid: None,
        text: Some("photo research"),
        kinds: PR_USB,
        source: "\"Photo Research Inc\" is the manufacturer Windows Device Manager shows \
                 (PsychoPy's finder [O]); the USB descriptor strings Linux reads are not known",
    },
    UsbRule {
        vid: None,
        pid: None,
        text: Some("pri instrument"),
        kinds: PR_USB,
        source: "\"PRI Instrument (COMx)\" is the name Windows Device Manager shows \
                 (PsychoPy's finder [O]); the USB descriptor strings Linux reads are not known",
    },
    UsbRule {
        vid: None,
        pid: None,
        text: Some("konica"),
        kinds: &[MeterKind::Cl200a, MeterKind::T10a],
        source: "Konica Minolta in the strings [A]",
    },
    UsbRule {
        vid: Some(0x0403),
        pid: Some(0x6001),
        text: None,
        kinds: ANY_FTDI,
        source: "FTDI FT232R default ID: CL-200A/T-10A (a libftdi T-10A example [O]), MAVO-USB ([V]), \
                 K-10-A ([O]); also a common USB-RS232 adapter for an RS-232 meter",
    },
    UsbRule {
        vid: Some(0x0403),
        pid: None,
        text: None,
        kinds: ANY_FTDI,
        source: "an FTDI device with another product ID: an FTDI-based meter (newer FT-X chips) \
                 or an FTDI USB-RS232 adapter [A]",
    },
    UsbRule {
        vid: Some(0x067B),
        pid: Some(0x2303),
        text: None,
        kinds: RS232_METERS,
        source: "Prolific PL2303 USB-RS232 adapter [A]",
    },
    UsbRule {
        vid: Some(0x10C4),
        pid: Some(0xEA60),
        text: None,
        kinds: RS232_METERS,
        source: "Silicon Labs CP210x USB-RS232 adapter [A]",
    },
    UsbRule {
        vid: Some(0x1A86),
        pid: Some(0x7523),
        text: None,
        kinds: RS232_METERS,
        source: "WCH CH340 USB-RS232 adapter [A]",
    },
];

/// Which meters a USB identity may be, and the rule that said so. The
/// manufacturer, product and serial-number strings are all searched.
pub fn classify(usb: &UsbIdentity) -> (Vec<MeterKind>, &'static str) {
    let strings = format!(
        "{} {} {}",
        usb.manufacturer.as_deref().unwrap_or(""),
        usb.product.as_deref().unwrap_or(""),
        usb.serial.as_deref().unwrap_or("")
    )
    .to_ascii_lowercase();
    let matches = |r: &UsbRule| {
        r.vid.is_none_or(|v| v == usb.vid)
            && r.pid.is_none_or(|p| p == usb.pid)
            && r.text.is_none_or(|t| strings.contains(t))
    };
    match USB_RULES.iter().find(|r| matches(r)) {
        Some(rule) => (rule.kinds.to_vec(), rule.source),
        None => (Vec::new(), "no known meter uses this USB device"),
    }
}

/// [`classify`], then the port's name: a USB CDC-ACM port (`/dev/ttyACM*`
/// on Linux, `/dev/cu.usbmodem*` on macOS, where public drivers open the
/// PR-655/670 \[O\]) that nothing else claims may be a PR-655/670 \[A\].
pub fn classify_port(port: &str, usb: &UsbIdentity) -> (Vec<MeterKind>, &'static str) {
    let (kinds, reason) = classify(usb);
    if !kinds.is_empty() {
        return (kinds, reason);
    }
    let name = port.rsplit('/').next().unwrap_or(port);
    if name.starts_with("ttyACM")
        || name.starts_with("cu.usbmodem")
        || name.starts_with("tty.usbmodem")
    {
        return (
            PR_USB.to_vec(),
            "a USB CDC-ACM port, as a PR-655/670 appears (macOS /dev/cu.usbmodem* in public \
             drivers [O]; Linux /dev/ttyACM* [A])",
        );
    }
    (kinds, reason)
}

/// Every serial port the OS reports, classified. Nothing is written to any
/// port.
pub fn list_ports() -> Result<Vec<PortCandidate>, MeterError> {
    let ports = serialport::available_ports()
        .map_err(|e| MeterError::Io(std::io::Error::other(e.description)))?;
    Ok(ports
        .into_iter()
        .map(|p| match p.port_type {
            serialport::SerialPortType::UsbPort(info) => {
                let usb = UsbIdentity {
                    vid: info.vid,
                    pid: info.pid,
                    serial: info.serial_number,
                    manufacturer: info.manufacturer,
                    product: info.product,
                };
                let (candidates, reason) = classify_port(&p.port_name, &usb);
                PortCandidate { port: p.port_name, usb: Some(usb), candidates, reason }
            }
            _ => PortCandidate {
                port: p.port_name,
                usb: None,
                candidates: Vec::new(),
                reason: "built-in or unknown port: an RS-232 meter (LS-100, CS-100A, PR-650) may be wired to it",
            },
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usb(vid: u16, pid: u16, manufacturer: &str, product: &str) -> UsbIdentity {
        UsbIdentity {
            vid,
            pid,
            serial: None,
            manufacturer: Some(manufacturer.into()),
            product: Some(product.into()),
        }
    }

    #[test]
    fn strings_beat_ids() {
        let (k, _) = classify(&usb(0x0403, 0x6001, "FTDI", "MAVO-MONITOR USB"));
        assert_eq!(k, vec![MeterKind::Mavo]);
        let (k, _) = classify(&usb(0x0403, 0x6001, "FTDI", "FT232R USB UART"));
        assert_eq!(&k[..4], [MeterKind::Cl200a, MeterKind::T10a, MeterKind::Mavo, MeterKind::K10]);
        let (k, _) = classify(&usb(0x1234, 0x0001, "Photo Research Inc", "PR-670"));
        assert_eq!(k, vec![MeterKind::Pr655, MeterKind::Pr670]);
    }

    /// Audit finding 11 (PROTOCOLS.md): an FTDI meter with another product
    /// ID is still offered as that meter.
    #[test]
    fn any_ftdi_product_id_may_be_an_ftdi_meter() {
        for pid in [0x6001, 0x6015, 0x6010, 0x6014] {
            let (k, _) = classify(&usb(0x0403, pid, "FTDI", "FT230X Basic UART"));
            for meter in [
                MeterKind::Mavo,
                MeterKind::K10,
                MeterKind::Cl200a,
                MeterKind::T10a,
                MeterKind::Ls100,
            ] {
                assert!(k.contains(&meter), "{pid:04x}: {meter} missing from {k:?}");
            }
        }
    }

    /// Audit finding 11: the serial-number string is matched too (macOS
    /// names an FTDI port after it: tty.usbserial-00gossen).
    #[test]
    fn the_serial_number_string_is_matched() {
        let mut id = usb(0x0403, 0x6001, "FTDI", "FT232R USB UART");
        id.serial = Some("00gossen".into());
        assert_eq!(classify(&id).0, vec![MeterKind::Mavo]);
        id.serial = Some("KLEIN001".into());
        assert_eq!(classify(&id).0, vec![MeterKind::K10]);
    }

    #[test]
    fn a_cdc_acm_port_may_be_a_pr655_or_pr670() {
        let id = usb(0x1234, 0x5678, "", "");
        assert_eq!(classify_port("/dev/ttyACM0", &id).0, vec![MeterKind::Pr655, MeterKind::Pr670]);
        assert_eq!(
            classify_port("/dev/cu.usbmodem1411", &id).0,
            vec![MeterKind::Pr655, MeterKind::Pr670]
        );
        assert!(classify_port("/dev/ttyUSB0", &id).0.is_empty());
        // The Windows Device Manager names still match where they appear.
        assert!(classify(&usb(0x1234, 1, "", "PRI Instrument (COM4)")).1.contains("Windows"));
    }

    #[test]
    fn unknown_devices_have_no_candidates() {
        let (k, reason) = classify(&usb(0x2341, 0x0043, "Arduino", "Uno"));
        assert!(k.is_empty());
        assert!(reason.contains("no known meter"));
    }

    #[test]
    fn listing_never_fails_without_ports() {
        // On CI there are no USB serial ports; listing must still work.
        let ports = list_ports().unwrap();
        for p in ports {
            assert!(!p.port.is_empty());
        }
    }
}
