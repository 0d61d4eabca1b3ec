//! Scenario tests: phones on three switches, stepped in virtual time by the
//! testkit, asserted on the ladder of ISUP messages and what the phones heard.
//!
//! Topology: SSP-1 (lines 201555xxxx) — SSP-2 (212555xxxx) — SSP-3
//! (646555xxxx), direct signalling links, 5 ms per wire. SSP-1 reaches 212
//! and 646 over trunk group "to-2"; SSP-2 reaches 201 over "to-1" and 646
//! over "to-3" (transit). Point codes 1, 2, 3 (ITU) or 1-1-1, 1-1-2, 1-1-3
//! (ANSI): SSP-2 controls even CICs toward SSP-1, SSP-1 the odd ones.

use std::time::Duration;

use ainsim_wire::isup::{self, MessageType as M, Number, Parameter as P};
use ainsim_wire::{IsupRepr, PointCode, Variant};

use super::*;
use crate::line::{LineSignal, Tone};
use crate::phone::{Phone, PhoneScript, PlacedCall, WhenCalled};
use crate::sp::SignallingPoint;
use crate::testkit::Net;

const A: &str = "2015550100";
const A2: &str = "2015550101";
const B: &str = "2125550142";
const C: &str = "2125550143";
const ABSENT: &str = "2125550020";
const D: &str = "6465550123";
const LINK: Port = Port(100);
const LINK2: Port = Port(101);

