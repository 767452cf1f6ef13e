//! The root crate is built in layers whose imports point one way only
//! (ARCHITECTURE.md, "Layers"): each folder under `src/` is a layer, and a
//! file may use its own layer and the layers below it, never one above.
//!
//! This test reads every `.rs` file under `src/`, finds each path that
//! starts with `crate::`, `monqc::` or `super::` in the code (comments and
//! string literals are skipped), resolves it to the layer it names and
//! fails on any that points up. It also holds the rules that give two
//! layers their meaning: the pure layer touches no files, clock or
//! devices, and only the command line reads the system clock.
//! `.ci/run` runs it as its own "layers" step.

use std::path::{Path, PathBuf};

/// The layers, lowest first. `cli` is the binary's glue (src/cli/).
const LAYERS: &[&str] = &["numbers", "standards", "records", "measuring", "office", "cli"];

/// Paths a layer must not use, with the reason given when it does.
const FORBIDDEN: &[(&str, &[&str], &str)] = &[
    (
        "numbers",
        &[
            "std::fs",
            "std::io",
            "std::env",
            "std::process",
            "std::net",
            "std::thread",
            "std::time",
            "chrono",
            "monqc_drivers",
            "monqc_patterns",
            "monqc_reports",
        ],
        "the pure layer has no files, no clock and no devices",
    ),
    (
        "standards",
        &["monqc_drivers", "monqc_patterns", "monqc_reports"],
        "the standards know no meters, windows or documents",
    ),
    (
        "records",
        &["monqc_drivers", "monqc_patterns", "monqc_reports"],
        "files on disk know no meters, windows or documents",
    ),
    ("measuring", &["monqc_reports"], "measuring makes no documents"),
];

/// Reading the system clock: only the command line does (the library is
/// given a clock).
const CLOCK_READS: &[&str] = &["Utc::now", "Local::now", "SystemTime::now"];

/// One path found in the code.
#[derive(Debug)]
struct PathUse {
    line: usize,
    /// Resolved segments, starting at the crate root (`crate::a::b` → [a, b]).
    /// `monqc::a` is the library seen from the binary: also [a].
    segments: Vec<String>,
    /// How it was written.
    written: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    PathSep,
    Open,
    Close,
    Comma,
    Other,
}

/// Tokens of Rust source with comments, strings and char literals removed,
/// each with its line.
fn tokens(src: &str) -> Vec<(usize, Tok)> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let count_lines = |s: &[char]| s.iter().filter(|&&ch| ch == '\n').count();
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == Some('*') {
            let (start, mut depth) = (i, 0);
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            line += count_lines(&c[start..i.min(c.len())]);
        } else if ch == 'r' && matches!(next, Some('"') | Some('#')) && !prev_is_ident(&c, i) {
            // Raw string r"…" or r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while c.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if c.get(j) != Some(&'"') {
                out.push((line, Tok::Ident("r".into())));
                i += 1;
                continue;
            }
            let start = i;
            j += 1;
            loop {
                if j >= c.len() {
                    break;
                }
                if c[j] == '"' && (0..hashes).all(|k| c.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            line += count_lines(&c[start..j.min(c.len())]);
            i = j;
        } else if ch == '"' {
            let start = i;
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            line += count_lines(&c[start..i.min(c.len())]);
        } else if ch == '\'' {
            // A char literal ('x', '\n', '\u{1F600}') or a lifetime ('a).
            if next == Some('\\') {
                i += 3;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push((line, Tok::Ident(c[start..i].iter().collect())));
        } else if ch == ':' && next == Some(':') {
            out.push((line, Tok::PathSep));
            i += 2;
        } else {
            out.push((
                line,
                match ch {
                    '{' => Tok::Open,
                    '}' => Tok::Close,
                    ',' => Tok::Comma,
                    _ => Tok::Other,
                },
            ));
            i += 1;
        }
    }
    out
}

fn prev_is_ident(c: &[char], i: usize) -> bool {
    i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_')
}

