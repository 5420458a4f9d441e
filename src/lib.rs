//! floe: administer Apache Iceberg tables on local disk and S3. The library behind the `floe`
//! binary; tests drive operations through it directly.

pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod input;
pub mod json_rows;
pub mod ops;
pub mod output;
pub mod policy;
pub mod progress;
pub mod struct_fill;
pub mod table;
pub mod tabledef;
pub mod units;
