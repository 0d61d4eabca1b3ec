//! Whole-network stories in simulated time, on the default topology (the
//! seed's Fig. 1) or small variations of it: every element is the real one,
//! every frame is encoded by its sender and parsed by its receiver.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use ainsim_elements::{Instant, PlacedCall, Port, WhenCalled};
use ainsim_runtime::ladder::label;
use ainsim_runtime::topology::{Network, Topology, SWITCH_SS7_BASE};
use ainsim_runtime::{Fate, Fault, LinkKind};
use ainsim_wire::stack::{Frame, Start};
use ainsim_wire::Variant;

const S: Duration = Duration::from_secs(1);

fn call(at: Duration, to: &str, holding: Option<Duration>) -> PlacedCall {
    PlacedCall { at, to: to.into(), holding, give_up_after: Some(Duration::from_secs(200)) }
}

fn start(t: &Topology, v: Variant, seed: u64) -> Network {
    let mut net = t.plan(Some(v)).unwrap().simulate(seed).unwrap();
    net.sim.start();
    net
}

/// ISUP messages between two switches on SS7 links, as "SENDER MSG" labels.
fn isup_ladder(net: &Network) -> Vec<String> {
    net.sim
        .trace()
        .iter()
        .filter(|e| e.kind == LinkKind::Ss7)
        .filter(|e| e.from_name.starts_with("SSP"))
        .map(|e| format!("{} {}", e.from_name, label(e.kind, &e.bytes, net.variant)))
        .filter(|l| !l.contains("GRS") && !l.contains("GRA"))
        .collect()
}

fn at_s(i: Option<Instant>) -> f64 {
    i.map_or(-1.0, |i| i.micros() as f64 / 1e6)
}

#[test]
fn answered_busy_unallocated_in_both_variants() {
    for v in [Variant::Itu, Variant::Ansi] {
        let mut t = Topology::default_fig1();
        t.phone_mut("2015550100").calls.push(call(S, "2125550143", Some(5 * S)));
        t.phone_mut("2125550142").calls.push(call(S, "2125550144", None));
        t.phone_mut("2015550101").calls.push(call(S, "3035550000", None));
        let mut net = start(&t, v, 1);
        net.sim.run_for(60 * S);

        let a = net.line_report("2015550100");
        assert_eq!(a.causes, vec![16], "{v}: {a:?}");
        // SSP-C's phone answers 4 s after ringing; the ring arrives after two SS7 hops.
        assert!((5.0..5.1).contains(&at_s(a.answered)), "{v}: {a:?}");
        let c = net.line_report("2125550143");
        assert!(c.answered.is_some() && c.causes == vec![16], "{v}: {c:?}");

        assert_eq!(net.line_report("2125550142").causes, vec![17], "{v}: busy");
        assert_eq!(net.line_report("2015550101").causes, vec![1], "{v}: unallocated");

        let ladder = isup_ladder(&net);
        let want = ["SSP-A IAM", "SSP-C ACM", "SSP-C ANM", "SSP-A REL 16", "SSP-C RLC"];
        let mut it = ladder.iter();
        for w in want {
            assert!(it.any(|l| l.starts_with(w)), "{v}: {w} missing in order from {ladder:?}");
        }
        assert_eq!(net.sim.stats().lost(), 0);
    }
}

