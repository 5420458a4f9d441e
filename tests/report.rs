//! `floe report --html` rendered in a real browser (headless Chromium driven by Selenium), with
//! every chart's numbers checked against what `floe files` and `floe snapshots` say; and the
//! file-size histogram and partition skew of `health` and `partitions`.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use serde_json::Value;

/// Bucket edges as fractions of the target, as docs/json.md documents them.
const EDGES: [(u64, u64); 7] = [(1, 64), (1, 16), (1, 4), (1, 2), (3, 4), (1, 1), (3, 2)];
const TARGET: u64 = 200_000;

/// Files per bucket, computed here from `floe files` sizes.
fn expected_buckets(files: &Value) -> Vec<u64> {
    let mut counts = vec![0u64; EDGES.len() + 1];
    for f in files["files"].as_array().unwrap() {
        if f["content"] != "data" {
            continue;
        }
        let size = f["file_size_bytes"].as_u64().unwrap();
        let bucket = EDGES
            .iter()
            .position(|(n, d)| size < TARGET * n / d)
            .unwrap_or(EDGES.len());
        counts[bucket] += 1;
    }
    counts
}

/// (partition, records, bytes) of the data files, from `floe files`.
fn expected_partitions(files: &Value) -> BTreeMap<String, (u64, u64)> {
    let mut out: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for f in files["files"].as_array().unwrap() {
        if f["content"] != "data" {
            continue;
        }
        let name = format!(
            "region={}",
            f["partition_display"]["region"].as_str().unwrap()
        );
        let e = out.entry(name).or_default();
        e.0 += f["record_count"].as_u64().unwrap();
        e.1 += f["file_size_bytes"].as_u64().unwrap();
    }
    out
}

/// A table with four snapshots (three appends of different sizes, one row delete), a schema
/// change, three unevenly filled partitions and a doc string full of markup.
fn table(dir: &Path) -> (Floe, String) {
    let floe = Floe::new(dir);
    let small = dir.join("small.parquet");
    write_parquet(&small, &[events_batch(0, 30)]);
    let big = dir.join("big.parquet");
    write_parquet(&big, &[events_batch(100, 6000)]);
    let mut eu = String::from("id,region,ts,amount,qty\n");
    for i in 10_000..10_400 {
        eu.push_str(&format!("{i},eu,2024-02-01T00:00:00Z,{}.5,{}\n", i, i % 10));
    }
    std::fs::write(dir.join("eu.csv"), eu).unwrap();
    let table = "db.events".to_string();
    floe.json(&[
        "create",
        &table,
        "--like",
        small.to_str().unwrap(),
        "--partition-by",
        "region",
        "--property",
        &format!("write.target-file-size-bytes={TARGET}"),
    ]);
    floe.json(&["ingest", &table, small.to_str().unwrap()]);
    floe.json(&["ingest", &table, big.to_str().unwrap()]);
    floe.json(&[
        "schema",
        "evolve",
        &table,
        "--add",
        "note:string",
        "--doc",
        "region:<script>alert('x')</script> & \"more\"",
    ]);
    floe.json(&["ingest", &table, "eu.csv"]);
    floe.json(&["delete", &table, "--where", "id < 10"]);
    (floe, table)
}

