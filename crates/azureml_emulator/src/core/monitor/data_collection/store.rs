//! Collected records kept in memory (the fake workspace's data collector: the offline
//! workspace writes the same records to blob files instead).

use std::collections::VecDeque;

use super::records::CollectedRecord;

/// Most records kept; the oldest go first.
pub(crate) const MAX_COLLECTED: usize = 10_000;

#[derive(Debug, Default)]
pub(crate) struct CollectedData {
    records: VecDeque<CollectedRecord>,
    dropped: u64,
}

impl CollectedData {
    pub(crate) fn extend(&mut self, records: impl IntoIterator<Item = CollectedRecord>) {
        for r in records {
            self.records.push_back(r);
            if self.records.len() > MAX_COLLECTED {
                self.records.pop_front();
                self.dropped += 1;
            }
        }
    }

    pub(crate) fn all(&self) -> Vec<CollectedRecord> {
        self.records.iter().cloned().collect()
    }

    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }
}
