//! Packaging: the floe-cli wheel, the static musl binary, `cargo install` and the container image
//! definition each deliver a floe that works on a real table, built by the repository's own
//! scripts the way a user or a release job builds them.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

const MUSL: &str = "x86_64-unknown-linux-musl";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// Runs `cmd` to success and returns its stdout; a failure shows both streams.
fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A repository script, run from the repository root like a developer runs it.
fn script(name: &str) -> Command {
    let mut cmd = Command::new(root().join("scripts").join(name));
    cmd.current_dir(root());
    as_from_a_shell(&mut cmd);
    cmd
}

/// Takes out of `cmd`'s environment what `cargo test` adds for this crate (CARGO_PKG_*,
/// CARGO_MANIFEST_DIR, OUT_DIR...). Build scripts such as ring's ask to rerun when those
/// change, and cargo compares them with its own environment: a cargo started from a test
/// with them set would see ring as dirty and rebuild the whole dependency stack, and the
/// next build from a shell would rebuild it back.
fn as_from_a_shell(cmd: &mut Command) -> &mut Command {
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key == "OUT_DIR"
            || key == "CARGO_PRIMARY_PACKAGE"
            || key == "CARGO_TARGET_TMPDIR"
            || [
                "CARGO_PKG_",
                "CARGO_MANIFEST_",
                "CARGO_CRATE_",
                "CARGO_BIN_EXE_",
            ]
            .iter()
            .any(|prefix| key.starts_with(prefix))
        {
            cmd.env_remove(&*key);
        }
    }
    cmd
}

/// Skips (returns false) when `what` is missing, except under FLOE_TEST_REQUIRE_ALL=1 (CI,
/// where .ci/run installs everything), where a missing prerequisite fails the test.
fn prerequisite(present: bool, what: &str) -> bool {
    if !present {
        assert!(
            !require_all(),
            "{what} is required (FLOE_TEST_REQUIRE_ALL=1)"
        );
        eprintln!("skipping: {what} is missing");
    }
    present
}

