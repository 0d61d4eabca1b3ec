//! Two link ends wired back to back in virtual time: alignment, proving,
//! MSUs in order, loss and retransmission, T7, FCS handling, the link test.

use std::time::Duration;

use ainsim_wire::{Mtp2Repr, PointCode, Variant};
use proptest::prelude::*;

use super::*;

type DropFn = Box<dyn FnMut(usize, &Mtp2Repr) -> bool>;

/// Two ends, A and B; every datagram takes 1 ms; `drop` may eat datagrams.
struct Wire {
    ends: [Mtp2Link; 2],
    now: Instant,
    queue: Vec<(Instant, usize, Vec<u8>)>,
    got: [Vec<LinkOutput>; 2],
    /// Decoded units in flight order, "A>B MSU fsn=0" style.
    log: Vec<String>,
    drop: DropFn,
}

impl Wire {
    fn new(a: Mtp2Config, b: Mtp2Config) -> Self {
        Wire {
            ends: [Mtp2Link::new(a), Mtp2Link::new(b)],
            now: Instant::ZERO,
            queue: vec![],
            got: [vec![], vec![]],
            log: vec![],
            drop: Box::new(|_, _| false),
        }
    }

    fn take(&mut self, from: usize, out: Vec<LinkOutput>) {
        for o in out {
            match o {
                LinkOutput::Transmit(d) => {
                    let r = Mtp2Repr::parse(&d).expect("our units carry a valid FCS");
                    let name = match &r.unit {
                        SignalUnit::Fisu => "FISU".to_string(),
                        SignalUnit::Lssu { status, .. } => status.name().to_string(),
                        SignalUnit::Msu { .. } => format!("MSU fsn={}", r.fsn),
                    };
                    self.log.push(format!("{}>{} {name}", ["A", "B"][from], ["A", "B"][1 - from]));
                    if !(self.drop)(from, &r) {
                        self.queue.push((self.now.after(Duration::from_millis(1)), 1 - from, d));
                    }
                }
                other => self.got[from].push(other),
            }
        }
    }

    fn with(&mut self, i: usize, f: impl FnOnce(&mut Mtp2Link, Instant, &mut Vec<LinkOutput>)) {
        let mut out = vec![];
        f(&mut self.ends[i], self.now, &mut out);
        self.take(i, out);
    }

    fn run_for(&mut self, d: Duration) {
        let until = self.now.after(d);
        loop {
            let next_rx = self.queue.iter().map(|q| q.0).min();
            let next_t = self.ends.iter().filter_map(Mtp2Link::poll_at).min();
            let Some(t) = [next_rx, next_t].into_iter().flatten().min() else { break };
            if t > until {
                break;
            }
            self.now = t;
            if let Some(k) = self.queue.iter().position(|q| q.0 == t) {
                let (_, to, d) = self.queue.remove(k);
                self.with(to, |l, now, out| l.receive(now, &d, out));
            } else {
                for i in 0..2 {
                    if self.ends[i].poll_at().is_some_and(|x| x <= t) {
                        self.with(i, |l, now, out| l.on_timer(now, out));
                    }
                }
            }
        }
        self.now = until;
    }

    fn delivered(&self, i: usize) -> Vec<Vec<u8>> {
        self.got[i]
            .iter()
            .filter_map(|o| if let LinkOutput::Deliver(m) = o { Some(m.clone()) } else { None })
            .collect()
    }
}

fn fast() -> Mtp2Config {
    Mtp2Config { t4n: Duration::from_millis(500), ..Mtp2Config::default() }
}

fn msu(n: u8) -> Vec<u8> {
    vec![0x85, 2, 0, 0, 0, n, n, n]
}

fn aligned() -> Wire {
    let mut w = Wire::new(fast(), fast());
    w.with(0, |l, now, out| l.start(now, out));
    w.with(1, |l, now, out| l.start(now, out));
    w.run_for(Duration::from_secs(1));
    w
}

