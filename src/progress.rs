//! A small progress bar for long work (training, sampling), written to stderr.
//!
//! On a terminal it redraws one line in place with `\r`, at most ten times a second:
//!
//! ```text
//! train  [#########...............]  38%  380/1000  12.1s  ETA 19.7s  loss 1.23
//! ```
//!
//! When stderr is not a terminal (CI logs, `cargo test`, redirected output) it prints a
//! plain line only at every tenth of the work and at the end, so logs stay short.
//! [`Progress::hidden`] prints nothing. Timing only ever reaches stderr: no method returns
//! anything, so results cannot depend on how fast the machine is.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Width of the bar between the brackets, in characters.
const BAR_WIDTH: usize = 24;
/// Minimum time between two redraws on a terminal.
const REDRAW_INTERVAL: Duration = Duration::from_millis(100);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Redraw one line in place.
    Terminal,
    /// One line per tenth of the work.
    Plain,
    /// Print nothing.
    Hidden,
}

/// Progress of one long task of `total` steps, reported on stderr.
///
/// ```
/// # use destroy_then_generate::progress::Progress;
/// let mut progress = Progress::hidden();
/// for step in 1..=100 {
///     progress.set(step, &format!("loss {:.2}", 1.0 / step as f64));
/// }
/// progress.finish("done");
/// ```
#[derive(Debug)]
pub struct Progress {
    label: String,
    total: u64,
    mode: Mode,
    start: Instant,
    /// When the terminal line was last drawn.
    last_draw: Option<Instant>,
    /// Characters in the last terminal line, to blank out what a shorter line leaves.
    last_width: usize,
    /// Tenths of the work already reported in plain mode.
    tenths_reported: u64,
    finished: bool,
}

impl Progress {
    /// A progress report for `total` steps, labelled `label`, drawn in place when stderr
    /// is a terminal and as one line per tenth of the work otherwise.
    pub fn new(label: &str, total: u64) -> Self {
        let mode = if std::io::stderr().is_terminal() {
            Mode::Terminal
        } else {
            Mode::Plain
        };
        Self::with_mode(label, total, mode)
    }

    /// A progress report that prints nothing (for tests and notebooks).
    pub fn hidden() -> Self {
        Self::with_mode("", 0, Mode::Hidden)
    }

    fn with_mode(label: &str, total: u64, mode: Mode) -> Self {
        Progress {
            label: label.to_string(),
            total,
            mode,
            start: Instant::now(),
            last_draw: None,
            last_width: 0,
            tenths_reported: 0,
            finished: false,
        }
    }

    /// Records that `done` of the `total` steps are complete, with a short status
    /// `message` such as `loss 1.23  ELBO −0.45`.
    pub fn set(&mut self, done: u64, message: &str) {
        if self.finished {
            return;
        }
        let done = done.min(self.total);
        match self.mode {
            Mode::Hidden => {}
            Mode::Terminal => {
                let now = Instant::now();
                let due = self
                    .last_draw
                    .is_none_or(|last| now.duration_since(last) >= REDRAW_INTERVAL);
                if due || done == self.total {
                    self.last_draw = Some(now);
                    let line = self.line(done, message);
                    self.redraw(&line);
                }
            }
            Mode::Plain => {
                let tenths = tenths(done, self.total);
                if tenths > self.tenths_reported {
                    self.tenths_reported = tenths;
                    let line = self.line(done, message);
                    eprintln!("{line}");
                }
            }
        }
    }

    /// Marks the task complete and prints a last line with `message` (on a terminal, the
    /// bar at 100% followed by a newline). Later calls to `set` and `finish` do nothing.
    pub fn finish(&mut self, message: &str) {
        if self.finished {
            return;
        }
        self.finished = true;
        let line = self.line(self.total, message);
        match self.mode {
            Mode::Hidden => {}
            Mode::Terminal => {
                self.redraw(&line);
                eprintln!();
            }
            Mode::Plain => eprintln!("{line}"),
        }
    }