fn on_path(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `floe --version` names this crate's version.
fn assert_version(floe: &Floe) {
    let run = floe.run(&["--version"]).ok();
    assert_eq!(
        run.stdout.trim(),
        format!("floe {}", env!("CARGO_PKG_VERSION"))
    );
}

/// Create, ingest, describe and query a partitioned local table with `floe`, checking the
/// numbers: proof that a packaged binary is the whole floe, not just a `--version`.
fn exercise(floe: &Floe) {
    let dir = &floe.dir;
    std::fs::write(dir.join("events.yaml"), EVENTS_SCHEMA_YAML).unwrap();
    // ids 0..60 fall on the first 60 days of 2024: January and February.
    std::fs::write(dir.join("events.csv"), events_csv(0, 60)).unwrap();
    let table = "./wh/db/events";

    let created = floe.json(&[
        "create",
        table,
        "--schema",
        "events.yaml",
        "--partition-by",
        "month(ts)",
    ]);
    assert_eq!(created["format_version"], 2);
    assert_eq!(created["totals"]["records"], 0);

    let ingested = floe.json(&["ingest", table, "events.csv"]);
    assert_eq!(ingested["records_added"], 60);
    assert_eq!(ingested["files_added"], 2, "one file per month: {ingested}");

    let described = floe.json(&["describe", table]);
    assert_eq!(described["totals"]["records"], 60);
    assert_eq!(described["snapshot_count"], 1);
    assert_eq!(
        described["partition_spec"]["fields"][0]["transform"],
        "month"
    );
    assert_eq!(
        described["current_snapshot"]["snapshot_id"],
        ingested["snapshot_id"]
    );
    assert!(dir
        .join("wh/db/events/metadata/version-hint.text")
        .is_file());

    let totals = floe.json(&[
        "query",
        table,
        "--select",
        "count(*) AS n, sum(id) AS s",
        "--where",
        "region = 'eu'",
    ]);
    // eu rows are the ids divisible by 3: 0, 3, ..., 57.
    assert_eq!(totals[0]["n"], 20);
    assert_eq!(totals[0]["s"], (0..60).step_by(3).sum::<i64>());
}

#[test]
fn wheel_installs_a_working_floe_into_a_fresh_venv() {
    let Some(python) = python() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dist");
    let wheel = stdout_of(
        script("build-wheel")
            .args(["--profile", "dev", "--out"])
            .arg(&out),
    );
    let wheel = PathBuf::from(wheel.trim());
    let name = wheel.file_name().unwrap().to_string_lossy().to_string();
    // A binary-only wheel: any Python 3, no ABI, one platform.
    let prefix = format!("floe_cli-{}-py3-none-", env!("CARGO_PKG_VERSION"));
    assert!(
        name.starts_with(&prefix) && name.contains("linux") && name.ends_with(".whl"),
        "unexpected wheel name {name}"
    );

    // What is inside: the binary as a script named `floe`, and the PyPI name floe-cli.
    let listing = stdout_of(
        Command::new(&python)
            .arg("-c")
            .arg(
                "import sys, zipfile\n\
         z = zipfile.ZipFile(sys.argv[1])\n\
         print('\\n'.join(z.namelist()))\n\
         meta = [n for n in z.namelist() if n.endswith('.dist-info/METADATA')][0]\n\
         print(z.read(meta).decode())",
            )
            .arg(&wheel),
    );
    let data = format!("floe_cli-{}.data/scripts/floe", env!("CARGO_PKG_VERSION"));
    assert!(
        listing.lines().any(|l| l == data),
        "no {data} in:\n{listing}"
    );
    assert!(listing.lines().any(|l| l == "Name: floe-cli"), "{listing}");
    assert!(
        listing
            .lines()
            .any(|l| l == format!("Version: {}", env!("CARGO_PKG_VERSION"))),
        "{listing}"
    );

    // Installed as a user would, offline: the wheel has no dependencies.
    let venv = tmp.path().join("venv");
    stdout_of(Command::new(&python).args(["-m", "venv"]).arg(&venv));
    stdout_of(
        Command::new(venv.join("bin/python"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-index",
                "--disable-pip-version-check",
            ])
            .arg(&wheel),
    );
    let shown =
        stdout_of(Command::new(venv.join("bin/python")).args(["-m", "pip", "show", "floe-cli"]));
    assert!(
        shown.contains(&format!("Version: {}", env!("CARGO_PKG_VERSION"))),
        "{shown}"
    );

    let floe_bin = venv.join("bin/floe");
    assert!(floe_bin.is_file(), "the wheel installed no bin/floe");
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let floe = Floe::new(&work).with_binary(&floe_bin);
    assert_version(&floe);
    exercise(&floe);
}

/// The program headers of an ELF64 little-endian executable: (type, offset, file size).
fn program_headers(elf: &[u8]) -> Vec<(u32, u64, u64)> {
    assert_eq!(&elf[..4], b"\x7fELF", "not an ELF file");
    assert_eq!(elf[4], 2, "not a 64-bit ELF file");
    let u16_at = |o: usize| u16::from_le_bytes(elf[o..o + 2].try_into().unwrap()) as usize;
    let u64_at = |o: usize| u64::from_le_bytes(elf[o..o + 8].try_into().unwrap());
    let (phoff, phentsize, phnum) = (u64_at(0x20) as usize, u16_at(0x36), u16_at(0x38));
    (0..phnum)
        .map(|i| {
            let h = phoff + i * phentsize;
            let kind = u32::from_le_bytes(elf[h..h + 4].try_into().unwrap());
            (kind, u64_at(h + 8), u64_at(h + 32))
        })
        .collect()
}

/// Static means no program interpreter (dynamic loader) and no shared library needed; a
/// static-pie still has a dynamic section, for its own relocations only.
fn assert_static_elf(path: &Path) {
    const PT_DYNAMIC: u32 = 2;
    const PT_INTERP: u32 = 3;
    const DT_NEEDED: i64 = 1;
    let elf = std::fs::read(path).unwrap();
    let headers = program_headers(&elf);
    assert!(!headers.is_empty());
    assert!(
        headers.iter().all(|(kind, _, _)| *kind != PT_INTERP),
        "{} asks for a dynamic loader",
        path.display()
    );
    for (_, offset, size) in headers.iter().filter(|(kind, _, _)| *kind == PT_DYNAMIC) {
        let section = &elf[*offset as usize..(*offset + *size) as usize];
        for entry in section.chunks_exact(16) {
            let tag = i64::from_le_bytes(entry[..8].try_into().unwrap());
            assert_ne!(tag, DT_NEEDED, "{} needs a shared library", path.display());
        }
    }
}

#[test]
fn static_binary_is_static_checksummed_and_works() {
    let have_target = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .is_some_and(|sysroot| sysroot.join("lib/rustlib").join(MUSL).is_dir());
    if !prerequisite(
        have_target || on_path("rustup"),
        &format!("the Rust target {MUSL} (rustup target add {MUSL})"),
    ) || !prerequisite(on_path("musl-gcc"), "musl-gcc (Debian: musl-tools)")
    {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dist");
    let printed = stdout_of(
        script("build-static")
            .args(["--profile", "dev", "--out"])
            .arg(&out),
    );
    let name = format!("floe-{MUSL}");
    let binary = out.join(&name);
    assert_eq!(PathBuf::from(printed.trim()), binary);

    // The checksum file is sha256sum's format, names the file beside it, and matches it.
    let sums = std::fs::read_to_string(out.join(format!("{name}.sha256"))).unwrap();
    let (hash, file) = sums.trim_end().split_once("  ").expect("sha256sum format");
    assert_eq!(file, name);
    assert_eq!(hash.len(), 64);
    assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()));
    let checked = stdout_of(
        Command::new("sha256sum")
            .args(["-c", &format!("{name}.sha256")])
            .current_dir(&out),
    );
    assert_eq!(checked.trim(), format!("{name}: OK"));
    // ...and would catch a corrupted download.
    let mut bytes = std::fs::read(&binary).unwrap();
    bytes.push(0);
    let corrupt = tmp.path().join("corrupt");
    std::fs::create_dir(&corrupt).unwrap();
    std::fs::write(corrupt.join(&name), &bytes).unwrap();
    std::fs::copy(
        out.join(format!("{name}.sha256")),
        corrupt.join(format!("{name}.sha256")),
    )
    .unwrap();
    let status = Command::new("sha256sum")
        .args(["-c", "--quiet", &format!("{name}.sha256")])
        .current_dir(&corrupt)
        .output()
        .unwrap()
        .status;
    assert!(!status.success());

    assert_static_elf(&binary);
    if on_path("file") {
        let described = stdout_of(Command::new("file").arg("-b").arg(&binary));
        assert!(
            described.contains("static") && !described.contains("dynamically linked"),
            "file says: {described}"
        );
    }
    if on_path("ldd") {
        // glibc's ldd exits 1 on a static binary; musl's says what it is.
        let ldd = Command::new("ldd").arg(&binary).output().unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&ldd.stdout),
            String::from_utf8_lossy(&ldd.stderr)
        );
        assert!(
            said.contains("not a dynamic executable") || said.contains("statically linked"),
            "ldd says: {said}"
        );
    }

    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let floe = Floe::new(&work).with_binary(&binary);
    assert_version(&floe);
    exercise(&floe);
}