/// The paths after `at` (which points just past a `::`): `a::b`, or a
/// `{a, b::{c, d}}` group, each as its list of segments.
fn path_tails(toks: &[(usize, Tok)], at: usize) -> (Vec<Vec<String>>, usize) {
    match toks.get(at).map(|t| &t.1) {
        Some(Tok::Ident(name)) => {
            let mut i = at + 1;
            if matches!(toks.get(i).map(|t| &t.1), Some(Tok::PathSep)) {
                i += 1;
                let (tails, end) = path_tails(toks, i);
                let tails = if tails.is_empty() { vec![vec![]] } else { tails };
                let paths = tails
                    .into_iter()
                    .map(|t| std::iter::once(name.clone()).chain(t).collect())
                    .collect();
                (paths, end)
            } else {
                (vec![vec![name.clone()]], i)
            }
        }
        Some(Tok::Open) => {
            let mut i = at + 1;
            let mut paths = Vec::new();
            loop {
                match toks.get(i).map(|t| &t.1) {
                    None => break,
                    Some(Tok::Close) => {
                        i += 1;
                        break;
                    }
                    Some(Tok::Comma) => i += 1,
                    Some(Tok::Ident(_)) | Some(Tok::Open) => {
                        let (p, end) = path_tails(toks, i);
                        paths.extend(p);
                        // `a as b`: skip to the next comma or close.
                        i = end;
                        while let Some(Tok::Ident(_)) | Some(Tok::Other) = toks.get(i).map(|t| &t.1)
                        {
                            i += 1;
                        }
                    }
                    Some(_) => i += 1,
                }
            }
            (paths, i)
        }
        _ => (Vec::new(), at),
    }
}

