//! A real-meter session answered entirely on the pattern window (issue 11
//! item 8), under a private Xvfb.
//!
//! `monqc run` opens an LS-100 and a T-10A by their real selectors
//! (`ls100:/dev/pts/N`): twins speaking the meters' bytes on pseudo-terminals
//! in this test process, so the real serial path runs. Their light is what
//! this test's "room" says: the DDL the X server shows at the meter's place
//! (read back with GetImage), a corner fall-off, the display switched on or
//! off, and room light. Standard input is closed: the person (this test)
//! reads each prompt as it is shown, checks the caption on screen pixel by
//! pixel (placed as computed, measured areas unchanged), does what it says
//! (switches the "display", moves the meter) and answers with keys through
//! XTEST, as a technologist at a single-screen workstation would.
//!
//! Needs `Xvfb` and Mesa's Vulkan driver (`.ci/apt/patterns.txt`); fails,
//! never skips, without them.

#[path = "common/xvfb.rs"]
mod xvfb;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use xvfb::Xvfb;

use monqc::measuring::prompts::{Language, Prompt};
use monqc::numbers::measurement::{MeterSetup, Position};
use monqc::records::confirmation::{Action, ConfirmedBy};
use monqc::records::session::{self, SessionEntry};
use monqc::standards::criteria::TestType;
use monqc::standards::procedure::{PlannedStep, Procedure, StepAction};
use monqc_drivers::twin::{self, Fault, Optics};
use monqc_drivers::{Chromaticity, Scene, Stimulus};
use monqc_patterns::{BitDepth, PatternId, PatternParams, PatternSpec};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt as _, ImageFormat};
use x11rb::protocol::xtest::ConnectionExt as _;
use x11rb::rust_connection::RustConnection;

const SCREEN: (u32, u32) = (1280, 1024);
/// Room light at the display face, lx, and the panel's reflection, cd·m⁻²·lx⁻¹.
const ROOM_LX: f64 = 50.0;
const RD: f64 = 0.005;
/// Luminance at the corners relative to the centre.
const CORNER_FALLOFF: f64 = 0.8;

/// The X screen: read back and typed at.
struct Screen {
    conn: RustConnection,
    root: u32,
}

impl Screen {
    fn connect(display: &str) -> Self {
        let (conn, n) = x11rb::connect(Some(display)).expect("connect to Xvfb");
        let root = conn.setup().roots[n].root;
        Self { conn, root }
    }

    /// Grey levels of a rectangle (R of a 24-bit TrueColor pixel; the
    /// presenter writes each DDL to R, G and B alike).
    fn grab(&self, x: u32, y: u32, w: u32, h: u32) -> Vec<u8> {
        let reply = self
            .conn
            .get_image(ImageFormat::Z_PIXMAP, self.root, x as i16, y as i16, w as u16, h as u16, !0)
            .unwrap()
            .reply()
            .unwrap();
        reply.data.chunks_exact(4).map(|p| p[2]).collect()
    }

    fn press(&self, keysym: u32) {
        let setup = self.conn.setup();
        let (min, max) = (setup.min_keycode, setup.max_keycode);
        let map = self.conn.get_keyboard_mapping(min, max - min + 1).unwrap().reply().unwrap();
        let per = map.keysyms_per_keycode as usize;
        let index = map.keysyms.iter().position(|&k| k == keysym).expect("keysym on the keyboard");
        let keycode = min + (index / per) as u8;
        for event in [2u8, 3] {
            self.conn.xtest_fake_input(event, keycode, 0, self.root, 0, 0, 0).unwrap();
        }
        self.conn.flush().unwrap();
    }
}

/// The room the meters are in: the display (on or off, showing what the X
/// server shows), where the luminance meter is, and the room light.
struct Room {
    screen: Mutex<Screen>,
    display_on: AtomicBool,
    meter_at: Mutex<Position>,
    un80: PatternSpec,
}

impl Room {
    /// Where on the screen a position is (the TG18-UN80 squares; the centre
    /// is also the BN patch).
    fn spot(&self, p: Position) -> (u32, u32) {
        let label = p.to_string();
        self.un80.measurement_regions.iter().find(|m| m.label == label).unwrap().rect.centre()
    }
}

