//! Click-to-call, the network side, on the default topology (the seed's
//! Fig. 1) in simulated time, in both variants: a business sends its call
//! instruction to the Internet access server; the ISCP calls the shopper
//! (2015550100 on SSP-A), the IP tells them to hold (again and again) while
//! the representative is called, and at the representative's answer the two
//! are bridged and the IP released. Then what goes wrong: the shopper busy or
//! away (retries), the representative busy (the business names the next
//! one, or the shopper hears an apology), a desired contact time that
//! outlives a restart of the access server, and a cancel at each stage.
//! Every story ends with nothing left behind: no TCAP dialogue, no held or
//! running call, every circuit released; the pcap passes tshark.
#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::time::Duration;

use ainsim_elements::access::AccessServer;
use ainsim_elements::iscp::Iscp;
use ainsim_elements::osn::{CallStatus, InstructionResult, OsnMessage};
use ainsim_elements::{Element, Input, Instant, Outputs, Port, WhenCalled};
use ainsim_runtime::ladder::label;
use ainsim_runtime::topology::{Network, Topology, ACCESS_CLIENT_PORT, DEFAULT};
use ainsim_runtime::{LinkKind, LinkModel};
use ainsim_wire::Variant;

const S: Duration = Duration::from_secs(1);
const SHOPPER: &str = "2015550100";
/// Answers after 3 s (default topology).
const REP: &str = "2125550142";
/// Answers after 4 s.
const NEXT_REP: &str = "2125550143";
/// Busy (default topology).
const BUSY_REP: &str = "2125550144";
const HOLD_TEXT: &str = "Please hold while we connect you to an ABC Travel customer representative";

/// The business's web server: what the test hands it (on port 99) goes to
/// the access server; what comes back is in the trace.
struct Web;

const WEB_IN: Port = Port(99);

impl Element for Web {
    fn name(&self) -> &str {
        "WEB"
    }

    fn handle(&mut self, _now: Instant, input: Input<'_>, out: &mut Outputs) {
        if let Input::Recv { port: WEB_IN, bytes } = input {
            out.send(Port(0), bytes.to_vec());
        }
    }
}

fn start(t: &Topology, v: Variant, seed: u64) -> Network {
    let mut net = t.plan(Some(v)).unwrap().simulate(seed).unwrap();
    let web = net.sim.add_node("WEB", Web).unwrap();
    let access = net.node("ACCESS").unwrap();
    net.sim
        .link(
            (web, Port(0)),
            (access, ACCESS_CLIENT_PORT),
            LinkKind::Osn,
            LinkModel::fixed(Duration::from_millis(1)),
        )
        .unwrap();
    net.sim.tap_pcap_memory();
    net.sim.start();
    net.sim.run_for(S);
    net
}

fn instruction(request_id: u64, representative: &str, contact_at: Option<u64>) -> OsnMessage {
    OsnMessage::CallInstruction {
        request_id,
        equipment: "https://abc-travel.example/".into(),
        business: "ABC".into(),
        password: "cruise-2027".into(),
        customer: SHOPPER.into(),
        representative: representative.into(),
        contact_at,
    }
}

/// The business side sends `m` to the access server.
fn send(net: &mut Network, m: &OsnMessage) {
    let web = net.sim.node_by_name("WEB").unwrap();
    net.sim.inject(web, WEB_IN, m.emit());
}

/// What the access server told the business side, in order.
fn to_business(net: &Network) -> Vec<OsnMessage> {
    net.sim
        .trace()
        .iter()
        .filter(|e| e.kind == LinkKind::Osn && e.from_name.as_ref() == "ACCESS")
        .filter_map(|e| OsnMessage::parse(&e.bytes).ok())
        .filter(|m| matches!(m, OsnMessage::CallStatus { .. } | OsnMessage::CallInstructionResult { .. }))
        .collect()
}

/// The statuses the business side got for `request_id`, in order.
fn statuses(net: &Network, request_id: u64) -> Vec<CallStatus> {
    to_business(net)
        .into_iter()
        .filter_map(|m| match m {
            OsnMessage::CallStatus { call_id, status } if call_id == request_id => Some(status),
            _ => None,
        })
        .collect()
}

