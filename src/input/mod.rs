//! Input files for ingest and `create --like`: finding them (paths, globs, directories, `s3://`),
//! reading them as Arrow batches, inferring schemas, conforming them to a table schema.

pub mod conform;
pub mod infer;
pub mod read;

use anyhow::Result;
use serde::Serialize;

use crate::error::FloeError;
use crate::table::{is_local, normalize_location, Stores};

/// A file format floe reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Parquet,
    Csv,
    /// Newline-delimited JSON (one object per line).
    Json,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FormatChoice {
    #[default]
    Auto,
    Parquet,
    Csv,
    Json,
}

impl FormatChoice {
    fn fixed(self) -> Option<Format> {
        match self {
            FormatChoice::Auto => None,
            FormatChoice::Parquet => Some(Format::Parquet),
            FormatChoice::Csv => Some(Format::Csv),
            FormatChoice::Json => Some(Format::Json),
        }
    }
}

/// One input file to read.
#[derive(Debug, Clone, Serialize)]
pub struct InputFile {
    pub location: String,
    pub format: Format,
    pub size_bytes: u64,
}

/// The format a file name says it has.
pub fn format_from_name(name: &str) -> Option<Format> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".parquet") || lower.ends_with(".pq") {
        Some(Format::Parquet)
    } else if lower.ends_with(".csv") || lower.ends_with(".tsv") {
        Some(Format::Csv)
    } else if lower.ends_with(".json") || lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
        Some(Format::Json)
    } else {
        None
    }
}

fn has_glob(text: &str) -> bool {
    text.contains(['*', '?', '['])
}

fn resolve_format(location: &str, choice: FormatChoice) -> Result<Format> {
    if let Some(f) = choice.fixed() {
        return Ok(f);
    }
    format_from_name(location).ok_or_else(|| {
        FloeError::usage(format!(
            "cannot tell the format of {location} from its name"
        ))
        .with_hint("pass --format parquet|csv|json")
        .into()
    })
}

/// Expand paths, globs and directories into input files, in a stable order.
pub async fn expand(
    args: &[String],
    choice: FormatChoice,
    stores: &Stores,
) -> Result<Vec<InputFile>> {
    let mut out: Vec<InputFile> = vec![];
    for arg in args {
        let before = out.len();
        if is_local(arg) {
            let local = normalize_location(arg)?;
            if has_glob(arg) {
                let matches = glob::glob(&local)
                    .map_err(|e| FloeError::usage(format!("bad glob pattern '{arg}': {e}")))?;
                for entry in matches {
                    let path = entry?;
                    if path.is_file() {
                        let location = path.to_string_lossy().to_string();
                        let size = path.metadata()?.len();
                        out.push(InputFile {
                            format: resolve_format(&location, choice)?,
                            location,
                            size_bytes: size,
                        });
                    }
                }
            } else {
                let path = std::path::Path::new(&local);
                if path.is_dir() {
                    let mut files = vec![];
                    collect_dir(path, &mut files)?;
                    files.sort();
                    for location in files {
                        let format = match choice.fixed() {
                            Some(f) => f,
                            None => match format_from_name(&location) {
                                Some(f) => f,
                                None => continue,
                            },
                        };
                        let size = std::fs::metadata(&location)?.len();
                        out.push(InputFile {
                            location,
                            format,
                            size_bytes: size,
                        });
                    }
                } else if path.is_file() {
                    let size = path.metadata()?.len();
                    out.push(InputFile {
                        format: resolve_format(&local, choice)?,
                        location: local,
                        size_bytes: size,
                    });
                } else {
                    return Err(
                        FloeError::not_found(format!("input file {arg} does not exist")).into(),
                    );
                }
            }
        } else {
            let location = normalize_location(arg)?;
            if has_glob(&location) {
                let cut = location.find(['*', '?', '[']).expect("has glob");
                let prefix = &location[..location[..cut].rfind('/').unwrap_or(0)];
                let pattern = glob::Pattern::new(&location)
                    .map_err(|e| FloeError::usage(format!("bad glob pattern '{arg}': {e}")))?;
                let mut listed = stores.list(prefix).await?;
                listed.sort_by(|a, b| a.location.cmp(&b.location));
                for object in listed {
                    if pattern.matches(&object.location) {
                        out.push(InputFile {
                            format: resolve_format(&object.location, choice)?,
                            location: object.location,
                            size_bytes: object.size_bytes,
                        });
                    }
                }
            } else if stores.exists(&location).await? {
                let size = stores.size(&location).await?;
                out.push(InputFile {
                    format: resolve_format(&location, choice)?,
                    location,
                    size_bytes: size,
                });
            } else {
                let mut listed = stores.list(&location).await?;
                listed.sort_by(|a, b| a.location.cmp(&b.location));
                if listed.is_empty() {
                    return Err(FloeError::not_found(format!("input {arg} does not exist")).into());
                }
                for object in listed {
                    let format = match choice
                        .fixed()
                        .or_else(|| format_from_name(&object.location))
                    {
                        Some(f) => f,
                        None => continue,
                    };
                    out.push(InputFile {
                        location: object.location,
                        format,
                        size_bytes: object.size_bytes,
                    });
                }
            }
        }
        if out.len() == before {
            return Err(FloeError::not_found(format!("no input files match {arg}")).into());
        }
    }
    Ok(out)
}

fn collect_dir(dir: &std::path::Path, out: &mut Vec<String>) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with('.') || name.starts_with('_') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            collect_dir(&path, out)?;
        } else {
            out.push(path.to_string_lossy().to_string());
        }
    }
    Ok(())
}