#[test]
fn the_called_party_hangs_up_first() {
    let mut t = Topology::default_fig1();
    t.phone_mut("2015550100").calls.push(call(S, "2125550142", None));
    t.phone_mut("2125550142").holding = Some(3 * S);
    let mut net = start(&t, Variant::Itu, 2);
    net.sim.run_for(60 * S);
    // Q.764 §2.5.2: the called party's on-hook suspends the call (SUS,
    // network initiated); T6 (30 s) at the controlling exchange then
    // releases it with cause 102, recovery on timer expiry.
    let ladder = isup_ladder(&net);
    let want = ["SSP-B ANM", "SSP-B SUS", "SSP-A REL 102", "SSP-B RLC"];
    let mut it = ladder.iter();
    for w in want {
        assert!(it.any(|l| l.starts_with(w)), "{w} missing in order from {ladder:?}");
    }
    let sus = net.sim.trace().iter().find(|e| label(e.kind, &e.bytes, net.variant) == "SUS").unwrap().sent;
    let rel =
        net.sim.trace().iter().find(|e| label(e.kind, &e.bytes, net.variant) == "REL 102").unwrap().sent;
    assert_eq!(rel.micros() - sus.micros(), 30_000_000 + 4_000, "T6 at SSP-A, two 2 ms hops after SUS");
    let a = net.line_report("2015550100");
    assert_eq!(a.causes, vec![102], "{a:?}");
}

#[test]
fn no_answer_is_cleared_by_t9_with_cause_19() {
    let mut t = Topology::default_fig1();
    t.phone_mut("2125550143").when_called = WhenCalled::NoAnswer;
    t.phone_mut("2015550100").calls.push(call(S, "2125550143", None));
    let mut net = start(&t, Variant::Ansi, 3);
    net.sim.run_for(200 * S);
    let a = net.line_report("2015550100");
    assert_eq!(a.causes, vec![19], "{a:?}");
    // T9 (90 s) runs from the ACM at the originating switch.
    let rel = at_s(a.released) - at_s(a.alerting);
    assert!((89.9..90.1).contains(&rel), "{a:?}");
    assert!(isup_ladder(&net).iter().any(|l| l.starts_with("SSP-A REL 19")));
}

#[test]
fn a_lost_rlc_brings_t1_retransmission_then_t5_and_a_circuit_reset() {
    let mut t = Topology::default_fig1();
    t.phone_mut("2015550100").calls.push(call(S, "2125550143", Some(2 * S)));
    let v = Variant::Itu;
    let mut net = start(&t, v, 4);
    // Step until SSP-C has sent its RLC, then cut SSP-C off while the RLC
    // is on the wire, and keep it cut past T5 (300 s).
    let c = net.node("SSP-C").unwrap();
    let is_rlc_from_c = |e: &ainsim_runtime::TraceEntry| {
        e.from_name.as_ref() == "SSP-C" && e.kind == LinkKind::Ss7 && label(e.kind, &e.bytes, v) == "RLC"
    };
    while !net.sim.trace().iter().any(is_rlc_from_c) {
        assert!(net.sim.step().is_some(), "the call never released");
    }
    let a_to_c_rel = net.sim.trace().len() - 3;
    net.sim.apply(Fault::Partition(vec![c]));
    let heal = net.sim.now().after(Duration::from_secs(320));
    net.sim.schedule(heal, Fault::Heal);
    // T5 expires 300 s after the first REL: RSC, repeated each T17 (300 s).
    net.sim.run_for(700 * S);
    let ladder: Vec<String> = net.sim.trace()[a_to_c_rel..]
        .iter()
        .filter(|e| e.kind == LinkKind::Ss7 && e.from_name.as_ref() == "SSP-A")
        .map(|e| label(e.kind, &e.bytes, v))
        .collect();
    let rels = ladder.iter().filter(|l| l.starts_with("REL")).count();
    // The first REL plus one per T1 (15 s) until T5 (300 s).
    assert!(rels >= 15, "{rels} RELs: {ladder:?}");
    assert!(ladder.iter().any(|l| l.starts_with("RSC")), "{ladder:?}");
    let lost_rlc = net.sim.trace().iter().any(|e| {
        e.from_name.as_ref() == "SSP-C"
            && matches!(e.fate, Fate::Lost(_))
            && label(e.kind, &e.bytes, v) == "RLC"
    });
    assert!(lost_rlc, "the RLC was lost");
    // After the heal SSP-C answers the repeated reset.
    let rlc_after_heal =
        net.sim.trace().iter().any(|e| {
            e.from_name.as_ref() == "SSP-C" && e.sent >= heal && label(e.kind, &e.bytes, v) == "RLC"
        });
    assert!(rlc_after_heal);
}

