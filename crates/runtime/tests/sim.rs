//! The simulator's promises, each as a small story in virtual time:
//! determinism, link models, timers, and the fault verbs.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use ainsim_elements::{Instant, NodeId, Port, TimerId};
use ainsim_runtime::{Fate, Fault, Jitter, LinkKind, LinkModel, LossReason, Simulator};
use common::{cancel, ms, send, set, Probe, Seen};

const P0: Port = Port(0);

/// Two probes joined on port 0; `a` sends `frames` at start.
fn pair(seed: u64, model: LinkModel, frames: &[&[u8]]) -> (Simulator, NodeId, NodeId) {
    let mut sim = Simulator::new(seed);
    let a = sim.add_node("A", Probe::starting_with(frames.iter().map(|f| send(P0, f)).collect())).unwrap();
    let b = sim.add_node("B", Probe::new()).unwrap();
    sim.link((a, P0), (b, P0), LinkKind::Osn, model).unwrap();
    (sim, a, b)
}

fn probe(sim: &Simulator, n: NodeId) -> &Probe {
    sim.element::<Probe>(n).unwrap()
}

fn jittery() -> LinkModel {
    LinkModel::fixed(Duration::from_millis(5)).jitter(Jitter::Uniform(Duration::from_millis(2))).loss(0.1)
}

// ------------------------------------------------------------------ determinism

fn story_run(seed: u64) -> (Vec<u8>, Vec<ainsim_runtime::TraceEntry>) {
    let mut sim = common::story(seed, jittery(), LinkModel::fixed(Duration::from_millis(1)));
    sim.tap_pcap_memory();
    sim.start();
    sim.run_until(ms(60_000));
    (sim.pcap_bytes(), sim.trace().to_vec())
}

#[test]
fn one_seed_gives_byte_identical_pcaps_and_traces() {
    let (pcap1, trace1) = story_run(42);
    let (pcap2, trace2) = story_run(42);
    assert!(pcap1.len() > 24, "the pcap has frames");
    assert_eq!(pcap1, pcap2);
    assert_eq!(trace1, trace2);
}

#[test]
fn another_seed_gives_other_jitter() {
    let fates = |seed| -> Vec<Fate> { story_run(seed).1.iter().map(|e| e.fate).collect() };
    let runs: Vec<Vec<Fate>> = (1..=4).map(fates).collect();
    assert!(runs.windows(2).any(|w| w[0] != w[1]), "four seeds, one jitter: {runs:?}");
}

#[test]
fn adding_a_link_does_not_change_another_links_draws() {
    let frames: Vec<&[u8]> = vec![b"x"; 50];
    let arrivals = |extra: bool| {
        let mut sim = Simulator::new(7);
        if extra {
            let c = sim.add_node("C", Probe::starting_with(vec![send(P0, b"noise")])).unwrap();
            let d = sim.add_node("D", Probe::new()).unwrap();
            sim.link((c, P0), (d, P0), LinkKind::Osn, jittery()).unwrap();
        }
        let a =
            sim.add_node("A", Probe::starting_with(frames.iter().map(|f| send(P0, f)).collect())).unwrap();
        let b = sim.add_node("B", Probe::new()).unwrap();
        sim.link((a, P0), (b, P0), LinkKind::Osn, jittery()).unwrap();
        sim.start();
        sim.run_until_idle(ms(1000));
        probe(&sim, b).received().into_iter().map(|(t, _)| t).collect::<Vec<_>>()
    };
    assert_eq!(arrivals(false), arrivals(true));
}

#[test]
fn ties_are_broken_by_insertion_order() {
    // Three frames sent at once over a fixed-latency link arrive at the same
    // instant, in the order they were sent; timers set for one instant fire in
    // the order they were set.
    let mut sim = Simulator::new(1);
    let a = sim
        .add_node(
            "A",
            Probe::starting_with(vec![set(3, 10), set(1, 10), set(2, 10), send(P0, b"1"), send(P0, b"2")]),
        )
        .unwrap();
    let b = sim.add_node("B", Probe::new()).unwrap();
    sim.link((a, P0), (b, P0), LinkKind::Osn, LinkModel::fixed(Duration::ZERO)).unwrap();
    sim.start();
    sim.run_until_idle(ms(100));
    let fired: Vec<u64> = probe(&sim, a)
        .log
        .iter()
        .filter_map(|(_, s)| if let Seen::Timer(t) = s { Some(t.0) } else { None })
        .collect();
    assert_eq!(fired, [3, 1, 2]);
    let got: Vec<Vec<u8>> = probe(&sim, b).received().into_iter().map(|(_, b)| b).collect();
    assert_eq!(got, [b"1".to_vec(), b"2".to_vec()]);
}

// ------------------------------------------------------------------ link models

