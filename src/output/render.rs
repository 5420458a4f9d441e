//! The report trait and its human (comfy-table) and CSV renderings.

use comfy_table::presets::UTF8_BORDERS_ONLY;
use comfy_table::{ContentArrangement, Table};
use serde::Serialize;

use super::bars::{self, BarChart};

/// A header and rows of cells.
#[derive(Debug, Clone, Default)]
pub struct Tabular {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Tabular {
    pub fn new(header: &[&str]) -> Self {
        Tabular {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: vec![],
        }
    }
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The same rows under another header (human column titles over CSV field names).
    pub fn titled(mut self, header: &[&str]) -> Self {
        self.header = header.iter().map(|s| s.to_string()).collect();
        self
    }
}

/// A piece of human output.
#[derive(Debug, Clone)]
pub enum Block {
    /// A heading line.
    Title(String),
    /// `key: value` lines.
    Fields(Vec<(String, String)>),
    /// A table.
    Table(Tabular),
    /// A plain line.
    Line(String),
    /// A horizontal bar chart.
    Bars(BarChart),
}

/// A command's result: serialized for JSON, rendered for people, flattened for CSV.
pub trait Report: Serialize {
    fn blocks(&self) -> Vec<Block>;
    /// The main list of the report as rows (CSV output).
    fn csv(&self) -> Tabular;
}

/// Blocks as text; `unicode` draws bars with block characters (for a terminal), else in ASCII.
pub fn human(blocks: &[Block], unicode: bool) -> String {
    let mut out = String::new();
    for (i, block) in blocks.iter().enumerate() {
        if i > 0 && matches!(block, Block::Title(_)) {
            out.push('\n');
        }
        match block {
            Block::Title(t) => {
                out.push_str(t);
                out.push('\n');
            }
            Block::Line(l) => {
                out.push_str(l);
                out.push('\n');
            }
            Block::Bars(chart) => {
                for line in bars::lines(chart, unicode) {
                    out.push_str(&line);
                    out.push('\n');
                }
            }
            Block::Fields(fields) => {
                let width = fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
                for (k, v) in fields {
                    out.push_str(&format!("  {k:<width$}  {v}\n"));
                }
            }
            Block::Table(t) => {
                if t.rows.is_empty() {
                    out.push_str("  (none)\n");
                    continue;
                }
                let mut table = Table::new();
                table.load_preset(UTF8_BORDERS_ONLY);
                table.set_content_arrangement(ContentArrangement::Dynamic);
                table.set_header(t.header.clone());
                for row in &t.rows {
                    table.add_row(row.clone());
                }
                out.push_str(&table.to_string());
                out.push('\n');
            }
        }
    }
    out
}

fn csv_cell(cell: &str) -> String {
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_string()
    }
}

pub fn csv(t: &Tabular) -> String {
    let mut out = String::new();
    let line = |cells: &[String]| {
        cells
            .iter()
            .map(|c| csv_cell(c))
            .collect::<Vec<_>>()
            .join(",")
    };
    out.push_str(&line(&t.header));
    out.push('\n');
    for row in &t.rows {
        out.push_str(&line(row));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let mut t = Tabular::new(&["a", "b"]);
        t.row(vec!["x,y".into(), "say \"hi\"".into()]);
        assert_eq!(csv(&t), "a,b\n\"x,y\",\"say \"\"hi\"\"\"\n");
    }
}
