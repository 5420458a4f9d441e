//! Prometheus text exposition (format 0.0.4) for `--metrics-file`: metric families with HELP
//! and TYPE lines, escaped label values, counters that keep counting across runs written to
//! the same file, and the write-then-rename that node_exporter's textfile collector needs (it
//! must never read a half-written file).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricType {
    Gauge,
    Counter,
}

#[derive(Debug, Clone)]
struct Family {
    name: String,
    help: String,
    kind: MetricType,
    /// Rendered label set (`{a="x",b="y"}` or empty) → value; sorted so files diff cleanly.
    samples: BTreeMap<String, f64>,
}

/// The metrics of one file, in the order they were first named.
#[derive(Debug, Clone, Default)]
pub struct Exposition {
    families: Vec<Family>,
}

fn escape_label_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

fn render_labels(labels: &[(&str, &str)]) -> String {
    if labels.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape_label_value(v)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

fn render_value(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value == f64::INFINITY {
        "+Inf".into()
    } else if value == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        // Rust prints whole floats without a fraction or exponent ("42"), which the format takes.
        format!("{value}")
    }
}

impl Exposition {
    fn family(&mut self, name: &str, help: &str, kind: MetricType) -> &mut Family {
        debug_assert!(
            kind != MetricType::Counter || name.ends_with("_total"),
            "counter {name} must end in _total"
        );
        let index = match self.families.iter().position(|f| f.name == name) {
            Some(i) => i,
            None => {
                self.families.push(Family {
                    name: name.to_string(),
                    help: help.to_string(),
                    kind,
                    samples: BTreeMap::new(),
                });
                self.families.len() - 1
            }
        };
        &mut self.families[index]
    }

    /// Set a gauge's value for one label set.
    pub fn gauge(&mut self, name: &str, help: &str, labels: &[(&str, &str)], value: f64) {
        let family = self.family(name, help, MetricType::Gauge);
        family.samples.insert(render_labels(labels), value);
    }

    /// Add to a counter (its name ends in `_total`) for one label set; a series named is
    /// present even when nothing was added.
    pub fn count(&mut self, name: &str, help: &str, labels: &[(&str, &str)], by: f64) {
        let family = self.family(name, help, MetricType::Counter);
        *family.samples.entry(render_labels(labels)).or_insert(0.0) += by;
    }

    /// Carry the counters of the file's previous contents into this run, so each `_total`
    /// series only ever grows (a reset, when the file was deleted, is what Prometheus's
    /// `rate()` already expects). Series of tables this run did not touch are kept too.
    /// Anything that does not parse is ignored: the worst case is a counter reset.
    pub fn carry_counters(&mut self, previous: &str) {
        let mut counters: Vec<(String, String)> = vec![];
        let mut helps: BTreeMap<String, String> = BTreeMap::new();
        for line in previous.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                if let Some((name, "counter")) = rest.split_once(' ') {
                    counters.push((name.to_string(), String::new()));
                }
                continue;
            }
            if let Some(rest) = line.strip_prefix("# HELP ") {
                if let Some((name, help)) = rest.split_once(' ') {
                    helps.insert(name.to_string(), help.replace("\\n", "\n"));
                }
            }
        }
        let counter_names: Vec<String> = counters.into_iter().map(|(n, _)| n).collect();
        for line in previous.lines().filter(|l| !l.starts_with('#')) {
            let Some((series, value)) = line.trim_end().rsplit_once(' ') else {
                continue;
            };
            let Ok(value) = value.parse::<f64>() else {
                continue;
            };
            let (name, labels) = match series.find('{') {
                Some(i) => (&series[..i], &series[i..]),
                None => (series, ""),
            };
            if !counter_names.iter().any(|n| n == name) || !value.is_finite() {
                continue;
            }
            let help = helps.get(name).cloned().unwrap_or_default();
            let family = self.family(name, &help, MetricType::Counter);
            if family.kind != MetricType::Counter {
                continue;
            }
            *family.samples.entry(labels.to_string()).or_insert(0.0) += value;
        }
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for family in self.families.iter().filter(|f| !f.samples.is_empty()) {
            let kind = match family.kind {
                MetricType::Gauge => "gauge",
                MetricType::Counter => "counter",
            };
            let _ = writeln!(out, "# HELP {} {}", family.name, escape_help(&family.help));
            let _ = writeln!(out, "# TYPE {} {kind}", family.name);
            for (labels, value) in &family.samples {
                let _ = writeln!(out, "{}{labels} {}", family.name, render_value(*value));
            }
        }
        out
    }

    /// Write the file atomically: a temporary file beside it (a name the textfile collector
    /// skips: it reads only `*.prom`), flushed to disk, then renamed over it. Counters carry
    /// on from the file's previous contents.
    pub fn write_file(mut self, path: &Path) -> std::io::Result<()> {
        if let Ok(previous) = std::fs::read_to_string(path) {
            self.carry_counters(&previous);
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "metrics".into());
        let temp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
        let written = (|| {
            let mut file = std::fs::File::create(&temp)?;
            file.write_all(self.render().as_bytes())?;
            file.sync_all()?;
            std::fs::rename(&temp, path)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        written
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_grow_across_runs_and_gauges_are_replaced() {
        let mut first = Exposition::default();
        first.gauge("floe_x_files", "Files.", &[("table", "a\"b")], 3.0);
        first.count("floe_y_total", "Runs.", &[("table", "a\"b")], 1.0);
        first.count("floe_y_total", "Runs.", &[("table", "other")], 5.0);
        let text = first.render();
        assert!(
            text.contains("floe_x_files{table=\"a\\\"b\"} 3\n"),
            "{text}"
        );

        let mut second = Exposition::default();
        second.gauge("floe_x_files", "Files.", &[("table", "a\"b")], 7.0);
        second.count("floe_y_total", "Runs.", &[("table", "a\"b")], 2.0);
        second.carry_counters(&text);
        let text = second.render();
        assert!(
            text.contains("floe_x_files{table=\"a\\\"b\"} 7\n"),
            "{text}"
        );
        assert!(
            text.contains("floe_y_total{table=\"a\\\"b\"} 3\n"),
            "{text}"
        );
        assert!(text.contains("floe_y_total{table=\"other\"} 5\n"), "{text}");
        assert_eq!(text.matches("# TYPE floe_y_total counter").count(), 1);
    }
}