/// Every `crate::`, `monqc::` and `super::` path in `src`, resolved from
/// the module `module` (segments from the crate root) the file defines.
fn path_uses(src: &str, module: &[String]) -> Vec<PathUse> {
    let toks = tokens(src);
    let mut uses = Vec::new();
    // Inline modules (`mod tests { … }`) change what `super` means.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < toks.len() {
        let (line, tok) = &toks[i];
        match tok {
            Tok::Open => depth += 1,
            Tok::Close => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
            }
            Tok::Ident(kw) if kw == "mod" => {
                if let (Some((_, Tok::Ident(name))), Some((_, Tok::Open))) =
                    (toks.get(i + 1), toks.get(i + 2))
                {
                    inline.push((name.clone(), depth));
                }
            }
            Tok::Ident(root) if matches!(root.as_str(), "crate" | "monqc" | "super") => {
                // `x.super` cannot occur; a path segment before us (a::crate) can't either.
                let preceded_by_sep = i > 0 && toks[i - 1].1 == Tok::PathSep;
                if !preceded_by_sep && toks.get(i + 1).map(|t| &t.1) == Some(&Tok::PathSep) {
                    let mut base: Vec<String> = match root.as_str() {
                        "super" => {
                            let mut here: Vec<String> = module.to_vec();
                            here.extend(inline.iter().map(|(n, _)| n.clone()));
                            here.pop();
                            here
                        }
                        _ => Vec::new(),
                    };
                    let mut j = i + 2;
                    // super::super::…
                    while root == "super"
                        && toks.get(j).map(|t| &t.1) == Some(&Tok::Ident("super".into()))
                        && toks.get(j + 1).map(|t| &t.1) == Some(&Tok::PathSep)
                    {
                        base.pop();
                        j += 2;
                    }
                    let (tails, end) = path_tails(&toks, j);
                    for t in tails {
                        let mut segments = base.clone();
                        segments.extend(t);
                        uses.push(PathUse {
                            line: *line,
                            written: format!("{root}::{}", segments.join("::")),
                            segments,
                        });
                    }
                    i = end;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    uses
}

/// The module a file under `src/` defines, from the crate root, and the
/// layer it is in. `lib.rs` and `main.rs` are the roots that declare the
/// layers: they are in none.
fn module_of(rel: &Path) -> Result<(Vec<String>, Option<usize>), String> {
    let parts: Vec<String> = rel
        .strip_prefix("src")
        .map_err(|_| format!("{} is not under src/", rel.display()))?
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if parts.len() == 1 && matches!(parts[0].as_str(), "lib.rs" | "main.rs") {
        return Ok((Vec::new(), None));
    }
    let layer = LAYERS.iter().position(|l| *l == parts[0]).ok_or_else(|| {
        format!(
            "{} is not in a layer folder ({}); put it in the layer it belongs to",
            rel.display(),
            LAYERS.join(", ")
        )
    })?;
    if parts.len() == 1 {
        return Err(format!("{} is not in a layer folder", rel.display()));
    }
    let mut module: Vec<String> = parts.clone();
    let last = module.pop().expect("two or more parts");
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" {
        module.push(stem.to_string());
    }
    Ok((module, Some(layer)))
}

/// Every way `text` (the file at `rel`) breaks the layer rules.
fn violations(rel: &Path, text: &str) -> Vec<String> {
    let (module, layer) = match module_of(rel) {
        Ok(m) => m,
        Err(e) => return vec![e],
    };
    let Some(layer) = layer else { return Vec::new() };
    let name = LAYERS[layer];
    let mut found: Vec<(usize, String)> = Vec::new();
    for u in path_uses(text, &module) {
        let target = u.segments.first().map(String::as_str).unwrap_or("");
        match LAYERS.iter().position(|l| *l == target) {
            Some(t) if t > layer => found.push((
                u.line,
                format!(
                    "{}:{}: `{}`: {name} uses {target}, a layer above it ({})",
                    rel.display(),
                    u.line,
                    u.written,
                    LAYERS.join(" ← ")
                ),
            )),
            Some(_) => {}
            None => found.push((
                u.line,
                format!(
                    "{}:{}: `{}` names no layer; paths from the crate root start with a layer ({})",
                    rel.display(),
                    u.line,
                    u.written,
                    LAYERS.join(", ")
                ),
            )),
        }
    }
    // Forbidden external paths and clock reads, in code only.
    let code = code_text(text);
    for (l, forbidden, why) in FORBIDDEN {
        if *l != name {
            continue;
        }
        for f in *forbidden {
            for (n, line) in code.lines().enumerate() {
                if mentions(line, f) {
                    found.push((n + 1, format!("{}:{}: uses `{f}`: {why}", rel.display(), n + 1)));
                }
            }
        }
    }
    if name != "cli" {
        for f in CLOCK_READS {
            for (n, line) in code.lines().enumerate() {
                if line.contains(f) {
                    found.push((
                        n + 1,
                        format!(
                            "{}:{}: reads the system clock (`{f}`); take a \
                             `records::clock::Clock` instead (only the command line reads \
                             the real clock)",
                            rel.display(),
                            n + 1
                        ),
                    ));
                }
            }
        }
    }
    found.sort();
    found.into_iter().map(|(_, v)| v).collect()
}

/// `line` names the path `path` as a whole segment sequence.
fn mentions(line: &str, path: &str) -> bool {
    line.match_indices(path).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + path.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// The code of `src` with comments and literals blanked, lines kept.
fn code_text(src: &str) -> String {
    let mut lines: Vec<String> = vec![String::new(); src.lines().count() + 1];
    let toks = tokens(src);
    for (k, (line, tok)) in toks.iter().enumerate() {
        let piece = match tok {
            Tok::Ident(s) => s.as_str(),
            Tok::PathSep => "::",
            Tok::Open => "{",
            Tok::Close => "}",
            Tok::Comma => ",",
            Tok::Other => ".",
        };
        let l = &mut lines[*line - 1];
        // Keep identifiers apart, paths together.
        let joined = matches!(tok, Tok::PathSep)
            || k > 0 && matches!(toks[k - 1].1, Tok::PathSep) && toks[k - 1].0 == *line;
        if !joined && !l.is_empty() {
            l.push(' ');
        }
        l.push_str(piece);
    }
    lines.join("\n")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_import_points_down_the_layers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    assert!(files.len() > 20, "found only {} files under src/", files.len());
    let mut all = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(root).unwrap();
        all.extend(violations(rel, &std::fs::read_to_string(file).unwrap()));
    }
    assert!(all.is_empty(), "layer rule broken ({}):\n{}", all.len(), all.join("\n"));
}

#[test]
fn every_layer_folder_is_a_module_of_the_library() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
    for layer in &LAYERS[..LAYERS.len() - 1] {
        assert!(lib.contains(&format!("pub mod {layer};")), "src/lib.rs does not declare {layer}");
        assert!(root.join("src").join(layer).join("mod.rs").exists(), "src/{layer}/mod.rs");
    }
    let main = std::fs::read_to_string(root.join("src/main.rs")).unwrap();
    assert!(main.contains("mod cli;"), "src/main.rs declares the cli");
}