    /// One status line: label, bar (terminal only), percent, count, elapsed, ETA, message.
    fn line(&self, done: u64, message: &str) -> String {
        let elapsed = self.start.elapsed();
        let fraction = fraction(done, self.total);
        let mut line = self.label.clone();
        if self.mode == Mode::Terminal {
            line.push_str(&format!("  [{}]", bar(fraction)));
        }
        line.push_str(&format!(
            "  {:>3.0}%  {done}/{}  {}",
            100.0 * fraction,
            self.total,
            format_duration(elapsed)
        ));
        if done < self.total && done > 0 {
            let remaining = elapsed.as_secs_f64() * (self.total - done) as f64 / done as f64;
            line.push_str(&format!(
                "  ETA {}",
                format_duration(Duration::from_secs_f64(remaining))
            ));
        }
        if !message.is_empty() {
            line.push_str("  ");
            line.push_str(message);
        }
        line
    }

    /// Overwrites the terminal line with `line`, cut to the terminal's width.
    fn redraw(&mut self, line: &str) {
        let line: String = line
            .chars()
            .take(terminal_width().saturating_sub(1))
            .collect();
        let width = line.chars().count();
        let padding = " ".repeat(self.last_width.saturating_sub(width));
        self.last_width = width;
        let mut stderr = std::io::stderr().lock();
        // A progress bar must never stop the work it reports on: write errors are ignored.
        let _ = write!(stderr, "\r{line}{padding}");
        let _ = stderr.flush();
    }
}

impl Drop for Progress {
    /// Ends an unfinished terminal line, so that later output starts on a fresh line.
    fn drop(&mut self) {
        if self.mode == Mode::Terminal && self.last_draw.is_some() && !self.finished {
            eprintln!();
        }
    }
}

/// `done / total`, as 1 for an empty task.
fn fraction(done: u64, total: u64) -> f64 {
    if total == 0 {
        1.0
    } else {
        done as f64 / total as f64
    }
}

/// How many whole tenths of the task are done.
fn tenths(done: u64, total: u64) -> u64 {
    if total == 0 {
        10
    } else {
        (u128::from(done) * 10 / u128::from(total)) as u64
    }
}

/// `[#####......]` contents for a fraction in `[0, 1]`.
fn bar(fraction: f64) -> String {
    let filled = ((fraction * BAR_WIDTH as f64).floor() as usize).min(BAR_WIDTH);
    format!("{}{}", "#".repeat(filled), ".".repeat(BAR_WIDTH - filled))
}

/// `12.3s`, `4m05s` or `2h03m`.
fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds < 60.0 {
        format!("{seconds:.1}s")
    } else if seconds < 3600.0 {
        let whole = seconds as u64;
        format!("{}m{:02}s", whole / 60, whole % 60)
    } else {
        let minutes = seconds as u64 / 60;
        format!("{}h{:02}m", minutes / 60, minutes % 60)
    }
}

/// The terminal's width from `$COLUMNS` when set, else 100 columns.
fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|&c: &usize| c > 10)
        .unwrap_or(100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_mode_reports_each_tenth_once() {
        assert_eq!(tenths(0, 1000), 0);
        assert_eq!(tenths(99, 1000), 0);
        assert_eq!(tenths(100, 1000), 1);
        assert_eq!(tenths(1000, 1000), 10);
        assert_eq!(tenths(0, 0), 10);
        assert_eq!(tenths(u64::MAX, u64::MAX), 10);
    }

    #[test]
    fn the_bar_fills_in_proportion() {
        assert_eq!(bar(0.0), ".".repeat(BAR_WIDTH));
        assert_eq!(bar(0.5).matches('#').count(), BAR_WIDTH / 2);
        assert_eq!(bar(1.0), "#".repeat(BAR_WIDTH));
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(Duration::from_millis(12_345)), "12.3s");
        assert_eq!(format_duration(Duration::from_secs(245)), "4m05s");
        assert_eq!(format_duration(Duration::from_secs(7380)), "2h03m");
    }

    #[test]
    fn a_plain_line_has_count_and_message_and_no_bar() {
        let progress = Progress::with_mode("train", 1000, Mode::Plain);
        let line = progress.line(380, "loss 1.23");
        assert!(line.starts_with("train   38%  380/1000  "), "{line}");
        assert!(
            line.contains("ETA ") && line.ends_with("  loss 1.23"),
            "{line}"
        );
        assert!(!line.contains('['), "{line}");
        let progress = Progress::with_mode("train", 1000, Mode::Terminal);
        assert!(progress
            .line(1000, "")
            .contains(&format!("[{}]", "#".repeat(BAR_WIDTH))));
    }

    #[test]
    fn hidden_progress_accepts_any_calls() {
        let mut progress = Progress::hidden();
        progress.set(5, "beyond the total of 0");
        progress.finish("done");
        progress.finish("twice");
    }
}