fn pc(v: Variant, n: u8) -> PointCode {
    match v {
        Variant::Itu => PointCode(u32::from(n)),
        Variant::Ansi => PointCode::ansi(1, 1, n),
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

struct Topo {
    net: Net,
    ssp: [usize; 3],
    phones: Vec<(String, usize)>,
}

impl Topo {
    fn phone(&self, n: &str) -> &Phone {
        let i = self.phones.iter().find(|p| p.0 == n).expect("phone").1;
        self.net.get::<Phone>(i)
    }

    fn ssp(&self, k: usize) -> &Ssp {
        self.net.get::<Ssp>(self.ssp[k - 1])
    }

    /// The ISUP ladder without the start-up resets.
    fn calls(&self) -> Vec<String> {
        self.net.isup().into_iter().filter(|l| !l.contains(": GR")).collect()
    }

    fn print(&self) {
        self.net.print();
    }
}

fn tg(name: &str, far: PointCode, cics: [u16; 2], glare: GlareControl) -> TrunkGroupConfig {
    TrunkGroupConfig { name: name.into(), far_end: far, cics, direction: Direction::Both, glare }
}

fn rule(prefix: &str, group: &str) -> PrefixRoute {
    PrefixRoute { prefix: prefix.into(), length: None, trunk_groups: vec![group.into()], trigger: None }
}

fn config(v: Variant, k: u8, glare: [GlareControl; 2]) -> SspConfig {
    let ls = |adj: u8, port| LinkSetConfig { adjacent: pc(v, adj), ports: vec![port] };
    let (linksets, routes, trunk_groups, plan) = match k {
        1 => (
            vec![ls(2, LINK)],
            vec![],
            vec![tg("to-2", pc(v, 2), [1, 8], glare[0])],
            vec![rule("212", "to-2"), rule("646", "to-2")],
        ),
        2 => (
            vec![ls(1, LINK), ls(3, LINK2)],
            vec![
                RouteConfig { dpc: Some(pc(v, 1)), ranks: vec![vec![0]] },
                RouteConfig { dpc: Some(pc(v, 3)), ranks: vec![vec![1]] },
            ],
            vec![tg("to-1", pc(v, 1), [1, 8], glare[1]), tg("to-3", pc(v, 3), [1, 8], GlareControl::Auto)],
            vec![rule("201", "to-1"), rule("646", "to-3")],
        ),
        _ => (
            vec![ls(2, LINK)],
            vec![],
            vec![tg("to-2", pc(v, 2), [1, 8], GlareControl::Auto)],
            vec![rule("2", "to-2")],
        ),
    };
    SspConfig {
        name: format!("SSP-{k}"),
        signalling: SignallingConfig { point_code: pc(v, k), variant: v, ni: 2, linksets, routes },
        lines: vec![],
        numbering: NumberingPlan { number_length: Some(10), routes: plan },
        trunk_groups,
        timers: IsupTimers::default(),
        ain: None,
    }
}

fn build_with(
    v: Variant,
    scripts: Vec<PhoneScript>,
    glare: [GlareControl; 2],
    tweak: impl Fn(&mut SspConfig),
) -> Topo {
    let mut net = Net::new(v, Duration::from_millis(5));
    let mut cfgs: Vec<SspConfig> = (1..=3).map(|k| config(v, k, glare)).collect();
    let home = |n: &str| match &n[..3] {
        "201" => 0,
        "212" => 1,
        _ => 2,
    };
    for s in &scripts {
        let c = &mut cfgs[home(&s.number)];
        // Lines on ports 0.. (skipping the link ports 99-101 past the 99th).
        let port = Port(c.lines.len() as u32 + if c.lines.len() >= 99 { 1000 } else { 0 });
        c.lines.push(LineConfig {
            number: s.number.clone(),
            port,
            class: LineClass::Ordinary,
            in_service: true,
        });
    }
    cfgs[1].lines.push(LineConfig {
        number: ABSENT.into(),
        port: Port(99),
        class: LineClass::Ordinary,
        in_service: false,
    });
    cfgs.iter_mut().for_each(&tweak);
    let ssp: Vec<usize> = cfgs.iter().map(|c| net.add(Ssp::new(c).expect("config"))).collect();
    net.wire(ssp[0], LINK, ssp[1], LINK, false);
    net.wire(ssp[1], LINK2, ssp[2], LINK, false);
    let mut phones = vec![];
    for s in scripts {
        let k = home(&s.number);
        let port = cfgs[k].lines.iter().find(|l| l.number == s.number).expect("line").port;
        let n = s.number.clone();
        let p = net.add(Phone::new(s));
        net.wire(p, Phone::LINE, ssp[k], port, true);
        phones.push((n, p));
    }
    net.start_all();
    Topo { net, ssp: [ssp[0], ssp[1], ssp[2]], phones }
}

fn build(v: Variant, scripts: Vec<PhoneScript>) -> Topo {
    build_with(v, scripts, [GlareControl::Auto; 2], |_| {})
}

fn caller(from: &str, to: &str, at: u64, holding: Option<u64>) -> PhoneScript {
    PhoneScript {
        calls: vec![PlacedCall {
            at: secs(at),
            to: to.into(),
            holding: holding.map(secs),
            give_up_after: None,
        }],
        ..PhoneScript::new(from)
    }
}

fn callee(n: &str, when: WhenCalled) -> PhoneScript {
    PhoneScript { when_called: when, ..PhoneScript::new(n) }
}

fn answers(after: u64) -> WhenCalled {
    WhenCalled::Answer { after: secs(after) }
}

const BOTH: [Variant; 2] = [Variant::Itu, Variant::Ansi];

#[test]
fn an_answered_call_from_ssp1_to_ssp2() {
    for v in BOTH {
        let mut t = build(v, vec![caller(A, B, 1, Some(10)), callee(B, answers(2))]);
        t.net.run_for(secs(30));
        t.print();
        assert_eq!(
            t.calls(),
            [
                "SSP-1 -> SSP-2: IAM cic=1",
                "SSP-2 -> SSP-1: ACM cic=1",
                "SSP-2 -> SSP-1: ANM cic=1",
                "SSP-1 -> SSP-2: REL cic=1 cause=16",
                "SSP-2 -> SSP-1: RLC cic=1",
            ],
            "{v}"
        );
        let a = t.phone(A);
        assert!(a.saw(&LineSignal::Tone(Tone::Dial)) && a.saw(&LineSignal::Tone(Tone::Ringback)));
        assert!(a.saw(&LineSignal::Connected));
        let b = t.phone(B);
        assert!(b.saw(&LineSignal::Ring { caller: Some(A.into()) }));
        assert!(b.saw(&LineSignal::FarEndReleased));
        assert_eq!((t.ssp(1).counters().answered, t.ssp(2).counters().answered), (1, 1));
        assert_eq!(t.ssp(2).circuit_idle("to-1", 1), Some(true));
        assert_eq!(t.ssp(1).counters().malformed + t.ssp(2).counters().malformed, 0);
    }
}

#[test]
fn a_busy_line_is_released_with_cause_17() {
    for v in BOTH {
        let mut t = build(v, vec![caller(A, B, 1, None), callee(B, WhenCalled::Busy)]);
        t.net.run_for(secs(10));
        assert_eq!(
            t.calls(),
            ["SSP-1 -> SSP-2: IAM cic=1", "SSP-2 -> SSP-1: REL cic=1 cause=17", "SSP-1 -> SSP-2: RLC cic=1"]
        );
        assert!(t.phone(A).saw(&LineSignal::Tone(Tone::Busy)));
        assert_eq!(
            t.phone(A).log().last().map(|s| &s.signal),
            Some(&LineSignal::OnHook),
            "the caller hung up"
        );
        assert_eq!((t.ssp(1).counters().released[17], t.ssp(1).counters().line_released[17]), (1, 1));
    }
}

#[test]
fn no_answer_releases_on_t9_with_cause_19() {
    let mut t = build(Variant::Itu, vec![caller(A, B, 1, None), callee(B, WhenCalled::NoAnswer)]);
    t.net.run_for(secs(60));
    assert_eq!(t.calls(), ["SSP-1 -> SSP-2: IAM cic=1", "SSP-2 -> SSP-1: ACM cic=1"], "T9 is 90 s");
    t.net.run_for(secs(60));
    let rel = t.net.ladder.iter().find(|r| r.msg.starts_with("REL")).expect("REL");
    assert_eq!(rel.msg, "REL cic=1 cause=19");
    assert!(rel.at > Instant(91_000_000) && rel.at < Instant(91_100_000), "T9 after the ACM: {}", rel.at);
    assert!(t.phone(B).saw(&LineSignal::StopRing));
    assert!(t.phone(A).saw(&LineSignal::Tone(Tone::Congestion)));
}

#[test]
fn an_unallocated_number_is_released_with_cause_1() {
    for v in BOTH {
        let mut t = build(v, vec![caller(A, "2125559999", 1, None), caller(A2, "9995550000", 1, None)]);
        t.net.run_for(secs(10));
        assert_eq!(
            t.calls(),
            ["SSP-1 -> SSP-2: IAM cic=1", "SSP-2 -> SSP-1: REL cic=1 cause=1", "SSP-1 -> SSP-2: RLC cic=1"]
        );
        assert!(t.phone(A).saw(&LineSignal::Tone(Tone::Sit)));
        assert_eq!(t.phone(A).heard(), ["The number you have dialled is not in service."]);
        assert!(t.phone(A2).saw(&LineSignal::Tone(Tone::Sit)), "unallocated at home: no ISUP at all");
    }
}

#[test]
fn an_absent_subscriber_is_released_with_cause_20() {
    let mut t = build(Variant::Itu, vec![caller(A, ABSENT, 1, None)]);
    t.net.run_for(secs(5));
    assert!(t.calls().contains(&"SSP-2 -> SSP-1: REL cic=1 cause=20".to_owned()));
}

#[test]
fn the_called_party_hangs_up_suspend_then_t6_release() {
    // Q.764 §2.5: an analogue called party going on-hook suspends the call;
    // the controlling (originating) exchange releases on T6 with cause 102.
    let mut t = build(
        Variant::Itu,
        vec![caller(A, B, 1, None), PhoneScript { holding: Some(secs(5)), ..callee(B, answers(1)) }],
    );
    t.net.run_for(secs(60));
    assert_eq!(
        t.calls(),
        [
            "SSP-1 -> SSP-2: IAM cic=1",
            "SSP-2 -> SSP-1: ACM cic=1",
            "SSP-2 -> SSP-1: ANM cic=1",
            "SSP-2 -> SSP-1: SUS cic=1",
            "SSP-1 -> SSP-2: REL cic=1 cause=102",
            "SSP-2 -> SSP-1: RLC cic=1",
        ]
    );
    assert!(t.phone(A).saw(&LineSignal::FarEndReleased));
}

#[test]
fn the_caller_gives_up_while_it_rings() {
    let mut a = caller(A, B, 1, None);
    a.calls[0].give_up_after = Some(secs(8));
    let mut t = build(Variant::Ansi, vec![a, callee(B, WhenCalled::NoAnswer)]);
    t.net.run_for(secs(20));
    assert_eq!(
        t.calls(),
        [
            "SSP-1 -> SSP-2: IAM cic=1",
            "SSP-2 -> SSP-1: ACM cic=1",
            "SSP-1 -> SSP-2: REL cic=1 cause=16",
            "SSP-2 -> SSP-1: RLC cic=1",
        ]
    );
    assert!(t.phone(B).saw(&LineSignal::StopRing));
}

#[test]
fn a_rejected_call_is_released_with_cause_21() {
    let mut t = build(Variant::Itu, vec![caller(A, B, 1, None), callee(B, WhenCalled::Reject)]);
    t.net.run_for(secs(5));
    assert!(t.calls().contains(&"SSP-2 -> SSP-1: REL cic=1 cause=21".to_owned()), "{:?}", t.calls());
}

#[test]
fn a_line_that_refuses_with_a_cause_releases_with_that_cause() {
    for cause in [17u8, 19, 41] {
        let mut t = build(Variant::Itu, vec![caller(A, B, 1, None), callee(B, WhenCalled::Refuse { cause })]);
        t.net.run_for(secs(5));
        let rel = format!("SSP-2 -> SSP-1: REL cic=1 cause={cause}");
        assert!(t.calls().contains(&rel), "{:?}", t.calls());
    }
}

#[test]
fn a_call_between_two_lines_of_one_switch_needs_no_isup() {
    let mut t = build(Variant::Itu, vec![caller(A, A2, 1, Some(5)), callee(A2, answers(1))]);
    t.net.run_for(secs(20));
    assert!(t.calls().is_empty(), "{:?}", t.calls());
    assert!(t.phone(A).saw(&LineSignal::Connected));
    assert!(t.phone(A2).saw(&LineSignal::FarEndReleased));
}

#[test]
fn a_lost_rlc_repeats_rel_on_t1_then_resets_on_t5() {
    let mut t = build_with(
        Variant::Itu,
        vec![caller(A, B, 1, Some(5)), callee(B, answers(1))],
        [GlareControl::Auto; 2],
        |c| {
            c.timers.t1 = secs(4);
            c.timers.t5 = secs(30);
        },
    );
    // Every RLC toward SSP-1 is lost for the first minute.
    t.net.drop_when(|r| r.msg.starts_with("RLC") && r.to == "SSP-1" && r.at < Instant(60_000_000));
    t.net.run_for(secs(90));
    t.print();
    let from1: Vec<String> = t.calls().into_iter().filter(|l| l.starts_with("SSP-1")).collect();
    assert_eq!(from1[0], "SSP-1 -> SSP-2: IAM cic=1");
    // REL at 8 s, repeated every 4 s (T1) until T5 at 38 s: 8 RELs, then RSC.
    let rels = from1.iter().filter(|l| l.contains("REL cic=1 cause=16")).count();
    assert_eq!(rels, 8, "{from1:?}");
    assert_eq!(from1.iter().position(|l| l.contains("RSC")), Some(1 + rels));
    // RSC repeats at T17 intervals (5 min) until an RLC gets through; here at 60 s+ none yet.
    t.net.run_for(secs(300));
    assert!(t.calls().last().is_some_and(|l| l == "SSP-2 -> SSP-1: RLC cic=1"), "{:?}", t.calls());
    assert_eq!(t.ssp(1).circuit_idle("to-2", 1), Some(true));
}

#[test]
fn dual_seizure_the_non_controlling_exchange_backs_off_and_retries() {
    for v in BOTH {
        // SSP-1 controls every circuit of the group, SSP-2 none: both pick CIC 1.
        let mut t = build_with(
            v,
            vec![
                caller(A, B, 1, Some(10)),
                callee(A2, answers(1)),
                caller(C, A2, 1, Some(10)),
                callee(B, answers(1)),
            ],
            [GlareControl::All, GlareControl::None],
            |_| {},
        );
        t.net.run_for(secs(30));
        t.print();
        let l = t.calls();
        let pos = |s: &str| l.iter().position(|x| x == s).unwrap_or_else(|| panic!("{s} missing from {l:?}"));
        assert!(pos("SSP-1 -> SSP-2: IAM cic=1") < pos("SSP-2 -> SSP-1: ACM cic=1"));
        assert!(
            pos("SSP-2 -> SSP-1: IAM cic=1") < pos("SSP-2 -> SSP-1: IAM cic=2"),
            "SSP-2 re-attempts on CIC 2"
        );
        pos("SSP-1 -> SSP-2: ANM cic=2");
        pos("SSP-2 -> SSP-1: ANM cic=1");
        assert_eq!((t.ssp(1).counters().dual_seizures, t.ssp(2).counters().dual_seizures), (1, 1));
        assert!(t.phone(A).saw(&LineSignal::Connected) && t.phone(C).saw(&LineSignal::Connected));
    }
}

#[test]
fn a_transit_call_through_ssp2() {
    for v in BOTH {
        let mut t = build(v, vec![caller(A, D, 1, Some(10)), callee(D, answers(2))]);
        t.net.run_for(secs(30));
        t.print();
        assert_eq!(
            t.calls(),
            [
                "SSP-1 -> SSP-2: IAM cic=1".to_owned(),
                "SSP-2 -> SSP-3: IAM cic=1".to_owned(),
                "SSP-3 -> SSP-2: ACM cic=1".to_owned(),
                "SSP-2 -> SSP-1: ACM cic=1".to_owned(),
                "SSP-3 -> SSP-2: ANM cic=1".to_owned(),
                "SSP-2 -> SSP-1: ANM cic=1".to_owned(),
                "SSP-1 -> SSP-2: REL cic=1 cause=16".to_owned(),
                "SSP-2 -> SSP-1: RLC cic=1".to_owned(),
                "SSP-2 -> SSP-3: REL cic=1 cause=16".to_owned(),
                "SSP-3 -> SSP-2: RLC cic=1".to_owned(),
            ]
        );
        assert!(t.phone(D).saw(&LineSignal::Ring { caller: Some(A.into()) }));
    }
}

#[test]
fn grs_at_start_up_is_answered_by_gra_and_a_restart_clears_calls() {
    for v in BOTH {
        let mut t = build(v, vec![caller(A, B, 1, None), callee(B, answers(1))]);
        t.net.run_for(Duration::from_millis(100));
        let start: Vec<String> = t.net.isup();
        for s in [
            "SSP-1 -> SSP-2: GRS cic=1",
            "SSP-2 -> SSP-1: GRS cic=1",
            "SSP-2 -> SSP-1: GRA cic=1",
            "SSP-1 -> SSP-2: GRA cic=1",
            "SSP-2 -> SSP-3: GRS cic=1",
            "SSP-3 -> SSP-2: GRA cic=1",
        ] {
            assert!(start.contains(&s.to_owned()), "{s} missing from {start:?}");
        }
        assert_eq!(t.ssp(1).circuit_idle("to-2", 8), Some(true), "GRA ends the reset");
        t.net.run_for(secs(10));
        assert!(t.phone(A).saw(&LineSignal::Connected));
        // SSP-2 crashes and restarts: its GRS clears the call at SSP-1.
        let ssp2 = t.ssp[1];
        t.net.start(ssp2);
        t.net.run_for(secs(1));
        assert!(t.phone(A).saw(&LineSignal::FarEndReleased));
        assert!(t.calls().is_empty() || !t.calls().last().is_some_and(|l| l.contains("REL")));
        assert_eq!(t.ssp(1).circuit_idle("to-2", 1), Some(true));
    }
}

#[test]
fn blocking_and_unblocking_circuits() {
    for v in BOTH {
        let mut t = build(
            v,
            vec![
                caller(A, B, 2, Some(1)),
                callee(B, answers(1)),
                caller(C, A2, 2, None),
                callee(A2, answers(1)),
            ],
        );
        t.net.run_for(secs(1));
        let s1 = t.ssp[0];
        assert!(t.net.with(s1, |s: &mut Ssp, now, out| s.block(now, "to-2", 1, out)));
        // SSP-2's controlled circuits (even) are all blocked as a group.
        let s2 = t.ssp[1];
        assert!(t.net.with(s2, |s: &mut Ssp, now, out| s.block_group(now, "to-1", 1, 8, true, out)));
        t.net.run_for(Duration::from_millis(100));
        assert_eq!(t.ssp(2).remotely_blocked("to-1", 1), Some(true));
        assert_eq!(t.ssp(1).remotely_blocked("to-2", 2), Some(true));
        t.net.run_for(secs(10));
        let l = t.calls();
        assert_eq!(
            &l[..4],
            [
                "SSP-1 -> SSP-2: BLO cic=1",
                "SSP-2 -> SSP-1: CGB cic=1",
                "SSP-2 -> SSP-1: BLA cic=1",
                "SSP-1 -> SSP-2: CGBA cic=1"
            ]
        );
        assert!(!l.iter().any(|x| x.contains("IAM")), "every circuit is blocked one way or the other: {l:?}");
        assert!(t.phone(A).saw(&LineSignal::Tone(Tone::Congestion)), "no circuit: cause 34");
        assert_eq!(t.ssp(1).counters().line_released[34], 1);
        t.net.with(s1, |s: &mut Ssp, now, out| s.unblock(now, "to-2", 1, out));
        t.net.with(s2, |s: &mut Ssp, now, out| s.block_group(now, "to-1", 1, 8, false, out));
        t.net.run_for(secs(1));
        let l = t.calls();
        assert_eq!(
            &l[l.len() - 4..],
            [
                "SSP-1 -> SSP-2: UBL cic=1",
                "SSP-2 -> SSP-1: CGU cic=1",
                "SSP-2 -> SSP-1: UBA cic=1",
                "SSP-1 -> SSP-2: CGUA cic=1"
            ]
        );
        assert_eq!(t.ssp(1).remotely_blocked("to-2", 2), Some(false));
        assert_eq!(t.ssp(2).remotely_blocked("to-1", 1), Some(false));
    }
}

fn msu_from(v: Variant, from: u8, to: u8, isup: &[u8]) -> Vec<u8> {
    SignallingPoint::new(pc(v, from), v, 2).build(5, pc(v, to), 0, isup).expect("msu")
}

fn iam(v: Variant, cic: u16, called: &str) -> Vec<u8> {
    let mut m = vec![
        P::NatureOfConnectionIndicators(Default::default()),
        P::ForwardCallIndicators(Default::default()),
        P::CallingPartysCategory(10),
    ];
    match v {
        Variant::Itu => m.push(P::TransmissionMediumRequirement(0)),
        Variant::Ansi => {
            m.push(P::UserServiceInformation(isup::UserServiceInformation { bytes: vec![0x80, 0x90, 0xa2] }))
        }
    }
    m.push(P::CalledPartyNumber(Number::e164(3, called)));
    IsupRepr::new(v, cic, M::Iam, m, Some(vec![])).to_bytes().expect("iam").into()
}

#[test]
fn an_unequipped_cic_is_answered_with_ucic() {
    for v in BOTH {
        let mut t = build(v, vec![]);
        t.net.run_for(secs(1));
        let s1 = t.ssp[0];
        t.net.inject(s1, LINK, &msu_from(v, 2, 1, &iam(v, 99, B)));
        t.net.run_for(secs(1));
        assert_eq!(t.calls(), ["SSP-1 -> SSP-2: UCIC cic=99"], "SSP-2 does not answer the UCIC");
        assert_eq!((t.ssp(1).counters().unequipped, t.ssp(2).counters().unequipped), (1, 1));
    }
}

#[test]
fn malformed_and_unknown_isup_is_counted_and_confused() {
    for v in BOTH {
        let mut t = build(v, vec![callee(A, answers(1))]);
        t.net.run_for(secs(1));
        let s1 = t.ssp[0];
        let mut bad = iam(v, 3, B);
        bad.truncate(bad.len() - 4);
        t.net.inject(s1, LINK, &msu_from(v, 2, 1, &bad));
        t.net.inject(s1, LINK, &msu_from(v, 2, 1, &[3, 0, 0x7f, 1, 2]));
        t.net.inject(s1, LINK, &[0x85]);
        t.net.inject(s1, Port(0), &[0xee]);
        t.net.run_for(secs(1));
        assert_eq!(t.calls(), ["SSP-1 -> SSP-2: CFN cic=3 cause=95", "SSP-1 -> SSP-2: CFN cic=3 cause=97"]);
        assert_eq!(t.ssp(1).counters().malformed, 4);
        let dropped = t.net.events.iter().filter(|e| matches!(e.2.kind, EventKind::Dropped { .. })).count();
        assert_eq!(dropped, 4);
        assert!(t.net.events.iter().any(|e| e.2.kind
            == EventKind::Dropped {
                reason: "SSP-1: line: unknown signal type 0xee".into(),
                hex: "ee".into()
            }));
    }
}

#[test]
fn overlap_digits_arrive_in_sam() {
    let v = Variant::Itu;
    let mut t = build(v, vec![callee(B, answers(1))]);
    t.net.run_for(secs(1));
    let s2 = t.ssp[1];
    // SSP-1 plays no part: the IAM and SAM are injected, its answers lost.
    t.net.drop_when(|r| r.to == "SSP-1");
    t.net.inject(s2, LINK, &msu_from(v, 1, 2, &iam(v, 5, "212555")));
    t.net.run_for(secs(1));
    assert!(t.calls().is_empty(), "waiting for more digits");
    let sam = IsupRepr::new(
        v,
        5,
        M::Sam,
        vec![P::SubsequentNumber(isup::SubsequentNumber { spare: 0, digits: "0142".into() })],
        Some(vec![]),
    );
    t.net.inject(s2, LINK, &msu_from(v, 1, 2, &sam.to_bytes().expect("sam")));
    t.net.run_for(secs(3));
    assert_eq!(t.calls(), ["SSP-2 -> SSP-1: ACM cic=5 (lost)", "SSP-2 -> SSP-1: ANM cic=5 (lost)"]);
    assert!(t.phone(B).saw(&LineSignal::Ring { caller: None }));
}

#[test]
fn overlap_gives_up_on_t35_with_cause_28() {
    let v = Variant::Itu;
    let mut t = build(v, vec![]);
    t.net.run_for(secs(1));
    let s2 = t.ssp[1];
    t.net.inject(s2, LINK, &msu_from(v, 1, 2, &iam(v, 5, "212")));
    t.net.run_for(secs(20));
    assert_eq!(t.calls(), ["SSP-2 -> SSP-1: REL cic=5 cause=28", "SSP-1 -> SSP-2: RLC cic=5"]);
}

#[test]
fn heard_text_crosses_the_bridge_from_a_trunk_to_the_line() {
    let v = Variant::Itu;
    let mut t = build(v, vec![caller(A, D, 1, None), callee(D, WhenCalled::NoAnswer)]);
    t.net.run_for(secs(3));
    // An announcement played toward SSP-2's outgoing circuit to SSP-3 (CIC 1)
    // reaches A through the transit bridge and SSP-1's bridge.
    let usr = IsupRepr::new(
        v,
        1,
        M::Usr,
        vec![P::UserToUserInformation(bridge::encode_hear("Please hold"))],
        Some(vec![]),
    );
    let s2 = t.ssp[1];
    t.net.inject(s2, LINK2, &msu_from(v, 3, 2, &usr.to_bytes().expect("usr")));
    t.net.run_for(secs(1));
    assert_eq!(t.phone(A).heard(), ["Please hold"]);
    assert!(t.calls().contains(&"SSP-2 -> SSP-1: USR cic=1".to_owned()));
}

#[test]
fn config_reads_from_json() {
    let c: SspConfig = serde_json::from_str(
        r#"{
        "name": "SSP-A",
        "signalling": {"point_code": 1, "variant": "itu", "linksets": [{"adjacent": 10, "ports": [100]}]},
        "lines": [{"number": "2015550100", "port": 0}],
        "numbering": {"number_length": 10, "routes": [{"prefix": "212", "trunk_groups": ["to-b"]}]},
        "trunk_groups": [{"name": "to-b", "far_end": 2, "cics": [1, 30]}],
        "timers": {"t9": "2min"}
    }"#,
    )
    .unwrap();
    assert_eq!(c.timers.t9, secs(120));
    assert_eq!(c.timers.t1, secs(15));
    assert!(Ssp::new(&c).is_ok());
    let mut bad = c.clone();
    bad.numbering.routes[0].trunk_groups = vec!["nowhere".into()];
    assert!(matches!(Ssp::new(&bad), Err(ConfigError::UnknownGroup { .. })));
    let mut bad = c;
    bad.trunk_groups[0].cics = [5, 1];
    assert!(Ssp::new(&bad).is_err());
}

proptest::proptest! {
    #[test]
    fn arbitrary_frames_never_panic(isup_bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..40), line in proptest::collection::vec(proptest::num::u8::ANY, 0..8)) {
        let v = Variant::Itu;
        let mut cfg = config(v, 1, [GlareControl::Auto; 2]);
        cfg.lines.push(LineConfig { number: A.into(), port: Port(0), class: LineClass::Ordinary, in_service: true });
        let mut s = Ssp::new(&cfg).unwrap();
        let mut out = Outputs::new();
        s.handle(Instant::ZERO, Input::Start, &mut out);
        let mut msu = SignallingPoint::new(pc(v, 2), v, 2).build(5, pc(v, 1), 0, &[]).unwrap();
        msu.extend_from_slice(&isup_bytes);
        s.handle(Instant(1), Input::Recv { port: LINK, bytes: &msu }, &mut out);
        s.handle(Instant(2), Input::Recv { port: Port(0), bytes: &line }, &mut out);
        s.handle(Instant(3), Input::Recv { port: LINK, bytes: &isup_bytes }, &mut out);
    }
}

