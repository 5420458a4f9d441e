//! Bad input: each case gets a clear error naming what is wrong, the documented exit code, and
//! leaves the table exactly as it was.

mod common;

use std::path::{Path, PathBuf};

use common::*;

struct Fixture {
    _dir: tempfile::TempDir,
    floe: Floe,
    work: PathBuf,
    table: String,
}

/// A table `events` (id required) holding 10 rows.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().to_path_buf();
    let floe = Floe::new(&work);
    std::fs::write(work.join("events.yaml"), EVENTS_SCHEMA_YAML).unwrap();
    let table = work.join("wh/db/events").to_string_lossy().to_string();
    floe.json(&[
        "create",
        &table,
        "--schema",
        "events.yaml",
        "--partition-by",
        "region",
    ]);
    std::fs::write(work.join("good.csv"), events_csv(0, 10)).unwrap();
    floe.json(&["ingest", &table, "good.csv"]);
    Fixture {
        _dir: dir,
        floe,
        work,
        table,
    }
}

/// What a table looks like on disk, to prove a failed command changed nothing.
fn state(table: &str) -> (Vec<String>, Vec<PathBuf>) {
    let mut metadata: Vec<String> = std::fs::read_dir(Path::new(table).join("metadata"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    metadata.sort();
    (metadata, data_files(Path::new(table)))
}

/// Run an ingest that must fail with `code`, leave the table unchanged, and return stderr.
fn failing_ingest(f: &Fixture, args: &[&str], code: i32) -> String {
    let before = state(&f.table);
    let mut all = vec!["ingest", f.table.as_str()];
    all.extend_from_slice(args);
    let run = f.floe.run(&all);
    assert_eq!(
        run.code, code,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert!(
        run.stdout.is_empty(),
        "nothing on stdout on failure: {}",
        run.stdout
    );
    assert_eq!(state(&f.table), before, "the table must be unchanged");
    assert_eq!(
        f.floe.json(&["describe", &f.table])["totals"]["records"],
        10
    );
    run.stderr
}

#[test]
fn csv_value_of_wrong_type_names_file_line_column_value() {
    let f = fixture();
    let mut text = events_csv(100, 5000);
    text = text.replace("\n4321,", "\nabc,");
    std::fs::write(f.work.join("bad.csv"), text).unwrap();
    let stderr = failing_ingest(&f, &["bad.csv"], 1);
    // Row 4321 is data row 4222 (ids start at 100), on line 4223 after the header.
    assert!(
        stderr.contains("bad.csv: line 4223: column 'id': cannot read 'abc' as long"),
        "{stderr}"
    );
    assert!(stderr.starts_with("error: "), "{stderr}");
}

#[test]
fn null_in_required_column_names_the_row() {
    let f = fixture();
    let text = events_csv(0, 20).replace("\n7,", "\n,");
    std::fs::write(f.work.join("nulls.csv"), text).unwrap();
    let stderr = failing_ingest(&f, &["nulls.csv"], 1);
    assert!(
        stderr.contains("nulls.csv: line 9: column 'id' is required but has no value"),
        "{stderr}"
    );
}

/// A Parquet file is decoded by several tasks, a run of row groups each; the row named is
/// still the row's number in the whole file.
#[test]
fn null_in_a_late_row_group_names_the_row_in_the_file() {
    use std::sync::Arc;
    let f = fixture();
    let good = events_batch(0, 2_500);
    let ids: arrow::array::Int64Array = (0..2_500i64)
        .map(|i| if i == 2_344 { None } else { Some(i) })
        .collect();
    let mut fields: Vec<arrow::datatypes::Field> = good
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields[0] = fields[0].clone().with_nullable(true);
    let mut columns = good.columns().to_vec();
    columns[0] = Arc::new(ids);
    let bad = arrow::array::RecordBatch::try_new(
        Arc::new(arrow::datatypes::Schema::new(fields)),
        columns,
    )
    .unwrap();
    write_parquet_row_groups(&f.work.join("late.parquet"), &[bad], 100);
    let stderr = failing_ingest(&f, &["late.parquet"], 1);
    assert!(
        stderr.contains("late.parquet: row 2345: column 'id' is required but has no value"),
        "{stderr}"
    );
}

#[test]
fn missing_required_and_unknown_columns_are_listed() {
    let f = fixture();
    std::fs::write(f.work.join("cols.csv"), "region,colour,size\neu,red,3\n").unwrap();
    let stderr = failing_ingest(&f, &["cols.csv"], 1);
    assert!(
        stderr.contains("missing required column(s) 'id'"),
        "{stderr}"
    );
    assert!(
        stderr.contains("column(s) 'colour', 'size' not in the table"),
        "{stderr}"
    );
    assert!(stderr.contains("hint:"), "{stderr}");
}

#[test]
fn one_bad_file_among_good_ones_commits_nothing() {
    let f = fixture();
    std::fs::write(f.work.join("a.csv"), events_csv(100, 50)).unwrap();
    std::fs::write(
        f.work.join("b.csv"),
        events_csv(200, 50).replace("\n230,", "\n230x,"),
    )
    .unwrap();
    let stderr = failing_ingest(&f, &["a.csv", "b.csv"], 1);
    assert!(
        stderr.contains("b.csv: line 32: column 'id': cannot read '230x' as long"),
        "{stderr}"
    );
}

#[test]
fn truncated_or_foreign_file_as_parquet() {
    let f = fixture();
    let good = f.work.join("good.parquet");
    write_parquet(&good, &[events_batch(0, 100)]);
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(f.work.join("cut.parquet"), &bytes[..bytes.len() / 2]).unwrap();
    let stderr = failing_ingest(&f, &["cut.parquet"], 1);
    assert!(
        stderr.contains("cut.parquet is not a readable Parquet file"),
        "{stderr}"
    );
    let stderr = failing_ingest(&f, &["good.csv", "--format", "parquet"], 1);
    assert!(
        stderr.contains("good.csv is not a readable Parquet file"),
        "{stderr}"
    );
}

#[test]
fn parquet_column_of_incompatible_type() {
    let f = fixture();
    // `qty` as text in Parquet cannot go into an int column without parsing.
    let batch = events_batch(0, 5);
    let schema = batch.schema();
    let mut fields: Vec<arrow::datatypes::Field> =
        schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields[4] = arrow::datatypes::Field::new("qty", arrow::datatypes::DataType::Utf8, true);
    let mut columns = batch.columns().to_vec();
    columns[4] = std::sync::Arc::new(arrow::array::StringArray::from(vec![
        "1", "2", "3", "4", "5",
    ]));
    let batch = arrow::array::RecordBatch::try_new(
        std::sync::Arc::new(arrow::datatypes::Schema::new(fields)),
        columns,
    )
    .unwrap();
    write_parquet(&f.work.join("typed.parquet"), &[batch]);
    let stderr = failing_ingest(&f, &["typed.parquet"], 1);
    assert!(
        stderr.contains("column 'qty' is Utf8 in the file but Int32 in the table"),
        "{stderr}"
    );
}

#[test]
fn missing_input_file() {
    let f = fixture();
    let stderr = failing_ingest(&f, &["nope.csv"], 1);
    assert!(stderr.contains("nope.csv does not exist"), "{stderr}");
    let stderr = failing_ingest(&f, &["nothing-*.csv"], 1);
    assert!(
        stderr.contains("no input files match nothing-*.csv"),
        "{stderr}"
    );
}

#[test]
fn table_that_does_not_exist() {
    let f = fixture();
    let run = f.floe.run(&["ingest", "./wh/db/missing", "good.csv"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("does not exist"), "{}", run.stderr);
    assert!(
        run.stderr.contains("hint: create it with `floe create`"),
        "{}",
        run.stderr
    );
    let run = f.floe.run(&["describe", "db.missing", "-o", "json"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    let err = run.json_error();
    assert_eq!(err["error"]["kind"], "not_found");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("db.missing"),
        "{err}"
    );
}

#[test]
fn create_existing_table() {
    let f = fixture();
    let run = f
        .floe
        .run(&["create", &f.table, "--schema", "events.yaml", "-o", "json"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.json_error()["error"]["kind"], "already_exists");
    let ok = f.floe.json(&[
        "create",
        &f.table,
        "--schema",
        "events.yaml",
        "--if-not-exists",
    ]);
    assert_eq!(ok["created"], false);
    assert_eq!(ok["totals"]["records"], 10);
}

#[test]
fn bad_partition_expressions_are_usage_errors() {
    let f = fixture();
    for (expr, needle) in [
        ("bucket(x, id)", "'x' is not a positive number"),
        ("frobnicate(id)", "unknown transform 'frobnicate'"),
        ("month(nope)", "column 'nope', which is not in the schema"),
        ("month(region)", "cannot partition by 'month(region)'"),
    ] {
        let run = f.floe.run(&[
            "create",
            "./wh/db/other",
            "--schema",
            "events.yaml",
            "--partition-by",
            expr,
        ]);
        assert_eq!(run.code, 2, "{expr}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{expr}: {}", run.stderr);
        assert!(
            !f.work.join("wh/db/other").exists(),
            "nothing may be written for {expr}"
        );
    }
}

#[test]
fn corrupt_metadata_is_an_error_not_an_empty_table() {
    let f = fixture();
    let latest = Path::new(&f.table).join("metadata/v2.metadata.json");
    let text = std::fs::read_to_string(&latest).unwrap();
    std::fs::write(&latest, &text[..text.len() / 2]).unwrap();
    for args in [
        vec!["describe", f.table.as_str()],
        vec!["snapshots", f.table.as_str()],
        vec!["ingest", f.table.as_str(), "good.csv"],
    ] {
        let run = f.floe.run(&args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("v2.metadata.json is not valid Iceberg table metadata"),
            "{}",
            run.stderr
        );
    }
    std::fs::write(&latest, "").unwrap();
    let run = f.floe.run(&["describe", &f.table]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("not valid Iceberg table metadata"),
        "{}",
        run.stderr
    );
}

#[test]
fn usage_and_config_errors_exit_2() {
    let f = fixture();
    let run = f.floe.run(&["ingest"]);
    assert_eq!(run.code, 2);
    let run = f.floe.run(&["describe", "events"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("not a table name"), "{}", run.stderr);
    let run = f.floe.run(&["--catalog", "lake", "describe", "db.events"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("catalog 'lake' is not configured"),
        "{}",
        run.stderr
    );
    std::fs::write(
        f.work.join("floe.yaml"),
        "catalog:\n  a: {warehouse: ./a}\n  b: {warehouse: ./b}\n",
    )
    .unwrap();
    let run = f.floe.run(&["--catalog", "c", "list", "-o", "json"]);
    assert_eq!(run.code, 2);
    let err = run.json_error();
    assert_eq!(err["error"]["kind"], "config");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("configured: a, b"),
        "{err}"
    );
    std::fs::write(f.work.join("floe.yaml"), "catalog: [not, a, mapping\n").unwrap();
    let run = f.floe.run(&["list"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("floe.yaml is not valid"),
        "{}",
        run.stderr
    );
    std::fs::remove_file(f.work.join("floe.yaml")).unwrap();
    let run = f
        .floe
        .run(&["create", "./wh/db/x", "--schema", "missing.yaml"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("cannot read schema file missing.yaml"),
        "{}",
        run.stderr
    );
}

#[test]
fn help_and_version_succeed() {
    let f = fixture();
    let run = f.floe.run(&["--help"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("ingest"));
    let run = f.floe.run(&["--version"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.starts_with("floe "));
}

#[test]
fn interrupt_exits_130_and_commits_nothing() {
    let f = fixture();
    std::fs::write(f.work.join("big.csv"), events_csv(0, 1_500_000)).unwrap();
    let child = f
        .floe
        .command(&["ingest", &f.table, "big.csv"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(400));
    // The shell's builtin `kill`: no procps needed.
    let killed = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("kill -INT {}", child.id()))
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("error: interrupted"), "{stderr}");
    let described = f.floe.json(&["describe", &f.table]);
    assert_eq!(described["snapshot_count"], 1);
    assert_eq!(described["totals"]["records"], 10);
}

#[test]
fn json_report_into_a_closed_pipe_exits_0() {
    use std::io::Read;
    let f = fixture();
    // 500 files: a listing far past what a pipe buffers, so floe is still writing when the
    // reader goes away.
    let table = f.work.join("wh/db/many").to_string_lossy().to_string();
    f.floe.json(&[
        "create",
        &table,
        "--schema",
        "events.yaml",
        "--partition-by",
        "bucket(500, id)",
    ]);
    std::fs::write(f.work.join("many.csv"), events_csv(0, 5_000)).unwrap();
    f.floe.json(&["ingest", &table, "many.csv"]);
    let whole = f.floe.json(&["files", &table]);
    assert_eq!(whole["file_count"], 500);
    let mut child = f
        .floe
        .command(&["files", &table, "-o", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut head = [0u8; 64];
    child.stdout.take().unwrap().read_exact(&mut head).unwrap();
    // The reader has gone: the rest of the listing meets a closed pipe.
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.trim().is_empty(), "{stderr}");
    assert!(String::from_utf8_lossy(&head).starts_with("{\n  \"table\""));
}
