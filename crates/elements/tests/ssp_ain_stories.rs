//! The AIN call model with real elements: phones on two SSPs, a mated STP
//! pair that translates the ISCP's global title (sent to the pair's alias
//! point code), the ISCP and the IP, stepped in simulated time. The ladders
//! are read off the simulator's trace.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use ainsim_elements::ip::{Ip, IpConfig};
use ainsim_elements::iscp::{Iscp, IscpConfig, Subscriber, TollFree, SUBSCRIBER_TREE, TOLL_FREE_TREE};
use ainsim_elements::line::{LineSignal, Tone};
use ainsim_elements::osn::{CallStatus, OsnMessage};
use ainsim_elements::ssp::{
    AinConfig, LineConfig, LinkSetConfig, NumberingPlan, PrefixRoute, SignallingConfig, TimeoutAction,
    TriggerKind, TrunkGroupConfig,
};
use ainsim_elements::stp::{Stp, StpConfig};
use ainsim_elements::{NodeId, Phone, PhoneScript, PlacedCall, Port, Ssp, SspConfig, WhenCalled};
use ainsim_runtime::ladder::Options;
use ainsim_runtime::{LinkKind, LinkModel, Simulator};
use ainsim_store::{MemStore, StoreExt};
use ainsim_wire::{PointCode, Variant};
use common::{StandIn, LINK, MS, SCRIPT, SEC};

thread_local! {
    /// The network's flavour in the running test (each test runs on its own thread).
    static VARIANT: std::cell::Cell<Variant> = const { std::cell::Cell::new(Variant::Ansi) };
}

fn v() -> Variant {
    VARIANT.with(std::cell::Cell::get)
}

/// Runs the rest of the test in an ITU network (ITU TCAP + INAP, ITU ISUP).
fn itu() {
    VARIANT.with(|c| c.set(Variant::Itu));
}

fn ssn() -> u8 {
    if v() == Variant::Ansi {
        248
    } else {
        241
    }
}
const ISCP_GT: &str = "8885550000";

fn pc(m: u8) -> PointCode {
    if v() == Variant::Ansi {
        PointCode::ansi(1, 1, m)
    } else {
        PointCode(u32::from(m) * 10)
    }
}
const SSP_A: u8 = 1;
const SSP_B: u8 = 2;
const STP: u8 = 10;
const STP2: u8 = 11;
const STP_ALIAS: u8 = 12;
const ISCP: u8 = 50;
const IP: u8 = 60;

fn line(number: &str, port: u32) -> LineConfig {
    serde_json::from_value(serde_json::json!({ "number": number, "port": port })).unwrap()
}

fn rule(prefix: &str, group: &str, trigger: Option<TriggerKind>) -> PrefixRoute {
    PrefixRoute {
        prefix: prefix.into(),
        length: None,
        trunk_groups: if group.is_empty() { vec![] } else { vec![group.into()] },
        trigger,
    }
}

fn group(name: &str, far: u8, cics: [u16; 2]) -> TrunkGroupConfig {
    serde_json::from_value(serde_json::json!({ "name": name, "far_end": pc(far), "cics": cics })).unwrap()
}

fn ssp_config(
    name: &str,
    me: u8,
    lines: Vec<LineConfig>,
    routes: Vec<PrefixRoute>,
    groups: Vec<TrunkGroupConfig>,
) -> SspConfig {
    SspConfig {
        name: name.into(),
        signalling: SignallingConfig {
            point_code: pc(me),
            variant: v(),
            ni: 2,
            linksets: vec![
                LinkSetConfig { adjacent: pc(STP), ports: vec![Port(100)] },
                LinkSetConfig { adjacent: pc(STP2), ports: vec![Port(101)] },
            ],
            routes: vec![],
        },
        lines,
        numbering: NumberingPlan { number_length: Some(10), routes },
        trunk_groups: groups,
        timers: Default::default(),
        ain: None,
    }
}