#[test]
fn a_transit_switch_relays_acm_without_indication_then_cpg_alerting() {
    let v = Variant::Itu;
    let mut t = build(v, vec![caller(A, D, 1, None), callee(D, WhenCalled::NoAnswer)]);
    t.net.run_for(Duration::from_millis(500));
    // After start-up SSP-3 is silenced; its backward messages are played by hand.
    t.net.drop_when(|r| r.from == "SSP-3");
    t.net.run_for(secs(2));
    let s2 = t.ssp[1];
    let bci = isup::BackwardCallIndicators::default().with_charge(2).with_isup(1);
    let acm = IsupRepr::new(v, 1, M::Acm, vec![P::BackwardCallIndicators(bci)], Some(vec![]));
    let ev = isup::EventInformation::default().with_event(1);
    let cpg = IsupRepr::new(v, 1, M::Cpg, vec![P::EventInformation(ev)], Some(vec![]));
    t.net.inject(s2, LINK2, &msu_from(v, 3, 2, &acm.to_bytes().expect("acm")));
    t.net.run_for(secs(1));
    assert!(!t.phone(A).saw(&LineSignal::Tone(Tone::Ringback)), "no ringback before alerting");
    t.net.inject(s2, LINK2, &msu_from(v, 3, 2, &cpg.to_bytes().expect("cpg")));
    t.net.run_for(secs(1));
    let l = t.calls();
    assert_eq!(&l[l.len() - 2..], ["SSP-2 -> SSP-1: ACM cic=1", "SSP-2 -> SSP-1: CPG cic=1"]);
    assert!(t.phone(A).saw(&LineSignal::Tone(Tone::Ringback)));
}