#[test]
fn two_ends_align_prove_and_come_in_service() {
    let w = aligned();
    assert!(w.ends.iter().all(Mtp2Link::in_service), "{:?}", w.log);
    assert_eq!(w.got[0], vec![LinkOutput::Up]);
    // The ladder: SIO, SIN while proving, then FISUs.
    let a: Vec<&str> = w.log.iter().filter(|l| l.starts_with("A>B")).map(|l| &l[4..]).collect();
    assert_eq!(a[0], "SIO");
    assert!(a.contains(&"SIN"));
    assert_eq!(*a.last().unwrap(), "FISU");
    // Idle FISUs at the fill interval, not per event: ~5 in 500 ms of proving.
    let sins = a.iter().filter(|s| **s == "SIN").count();
    assert!((4..=8).contains(&sins), "{sins} SINs");
}

#[test]
fn emergency_proving_is_shorter() {
    let cfg = Mtp2Config { emergency: true, ..Mtp2Config::default() };
    let mut w = Wire::new(cfg.clone(), cfg);
    w.with(0, |l, now, out| l.start(now, out));
    w.with(1, |l, now, out| l.start(now, out));
    w.run_for(Duration::from_millis(800));
    assert!(w.ends[0].in_service());
    assert!(w.log.iter().any(|l| l.ends_with("SIE")));
}

#[test]
fn msus_arrive_in_order_and_are_acknowledged() {
    let mut w = aligned();
    for n in 0..5 {
        w.with(0, |l, now, out| assert!(l.send_msu(now, &msu(n), out)));
    }
    w.run_for(Duration::from_millis(50));
    assert_eq!(w.delivered(1), (0..5).map(msu).collect::<Vec<_>>());
    assert!(w.ends[0].rtb.is_empty(), "all acknowledged");
    assert_eq!(w.ends[0].t7, None);
}

#[test]
fn a_lost_msu_is_nacked_and_retransmitted_in_order() {
    let mut w = aligned();
    let mut lost = false;
    w.drop = Box::new(move |from, r| {
        if from == 0 && r.fsn == 1 && matches!(r.unit, SignalUnit::Msu { .. }) && !lost {
            lost = true;
            return true;
        }
        false
    });
    for n in 0..4 {
        w.with(0, |l, now, out| assert!(l.send_msu(now, &msu(n), out)));
    }
    w.run_for(Duration::from_millis(50));
    assert_eq!(w.delivered(1), (0..4).map(msu).collect::<Vec<_>>());
    assert!(w.ends[1].counters().nacks_sent >= 1);
    assert!(w.ends[0].counters().retransmitted >= 1);
    assert!(w.ends[0].in_service());
}

#[test]
fn no_acknowledgement_within_t7_fails_the_link_and_it_realigns() {
    let mut w = aligned();
    // B goes deaf: nothing from B reaches A.
    w.drop = Box::new(|from, _| from == 1);
    w.with(0, |l, now, out| assert!(l.send_msu(now, &msu(9), out)));
    w.run_for(Duration::from_millis(1100));
    assert!(w.got[0].iter().any(|o| matches!(o, LinkOutput::Down(r) if r.contains("T7"))), "{:?}", w.got[0]);
    w.drop = Box::new(|_, _| false);
    w.run_for(Duration::from_secs(3));
    assert!(w.ends.iter().all(Mtp2Link::in_service), "realigned");
}

#[test]
fn zero_fcs_is_accepted_and_a_bad_one_is_counted_and_dropped() {
    let mut l = Mtp2Link::new(Mtp2Config { fcs: FcsPolicy::ValidOrZero, ..fast() });
    let mut out = vec![];
    l.start(Instant::ZERO, &mut out);
    // An SIO with a zero FCS (as libss7 writes it) aligns us.
    l.receive(Instant(10), &[0x7f, 0x7f, 0x01, 0x00, 0x00, 0x00], &mut out);
    assert_eq!(l.state(), LinkState::Aligned);
    assert_eq!(l.counters().fcs_zero, 1);
    l.receive(Instant(20), &[0x7f, 0x7f, 0x01, 0x03, 0x12, 0x34], &mut out);
    assert_eq!(l.state(), LinkState::Aligned, "SIOS with a bad FCS ignored");
    assert_eq!(l.counters().fcs_mismatch, 1);
}