#[test]
fn health_and_partitions_draw_histograms_and_skew() {
    let dir = tempfile::tempdir().unwrap();
    let (floe, table) = table(dir.path());
    let files = floe.json(&["files", &table]);
    let buckets = expected_buckets(&files);
    let parts = expected_partitions(&files);

    let health = floe.json(&["health", &table]);
    let t = &health["tables"][0];
    let got: Vec<u64> = t["file_sizes"]["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["files"].as_u64().unwrap())
        .collect();
    assert_eq!(got, buckets);
    assert_eq!(t["file_sizes"]["target_file_size_bytes"], TARGET);
    assert_eq!(t["file_sizes"]["small_file_bytes"], TARGET * 3 / 4);
    // The buckets below 3/4 of the target are exactly the files health calls small.
    let small: u64 = buckets[..5].iter().sum();
    assert_eq!(t["stats"]["small_files"], small);
    assert!(
        buckets.iter().filter(|n| **n > 0).count() >= 2,
        "the sample spreads over buckets: {buckets:?}"
    );
    let max_records = parts.values().map(|p| p.0).max().unwrap();
    assert_eq!(t["partition_skew"]["partitions"], parts.len() as u64);
    assert_eq!(t["partition_skew"]["max_records"], max_records);
    assert_eq!(t["partition_skew"]["largest_by_records"], "region=eu");

    let partitions = floe.json(&["partitions", &table]);
    assert_eq!(partitions["file_sizes"], t["file_sizes"]);
    assert_eq!(partitions["skew"], t["partition_skew"]);
    let mut records: Vec<u64> = parts.values().map(|p| p.0).collect();
    records.sort();
    assert_eq!(partitions["skew"]["median_records"], records[1] as f64);

    // stdout is a pipe here: plain ASCII bars, no block characters.
    let text = floe.run(&["partitions", &table]).ok().stdout;
    assert!(text.contains("File sizes: "), "{text}");
    assert!(text.contains("Records per partition"), "{text}");
    assert!(text.contains("|#"), "{text}");
    assert!(!text.contains('█') && !text.contains('▕'), "{text}");
    let eu_line = text
        .lines()
        .find(|l| l.trim_start().starts_with("region=eu") && l.contains('|'))
        .unwrap_or_else(|| panic!("no bar for region=eu:\n{text}"));
    assert!(
        eu_line.contains(&format!("{} ", parts["region=eu"].0)),
        "{eu_line}"
    );
    let health_text = floe.run(&["health", &table]).stdout;
    assert!(health_text.contains("File sizes: "), "{health_text}");
    assert!(
        health_text.contains("skew over 3 partitions"),
        "{health_text}"
    );
}

#[test]
fn report_html_needs_a_writable_file() {
    let dir = tempfile::tempdir().unwrap();
    let (floe, table) = table(dir.path());
    let missing = floe.run(&["report", &table, "--html", "no/such/dir/r.html"]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(
        missing.stderr.contains("--html no/such/dir/r.html"),
        "{}",
        missing.stderr
    );
    let is_dir = floe.run(&["report", &table, "--html", "."]);
    assert_eq!(is_dir.code, 2, "{}", is_dir.stderr);
    assert!(is_dir.stderr.contains("--html"), "{}", is_dir.stderr);
}

/// Chromium and its driver, or `None` (the test is skipped) when absent.
fn chromium() -> Option<(&'static str, &'static str)> {
    let (browser, driver) = ("/usr/bin/chromium", "/usr/bin/chromedriver");
    if Path::new(browser).exists() && Path::new(driver).exists() {
        return Some((browser, driver));
    }
    assert!(
        !require_all(),
        "{browser} and {driver} are required (FLOE_TEST_REQUIRE_ALL=1); install Debian's chromium and chromium-driver"
    );
    eprintln!("skipping: no {browser} or {driver} (apt-get install chromium chromium-driver)");
    None
}

#[test]
fn report_html_renders_in_a_browser_with_the_right_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let (floe, table) = table(dir.path());
    let files = floe.json(&["files", &table]);
    let buckets = expected_buckets(&files);
    let parts = expected_partitions(&files);
    let records: u64 = parts.values().map(|p| p.0).sum();
    let snapshots = floe.json(&["snapshots", &table])["snapshots"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(snapshots, 4);

    let json = floe.json(&["report", &table]);
    assert_eq!(json["summary"]["records"], records);
    assert_eq!(json["summary"]["snapshot_count"], snapshots);
    assert_eq!(json["summary"]["partition_spec"], "region");
    assert_eq!(json["snapshots"].as_array().unwrap().len(), snapshots);
    // A row delete rewrites the files it touches (copy-on-write): an overwrite.
    assert_eq!(json["snapshots"][3]["operation"], "overwrite");
    assert_eq!(json["snapshots"][3]["total_records"], records);
    assert_eq!(json["schemas"].as_array().unwrap().len(), 2);
    assert_eq!(
        json["schemas"][1]["changes"]["added_columns"],
        serde_json::json!(["note string"])
    );

    let html_path = dir.path().join("report.html");
    let run = floe
        .run(&["report", &table, "--html", html_path.to_str().unwrap()])
        .ok();
    assert!(
        run.stdout.is_empty(),
        "the page is the output: {}",
        run.stdout
    );
    let html = std::fs::read_to_string(&html_path).unwrap();
    // Self-contained: nothing to fetch, nothing to run, user text escaped.
    for attr in ["src=", "href=", "xlink:href="] {
        for (at, _) in html.match_indices(attr) {
            let value = html[at + attr.len()..].trim_start_matches(['"', '\'']);
            assert!(
                !value.starts_with("http:")
                    && !value.starts_with("https:")
                    && !value.starts_with("//"),
                "the page fetches {}",
                &html[at..(at + 80).min(html.len())]
            );
        }
    }
    assert!(
        !html.contains("<script"),
        "no scripts, and markup in docs is escaped"
    );
    assert!(!html.contains("<link") && !html.contains("@import") && !html.contains("url("));
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;"));

    let Some((browser, driver)) = chromium() else {
        return;
    };
    let Some(python) = python() else {
        return;
    };
    let shot = dir.path().join("report.png");
    let seen = py_script_json(
        &python,
        "render_report.py",
        &[
            "--html",
            html_path.to_str().unwrap(),
            "--screenshot",
            shot.to_str().unwrap(),
            "--chromium",
            browser,
            "--chromedriver",
            driver,
        ],
        &[],
    );
    let severe: Vec<&Value> = seen["console"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["level"] == "SEVERE")
        .collect();
    assert!(severe.is_empty(), "console errors: {severe:?}");
    assert_eq!(
        seen["resources"],
        serde_json::json!([]),
        "the page loaded something"
    );
    assert_eq!(seen["title"], format!("floe report: {table}"));
    let sections: Vec<&str> = seen["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    for want in [
        "Summary",
        "File sizes",
        "Partitions",
        "Snapshot timeline",
        "Schema history",
    ] {
        assert!(
            sections.contains(&want),
            "no {want} section in {sections:?}"
        );
    }
    assert!(
        sections.iter().any(|s| s.starts_with("Health")),
        "{sections:?}"
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "screenshot {}",
        shot.display()
    );

    let charts: BTreeMap<String, &Value> = seen["charts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), c))
        .collect();
    assert_eq!(
        charts.keys().collect::<Vec<_>>(),
        [
            "bytes-per-partition",
            "file-sizes",
            "records-per-partition",
            "snapshot-timeline"
        ]
    );
    let texts = |id: &str| -> Vec<String> {
        let chart = charts[id];
        assert!(
            chart["width"].as_f64().unwrap() > 300.0 && chart["height"].as_f64().unwrap() > 150.0,
            "{id} is not drawn: {chart}"
        );
        assert!(chart["marks"].as_u64().unwrap() > 0, "{id} has no marks");
        chart["texts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect()
    };

    // File sizes: the title counts the data files; the last labels are the bars, in order.
    let sizes = texts("file-sizes");
    let data_files: u64 = buckets.iter().sum();
    assert_eq!(
        sizes[0],
        format!("{data_files} data files against a 195.3 KiB target")
    );
    let bar_labels: Vec<String> = sizes[sizes.len() - buckets.len()..].to_vec();
    let want: Vec<String> = buckets.iter().map(|n| n.to_string()).collect();
    assert_eq!(bar_labels, want, "bucket counts in {sizes:?}");
    for label in ["<1/64", "1/16-1/4", ">=1.5"] {
        assert!(sizes.contains(&label.to_string()), "{label} in {sizes:?}");
    }

    // Records per partition: largest first, with each partition's count.
    let by_records = texts("records-per-partition");
    assert_eq!(
        by_records[0],
        format!("Records per partition: {records} in 3 partitions")
    );
    let mut ranked: Vec<(&String, &(u64, u64))> = parts.iter().collect();
    ranked.sort_by_key(|(_, (r, _))| std::cmp::Reverse(*r));
    let want: Vec<String> = ranked.iter().map(|(_, (r, _))| r.to_string()).collect();
    assert_eq!(
        by_records[by_records.len() - 3..],
        want[..],
        "{by_records:?}"
    );
    let names: Vec<&String> = by_records
        .iter()
        .filter(|t| t.starts_with("region="))
        .collect();
    // plotters writes axis labels bottom-up; the largest bar is at the top.
    let mut want_names: Vec<&String> = ranked.iter().map(|(n, _)| *n).collect();
    want_names.reverse();
    assert_eq!(names, want_names);

    // Bytes per partition: the partitions ordered by their bytes.
    let by_bytes = texts("bytes-per-partition");
    assert!(
        by_bytes[0].starts_with("Bytes per partition: "),
        "{by_bytes:?}"
    );
    assert!(by_bytes[0].ends_with(" in 3 partitions"), "{by_bytes:?}");
    let mut by_size: Vec<(&String, &(u64, u64))> = parts.iter().collect();
    by_size.sort_by_key(|(_, (_, b))| *b);
    let names: Vec<&String> = by_bytes
        .iter()
        .filter(|t| t.starts_with("region="))
        .collect();
    assert_eq!(names, by_size.iter().map(|(n, _)| *n).collect::<Vec<_>>());

    // Timeline: one marker per snapshot in each of three panels, the operations in the legend.
    let timeline = texts("snapshot-timeline");
    assert_eq!(
        timeline[0],
        format!("{snapshots} snapshots, {records} records in the latest")
    );
    for want in [
        "append",
        "overwrite",
        "Total records",
        "Data files",
        "Total bytes",
    ] {
        assert!(
            timeline.contains(&want.to_string()),
            "{want} in {timeline:?}"
        );
    }
    let circles = charts["snapshot-timeline"]["marks"].as_u64().unwrap();
    assert!(circles as usize >= 3 * snapshots, "{circles} marks");

    if std::env::var_os("FLOE_TEST_KEEP_REPORT").is_some() {
        let kept = dir.keep();
        eprintln!("report and screenshot kept in {}", kept.display());
    }
}
