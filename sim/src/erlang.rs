//! Closed forms the runs are checked against: Erlang B (M/M/c/c, lost calls
//! cleared), Erlang C (M/M/c, FIFO, no abandonment) and Erlang A
//! (M/M/c+M: exponential patience, Palm 1943; Garnett, Mandelbaum and
//! Reiman 2002).
//!
//! Contract: pure functions; `None` for a model without a steady state
//! (no agents, a negative or non-finite load, Erlang C at load ≥ agents).
//!
//! Erlang A is evaluated from its birth-death chain (arrival rate λ; death
//! rate kμ for k ≤ c, cμ + (k−c)θ above), which is the model Palm and
//! Garnett et al. solve in closed form with incomplete gamma functions: the
//! stationary probabilities are summed until the tail is below 1e-16, which
//! is exact to double precision and cannot overflow (the terms are built by
//! ratios and renormalised).

/// Erlang B: the probability that a call offered `load` Erlangs finds all
/// `circuits` busy.
pub fn erlang_b(circuits: u32, load: f64) -> Option<f64> {
    if !(load.is_finite() && load >= 0.0) {
        return None;
    }
    // B(0) = 1; B(k) = A B(k−1) / (k + A B(k−1)): stable for any size.
    let mut b = 1.0;
    for k in 1..=circuits {
        b = load * b / (f64::from(k) + load * b);
    }
    Some(b)
}

/// Erlang C: the probability that a call waits, with `agents` agents and
/// `load` = λ/μ Erlangs.
pub fn erlang_c(agents: u32, load: f64) -> Option<f64> {
    if agents == 0 || !(load.is_finite() && load >= 0.0 && load < f64::from(agents)) {
        return None;
    }
    let b = erlang_b(agents, load)?;
    let c = f64::from(agents);
    Some(c * b / (c - load * (1.0 - b)))
}

/// Erlang C's average speed of answer (mean wait of all calls), seconds.
pub fn erlang_c_asa(agents: u32, load: f64, handle_s: f64) -> Option<f64> {
    Some(erlang_c(agents, load)? * handle_s / (f64::from(agents) - load))
}

/// Erlang C's service level: the share of calls answered within `t_s`.
pub fn erlang_c_service_level(agents: u32, load: f64, handle_s: f64, t_s: f64) -> Option<f64> {
    let c = erlang_c(agents, load)?;
    Some(1.0 - c * (-(f64::from(agents) - load) * t_s / handle_s).exp())
}

/// What Erlang A predicts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErlangA {
    /// Probability that an arrival waits (finds every agent busy).
    pub p_wait: f64,
    /// Probability that an arrival abandons.
    pub p_abandon: f64,
    /// Mean wait of all arrivals (served or not), seconds.
    pub mean_wait_s: f64,
    /// Agent occupancy: carried load / agents.
    pub occupancy: f64,
}