// The checker itself, on planted violations: each must be caught, and
// look-alikes in comments and strings must not be.

fn check(rel: &str, text: &str) -> Vec<String> {
    violations(Path::new(rel), text)
}

#[test]
fn a_planted_upward_import_is_caught() {
    let v = check("src/numbers/gsdf.rs", "use crate::records::journal::Journal;\n");
    assert_eq!(v.len(), 1, "{v:?}");
    assert!(v[0].starts_with("src/numbers/gsdf.rs:1: `crate::records::journal::Journal`"), "{v:?}");
    // Inside a group, in an expression, and through `super`.
    assert_eq!(
        check(
            "src/standards/procedure.rs",
            "use crate::{numbers::gsdf, records::{session::X, store}};\n"
        )
        .len(),
        2
    );
    assert_eq!(check("src/records/session.rs", "fn f() { crate::office::site::load(); }").len(), 1);
    assert_eq!(
        check("src/records/session.rs", "mod tests { use super::super::super::measuring::rig; }")
            .len(),
        1
    );
    assert_eq!(check("src/office/report/figures.rs", "use super::super::super::cli::x;").len(), 1);
    // The binary's glue may use everything.
    assert!(
        check("src/cli/run.rs", "use monqc::office::site::Site; use super::Outcome;").is_empty()
    );
}

#[test]
fn downward_and_same_layer_imports_and_look_alikes_pass() {
    let ok = "use crate::numbers::gsdf;\nuse super::criteria::Criteria;\n\
              // use crate::office::site;\n/* crate::cli::x */\n\
              const S: &str = \"crate::measuring::rig\";\nconst R: &str = r#\"crate::office\"#;\n\
              fn f<'a>(x: &'a str) -> char { let _ = '\"'; 'x' }\n\
              mod tests { use super::*; }\n";
    assert_eq!(check("src/standards/analysis.rs", ok), Vec::<String>::new());
}

#[test]
fn pure_layer_rules_and_clock_reads_are_caught() {
    assert_eq!(check("src/numbers/colour.rs", "use std::fs::read;").len(), 1);
    assert_eq!(check("src/numbers/colour.rs", "fn f() { let _ = chrono::Utc::now(); }").len(), 2);
    assert_eq!(check("src/records/record.rs", "fn f() { chrono::Utc::now(); }").len(), 1);
    assert!(check("src/cli/run.rs", "fn f() { chrono::Utc::now(); }").is_empty());
    assert_eq!(check("src/standards/analysis.rs", "use monqc_drivers::Reading;").len(), 1);
    // Words that only contain a forbidden path do not count.
    assert!(check("src/numbers/colour.rs", "fn f(my_std_fs: u8) {} // std::fs").is_empty());
}

#[test]
fn a_file_outside_the_layer_folders_is_caught() {
    let v = check("src/helpers.rs", "pub fn x() {}");
    assert!(v.len() == 1 && v[0].contains("not in a layer folder"), "{v:?}");
    assert!(check("src/lib.rs", "pub mod office;").is_empty());
}
