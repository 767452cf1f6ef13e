//! One drawing routine per [`Block`] kind, and the title block above them.

mod banner;
mod figure;
mod signatures;
mod tables;

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::font::REPLACEMENT;
use super::layout::Layout;
use super::style::*;
use crate::error::Error;
use crate::labels::Label;
use crate::labels::Lang;
use crate::model::{Block, Notes, Report};

impl Layout<'_> {
    pub(super) fn title_block(&mut self, report: &Report) {
        let baseline = self.y + self.ascent(TITLE_PT);
        self.text(MARGIN_X, baseline, TITLE_PT, colors::ACCENT, &report.title);
        self.y += TITLE_PT * 1.45;
        for line in &report.subtitle {
            self.paragraph(line, SUBTITLE_PT, colors::MUTED, 0.0);
        }
        self.y += 4.0;
        self.hline(MARGIN_X, PAGE_W - MARGIN_X, self.y, 1.2, colors::ACCENT);
        self.y += 10.0;
    }

    pub(super) fn block(&mut self, block: &Block, index: usize) -> Result<(), Error> {
        match block {
            Block::Heading(text) => self.heading(text),
            Block::Paragraph(text) => {
                self.paragraph(text, BODY_PT, colors::TEXT, 0.0);
                self.y += 6.0;
            }
            Block::KeyValues(kv) => self.key_values(kv),
            Block::OverallVerdict(v) => self.overall_verdict(v),
            Block::Verdicts(v) => self.verdicts(v),
            Block::Table(t) => self.generic_table(t, index)?,
            Block::Figure(f) => self.figure(f)?,
            Block::Notes(n) => self.notes(n),
            Block::Signatures(s) => self.signatures(s),
            Block::PageBreak => self.new_page(),
        }
        Ok(())
    }

    /// Says, under the title, which characters print as □ because the face cannot
    /// draw them (or they are control characters), as U+XXXX.
    pub(in crate::pdf) fn replaced_characters_notice(&mut self, replaced: &BTreeSet<char>) {
        let text = replaced_characters_notice(self.lang, replaced);
        self.paragraph(&text, BODY_PT, colors::FAIL, 0.0);
        self.y += 8.0;
    }

    fn heading(&mut self, text: &str) {
        // Keep a heading with at least a few lines of what follows it.
        self.ensure_space(HEADING_PT * 1.6 + 60.0);
        self.y += 6.0;
        let baseline = self.y + self.ascent(HEADING_PT);
        self.text(MARGIN_X, baseline, HEADING_PT, colors::ACCENT, text);
        self.y += HEADING_PT * 1.35;
        self.hline(MARGIN_X, PAGE_W - MARGIN_X, self.y, 0.5, colors::RULE);
        self.y += 7.0;
    }

    fn notes(&mut self, notes: &Notes) {
        let title = notes.title.clone().unwrap_or_else(|| self.lang.label(Label::Notes).to_owned());
        self.ensure_space(TABLE_TITLE_PT * 1.6 + BODY_PT * 3.0);
        self.table_title(&title, false);
        for (i, item) in notes.items.iter().enumerate() {
            let marker = format!("{}.", i + 1);
            let lines = self.font.wrap(item, BODY_PT, CONTENT_W - 16.0);
            for (j, line) in lines.iter().enumerate() {
                self.ensure_space(BODY_PT * LINE_GAP);
                let baseline = self.y + self.ascent(BODY_PT);
                if j == 0 {
                    self.text(MARGIN_X + 2.0, baseline, BODY_PT, colors::MUTED, &marker);
                }
                self.text(MARGIN_X + 16.0, baseline, BODY_PT, colors::TEXT, line);
                self.y += BODY_PT * LINE_GAP;
            }
            self.y += 2.0;
        }
        self.y += 8.0;
    }
}

/// Most code points the notice lists; the rest are counted.
const NOTICE_MAX_CODES: usize = 32;

/// The notice's wording. It lives here rather than in the label catalogue
/// (`labels.rs`) because it is a sentence built around a list, not a fixed phrase.
fn replaced_characters_notice(lang: Lang, replaced: &BTreeSet<char>) -> String {
    let mut codes = String::new();
    for (i, c) in replaced.iter().take(NOTICE_MAX_CODES).enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        let _ = write!(codes, "{sep}U+{:04X}", u32::from(*c));
    }
    let more = replaced.len().saturating_sub(NOTICE_MAX_CODES);
    match lang {
        Lang::Ja => {
            let more = if more > 0 { format!(" ほか {more} 文字") } else { String::new() };
            format!(
                "注意: 報告書のフォントで印字できない文字を {REPLACEMENT} で示しています\
                 (記録には元の文字のまま保存されています): {codes}{more}"
            )
        }
        Lang::En => {
            let more = if more > 0 { format!(" and {more} more") } else { String::new() };
            format!(
                "Note: characters the report font cannot print are shown as {REPLACEMENT} \
                 (the record keeps the original characters): {codes}{more}."
            )
        }
    }
}