/// Every SS7 and OSN message as "SENDER LABEL".
fn ladder(net: &Network) -> Vec<String> {
    net.sim
        .trace()
        .iter()
        .filter(|e| matches!(e.kind, LinkKind::Ss7 | LinkKind::Osn))
        .map(|e| format!("{} {}", e.from_name, label(e.kind, &e.bytes, net.variant)))
        .filter(|l| !l.contains("GRS") && !l.contains("GRA"))
        .collect()
}

fn count(ladder: &[String], what: &str) -> usize {
    ladder.iter().filter(|l| l.contains(what)).count()
}

fn counter(net: &Network, node: &str, name: &str) -> u64 {
    let n = net.node(node).unwrap();
    net.sim.counters(n).into_iter().find(|(k, _)| k == name).map_or(0, |(_, v)| v)
}

fn notes(net: &Network) -> Vec<String> {
    net.sim.events().iter().map(|e| format!("{:?}", e.event.kind)).collect()
}

/// Nothing is left behind: no dialogue, no pending retry, no call at the
/// access server, every ISUP circuit seized was released (one RLC per IAM,
/// the IP's trunks included), no frame lost; and tshark reads the pcap clean.
fn nothing_left_behind(net: &Network, v: Variant) {
    let iscp: &Iscp = net.sim.element(net.node("ISCP").unwrap()).unwrap();
    assert_eq!(iscp.open_dialogues(), 0, "{v}: dialogues left open");
    assert_eq!(iscp.pending_retries(), 0, "{v}: retries left");
    let access: &AccessServer = net.sim.element(net.node("ACCESS").unwrap()).unwrap();
    assert_eq!(access.calls(), (0, 0), "{v}: calls left at the access server");
    let l = ladder(net);
    if std::env::var_os("AINSIM_LADDER").is_some() {
        eprintln!("---- {v}\n{}", l.join("\n"));
    }
    assert_eq!(count(&l, " IAM"), count(&l, " RLC"), "{v}: a circuit is still seized:\n{}", l.join("\n"));
    assert_eq!(net.sim.stats().lost(), 0, "{v}");
    tshark_judges(&net.sim.pcap_bytes(), v);
}

