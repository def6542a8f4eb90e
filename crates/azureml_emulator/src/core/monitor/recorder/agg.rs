//! Sum/count/min/max of a set of samples: what every Azure Monitor aggregation is computed
//! from, and mergeable, so buckets combine into intervals and time grains.

/// The aggregate of some samples (empty when `count == 0`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Agg {
    pub(crate) sum: f64,
    pub(crate) count: u64,
    pub(crate) min: f64,
    pub(crate) max: f64,
}

impl Agg {
    /// One sample.
    pub(crate) fn single(value: f64) -> Self {
        Self {
            sum: value,
            count: 1,
            min: value,
            max: value,
        }
    }

    /// Adds one sample (non-finite values are ignored: they would poison every aggregate).
    pub(crate) fn add(&mut self, value: f64) {
        if value.is_finite() {
            self.merge(&Self::single(value));
        }
    }

    /// Adds the samples of `other`.
    pub(crate) fn merge(&mut self, other: &Self) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = *other;
            return;
        }
        self.sum += other.sum;
        self.count = self.count.saturating_add(other.count);
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The mean (`None` when empty).
    pub(crate) fn average(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum / self.count as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_and_ignores_non_finite_samples() {
        let mut a = Agg::default();
        assert!(a.is_empty() && a.average().is_none());
        a.add(2.0);
        a.add(f64::NAN);
        a.add(f64::INFINITY);
        let mut b = Agg::single(6.0);
        b.add(1.0);
        a.merge(&b);
        a.merge(&Agg::default());
        assert_eq!(
            a,
            Agg {
                sum: 9.0,
                count: 3,
                min: 1.0,
                max: 6.0
            }
        );
        assert_eq!(a.average(), Some(3.0));
    }
}