#[test]
fn a_call_message_for_an_idle_circuit_resets_it() {
    let v = Variant::Ansi;
    let mut t = build(v, vec![]);
    t.net.run_for(secs(1));
    let s1 = t.ssp[0];
    t.net.inject(
        s1,
        LINK,
        &msu_from(v, 2, 1, &IsupRepr::new(v, 4, M::Anm, vec![], Some(vec![])).to_bytes().expect("anm")),
    );
    t.net.run_for(secs(1));
    assert_eq!(t.calls(), ["SSP-1 -> SSP-2: RSC cic=4", "SSP-2 -> SSP-1: RLC cic=4"]);
    assert_eq!(t.ssp(1).circuit_idle("to-2", 4), Some(true));
}

#[test]
fn the_called_party_lifts_again_before_t6_resume() {
    let v = Variant::Itu;
    let mut t = build(v, vec![caller(A, B, 1, Some(60)), callee(B, answers(1))]);
    t.net.run_for(secs(5));
    // B's handset goes down and comes up again 10 s later (by hand: the script
    // has no such step).
    let s2 = t.ssp[1];
    let hook = |s: LineSignal| s.to_bytes().expect("line");
    t.net.inject(s2, Port(0), &hook(LineSignal::OnHook));
    t.net.run_for(secs(10));
    t.net.inject(s2, Port(0), &hook(LineSignal::OffHook));
    t.net.run_for(secs(60));
    assert_eq!(
        t.calls(),
        [
            "SSP-1 -> SSP-2: IAM cic=1",
            "SSP-2 -> SSP-1: ACM cic=1",
            "SSP-2 -> SSP-1: ANM cic=1",
            "SSP-2 -> SSP-1: SUS cic=1",
            "SSP-2 -> SSP-1: RES cic=1",
            "SSP-1 -> SSP-2: REL cic=1 cause=16",
            "SSP-2 -> SSP-1: RLC cic=1",
        ],
        "the call lasts until A hangs up at its holding time"
    );
}