#[test]
fn cargo_install_from_the_checkout_gives_a_working_floe() {
    let tmp = tempfile::tempdir().unwrap();
    let install_root = tmp.path().join("root");
    // The shared target dir and --debug reuse the build this test was made with.
    let mut cmd = Command::new(env!("CARGO"));
    as_from_a_shell(&mut cmd)
        .args(["install", "--locked", "--debug", "--path"])
        .arg(root())
        .arg("--root")
        .arg(&install_root)
        .arg("--target-dir")
        .arg(target_dir())
        .current_dir(root());
    stdout_of(&mut cmd);
    let installed = install_root.join("bin/floe");
    assert!(installed.is_file(), "cargo install put no bin/floe");
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let floe = Floe::new(&work).with_binary(&installed);
    assert_version(&floe);
    exercise(&floe);
}

/// The instructions of the Dockerfile's last stage (the image users get), continuation lines
/// joined.
fn final_stage(dockerfile: &str) -> Vec<String> {
    let mut instructions = vec![];
    let mut current = String::new();
    for line in dockerfile.lines() {
        let line = line.trim();
        if line.starts_with('#') || (line.is_empty() && current.is_empty()) {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(part) => current.push_str(part),
            None => {
                current.push_str(line);
                instructions.push(std::mem::take(&mut current));
            }
        }
    }
    let last_from = instructions
        .iter()
        .rposition(|i| i.starts_with("FROM "))
        .expect("no FROM");
    instructions.split_off(last_from)
}

