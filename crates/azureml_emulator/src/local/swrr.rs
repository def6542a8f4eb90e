//! Smooth weighted round-robin (nginx's): deterministic, and every prefix of the sequence
//! stays within one pick of the exact weights, so a 90/10 split is exact over 10 000 calls.

/// A smooth weighted round-robin over named targets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Swrr {
    entries: Vec<(String, i64, i64)>, // (name, weight, current)
    total: i64,
}

impl Swrr {
    /// Targets with positive weight take part; the rest are ignored.
    pub(crate) fn new<'a>(weights: impl IntoIterator<Item = (&'a str, u32)>) -> Self {
        let entries: Vec<(String, i64, i64)> = weights
            .into_iter()
            .filter(|(_, w)| *w > 0)
            .map(|(n, w)| (n.to_owned(), i64::from(w), 0))
            .collect();
        let total = entries.iter().map(|e| e.1).sum();
        Self { entries, total }
    }

    /// True when these are the same targets and weights (the running state may differ).
    pub(crate) fn same_weights(&self, other: &Swrr) -> bool {
        self.entries.len() == other.entries.len()
            && self
                .entries
                .iter()
                .zip(&other.entries)
                .all(|(a, b)| a.0 == b.0 && a.1 == b.1)
    }

    /// The next target, or `None` when no target has weight.
    pub(crate) fn pick(&mut self) -> Option<&str> {
        if self.total <= 0 {
            return None;
        }
        for entry in &mut self.entries {
            entry.2 += entry.1;
        }
        // The first of the largest current weights wins, as in nginx.
        let mut best = 0;
        for (i, entry) in self.entries.iter().enumerate() {
            if entry.2 > self.entries[best].2 {
                best = i;
            }
        }
        let total = self.total;
        let chosen = self.entries.get_mut(best)?;
        chosen.2 -= total;
        Some(chosen.0.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn counts(weights: &[(&str, u32)], calls: usize) -> HashMap<String, usize> {
        let mut s = Swrr::new(weights.iter().copied());
        let mut out = HashMap::new();
        for _ in 0..calls {
            *out.entry(s.pick().unwrap().to_owned()).or_default() += 1;
        }
        out
    }

    #[test]
    fn ninety_ten_is_exact_over_ten_thousand() {
        let c = counts(&[("blue", 90), ("green", 10)], 10_000);
        assert_eq!(c["blue"], 9_000);
        assert_eq!(c["green"], 1_000);
    }

    #[test]
    fn smooth_no_long_runs_of_the_small_weight() {
        let mut s = Swrr::new([("a", 5), ("b", 1), ("c", 1)]);
        let seq: Vec<String> = (0..7).map(|_| s.pick().unwrap().to_owned()).collect();
        assert_eq!(seq, ["a", "a", "b", "a", "c", "a", "a"]);
    }

    #[test]
    fn zero_weights_route_nowhere() {
        let mut s = Swrr::new([("blue", 0), ("green", 0)]);
        assert_eq!(s.pick(), None);
        let c = counts(&[("blue", 0), ("green", 100)], 10);
        assert_eq!(c.get("blue"), None);
        assert_eq!(c["green"], 10);
    }

    #[test]
    fn weight_changes_are_detected() {
        let a = Swrr::new([("blue", 90), ("green", 10)]);
        let mut b = Swrr::new([("blue", 90), ("green", 10)]);
        b.pick();
        assert!(a.same_weights(&b));
        assert!(!a.same_weights(&Swrr::new([("blue", 50), ("green", 50)])));
    }
}
