//! The `report --html` page: one self-contained file (inline CSS and SVG charts, nothing
//! fetched) that can be mailed, attached to a ticket or opened from disk years later.

use std::fmt::Write as _;

use anyhow::Result;

use super::health::severity_word;
use crate::ops::report::TableReport;
use crate::ops::schema::FieldNode;
use crate::output::svg_charts::{bars_svg, timeline_svg, Bars, Panel, Timeline, Unit};
use crate::units::{format_size, format_time_ms};

/// Partitions drawn per chart; the table under the charts lists every one.
const CHART_PARTITIONS: usize = 30;

const STYLE: &str = r#"
:root { --ink: #24303b; --muted: #66737f; --line: #e3e7eb; --card: #ffffff; --bg: #f4f6f8;
        --accent: #2b7a9e; --warn: #e08a1e; --error: #c83e4d; --info: #5a6b7b; --ok: #3a9a5b; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header { background: var(--ink); color: #fff; padding: 28px 40px 22px; }
header h1 { margin: 0; font-size: 26px; font-weight: 600; word-break: break-all; }
header p { margin: 6px 0 0; color: #c9d2da; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 24px 48px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
          padding: 20px 24px; margin: 0 0 22px; }
h2 { margin: 0 0 14px; font-size: 19px; font-weight: 600; }
h3 { margin: 18px 0 8px; font-size: 16px; font-weight: 600; }
dl.summary { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr));
             gap: 12px 24px; margin: 0; }
