use std::time::Duration;

/// What kind of failure a [`MeterError`] is, for code that decides what to do
/// next (retry, ask the operator, give up).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MeterErrorKind {
    /// The meter did not answer in time.
    Timeout,
    /// No meter at the given place.
    NotFound,
    /// The port or meter is in use.
    Busy,
    /// The light is more than the meter can measure.
    OverRange,
    /// The light is less than the meter can measure.
    UnderRange,
    /// The reply did not follow the protocol.
    Protocol,
    /// The meter cannot do what was asked.
    Unsupported,
    /// An operating-system I/O error.
    Io,
    /// The meter went away while in use (cable pulled, port closed).
    Disconnected,
    /// The operating system refused access to the port.
    PermissionDenied,
    /// The meter reported a fault of its own (memory error, flat battery).
    Device,
    /// The meter needs the operator to do something first (move the
    /// diffuser, calibrate); the error's text says what.
    NeedsOperator,
    /// The light changed while the meter measured (flicker, a source not
    /// constant).
    UnstableSource,
    /// The meter measured another quantity than the one asked for (a
    /// cosine receptor fitted when luminance was asked).
    WrongQuantity,
    /// The meter reported a value without its calibration applied.
    Uncalibrated,
}

/// Why a meter could not give a reading.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MeterError {
    /// The meter did not answer within the time budget.
    ///
    /// Check the cable and that the meter is switched on and in remote mode.
    #[error("the meter did not answer within {0:?}")]
    Timeout(Duration),
    /// No meter was found: the port, or a sentence saying why.
    #[error("no meter found: {0}")]
    NotFound(String),
    /// The port or the meter is held by another program.
    #[error("the meter is busy or in use by another program: {0}")]
    Busy(String),
    /// The light is above the meter's range.
    #[error("over range: the light is more than the meter can measure{}{}", limit_text(*.limit), said_text(.said))]
    OverRange {
        /// The range limit, in the quantity's unit, when known.
        limit: Option<f64>,
        /// The meter's own words (its status code or message); empty when
        /// the driver inferred the condition.
        said: String,
    },
    /// The light is below the meter's range.
    #[error("under range: the light is less than the meter can measure{}{}", limit_text(*.limit), said_text(.said))]
    UnderRange {
        /// The range limit, in the quantity's unit, when known.
        limit: Option<f64>,
        /// The meter's own words; empty when the driver inferred it.
        said: String,
    },
    /// The reply did not follow the protocol (bad frame, check code, number).
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The meter cannot do what was asked.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// An operating-system I/O error on the transport.
    #[error("I/O error talking to the meter: {0}")]
    Io(#[from] std::io::Error),
    /// The meter went away while in use: the cable was pulled, the meter was
    /// switched off, or the port was closed.
    #[error("the meter disconnected: {0}")]
    Disconnected(String),
    /// The operating system refused access to the port.
    ///
    /// On Linux the user must be in the group that owns the device (usually
    /// `dialout`).
    #[error("permission denied on {0}")]
    PermissionDenied(String),
    /// The meter reported a fault of its own; the text names the meter's code.
    #[error("the meter reported a fault: {0}")]
    Device(String),
    /// The meter needs the operator before it can measure; the text says
    /// what to do and keeps the meter's own words.
    #[error("the meter needs the operator: {0}")]
    NeedsOperator(String),
    /// The light changed during the measurement; the text keeps the
    /// meter's words.
    #[error("the light was not steady while the meter measured: {0}")]
    UnstableSource(String),
    /// The meter measured another quantity than the one asked for.
    #[error("the meter measured the wrong quantity: {0}")]
    WrongQuantity(String),
    /// The meter reported an uncalibrated value, which must not be used.
    #[error("the meter reported an uncalibrated value: {0}")]
    Uncalibrated(String),
    /// A meter program stopped making progress and was stopped at the end
    /// of the time budget; `output` is what it had printed, for the user.
    #[error("no result within {after:?}; the meter's program last said: {output}")]
    Stalled {
        /// The budget that ran out.
        after: Duration,
        /// What the program printed, verbatim (trimmed).
        output: String,
    },
}

fn said_text(said: &str) -> String {
    if said.is_empty() { String::new() } else { format!(" (meter said: {said})") }
}

fn limit_text(limit: Option<f64>) -> String {
    limit.map(|l| format!(" (limit {l})")).unwrap_or_default()
}

impl MeterError {
    /// The kind of failure.
    pub fn kind(&self) -> MeterErrorKind {
        match self {
            Self::Timeout(_) => MeterErrorKind::Timeout,
            Self::NotFound(_) => MeterErrorKind::NotFound,
            Self::Busy(_) => MeterErrorKind::Busy,
            Self::OverRange { .. } => MeterErrorKind::OverRange,
            Self::UnderRange { .. } => MeterErrorKind::UnderRange,
            Self::Protocol(_) => MeterErrorKind::Protocol,
            Self::Unsupported(_) => MeterErrorKind::Unsupported,
            Self::Io(_) => MeterErrorKind::Io,
            Self::Disconnected(_) => MeterErrorKind::Disconnected,
            Self::PermissionDenied(_) => MeterErrorKind::PermissionDenied,
            Self::Device(_) => MeterErrorKind::Device,
            Self::NeedsOperator(_) => MeterErrorKind::NeedsOperator,
            Self::UnstableSource(_) => MeterErrorKind::UnstableSource,
            Self::WrongQuantity(_) => MeterErrorKind::WrongQuantity,
            Self::Uncalibrated(_) => MeterErrorKind::Uncalibrated,
            Self::Stalled { .. } => MeterErrorKind::Timeout,
        }
    }

    /// Over range, with the meter's own words.
    pub fn over_range(said: impl Into<String>) -> Self {
        Self::OverRange { limit: None, said: said.into() }
    }

    /// Under range, with the meter's own words.
    pub fn under_range(said: impl Into<String>) -> Self {
        Self::UnderRange { limit: None, said: said.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `NotFound` carries a port or a sentence; both read as one (REDTEAM
    /// U7: "no meter found at ArgyllCMS spotread is not installed").
    #[test]
    fn not_found_reads_with_a_port_or_a_sentence() {
        assert_eq!(
            MeterError::NotFound("/dev/ttyUSB0".into()).to_string(),
            "no meter found: /dev/ttyUSB0"
        );
        assert_eq!(
            MeterError::NotFound("ArgyllCMS spotread is not installed (not on PATH)".into())
                .to_string(),
            "no meter found: ArgyllCMS spotread is not installed (not on PATH)"
        );
    }
}
