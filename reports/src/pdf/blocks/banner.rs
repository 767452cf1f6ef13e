//! The overall-verdict banner.

use crate::labels::Label;
use crate::model::Verdict;
use crate::pdf::layout::Layout;
use crate::pdf::style::*;

impl Layout<'_> {
    pub(super) fn overall_verdict(&mut self, verdict: &Verdict) {
        let (word, reason, color, fill) = match verdict {
            Verdict::Pass => (Label::Pass, None, colors::PASS, colors::PASS_FILL),
            Verdict::Fail => (Label::Fail, None, colors::FAIL, colors::FAIL_FILL),
            Verdict::NotEvaluated { reason } => (
                Label::NotEvaluated,
                Some(reason.as_str()),
                colors::NOT_EVALUATED,
                colors::NOT_EVALUATED_FILL,
            ),
            Verdict::Incomplete { reason } => (
                Label::Incomplete,
                Some(reason.as_str()),
                colors::INCOMPLETE,
                colors::INCOMPLETE_FILL,
            ),
            Verdict::NearLimit { passed: true } => {
                (Label::Pass, None, colors::PASS, colors::PASS_FILL)
            }
            Verdict::NearLimit { passed: false } => {
                (Label::Fail, None, colors::FAIL, colors::FAIL_FILL)
            }
        };
        let height = 34.0;
        self.ensure_space(height + 12.0);
        let top = self.y;
        self.fill_rect(MARGIN_X, top, CONTENT_W, height, fill);
        self.fill_rect(MARGIN_X, top, 4.0, height, color);
        let label = self.lang.label(Label::OverallVerdict);
        let baseline = top + height / 2.0 + 3.5;
        self.text(MARGIN_X + 14.0, baseline, 10.5, colors::TEXT, label);
        let label_w = self.font.width_pt(label, 10.5);
        let word_x = MARGIN_X + 14.0 + label_w.max(70.0) + 18.0;
        let word = self.lang.label(word);
        self.text(word_x, baseline + 2.5, 17.0, color, word);
        if let Some(reason) = reason {
            let x = word_x + self.font.width_pt(word, 17.0) + 14.0;
            // One line in the banner; a longer reason belongs in the notes.
            let room = MARGIN_X + CONTENT_W - 8.0 - x;
            let line = self.font.wrap(reason, BODY_PT, room).into_iter().next().unwrap_or_default();
            let line = if line.chars().count() < reason.chars().count() {
                format!(
                    "{}…",
                    line.trim_end()
                        .chars()
                        .take(line.chars().count().saturating_sub(1))
                        .collect::<String>()
                )
            } else {
                line
            };
            self.text(x, baseline, BODY_PT, color, &line);
        }
        self.y = top + height + 14.0;
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Block, Verdict};
    use crate::pdf::font::ReportFont;
    use crate::pdf::layout::Layout;
    use crate::pdf::tests::report;

    #[test]
    fn an_incomplete_test_shows_withheld_in_the_banner_with_what_was_not_judged() {
        let mut r = report(1);
        r.lang = crate::labels::Lang::Ja;
        let reason = "未判定: 環境光比, 輝度均一性".to_string();
        r.blocks.insert(0, Block::OverallVerdict(Verdict::Incomplete { reason }));
        let font = ReportFont::load().unwrap();
        let mut layout = Layout::new(&font, &r);
        layout.block(&r.blocks[0], 0).unwrap();
        let shown = crate::pdf::tests::shown_text(&layout.pages[0]);
        assert!(shown.iter().any(|t| t == "判定保留"), "{shown:?}");
        assert!(shown.iter().any(|t| t.contains("環境光比")), "{shown:?}");
        assert!(!shown.iter().any(|t| t == "合格"), "{shown:?}");
    }

    #[test]
    fn a_long_reason_in_the_banner_is_shortened_with_an_ellipsis() {
        let mut r = report(1);
        let reason = "照度計が接続されていなかったため周囲光の測定を実施できなかった。".repeat(4);
        r.blocks.insert(0, Block::OverallVerdict(Verdict::NotEvaluated { reason }));
        let font = ReportFont::load().unwrap();
        let mut layout = Layout::new(&font, &r);
        layout.block(&r.blocks[0], 0).unwrap();
        assert!(layout.replaced.is_empty());
        let shown = crate::pdf::tests::shown_text(&layout.pages[0]);
        let line = shown.iter().find(|t| t.starts_with("照度計")).expect("reason drawn");
        assert!(line.ends_with('…') && line.chars().count() < 60, "{line}");
    }
}
