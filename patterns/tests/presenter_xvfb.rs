//! The real presenter under a real X server: starts its own Xvfb, shows every pattern
//! fullscreen, reads the screen back with X11 GetImage and checks that every pixel
//! equals the generated DDL.
//!
//! Needs `Xvfb` (Debian `xvfb`) and a Vulkan driver for wgpu (`mesa-vulkan-drivers`,
//! `libvulkan1`); see `.ci/apt/patterns.txt`. It fails, never skips, when Xvfb cannot
//! start. No real display, GPU or network is used.
//!
//! `harness = false`: the parent process starts Xvfb and runs this same binary again
//! as a child with `DISPLAY` pointing at it (winit reads `DISPLAY`, and allows one
//! event loop per process, so the child holds the one presenter).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use monqc_patterns::presenter::{
    OperatorKey, Presenter, PresenterError, PresenterHandle, PresenterOptions,
};
use monqc_patterns::{BitDepth, PatternId, PatternParams, Raster, catalogue};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt as _, ImageFormat, ImageOrder};
use x11rb::protocol::xtest::ConnectionExt as _;
use x11rb::rust_connection::RustConnection;

const CHILD_ENV: &str = "MONQC_PRESENTER_XVFB_CHILD";
const SCREEN: (u32, u32) = (1280, 1024);

fn main() {
    if std::env::var_os(CHILD_ENV).is_some() {
        child();
        return;
    }
    let mut xvfb = Xvfb::start(SCREEN.0, SCREEN.1);
    let exe = std::env::current_exe().expect("path of this test binary");
    // A private runtime directory keeps the graphics stack from complaining that
    // XDG_RUNTIME_DIR is unset (CI runs without a login session).
    let runtime_dir = std::env::temp_dir().join(format!("monqc-xvfb-{}", std::process::id()));
    let mut dir = std::fs::DirBuilder::new();
    dir.recursive(true);
    // XDG wants the runtime directory private to its user; the mode is Unix-only
    // (Xvfb is too: this test is not run on Windows).
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut dir, 0o700);
    dir.create(&runtime_dir).expect("create a runtime directory");
    let status = Command::new(exe)
        .env(CHILD_ENV, "1")
        .env("DISPLAY", &xvfb.display)
        .env("XDG_RUNTIME_DIR", &runtime_dir)
        .env_remove("WAYLAND_DISPLAY")
        .status()
        .expect("run the presenter child process");
    xvfb.stop();
    let _ = std::fs::remove_dir_all(&runtime_dir);
    if !status.success() {
        eprintln!("presenter_xvfb: 0 passed, 1 failed");
        std::process::exit(1);
    }
    println!("presenter_xvfb: 1 passed, 0 failed");
}

/// An Xvfb server this test started, on a display number Xvfb picked itself.
struct Xvfb {
    process: Child,
    display: String,
}

impl Xvfb {
    fn start(width: u32, height: u32) -> Self {
        // -displayfd: Xvfb chooses a free display number and writes it once it accepts
        // connections, so there is no race and no guessed number.
        let mut process = Command::new("Xvfb")
            .args(["-displayfd", "1", "-nolisten", "tcp", "-screen", "0"])
            .arg(format!("{width}x{height}x24"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start Xvfb ({e}); install the Debian package `xvfb` (.ci/apt/patterns.txt)")
            });
        let mut line = String::new();
        let stdout = process.stdout.take().expect("Xvfb stdout");
        BufReader::new(stdout).read_line(&mut line).expect("read the display number from Xvfb");
        let number: u32 = line.trim().parse().unwrap_or_else(|_| {
            let _ = process.kill();
            panic!("Xvfb did not report a display number (got {line:?}); it failed to start")
        });
        Self { process, display: format!(":{number}") }
    }

    fn stop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The screen as X11 GetImage returns it, as (r, g, b) per pixel.
struct Screen {
    conn: RustConnection,
    root: u32,
    masks: (u32, u32, u32),
    lsb_first: bool,
}

impl Screen {
    fn connect() -> Self {
        let (conn, screen_num) = x11rb::connect(None).expect("connect to Xvfb");
        let screen = &conn.setup().roots[screen_num];
        let visual = screen
            .allowed_depths
            .iter()
            .flat_map(|d| &d.visuals)
            .find(|v| v.visual_id == screen.root_visual)
            .expect("root visual");
        let masks = (visual.red_mask, visual.green_mask, visual.blue_mask);
        let lsb_first = conn.setup().image_byte_order == ImageOrder::LSB_FIRST;
        let root = screen.root;
        Self { conn, root, masks, lsb_first }
    }

