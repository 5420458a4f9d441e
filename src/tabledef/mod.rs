//! Table definitions from user input: schema files, partition and sort expressions.

pub mod expr;
pub mod schema_file;