/// SSP-A: the shopper 2015550100, 800 numbers on an Info_Analyzed trigger,
/// trunks to SSP-B and to the IP; it queries the ISCP by global title.
fn ssp_a() -> SspConfig {
    let mut c = ssp_config(
        "SSP-A",
        SSP_A,
        vec![line("2015550100", 0), line("2015550101", 1)],
        vec![
            rule("212", "a-b", None),
            rule("2125550999", "to-ip", None),
            rule("800", "", Some(TriggerKind::InfoAnalyzed)),
        ],
        vec![group("a-b", SSP_B, [1, 30]), group("to-ip", IP, [1, 10])],
    );
    let mut ain = AinConfig::new(pc(STP_ALIAS));
    ain.iscp_gt = Some(ISCP_GT.into());
    c.ain = Some(ain);
    c
}

/// SSP-B: the representatives 2125550142 (Termination_Attempt trigger) and
/// 2125550143; it queries the ISCP on PC + SSN.
fn ssp_b() -> SspConfig {
    let mut c = ssp_config(
        "SSP-B",
        SSP_B,
        vec![line("2125550142", 0), line("2125550143", 1)],
        vec![rule("201", "b-a", None)],
        vec![group("b-a", SSP_A, [1, 30])],
    );
    let mut ain = AinConfig::new(pc(ISCP));
    ain.termination_attempt = vec!["2125550142".into()];
    c.ain = Some(ain);
    c
}

/// One STP of the mated pair (`me` and its `mate`); both answer to the
/// pair's alias point code and translate the ISCP's global title.
fn stp_config(name: &str, me: u8, mate: u8) -> StpConfig {
    serde_json::from_value(serde_json::json!({
        "name": name,
        "point_code": pc(me),
        "alias_point_codes": [pc(STP_ALIAS)],
        "variant": v(),
        "linksets": [
            { "name": "A", "adjacent": pc(SSP_A), "ports": [0] },
            { "name": "B", "adjacent": pc(SSP_B), "ports": [1] },
            { "name": "ISCP", "adjacent": pc(ISCP), "ports": [2] },
            { "name": "IP", "adjacent": pc(IP), "ports": [3] },
            { "name": "C", "adjacent": pc(mate), "ports": [4] },
        ],
        "routes": [
            { "dpc": pc(SSP_A), "linksets": [["A"]] },
            { "dpc": pc(SSP_B), "linksets": [["B"]] },
            { "dpc": pc(ISCP), "linksets": [["ISCP"]] },
            { "dpc": pc(IP), "linksets": [["IP"]] },
            { "dpc": pc(mate), "linksets": [["C"]] },
        ],
        "mate": "C",
        "gtt": [ { "prefix": ISCP_GT, "tt": 0, "primary": { "pc": pc(ISCP), "ssn": ssn() } } ],
    }))
    .unwrap()
}

fn provisioned() -> MemStore {
    let mut s = MemStore::new();
    let tf = TollFree { rules: vec![], default: Some("2125550142".into()), monitor: false };
    s.put(TOLL_FREE_TREE, "8005551234", &tf).unwrap();
    // A monitored number (billing: answer and disconnect reported), and one with nowhere to go.
    let monitored = TollFree { rules: vec![], default: Some("2125550143".into()), monitor: true };
    s.put(TOLL_FREE_TREE, "8005550001", &monitored).unwrap();
    s.put(TOLL_FREE_TREE, "8005550002", &TollFree::default()).unwrap();
    let sub = Subscriber {
        forward_on_busy: Some("2125550143".into()),
        forward_on_no_answer: Some("2125550143".into()),
        no_answer_s: 20,
    };
    s.put(SUBSCRIBER_TREE, "2125550142", &sub).unwrap();
    s
}

struct World {
    sim: Simulator,
    ssp_a: NodeId,
    ssp_b: NodeId,
    iscp: NodeId,
    stps: [NodeId; 2],
    phones: Vec<(String, NodeId)>,
}

impl World {
    fn phone(&mut self, number: &str) -> &Phone {
        let id = self.phones.iter().find(|(n, _)| n == number).unwrap().1;
        self.sim.element::<Phone>(id).unwrap()
    }