    fn grab(&self, width: u32, height: u32) -> Vec<(u8, u8, u8)> {
        let reply = self
            .conn
            .get_image(ImageFormat::Z_PIXMAP, self.root, 0, 0, width as u16, height as u16, !0)
            .expect("GetImage request")
            .reply()
            .expect("GetImage reply");
        assert_eq!(reply.depth, 24, "Xvfb root depth");
        let channel = |word: u32, mask: u32| ((word & mask) >> mask.trailing_zeros()) as u8;
        reply
            .data
            .chunks_exact(4)
            .map(|b| {
                let b = [b[0], b[1], b[2], b[3]];
                let word =
                    if self.lsb_first { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) };
                (
                    channel(word, self.masks.0),
                    channel(word, self.masks.1),
                    channel(word, self.masks.2),
                )
            })
            .collect()
    }

    /// Waits (up to 2 s: the X server handles the presenter's and this test's
    /// connections independently) until the screen equals `expected`, else fails
    /// with the first differing pixels.
    fn assert_shows(&self, name: &str, expected: &[u8], width: u32, height: u32) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(2);
        let mut attempts = 0;
        loop {
            attempts += 1;
            let got = self.grab(width, height);
            let wrong: Vec<(usize, (u8, u8, u8), u8)> = got
                .iter()
                .zip(expected)
                .enumerate()
                .filter(|&(_, (&(r, g, b), &e))| r != e || g != e || b != e)
                .map(|(i, (&p, &e))| (i, p, e))
                .collect();
            if wrong.is_empty() {
                return attempts;
            }
            if Instant::now() > deadline {
                let first: Vec<String> = wrong
                    .iter()
                    .take(8)
                    .map(|(i, p, e)| {
                        format!(
                            "({}, {}) shows {p:?}, expected {e}",
                            *i as u32 % width,
                            *i as u32 / width
                        )
                    })
                    .collect();
                panic!(
                    "{name}: {} of {} pixels differ: {}",
                    wrong.len(),
                    got.len(),
                    first.join("; ")
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Presses and releases the key with keysym `keysym` through XTEST.
    fn press(&self, keysym: u32) {
        let setup = self.conn.setup();
        let (min, max) = (setup.min_keycode, setup.max_keycode);
        let map = self
            .conn
            .get_keyboard_mapping(min, max - min + 1)
            .expect("GetKeyboardMapping")
            .reply()
            .expect("keyboard mapping");
        let per = map.keysyms_per_keycode as usize;
        let index = map.keysyms.iter().position(|&k| k == keysym).expect("keysym on the keyboard");
        let keycode = min + (index / per) as u8;
        for event_type in [2u8, 3] {
            // 2 = KeyPress, 3 = KeyRelease (X11 core event codes).
            self.conn
                .xtest_fake_input(event_type, keycode, 0, self.root, 0, 0, 0)
                .expect("XTEST fake input");
        }
        self.conn.flush().expect("flush");
    }
}

fn eight_bit(raster: &Raster) -> Vec<u8> {
    raster.ddls().iter().map(|&v| u8::try_from(v).expect("8-bit DDL")).collect()
}

fn child() {
    let screen = Screen::connect();
    let options = PresenterOptions {
        placement_timeout: Duration::from_millis(500),
        ..PresenterOptions::default()
    };
    let presenter: PresenterHandle = Presenter::spawn(options).expect("start the presenter");

    let monitors = presenter.monitors().expect("list monitors");
    assert_eq!(monitors.len(), 1, "{monitors:?}");
    assert_eq!((monitors[0].width, monitors[0].height), SCREEN);
    assert_eq!((monitors[0].x, monitors[0].y), (0, 0));

    let (w, h) = SCREEN;
    let params = PatternParams::new(w, h, BitDepth::Eight);
    let mut shown = 0;
    let mut names: Vec<String> = catalogue()
        .into_iter()
        .map(|info| info.name)
        .filter(|name| !name.starts_with("UNIFORM"))
        .collect();
    names.extend(
        ["UNIFORM-0", "UNIFORM-1", "UNIFORM-128", "UNIFORM-254", "UNIFORM-255"].map(String::from),
    );
    for name in &names {
        let id: PatternId = name.parse().expect("listed name");
        let raster = id.generate(&params).expect("generate").render();
        let report = presenter.show(&raster).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(report.output_bits, 8);
        assert!(!report.converted_to_8_bit);
        if shown == 0 {
            println!(
                "surface {}, first frame presented in {:?}",
                report.surface_format, report.present_time
            );
        }
        let attempts = screen.assert_shows(name, &eight_bit(&raster), w, h);
        if attempts > 1 {
            println!("{name}: screen matched after {attempts} read-backs");
        }
        shown += 1;
    }

    // A prompt lands in the prompt area only, and the screen shows it exactly.
    for name in ["TG18-UNL80", "JIRA-BN09-L20", "TG18-QC"] {
        let spec = name.parse::<PatternId>().unwrap().generate(&params).unwrap();
        let with_prompt = spec.render_with_prompt("MEASURE THE 5 SQUARES, THEN PRESS SPACE");
        assert_ne!(with_prompt, spec.render(), "{name}: the prompt was drawn");
        presenter.show_pattern(&spec, Some("MEASURE THE 5 SQUARES, THEN PRESS SPACE")).unwrap();
        screen.assert_shows(&format!("{name} with prompt"), &eight_bit(&with_prompt), w, h);
    }

    // An operator's caption (Japanese and English) is drawn by the presenter clear of
    // every measured area: the screen shows exactly the captioned rendering, every
    // measurement region keeps its DDL, and the pattern alone comes back after.
    let caption = [
        "TG18-UN80 — 輝度均一性: はっきり見えるむら（しみ、帯、暗い四隅）がない".to_string(),
        "Place the meter at the top-left measurement square of TG18-UN80.".to_string(),
        "Y: 基準を満たす　N: 満たさない　Q / Esc: 中断".to_string(),
    ];
    for name in ["TG18-UN80", "JIRA-BN01", "JIRA-BN18", "TG18-QC"] {
        let spec = name.parse::<PatternId>().unwrap().generate(&params).unwrap();
        let captioned = spec.render_with_caption(&caption);
        assert_ne!(captioned, spec.render(), "{name}: the caption was drawn");
        presenter.show_pattern_captioned(&spec, Some(&caption)).unwrap();
        screen.assert_shows(&format!("{name} with a caption"), &eight_bit(&captioned), w, h);
        let shown = screen.grab(w, h);
        for m in &spec.measurement_regions {
            for y in m.rect.y..m.rect.bottom() {
                for x in m.rect.x..m.rect.right() {
                    let (r, g, b) = shown[(y * w + x) as usize];
                    let ddl = m.ddl as u8;
                    assert!(
                        (r, g, b) == (ddl, ddl, ddl),
                        "{name}: ({x}, {y}) in {} shows {:?}, not its DDL {ddl}",
                        m.label,
                        (r, g, b)
                    );
                }
            }
        }
        presenter.show_pattern_captioned(&spec, None).unwrap();
        screen.assert_shows(
            &format!("{name} without its caption"),
            &eight_bit(&spec.render()),
            w,
            h,
        );
    }

    // A 10-bit raster on Xvfb's 24-bit screen: the fallback is reported and each DDL
    // goes out as round(v · 255 / 1023).
    let ten = PatternParams::new(w, h, BitDepth::Ten);
    let raster = "TG18-QC".parse::<PatternId>().unwrap().generate(&ten).unwrap().render();
    let report = presenter.show(&raster).expect("show a 10-bit raster");
    assert_eq!(report.output_bits, 8, "{report:?}");
    assert!(report.converted_to_8_bit, "{report:?}");
    let expected: Vec<u8> =
        raster.ddls().iter().map(|&v| ((u32::from(v) * 255 + 511) / 1023) as u8).collect();
    screen.assert_shows("TG18-QC 10-bit on 8-bit", &expected, w, h);

    // A raster of another size would be scaled: refused, and the screen keeps the old frame.
    let small = "TG18-QC".parse::<PatternId>().unwrap();
    let small = small.generate(&PatternParams::new(1024, 1024, BitDepth::Eight)).unwrap().render();
    match presenter.show(&small) {
        Err(PresenterError::WouldScale { window_width, window_height, raster_width, .. }) => {
            assert_eq!((window_width, window_height, raster_width), (w, h, 1024));
        }
        other => panic!("a 1024×1024 raster on a {w}×{h} window must be refused, got {other:?}"),
    }
    screen.assert_shows("previous frame kept", &expected, w, h);

    // Operator keys reach the session thread.
    const XK_SPACE: u32 = 0x20;
    const XK_ESCAPE: u32 = 0xff1b;
    screen.press(XK_SPACE);
    assert_eq!(presenter.next_key(Some(Duration::from_secs(5))), Some(OperatorKey::Next));
    screen.press(XK_ESCAPE);
    assert_eq!(presenter.next_key(Some(Duration::from_secs(5))), Some(OperatorKey::Quit));
    // Y and N answer a question; keys pressed before it is asked can be forgotten.
    const XK_Y: u32 = 0x79;
    const XK_N: u32 = 0x6e;
    screen.press(XK_Y);
    assert_eq!(presenter.next_key(Some(Duration::from_secs(5))), Some(OperatorKey::Yes));
    screen.press(XK_N);
    assert_eq!(presenter.next_key(Some(Duration::from_secs(5))), Some(OperatorKey::No));
    screen.press(XK_Y);
    // Time for the key to reach the presenter's queue (it takes milliseconds).
    std::thread::sleep(Duration::from_secs(1));
    presenter.forget_keys();
    assert_eq!(presenter.next_key(Some(Duration::from_millis(300))), None, "forgotten");

    presenter.close();
    println!("presenter under Xvfb: {shown} patterns read back pixel-exact at {w}×{h}");
}