/// hadolint's findings (rule codes) and exit status for one Dockerfile.
fn hadolint(hadolint: &Path, dockerfile: &Path) -> (bool, String) {
    let out = Command::new(hadolint)
        .args(["--no-color", "--format", "tty"])
        .arg(dockerfile)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn dockerfile_passes_hadolint_and_runs_floe_unprivileged() {
    let dockerfile_path = root().join("Dockerfile");
    let dockerfile = std::fs::read_to_string(&dockerfile_path).unwrap();

    // The image users get: the static binary, a non-root user, floe as the entry point and a
    // health check that runs it.
    let last = final_stage(&dockerfile);
    let find = |keyword: &str| {
        last.iter()
            .filter(|i| i.starts_with(keyword))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert!(
        find("COPY ")
            .iter()
            .any(|c| c.contains("--from=") && c.contains(&format!("floe-{MUSL}"))),
        "the final stage must copy the static build: {last:?}"
    );
    let user = find("USER ");
    let user = user.last().expect("the final stage sets no USER");
    let uid = user["USER ".len()..].split(':').next().unwrap().trim();
    assert!(
        uid.parse::<u32>().is_ok_and(|n| n != 0),
        "USER must be a numeric non-root id (Kubernetes' runAsNonRoot checks it): {user}"
    );
    assert_eq!(
        find("ENTRYPOINT ").last().map(String::as_str),
        Some(r#"ENTRYPOINT ["/usr/local/bin/floe"]"#)
    );
    let health = find("HEALTHCHECK ");
    assert!(
        health.len() == 1 && health[0].contains(r#"["/usr/local/bin/floe", "--version"]"#),
        "{health:?}"
    );

    if !prerequisite(on_path("python3"), "python3 (for the pinned hadolint)") {
        return;
    }
    let tools = PathBuf::from(stdout_of(&mut script("packaging-tools")).trim());
    let linter = tools.join("hadolint");
    let (ok, findings) = hadolint(&linter, &dockerfile_path);
    assert!(ok, "hadolint flags the Dockerfile:\n{findings}");

    // The linter really applies its rules to this file: unpinned packages and a root user
    // in the same Dockerfile are flagged.
    let tmp = tempfile::tempdir().unwrap();
    let broken = tmp.path().join("Dockerfile");
    let mutated = dockerfile
        .replace("musl-tools=1.2.3-1", "musl-tools")
        .replace("USER 65532:65532", "USER root");
    assert_ne!(mutated, dockerfile, "the mutations no longer apply");
    std::fs::write(&broken, mutated).unwrap();
    let (ok, findings) = hadolint(&linter, &broken);
    assert!(!ok, "hadolint passed a broken Dockerfile");
    for rule in ["DL3008", "DL3002"] {
        assert!(findings.contains(rule), "{rule} not flagged:\n{findings}");
    }

    build_image_where_a_runtime_works();
}

/// Builds the image and runs floe in it, where a container engine answers; there is none on
/// machines whose `docker` is only a client, and then the lint above is the check.
fn build_image_where_a_runtime_works() {
    let engine = ["docker", "podman"].into_iter().find(|engine| {
        Command::new(engine)
            .arg("info")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let Some(engine) = engine else {
        eprintln!("no container engine answers: the image was linted, not built");
        return;
    };
    let tag = format!("floe-test:{}", uuid::Uuid::new_v4().simple());
    stdout_of(
        Command::new(engine)
            .args(["build", "--build-arg", "PROFILE=dev", "-t", &tag, "."])
            .current_dir(root()),
    );
    let version = stdout_of(Command::new(engine).args(["run", "--rm", &tag, "--version"]));
    let uid = stdout_of(Command::new(engine).args([
        "image",
        "inspect",
        "--format",
        "{{.Config.User}}",
        &tag,
    ]));
    let _ = Command::new(engine).args(["rmi", "-f", &tag]).output();
    assert_eq!(
        version.trim(),
        format!("floe {}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(uid.trim(), "65532:65532");
}