#[test]
fn no_acm_releases_on_t7() {
    let v = Variant::Ansi;
    let mut t = build(v, vec![caller(A, B, 1, None), callee(B, WhenCalled::NoAnswer)]);
    t.net.run_for(Duration::from_millis(500));
    t.net.drop_when(|r| r.from == "SSP-2" && r.msg.starts_with("ACM"));
    t.net.run_for(secs(30));
    let l = t.calls();
    assert_eq!(&l[..2], ["SSP-1 -> SSP-2: IAM cic=1", "SSP-2 -> SSP-1: ACM cic=1 (lost)"]);
    assert!(l.contains(&"SSP-1 -> SSP-2: REL cic=1 cause=31".to_owned()), "{l:?}");
    assert!(t.phone(A).saw(&LineSignal::Tone(Tone::Congestion)));
}

/// A rough throughput probe (phones, switches and this harness's ladder
/// decoding together): `cargo test --release -p ainsim-elements
/// throughput_probe -- --ignored --nocapture`. The real benchmark is `ainsim bench`.
#[test]
#[ignore = "a throughput probe, not a check"]
fn throughput_probe() {
    let v = Variant::Itu;
    let n = 2000;
    let mut scripts = vec![];
    for i in 0..n {
        let a = format!("201555{i:04}");
        let b = format!("2126{i:06}");
        let mut c = caller(&a, &b, 1, Some(1));
        c.calls.clear();
        for k in 0..5u64 {
            c.calls.push(PlacedCall {
                at: secs(1 + k * 10) + Duration::from_micros(i as u64 * 997),
                to: b.clone(),
                holding: Some(secs(1)),
                give_up_after: None,
            });
        }
        scripts.push(c);
        scripts.push(callee(&b, WhenCalled::Answer { after: Duration::ZERO }));
    }
    let mut t = build_with(v, scripts, [GlareControl::Auto; 2], |c| {
        for g in &mut c.trunk_groups {
            g.cics = [1, 4000];
        }
    });
    let w = std::time::Instant::now();
    t.net.run_for(secs(100));
    let el = w.elapsed();
    let anm = t.net.ladder.iter().filter(|r| r.msg.starts_with("ANM")).count();
    println!(
        "{anm} answered calls in {el:?}: {:.0} calls/s, {} frames",
        anm as f64 / el.as_secs_f64(),
        t.net.ladder.len()
    );
}

