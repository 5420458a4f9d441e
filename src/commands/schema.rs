//! `floe schema`: show a table's schema (as a tree), or all of its schemas.

use anyhow::Result;

use super::context::{table_ref, Context};
use crate::ops::schema::{schema, FieldNode, SchemaReport};
use crate::ops::schema_evolve::{evolve, EvolveOptions, EvolveReport, Position};
use crate::output::{Block, Report, Tabular};

/// Show the schema as a tree, or every schema with --history; `schema evolve` changes it.
///
/// The tree lists ids, types, required and doc. With --history, every schema the table has
/// had and the snapshots written with it.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SchemaArgs {
    #[command(subcommand)]
    pub action: Option<SchemaAction>,
    /// Table location or identifier.
    pub table: Option<String>,
    /// Every schema, not just the current one.
    #[arg(long)]
    pub history: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum SchemaAction {
    /// Change the schema in ONE atomic step; field ids are kept, new columns get new ids.
    ///
    /// Nested columns are named parent.child (struct fields; list elements and map values
    /// are stepped through). Changes apply in this order: drop, rename, widen,
    /// make-optional, doc, add, move.
    Evolve(EvolveArgs),
}

#[derive(Debug, clap::Args)]
pub struct EvolveArgs {
    /// Table location or identifier.
    pub table: String,
    /// Add an optional column NAME:TYPE (primitive types; `parent.child:TYPE` inside a struct).
    #[arg(long = "add", value_name = "NAME:TYPE")]
    pub add: Vec<String>,
    /// Rename OLD:NEW (NEW is the new last name part).
    #[arg(long = "rename", value_name = "OLD:NEW")]
    pub rename: Vec<String>,
    /// Drop a column.
    #[arg(long = "drop", value_name = "NAME")]
    pub drop: Vec<String>,
    /// Widen NAME:TYPE (int to long, float to double, decimal precision up).
    #[arg(long = "widen", value_name = "NAME:TYPE")]
    pub widen: Vec<String>,
    /// Make the --add columns required. Refused on format v2 tables: rows already written
    /// would need a default, and v2 has no column defaults.
    #[arg(long, requires = "add")]
    pub required: bool,
    /// Make a required column optional.
    #[arg(long = "make-optional", value_name = "NAME")]
    pub make_optional: Vec<String>,
    /// Make an optional column required: refused, as Iceberg refuses it (files already
    /// written may hold nulls in it).
    #[arg(long = "make-required", value_name = "NAME")]
    pub make_required: Vec<String>,
    /// Set a column's doc: NAME:TEXT.
    #[arg(long = "doc", value_name = "NAME:TEXT")]
    pub doc: Vec<String>,
    /// Move NAME:first, NAME:after:OTHER or NAME:before:OTHER (among its siblings).
    #[arg(long = "move", value_name = "NAME:WHERE")]
    pub moves: Vec<String>,
    /// Set the identifier fields (comma-separated; required, non-floating primitives).
    #[arg(long = "identifier-fields", value_name = "A,B")]
    pub identifier_fields: Option<String>,
    /// Show the resulting schema without committing.
    #[arg(long)]
    pub dry_run: bool,
}

fn pair(text: &str, flag: &str) -> Result<(String, String)> {
    match text.split_once(':') {
        Some((a, b)) if !a.is_empty() && !b.is_empty() => {
            Ok((a.trim().to_string(), b.trim().to_string()))
        }
        _ => Err(crate::error::FloeError::usage(format!(
            "{flag} '{text}' should look like NAME:VALUE"
        ))
        .into()),
    }
}