    fn ssp(&self, id: NodeId) -> &Ssp {
        self.sim.element::<Ssp>(id).unwrap()
    }

    fn ladder(&self) -> String {
        let mut o = Options::new(v());
        o.column_width = 44;
        o.columns =
            ["2015550100", "SSP-A", "STP-1", "STP-2", "ISCP", "IP", "SSP-B", "2125550142", "2125550143"]
                .map(String::from)
                .to_vec();
        self.sim.ladder(&o)
    }
}

/// Builds the network with phones scripted by `scripts` (by number) and
/// `tweak` applied to the SSP configurations.
fn world(scripts: Vec<PhoneScript>, tweak: impl Fn(&mut SspConfig, &mut SspConfig)) -> World {
    let (mut a, mut b) = (ssp_a(), ssp_b());
    tweak(&mut a, &mut b);
    let mut sim = Simulator::new(5);
    let ssp_a = sim.add_node("SSP-A", Ssp::new(&a).unwrap()).unwrap();
    let ssp_b = sim.add_node("SSP-B", Ssp::new(&b).unwrap()).unwrap();
    let stp = sim.add_node("STP-1", Stp::new(&stp_config("STP-1", STP, STP2)).unwrap()).unwrap();
    let stp2 = sim.add_node("STP-2", Stp::new(&stp_config("STP-2", STP2, STP)).unwrap()).unwrap();
    let mut ic = IscpConfig::new("ISCP", pc(ISCP), v(), pc(SSP_A));
    ic.linksets = vec![(pc(STP), vec![Port(0)]), (pc(STP2), vec![Port(1)])];
    ic.osn_port = Some(Port(9));
    let iscp = sim.add_node("ISCP", Iscp::new(ic, Box::new(provisioned()))).unwrap();
    let mut ipc = IpConfig::new("IP", pc(IP), v());
    ipc.linksets = vec![(pc(STP), vec![Port(0)]), (pc(STP2), vec![Port(1)])];
    let ip = sim.add_node("IP", Ip::new(ipc)).unwrap();
    let ss7 = LinkModel::fixed(Duration::from_millis(5));
    for (k, s) in [stp, stp2].into_iter().enumerate() {
        let k = k as u32;
        sim.link((ssp_a, Port(100 + k)), (s, Port(0)), LinkKind::Ss7, ss7).unwrap();
        sim.link((ssp_b, Port(100 + k)), (s, Port(1)), LinkKind::Ss7, ss7).unwrap();
        sim.link((iscp, Port(k)), (s, Port(2)), LinkKind::Ss7, ss7).unwrap();
        sim.link((ip, Port(k)), (s, Port(3)), LinkKind::Ss7, ss7).unwrap();
    }
    sim.link((stp, Port(4)), (stp2, Port(4)), LinkKind::Ss7, ss7).unwrap();
    let mut phones = Vec::new();
    for (number, ssp, port) in [
        ("2015550100", ssp_a, 0),
        ("2015550101", ssp_a, 1),
        ("2125550142", ssp_b, 0),
        ("2125550143", ssp_b, 1),
    ] {
        let script =
            scripts.iter().find(|s| s.number == number).cloned().unwrap_or_else(|| PhoneScript::new(number));
        let id = sim.add_node(number, Phone::new(script)).unwrap();
        sim.link((id, Phone::LINE), (ssp, Port(port)), LinkKind::Line, LinkModel::fixed(MS)).unwrap();
        phones.push((number.to_string(), id));
    }
    sim.set_tracing(true);
    sim.tap_pcap_memory();
    sim.start();
    World { sim, ssp_a, ssp_b, iscp, stps: [stp, stp2], phones }
}

fn caller(number: &str, to: &str, holding: Duration) -> PhoneScript {
    let mut s = PhoneScript::new(number);
    s.calls =
        vec![PlacedCall { at: SEC, to: to.into(), holding: Some(holding), give_up_after: Some(60 * SEC) }];
    s
}