#[test]
fn the_idle_set_finds_the_first_idle_circuit_in_a_range_and_a_parity() {
    let mut idle = IdleSet::all(130);
    assert!(idle.has(129) && !idle.has(130));
    for ci in [0, 1, 2, 64, 65, 127] {
        idle.put(ci, false);
    }
    assert_eq!(idle.first(0, 130, u64::MAX, |_| true), Some(3));
    assert_eq!(idle.first(0, 130, EVEN_BITS, |_| true), Some(4));
    assert_eq!(idle.first(60, 130, !EVEN_BITS, |ci| ci > 64), Some(67));
    assert_eq!(idle.first(127, 128, u64::MAX, |_| true), None, "busy");
    assert_eq!(idle.first(5, 5, u64::MAX, |_| true), None, "empty range");
    assert_eq!(idle.first(0, 130, 0, |_| true), None, "no parity controlled");
    idle.put(127, true);
    assert_eq!(idle.first(100, 130, !EVEN_BITS, |ci| ci != 101), Some(103));
}

#[test]
fn dtmf_crosses_a_transit_call_both_ways() {
    for v in BOTH {
        // A (SSP-1) calls D (SSP-3) through SSP-2 and keys 12# a second after
        // the answer; later D calls A and keys *9 two pauses after it.
        let mut a = caller(A, &format!("{D},12#"), 1, Some(6));
        a.when_called = answers(1);
        let mut d = caller(D, &format!("{A},,*9"), 20, Some(6));
        d.when_called = answers(1);
        let mut t = build(v, vec![a, d]);
        t.net.run_for(secs(40));
        assert_eq!(t.phone(D).dtmf_heard(), "12#", "{v}");
        assert_eq!(t.phone(A).dtmf_heard(), "*9", "{v}");
        let calls = t.calls();
        for hop in
            ["SSP-1 -> SSP-2: USR", "SSP-2 -> SSP-3: USR", "SSP-3 -> SSP-2: USR", "SSP-2 -> SSP-1: USR"]
        {
            assert!(calls.iter().any(|c| c.starts_with(hop)), "{v}: no {hop} in {calls:?}");
        }
        // The digits came after the answer, one USR per group and hop.
        assert_eq!(calls.iter().filter(|c| c.contains("USR")).count(), 4, "{v}: {calls:?}");
    }
}

