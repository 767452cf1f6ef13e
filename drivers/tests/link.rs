//! The serial link itself on a pseudo-terminal: exclusive access and
//! framing across reads.
#![cfg(unix)]

use std::time::Duration;

use monqc_drivers::MeterErrorKind;
use monqc_drivers::link::{Link, PortSettings};
use monqc_drivers::twin::{self, DeviceTwin, Fault, TwinAction};

/// A device that answers every line with two frames at once, so that one
/// read can carry the end of one frame and the start of the next.
struct DoubleReply;

impl DeviceTwin for DoubleReply {
    fn on_input(&mut self, bytes: &[u8]) -> Vec<TwinAction> {
        if bytes.contains(&b'\n') {
            vec![TwinAction::Send(b"ONE\r\nTWO\r\n".to_vec())]
        } else {
            Vec::new()
        }
    }
}

const PORT: PortSettings = PortSettings {
    baud: 9600,
    data_bits: serialport::DataBits::Eight,
    parity: serialport::Parity::None,
    stop_bits: serialport::StopBits::One,
    assert_rts_dtr: false,
};

#[test]
fn a_port_in_use_is_busy() {
    let twin = twin::spawn(Box::new(DoubleReply), Fault::None).unwrap();
    let _first = Link::open(twin.path(), &PORT).unwrap();
    let err = Link::open(twin.path(), &PORT).unwrap_err();
    assert_eq!(err.kind(), MeterErrorKind::Busy, "{err}");
}

#[test]
fn frames_are_split_by_terminator_and_leftovers_kept() {
    let twin = twin::spawn(Box::new(DoubleReply), Fault::None).unwrap();
    let mut link = Link::open(twin.path(), &PORT).unwrap();
    link.send(b"?\n").unwrap();
    assert_eq!(link.read_until(b"\r\n", Duration::from_secs(1)).unwrap(), b"ONE\r\n");
    assert_eq!(link.read_until(b"\r\n", Duration::from_secs(1)).unwrap(), b"TWO\r\n");
    let err = link.read_until(b"\r\n", Duration::from_millis(100)).unwrap_err();
    assert_eq!(err.kind(), MeterErrorKind::Timeout);
}