#[test]
fn glare_on_the_only_circuit_lets_one_call_through() {
    // One circuit between SSP-A and SSP-C, seized from both ends at once by
    // two independent calls (2015550100 -> 2125550143, 2125550146 -> 2015550101).
    let text = ainsim_runtime::topology::DEFAULT
        .replace(
            "between = [\"SSP-A\", \"SSP-C\"]\ncircuits = 24",
            "between = [\"SSP-A\", \"SSP-C\"]\ncircuits = 1",
        )
        .replace("lines = [\"2125550143\", ", "lines = [\"2125550143\", \"2125550146\", ");
    let mut t = Topology::parse(&text, "glare.toml").unwrap();
    t.phone_mut("2015550100").calls.push(call(S, "2125550143", Some(5 * S)));
    t.phone_mut("2125550146").calls.push(call(S, "2015550101", Some(5 * S)));
    t.phone_mut("2015550101").when_called = WhenCalled::Answer { after: S };
    for v in [Variant::Itu, Variant::Ansi] {
        let mut net = start(&t, v, 5);
        net.sim.run_for(60 * S);
        let ladder = isup_ladder(&net);
        assert!(ladder.iter().any(|l| l.starts_with("SSP-A IAM")), "{v}: {ladder:?}");
        assert!(ladder.iter().any(|l| l.starts_with("SSP-C IAM")), "{v}: {ladder:?}");
        // Q.764 §2.9.1.4: the exchange with the higher point code controls the
        // even CICs; CIC 1 is odd, so SSP-A (1-1-1, the lower) controls it and
        // keeps its call. SSP-C backs off; with no other circuit to repeat
        // the attempt on, its caller gets cause 34 (no circuit available).
        let a = net.line_report("2015550100");
        let c = net.line_report("2125550146");
        assert!(a.answered.is_some() && a.causes == vec![16], "{v}: {a:?}\n{ladder:?}");
        assert!(c.answered.is_none() && c.causes == vec![34], "{v}: {c:?}\n{ladder:?}");
        assert!(net.line_report("2015550101").alerting.is_none(), "{v}: the losing call never rings");
    }
}