#[test]
fn dtmf_between_two_lines_of_one_switch() {
    let mut t = build(Variant::Itu, vec![caller(A, &format!("{A2},5"), 1, Some(5)), callee(A2, answers(1))]);
    t.net.run_for(secs(20));
    assert_eq!(t.phone(A2).dtmf_heard(), "5");
    assert!(t.calls().is_empty());
}

#[test]
fn a_usr_with_dtmf_reaches_the_line_and_heard_text_stays_text() {
    let v = Variant::Itu;
    let mut t = build(v, vec![caller(A, D, 1, None), callee(D, WhenCalled::NoAnswer)]);
    t.net.run_for(secs(3));
    let s2 = t.ssp[1];
    for uui in [bridge::encode_dtmf("0#"), bridge::encode_hear("Hello")] {
        let usr = IsupRepr::new(v, 1, M::Usr, vec![P::UserToUserInformation(uui)], Some(vec![]));
        t.net.inject(s2, LINK2, &msu_from(v, 3, 2, &usr.to_bytes().expect("usr")));
    }
    t.net.run_for(secs(1));
    // A's call is still ringing D (proceeding): what crosses reaches A in band.
    assert_eq!(t.phone(A).dtmf_heard(), "0#");
    assert_eq!(t.phone(A).heard(), ["Hello"]);
}

