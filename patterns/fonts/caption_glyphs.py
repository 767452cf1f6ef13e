#!/usr/bin/env python3
"""Write patterns/src/caption_font.rs: the glyphs of the operator caption.

The caption on the pattern window speaks Japanese or English. Its glyphs are
a subset of the Shinonome 16-dot bitmap fonts (東雲フォント, public domain;
Debian package xfonts-shinonome): shnm8x16a for ASCII, shnmk16 (JIS X 0208)
for kana, kanji and Japanese punctuation. The subset is every ASCII
character, all hiragana and katakana, and every other character of the
catalogue of prompts (src/measuring/prompts.rs) and of the visual questions
(calibration-data/procedures/*.toml) of the root crate.

Run from the repository root after changing that wording (monqc's test
`every_caption_can_be_drawn` names the characters missing):

    apt-get install xfonts-shinonome pcf2bdf
    python3 patterns/fonts/caption_glyphs.py /usr/share/fonts/X11/misc

Standard library only. The BDF is made with pcf2bdf into a temporary
directory; nothing is downloaded.
"""

import glob
import gzip
import os
import subprocess
import sys
import tempfile

FONT_DIR = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/X11/misc"
HALF, FULL = "shnm8x16a", "shnmk16"
CELL = 16

# Characters Python's euc_jp codec maps elsewhere than JIS X 0208 does.
JIS_OVERRIDES = {"\u2014": 0x213D, "\u301C": 0x2141}


def bdf(name, tmp):
    pcf = os.path.join(tmp, name + ".pcf")
    with gzip.open(os.path.join(FONT_DIR, name + ".pcf.gz")) as src, open(pcf, "wb") as dst:
        dst.write(src.read())
    out = os.path.join(tmp, name + ".bdf")
    subprocess.run(["pcf2bdf", "-o", out, pcf], check=True)
    glyphs, ascent, cur = {}, None, None
    with open(out, encoding="latin-1") as f:
        for line in f:
            word = line.split()
            if not word:
                continue
            if word[0] == "FONT_ASCENT":
                ascent = int(word[1])
            elif word[0] == "STARTCHAR":
                cur = {"rows": []}
            elif word[0] == "ENCODING":
                cur["code"] = int(word[1])
            elif word[0] == "DWIDTH":
                cur["advance"] = int(word[1])
            elif word[0] == "BBX":
                cur["bbx"] = tuple(int(v) for v in word[1:5])
            elif word[0] == "BITMAP":
                cur["reading"] = True
            elif word[0] == "ENDCHAR":
                cur.pop("reading", None)
                glyphs[cur["code"]] = cur
                cur = None
            elif cur is not None and cur.get("reading"):
                cur["rows"].append(int(word[0], 16))
    return glyphs, ascent


def cell(glyph, ascent):
    """The glyph in a 16-row cell, bit 15 the left-most column."""
    w, h, xoff, yoff = glyph["bbx"]
    row_bits = ((w + 7) // 8) * 8
    rows = [0] * CELL
    top = ascent - (yoff + h)
    for r, bits in enumerate(glyph["rows"]):
        y = top + r
        if 0 <= y < CELL:
            # Left-align the row's bits at bit 15, then shift by the x offset.
            rows[y] = ((bits << (16 - row_bits)) >> max(xoff, 0)) & 0xFFFF
    return rows


def wanted_chars(root):
    chars = set(chr(c) for c in range(0x20, 0x7F))
    chars |= set(chr(c) for c in range(0x3041, 0x3094))  # hiragana ぁ…ん
    chars |= set(chr(c) for c in range(0x30A1, 0x30F7))  # katakana ァ…ヶ
    chars |= set("ー、。・「」（）？！：　")
    sources = [os.path.join(root, "src/measuring/prompts.rs")]
    sources += glob.glob(os.path.join(root, "calibration-data/procedures/*.toml"))
    for path in sources:
        with open(path, encoding="utf-8") as f:
            for line in f:
                # The wording itself: string literals and Japanese questions.
                said = line.split("=", 1)[-1] if line.startswith("question_ja") else line
                if path.endswith(".toml") and not line.startswith("question_ja"):
                    continue
                if path.endswith(".rs") and '"' not in line:
                    continue
                chars |= set(c for c in said if ord(c) > 0x7F)
    return sorted(chars)


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with tempfile.TemporaryDirectory() as tmp:
        half, half_ascent = bdf(HALF, tmp)
        full, full_ascent = bdf(FULL, tmp)
    entries, missing = [], []
    for c in wanted_chars(root):
        if ord(c) < 0x80:
            g, ascent, width = half.get(ord(c)), half_ascent, 8
        else:
            code = JIS_OVERRIDES.get(c)
            if code is None:
                try:
                    b = c.encode("euc_jp")
                except UnicodeEncodeError:
                    b = b""
                code = ((b[0] - 0x80) << 8 | (b[1] - 0x80)) if len(b) == 2 and b[0] >= 0xA1 else None
            g, ascent, width = (full.get(code) if code else None), full_ascent, 16
        if g is None:
            missing.append(c)
            continue
        entries.append((c, width, cell(g, ascent)))
    out = os.path.join(root, "patterns/src/caption_font.rs")
    with open(out, "w", encoding="utf-8") as f:
        f.write("//! Generated by patterns/fonts/caption_glyphs.py from the Shinonome 16-dot\n")
        f.write("//! fonts (public domain; see patterns/fonts/README.md). Do not edit by hand.\n\n")
        f.write("/// (character, width in pixels, 16 rows with bit 15 the left-most column),\n")
        f.write("/// sorted by character.\n")
        f.write("#[rustfmt::skip]\n")
        f.write("pub(crate) const GLYPHS: &[(char, u8, [u16; 16])] = &[\n")
        for c, width, rows in entries:
            lit = "\\'" if c == "'" else ("\\\\" if c == "\\" else c)
            if c == "\u3000":
                lit = "\\u{3000}"
            f.write(f"    ('{lit}', {width}, [{', '.join(f'0x{r:04X}' for r in rows)}]),\n")
        f.write("];\n")
    print(f"{out}: {len(entries)} glyphs", file=sys.stderr)
    if missing:
        print("no glyph in Shinonome for: " + "".join(missing), file=sys.stderr)
        sys.exit(1)


main()