impl Scene for Room {
    fn stimulus(&self) -> Stimulus {
        let lamb = RD * ROOM_LX;
        let at = *self.meter_at.lock().unwrap();
        let panel = if self.display_on.load(Ordering::SeqCst) {
            let (x, y) = self.spot(at);
            let ddl = f64::from(self.screen.lock().unwrap().grab(x, y, 1, 1)[0]);
            let falloff = if at == Position::Centre { 1.0 } else { CORNER_FALLOFF };
            (0.5 + 399.5 * (ddl / 255.0).powf(2.2)) * falloff
        } else {
            0.0
        };
        Stimulus {
            luminance_cd_m2: panel + lamb,
            chromaticity: Chromaticity { x: 0.3127, y: 0.3290 },
            illuminance_lx: ROOM_LX,
        }
    }
}

fn eight_bit(spec: &PatternSpec, caption: &[String]) -> Vec<u8> {
    spec.render_with_caption(caption).ddls().iter().map(|&v| v as u8).collect()
}

/// Wait until the whole screen shows `expected` (the presenter draws on
/// its own connection), else fail naming the pixels that differ.
fn wait_for_screen(screen: &Mutex<Screen>, expected: &[u8], what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = screen.lock().unwrap().grab(0, 0, SCREEN.0, SCREEN.1);
        let wrong = got.iter().zip(expected).filter(|(a, b)| a != b).count();
        if wrong == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: {wrong} pixels differ from the expected caption"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn site(data: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_monqc"))
        .args(["displays", "add", "--id", "rr1", "--grade", "1a", "--setup", "telescopic"])
        .env("MONQC_DATA_DIR", data)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_real_meter_session_answered_entirely_with_window_keys() {
    let xvfb = Xvfb::start(SCREEN.0, SCREEN.1);
    let runtime = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    site(data.path());
    let params = PatternParams::new(SCREEN.0, SCREEN.1, BitDepth::Eight);
    let spec = |name: &str| name.parse::<PatternId>().unwrap().generate(&params).unwrap();
    let room = Arc::new(Room {
        screen: Mutex::new(Screen::connect(&xvfb.display)),
        display_on: AtomicBool::new(true),
        meter_at: Mutex::new(Position::TopLeft),
        un80: spec("TG18-UN80"),
    });
    let optics = |seed| {
        let mut o = Optics::new(room.clone(), seed);
        o.time_scale = 0.02;
        o.noise_relative = 0.0;
        o
    };
    let ls100 = twin::spawn(
        Box::new(monqc_drivers::konica_ls::twin::LsTwin::new(
            monqc_drivers::konica_ls::Model::Ls100,
            optics(1),
        )),
        Fault::None,
    )
    .unwrap();
    let t10a = twin::spawn(
        Box::new(monqc_drivers::konica_cl::twin::ClTwin::new(
            monqc_drivers::konica_cl::Model::T10a,
            optics(2),
        )),
        Fault::None,
    )
    .unwrap();
    let person = Screen::connect(&xvfb.display);

    let mut child = Command::new(env!("CARGO_BIN_EXE_monqc"))
        .args(["run", "acceptance", "--display", "rr1", "--window", "--lang", "en"])
        .arg("--meter")
        .arg(format!("ls100:{}", ls100.path()))
        .arg("--illuminance-meter")
        .arg(format!("t10a:{}", t10a.path()))
        .env("MONQC_DATA_DIR", data.path())
        .env("DISPLAY", &xvfb.display)
        .env("XDG_RUNTIME_DIR", runtime.path())
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // What monqc says, line by line (prompts without a newline end at the next).
    let (tx, said) = std::sync::mpsc::channel::<String>();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut line = Vec::new();
        let mut byte = [0u8];
        while err.read(&mut byte).unwrap_or(0) == 1 {
            all.push(byte[0]);
            if byte[0] == b'\n' {
                let _ = tx.send(String::from_utf8_lossy(&line).into_owned());
                line.clear();
            } else {
                line.push(byte[0]);
            }
        }
        String::from_utf8_lossy(&all).into_owned()
    });

    let plan: Vec<PlannedStep> = Procedure::built_in("jesra-x0093", TestType::Acceptance)
        .unwrap()
        .plan(MeterSetup::Telescopic, 8, true);
    let en = Language::En;
    let mut done_steps = 0;
    let mut prompts = 0;
    while let Ok(line) = said.recv_timeout(Duration::from_secs(120)) {
        if line.starts_with('[') && line.contains('/') {
            done_steps += 1;
            continue;
        }
        let Some(text) = line.strip_prefix(">> ") else { continue };
        prompts += 1;
        let step = &plan[done_steps];
        let shown = match step.action {
            StepAction::ReadIlluminance | StepAction::ReadAmbientLuminance => "UNIFORM-0".into(),
            _ => step.pattern.clone().unwrap(),
        };
        let judging = matches!(step.action, StepAction::Judge { .. });
        let keys = en.text(if judging { Prompt::KeysJudgement } else { Prompt::KeysInstruction });
        let caption = [text.to_string(), keys.to_string()];
        let pattern = spec(&shown);
        // The caption is on screen exactly as computed, nothing measured changed.
        wait_for_screen(
            &room.screen,
            &eight_bit(&pattern, &caption),
            &format!("{}: {text}", step.id),
        );
        let grabbed = room.screen.lock().unwrap().grab(0, 0, SCREEN.0, SCREEN.1);
        for m in &pattern.measurement_regions {
            for y in m.rect.y..m.rect.bottom() {
                let row = &grabbed
                    [(y * SCREEN.0 + m.rect.x) as usize..(y * SCREEN.0 + m.rect.right()) as usize];
                assert!(
                    row.iter().all(|&v| u16::from(v) == m.ddl),
                    "{}: {} changed",
                    step.id,
                    m.label
                );
            }
        }
        // Do what it says, then answer on the window.
        if judging {
            const XK_Y: u32 = 0x79;
            const XK_N: u32 = 0x6e;
            person.press(if step.id == "visual/artefacts" { XK_N } else { XK_Y });
            continue;
        }
        if text.contains("Switch the display off") {
            room.display_on.store(false, Ordering::SeqCst);
        }
        if text.contains("Switch the display back on") {
            room.display_on.store(true, Ordering::SeqCst);
        }
        if text.contains("Place the meters at the centre") {
            *room.meter_at.lock().unwrap() = Position::Centre;
        }
        for p in Position::FIVE {
            if text.contains(&format!("at the {p} measurement square")) {
                *room.meter_at.lock().unwrap() = p;
            }
        }
        const XK_RETURN: u32 = 0xff0d;
        const XK_SPACE: u32 = 0x20;
        person.press(if prompts % 2 == 0 { XK_RETURN } else { XK_SPACE });
    }
    let status = child.wait().unwrap();
    let stderr = reader.join().unwrap();
    assert!(matches!(status.code(), Some(0 | 1)), "the session completed: {stderr}");
    assert_eq!(done_steps, plan.len(), "{stderr}");
    assert_eq!(prompts, 5 + 1 + 1 + 5, "five questions, display off, on, five placings: {stderr}");

    let journal = std::fs::read_dir(data.path().join("sessions"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .unwrap();
    let s = session::read(&journal).unwrap();
    let mut actions = 0;
    for e in s.entries.iter().filter(|e| e.step().is_some()) {
        for c in e.confirmed().unwrap() {
            assert_eq!(c.by, ConfirmedBy::OperatorAtWindow, "{:?}", e.step());
            actions += 1;
        }
    }
    assert_eq!(actions, 5 + 2 + 1 + 5, "judgements, off + centre, on, five squares");
    let artefacts = s
        .entries
        .iter()
        .find_map(|e| match e {
            SessionEntry::Judgement { item, passed, .. } if item == "artefacts" => Some(*passed),
            _ => None,
        })
        .unwrap();
    assert!(!artefacts, "N on the window judged artefacts failed");
    // Lamb was read with the display off, and each square where the meter was put.
    let set = s.measurement_set(&journal);
    let lamb = set.ambient.unwrap().lamb_cd_m2;
    assert!((lamb - RD * ROOM_LX).abs() < 0.01, "Lamb {lamb}");
    let centre = set.uniformity.iter().find(|u| u.position == Position::Centre).unwrap();
    for u in set.uniformity.iter().filter(|u| u.position != Position::Centre) {
        let ratio = (u.luminance_cd_m2 - lamb) / (centre.luminance_cd_m2 - lamb);
        assert!((ratio - CORNER_FALLOFF).abs() < 0.01, "{:?}: {ratio}", u.position);
    }
    let placed = s
        .entries
        .iter()
        .flat_map(|e| e.confirmed().unwrap_or(&[]))
        .filter(|c| c.action == Action::PlaceMeter)
        .count();
    assert_eq!(placed, 6);
}