#[test]
fn an_stp_link_failure_under_load_loses_and_reorders_nothing() {
    // 20 subscribers on SSP-A call 20 on SSP-C, 100 ms apart;
    // SSP-A's link to STP-1 fails in the middle and comes back later.
    let mut text = ainsim_runtime::topology::DEFAULT.to_owned();
    let a_lines: Vec<String> = (0..20).map(|i| format!("20155502{i:02}")).collect();
    let c_lines: Vec<String> = (0..20).map(|i| format!("21255503{i:02}")).collect();
    let quoted = |v: &[String]| v.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ");
    text = text.replace(
        "lines = [\"2015550100\", \"2015550101\"]",
        &format!("lines = [\"2015550100\", \"2015550101\", {}]", quoted(&a_lines)),
    );
    text = text
        .replace("lines = [\"2125550143\", ", &format!("lines = [\"2125550143\", {}, ", quoted(&c_lines)));
    let mut t = Topology::parse(&text, "load.toml").unwrap();
    for (i, (a, c)) in a_lines.iter().zip(&c_lines).enumerate() {
        t.phone_mut(a).calls.push(call(S + Duration::from_millis(100 * i as u64), c, Some(3 * S)));
        t.phone_mut(c).when_called = WhenCalled::Answer { after: Duration::from_millis(500) };
    }
    for v in [Variant::Itu, Variant::Ansi] {
        let mut net = start(&t, v, 6);
        let a = net.node("SSP-A").unwrap();
        let link = net.sim.link_at(a, Port(SWITCH_SS7_BASE)).unwrap();
        net.sim.schedule(Instant::ZERO.after(Duration::from_millis(2_000)), Fault::LinkDown(link));
        net.sim.schedule(Instant::ZERO.after(Duration::from_millis(4_500)), Fault::LinkUp(link));
        net.sim.run_for(30 * S);
        for (x, y) in a_lines.iter().zip(&c_lines) {
            let r = net.line_report(x);
            assert!(r.answered.is_some() && r.causes == vec![16], "{v}: {x} -> {y}: {r:?}");
        }
        // Per circuit and direction, the messages a switch receives come in
        // call order: IAM, REL forward; ACM, ANM, RLC backward.
        let mut per_cic: std::collections::BTreeMap<(u32, u16), Vec<String>> = Default::default();
        for e in net.sim.trace() {
            if e.kind != LinkKind::Ss7
                || !e.to_name.starts_with("SSP")
                || !matches!(e.fate, Fate::Delivered(_))
            {
                continue;
            }
            let Ok(f) = Frame::decode(&e.bytes, Start::Mtp3, v, false) else { continue };
            let (Some(m3), Some(isup)) = (&f.mtp3, &f.isup) else { continue };
            let mt = isup.message_type.acronym();
            if mt != "GRS" && mt != "GRA" {
                per_cic.entry((m3.opc.value(), isup.cic)).or_default().push(mt.to_owned());
            }
        }
        assert!(per_cic.len() >= 2 * a_lines.len().min(24), "{v}: {per_cic:?}");
        for (k, msgs) in &per_cic {
            let cycle: &[&str] = if msgs[0] == "IAM" { &["IAM", "REL"] } else { &["ACM", "ANM", "RLC"] };
            for (i, m) in msgs.iter().enumerate() {
                assert_eq!(m, cycle[i % cycle.len()], "{v}: {k:?} out of order: {msgs:?}");
            }
            assert_eq!(msgs.len() % cycle.len(), 0, "{v}: {k:?} incomplete: {msgs:?}");
        }
        let stats = net.sim.stats();
        assert_eq!(stats.lost_random + stats.lost_partition + stats.lost_crashed, 0);
    }
}

fn iscp_counter(net: &Network, name: &str) -> u64 {
    let iscp = net.node("ISCP").unwrap();
    net.sim.counters(iscp).into_iter().find(|(k, _)| k == name).map_or(0, |(_, v)| v)
}

fn counter(net: &Network, node: &str, name: &str) -> u64 {
    let n = net.node(node).unwrap();
    net.sim.counters(n).into_iter().find(|(k, _)| k == name).map_or(0, |(_, v)| v)
}

#[test]
fn an_800_call_is_translated_by_the_iscp_through_the_stp_pairs_global_title_translation() {
    for v in [Variant::Ansi, Variant::Itu] {
        let mut t = Topology::default_fig1();
        t.phone_mut("2015550100").calls.push(call(S, "8005551234", Some(5 * S)));
        let mut net = start(&t, v, 7);
        net.sim.run_for(60 * S);
        let a = net.line_report("2015550100");
        assert!(a.answered.is_some() && a.causes == vec![16], "{v}: {a:?}");
        let rep = net.line_report("2125550142");
        assert!(rep.answered.is_some(), "{v}: the representative at 2125550142 answered: {rep:?}");
        assert_eq!(iscp_counter(&net, "translations"), 1, "{v}");
        let gtt = counter(&net, "STP-1", "gtt_translated") + counter(&net, "STP-2", "gtt_translated");
        assert!(gtt >= 1, "{v}: the query went by global title");
        // SSP-A asked, the ISCP answered, then the IAM went to SSP-B with the
        // translated number.
        let labels: Vec<String> = net
            .sim
            .trace()
            .iter()
            .filter(|e| e.kind == LinkKind::Ss7)
            .map(|e| format!("{} {}", e.from_name, label(e.kind, &e.bytes, v)))
            .collect();
        let query =
            labels.iter().position(|l| l.starts_with("SSP-A") && !l.contains("IAM") && !l.contains("GR"));
        let iam = labels.iter().position(|l| l.starts_with("SSP-A IAM 2015550100→2125550142"));
        assert!(query.is_some() && iam.is_some() && query < iam, "{v}: {labels:?}");
    }
}