fn answers(number: &str, after: Duration) -> PhoneScript {
    let mut s = PhoneScript::new(number);
    s.when_called = WhenCalled::Answer { after };
    s
}

/// `labels` appear in `ladder` in this order.
fn in_order(ladder: &str, labels: &[&str]) {
    let mut at = 0;
    for label in labels {
        let found =
            ladder[at..].find(label).unwrap_or_else(|| panic!("{label:?} not after {at} in\n{ladder}"));
        at += found + label.len();
    }
}

#[test]
fn an_800_call_is_translated_and_answered() {
    let mut w =
        world(vec![caller("2015550100", "8005551234", 10 * SEC), answers("2125550142", 2 * SEC)], |_, _| {});
    w.sim.run_for(30 * SEC);
    let ladder = w.ladder();
    println!("{ladder}");
    in_order(
        &ladder,
        &[
            "QueryWithPerm Info_Analyzed",
            "Response Analyze_Route",
            "IAM 2015550100→2125550142",
            // SSP-B's Termination_Attempt trigger on the representative's line.
            "QueryWithPerm Termination_Attempt",
            "ConversationWithPerm Request_Report_BCM_Event",
            "ACM",
            "ANM",
            "REL 16",
            "RLC",
        ],
    );
    let a = w.ssp(w.ssp_a).ain_counters();
    assert_eq!((a.queries, a.instructions, a.timeouts), (1, 1, 0));
    let b = w.ssp(w.ssp_b).ain_counters();
    assert_eq!((b.queries, b.timeouts), (1, 0));
    // SSP-A's query was translated by one STP of the pair (SSP-B's went on PC + SSN).
    let translated: u64 =
        w.stps.iter().map(|&s| w.sim.element::<Stp>(s).unwrap().counters().gtt_translated).sum();
    assert_eq!(translated, 1);
    assert!(w.phone("2015550100").saw(&LineSignal::Connected));
    assert!(w.phone("2125550142").saw(&LineSignal::Connected));
    assert_eq!(w.ssp(w.ssp_a).ain_dialogues() + w.ssp(w.ssp_b).ain_dialogues(), 0);
    assert_eq!(w.sim.element::<Iscp>(w.iscp).unwrap().open_dialogues(), 0);
    tshark_judges(&w.sim.pcap_bytes(), "an_800_call_is_translated_and_answered");
}

#[test]
fn a_monitored_800_call_reports_answer_and_disconnect() {
    let mut w =
        world(vec![caller("2015550100", "8005550001", 10 * SEC), answers("2125550143", 2 * SEC)], |_, _| {});
    w.sim.run_for(30 * SEC);
    let ladder = w.ladder();
    println!("{ladder}");
    in_order(
        &ladder,
        &[
            "QueryWithPerm Info_Analyzed",
            "ConversationWithPerm Analyze_Route, R",
            "IAM 2015550100→2125550143",
            "ANM",
            "ConversationWithoutPerm O_Answer",
            "REL 16",
            "Response O_Disconnect",
        ],
    );
    let a = w.ssp(w.ssp_a).ain_counters();
    assert_eq!((a.queries, a.reports, a.timeouts), (1, 2, 0));
    assert_eq!(w.ssp(w.ssp_a).ain_dialogues(), 0);
    assert_eq!(w.sim.element::<Iscp>(w.iscp).unwrap().open_dialogues(), 0);
    tshark_judges(&w.sim.pcap_bytes(), "a_monitored_800_call_reports_answer_and_disconnect");
}

#[test]
fn an_800_number_with_nowhere_to_go_is_disconnected() {
    let mut w = world(vec![caller("2015550100", "8005550002", 10 * SEC)], |_, _| {});
    w.sim.run_for(5 * SEC);
    let ladder = w.ladder();
    in_order(&ladder, &["QueryWithPerm Info_Analyzed", "Response Disconnect", "Congestion tone"]);
    assert_eq!(w.ssp(w.ssp_a).counters().line_released[31], 1, "cause 31, normal unspecified");
    assert_eq!(w.ssp(w.ssp_a).ain_dialogues(), 0);
}