#[test]
fn by_default_any_fcs_is_accepted_and_counted() {
    let mut l = Mtp2Link::new(fast());
    let mut out = vec![];
    l.start(Instant::ZERO, &mut out);
    l.receive(Instant(10), &[0x7f, 0x7f, 0x01, 0x00, 0x12, 0x34], &mut out);
    assert_eq!(l.state(), LinkState::Aligned);
    assert_eq!(l.counters().fcs_mismatch, 1);
}

fn test_cfg(v: Variant, me: u32, peer: u32) -> Mtp2Config {
    Mtp2Config {
        link_test: Some(LinkTest {
            variant: v,
            opc: PointCode(me),
            dpc: PointCode(peer),
            ni: 2,
            slc: 0,
            t1: Duration::from_secs(4),
        }),
        ..fast()
    }
}

#[test]
fn link_test_sltm_slta_and_tra_both_ways() {
    for v in [Variant::Itu, Variant::Ansi] {
        let mut w = Wire::new(test_cfg(v, 1, 2), test_cfg(v, 2, 1));
        w.with(0, |l, now, out| l.start(now, out));
        w.with(1, |l, now, out| l.start(now, out));
        w.run_for(Duration::from_secs(1));
        assert!(w.ends.iter().all(Mtp2Link::tested), "{v:?}");
        assert!(w.got[0].contains(&LinkOutput::Tested));
        assert_eq!(w.ends[0].counters().sltm_answered, 1);
        assert!(w.delivered(0).is_empty(), "SLTM/SLTA/TRA stay in the link");
        assert_eq!(w.ends[0].counters().tx_msus, 3, "SLTM, TRA, SLTA");
    }
}

#[test]
fn processor_outage_takes_the_link_down_and_back() {
    let mut w = aligned();
    w.with(0, |l, now, out| l.set_processor_outage(now, true, out));
    w.run_for(Duration::from_millis(20));
    assert_eq!(w.ends[1].state(), LinkState::ProcessorOutage);
    assert!(w.got[1].iter().any(|o| matches!(o, LinkOutput::Down(_))));
    w.with(0, |l, now, out| l.set_processor_outage(now, false, out));
    w.run_for(Duration::from_millis(200));
    assert!(w.ends.iter().all(Mtp2Link::in_service));
}

#[test]
fn two_consecutive_abnormal_bsns_fail_the_link() {
    let mut w = aligned();
    // A FISU acknowledging FSN 50, which A never sent: discarded, counted.
    let fisu = |bsn| {
        let r = Mtp2Repr {
            extended: false,
            bsn,
            bib: true,
            fsn: 127,
            fib: true,
            spare: 0,
            reserved: 0,
            unit: SignalUnit::Fisu,
        };
        r.to_bytes().unwrap()
    };
    w.with(0, |l, now, out| l.receive(now, &fisu(50), out));
    assert!(w.ends[0].in_service());
    w.with(0, |l, now, out| l.receive(now, &fisu(127), out));
    w.with(0, |l, now, out| l.receive(now, &fisu(50), out));
    assert!(w.ends[0].in_service(), "a good BSN in between resets the run");
    w.with(0, |l, now, out| l.receive(now, &fisu(51), out));
    assert!(!w.ends[0].in_service());
    assert_eq!(w.ends[0].counters().abnormal_bsn, 3);
    assert!(w.got[0].iter().any(|o| matches!(o, LinkOutput::Down(r) if r.contains("abnormal BSN"))));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
    #[test]
    fn never_panics_on_any_datagram(data in proptest::collection::vec(any::<u8>(), 0..40)) {
        let mut w = aligned();
        w.with(0, |l, now, out| l.receive(now, &data, out));
        let mut fcs = data.clone();
        if fcs.len() >= 2 { let n = fcs.len(); fcs[n - 2] = 0; fcs[n - 1] = 0; }
        w.with(0, |l, now, out| l.receive(now, &fcs, out));
        w.run_for(Duration::from_millis(30));
    }
}