/// Erlang A with `agents`, arrivals `rate` per second, mean handling
/// `handle_s` and mean patience `patience_s` (all exponential).
pub fn erlang_a(agents: u32, rate: f64, handle_s: f64, patience_s: f64) -> Option<ErlangA> {
    let ok = |x: f64| x.is_finite() && x > 0.0;
    if agents == 0 || !(ok(rate) && ok(handle_s) && ok(patience_s)) {
        return None;
    }
    let (mu, theta, c) = (1.0 / handle_s, 1.0 / patience_s, f64::from(agents));
    // Unnormalised π_k, built by π_k = π_{k−1} λ / death(k), rescaled when large.
    let mut p = 1.0_f64;
    let (mut total, mut waiting, mut queue, mut busy) = (1.0_f64, 0.0_f64, 0.0_f64, 0.0_f64);
    let mut k: u64 = 0;
    loop {
        k += 1;
        let kf = k as f64;
        let death = if kf <= c { kf * mu } else { c * mu + (kf - c) * theta };
        p *= rate / death;
        total += p;
        if kf >= c {
            waiting += p;
        }
        queue += (kf - c).max(0.0) * p;
        busy += kf.min(c) * p;
        if p > 1e250 {
            let s = 1e-250;
            p *= s;
            total *= s;
            waiting *= s;
            queue *= s;
            busy *= s;
        }
        if (kf > c && p < total * 1e-17) || k > 10_000_000 {
            break;
        }
    }
    // P(wait) = Σ_{k≥c} π_k (an arrival sees the stationary state: PASTA).
    let p_wait = waiting / total;
    let mean_queue = queue / total;
    // Abandonment flow = θ E[Q] (each waiting customer leaves at rate θ).
    let p_abandon = theta * mean_queue / rate;
    Some(ErlangA {
        p_wait: p_wait.clamp(0.0, 1.0),
        p_abandon: p_abandon.clamp(0.0, 1.0),
        mean_wait_s: mean_queue / rate,
        occupancy: (busy / total) / c,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn erlang_b_textbook_values() {
        // 10 circuits, 5 Erlangs: B = 0.018385 (standard tables).
        assert!((erlang_b(10, 5.0).unwrap() - 0.018_385).abs() < 1e-6);
        assert!((erlang_b(1, 1.0).unwrap() - 0.5).abs() < 1e-12);
        assert_eq!(erlang_b(0, 1.0), Some(1.0));
    }

    #[test]
    fn erlang_c_textbook_values() {
        assert!((erlang_c(2, 1.0).unwrap() - 1.0 / 3.0).abs() < 1e-12);
        // 10 agents, 8 Erlangs: C = 0.409 (standard tables).
        assert!((erlang_c(10, 8.0).unwrap() - 0.4092).abs() < 1e-3);
        assert_eq!(erlang_c(3, 3.0), None);
        // Agrees with the business crate's copy.
        let b = ainsim_business::erlang::wait_probability(10, 8.0).unwrap();
        assert!((erlang_c(10, 8.0).unwrap() - b).abs() < 1e-12);
    }

    #[test]
    fn erlang_a_tends_to_erlang_c_as_patience_grows() {
        let a = erlang_a(10, 8.0 / 60.0, 60.0, 1e9).unwrap();
        let c = erlang_c(10, 8.0).unwrap();
        assert!((a.p_wait - c).abs() < 1e-4, "{a:?} vs {c}");
        assert!(a.p_abandon < 1e-5);
        let asa = erlang_c_asa(10, 8.0, 60.0).unwrap();
        assert!((a.mean_wait_s - asa).abs() / asa < 1e-3, "{a:?} vs {asa}");
    }

    #[test]
    fn erlang_a_with_one_agent_matches_its_closed_form() {
        // c = 1: against a direct sum over the birth-death chain.
        let (lambda, mu, theta) = (1.0, 1.0, 1.0);
        let mut pis = vec![1.0_f64];
        for k in 1..200u32 {
            let d = mu + f64::from(k - 1) * theta;
            let last = *pis.last().unwrap();
            pis.push(last * lambda / d);
        }
        let total: f64 = pis.iter().sum();
        let p_wait = pis.iter().skip(1).sum::<f64>() / total;
        let q: f64 = pis.iter().enumerate().skip(1).map(|(k, p)| (k as f64 - 1.0) * p).sum::<f64>() / total;
        let a = erlang_a(1, lambda, 1.0 / mu, 1.0 / theta).unwrap();
        assert!((a.p_wait - p_wait).abs() < 1e-12, "{a:?} {p_wait}");
        assert!((a.p_abandon - theta * q / lambda).abs() < 1e-12);
        // Over capacity it still has a steady state.
        let a = erlang_a(5, 2.0, 5.0, 30.0).unwrap();
        assert!(a.p_abandon > 0.0 && a.p_abandon < 1.0 && a.p_wait > 0.9, "{a:?}");
    }
}