#[test]
fn a_busy_representative_is_forwarded_by_termination_attempt() {
    let mut busy = PhoneScript::new("2125550142");
    busy.when_called = WhenCalled::Busy;
    let mut w = world(
        vec![caller("2015550100", "2125550142", 10 * SEC), busy, answers("2125550143", 2 * SEC)],
        |_, _| {},
    );
    w.sim.run_for(30 * SEC);
    let ladder = w.ladder();
    println!("{ladder}");
    in_order(
        &ladder,
        &[
            "IAM 2015550100→2125550142",
            "QueryWithPerm Termination_Attempt",
            "ConversationWithPerm Request_Report_BCM_Event",
            "ConversationWithPerm T_Busy",
            "Response Analyze_Route",
            "ACM",
            "ANM",
        ],
    );
    assert!(w.phone("2125550143").saw(&LineSignal::Connected), "the forward-to line answered");
    assert!(w.phone("2015550100").saw(&LineSignal::Connected));
    assert_eq!(w.sim.element::<Iscp>(w.iscp).unwrap().counters().forwards, 1);
    assert_eq!(w.ssp(w.ssp_b).ain_dialogues(), 0);
    tshark_judges(&w.sim.pcap_bytes(), "a_busy_representative_is_forwarded_by_termination_attempt");
}

#[test]
fn no_answer_is_forwarded_after_the_iscps_timer() {
    let mut ringing = PhoneScript::new("2125550142");
    ringing.when_called = WhenCalled::NoAnswer;
    let mut w = world(
        vec![caller("2015550100", "2125550142", 10 * SEC), ringing, answers("2125550143", 2 * SEC)],
        |_, _| {},
    );
    w.sim.run_for(40 * SEC);
    let ladder = w.ladder();
    println!("{ladder}");
    in_order(
        &ladder,
        &[
            "QueryWithPerm Termination_Attempt",
            "ACM",
            "ConversationWithPerm T_No_Answer",
            "Response Analyze_Route",
            "CPG",
            "ANM",
        ],
    );
    assert!(w.phone("2125550142").saw(&LineSignal::StopRing));
    assert!(w.phone("2125550143").saw(&LineSignal::Connected));
    assert!(w.phone("2015550100").saw(&LineSignal::Connected));
}

#[test]
fn a_silent_iscp_times_out_and_the_call_is_released() {
    let mut w = world(vec![caller("2015550100", "8005551234", 10 * SEC)], |_, _| {});
    w.sim.crash(w.iscp);
    w.sim.run_for(10 * SEC);
    let ladder = w.ladder();
    println!("{ladder}");
    in_order(&ladder, &["QueryWithPerm Info_Analyzed", "Congestion tone"]);
    // The ISCP never answered, so there is no transaction ID to abort toward.
    assert!(!ladder.contains("Abort"), "{ladder}");
    let a = w.ssp(w.ssp_a).ain_counters();
    assert_eq!((a.queries, a.timeouts, a.aborts_sent), (1, 1, 0));
    // Final treatment: cause 41, the shopper hears congestion.
    assert!(w.phone("2015550100").saw(&LineSignal::Tone(Tone::Congestion)));
    assert_eq!(w.ssp(w.ssp_a).counters().line_released[41], 1);
    assert_eq!(w.ssp(w.ssp_a).ain_dialogues(), 0);
}

#[test]
fn a_silent_iscp_can_mean_default_routing() {
    let mut w =
        world(vec![caller("2015550100", "2125550142", 10 * SEC), answers("2125550142", 2 * SEC)], |_, b| {
            let ain = b.ain.as_mut().unwrap();
            ain.on_timeout = TimeoutAction::Continue;
        });
    w.sim.crash(w.iscp);
    w.sim.run_for(20 * SEC);
    let ladder = w.ladder();
    in_order(&ladder, &["QueryWithPerm Termination_Attempt", "ACM", "ANM"]);
    assert_eq!(w.ssp(w.ssp_b).ain_counters().timeouts, 1);
    assert!(w.phone("2125550142").saw(&LineSignal::Connected), "terminated as if no trigger were armed");
}

