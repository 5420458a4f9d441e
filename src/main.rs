//! The `floe` binary: parse, run on a tokio runtime, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;
use floe::cli::Cli;
use floe::error::{hint_of, kind_of, message_of, ErrorKind, FloeError};
use floe::output::{json_log_line, ClosedPipe, LogFormat, OutputFormat};
use floe::progress::LogEvent;

// glibc's allocator hands freed column buffers back to the kernel and faults them in again on
// the next batch; mimalloc keeps them for reuse (a full-table aggregate ran 8% faster).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The C libraries underneath (zstd above all) still allocate with glibc's malloc. Every Parquet
/// column chunk read creates and frees a zstd context of about 160 KiB; with glibc's default
/// thresholds each free handed that memory back to the kernel (`madvise`) and the next
/// context faulted it in again, some 4,000 page faults in a full-table aggregate. Keeping
/// freed memory for reuse took 5% of the CPU time off that query. The bounds are generous
/// because only C code allocates here: Rust's data buffers go through mimalloc.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_freed_c_memory() {
    const MMAP_THRESHOLD: libc::c_int = 16 << 20;
    const TRIM_THRESHOLD: libc::c_int = 64 << 20;
    // SAFETY: mallopt only changes glibc's tuning parameters; called before any other thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_freed_c_memory() {}

fn main() -> ExitCode {
    keep_freed_c_memory();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let json = cli.global.output == OutputFormat::Json;
    let verbose = cli.global.verbose;
    let json_logs = cli.global.log_format == LogFormat::Json;
    let command = floe::commands::command_name(&cli.command);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let outcome = runtime.block_on(async {
        tokio::select! {
            result = floe::commands::run(cli) => result,
            _ = tokio::signal::ctrl_c() => Err(FloeError::new(ErrorKind::Interrupted, "interrupted").into()),
        }
    });
    // Don't wait for stray background work (an abandoned upload) on the way out.
    runtime.shutdown_background();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.downcast_ref::<ClosedPipe>().is_some() => ExitCode::SUCCESS,
        Err(e) if json_logs => {
            log_error(&e, &command);
            ExitCode::from(kind_of(&e).exit_code() as u8)
        }
        Err(e) => {
            report(&e, json, verbose);
            ExitCode::from(kind_of(&e).exit_code() as u8)
        }
    }
}

/// The failure as one JSON log line, the same fields `-o json` puts in its error document.
fn log_error(err: &anyhow::Error, command: &str) {
    let kind = kind_of(err);
    let event = LogEvent::error(message_of(err.as_ref()))
        .step(command)
        .field("command", command)
        .field("kind", kind.as_str())
        .field("exit_code", kind.exit_code())
        .field(
            "causes",
            err.chain().skip(1).map(message_of).collect::<Vec<_>>(),
        )
        .field("hint", hint_of(err));
    eprintln!("{}", json_log_line(&event));
}

fn report(err: &anyhow::Error, json: bool, verbose: bool) {
    let kind = kind_of(err);
    let message = message_of(err.as_ref());
    let causes: Vec<String> = err.chain().skip(1).map(message_of).collect();
    eprintln!("error: {message}");
    // Storage and iceberg errors repeat their sources inside their own message; print each
    // cause only when it adds something.
    let mut shown = vec![message.clone()];
    for cause in &causes {
        if verbose || !shown.iter().any(|s| s.contains(cause.as_str())) {
            eprintln!("caused by: {cause}");
            shown.push(cause.clone());
        }
    }
    if let Some(hint) = hint_of(err) {
        eprintln!("hint: {hint}");
    }
    if json {
        let doc = serde_json::json!({
            "error": {"kind": kind.as_str(), "message": message, "causes": causes, "hint": hint_of(err)}
        });
        eprintln!("{doc}");
    }
}
