//! The ACD as an M/M/c queue: Poisson arrivals, exponential handling, `c`
//! representatives, no wrap-up, nobody gives up. The share of callers who
//! had to wait, and their mean wait, should match Erlang C. Virtual time,
//! seeded: the same numbers on every run.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

use ainsim_business::{erlang, Acd, AcdConfig, CallId, CallSpec, Decision, SeededRng};
use ainsim_elements::Instant;

/// Exponential sample with this mean, in microseconds.
fn exp(rng: &mut SeededRng, mean_us: f64) -> u64 {
    (-rng.unit().ln() * mean_us) as u64
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Arrive,
    End(CallId),
}

struct Measured {
    waited: f64,
    mean_wait: f64,
}

fn simulate(agents: u32, load: f64, calls: u64, seed: u64) -> Measured {
    let handle_us = 180e6; // 3 minutes
    let gap_us = handle_us / load;
    let cfg = AcdConfig { wrap_up_ms: 0, soon_free_ms: 0, max_wait_ms: None, ..AcdConfig::default() };
    let mut acd = Acd::new(cfg, seed);
    for i in 0..agents {
        let id = format!("rep-{i}");
        acd.add_agent(&id, Default::default()).expect("agent");
        acd.set_status(Instant::ZERO, &id, ainsim_business::Status::Available).expect("log in");
    }
    let mut rng = SeededRng::new(seed);
    let mut events = BinaryHeap::new();
    events.push(Reverse((exp(&mut rng, gap_us), Ev::Arrive)));
    let mut arrived_at = std::collections::BTreeMap::new();
    let (mut next, mut served, mut waited, mut total_wait) = (0u64, 0u64, 0u64, 0u64);
    let warm_up = calls / 20;
    // Each offer is answered at once; the call then lasts an exponential time.
    let mut act = |acd: &mut Acd,
                   now: u64,
                   d: Vec<Decision>,
                   events: &mut BinaryHeap<_>,
                   rng: &mut SeededRng,
                   arrived_at: &mut std::collections::BTreeMap<CallId, u64>| {
        for x in d {
            if let Decision::Offer { call, .. } = x {
                acd.answered(Instant(now), call).expect("answer");
                events.push(Reverse((now + exp(rng, handle_us), Ev::End(call))));
                let start = arrived_at.remove(&call).unwrap_or(now);
                if call.0 >= warm_up {
                    served += 1;
                    if now > start {
                        waited += 1;
                        total_wait += now - start;
                    }
                }
            }
        }
    };
    while let Some(Reverse((now, ev))) = events.pop() {
        match ev {
            Ev::Arrive => {
                let id = CallId(next);
                next += 1;
                arrived_at.insert(id, now);

                let spec = CallSpec { id, skill: None, preferred: None, priority: 0, due: None };
                let d = acd.request(Instant(now), spec).expect("request");
                act(&mut acd, now, d, &mut events, &mut rng, &mut arrived_at);
                if next < calls {
                    events.push(Reverse((now + exp(&mut rng, gap_us), Ev::Arrive)));
                }
            }
            Ev::End(call) => {
                let d = acd.ended(Instant(now), call).expect("end");
                act(&mut acd, now, d, &mut events, &mut rng, &mut arrived_at);
            }
        }
        acd.check_invariants().expect("invariants");
    }
    assert!(acd.queue().is_empty(), "everyone served in the end");
    Measured {
        waited: waited as f64 / served as f64,
        mean_wait: Duration::from_micros(total_wait / served.max(1)).as_secs_f64() / (handle_us / 1e6),
    }
}

#[test]
fn four_representatives_at_three_erlangs_wait_as_erlang_c_says() {
    let m = simulate(4, 3.0, 60_000, 11);
    let p = erlang::wait_probability(4, 3.0).expect("stable");
    eprintln!("measured P(wait) {:.4} mean wait {:.4}", m.waited, m.mean_wait);
    let w = erlang::mean_wait(4, 3.0).expect("stable");
    assert!((m.waited - p).abs() < 0.03, "P(wait) measured {:.3}, Erlang C {p:.3}", m.waited);
    assert!(
        (m.mean_wait - w).abs() < 0.15 * w,
        "mean wait measured {:.3}, Erlang C {w:.3} (in handling times)",
        m.mean_wait
    );
}

#[test]
fn one_representative_at_half_load_waits_half_the_time() {
    let m = simulate(1, 0.5, 40_000, 5);
    assert!((m.waited - 0.5).abs() < 0.03, "P(wait) measured {:.3}, M/M/1 says 0.5", m.waited);
}