#[test]
fn the_iscp_joins_shopper_and_representative_with_an_announcement() {
    let mut shopper = answers("2015550100", 2 * SEC);
    shopper.holding = Some(40 * SEC);
    let mut w = world(vec![shopper, answers("2125550142", 3 * SEC)], |_, _| {});
    let setup = OsnMessage::CallSetup {
        call_id: 7,
        business: "ABC".into(),
        customer: "2015550100".into(),
        representative: "2125550142".into(),
        announcement: Some("please-hold".into()),
    };
    let access = w.sim.add_node("ACCESS", StandIn::new("ACCESS")).unwrap();
    w.sim.link((access, LINK), (w.iscp, Port(9)), LinkKind::Osn, LinkModel::fixed(2 * MS)).unwrap();
    w.sim.inject(access, SCRIPT, setup.emit());
    w.sim.run_for(60 * SEC);
    let ladder = w.ladder();
    println!("{ladder}");
    in_order(
        &ladder,
        &[
            "QueryWithPerm Create_Call",
            "ConversationWithPerm O_Answer",
            // The shopper goes to the IP and the representative is called at once.
            "ConversationWithPerm Send_To_Resource",
            "IAM 2015550100→21255509991",
            "IAM 2015550100→2125550142",
            "QueryWithPerm Termination_Attempt",
            "ring (caller 2015550100)",
            "ANM",
            // The representative answers before the announcement ends: the IP is cut off.
            "ConversationWithoutPerm T_Answer",
            "REL 16",
            "RLC",
            "Response O_Disconnect",
            "REL 16",
        ],
    );
    assert!(!ladder.contains("Resource_Clear"), "the IP never played to its end:\n{ladder}");
    let shopper = w.phone("2015550100");
    assert!(shopper.saw(&LineSignal::Ring { caller: Some("2125550142".into()) }));
    assert!(w.phone("2125550142").saw(&LineSignal::Connected));
    let a = w.ssp(w.ssp_a).ain_counters();
    assert_eq!(a.created_calls, 1);
    assert_eq!(w.ssp(w.ssp_a).ain_dialogues(), 0);
    let iscp = w.sim.element::<Iscp>(w.iscp).unwrap();
    assert_eq!((iscp.open_dialogues(), iscp.counters().timeouts), (0, 0));
    let statuses: Vec<CallStatus> = w
        .sim
        .element_mut::<StandIn>(access)
        .unwrap()
        .received
        .drain(..)
        .map(|(_, b)| match OsnMessage::parse(&b).unwrap() {
            OsnMessage::CallStatus { status, .. } => status,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        statuses,
        [
            CallStatus::CallingCustomer,
            CallStatus::CustomerAnswered,
            CallStatus::Announcing,
            CallStatus::CallingRepresentative,
            CallStatus::Connected,
            CallStatus::Released,
        ]
    );
    tshark_judges(&w.sim.pcap_bytes(), "the_iscp_joins_shopper_and_representative_with_an_announcement");
}

/// Wireshark must decode every frame without a malformed item, and the
/// SCCP/TCAP/AIN frames (the ones this story is about) without an expert
/// item either. (The ANSI ISUP frames draw Notes that are the ISUP codec's
/// business, e.g. on GRS.) Skips loudly without tshark.
fn tshark_judges(pcap: &[u8], name: &str) {
    use std::process::Command;
    if !Command::new("tshark").arg("--version").output().is_ok_and(|o| o.status.success()) {
        eprintln!("!!!!!!!! tshark not found: SKIPPING the Wireshark check of {name} !!!!!!!!");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.pcap"));
    std::fs::write(&path, pcap).unwrap();
    if let Ok(keep) = std::env::var("AINSIM_KEEP_PCAP") {
        std::fs::write(format!("{keep}-{name}.pcap"), pcap).unwrap();
    }
    let standard = if v() == Variant::Ansi { "mtp3.standard:ANSI" } else { "mtp3.standard:ITU" };
    let run = |extra: &[&str]| {
        let out = Command::new("tshark")
            .args(["-n", "-o", standard, "-d", "sccp.ssn==248,tcap", "-r"])
            .arg(&path)
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "tshark failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let bad = run(&["-Y", "_ws.malformed || (_ws.expert && sccp)", "-V"]);
    assert!(bad.trim().is_empty(), "tshark flags frames of {name}:\n{bad}");
    let field = if v() == Variant::Ansi { "ansi_tcap.private" } else { "inap.opcode" };
    let ops = run(&["-Y", "sccp", "-T", "fields", "-e", field]);
    assert!(!ops.trim().is_empty(), "no TCAP operations decoded in {name}");
}

// ------------------------------------------------------------------ ITU (INAP)

#[test]
fn an_itu_800_call_is_connected_by_inap() {
    itu();
    let mut w =
        world(vec![caller("2015550100", "8005551234", 10 * SEC), answers("2125550142", 2 * SEC)], |_, _| {});
    w.sim.run_for(30 * SEC);
    let ladder = w.ladder();
    println!("{ladder}");
    in_order(
        &ladder,
        &[
            "Begin InitialDP",
            "End Connect",
            "IAM 2015550100→2125550142",
            "Begin InitialDP",
            "Continue RequestReportBCSMEvent",
            "ACM",
            "End",
            "ANM",
            "REL 16",
            "RLC",
        ],
    );
    assert!(w.phone("2015550100").saw(&LineSignal::Connected));
    assert!(w.phone("2125550142").saw(&LineSignal::Connected));
    assert_eq!(w.ssp(w.ssp_a).ain_dialogues() + w.ssp(w.ssp_b).ain_dialogues(), 0);
    assert_eq!(w.sim.element::<Iscp>(w.iscp).unwrap().open_dialogues(), 0);
    tshark_judges(&w.sim.pcap_bytes(), "an_itu_800_call_is_connected_by_inap");
}

#[test]
fn an_itu_busy_representative_is_forwarded() {
    itu();
    let mut busy = PhoneScript::new("2125550142");
    busy.when_called = WhenCalled::Busy;
    let mut w = world(
        vec![caller("2015550100", "2125550142", 10 * SEC), busy, answers("2125550143", 2 * SEC)],
        |_, _| {},
    );
    w.sim.run_for(30 * SEC);
    let ladder = w.ladder();
    println!("{ladder}");
    in_order(
        &ladder,
        &["Begin InitialDP", "Continue RequestReportBCSMEvent", "Continue EventReportBCSM", "End Connect"],
    );
    assert!(w.phone("2125550143").saw(&LineSignal::Connected));
    assert_eq!(w.sim.element::<Iscp>(w.iscp).unwrap().counters().forwards, 1);
    tshark_judges(&w.sim.pcap_bytes(), "an_itu_busy_representative_is_forwarded");
}

#[test]
fn an_itu_initiate_call_attempt_joins_the_two_parties() {
    itu();
    let mut shopper = answers("2015550100", 2 * SEC);
    shopper.holding = Some(40 * SEC);
    let mut w = world(vec![shopper, answers("2125550142", 3 * SEC)], |_, _| {});
    let setup = OsnMessage::CallSetup {
        call_id: 8,
        business: "ABC".into(),
        customer: "2015550100".into(),
        representative: "2125550142".into(),
        announcement: Some("please-hold".into()),
    };
    w.sim.inject(w.iscp, Port(9), setup.emit());
    w.sim.run_for(60 * SEC);
    let ladder = w.ladder();
    println!("{ladder}");
    in_order(
        &ladder,
        &[
            "Begin InitiateCallAttempt",
            "Continue EventReportBCSM",
            // The shopper to the IP, the representative as a second call party.
            "Continue ConnectToResource",
            "IAM 2015550100→21255509991",
            "IAM 2015550100→2125550142",
            "ANM",
            // The representative answers (3 s) before the announcement ends (5 s).
            "Continue EventReportBCSM",
            "REL 16",
            "End EventReportBCSM",
        ],
    );
    assert!(!ladder.contains("SpecializedResourceReport"), "the IP is cut off at the answer:\n{ladder}");
    assert!(w.phone("2125550142").saw(&LineSignal::Connected));
    let iscp = w.sim.element::<Iscp>(w.iscp).unwrap();
    assert_eq!((iscp.open_dialogues(), iscp.counters().timeouts), (0, 0));
    assert_eq!(w.ssp(w.ssp_a).ain_dialogues(), 0);
    tshark_judges(&w.sim.pcap_bytes(), "an_itu_initiate_call_attempt_joins_the_two_parties");
}

#[test]
fn a_representative_on_the_same_switch_who_does_not_answer_leaves_the_shopper_on_the_ip() {
    let mut shopper = answers("2015550100", 2 * SEC);
    shopper.holding = Some(120 * SEC);
    let mut rep = PhoneScript::new("2015550101");
    rep.when_called = WhenCalled::NoAnswer;
    let mut w = world(vec![shopper, rep], |_, _| {});
    let setup = OsnMessage::CallSetup {
        call_id: 9,
        business: "ABC".into(),
        customer: "2015550100".into(),
        representative: "2015550101".into(),
        announcement: Some("please-hold".into()),
    };
    let access = w.sim.add_node("ACCESS", StandIn::new("ACCESS")).unwrap();
    w.sim.link((access, LINK), (w.iscp, Port(9)), LinkKind::Osn, LinkModel::fixed(2 * MS)).unwrap();
    w.sim.inject(access, SCRIPT, setup.emit());
    w.sim.run_for(100 * SEC);
    let ladder = w.ladder();
    println!("{ladder}");
    // The representative's line rings for the ISCP's 20 s, not longer: the
    // IP's ACM at each repeat of the announcement does not restart the timer.
    let rep = w.phone("2015550101");
    let rang = rep.log().iter().find(|s| matches!(s.signal, LineSignal::Ring { .. })).unwrap().at;
    let stopped = rep.log().iter().find(|s| s.signal == LineSignal::StopRing).unwrap().at;
    assert_eq!((stopped.0 - rang.0) / 1_000_000, 20, "rang from {rang:?} to {stopped:?}");
    assert!(!rep.saw(&LineSignal::Connected));
    in_order(&ladder, &["O_No_Answer", "Resource_Clear", "Send_To_Resource"]);
    // The shopper was on the IP throughout (the announcement, id 1, again and
    // again), then heard the apology (id 5) and was released.
    let holds = ladder.matches("IAM 2015550100→21255509991").count();
    assert!(holds >= 5, "{holds} IAMs to the IP:\n{ladder}");
    assert!(ladder.contains("IAM 2015550100→21255509995"), "the apology");
    assert!(w.phone("2015550100").saw(&LineSignal::FarEndReleased));
    let statuses: Vec<CallStatus> = w
        .sim
        .element_mut::<StandIn>(access)
        .unwrap()
        .received
        .drain(..)
        .map(|(_, b)| match OsnMessage::parse(&b).unwrap() {
            OsnMessage::CallStatus { status, .. } => status,
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(
        statuses.contains(&CallStatus::RepresentativeUnavailable {
            representative: "2015550101".into(),
            cause: "no_answer".into(),
            wait_s: 30
        }),
        "{statuses:?}"
    );
    assert_eq!(
        statuses.last(),
        Some(&CallStatus::Failed { reason: "no representative available".into() }),
        "{statuses:?}"
    );
    let iscp = w.sim.element::<Iscp>(w.iscp).unwrap();
    assert_eq!((iscp.open_dialogues(), iscp.counters().timeouts), (0, 0));
    assert_eq!(w.ssp(w.ssp_a).ain_dialogues(), 0);
    tshark_judges(
        &w.sim.pcap_bytes(),
        "a_representative_on_the_same_switch_who_does_not_answer_leaves_the_shopper_on_the_ip",
    );
}
