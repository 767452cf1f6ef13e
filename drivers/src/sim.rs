use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::{
    Capabilities, Chromaticity, DeviceInfo, MeasureRequest, MeterError, Photometer, Progress,
    Quantity, Reading, Validity,
};

/// The light in front of a meter at this moment: what its aperture sees
/// (luminance, colour) and what falls on its diffuser (illuminance).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stimulus {
    /// Luminance seen by the meter, in cd/m².
    pub luminance_cd_m2: f64,
    /// Chromaticity of that light.
    pub chromaticity: Chromaticity,
    /// Illuminance at the meter's diffuser, in lx.
    pub illuminance_lx: f64,
}

/// Something a simulated meter can look at, such as a simulated display
/// showing a pattern. The application owns the scene and changes what it
/// shows; the meter only reads it.
pub trait Scene {
    /// The light the meter sees now.
    fn stimulus(&self) -> Stimulus;
}

impl<S: Scene + ?Sized> Scene for Arc<S> {
    fn stimulus(&self) -> Stimulus {
        (**self).stimulus()
    }
}

impl<S: Scene + ?Sized> Scene for &S {
    fn stimulus(&self) -> Stimulus {
        (**self).stimulus()
    }
}

/// A scene whose light the application sets directly: one stimulus behind
/// a lock, shareable with a twin's thread (`Arc<SceneCell>`).
#[derive(Debug)]
pub struct SceneCell(std::sync::Mutex<Stimulus>);

impl SceneCell {
    /// A scene showing `stimulus`.
    pub fn new(stimulus: Stimulus) -> Self {
        Self(std::sync::Mutex::new(stimulus))
    }

    /// Show `stimulus` from now on.
    pub fn set(&self, stimulus: Stimulus) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = stimulus;
    }

    /// Show this luminance (cd/m²), keeping colour and illuminance.
    pub fn set_luminance(&self, luminance_cd_m2: f64) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).luminance_cd_m2 = luminance_cd_m2;
    }

    /// Put this illuminance (lx) on the diffuser, keeping the rest.
    pub fn set_illuminance(&self, illuminance_lx: f64) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).illuminance_lx = illuminance_lx;
    }
}

