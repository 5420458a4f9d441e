//! completions/ and man/ are generated from the clap definition and committed; this test fails
//! when they are stale. Regenerate with `FLOE_REGENERATE=1 cargo test --test generated`.

use std::path::Path;

#[test]
fn completions_and_man_pages_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if std::env::var("FLOE_REGENERATE").is_ok_and(|v| v == "1") {
        std::fs::remove_dir_all(root.join("man")).ok();
        floe::commands::completions::write_generated(root).unwrap();
    }
    let generated = floe::commands::completions::generated_files().unwrap();
    let mut stale = vec![];
    for (rel, bytes) in &generated {
        match std::fs::read(root.join(rel)) {
            Ok(existing) if &existing == bytes => {}
            _ => stale.push(rel.clone()),
        }
    }
    let expected: std::collections::BTreeSet<String> =
        generated.iter().map(|(r, _)| r.clone()).collect();
    for dir in ["completions", "man"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let rel = format!("{dir}/{}", entry.unwrap().file_name().to_string_lossy());
            if !expected.contains(&rel) {
                stale.push(format!("{rel} (no longer generated)"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files: {stale:?}; run FLOE_REGENERATE=1 cargo test --test generated"
    );
    assert!(expected.contains("man/floe-ingest.1") && expected.contains("completions/_floe"));
}