impl Report for EvolveReport {
    fn blocks(&self) -> Vec<Block> {
        let mut blocks = vec![Block::Line(if self.dry_run {
            format!("would change the schema of {} (dry run):", self.table)
        } else {
            format!(
                "schema of {} is now {} (was {})",
                self.table,
                self.schema_id.map(|s| s.to_string()).unwrap_or_default(),
                self.previous_schema_id
            )
        })];
        for c in &self.changes {
            blocks.push(Block::Line(format!("  {c}")));
        }
        let mut t = Tabular::new(&["id", "name", "type", "required", "doc"]);
        rows(&self.fields, 0, &mut t);
        blocks.push(Block::Table(t));
        blocks
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&["id", "name", "type", "required", "doc"]);
        rows(&self.fields, 0, &mut t);
        t
    }
}

async fn run_evolve(args: EvolveArgs, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    let mut options = EvolveOptions {
        dry_run: args.dry_run,
        ..Default::default()
    };
    for a in &args.add {
        options.adds.push(pair(a, "--add")?);
    }
    for r in &args.rename {
        options.renames.push(pair(r, "--rename")?);
    }
    for w in &args.widen {
        options.widens.push(pair(w, "--widen")?);
    }
    for d in &args.doc {
        options.docs.push(pair(d, "--doc")?);
    }
    for m in &args.moves {
        let (name, place) = pair(m, "--move")?;
        let position = if place == "first" {
            Position::First
        } else if let Some(other) = place.strip_prefix("after:") {
            Position::After(other.to_string())
        } else if let Some(other) = place.strip_prefix("before:") {
            Position::Before(other.to_string())
        } else {
            return Err(crate::error::FloeError::usage(format!(
                "--move '{m}': use NAME:first, NAME:after:OTHER or NAME:before:OTHER"
            ))
            .into());
        };
        options.moves.push((name, position));
    }
    options.drops = args.drop;
    options.make_optional = args.make_optional;
    options.make_required = args.make_required;
    options.required_adds = args.required;
    options.identifier_fields = args.identifier_fields.map(|s| {
        s.split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect()
    });
    let report = evolve(&session, &table_ref(&args.table)?, options).await?;
    ctx.printer.print(&report)
}

fn rows(fields: &[FieldNode], depth: usize, t: &mut Tabular) {
    for f in fields {
        let name = format!("{}{}", "  ".repeat(depth), f.name);
        let short_type = if f.children.is_empty() {
            f.field_type.clone()
        } else {
            f.field_type.split('<').next().unwrap_or("").to_string()
        };
        t.row(vec![
            f.id.to_string(),
            name,
            short_type,
            f.required.to_string(),
            f.doc.clone().unwrap_or_default(),
        ]);
        rows(&f.children, depth + 1, t);
    }
}

impl Report for SchemaReport {
    fn blocks(&self) -> Vec<Block> {
        let mut blocks = vec![];
        for s in &self.schemas {
            let mut title = format!("Schema {} of {}", s.schema_id, self.table);
            if s.is_current {
                title.push_str(" (current)");
            }
            if !s.snapshot_ids.is_empty() {
                title.push_str(&format!(", used by {} snapshot(s)", s.snapshot_ids.len()));
            }
            blocks.push(Block::Title(title));
            let mut t = Tabular::new(&["id", "name", "type", "required", "doc"]);
            rows(&s.fields, 0, &mut t);
            blocks.push(Block::Table(t));
        }
        blocks
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&["id", "name", "type", "required", "doc"]);
        if let Some(s) = self
            .schemas
            .iter()
            .find(|s| s.is_current)
            .or(self.schemas.last())
        {
            rows(&s.fields, 0, &mut t);
        }
        t
    }
}

pub async fn run(args: SchemaArgs, ctx: &Context) -> Result<()> {
    if let Some(SchemaAction::Evolve(evolve_args)) = args.action {
        return run_evolve(evolve_args, ctx).await;
    }
    let table = args.table.ok_or_else(|| {
        crate::error::FloeError::usage("a table is required: floe schema TABLE [--history]")
    })?;
    let session = ctx.session()?;
    let report = schema(&session, &table_ref(&table)?, args.history).await?;
    ctx.printer.print(&report)
}
