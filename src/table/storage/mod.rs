//! Storage: table and file URIs turned into object stores (local, S3, GCS, Azure, memory),
//! iceberg's `FileIO` on them, credentials (static, chains, vended) and the fault-injecting
//! wrapper the failure tests use. Uses nothing else in `table`.

pub mod aws;
pub mod fault_injection;
pub mod file_io;
pub mod local_store;
pub mod stores;
pub mod vended_credentials;

pub use stores::{is_local, normalize_location, Stores};
