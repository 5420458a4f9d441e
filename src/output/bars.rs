//! Horizontal bar charts for human output: Unicode eighth-blocks when a person reads stdout on a
//! terminal, plain `#` bars when it goes to a file or a pipe (logs, mail from cron, CI).

/// Bars scaled to the largest value of the chart.
#[derive(Debug, Clone, Default)]
pub struct BarChart {
    pub rows: Vec<BarRow>,
}

/// One bar: a label before it, the value it is drawn from, and text after it.
#[derive(Debug, Clone)]
pub struct BarRow {
    pub label: String,
    pub value: f64,
    pub note: String,
}

impl BarChart {
    pub fn row(&mut self, label: impl Into<String>, value: f64, note: impl Into<String>) {
        self.rows.push(BarRow {
            label: label.into(),
            value,
            note: note.into(),
        });
    }
}

/// Columns the longest bar takes.
const WIDTH: usize = 28;

/// Partial cells in eighths, from one eighth to seven.
const EIGHTHS: [char; 7] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/// A bar `value / max` of [`WIDTH`] columns, padded to the full width. A value above zero always
/// shows at least a sliver, so "a few" never reads as "none".
pub fn bar(value: f64, max: f64, unicode: bool) -> String {
    let fraction = if max > 0.0 && value > 0.0 {
        (value / max).min(1.0)
    } else {
        0.0
    };
    let mut out = String::new();
    if unicode {
        let eighths =
            ((fraction * (WIDTH * 8) as f64).round() as usize).max(usize::from(fraction > 0.0));
        out.extend(std::iter::repeat_n('█', eighths / 8));
        if eighths % 8 > 0 {
            out.push(EIGHTHS[eighths % 8 - 1]);
        }
    } else {
        let cells = ((fraction * WIDTH as f64).round() as usize).max(usize::from(fraction > 0.0));
        out.extend(std::iter::repeat_n('#', cells));
    }
    let drawn = out.chars().count();
    out.extend(std::iter::repeat_n(' ', WIDTH.saturating_sub(drawn)));
    out
}

/// The chart as lines (each indented two spaces, as `Fields` are).
pub fn lines(chart: &BarChart, unicode: bool) -> Vec<String> {
    let max = chart.rows.iter().map(|r| r.value).fold(0.0, f64::max);
    let label_width = chart
        .rows
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(0);
    chart
        .rows
        .iter()
        .map(|r| {
            let pad = label_width - r.label.chars().count();
            let line = format!(
                "  {}{}  {}{}{}",
                r.label,
                " ".repeat(pad),
                if unicode { "▕" } else { "|" },
                bar(r.value, max, unicode),
                if r.note.is_empty() {
                    String::new()
                } else {
                    format!("  {}", r.note)
                }
            );
            line.trim_end().to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_bars_resolve_eighths() {
        assert_eq!(bar(28.0, 28.0, true).trim_end(), "█".repeat(28));
        // 28 columns * 8 = 224 eighths; 3/224 of the max is three eighths.
        assert_eq!(bar(3.0, 224.0, true).trim_end(), "▍");
        assert_eq!(bar(12.0, 224.0, true).trim_end(), "█▌");
        assert_eq!(bar(0.0, 10.0, true).trim_end(), "");
        // Tiny but not zero: a sliver.
        assert_eq!(bar(1.0, 1e9, true).trim_end(), "▏");
        assert_eq!(bar(5.0, 10.0, true).chars().count(), 28);
    }

    #[test]
    fn ascii_bars_are_plain() {
        assert_eq!(bar(14.0, 28.0, false).trim_end(), "#".repeat(14));
        assert_eq!(bar(1.0, 1e9, false).trim_end(), "#");
        assert!(bar(7.0, 9.0, false).is_ascii());
    }

    #[test]
    fn lines_align_labels_and_notes() {
        let mut chart = BarChart::default();
        chart.row("a", 2.0, "2 files");
        chart.row("long label", 1.0, "1 file");
        chart.row("none", 0.0, "");
        let out = lines(&chart, false);
        assert_eq!(
            out[0],
            format!("  a           |{}  2 files", "#".repeat(28))
        );
        assert_eq!(
            out[1],
            format!(
                "  long label  |{}{}  1 file",
                "#".repeat(14),
                " ".repeat(14)
            )
        );
        assert_eq!(out[2], "  none        |");
    }
}