#[test]
fn latency_is_applied() {
    let (mut sim, a, b) = pair(1, LinkModel::fixed(Duration::from_millis(7)), &[b"ping"]);
    sim.start();
    assert_eq!(sim.run_until(ms(6)), 2, "two starts, nothing delivered yet");
    assert!(probe(&sim, b).received().is_empty());
    sim.run_until(ms(7));
    assert_eq!(probe(&sim, b).received(), [(ms(7), b"ping".to_vec())]);
    assert_eq!(sim.now(), ms(7));
    // And back the other way, echoed.
    sim.element_mut::<Probe>(b).unwrap().echo = true;
    sim.inject(b, P0, b"pong".to_vec());
    sim.run_until_idle(ms(100));
    assert_eq!(probe(&sim, a).received(), [(ms(14), b"pong".to_vec())]);
}

#[test]
fn jitter_stays_in_its_window_and_never_reorders() {
    let frames: Vec<Vec<u8>> = (0..200u32).map(|i| i.to_be_bytes().to_vec()).collect();
    let refs: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
    let model = LinkModel::fixed(Duration::from_millis(10)).jitter(Jitter::Uniform(Duration::from_millis(3)));
    let (mut sim, _, b) = pair(9, model, &refs);
    sim.start();
    sim.run_until_idle(ms(1000));
    let got = probe(&sim, b).received();
    assert_eq!(got.iter().map(|(_, b)| b.clone()).collect::<Vec<_>>(), frames, "in order");
    // FIFO can only push arrivals later, never below 7 ms; the first frame has no predecessor.
    assert!(got.iter().all(|(t, _)| *t >= ms(7)));
    assert!(got[0].0 <= ms(13));
    let distinct: std::collections::BTreeSet<Instant> = got.iter().map(|(t, _)| *t).collect();
    assert!(distinct.len() > 1, "jitter varies the delay");

    let model =
        LinkModel::fixed(Duration::from_millis(1)).jitter(Jitter::Exponential(Duration::from_millis(5)));
    let (mut sim, _, b) = pair(9, model, &refs);
    sim.start();
    sim.run_until_idle(ms(100_000));
    let got = probe(&sim, b).received();
    assert_eq!(got.len(), 200);
    assert!(got.iter().all(|(t, _)| *t >= ms(1)));
}

#[test]
fn loss_is_drawn_and_counted() {
    let frames: Vec<&[u8]> = vec![b"x"; 2000];
    let (mut sim, _, b) = pair(3, LinkModel::default().loss(0.25), &frames);
    sim.start();
    sim.run_until_idle(ms(1000));
    let st = sim.stats();
    let got = probe(&sim, b).received().len() as u64;
    assert_eq!(st.frames_sent, 2000);
    assert_eq!(st.frames_delivered, got);
    assert_eq!(st.lost_random + got, 2000);
    assert!((400..600).contains(&st.lost_random), "{} lost of 2000 at p = 0.25", st.lost_random);
    let link = sim.link_at(b, P0).unwrap();
    let ls = sim.link_stats(link);
    assert_eq!((ls.sent, ls.delivered, ls.lost), (2000, got, st.lost_random));
    let lost_in_trace = sim.trace().iter().filter(|e| e.fate == Fate::Lost(LossReason::Random)).count();
    assert_eq!(lost_in_trace as u64, st.lost_random);
}

// ------------------------------------------------------------------ timers

#[test]
fn timers_fire_move_and_cancel() {
    // At start: T1 at 10 ms, T2 at 20 ms, T3 at 30 ms, T4 at 40 ms; then T1
    // moved to 25 ms and T2 cancelled. When T1 fires it cancels T3 and moves
    // T4 to 35 ms. A timer set in the past fires at once.
    let mut p =
        Probe::starting_with(vec![set(1, 10), set(2, 20), set(3, 30), set(4, 40), set(1, 25), cancel(2)]);
    p.on_timer = vec![(TimerId(1), vec![cancel(3), set(4, 35), set(5, 0)])];
    let mut sim = Simulator::new(1);
    let a = sim.add_node("A", p).unwrap();
    sim.start();
    assert!(sim.run_until_idle(ms(1000)));
    let fired: Vec<(Instant, u64)> = probe(&sim, a)
        .log
        .iter()
        .filter_map(|(t, s)| if let Seen::Timer(id) = s { Some((*t, id.0)) } else { None })
        .collect();
    assert_eq!(fired, [(ms(25), 1), (ms(25), 5), (ms(35), 4)]);
    assert_eq!(sim.stats().timers_fired, 3);
    // Cancelled timers left in the queue do not move the clock.
    assert_eq!(sim.now(), ms(35));
    assert_eq!(sim.queued(), 0);
}

