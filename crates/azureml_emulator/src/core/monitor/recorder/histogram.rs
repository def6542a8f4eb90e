//! Request latencies kept for percentiles in bounded memory: a sparse log histogram, 128 cells
//! per doubling (each cell spans 0.54 %, so latencies 1 % apart never share one), each cell
//! remembering the sum of its samples so that a percentile falling in a cell of equal samples is
//! exact and any other is within 0.54 %.

/// Cells per doubling of the latency.
const CELLS_PER_OCTAVE: f64 = 128.0;
/// Latencies are kept in microseconds from 1 µs to 2^36 µs (~19 h); longer ones share the last
/// cell. Cells exist only where samples fell: 16 bytes × 128 per doubling the latencies span
/// (2 KiB for latencies within a factor of two), 74 KiB at the very most.
const MAX_CELL: u16 = 36 * 128;

#[derive(Clone, Copy, Debug, PartialEq)]
struct Cell {
    index: u16,
    count: u32,
    sum_ms: f64,
}

/// Latencies in milliseconds, bucketed logarithmically.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Histogram {
    /// Sorted by `index`.
    cells: Vec<Cell>,
}

fn cell_of(ms: f64) -> u16 {
    let micros = (ms * 1_000.0).max(1.0);
    let index = (micros.log2() * CELLS_PER_OCTAVE).floor();
    if index.is_finite() && index > 0.0 {
        // In range by the `min` above: a u16 holds MAX_CELL.
        index.min(f64::from(MAX_CELL)) as u16
    } else {
        0
    }
}

impl Histogram {
    /// Adds one latency (negative and non-finite values are ignored).
    pub(crate) fn add(&mut self, ms: f64) {
        if ms.is_finite() && ms >= 0.0 {
            self.add_cell(Cell {
                index: cell_of(ms),
                count: 1,
                sum_ms: ms,
            });
        }
    }

    fn add_cell(&mut self, cell: Cell) {
        match self.cells.binary_search_by_key(&cell.index, |c| c.index) {
            Ok(i) => {
                if let Some(c) = self.cells.get_mut(i) {
                    c.count = c.count.saturating_add(cell.count);
                    c.sum_ms += cell.sum_ms;
                }
            }
            Err(i) => self.cells.insert(i, cell),
        }
    }

    /// Adds every sample of `other`.
    pub(crate) fn merge(&mut self, other: &Histogram) {
        for cell in &other.cells {
            self.add_cell(*cell);
        }
    }

    /// Number of samples.
    pub(crate) fn count(&self) -> u64 {
        self.cells.iter().map(|c| u64::from(c.count)).sum()
    }

    /// The nearest-rank `q` quantile (0 < q ≤ 1): the mean of the samples in the cell holding
    /// the rank. `None` when empty.
    pub(crate) fn quantile(&self, q: f64) -> Option<f64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * n as f64).ceil() as u64).clamp(1, n);
        let mut seen = 0u64;
        for cell in &self.cells {
            seen += u64::from(cell.count);
            if seen >= rank {
                return Some(cell.sum_ms / f64::from(cell.count.max(1)));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_latencies_give_exact_percentiles() {
        let mut h = Histogram::default();
        for ms in 1..=100 {
            h.add(f64::from(ms));
        }
        assert_eq!(h.count(), 100);
        assert_eq!(h.quantile(0.5), Some(50.0));
        assert_eq!(h.quantile(0.9), Some(90.0));
        assert_eq!(h.quantile(0.99), Some(99.0));
        assert_eq!(h.quantile(1.0), Some(100.0));
    }

    #[test]
    fn close_latencies_share_a_cell_within_one_percent() {
        let mut h = Histogram::default();
        for us in 0..1_000 {
            h.add(100.0 + f64::from(us) / 1_000.0);
        }
        let p50 = h.quantile(0.5).unwrap_or_default();
        assert!((p50 - 100.5).abs() / 100.5 < 0.011, "{p50}");
    }

    #[test]
    fn merges_bounds_memory_and_ignores_garbage() {
        let mut a = Histogram::default();
        let mut b = Histogram::default();
        a.add(10.0);
        b.add(10.0);
        b.add(1e12);
        b.add(0.0);
        b.add(-1.0);
        b.add(f64::NAN);
        a.merge(&b);
        assert_eq!(a.count(), 4);
        assert_eq!(a.quantile(0.75), Some(10.0));
        assert_eq!(a.quantile(0.01), Some(0.0));
        let mut wide = Histogram::default();
        for i in 0..100_000 {
            wide.add(f64::from(i) * 37.0);
        }
        assert!(wide.cells.len() <= usize::from(MAX_CELL) + 1);
        assert_eq!(Histogram::default().quantile(0.5), None);
    }
}
