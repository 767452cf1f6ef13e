//! Signature boxes: role, name, date and a line to sign on, three to a row.

use crate::labels::Label;
use crate::model::SignatureBlock;
use crate::pdf::layout::Layout;
use crate::pdf::style::*;

impl Layout<'_> {
    pub(super) fn signatures(&mut self, block: &SignatureBlock) {
        const PER_ROW: usize = 3;
        const BOX_H: f64 = 74.0;
        const GAP: f64 = 12.0;
        let title =
            block.title.clone().unwrap_or_else(|| self.lang.label(Label::Signatures).to_owned());
        let rows = block.slots.len().div_ceil(PER_ROW).max(1);
        self.ensure_space(TABLE_TITLE_PT * 1.6 + rows as f64 * (BOX_H + GAP));
        self.table_title(&title, false);
        let box_w = (CONTENT_W - GAP * (PER_ROW - 1) as f64) / PER_ROW as f64;
        let (name_l, date_l, sign_l) = (
            self.lang.label(Label::Name),
            self.lang.label(Label::Date),
            self.lang.label(Label::Signature),
        );
        let label_w = [name_l, date_l, sign_l]
            .iter()
            .map(|l| self.font.width_pt(l, SMALL_PT + 0.5))
            .fold(0.0, f64::max)
            + 6.0;
        for chunk in block.slots.chunks(PER_ROW) {
            let top = self.y;
            for (i, slot) in chunk.iter().enumerate() {
                let x = MARGIN_X + i as f64 * (box_w + GAP);
                let frame = [
                    (x, top),
                    (x + box_w, top),
                    (x + box_w, top + BOX_H),
                    (x, top + BOX_H),
                    (x, top),
                ];
                self.line(&frame, 0.6, colors::RULE);
                self.fill_rect(x + 0.3, top + 0.3, box_w - 0.6, 15.0, colors::HEADER_FILL);
                let inner = x + 6.0;
                self.text(inner, top + 11.0, TABLE_PT, colors::TEXT, &slot.role);
                let fields = [(name_l, slot.name.as_deref()), (date_l, slot.date.as_deref())];
                for (j, (label, value)) in fields.into_iter().enumerate() {
                    let baseline = top + 29.0 + j as f64 * 13.0;
                    self.text(inner, baseline, SMALL_PT + 0.5, colors::MUTED, label);
                    self.text(
                        inner + label_w + 2.0,
                        baseline,
                        TABLE_PT,
                        colors::TEXT,
                        value.unwrap_or(""),
                    );
                    self.hline(
                        inner + label_w,
                        x + box_w - 6.0,
                        baseline + 2.5,
                        0.3,
                        colors::RULE_LIGHT,
                    );
                }
                let baseline = top + BOX_H - 8.0;
                self.text(inner, baseline, SMALL_PT + 0.5, colors::MUTED, sign_l);
                self.hline(inner + label_w, x + box_w - 6.0, baseline + 2.5, 0.5, colors::RULE);
            }
            self.y = top + BOX_H + GAP;
        }
    }
}