fn tshark_judges(pcap: &[u8], v: Variant) {
    if !Command::new("tshark").arg("--version").output().is_ok_and(|o| o.status.success()) {
        eprintln!(
            "!!!!!!!! tshark not found: SKIPPING the Wireshark check of the click-to-call pcap !!!!!!!!"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c2c.pcap");
    std::fs::write(&path, pcap).unwrap();
    let (standard, ssn) = match v {
        Variant::Ansi => ("mtp3.standard:ANSI", "sccp.ssn==248,tcap"),
        Variant::Itu => ("mtp3.standard:ITU", "sccp.ssn==241,tcap"),
    };
    let out = Command::new("tshark")
        .args(["-n", "-o", standard, "-d", ssn, "-r"])
        .arg(&path)
        .args(["-Y", "_ws.malformed || _ws.expert.severity >= warning", "-V"])
        .output()
        .unwrap();
    assert!(out.status.success(), "tshark failed: {}", String::from_utf8_lossy(&out.stderr));
    let bad = String::from_utf8_lossy(&out.stdout);
    assert!(bad.trim().is_empty(), "{v}: tshark flags frames:\n{bad}");
}

fn in_order(got: &[CallStatus], want: &[CallStatus], v: Variant) {
    let mut it = got.iter();
    for w in want {
        assert!(it.any(|g| g == w), "{v}: {w:?} missing (in order) from {got:?}");
    }
}

#[test]
fn the_shopper_hears_the_announcement_while_the_representative_is_called_then_they_talk() {
    for v in [Variant::Ansi, Variant::Itu] {
        let mut t = Topology::default_fig1();
        t.phone_mut(REP).holding = Some(20 * S);
        let mut net = start(&t, v, 41);
        send(&mut net, &instruction(1, REP, None));
        net.sim.run_for(120 * S);

        in_order(
            &statuses(&net, 1),
            &[
                CallStatus::CallingCustomer,
                CallStatus::CustomerAnswered,
                CallStatus::Announcing,
                CallStatus::CallingRepresentative,
                CallStatus::Connected,
                CallStatus::Released,
            ],
            v,
        );
        assert!(
            notes(&net).iter().any(|n| n.contains(HOLD_TEXT)),
            "{v}: the IP played the whole text with the business's name"
        );
        // The representative is called while the IP plays (it answers after
        // 3 s, the announcement lasts 5 s): the IP's circuit is released by
        // the SSP at the representative's answer, not by the IP at its end.
        let l = ladder(&net);
        let ip_iam = l.iter().position(|x| x.starts_with("SSP-A IAM")).unwrap();
        let rep_iam =
            l.iter().skip(ip_iam + 1).position(|x| x.starts_with("SSP-A IAM")).unwrap() + ip_iam + 1;
        let rep_anm = l.iter().position(|x| x.starts_with("SSP-B ANM")).unwrap();
        let ip_rel = l.iter().position(|x| x.starts_with("SSP-A REL") || x.starts_with("IP REL")).unwrap();
        assert!(
            ip_iam < rep_iam && rep_iam < ip_rel,
            "{v}: the representative called during the announcement:\n{}",
            l.join("\n")
        );
        assert!(
            rep_anm < ip_rel && l[ip_rel].starts_with("SSP-A REL"),
            "{v}: the SSP releases the IP at the answer:\n{}",
            l.join("\n")
        );
        assert_eq!(count(&l, "IP REL"), 0, "{v}: the IP never got to the end of the announcement");
        assert_eq!(counter(&net, "ISCP", "repeats"), 0, "{v}");
        let shopper = net.line_report(SHOPPER);
        let rep = net.line_report(REP);
        assert!(shopper.answered < rep.alerting && rep.answered.is_some(), "{v}");
        let rep_answered = rep.answered.unwrap().micros();
        assert!(
            rep_answered < shopper.answered.unwrap().micros() + 5_000_000,
            "{v}: before the announcement ends"
        );
        nothing_left_behind(&net, v);
    }
}

#[test]
fn the_announcement_repeats_while_the_representative_rings_long() {
    for v in [Variant::Ansi, Variant::Itu] {
        let mut t = Topology::default_fig1();
        t.phone_mut(REP).when_called = WhenCalled::Answer { after: 12 * S };
        t.phone_mut(REP).holding = Some(10 * S);
        let mut net = start(&t, v, 51);
        send(&mut net, &instruction(11, REP, None));
        net.sim.run_for(120 * S);

        in_order(
            &statuses(&net, 11),
            &[
                CallStatus::CustomerAnswered,
                CallStatus::Announcing,
                CallStatus::CallingRepresentative,
                CallStatus::Connected,
                CallStatus::Released,
            ],
            v,
        );
        // 12 s of ringing over a 5 s announcement: played 3 times, the third cut off.
        assert_eq!(counter(&net, "ISCP", "repeats"), 2, "{v}");
        assert_eq!(counter(&net, "IP", "announcements_played"), 3, "{v}");
        let l = ladder(&net);
        let clear = if v == Variant::Ansi {
            "SSP-A ConversationWithPerm Resource_Clear"
        } else {
            "SSP-A Continue SpecializedResourceReport"
        };
        assert_eq!(count(&l, clear), 2, "{v}:\n{}", l.join("\n"));
        assert_eq!(count(&l, "IP REL"), 2, "{v}: two announcements played to their end");
        // One IAM to the representative, before the first announcement ended.
        let first_ip_rel = l.iter().position(|x| x.starts_with("IP REL")).unwrap();
        let iams: Vec<usize> =
            l.iter().enumerate().filter(|(_, x)| x.starts_with("SSP-A IAM")).map(|(i, _)| i).collect();
        assert_eq!(iams.len(), 4, "{v}: three to the IP, one to the representative:\n{}", l.join("\n"));
        assert!(iams[1] < first_ip_rel, "{v}: the representative is called at once:\n{}", l.join("\n"));
        let rep = net.line_report(REP);
        assert_eq!(rep.causes.len(), 1, "{v}: rung once: {rep:?}");
        assert_eq!(net.line_report(SHOPPER).causes.len(), 1, "{v}");
        nothing_left_behind(&net, v);
    }
}

#[test]
fn a_busy_shopper_is_called_again_per_the_policy_then_the_business_is_told() {
    for v in [Variant::Ansi, Variant::Itu] {
        let mut t = Topology::default_fig1();
        t.phone_mut(SHOPPER).when_called = WhenCalled::Busy;
        let mut net = start(&t, v, 42);
        send(&mut net, &instruction(2, REP, None));
        net.sim.run_for(300 * S);

        let got = statuses(&net, 2);
        let unavailable = |attempt, retry_in_s| CallStatus::CustomerUnavailable {
            cause: "busy".into(),
            attempt,
            retry_in_s,
        };
        in_order(
            &got,
            &[
                CallStatus::CallingCustomer,
                unavailable(1, Some(60)),
                CallStatus::CallingCustomer,
                unavailable(2, Some(60)),
                CallStatus::CallingCustomer,
                unavailable(3, None),
                CallStatus::Failed { reason: "customer busy after 3 attempt(s)".into() },
            ],
            v,
        );
        assert_eq!(counter(&net, "ISCP", "initiated"), 3, "{v}");
        assert_eq!(counter(&net, "ISCP", "retries"), 2, "{v}");
        assert!(net.line_report(REP).alerting.is_none(), "{v}: the representative is never called");
        nothing_left_behind(&net, v);
    }
}

#[test]
fn a_shopper_who_does_not_answer_is_released_and_called_again() {
    for v in [Variant::Ansi, Variant::Itu] {
        let mut t = Topology::default_fig1();
        t.phone_mut(SHOPPER).when_called = WhenCalled::NoAnswer;
        let mut net = start(&t, v, 43);
        send(&mut net, &instruction(3, REP, None));
        net.sim.run_for(400 * S);

        let got = statuses(&net, 3);
        assert!(
            got.contains(&CallStatus::CustomerUnavailable {
                cause: "no_answer".into(),
                attempt: 1,
                retry_in_s: Some(60)
            }),
            "{v}: {got:?}"
        );
        assert_eq!(
            got.last(),
            Some(&CallStatus::Failed { reason: "customer not answering after 3 attempt(s)".into() }),
            "{v}"
        );
        assert!(net.line_report(SHOPPER).alerting.is_some(), "{v}");
        nothing_left_behind(&net, v);
    }
}

#[test]
fn a_busy_representative_is_reported_and_the_next_one_takes_the_call() {
    for v in [Variant::Ansi, Variant::Itu] {
        let mut t = Topology::default_fig1();
        t.phone_mut(NEXT_REP).holding = Some(10 * S);
        let mut net = start(&t, v, 44);
        send(&mut net, &instruction(4, BUSY_REP, None));
        // Wait for the business to hear that the representative is busy.
        let mut waited = 0;
        while !statuses(&net, 4).iter().any(|s| matches!(s, CallStatus::RepresentativeUnavailable { .. })) {
            net.sim.run_for(S);
            waited += 1;
            assert!(waited < 60, "{v}: no representative_unavailable: {:?}", statuses(&net, 4));
        }
        // The ACD takes its time: the shopper hears the announcement again meanwhile.
        net.sim.run_for(12 * S);
        let asked = net.sim.now();
        send(&mut net, &OsnMessage::NextRepresentative { call_id: 4, representative: NEXT_REP.into() });
        net.sim.run_for(120 * S);
        // The next representative is called at once, not at the end of the announcement.
        let rung = net.line_report(NEXT_REP).alerting.unwrap();
        assert!(
            rung.micros() - asked.micros() < 1_000_000,
            "{v}: rang {} µs after",
            rung.micros() - asked.micros()
        );

        in_order(
            &statuses(&net, 4),
            &[
                CallStatus::CustomerAnswered,
                CallStatus::Announcing,
                CallStatus::CallingRepresentative,
                CallStatus::RepresentativeUnavailable {
                    representative: BUSY_REP.into(),
                    cause: "busy".into(),
                    wait_s: 30,
                },
                CallStatus::CallingRepresentative,
                CallStatus::Connected,
                CallStatus::Released,
            ],
            v,
        );
        assert!(counter(&net, "ISCP", "repeats") >= 2, "{v}: the announcement repeats while waiting");
        assert!(counter(&net, "IP", "announcements_played") >= 3, "{v}");
        assert!(net.line_report(NEXT_REP).answered.is_some(), "{v}");
        let l = ladder(&net);
        assert!(count(&l, "NextRepresentative #") >= 2, "{v}: relayed by the access server");
        nothing_left_behind(&net, v);
    }
}

#[test]
fn with_no_next_representative_the_shopper_hears_an_apology_and_is_released() {
    for v in [Variant::Ansi, Variant::Itu] {
        let t = Topology::default_fig1();
        let mut net = start(&t, v, 45);
        send(&mut net, &instruction(5, BUSY_REP, None));
        net.sim.run_for(120 * S);

        let got = statuses(&net, 5);
        in_order(
            &got,
            &[
                CallStatus::RepresentativeUnavailable {
                    representative: BUSY_REP.into(),
                    cause: "busy".into(),
                    wait_s: 30,
                },
                CallStatus::Failed { reason: "no representative available".into() },
            ],
            v,
        );
        assert!(notes(&net).iter().any(|n| n.contains("sorry-no-representative")), "{v}: the apology");
        let shopper = net.line_report(SHOPPER);
        assert_eq!(shopper.causes, vec![16], "{v}: released normally: {shopper:?}");
        nothing_left_behind(&net, v);
    }
}

#[test]
fn a_desired_contact_time_survives_a_restart_of_the_access_server() {
    for v in [Variant::Ansi, Variant::Itu] {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("access.sled");
        let text = DEFAULT.replace(
            "listen = \"127.0.0.1:7000\"",
            &format!("listen = \"127.0.0.1:7000\"\nstore = {:?}", store.to_str().unwrap()),
        );
        let mut t = Topology::parse(&text, "fig1-with-store").unwrap();
        t.phone_mut(REP).holding = Some(5 * S);
        let mut net = start(&t, v, 46);
        // The access server's clock starts at Unix time 0 in the simulator: call at 300 s.
        send(&mut net, &instruction(6, REP, Some(300)));
        net.sim.run_for(60 * S);
        let access = net.node("ACCESS").unwrap();
        net.sim.crash(access);
        net.sim.run_for(30 * S);
        net.sim.restart(access);
        net.sim.run_for(100 * S);
        assert!(net.line_report(SHOPPER).alerting.is_none(), "{v}: not before its time");
        assert_eq!(counter(&net, "ACCESS", "restored"), 1, "{v}");
        net.sim.run_for(200 * S);

        let shopper = net.line_report(SHOPPER);
        let rang = shopper.alerting.unwrap().micros() / 1_000_000;
        assert!((300..302).contains(&rang), "{v}: rang at {rang} s");
        assert!(
            to_business(&net).contains(&OsnMessage::CallInstructionResult {
                request_id: 6,
                result: InstructionResult::Accepted { held_until: Some(300) }
            }),
            "{v}"
        );
        in_order(
            &statuses(&net, 6),
            &[CallStatus::CallingCustomer, CallStatus::Connected, CallStatus::Released],
            v,
        );
        nothing_left_behind(&net, v);
    }
}

#[test]
fn a_held_request_is_cancelled_before_anything_reaches_the_network() {
    for v in [Variant::Ansi, Variant::Itu] {
        let mut net = start(&Topology::default_fig1(), v, 47);
        send(&mut net, &instruction(7, REP, Some(600)));
        net.sim.run_for(10 * S);
        send(&mut net, &OsnMessage::Cancel { call_id: 7 });
        net.sim.run_for(700 * S);
        assert_eq!(statuses(&net, 7), vec![CallStatus::Cancelled], "{v}");
        assert_eq!(count(&ladder(&net), "CallSetup"), 0, "{v}");
        assert!(net.line_report(SHOPPER).alerting.is_none(), "{v}");
        // A second cancel names no call any more.
        send(&mut net, &OsnMessage::Cancel { call_id: 7 });
        net.sim.run_for(S);
        assert!(
            matches!(
                to_business(&net).last(),
                Some(OsnMessage::CallInstructionResult {
                    request_id: 7,
                    result: InstructionResult::Refused { .. }
                })
            ),
            "{v}"
        );
        nothing_left_behind(&net, v);
    }
}

#[test]
fn cancelling_while_the_shopper_rings_releases_the_line_and_closes_the_dialogue() {
    for v in [Variant::Ansi, Variant::Itu] {
        let mut t = Topology::default_fig1();
        t.phone_mut(SHOPPER).when_called = WhenCalled::NoAnswer;
        let mut net = start(&t, v, 48);
        send(&mut net, &instruction(8, REP, None));
        net.sim.run_for(5 * S);
        assert!(net.line_report(SHOPPER).alerting.is_some(), "{v}: ringing");
        send(&mut net, &OsnMessage::Cancel { call_id: 8 });
        net.sim.run_for(60 * S);
        assert_eq!(statuses(&net, 8).last(), Some(&CallStatus::Cancelled), "{v}");
        assert_eq!(counter(&net, "ISCP", "cancelled"), 1, "{v}");
        let shopper = net.line_report(SHOPPER);
        assert!(shopper.answered.is_none() && shopper.released.is_some(), "{v}: {shopper:?}");
        // The SSP's first report (no answer) is answered with the release:
        // no dialogue is aborted on either side.
        assert_eq!(counter(&net, "ISCP", "aborts_sent"), 0, "{v}");
        assert_eq!(counter(&net, "ISCP", "timeouts"), 0, "{v}");
        let l = ladder(&net);
        let release = if v == Variant::Ansi { "ISCP Response Disconnect" } else { "ISCP End ReleaseCall" };
        assert_eq!(count(&l, release), 1, "{v}:\n{}", l.join("\n"));
        nothing_left_behind(&net, v);
    }
}

#[test]
fn cancelling_while_the_representative_rings_releases_both_legs() {
    for v in [Variant::Ansi, Variant::Itu] {
        let mut t = Topology::default_fig1();
        t.phone_mut(REP).when_called = WhenCalled::NoAnswer;
        let mut net = start(&t, v, 49);
        send(&mut net, &instruction(9, REP, None));
        let mut waited = 0;
        while net.line_report(REP).alerting.is_none() {
            net.sim.run_for(S);
            waited += 1;
            assert!(waited < 60, "{v}: the representative never rang");
        }
        send(&mut net, &OsnMessage::Cancel { call_id: 9 });
        net.sim.run_for(60 * S);
        assert_eq!(statuses(&net, 9).last(), Some(&CallStatus::Cancelled), "{v}");
        let l = ladder(&net);
        assert!(
            l.iter().any(|x| x.starts_with("SSP-A REL") && x.contains("16")),
            "{v}: REL 16 toward the representative:\n{}",
            l.join("\n")
        );
        assert_eq!(net.line_report(SHOPPER).causes, vec![16], "{v}");
        nothing_left_behind(&net, v);
    }
}

#[test]
fn a_representative_who_does_not_answer_is_reported_too() {
    for v in [Variant::Ansi, Variant::Itu] {
        let mut t = Topology::default_fig1();
        t.phone_mut(REP).when_called = WhenCalled::NoAnswer;
        let mut net = start(&t, v, 50);
        send(&mut net, &instruction(10, REP, None));
        net.sim.run_for(300 * S);
        let got = statuses(&net, 10);
        assert!(
            got.iter().any(
                |s| matches!(s, CallStatus::RepresentativeUnavailable { cause, .. } if cause == "no_answer")
            ),
            "{v}: {got:?}"
        );
        assert_eq!(
            got.last(),
            Some(&CallStatus::Failed { reason: "no representative available".into() }),
            "{v}"
        );
        nothing_left_behind(&net, v);
    }
}
