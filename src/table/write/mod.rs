//! Writing files: data files (sized, partitioned, split by partition), position and equality
//! delete files, deletion vectors, key sets for upserts, copy-on-write rewrites of kept rows, and exports. Uses
//! `storage`, and `read` where a writer first reads the rows it keeps or matches.

pub mod data_writer;
pub mod delete_writer;
pub mod deletion_vector_writer;
pub mod export;
pub mod file_sizing;
pub mod key_set;
pub mod partition_path;
pub mod partition_split;
pub mod row_rewrite;

pub use data_writer::{TableDataWriter, WriteSettings};
