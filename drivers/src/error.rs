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
    /// No meter was found at the given place.
    #[error("no meter found at {0}")]
    NotFound(String),
    /// The port or the meter is held by another program.
    #[error("the meter is busy or in use by another program: {0}")]
    Busy(String),
    /// The light is above the meter's range.
    #[error("over range: the light is more than the meter can measure{}", limit_text(*.limit))]
    OverRange {
        /// The range limit, in the quantity's unit, when known.
        limit: Option<f64>,
    },
    /// The light is below the meter's range.
    #[error("under range: the light is less than the meter can measure{}", limit_text(*.limit))]
    UnderRange {
        /// The range limit, in the quantity's unit, when known.
        limit: Option<f64>,
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
        }
    }
}
