//! Cleaning up: expiring snapshots and the files only they reach, finding and removing
//! orphan files, the reachability walk both rely on, and verifying that every referenced file
//! is there. Uses everything else in `table`.

pub mod expire;
pub mod orphans;
pub mod reachable;
pub mod verify;