#[test]
fn step_processes_one_event_at_a_time() {
    let mut sim = Simulator::new(1);
    sim.add_node("A", Probe::starting_with(vec![set(1, 5), set(2, 9)])).unwrap();
    sim.start();
    assert_eq!(sim.step(), Some(ms(0)));
    assert_eq!(sim.next_event_time(), Some(ms(5)));
    assert_eq!(sim.step(), Some(ms(5)));
    assert_eq!(sim.step(), Some(ms(9)));
    assert_eq!(sim.step(), None);
    // run_until_idle reports a deadline it hit.
    let mut sim = Simulator::new(1);
    sim.add_node("A", Probe::starting_with(vec![set(1, 50)])).unwrap();
    sim.start();
    assert!(!sim.run_until_idle(ms(20)));
    assert_eq!(sim.now(), ms(20));
    assert!(sim.run_until_idle(ms(100)));
}

// ------------------------------------------------------------------ faults

#[test]
fn link_down_loses_frames_in_flight_and_tells_both_ends() {
    let (mut sim, a, b) = pair(1, LinkModel::fixed(Duration::from_millis(10)), &[b"one", b"two"]);
    let link = sim.link_at(a, P0).unwrap();
    sim.start();
    sim.schedule(ms(5), Fault::LinkDown(link));
    sim.run_until(ms(6));
    assert!(!sim.is_up(link));
    assert_eq!(sim.stats().lost_link_down, 2, "both frames were in flight");
    for n in [a, b] {
        assert_eq!(probe(&sim, n).log.last(), Some(&(ms(5), Seen::Link(P0, false))));
    }
    // Sending on a down link loses the frame too.
    sim.element_mut::<Probe>(b).unwrap().echo = true;
    sim.inject(b, P0, b"while down".to_vec());
    sim.run_until(ms(7));
    assert_eq!(sim.stats().lost_link_down, 3);
    sim.link_up(link);
    sim.inject(b, P0, b"after".to_vec());
    sim.run_until_idle(ms(100));
    assert_eq!(probe(&sim, a).log.iter().filter(|(_, s)| *s == Seen::Link(P0, true)).count(), 1);
    assert_eq!(probe(&sim, a).received(), [(ms(17), b"after".to_vec())]);
    assert!(probe(&sim, b).received().iter().all(|(_, f)| f != b"one" && f != b"two"));
    let fates: Vec<Fate> = sim.trace().iter().map(|e| e.fate).collect();
    assert_eq!(
        fates,
        [
            Fate::Lost(LossReason::LinkDown),
            Fate::Lost(LossReason::LinkDown),
            Fate::Lost(LossReason::LinkDown),
            Fate::Delivered(ms(17)),
        ]
    );
}

#[test]
fn a_crash_drops_timers_and_deliveries_and_a_restart_rebuilds() {
    let mut sim = Simulator::new(1);
    let a = sim.add_node("A", Probe::starting_with(vec![send(P0, b"early"), set(9, 8)])).unwrap();
    let mut p = Probe::new();
    p.on_timer = vec![(TimerId(7), vec![])];
    p.on_start = vec![set(7, 50)];
    let b = sim.add_node_with("B", move || p.clone()).unwrap();
    sim.link((a, P0), (b, P0), LinkKind::Osn, LinkModel::fixed(Duration::from_millis(10))).unwrap();
    // A sends again when its timer fires at 8 ms, while B is down.
    sim.element_mut::<Probe>(a).unwrap().on_timer = vec![(TimerId(9), vec![send(P0, b"late")])];
    sim.start();
    sim.run_until(ms(1));
    sim.crash(b);
    assert!(sim.is_crashed(b));
    sim.run_until(ms(30));
    assert_eq!(sim.stats().lost_crashed, 2, "one in flight at the crash, one sent to the crashed node");
    sim.restart(b);
    sim.run_until_idle(ms(200));
    // Rebuilt: the new B saw only its own start (at 30 ms) and its own timer
    // (at 50 ms); the old timer 7 did not fire twice.
    assert_eq!(probe(&sim, b).log, [(ms(30), Seen::Start), (ms(50), Seen::Timer(TimerId(7)))]);
}

#[test]
fn a_restart_without_a_factory_keeps_the_element() {
    let (mut sim, _, b) = pair(1, LinkModel::default(), &[b"x"]);
    sim.start();
    sim.run_until_idle(ms(10));
    sim.crash(b);
    sim.restart(b);
    sim.run_until_idle(ms(20));
    let log = &probe(&sim, b).log;
    assert_eq!(log.iter().filter(|(_, s)| *s == Seen::Start).count(), 2);
    assert_eq!(log.len(), 3);
}

