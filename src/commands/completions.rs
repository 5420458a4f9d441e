//! `floe completions SHELL`, and the generators for the committed completions/ and man/ files.

use std::path::Path;

use anyhow::Result;
use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, CompletionsArgs};

pub fn run(args: CompletionsArgs) -> Result<()> {
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "floe", &mut buf);
    crate::output::write_stdout(&buf)
}

/// The generated files: (relative path, contents). A test compares them with the committed
/// copies; `FLOE_REGENERATE=1 cargo test generated_files` rewrites them.
pub fn generated_files() -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = vec![];
    for (shell, name) in [
        (Shell::Bash, "floe.bash"),
        (Shell::Zsh, "_floe"),
        (Shell::Fish, "floe.fish"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "floe", &mut buf);
        out.push((format!("completions/{name}"), buf));
    }
    let command = Cli::command();
    let mut buf = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut buf)?;
    out.push(("man/floe.1".to_string(), buf));
    for sub in command.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        let name = format!("floe-{}", sub.get_name());
        let page = sub
            .clone()
            .name(Box::leak(name.clone().into_boxed_str()) as &'static str);
        let mut buf = Vec::new();
        clap_mangen::Man::new(page).render(&mut buf)?;
        out.push((format!("man/{name}.1"), buf));
    }
    Ok(out)
}

/// Write the generated files under `root`.
pub fn write_generated(root: &Path) -> Result<()> {
    for (rel, bytes) in generated_files()? {
        let path = root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, bytes)?;
    }
    Ok(())
}
