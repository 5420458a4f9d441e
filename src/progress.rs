//! How long work reports progress: a small trait below every layer that reports (`input/`
//! decoding files, `table/` writing them, `ops/` driving both), so none of them depends on a
//! layer above it. `output/` implements it with a progress bar; the default does nothing.

/// Progress of long work (bytes processed). The default does nothing.
pub trait Progress: Send + Sync {
    fn start(&self, _label: &str, _total_bytes: u64) {}
    fn advance(&self, _bytes: u64) {}
    fn finish(&self) {}
}

/// The silent reporter.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {}
