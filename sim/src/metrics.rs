//! Streaming metrics: HDR histograms of delays, and batch means for
//! confidence intervals. Memory depends on the number of batches and the
//! histograms' range, never on the number of calls.
//!
//! Batch means (Law and Kelton, *Simulation Modeling and Analysis*, §9.5.3):
//! the measured calls are cut, in arrival order, into `b` batches of equal
//! size; each batch gives one estimate of a ratio (waited / arrived, …);
//! the estimates are close to independent when batches are long compared
//! with the queue's memory, so the mean ± t(b−1, 0.975) · s / √b is an
//! approximate 95 % confidence interval.

use hdrhistogram::Histogram;
use serde::Serialize;

/// A histogram of durations in microseconds, 3 significant digits, up to 1 day.
#[derive(Debug, Clone)]
pub struct Delays(Histogram<u64>);

impl Default for Delays {
    fn default() -> Self {
        // Bounds are constants that hdrhistogram accepts (1 µs .. 1 day, 3 digits).
        #[allow(clippy::unwrap_used)]
        Delays(Histogram::new_with_bounds(1, 86_400_000_000, 3).unwrap())
    }
}

/// Percentiles of a [`Delays`], milliseconds.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Percentiles {
    pub count: u64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

impl Delays {
    /// Records one delay, microseconds (clamped into the range).
    pub fn record(&mut self, micros: u64) {
        self.0.saturating_record(micros.max(1));
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &Delays) {
        let _ = self.0.add(&other.0);
    }

    pub fn count(&self) -> u64 {
        self.0.len()
    }

    /// p50 … max in milliseconds.
    pub fn percentiles(&self) -> Percentiles {
        let ms = |v: u64| v as f64 / 1000.0;
        if self.0.is_empty() {
            return Percentiles::default();
        }
        Percentiles {
            count: self.0.len(),
            mean_ms: self.0.mean() / 1000.0,
            p50_ms: ms(self.0.value_at_quantile(0.5)),
            p90_ms: ms(self.0.value_at_quantile(0.9)),
            p99_ms: ms(self.0.value_at_quantile(0.99)),
            p999_ms: ms(self.0.value_at_quantile(0.999)),
            max_ms: ms(self.0.max()),
        }
    }

    /// (milliseconds, cumulative share) points for a CDF plot.
    pub fn cdf(&self) -> Vec<(f64, f64)> {
        let n = self.0.len() as f64;
        if n == 0.0 {
            return Vec::new();
        }
        let mut seen = 0u64;
        self.0
            .iter_recorded()
            .map(|v| {
                seen += v.count_at_value();
                (v.value_iterated_to() as f64 / 1000.0, seen as f64 / n)
            })
            .collect()
    }
}

/// An estimate with its batch-means 95 % confidence interval.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Estimate {
    pub value: f64,
    /// Half-width of the 95 % interval (0 with fewer than 2 batches).
    pub ci95: f64,
}

impl Estimate {
    /// Whether `x` lies within the interval widened by `slack` (absolute).
    pub fn covers(&self, x: f64, slack: f64) -> bool {
        (self.value - x).abs() <= self.ci95 + slack
    }
}

/// Student's t at 0.975 for `df` degrees of freedom.
pub fn t975(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
        2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
        2.045, 2.042,
    ];
    match df {
        0 => f64::INFINITY,
        1..=30 => T[df - 1],
        31..=60 => 2.0,
        _ => 1.96,
    }
}

/// The batch-means estimate of the per-batch ratios `num / den`; `value`
/// is the pooled ratio Σnum / Σden.
pub fn batch_ratio(parts: &[(f64, f64)]) -> Estimate {
    let (sn, sd): (f64, f64) = parts.iter().fold((0.0, 0.0), |(a, b), (n, d)| (a + n, b + d));
    let value = if sd > 0.0 { sn / sd } else { 0.0 };
    let ratios: Vec<f64> = parts.iter().filter(|(_, d)| *d > 0.0).map(|(n, d)| n / d).collect();
    let b = ratios.len();
    if b < 2 {
        return Estimate { value, ci95: 0.0 };
    }
    let mean = ratios.iter().sum::<f64>() / b as f64;
    let var = ratios.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (b - 1) as f64;
    Estimate { value, ci95: t975(b - 1) * (var / b as f64).sqrt() }
}