dl.summary div { border-left: 3px solid var(--accent); padding: 2px 0 2px 10px; min-width: 0; }
dl.summary dt { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
dl.summary dd { margin: 0; font-size: 17px; overflow-wrap: anywhere; }
figure { margin: 8px 0 18px; }
figure svg { display: block; width: 100%; max-width: 1000px; height: auto; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
       background: #eef2f5; padding: 1px 6px; border-radius: 4px; overflow-wrap: anywhere; }
.badge { display: inline-block; border-radius: 999px; padding: 0 10px; font-size: 12px;
         font-weight: 600; color: #fff; background: var(--ok); text-transform: uppercase; }
.badge.info { background: var(--info); } .badge.warn { background: var(--warn); }
.badge.error { background: var(--error); } .badge.current { background: var(--accent); }
ul.findings { list-style: none; padding: 0; margin: 0; }
ul.findings li { padding: 10px 0; border-bottom: 1px solid var(--line); }
ul.findings li:last-child { border-bottom: 0; }
ul.findings .fix { margin-top: 4px; color: var(--muted); font-size: 13px; }
.note { color: var(--muted); font-size: 13.5px; }
.changes { margin: 4px 0 8px; padding-left: 20px; }
.added { color: var(--ok); } .removed { color: var(--error); } .changed { color: var(--warn); }
details summary { cursor: pointer; color: var(--accent); margin: 6px 0; }
footer { text-align: center; color: var(--muted); font-size: 12px; padding: 0 0 30px; }
"#;

/// Text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn figure(id: &str, svg: &str, caption: &str) -> String {
    format!(
        "<figure data-chart=\"{}\">\n{svg}\n<figcaption>{}</figcaption>\n</figure>\n",
        escape(id),
        escape(caption)
    )
}

fn summary_section(r: &TableReport, out: &mut String) {
    let s = &r.summary;
    let items: Vec<(&str, String)> = vec![
        ("Location", s.location.clone()),
        ("Format version", s.format_version.to_string()),
        (
            "Current snapshot",
            s.current_snapshot_id
                .map(|id| id.to_string())
                .unwrap_or_else(|| "none".into()),
        ),
        ("Snapshots", s.snapshot_count.to_string()),
        ("Records", s.records.to_string()),
        (
            "Files",
            format!("{} data, {} delete", s.data_files, s.delete_files),
        ),
        ("Size", format_size(s.total_size_bytes)),
        ("Partition spec", s.partition_spec.clone()),
        ("Sort order", s.sort_order.clone()),
        ("Schema", format!("id {}", s.current_schema_id)),
        ("Last updated", format_time_ms(s.last_updated_ms)),
        ("Table UUID", s.table_uuid.clone()),
    ];
    out.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n<dl class=\"summary\">\n");
    for (key, value) in items {
        let _ = writeln!(
            out,
            "<div data-key=\"{}\"><dt>{}</dt><dd>{}</dd></div>",
            escape(&key.to_lowercase().replace(' ', "-")),
            escape(key),
            escape(&value)
        );
    }
    out.push_str("</dl>\n</section>\n");
}

fn health_section(r: &TableReport, out: &mut String) {
    let status = severity_word(r.status);
    let _ = writeln!(
        out,
        "<section id=\"health\">\n<h2>Health <span class=\"badge {status}\">{status}</span></h2>"
    );
    if r.findings.is_empty() {
        out.push_str("<p class=\"note\">No findings: nothing to maintain right now.</p>\n");
    } else {
        out.push_str("<ul class=\"findings\">\n");
        for f in &r.findings {
            let word = severity_word(Some(f.severity));
            let _ = writeln!(
                out,
                "<li data-check=\"{}\"><span class=\"badge {word}\">{word}</span> <strong>{}</strong>: {}<div class=\"fix\">fix: <code>{}</code></div></li>",
                escape(&f.check),
                escape(&f.check),
                escape(&f.message),
                escape(&f.fix)
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

fn file_size_section(r: &TableReport, out: &mut String) -> Result<()> {
    let h = &r.file_sizes;
    out.push_str("<section id=\"file-sizes\">\n<h2>File sizes</h2>\n");
    let _ = writeln!(
        out,
        "<p class=\"note\">Data files of the current snapshot by size, in fractions of the target file size ({}). Files under {} count as small (orange): compaction merges them.</p>",
        escape(&format_size(h.target_file_size_bytes)),
        escape(&format_size(h.small_file_bytes)),
    );
    let svg = bars_svg(&Bars {
        title: format!(
            "{} against a {} target",
            plural(h.data_files, "data file", "data files"),
            format_size(h.target_file_size_bytes)
        ),
        categories: h.buckets.iter().map(|b| b.label.clone()).collect(),
        values: h.buckets.iter().map(|b| b.files as f64).collect(),
        unit: Unit::Count,
        flagged: h.buckets.iter().map(|b| b.small).collect(),
        horizontal: false,
        value_axis: "data files".into(),
    })?;
    out.push_str(&figure(
        "file-sizes",
        &svg,
        "Files per size bucket (fractions of the target file size).",
    ));
    out.push_str("<table>\n<tr><th>bucket</th><th>range</th><th class=\"num\">files</th><th class=\"num\">records</th><th class=\"num\">bytes</th></tr>\n");
    for b in &h.buckets {
        let range = match b.max_bytes {
            Some(max) => format!("{} to {}", format_size(b.min_bytes), format_size(max)),
            None => format!("{} and more", format_size(b.min_bytes)),
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&b.label),
            escape(&range),
            b.files,
            b.records,
            escape(&format_size(b.bytes))
        );
    }
    out.push_str("</table>\n</section>\n");
    Ok(())
}

fn partitions_section(r: &TableReport, out: &mut String) -> Result<()> {
    let skew = &r.partition_skew;
    out.push_str("<section id=\"partitions\">\n<h2>Partitions</h2>\n");
    let filled: Vec<_> = r.partitions.iter().filter(|p| p.file_count > 0).collect();
    if filled.is_empty() {
        out.push_str("<p class=\"note\">No data files, so no partitions yet.</p>\n</section>\n");
        return Ok(());
    }
    let ratio = |r: Option<f64>| r.map(|r| format!("{r:.2}×")).unwrap_or_else(|| "–".into());
    let _ = writeln!(
        out,
        "<p class=\"note\">{} with data. Records: median {}, largest {} ({}, {} the median). Bytes: median {}, largest {} ({}, {} the median).</p>",
        plural(skew.partitions, "partition", "partitions"),
        skew.median_records,
        skew.max_records,
        escape(skew.largest_by_records.as_deref().unwrap_or_default()),
        ratio(skew.records_max_over_median),
        escape(&format_size(skew.median_bytes.round() as u64)),
        escape(&format_size(skew.max_bytes)),
        escape(skew.largest_by_bytes.as_deref().unwrap_or_default()),
        ratio(skew.bytes_max_over_median),
    );
    let name = |display: &str| {
        if display.is_empty() {
            "(unpartitioned)".to_string()
        } else {
            display.to_string()
        }
    };
    for (id, what, unit) in [
        ("records-per-partition", "Records", Unit::Count),
        ("bytes-per-partition", "Bytes", Unit::Bytes),
    ] {
        let value = |p: &crate::ops::partitions::PartitionEntry| match unit {
            Unit::Count => p.record_count,
            Unit::Bytes => p.total_size_bytes,
        };
        let mut ranked = filled.clone();
        ranked.sort_by_key(|p| std::cmp::Reverse(value(p)));
        ranked.truncate(CHART_PARTITIONS);
        let total: u64 = filled.iter().map(|p| value(p)).sum();
        let shown = if filled.len() > ranked.len() {
            format!("largest {} of {}", ranked.len(), filled.len())
        } else {
            plural(filled.len() as u64, "partition", "partitions")
        };
        let svg = bars_svg(&Bars {
            title: format!(
                "{what} per partition: {} in {shown}",
                unit.format(total as f64)
            ),
            categories: ranked.iter().map(|p| name(&p.partition_display)).collect(),
            values: ranked.iter().map(|p| value(p) as f64).collect(),
            unit,
            flagged: vec![],
            horizontal: true,
            value_axis: what.to_lowercase(),
        })?;
        out.push_str(&figure(
            id,
            &svg,
            &format!("{what} in each partition of the current snapshot, largest first."),
        ));
    }
    let rows: String = r
        .partitions
        .iter()
        .map(|p| {
            format!(
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                escape(&name(&p.partition_display)),
                p.spec_id,
                p.record_count,
                p.file_count,
                escape(&format_size(p.total_size_bytes)),
                p.delete_file_count
            )
        })
        .collect();
    let _ = write!(
        out,
        "<details{}><summary>All {} partitions</summary>\n<table>\n<tr><th>partition</th><th class=\"num\">spec</th><th class=\"num\">records</th><th class=\"num\">files</th><th class=\"num\">size</th><th class=\"num\">delete files</th></tr>\n{rows}</table>\n</details>\n</section>\n",
        if r.partitions.len() <= 20 { " open" } else { "" },
        r.partitions.len()
    );
    Ok(())
}

fn timeline_section(r: &TableReport, out: &mut String) -> Result<()> {
    out.push_str("<section id=\"snapshots\">\n<h2>Snapshot timeline</h2>\n");
    if r.snapshots.is_empty() {
        out.push_str("<p class=\"note\">No snapshots yet.</p>\n</section>\n");
        return Ok(());
    }
    let latest = r.snapshots.iter().rev().find_map(|s| s.total_records);
    let title = format!(
        "{}{}",
        plural(r.snapshots.len() as u64, "snapshot", "snapshots"),
        latest
            .map(|n| format!(", {n} records in the latest"))
            .unwrap_or_default()
    );
    let values = |f: fn(&crate::ops::report::TimelinePoint) -> Option<u64>| {
        r.snapshots
            .iter()
            .map(|s| f(s).map(|v| v as f64))
            .collect::<Vec<_>>()
    };
    let svg = timeline_svg(&Timeline {
        title,
        points: (1..=r.snapshots.len()).map(|i| i.to_string()).collect(),
        kinds: r.snapshots.iter().map(|s| s.operation.clone()).collect(),
        panels: vec![
            Panel {
                title: "Total records".into(),
                unit: Unit::Count,
                values: values(|s| s.total_records),
            },
            Panel {
                title: "Data files".into(),
                unit: Unit::Count,
                values: values(|s| s.total_data_files),
            },
            Panel {
                title: "Total bytes".into(),
                unit: Unit::Bytes,
                values: values(|s| s.total_size_bytes),
            },
        ],
    })?;
    out.push_str(&figure(
        "snapshot-timeline",
        &svg,
        "Table totals after each snapshot, oldest first; markers coloured by operation.",
    ));
    out.push_str("<table>\n<tr><th class=\"num\">#</th><th>time</th><th>snapshot</th><th>operation</th><th class=\"num\">records</th><th class=\"num\">data files</th><th class=\"num\">size</th><th class=\"num\">schema</th></tr>\n");
    let text = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_else(|| "–".into());
    for (i, s) in r.snapshots.iter().enumerate() {
        let _ = writeln!(
            out,
            "<tr><td class=\"num\">{}</td><td>{}</td><td><code>{}</code>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            i + 1,
            escape(&s.timestamp),
            s.snapshot_id,
            if s.is_current {
                " <span class=\"badge current\">current</span>"
            } else {
                ""
            },
            escape(&s.operation),
            text(s.total_records),
            text(s.total_data_files),
            s.total_size_bytes
                .map(|b| escape(&format_size(b)))
                .unwrap_or_else(|| "–".into()),
            s.schema_id.map(|id| id.to_string()).unwrap_or_default()
        );
    }
    out.push_str("</table>\n</section>\n");
    Ok(())
}

fn field_rows(fields: &[FieldNode], depth: usize, out: &mut String) {
    for f in fields {
        let _ = writeln!(
            out,
            "<tr><td class=\"num\">{}</td><td>{}{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            f.id,
            "&nbsp;&nbsp;&nbsp;".repeat(depth),
            escape(&f.name),
            escape(&f.field_type),
            if f.required { "required" } else { "optional" },
            escape(f.doc.as_deref().unwrap_or_default())
        );
        field_rows(&f.children, depth + 1, out);
    }
}

fn schema_section(r: &TableReport, out: &mut String) {
    out.push_str("<section id=\"schemas\">\n<h2>Schema history</h2>\n");
    for s in r.schemas.iter().rev() {
        let _ = writeln!(
            out,
            "<h3 data-schema-id=\"{}\">Schema {}{}</h3>",
            s.schema_id,
            s.schema_id,
            if s.is_current {
                " <span class=\"badge current\">current</span>"
            } else {
                ""
            }
        );
        let used = match s.first_snapshot_ms {
            Some(ms) => format!(
                "{}, first on {}",
                plural(s.snapshot_count as u64, "snapshot", "snapshots"),
                format_time_ms(ms)
            ),
            None => "no snapshot written with it".into(),
        };
        let _ = writeln!(
            out,
            "<p class=\"note\">{} top-level fields; {}.</p>",
            s.fields.len(),
            escape(&used)
        );
        match &s.changes {
            None => out.push_str("<p class=\"note\">The table's first schema.</p>\n"),
            Some(c) => {
                let _ = writeln!(
                    out,
                    "<ul class=\"changes\" data-from=\"{}\">",
                    c.from_schema_id.map(|i| i.to_string()).unwrap_or_default()
                );
                for a in &c.added_columns {
                    let _ = writeln!(out, "<li class=\"added\">added {}</li>", escape(a));
                }
                for d in &c.removed_columns {
                    let _ = writeln!(out, "<li class=\"removed\">dropped {}</li>", escape(d));
                }
                for ch in &c.changed_columns {
                    let _ = writeln!(out, "<li class=\"changed\">changed {}</li>", escape(ch));
                }
                if c.added_columns.is_empty()
                    && c.removed_columns.is_empty()
                    && c.changed_columns.is_empty()
                {
                    out.push_str("<li>no top-level column changes (nested fields, docs or requiredness)</li>\n");
                }
                out.push_str("</ul>\n");
            }
        }
        let _ = write!(
            out,
            "<details{}><summary>Fields</summary>\n<table>\n<tr><th class=\"num\">id</th><th>name</th><th>type</th><th>required</th><th>doc</th></tr>\n",
            if s.is_current { " open" } else { "" }
        );
        field_rows(&s.fields, 0, out);
        out.push_str("</table>\n</details>\n");
    }
    out.push_str("</section>\n");
}

/// The whole page.
pub fn page(r: &TableReport) -> Result<String> {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>floe report: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n<p>Iceberg table report, generated {} by floe {}</p>\n</header>\n<main>\n",
        escape(&r.table),
        escape(&r.table),
        escape(&format_time_ms(r.generated_ms)),
        env!("CARGO_PKG_VERSION")
    );
    summary_section(r, &mut out);
    health_section(r, &mut out);
    file_size_section(r, &mut out)?;
    partitions_section(r, &mut out)?;
    timeline_section(r, &mut out)?;
    schema_section(r, &mut out);
    out.push_str("</main>\n<footer>Written by <code>floe report --html</code>; the same data is in <code>floe report -o json</code>.</footer>\n</body>\n</html>\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
