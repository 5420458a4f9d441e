//! A terminal progress bar (indicatif) behind the `progress::Progress` reporter.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Bytes-read progress on stderr.
#[derive(Debug, Clone)]
pub struct BarProgress {
    bar: ProgressBar,
}

impl BarProgress {
    pub fn new() -> Self {
        // Hidden until the work's size is known, so no empty bar flashes first.
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        BarProgress { bar }
    }
}

impl BarProgress {
    /// Run `write` with the bar hidden, so a log line does not tear it.
    pub fn suspend<R>(&self, write: impl FnOnce() -> R) -> R {
        self.bar.suspend(write)
    }
}

impl Default for BarProgress {
    fn default() -> Self {
        Self::new()
    }
}

impl crate::progress::Progress for BarProgress {
    fn start(&self, label: &str, total_bytes: u64) {
        self.bar.reset();
        self.bar.set_message(label.to_string());
        self.bar.set_length(total_bytes);
        self.bar.set_draw_target(ProgressDrawTarget::stderr());
    }
    fn advance(&self, bytes: u64) {
        self.bar.inc(bytes);
    }
    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
