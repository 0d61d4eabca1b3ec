//! Erlang C: the probability that a call must wait, and the mean wait, in
//! an M/M/c queue (Poisson arrivals, exponential handling, `c` agents, no
//! abandonment). Used to check the ACD's queue against theory.
//!
//! Contract: pure functions; `None` when the queue is unstable
//! (offered load ≥ agents) or there are no agents.

/// Probability of waiting with `agents` agents and `load` Erlangs (λ/μ).
pub fn wait_probability(agents: u32, load: f64) -> Option<f64> {
    if agents == 0 || !(0.0..f64::from(agents)).contains(&load) {
        return None;
    }
    // Erlang B by its stable recurrence, then C from B.
    let mut b = 1.0;
    for k in 1..=agents {
        b = load * b / (f64::from(k) + load * b);
    }
    let c = f64::from(agents);
    Some(c * b / (c - load * (1.0 - b)))
}

/// Mean wait in units of the mean handling time.
pub fn mean_wait(agents: u32, load: f64) -> Option<f64> {
    let p = wait_probability(agents, load)?;
    Some(p / (f64::from(agents) - load))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_values() {
        // One agent: P(wait) = ρ.
        let p = wait_probability(1, 0.5).unwrap_or_default();
        assert!((p - 0.5).abs() < 1e-12);
        // 2 agents, 1 Erlang: C = 1/3.
        let p = wait_probability(2, 1.0).unwrap_or_default();
        assert!((p - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(wait_probability(3, 3.0), None);
        assert_eq!(wait_probability(0, 0.1), None);
    }
}