#[test]
fn calls_to_the_mobile_are_paged_answered_or_refused_as_absent() {
    for v in [Variant::Itu, Variant::Ansi] {
        let mut t = Topology::default_fig1();
        t.phone_mut("2015550100").calls.push(call(S, "9175550123", Some(2 * S)));
        t.phone_mut("2125550143").calls.push(call(S, "9175550124", None));
        let mut net = start(&t, v, 8);
        net.sim.run_for(60 * S);
        let a = net.line_report("2015550100");
        // Paging (2 s) before the ring, then 5 s to answer.
        let alert = at_s(a.alerting) - 1.0;
        assert!((2.0..2.1).contains(&alert), "{v}: {a:?}");
        assert!(a.answered.is_some() && a.causes == vec![16], "{v}: {a:?}");
        let c = net.line_report("2125550143");
        assert_eq!(c.causes, vec![20], "{v}: the switched-off mobile is absent: {c:?}");
        assert!(counter(&net, "MTSO", "attempts") >= 2, "{v}");
    }
}

#[test]
fn a_busy_subscriber_is_forwarded_by_the_iscp_to_the_mobile() {
    for v in [Variant::Ansi, Variant::Itu] {
        let mut t = Topology::default_fig1();
        t.phone_mut("2015550100").calls.push(call(S, "2125550145", Some(2 * S)));
        let mut net = start(&t, v, 9);
        net.sim.run_for(60 * S);
        let a = net.line_report("2015550100");
        assert!(a.answered.is_some() && a.causes == vec![16], "{v}: {a:?}");
        assert!(net.line_report("9175550123").answered.is_some(), "{v}: the mobile took the call");
        assert_eq!(iscp_counter(&net, "forwards"), 1, "{v}");
    }
}

#[test]
fn click_to_call_joins_shopper_and_representative_after_the_announcement() {
    use ainsim_elements::osn::{CallStatus, OsnMessage};
    use ainsim_runtime::topology::ACCESS_CLIENT_PORT;
    for v in [Variant::Ansi, Variant::Itu] {
        let t = Topology::default_fig1();
        let mut net = start(&t, v, 10);
        net.sim.run_for(S);
        let access = net.node("ACCESS").unwrap();
        let instruction = OsnMessage::CallInstruction {
            request_id: 77,
            equipment: "https://abc-travel.example/".into(),
            business: "ABC".into(),
            password: "cruise-2027".into(),
            customer: "2015550100".into(),
            representative: "2125550142".into(),
            contact_at: None,
        };
        net.sim.inject(access, ACCESS_CLIENT_PORT, instruction.emit());
        net.sim.run_for(120 * S);
        let shopper = net.line_report("2015550100");
        let rep = net.line_report("2125550142");
        assert!(shopper.answered.is_some(), "{v}: the shopper was called first: {shopper:?}");
        assert!(rep.answered.is_some(), "{v}: then the representative: {rep:?}");
        assert!(shopper.answered < rep.alerting, "{v}: customer first, then the representative");
        assert_eq!(iscp_counter(&net, "initiated"), 1, "{v}");
        assert_eq!(counter(&net, "IP", "announcements_played"), 1, "{v}");
        // The statuses the ISCP sent back over the OSN, in order.
        let statuses: Vec<CallStatus> = net
            .sim
            .trace()
            .iter()
            .filter(|e| e.kind == LinkKind::Osn && e.from_name.as_ref() == "ISCP")
            .filter_map(|e| match OsnMessage::parse(&e.bytes) {
                Ok(OsnMessage::CallStatus { status, .. }) => Some(status),
                _ => None,
            })
            .collect();
        for want in [CallStatus::CallingCustomer, CallStatus::CustomerAnswered, CallStatus::Connected] {
            assert!(statuses.contains(&want), "{v}: {want:?} missing from {statuses:?}");
        }
    }
}
