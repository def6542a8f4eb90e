//! A bounded, shareable buffer of log lines (process output, venv builds).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// Lines kept per buffer; older lines are dropped first.
const MAX_LINES: usize = 10_000;

/// A cheap-to-clone handle on a bounded list of log lines.
#[derive(Clone, Default)]
pub(crate) struct LogBuffer {
    lines: Arc<Mutex<VecDeque<String>>>,
    /// Put in front of every pushed line (names the instance in a shared log).
    prefix: Option<Arc<str>>,
}

impl std::fmt::Debug for LogBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogBuffer").finish_non_exhaustive()
    }
}

impl LogBuffer {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// A handle on the same lines that prefixes what it pushes.
    pub(crate) fn with_prefix(&self, prefix: impl Into<String>) -> Self {
        Self {
            lines: self.lines.clone(),
            prefix: Some(Arc::from(prefix.into())),
        }
    }

    /// Appends one line (a trailing newline is removed).
    pub(crate) fn push(&self, line: impl Into<String>) {
        let mut line = line.into();
        if let Some(prefix) = &self.prefix {
            line.insert_str(0, prefix);
        }
        while line.ends_with('\n') || line.ends_with('\r') {
            line.pop();
        }
        let mut lines = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        if lines.len() == MAX_LINES {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    /// The last `n` lines (all when `n` is `None`), joined with newlines.
    pub(crate) fn tail(&self, n: Option<usize>) -> String {
        let lines = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        let skip = n.map_or(0, |n| lines.len().saturating_sub(n));
        let mut out = String::new();
        for line in lines.iter().skip(skip) {
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    /// True when any line contains `needle`.
    #[cfg(test)]
    pub(crate) fn contains(&self, needle: &str) -> bool {
        let lines = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        lines.iter().any(|l| l.contains(needle))
    }

    /// Number of lines held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lines.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_returns_last_lines_and_is_bounded() {
        let log = LogBuffer::new();
        for i in 0..(MAX_LINES + 5) {
            log.push(format!("line {i}\n"));
        }
        assert_eq!(log.len(), MAX_LINES);
        assert_eq!(
            log.tail(Some(2)),
            format!("line {}\nline {}\n", MAX_LINES + 3, MAX_LINES + 4)
        );
        assert!(log.contains("line 5"));
        assert!(!log.contains("line 4\n"));
        assert_eq!(log.tail(Some(0)), "");
        log.with_prefix("[instance 1] ").push("hello");
        assert_eq!(log.tail(Some(1)), "[instance 1] hello\n");
    }
}