/// Sums over one batch of calls.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Batch {
    /// Calls that arrived (sessions clicked, or trunk calls attempted).
    pub arrived: u64,
    /// ACD: waited at all (every agent busy on arrival).
    pub waited: u64,
    /// ACD: total wait of the calls an agent took, seconds.
    pub wait_s: f64,
    /// ACD: taken by an agent within the service-level threshold.
    pub within_sl: u64,
    /// ACD: left the queue (patience ran out).
    pub abandoned: u64,
    /// ACD: taken by an agent.
    pub served: u64,
    /// ACD: agent time given to the batch's calls (offer to end, plus wrap-up), seconds.
    pub busy_s: f64,
    /// First and last arrival of the batch, seconds since the start.
    pub first_s: f64,
    pub last_s: f64,
    /// Trunk: calls refused for want of a circuit (congestion).
    pub blocked: u64,
    /// Sessions or calls that failed for another reason.
    pub failed: u64,
    /// Calls that were answered.
    pub answered: u64,
    /// Basic calls: the called line was busy.
    pub busy: u64,
    /// Basic calls: rang unanswered until the caller gave up (or T9).
    pub no_answer: u64,
    /// Basic calls: released by a timer or given up without progress (faults, loss).
    pub timeouts: u64,
}

/// Batches of a run, filled as calls end.
#[derive(Debug, Clone)]
pub struct Batches {
    pub warmup: u64,
    pub size: u64,
    pub batches: Vec<Batch>,
}

impl Batches {
    /// `calls` measured calls after `warmup`, in `count` batches.
    pub fn new(warmup: u64, calls: u64, count: u32) -> Self {
        let count = u64::from(count.max(1));
        let size = calls.div_ceil(count).max(1);
        Batches { warmup, size, batches: vec![Batch::default(); usize::try_from(count).unwrap_or(1)] }
    }

    /// The batch of the call that arrived `index`-th (0-based), if measured.
    pub fn of(&mut self, index: u64) -> Option<&mut Batch> {
        let i = index.checked_sub(self.warmup)? / self.size;
        self.batches.get_mut(usize::try_from(i).ok()?)
    }

    /// Notes an arrival at `t_s`.
    pub fn arrive(&mut self, index: u64, t_s: f64) {
        if let Some(b) = self.of(index) {
            if b.arrived == 0 {
                b.first_s = t_s;
            }
            b.arrived += 1;
            b.last_s = t_s;
        }
    }

    /// Sums over every batch.
    pub fn total(&self) -> Batch {
        let mut t = Batch { first_s: f64::INFINITY, ..Batch::default() };
        for b in &self.batches {
            t.arrived += b.arrived;
            t.waited += b.waited;
            t.wait_s += b.wait_s;
            t.within_sl += b.within_sl;
            t.abandoned += b.abandoned;
            t.served += b.served;
            t.busy_s += b.busy_s;
            t.blocked += b.blocked;
            t.failed += b.failed;
            t.answered += b.answered;
            t.busy += b.busy;
            t.no_answer += b.no_answer;
            t.timeouts += b.timeouts;
            if b.arrived > 0 {
                t.first_s = t.first_s.min(b.first_s);
                t.last_s = t.last_s.max(b.last_s);
            }
        }
        if !t.first_s.is_finite() {
            t.first_s = 0.0;
        }
        t
    }

    /// The estimate of Σf / Σg over batches.
    pub fn ratio(&self, f: impl Fn(&Batch) -> f64, g: impl Fn(&Batch) -> f64) -> Estimate {
        let parts: Vec<(f64, f64)> = self.batches.iter().map(|b| (f(b), g(b))).collect();
        batch_ratio(&parts)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn batch_means_of_a_constant_have_no_width() {
        let e = batch_ratio(&[(1.0, 4.0), (2.0, 8.0), (3.0, 12.0)]);
        assert!((e.value - 0.25).abs() < 1e-12 && e.ci95 < 1e-12);
        let e = batch_ratio(&[(1.0, 4.0), (3.0, 4.0)]);
        assert!((e.value - 0.5).abs() < 1e-12 && e.ci95 > 1.0, "{e:?}");
    }

    #[test]
    fn calls_fall_into_their_batches_and_the_warmup_is_dropped() {
        let mut b = Batches::new(10, 100, 4);
        assert!(b.of(9).is_none());
        b.arrive(10, 1.0);
        b.arrive(35, 2.0);
        b.arrive(60, 3.0);
        assert!(b.of(110).is_none());
        assert_eq!(b.batches.iter().map(|x| x.arrived).collect::<Vec<_>>(), vec![1, 1, 1, 0]);
        assert_eq!(b.total().arrived, 3);
    }

    #[test]
    fn percentiles_come_back_in_milliseconds() {
        let mut d = Delays::default();
        for us in 1..=1000u64 {
            d.record(us * 1000);
        }
        let p = d.percentiles();
        assert!((p.p50_ms - 500.0).abs() < 1.0 && (p.p99_ms - 990.0).abs() < 2.0, "{p:?}");
        assert_eq!(d.cdf().last().map(|x| x.1), Some(1.0));
    }
}