/// SSP-1 with A as a `pbx` line; A's phone stays passive while the test
/// plays the line's side by hand on SSP-1's port 0.
fn pbx_topo(v: Variant) -> Topo {
    build_with(
        v,
        vec![callee(A, WhenCalled::NoAnswer), callee(B, WhenCalled::NoAnswer)],
        [GlareControl::Auto; 2],
        |c| {
            for l in &mut c.lines {
                if l.number == A {
                    l.class = LineClass::Pbx;
                }
            }
        },
    )
}

fn dial_from_a(t: &mut Topo, present: Option<crate::line::Presented>, to: &str) {
    let s1 = t.ssp[0];
    let mut sigs = vec![LineSignal::OffHook];
    sigs.extend(present.map(LineSignal::Present));
    sigs.push(LineSignal::Digits(to.into()));
    for s in sigs {
        t.net.inject(s1, Port(0), &s.to_bytes().expect("line frame"));
        t.net.run_for(Duration::from_millis(50));
    }
    t.net.run_for(secs(1));
}

fn attempts(t: &Topo, ssp: &str) -> Vec<String> {
    t.net
        .events
        .iter()
        .filter(|(_, n, _)| n == ssp)
        .filter_map(|(_, _, e)| match &e.kind {
            EventKind::CallAttempt { from, .. } => Some(from.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_pbx_line_presents_the_calling_number_of_its_call() {
    use crate::line::Presented;
    for v in BOTH {
        let mut t = pbx_topo(v);
        dial_from_a(&mut t, Some(Presented::Number("3035550111".into())), B);
        assert_eq!(attempts(&t, "SSP-2"), ["3035550111"], "{v}");
        assert!(t.phone(B).saw(&LineSignal::Ring { caller: Some("3035550111".into()) }), "{v}");

        // Withheld: the far switch gets the line's own number, restricted,
        // and rings B without caller ID.
        let mut t = pbx_topo(v);
        dial_from_a(&mut t, Some(Presented::Restricted), B);
        assert_eq!(attempts(&t, "SSP-2"), [A], "{v}");
        assert!(t.phone(B).saw(&LineSignal::Ring { caller: None }), "{v}");

        let mut t = pbx_topo(v);
        dial_from_a(&mut t, Some(Presented::Unavailable), B);
        assert_eq!(attempts(&t, "SSP-2"), [""], "{v}");
        assert!(t.phone(B).saw(&LineSignal::Ring { caller: None }), "{v}");
    }
}

#[test]
fn an_ordinary_line_cannot_present_a_number() {
    let mut t = build(Variant::Itu, vec![callee(A, WhenCalled::NoAnswer), callee(B, WhenCalled::NoAnswer)]);
    dial_from_a(&mut t, Some(crate::line::Presented::Number("3035550111".into())), B);
    assert_eq!(attempts(&t, "SSP-2"), [A]);
    assert!(t
        .net
        .events
        .iter()
        .any(|(_, _, e)| matches!(&e.kind, EventKind::Note(n) if n.contains("not a pbx line"))));
}

#[test]
fn the_presented_iam_codes_calling_number_and_charge_number() {
    use crate::line::Presented;
    let setup = |calling: &str| Setup {
        called: B.into(),
        calling: Some(calling.into()),
        category: 10,
        iam: None,
        rule: None,
    };
    for v in BOTH {
        let ssp = Ssp::new(&config(v, 1, [GlareControl::Auto; 2])).expect("config");
        let round = |r: IsupRepr| IsupRepr::parse(&r.to_bytes().expect("emit"), v).expect("parse");
        let r = round(ssp.presented_iam(&setup("3035550111"), A, &Presented::Number("3035550111".into())));
        let Some(P::CallingPartyNumber(n)) = r.find(isup::code::CALLING) else { panic!("{v}: no CgPN") };
        assert_eq!((n.digits.as_str(), n.screening, n.presentation), ("3035550111", 1, 0), "{v}");
        let charge = r.find(isup::code::CHARGE_NUMBER);
        match v {
            Variant::Ansi => assert!(matches!(charge, Some(P::ChargeNumber(c)) if c.digits.as_str() == A)),
            Variant::Itu => assert_eq!(charge, None),
        }
        let r = round(ssp.presented_iam(&setup(A), A, &Presented::Restricted));
        let Some(P::CallingPartyNumber(n)) = r.find(isup::code::CALLING) else { panic!("{v}: no CgPN") };
        assert_eq!((n.digits.as_str(), n.screening, n.presentation), (A, 3, 1), "{v}");
        let r = round(ssp.presented_iam(&setup(A), A, &Presented::Unavailable));
        match (v, r.find(isup::code::CALLING)) {
            (Variant::Itu, Some(P::CallingPartyNumber(n))) => {
                assert_eq!((n.digits.as_str(), n.screening, n.presentation), ("", 3, 2))
            }
            (Variant::Ansi, None) => {}
            other => panic!("{v}: {other:?}"),
        }
    }
}