impl Scene for SceneCell {
    fn stimulus(&self) -> Stimulus {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A meter with no hardware behind it: it reads a [`Scene`], adds its own
/// repeatability noise (seeded, so runs are reproducible) and enforces a
/// measuring range like a real instrument.
pub struct SimulatedPhotometer<S> {
    scene: S,
    rng: fastrand::Rng,
    /// Relative standard deviation of a reading (0.002 = 0.2 %).
    pub noise_relative: f64,
    /// Lowest luminance the meter can read, in cd/m².
    pub min_luminance_cd_m2: f64,
    /// Highest luminance the meter can read, in cd/m².
    pub max_luminance_cd_m2: f64,
    /// Time one reading takes (the simulated integration time).
    pub reading_time: Duration,
}

impl<S: Scene> SimulatedPhotometer<S> {
    /// A simulated meter looking at `scene`, with noise drawn from `seed`.
    ///
    /// The defaults (0.2 % repeatability, 0.001 to 99 990 cd/m², no
    /// integration delay) are those of a good spot meter, so the meter never
    /// dominates the display's own errors.
    pub fn new(scene: S, seed: u64) -> Self {
        Self {
            scene,
            rng: fastrand::Rng::with_seed(seed),
            noise_relative: 0.002,
            min_luminance_cd_m2: 0.001,
            max_luminance_cd_m2: 99_990.0,
            reading_time: Duration::ZERO,
        }
    }

    /// The scene this meter looks at.
    pub fn scene(&self) -> &S {
        &self.scene
    }

    /// A normally distributed factor 1 + N(0, noise_relative).
    fn noise_factor(&mut self) -> f64 {
        // Box–Muller; 1 - u keeps the logarithm finite.
        let u1 = 1.0 - self.rng.f64();
        let u2 = self.rng.f64();
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        1.0 + self.noise_relative * z
    }
}

impl<S: Scene> Photometer for SimulatedPhotometer<S> {
    fn identify(&mut self) -> Result<DeviceInfo, MeterError> {
        Ok(DeviceInfo {
            vendor: "monqc".into(),
            model: "simulated photometer".into(),
            serial: Some("SIM-0001".into()),
            firmware: Some(env!("CARGO_PKG_VERSION").into()),
            calibration_date: None,
        })
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            luminance: true,
            chromaticity: true,
            illuminance: true,
            typical_reading_time: self.reading_time,
            worst_case_reading_time: self.reading_time,
        }
    }

    fn measure(
        &mut self,
        request: &MeasureRequest,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Reading, MeterError> {
        let start = Instant::now();
        if self.reading_time > request.budget {
            return Err(MeterError::Timeout(request.budget));
        }
        if !self.reading_time.is_zero() {
            progress(Progress { elapsed: Duration::ZERO, expected: Some(self.reading_time) });
            std::thread::sleep(self.reading_time);
        }
        let stimulus = self.scene.stimulus();
        let factor = self.noise_factor();
        let (value, chromaticity) = match request.quantity {
            Quantity::Luminance => {
                let l = stimulus.luminance_cd_m2;
                if l > self.max_luminance_cd_m2 {
                    return Err(MeterError::OverRange {
                        limit: Some(self.max_luminance_cd_m2),
                        said: String::new(),
                    });
                }
                if l < self.min_luminance_cd_m2 {
                    return Err(MeterError::UnderRange {
                        limit: Some(self.min_luminance_cd_m2),
                        said: String::new(),
                    });
                }
                (l * factor, Some(stimulus.chromaticity))
            }
            Quantity::Illuminance => (stimulus.illuminance_lx * factor, None),
        };
        let raw = format!("SIM {value:.6e} {}", request.quantity.unit()).into_bytes();
        Ok(Reading {
            quantity: request.quantity,
            value,
            chromaticity,
            validity: Validity::Ok,
            raw,
            elapsed: start.elapsed(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(f64);
    impl Scene for Fixed {
        fn stimulus(&self) -> Stimulus {
            Stimulus {
                luminance_cd_m2: self.0,
                chromaticity: Chromaticity { x: 0.3127, y: 0.3290 },
                illuminance_lx: 50.0,
            }
        }
    }

    fn read(meter: &mut SimulatedPhotometer<Fixed>, q: Quantity) -> Result<Reading, MeterError> {
        meter.measure(&MeasureRequest { quantity: q, budget: Duration::from_secs(1) }, &mut |_| {})
    }

    #[test]
    fn reads_the_scene_within_its_noise() {
        let mut meter = SimulatedPhotometer::new(Fixed(100.0), 7);
        let n = 2000;
        let values: Vec<f64> =
            (0..n).map(|_| read(&mut meter, Quantity::Luminance).unwrap().value).collect();
        let mean = values.iter().sum::<f64>() / n as f64;
        let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
        assert!((mean - 100.0).abs() < 0.05, "mean {mean}");
        assert!((sd - 0.2).abs() < 0.02, "sd {sd}");
    }

    #[test]
    fn same_seed_same_readings() {
        let mut a = SimulatedPhotometer::new(Fixed(10.0), 42);
        let mut b = SimulatedPhotometer::new(Fixed(10.0), 42);
        for _ in 0..10 {
            assert_eq!(
                read(&mut a, Quantity::Luminance).unwrap().value,
                read(&mut b, Quantity::Luminance).unwrap().value
            );
        }
    }

    #[test]
    fn refuses_light_outside_its_range() {
        let mut meter = SimulatedPhotometer::new(Fixed(200_000.0), 1);
        let err = read(&mut meter, Quantity::Luminance).unwrap_err();
        assert_eq!(err.kind(), crate::MeterErrorKind::OverRange);
        let mut meter = SimulatedPhotometer::new(Fixed(0.0), 1);
        let err = read(&mut meter, Quantity::Luminance).unwrap_err();
        assert_eq!(err.kind(), crate::MeterErrorKind::UnderRange);
    }

    #[test]
    fn illuminance_has_no_chromaticity() {
        let mut meter = SimulatedPhotometer::new(Fixed(10.0), 3);
        let r = read(&mut meter, Quantity::Illuminance).unwrap();
        assert_eq!(r.quantity, Quantity::Illuminance);
        assert!((r.value - 50.0).abs() < 1.0);
        assert!(r.chromaticity.is_none());
    }
}