#[test]
fn a_partition_cuts_silently_until_healed() {
    let mut sim = Simulator::new(1);
    let a = sim.add_node("A", Probe::new()).unwrap();
    let b = sim.add_node("B", Probe::new()).unwrap();
    let c = sim.add_node("C", Probe::new()).unwrap();
    sim.link((a, P0), (b, P0), LinkKind::Osn, LinkModel::default()).unwrap();
    sim.link((b, Port(1)), (c, P0), LinkKind::Osn, LinkModel::default()).unwrap();
    sim.start();
    sim.partition(&[a]);
    sim.element_mut::<Probe>(b).unwrap().echo = true;
    sim.inject(b, P0, b"to a".to_vec());
    sim.inject(b, Port(1), b"to c".to_vec());
    sim.run_until_idle(ms(100));
    assert!(probe(&sim, a).received().is_empty());
    assert_eq!(probe(&sim, c).received().len(), 1);
    assert_eq!(sim.stats().lost_partition, 1);
    assert!(!probe(&sim, a).log.iter().any(|(_, s)| matches!(s, Seen::Link(..))), "no link state");
    sim.heal();
    sim.inject(b, P0, b"to a again".to_vec());
    sim.run_until_idle(ms(200));
    assert_eq!(probe(&sim, a).received().len(), 1);
}

// ------------------------------------------------------------------ events and errors

#[test]
fn element_events_are_collected_and_counted() {
    let mut sim = common::story(
        5,
        LinkModel::fixed(Duration::from_millis(5)),
        LinkModel::fixed(Duration::from_millis(1)),
    );
    sim.start();
    sim.run_until_idle(ms(60_000));
    let c = sim.event_counts();
    assert_eq!(c.get("CallAttempt"), Some(&1));
    assert_eq!(c.get("Alerting"), Some(&1));
    assert_eq!(c.get("Released"), Some(&1));
    let ssp_b = sim.node_by_name("SSP-B").unwrap();
    assert_eq!(sim.event_count(ssp_b, "Answered"), 1);
    let first = &sim.events()[0];
    assert_eq!((first.at, &*first.name), (ms(1), "SSP-A"));
}

#[test]
fn topology_mistakes_are_errors() {
    let mut sim = Simulator::new(1);
    let a = sim.add_node("A", Probe::new()).unwrap();
    let b = sim.add_node("B", Probe::new()).unwrap();
    assert!(sim.add_node("A", Probe::new()).is_err());
    sim.link((a, P0), (b, P0), LinkKind::Ss7, LinkModel::default()).unwrap();
    let e = sim.link((a, P0), (b, Port(1)), LinkKind::Ss7, LinkModel::default()).unwrap_err();
    assert_eq!(e.to_string(), "sim: port Port(0) of A already has a link");
    assert!(sim.link((a, Port(5)), (NodeId(9), P0), LinkKind::Ss7, LinkModel::default()).is_err());
    // Sending on a port with no link is counted, not fatal.
    let c = sim.add_node("C", Probe::starting_with(vec![send(Port(3), b"nowhere")])).unwrap();
    sim.start();
    sim.run_until_idle(ms(1));
    assert_eq!(sim.stats().unconnected, 1);
    assert_eq!(sim.name(c), "C");
}

#[test]
fn a_pcap_written_to_a_file_equals_the_in_memory_one() {
    let run = |file: Option<&std::path::Path>| {
        let mut sim = common::story(8, jittery(), LinkModel::fixed(Duration::from_millis(1)));
        match file {
            Some(p) => sim.tap_pcap(Box::new(std::fs::File::create(p).unwrap())).unwrap(),
            None => sim.tap_pcap_memory(),
        }
        sim.start();
        sim.run_until(ms(60_000));
        let bytes = sim.pcap_bytes();
        sim.finish_pcap().unwrap();
        bytes
    };
    let path = std::env::temp_dir().join(format!("ainsim-sim-file-{}.pcap", std::process::id()));
    let memory = run(None);
    assert!(run(Some(&path)).is_empty(), "a file tap keeps nothing in memory");
    let on_disk = std::fs::read(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    assert_eq!(on_disk, memory);
}

#[test]
fn a_restarted_element_learns_which_links_are_down() {
    let (mut sim, a, b) = pair(1, LinkModel::default(), &[]);
    let link = sim.link_at(a, P0).unwrap();
    sim.start();
    sim.run_until(ms(1));
    sim.crash(b);
    sim.link_down(link);
    sim.run_until(ms(2));
    sim.restart(b);
    sim.run_until_idle(ms(10));
    assert_eq!(
        probe(&sim, b).log,
        [(ms(0), Seen::Start), (ms(2), Seen::Start), (ms(2), Seen::Link(P0, false))]
    );
    assert_eq!(probe(&sim, a).log, [(ms(0), Seen::Start), (ms(1), Seen::Link(P0, false))]);
}
